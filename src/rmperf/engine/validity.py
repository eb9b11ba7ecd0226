"""Which rows of a lake table are valid: one SQL query generated from the contract.

Validation and reading share this query. `checked_sql` returns every row of a table
with its typed values, one boolean per broken rule (`__c_<k>`), one message per rule
(`__m_<k>`) and `__reject`, the OR of them all. Validation writes the rows where
`__reject` holds to the rejects file; every engine computation reads the rows where it
does not (`valid_sql`). The same generator speaks two dialects (DuckDB and Spark SQL), so
both backends see the same valid rows; only spelling differs (quoting, regex, types).

The query never depends on the session time zone (Ibis resets it to UTC on both
backends): a timestamp without an offset is parsed with the bank's zone id appended,
and a timestamp's business date is computed with an explicit conversion.
"""

# ruff: noqa: S608 - this module writes SQL: names come from the contract and every
# identifier and literal goes through Dialect.ident / Dialect.lit.

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import Protocol

from rmperf.engine import contract
from rmperf.engine.contract import ColType, Column, Table

# -- what the files hold ---------------------------------------------------------------


class SourceKind(StrEnum):
    """The physical type of a column in the files (CSV columns are all TEXT)."""

    TEXT = "text"
    INT = "int"
    DECIMAL = "decimal"
    FLOAT = "float"
    DATE = "date"
    TIMESTAMP_TZ = "timestamp_tz"  # an instant (Parquet isAdjustedToUTC)
    TIMESTAMP_LOCAL = "timestamp_local"  # a wall-clock time without zone: bank time
    BOOL = "bool"
    OTHER = "other"


@dataclass(frozen=True)
class SourceColumn:
    name: str
    kind: SourceKind
    scale: int = 0  # decimal sources only


@dataclass(frozen=True)
class SourceShape:
    """The columns the files of one table hold, in file order."""

    columns: tuple[SourceColumn, ...]

    def get(self, name: str) -> SourceColumn | None:
        for col in self.columns:
            if col.name == name:
                return col
        return None

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)


# -- dialects --------------------------------------------------------------------------


class Dialect(Protocol):
    """How one SQL engine spells the few things DuckDB and Spark SQL write differently."""

    @property
    def name(self) -> str: ...

    def ident(self, name: str) -> str: ...
    def lit(self, value: str) -> str: ...
    def type_sql(self, col_type: ColType) -> str: ...
    def text(self, expr: str) -> str: ...
    def full_match(self, expr: str, pattern: str) -> str: ...
    def search(self, expr: str, pattern: str) -> str:
        """Whether `pattern` matches anywhere in `expr`."""
        ...

    def local_ts(self, expr: str, time_zone: str) -> str:
        """A TIMESTAMP WITHOUT TIME ZONE value read as wall-clock time in `time_zone`."""
        ...

    @property
    def naive_type(self) -> str:
        """The timestamp type without time zone."""
        ...

    def business_date(self, expr: str, time_zone: str) -> str:
        """The calendar date of an instant in `time_zone`."""
        ...

    def start_of_day(self, day: str, time_zone: str) -> str:
        """The instant a calendar day begins in `time_zone`."""
        ...

    def cte(self, name: str, sql: str) -> str:
        """One common table expression, inlined (never computed and stored)."""
        ...

    def repeated_hashes(self, hashed: str, source: str, where: str) -> str:
        """SQL: the values of `hashed` over the rows of `source` where `where` holds that
        occur on more than one row (each at least once)."""
        ...


@dataclass(frozen=True)
class DuckDBDialect:
    name: str = "duckdb"

    def ident(self, name: str) -> str:
        return '"' + name.replace('"', '""') + '"'

    def lit(self, value: str) -> str:
        return "'" + value.replace("'", "''") + "'"

    def type_sql(self, col_type: ColType) -> str:
        return contract.DUCKDB_TYPES[col_type]

    def text(self, expr: str) -> str:
        return f"CAST({expr} AS VARCHAR)"

    def full_match(self, expr: str, pattern: str) -> str:
        return f"regexp_full_match({expr}, {self.lit(pattern)})"

    def search(self, expr: str, pattern: str) -> str:
        return f"regexp_matches({expr}, {self.lit(pattern)})"

    def local_ts(self, expr: str, time_zone: str) -> str:
        return f"timezone({self.lit(time_zone)}, CAST({expr} AS TIMESTAMP))"

    @property
    def naive_type(self) -> str:
        return "TIMESTAMP"

    def business_date(self, expr: str, time_zone: str) -> str:
        return f"CAST(timezone({self.lit(time_zone)}, {expr}) AS DATE)"

    def start_of_day(self, day: str, time_zone: str) -> str:
        return f"CAST({self.lit(f'{day} 00:00:00 {time_zone}')} AS TIMESTAMPTZ)"

    def cte(self, name: str, sql: str) -> str:
        # DuckDB may store a CTE that is read twice (the key stages are): 21M rows.
        return f"{name} AS NOT MATERIALIZED ({sql})"

    def repeated_hashes(self, hashed: str, source: str, where: str) -> str:
        # Sorting the 64-bit hashes and comparing neighbours costs about 60 % of the CPU
        # of a hash GROUP BY over 21M distinct keys (bench/validate.md).
        # The window sorts only the hashes (it would carry the key strings along if the
        # hash were computed inside it).
        return (
            f"SELECT __h FROM (SELECT __h, lag(__h) OVER (ORDER BY __h) AS __p "
            f"FROM (SELECT {hashed} AS __h FROM {source} WHERE {where})) WHERE __h = __p"
        )


_SPARK_TYPES: dict[ColType, str] = {
    ColType.STRING: "STRING",
    ColType.DATE: "DATE",
    ColType.TIMESTAMP: "TIMESTAMP",
    ColType.MONTH: "STRING",
    ColType.MONEY: "DECIMAL(18,2)",
    ColType.RATE: "DECIMAL(12,6)",
    ColType.SCORE: "DECIMAL(9,2)",
    ColType.HOURS: "DECIMAL(9,2)",
    ColType.INT: "BIGINT",
    ColType.BOOL: "BOOLEAN",
}


@dataclass(frozen=True)
class SparkDialect:
    name: str = "spark"

    def ident(self, name: str) -> str:
        return "`" + name.replace("`", "``") + "`"

    def lit(self, value: str) -> str:
        # Spark string literals treat the backslash as an escape character.
        return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"

    def type_sql(self, col_type: ColType) -> str:
        return _SPARK_TYPES[col_type]

    def text(self, expr: str) -> str:
        return f"CAST({expr} AS STRING)"

    def full_match(self, expr: str, pattern: str) -> str:
        # RLIKE finds; anchor it. `\z`, not `$`: Java's `$` also matches before a final
        # line break, so "C1\n" would pass as an id.
        return f"({expr} RLIKE {self.lit('^(?:' + pattern + r')\z')})"

    def search(self, expr: str, pattern: str) -> str:
        return f"({expr} RLIKE {self.lit(pattern)})"

    def local_ts(self, expr: str, time_zone: str) -> str:
        # Spark has no "this wall-clock time in zone Z" function that ignores the session
        # zone, but its timestamp parser accepts a zone id after the time.
        return f"TRY_CAST(CAST({expr} AS STRING) || {self.lit(' ' + time_zone)} AS TIMESTAMP)"

    @property
    def naive_type(self) -> str:
        return "TIMESTAMP_NTZ"

    def business_date(self, expr: str, time_zone: str) -> str:
        return f"TO_DATE(convert_timezone({self.lit(time_zone)}, {expr}))"

    def start_of_day(self, day: str, time_zone: str) -> str:
        return f"CAST({self.lit(f'{day} 00:00:00 {time_zone}')} AS TIMESTAMP)"

    def cte(self, name: str, sql: str) -> str:
        return f"{name} AS ({sql})"

    def repeated_hashes(self, hashed: str, source: str, where: str) -> str:
        # A window over the whole table would run in one Spark task.
        return (
            f"SELECT {hashed} AS __h FROM {source} WHERE {where} "
            f"GROUP BY {hashed} HAVING COUNT(*) > 1"
        )


DUCKDB = DuckDBDialect()
SPARK = SparkDialect()

# -- the rules -------------------------------------------------------------------------

_INT_RE = r"^[+-]?[0-9]+$"
_DECIMAL_RE = r"^[+-]?[0-9]+(\.[0-9]+)?$"
_DATE_RE = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"
_TIME = r"([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9](\.[0-9]{1,9})?)?"
_TS_LOCAL_RE = rf"^[0-9]{{4}}-[0-9]{{2}}-[0-9]{{2}}[T ]{_TIME}$"
_TS_OFFSET_RE = rf"^[0-9]{{4}}-[0-9]{{2}}-[0-9]{{2}}[T ]{_TIME}(Z|[+-][0-9]{{2}}(:?[0-9]{{2}})?)$"

#: Control characters (C0, DEL, C1): the database refuses NUL, and none belongs in a name,
#: an id or a free-text field of a bank's delivery (contract.Column.max_length's docs).
CONTROL_RE = r"[\x00-\x1f\x7f-\x9f]"
_CONTROL = re.compile(CONTROL_RE)
#: Characters a pattern may escape and still match only that character.
_PUNCTUATION_ESCAPES = frozenset("\\.+*?()[]{}|^$-/")


def printable_only(pattern: str) -> bool:
    """Whether every text that fully matches `pattern` is printable ASCII (so free of
    control characters), judged from the pattern's spelling: printable ASCII only, no
    `.` outside a class, no negated class, no escape but of punctuation (`\\s`, `\\w`,
    `\\x..` refuse). Conservative: False means "cannot tell", never "matches controls"."""
    in_class = False
    chars = iter(enumerate(pattern))
    for i, ch in chars:
        if not " " <= ch <= "~":
            return False
        if ch == "\\":
            nxt = next(chars, None)
            if nxt is None or nxt[1] not in _PUNCTUATION_ESCAPES:
                return False
        elif in_class:
            in_class = ch != "]"
        elif ch == "[":
            if pattern[i + 1 : i + 2] == "^":
                return False
            in_class = True
            if pattern[i + 1 : i + 2] == "]":  # a leading ] is a member
                next(chars, None)
        elif ch == ".":
            return False
    return True


ORG_TABLE = "org_units"
ASSIGNMENT_TABLE = "assignments"
#: The end of an open assignment slice (valid_to empty: still valid), for comparisons.
OPEN_END = "9999-12-31"
#: The kinds a unit's parent may have: a strictly higher level, the region and the team
#: being optional (bank → [region →] branch [→ team]; many city and rural commercial banks
#: have no regions, and some branches no teams). A team sits in a branch; the bank has no
#: parent (contract row rule `root_is_bank`).
ORG_PARENT_KINDS: dict[str, tuple[str, ...]] = {
    "region": ("bank",),
    "branch": ("region", "bank"),
    "team": ("branch",),
}


@dataclass(frozen=True)
class Rule:
    """One way a row can be bad: a condition and the message that explains it."""

    column: str  # the column blamed
    key: str  # the reason without the value: the summary counts rows per "column: key"
    cond: str  # SQL boolean; NULL counts as "not broken"
    message: str  # SQL string, evaluated only where cond holds

    @property
    def label(self) -> str:
        return f"{self.column}: {self.key}"


@dataclass(frozen=True)
class CheckedQuery:
    """The generated query of one table and the names a caller needs to read it."""

    table: Table
    sql: str
    rules: tuple[Rule, ...]
    raw_columns: tuple[tuple[str, str], ...]  # (file column name, SQL column holding it)
    references: tuple[str, ...]  # tables whose valid view the query reads


#: The row identity `checked_query(row_ids=True)` adds: file index, row number in it.
ROW_FILE = "__file"
ROW_NUMBER = "__row"


def valid_view_name(table: str) -> str:
    return f"rm_valid_{table}"


def raw_view_name(table: str) -> str:
    return f"rm_raw_{table}"


def _flag(cond: str) -> str:
    """A rule's condition as TRUE/FALSE (NULL: FALSE). A CASE, not COALESCE(cond,
    FALSE): DuckDB evaluates a CASE condition's conjuncts left to right on the rows
    still in question, so an expensive test after a cheap one (a regex after "not found
    in the referenced table") runs on the few rows that need it; a projected AND
    evaluates every conjunct on every row."""
    return f"CASE WHEN {cond} THEN TRUE ELSE FALSE END"


def _number_literal(value: str) -> str:
    try:
        Decimal(value)
    except InvalidOperation:  # pragma: no cover - contract invariant
        raise ValueError(f"bound {value!r} is not a number") from None
    return value


def _predicate_columns(check: contract.RowCheck, table: Table) -> tuple[str, ...]:
    without_strings = re.sub(r"'[^']*'", "''", check.predicate)
    words = set(re.findall(r"[A-Za-z_][A-Za-z0-9_]*", without_strings))
    return tuple(c for c in table.column_names if c in words)


class _Builder:
    """Builds the stages of one table's checked query."""

    def __init__(
        self,
        table: Table,
        shape: SourceShape,
        dialect: Dialect,
        *,
        today: date,
        time_zone: str,
    ) -> None:
        self.t = table
        self.shape = shape
        self.d = dialect
        self.today = today
        self.tz = time_zone
        self.index = {name: i for i, name in enumerate(table.column_names)}
        self.rules: list[tuple[int, int, Rule]] = []  # (column index, order, rule)
        # The foreign keys checked against another table's valid rows: (j, column,
        # referenced table, referenced column); __fk_<j> holds the match.
        self.refs: list[tuple[int, Column, str, str]] = []
        for col in table.columns:
            if col.references is not None:
                ref_table, ref_col = col.references.split(".")
                if ref_table != table.name:  # the org tree's parent: org_stages
                    self.refs.append((len(self.refs), col, ref_table, ref_col))

    # names of the helper columns
    @staticmethod
    def raw(i: int) -> str:
        return f"__r_{i}"

    @staticmethod
    def norm(i: int) -> str:
        return f"__v_{i}"

    @staticmethod
    def col_err(i: int) -> str:
        return f"__ce_{i}"

    def q(self, name: str) -> str:
        return self.d.ident(name)

    def add(self, column: str, key: str, cond: str, message: str) -> None:
        self.rules.append((self.index[column], len(self.rules), Rule(column, key, cond, message)))

    def msg(self, column: str, *parts: str) -> str:
        """A message "column: ..." from SQL string expressions."""
        return " || ".join([self.d.lit(f"{column}: "), *parts])

    def display(self, i: int) -> str:
        """The value as the file gave it, for messages and the rejects file."""
        src = self.shape.get(self.t.columns[i].name)
        if src is None or src.kind is SourceKind.TEXT:
            return self.raw(i)
        return self.d.text(self.raw(i))

    # -- stage s: raw values ---------------------------------------------------------
    def raw_select(self) -> tuple[list[str], list[tuple[str, str]]]:
        exprs: list[str] = []
        raw_columns: list[tuple[str, str]] = []
        for i, col in enumerate(self.t.columns):
            if self.shape.get(col.name) is None:
                exprs.append(f"CAST(NULL AS {self.d.type_sql(ColType.STRING)}) AS {self.raw(i)}")
            else:
                exprs.append(f"{self.q(col.name)} AS {self.raw(i)}")
                raw_columns.append((col.name, self.raw(i)))
        extras = [c for c in self.shape.names if c not in self.index]
        for j, name in enumerate(extras):
            exprs.append(f"{self.q(name)} AS __x_{j}")
            raw_columns.append((name, f"__x_{j}"))
        return exprs, raw_columns

    # -- stage v/t: normalised text and typed values ---------------------------------
    def text_path(self, i: int) -> bool:
        """Whether the column's values are parsed from text (CSV, or an unusual type)."""
        col = self.t.columns[i]
        src = self.shape.get(col.name)
        if src is None or src.kind is SourceKind.TEXT:
            return True
        native: dict[ColType, tuple[SourceKind, ...]] = {
            ColType.INT: (SourceKind.INT,),
            ColType.DATE: (SourceKind.DATE,),
            ColType.TIMESTAMP: (SourceKind.TIMESTAMP_TZ, SourceKind.TIMESTAMP_LOCAL),
            ColType.BOOL: (SourceKind.BOOL,),
        }
        if col.type in contract.DECIMAL_SCALE:
            return src.kind not in (SourceKind.INT, SourceKind.DECIMAL, SourceKind.FLOAT)
        if col.type is ColType.INT and src.kind is SourceKind.DECIMAL and src.scale == 0:
            return False
        return src.kind not in native.get(col.type, ())

    def norm_expr(self, i: int) -> str:
        col = self.t.columns[i]
        src = self.shape.get(col.name)
        r = self.raw(i)
        if src is None or src.kind is SourceKind.TEXT:
            # An empty or blank field is a missing value, never the empty string. A text
            # starting with an ASCII letter or digit (bytes 0x30-0x7a, compared as bytes)
            # is not blank; TRIM runs only on the others.
            return (
                f"CASE WHEN {r} >= '0' AND {r} < '{{' THEN {r} "
                f"WHEN TRIM({r}) = '' THEN NULL ELSE {r} END"
            )
        if self.text_path(i):
            return f"CASE WHEN TRIM({self.d.text(r)}) = '' THEN NULL ELSE {self.d.text(r)} END"
        return r

    def typed_expr(self, i: int) -> str:
        col = self.t.columns[i]
        v = self.norm(i)
        d = self.d
        target = d.type_sql(col.type)
        src = self.shape.get(col.name)
        if src is not None and not self.text_path(i):
            if col.type in contract.DECIMAL_SCALE:
                if src.kind is SourceKind.FLOAT:
                    return f"CAST(NULL AS {target})"
                # A value that needs rounding to fit is not the value the bank sent.
                return (
                    f"CASE WHEN TRY_CAST({v} AS {target}) = {v} THEN TRY_CAST({v} AS {target}) END"
                )
            if col.type is ColType.TIMESTAMP and src.kind is SourceKind.TIMESTAMP_LOCAL:
                return d.local_ts(v, self.tz)
            return f"TRY_CAST({v} AS {target})"
        match col.type:
            case ColType.STRING:
                return v
            case ColType.MONTH:
                return f"CASE WHEN {d.full_match(v, contract.MONTH_PATTERN)} THEN {v} END"
            case ColType.INT:
                return f"CASE WHEN {d.full_match(v, _INT_RE)} THEN TRY_CAST({v} AS {target}) END"
            case ColType.MONEY | ColType.RATE | ColType.SCORE | ColType.HOURS:
                return (
                    f"CASE WHEN {d.full_match(v, self.scale_re(col))} "
                    f"THEN TRY_CAST({v} AS {target}) END"
                )
            case ColType.DATE:
                return f"CASE WHEN {d.full_match(v, _DATE_RE)} THEN TRY_CAST({v} AS {target}) END"
            case ColType.TIMESTAMP:
                return (
                    f"CASE WHEN {d.full_match(v, _TS_OFFSET_RE)} THEN TRY_CAST({v} AS {target}) "
                    f"WHEN {d.full_match(v, _TS_LOCAL_RE)} "
                    f"THEN {d.local_ts(f'TRY_CAST({v} AS {d.naive_type})', self.tz)} END"
                )
            case ColType.BOOL:
                return (
                    f"CASE WHEN LOWER({v}) IN ('true', '1') THEN TRUE "
                    f"WHEN LOWER({v}) IN ('false', '0') THEN FALSE END"
                )

    @staticmethod
    def scale_re(col: Column) -> str:
        # Trailing zeros beyond the scale lose nothing ("1.50" in an hours column is 1.5);
        # any other extra digit would have to be rounded away, so it is rejected.
        scale = contract.DECIMAL_SCALE[col.type]
        return rf"^[+-]?[0-9]+(\.[0-9]{{1,{scale}}}0*|\.0+)?$"

    # -- column rules -----------------------------------------------------------------
    def column_rules(self, i: int) -> None:
        col = self.t.columns[i]
        name = col.name
        v, typed, shown = self.norm(i), self.q(name), self.display(i)
        d = self.d
        missing_file = self.shape.get(name) is None
        if col.required:
            text = "column is missing from the file" if missing_file else "a value is required"
            self.add(name, "required", f"{v} IS NULL", d.lit(f"{name}: {text}"))
        present = f"{v} IS NOT NULL"
        bad = f"{present} AND {typed} IS NULL"
        src = self.shape.get(name)
        match col.type:
            case ColType.STRING:
                pass
            case ColType.MONTH:
                self.add(
                    name,
                    "not a month",
                    bad,
                    self.msg(name, shown, d.lit(" is not a month (YYYY-MM)")),
                )
            case ColType.INT:
                if self.text_path(i):
                    fmt = d.full_match(v, _INT_RE)
                    self.add(
                        name,
                        "not an integer",
                        f"{present} AND NOT {fmt}",
                        self.msg(name, shown, d.lit(" is not an integer")),
                    )
                    self.add(
                        name,
                        "out of range",
                        f"{bad} AND {fmt}",
                        self.msg(name, shown, d.lit(" is out of range for a 64-bit integer")),
                    )
                else:
                    self.add(
                        name,
                        "out of range",
                        bad,
                        self.msg(name, shown, d.lit(" is out of range for a 64-bit integer")),
                    )
            case ColType.MONEY | ColType.RATE | ColType.SCORE | ColType.HOURS:
                scale = contract.DECIMAL_SCALE[col.type]
                target = d.type_sql(col.type)
                places = f"more than {scale} decimal places"
                too_big = f" is too large for {target.lower()}"
                if self.text_path(i):
                    fmt = d.full_match(v, _DECIMAL_RE)
                    fits = d.full_match(v, self.scale_re(col))
                    self.add(
                        name,
                        "not a number",
                        f"{present} AND NOT {fmt}",
                        self.msg(name, shown, d.lit(" is not a decimal number")),
                    )
                    self.add(
                        name,
                        places,
                        f"{present} AND {fmt} AND NOT {fits}",
                        self.msg(name, shown, d.lit(f" has {places}")),
                    )
                    self.add(
                        name,
                        "out of range",
                        f"{bad} AND {fits}",
                        self.msg(name, shown, d.lit(too_big)),
                    )
                elif src is not None and src.kind is SourceKind.FLOAT:
                    self.add(
                        name,
                        "floating-point value",
                        present,
                        self.msg(
                            name,
                            shown,
                            d.lit(" is a floating-point number; decimal columns need exact values"),
                        ),
                    )
                else:
                    fits = f"TRY_CAST({v} AS {target}) IS NOT NULL"
                    self.add(
                        name,
                        places,
                        f"{bad} AND {fits}",
                        self.msg(name, shown, d.lit(f" has {places}")),
                    )
                    self.add(
                        name,
                        "out of range",
                        f"{present} AND NOT ({fits})",
                        self.msg(name, shown, d.lit(too_big)),
                    )
            case ColType.DATE:
                self.add(
                    name,
                    "not a date",
                    bad,
                    self.msg(name, shown, d.lit(" is not a date (YYYY-MM-DD)")),
                )
            case ColType.TIMESTAMP:
                self.add(
                    name,
                    "not a timestamp",
                    bad,
                    self.msg(name, shown, d.lit(" is not an ISO 8601 timestamp")),
                )
            case ColType.BOOL:
                self.add(
                    name,
                    "not a boolean",
                    bad,
                    self.msg(name, shown, d.lit(" is not a boolean (true/false/1/0)")),
                )
        # A value found among the valid values of a referenced column that has the same
        # text rules passed them there: its own are not evaluated again (cheaper; the
        # verdict is the same).
        ok = self.value_ok(i)
        if col.enum is not None:
            self.add(
                name,
                "not allowed",
                f"{ok} AND NOT {self.in_enum(i)}",
                self.msg(name, shown, d.lit(f" is not one of {', '.join(col.enum)}")),
            )
        if col.pattern is not None:
            matches = self.fits(i)
            if col.type is ColType.MONTH and col.pattern == contract.MONTH_PATTERN:
                matches = "TRUE"  # the typed value is only set where this pattern matches
            self.add(
                name,
                "bad format",
                f"{ok} AND NOT {matches}",
                self.msg(name, shown, d.lit(f" does not match {col.pattern}")),
            )
        if col.type is ColType.STRING:
            # A value that fits a printable-only pattern or is one of printable enum
            # values holds no control character: the search runs on the others only.
            clean = ""
            if col.pattern is not None and printable_only(col.pattern):
                clean = f"NOT {self.fits(i)} AND "
            elif col.enum is not None and not any(_CONTROL.search(e) for e in col.enum):
                clean = f"NOT {self.in_enum(i)} AND "
            # Neither rule quotes the value: it may be 200,000 characters, or unprintable.
            self.add(
                name,
                "control character",
                f"{ok} AND {clean}{d.search(typed, CONTROL_RE)}",
                self.msg(
                    name,
                    d.lit(
                        "contains a control character (NUL, tab, line break, escape …); "
                        "text may hold none"
                    ),
                ),
            )
            if col.max_length is not None:
                self.add(
                    name,
                    f"longer than {col.max_length} characters",
                    f"{ok} AND LENGTH({typed}) > {col.max_length}",
                    self.msg(
                        name,
                        d.lit("is "),
                        d.text(f"LENGTH({typed})"),
                        d.lit(f" characters long; at most {col.max_length}"),
                    ),
                )
        if col.min_value is not None:
            bound = _number_literal(col.min_value)
            op, neg = (">", "<=") if col.exclusive_min else (">=", "<")
            self.add(
                name,
                f"not {op} {bound}",
                f"{ok} AND {typed} {neg} {bound}",
                self.msg(name, shown, d.lit(f" is not {op} {bound}")),
            )
        if col.max_value is not None:
            bound = _number_literal(col.max_value)
            self.add(
                name,
                f"not <= {bound}",
                f"{ok} AND {typed} > {bound}",
                self.msg(name, shown, d.lit(f" is not <= {bound}")),
            )
        if col.temporal:
            self.temporal_rules(i)

    # -- tests several rules share, evaluated once per row (stage p) ----------------
    def value_ok(self, i: int) -> str:
        """SQL: whether column i's own value rules apply (a value present and, for a
        foreign key with the same text rules, not found in the referenced column)."""
        return f"{self.fk_gate(i)}{self.q(self.t.columns[i].name)} IS NOT NULL"

    @staticmethod
    def fits_col(i: int) -> str:
        return f"__p_{i}"

    @staticmethod
    def enum_col(i: int) -> str:
        return f"__n_{i}"

    def fits(self, i: int) -> str:
        """SQL: whether column i's typed value matches its pattern (NULL where
        value_ok(i) does not hold). A column of stage p: the bad-format and the
        control-character rule both ask, and DuckDB does not share a regex between two
        CASE conditions (it ran twice on every transaction id)."""
        return self.fits_col(i)

    def in_enum(self, i: int) -> str:
        """SQL: whether column i's typed value is one of its enum values (NULL where
        value_ok(i) does not hold); stage p, like fits()."""
        return self.enum_col(i)

    def shared_tests(self) -> list[str]:
        """Stage p's columns: the pattern and enum tests of every column."""
        out: list[str] = []
        for i, col in enumerate(self.t.columns):
            typed, ok = self.q(col.name), self.value_ok(i)
            pattern_used = col.pattern is not None and not (
                col.type is ColType.MONTH and col.pattern == contract.MONTH_PATTERN
            )
            if pattern_used and col.pattern is not None:
                match = self.d.full_match(typed, col.pattern)
                out.append(f"CASE WHEN {ok} THEN {match} END AS {self.fits_col(i)}")
            if col.enum is not None:
                allowed = ", ".join(self.d.lit(e) for e in col.enum)
                out.append(f"CASE WHEN {ok} THEN {typed} IN ({allowed}) END AS {self.enum_col(i)}")
        return out

    def temporal_rules(self, i: int) -> None:
        col = self.t.columns[i]
        name, typed, shown, d = col.name, self.q(col.name), self.display(i), self.d
        today = self.today.isoformat()
        if col.type is ColType.MONTH:
            day, lo, hi = typed, d.lit(contract.MIN_DATE[:7]), d.lit(today[:7])
        elif col.type is ColType.TIMESTAMP:
            # Compare instants with the bounds' instants in bank time rather than convert
            # every row: "business date > today" is "at or after tomorrow's midnight".
            tomorrow = (self.today + timedelta(days=1)).isoformat()
            ok = f"{typed} IS NOT NULL"
            self.add(
                name,
                f"before {contract.MIN_DATE}",
                f"{ok} AND {typed} < {d.start_of_day(contract.MIN_DATE, self.tz)}",
                self.msg(name, shown, d.lit(f" is before {contract.MIN_DATE}")),
            )
            if col.past_only:
                self.add(
                    name,
                    "in the future",
                    f"{ok} AND {typed} >= {d.start_of_day(tomorrow, self.tz)}",
                    self.msg(name, shown, d.lit(f" is after the validation day {today}")),
                )
            return
        else:
            day, lo, hi = typed, f"DATE {d.lit(contract.MIN_DATE)}", f"DATE {d.lit(today)}"
        ok = f"{typed} IS NOT NULL"
        self.add(
            name,
            f"before {contract.MIN_DATE}",
            f"{ok} AND {day} < {lo}",
            self.msg(name, shown, d.lit(f" is before {contract.MIN_DATE}")),
        )
        if col.past_only:
            self.add(
                name,
                "in the future",
                f"{ok} AND {day} > {hi}",
                self.msg(name, shown, d.lit(f" is after the validation day {today}")),
            )

    def fk_gate(self, i: int) -> str:
        """SQL prefix "__fk_<j> IS NULL AND " when column i's text rules need only run on
        values not found in the referenced column (whose rules are the same), else ""."""
        col = self.t.columns[i]
        for j, ref_col, ref_table, ref_name in self.refs:
            if ref_col.name != col.name:
                continue
            target = contract.table(ref_table).column(ref_name)
            same = (
                col.type is ColType.STRING
                and target.type is ColType.STRING
                and (col.pattern, col.enum, col.max_length)
                == (target.pattern, target.enum, target.max_length)
                and col.min_value is None
                and col.max_value is None
            )
            return f"__fk_{j} IS NULL AND " if same else ""
        return ""

    # -- row rules --------------------------------------------------------------------
    def no_col_error(self, *names: str) -> str:
        return " AND ".join(f"NOT {self.col_err(self.index[n])}" for n in names)

    def row_check_rules(self) -> None:
        d = self.d
        for check in self.t.checks:
            cols = _predicate_columns(check, self.t)
            shown = [
                part
                for n in cols
                for part in (d.lit(f"{n}="), f"COALESCE({self.display(self.index[n])}, 'empty')")
            ]
            detail = " || ', ' || ".join(
                f"{shown[k]} || {shown[k + 1]}" for k in range(0, len(shown), 2)
            )
            gate = f"{self.no_col_error(*cols)} AND " if cols else ""
            cond = f"{gate}NOT COALESCE(({check.predicate}), TRUE)"
            message = (
                self.msg(check.column, d.lit(check.reason + " ("), detail, d.lit(")"))
                if cols
                else d.lit(f"{check.column}: {check.reason}")
            )
            self.add(check.column, check.name, cond, message)

    def dup_rule(self) -> None:
        pk = self.t.primary_key
        if not pk:
            return
        d = self.d
        present = " AND ".join(f"{self.q(c)} IS NOT NULL" for c in pk)
        keys = " || ', ' || ".join(f"{d.lit(c + '=')} || {d.text(self.q(c))}" for c in pk)
        self.add(
            pk[0],
            "duplicate primary key",
            f"{present} AND __dup > 1",
            self.msg(
                pk[0],
                d.lit("duplicate primary key ("),
                keys,
                d.lit(") on "),
                d.text("__dup"),
                d.lit(" rows"),
            ),
        )

    def fk_rules(self) -> None:
        for j, col, ref_table, _ in self.refs:
            i = self.index[col.name]
            cond = f"{self.q(col.name)} IS NOT NULL AND NOT {self.col_err(i)} AND __fk_{j} IS NULL"
            self.add(
                col.name,
                f"not found in {ref_table}",
                cond,
                self.msg(
                    col.name,
                    self.display(i),
                    self.d.lit(f" not found in {ref_table} (or rejected there)"),
                ),
            )

    def org_own_rules(self) -> None:
        d = self.d
        self.add(
            "kind",
            "more than one bank",
            "kind = 'bank' AND __nbank > 1",
            self.msg(
                "kind",
                d.lit("bank appears on "),
                d.text("__nbank"),
                d.lit(" rows; the org tree has exactly one bank"),
            ),
        )

    def parent_ok(self, kind: str, parent_kind: str) -> str:
        """SQL: whether a unit of kind `kind` may have a parent of kind `parent_kind`
        (NULL when either is NULL)."""
        whens = " ".join(
            f"WHEN {self.d.lit(c)} THEN {parent_kind} IN ({', '.join(self.d.lit(p) for p in ps)})"
            for c, ps in ORG_PARENT_KINDS.items()
        )
        return f"(CASE {kind} {whens} ELSE FALSE END)"

    def expected(self, kind: str) -> str:
        """SQL: the parent kinds a unit of kind `kind` may have, as text ("region or bank")."""
        whens = " ".join(
            f"WHEN {self.d.lit(c)} THEN {self.d.lit(' or '.join(ps))}"
            for c, ps in ORG_PARENT_KINDS.items()
        )
        return f"CASE {kind} {whens} END"

    def org_parent_rules(self) -> None:
        d = self.d
        i_parent = self.index["parent_id"]
        expected = self.expected("kind")
        linked = f"parent_id IS NOT NULL AND NOT {self.col_err(i_parent)}"
        fits = self.parent_ok("kind", "__pkind")
        not_found = f"{linked} AND (__pkind IS NULL OR ({fits} AND NOT __pvalid))"
        self.add(
            "parent_id",
            "not found in org_units",
            not_found,
            self.msg(
                "parent_id",
                self.display(i_parent),
                d.lit(" not found in org_units (or rejected there)"),
            ),
        )
        self.add(
            "parent_id",
            "wrong parent level",
            f"{linked} AND __pkind IS NOT NULL AND NOT {fits}",
            self.msg(
                "parent_id",
                self.display(i_parent),
                d.lit(" is a "),
                "__pkind",
                d.lit(", but a "),
                "kind",
                d.lit(" needs a "),
                f"({expected})",
                d.lit(" as parent"),
            ),
        )

    # -- assembly ---------------------------------------------------------------------
    def valid_typed(self, i: int) -> str:
        """Column i's typed value, over the raw column, for a row known to be valid.

        Equal to the checked query's typed value on every valid row, with the parts
        only a rejected row needs left out: a required text column is never blank there
        (blank is "required"), a format regex in front of a cast always matched (else
        "not a ..."), an exact decimal needs no comparison with itself."""
        col = self.t.columns[i]
        src = self.shape.get(col.name)
        d = self.d
        target = d.type_sql(col.type)
        if src is None:
            return f"CAST(NULL AS {target})"
        raw = self.q(col.name)
        if not col.required:
            v = self.norm_expr(i).replace(self.raw(i), raw)
        elif self.text_path(i) and src.kind is not SourceKind.TEXT:
            v = d.text(raw)
        else:
            v = raw
        if not self.text_path(i):
            if col.type in contract.DECIMAL_SCALE:
                if src.kind is SourceKind.FLOAT:
                    return f"CAST(NULL AS {target})"
                return f"TRY_CAST({v} AS {target})"
            if col.type is ColType.TIMESTAMP and src.kind is SourceKind.TIMESTAMP_LOCAL:
                return d.local_ts(v, self.tz)
            return f"TRY_CAST({v} AS {target})"
        match col.type:
            case ColType.STRING | ColType.MONTH:
                return v
            case (
                ColType.INT
                | ColType.DATE
                | ColType.MONEY
                | ColType.RATE
                | ColType.SCORE
                | ColType.HOURS
            ):
                return f"TRY_CAST({v} AS {target})"
            case _:
                return self.typed_expr(i).replace(self.norm(i), f"({v})")

    def valid_select(self, source: str) -> str:
        cols = ", ".join(
            f"{self.valid_typed(i)} AS {self.q(c.name)}" for i, c in enumerate(self.t.columns)
        )
        return f"SELECT {cols} FROM {source}"

    def build(self, source: str | None = None, *, row_ids: bool = False) -> CheckedQuery:
        t, d = self.t, self.d
        raw_exprs, raw_columns = self.raw_select()
        n = len(t.columns)
        stages: list[tuple[str, str]] = []
        ids = f", file_index AS {ROW_FILE}, file_row_number AS {ROW_NUMBER}" if row_ids else ""
        stages.append(
            ("s", f"SELECT {', '.join(raw_exprs)}{ids} FROM {source or raw_view_name(t.name)}")
        )
        norms = ", ".join(f"{self.norm_expr(i)} AS {self.norm(i)}" for i in range(n))
        stages.append(("v", f"SELECT s.*, {norms} FROM s"))
        typed = ", ".join(
            f"{self.typed_expr(i)} AS {self.q(c.name)}" for i, c in enumerate(t.columns)
        )
        stages.append(("t", f"SELECT v.*, {typed} FROM v"))
        # Foreign keys first: the column rules of a value found there are not evaluated.
        joins = "".join(
            f" LEFT JOIN (SELECT DISTINCT {self.q(rc)} AS __k FROM {valid_view_name(rt)}) f{j}"
            f" ON t.{self.q(col.name)} = f{j}.__k"
            for j, col, rt, rc in self.refs
        )
        fk_cols = "".join(f", f{j}.__k AS __fk_{j}" for j, *_ in self.refs)
        stages.append(("f", f"SELECT t.*{fk_cols} FROM t{joins}"))
        shared = self.shared_tests()
        stages.append(
            ("p", f"SELECT f.*, {', '.join(shared)} FROM f" if shared else "SELECT f.* FROM f")
        )

        for i in range(n):
            self.column_rules(i)
        col_rules = [r for _, _, r in self.rules]
        conds = ", ".join(f"{_flag(r.cond)} AS __c_{k}" for k, r in enumerate(col_rules))
        stages.append(("c", f"SELECT p.*, {conds} FROM p" if conds else "SELECT p.* FROM p"))
        col_errs = []
        for i, col in enumerate(t.columns):
            mine = [f"__c_{k}" for k, r in enumerate(col_rules) if r.column == col.name]
            col_errs.append(f"{' OR '.join(mine) if mine else 'FALSE'} AS {self.col_err(i)}")
        extra = list(col_errs)
        dup_join = ""
        if t.primary_key:
            stages.extend(self.dup_stages(raw_exprs))
            on = " AND ".join(f"c.{self.q(k)} = dd.{self.q(k)}" for k in t.primary_key)
            dup_join = f" LEFT JOIN dd ON {on}"
            extra.append("dd.__dup AS __dup")
        if t.name == ORG_TABLE:
            extra.append("SUM(CASE WHEN kind = 'bank' THEN 1 ELSE 0 END) OVER () AS __nbank")
        stages.append(("e", f"SELECT c.*, {', '.join(extra)} FROM c{dup_join}"))

        self.fk_rules()
        self.row_check_rules()
        self.dup_rule()
        if t.name == ORG_TABLE:
            self.org_own_rules()
        later = [r for _, _, r in self.rules][len(col_rules) :]
        base = len(col_rules)
        if later:
            conds = ", ".join(f"{_flag(r.cond)} AS __c_{base + k}" for k, r in enumerate(later))
            stages.append(("r", f"SELECT e.*, {conds} FROM e"))
        else:
            stages.append(("r", "SELECT e.* FROM e"))
        last = "r"
        if t.name == ORG_TABLE:
            last = self.org_stages(stages)
        if t.name == ASSIGNMENT_TABLE:
            last = self.assignment_stages(stages)
        all_rules = [r for _, _, r in self.rules]
        ordered = sorted(range(len(all_rules)), key=lambda k: (self.rules[k][0], self.rules[k][1]))
        messages = ", ".join(
            f"CASE WHEN __c_{k} THEN {all_rules[k].message} END AS __m_{k}"
            for k in range(len(all_rules))
        )
        stages.append(("m", f"SELECT {last}.*, {messages} FROM {last}"))
        reason = "NULLIF(concat_ws('; ', " + ", ".join(f"__m_{k}" for k in ordered) + "), '')"
        blamed: list[str] = []
        for col in t.columns:
            mine = [f"__c_{k}" for k in ordered if all_rules[k].column == col.name]
            if mine:
                blamed.append(f"CASE WHEN {' OR '.join(mine)} THEN {d.lit(col.name)} END")
        columns = "NULLIF(concat_ws('; ', " + ", ".join(blamed) + "), '')"
        reject = " OR ".join(f"__c_{k}" for k in range(len(all_rules))) or "FALSE"
        ctes = ",\n".join(d.cte(name, sql) for name, sql in stages)
        sql = (
            f"WITH {ctes}\nSELECT m.*, {reason} AS __reason, "
            f"{columns} AS __columns, ({reject}) AS __reject FROM m"
        )
        return CheckedQuery(
            table=t,
            sql=sql,
            rules=tuple(all_rules),
            raw_columns=tuple(raw_columns),
            references=tuple(dict.fromkeys(rt for _, _, rt, _ in self.refs)),
        )

    def dup_stages(self, raw_exprs: list[str]) -> list[tuple[str, str]]:
        """Keys that occur more than once, from the key columns alone.

        A window COUNT(*) OVER (PARTITION BY key) would be simpler, but the engine then
        carries every column of every row through the window: 50 s instead of 13 s for
        21M transactions on DuckDB.
        """
        idx = [self.index[k] for k in self.t.primary_key]
        raw = ", ".join(raw_exprs[i] for i in idx)
        norms = ", ".join(f"{self.norm_expr(i)} AS {self.norm(i)}" for i in idx)
        typed = ", ".join(f"{self.typed_expr(i)} AS {self.q(self.t.columns[i].name)}" for i in idx)
        keys = ", ".join(self.q(k) for k in self.t.primary_key)
        present = " AND ".join(f"{self.q(k)} IS NOT NULL" for k in self.t.primary_key)
        # A text or month key parsed from text is its normalised text wherever it is
        # set (a month only where the month pattern matches). Hashing the normalised
        # text over the rows where it is present finds every hash that repeats among
        # the typed keys (and perhaps a few more), without the month regex on every row
        # (9M balances rows); the exact count below keeps the typed keys' rule.
        as_text = [
            self.text_path(i) and self.t.columns[i].type in (ColType.STRING, ColType.MONTH)
            for i in idx
        ]
        hashed = ", ".join(
            self.norm(i) if text else self.q(self.t.columns[i].name)
            for i, text in zip(idx, as_text, strict=True)
        )
        loose = " AND ".join(
            f"{self.norm(i) if text else self.q(self.t.columns[i].name)} IS NOT NULL"
            for i, text in zip(idx, as_text, strict=True)
        )
        carried = "".join(f", {self.norm(i)}" for i, text in zip(idx, as_text, strict=True) if text)
        # Grouping 21M distinct strings costs more than the rest of the checks; group
        # 64-bit hashes first and count exact keys only where a hash repeats.
        return [
            ("k0", f"SELECT {raw} FROM {raw_view_name(self.t.name)}"),
            ("k1", f"SELECT {norms} FROM k0"),
            ("k", f"SELECT {typed}{carried} FROM k1"),
            ("kh", self.d.repeated_hashes(f"hash({hashed})", "k", loose)),
            (
                "dd",
                f"SELECT {keys}, COUNT(*) AS __dup FROM k WHERE {present} "
                f"AND hash({hashed}) IN (SELECT __h FROM kh) "
                f"GROUP BY {keys} HAVING COUNT(*) > 1",
            ),
        ]

    def org_stages(self, stages: list[tuple[str, str]]) -> str:
        """A unit is valid when its own row is and its parent is a valid unit of a level
        it may hang under (ORG_PARENT_KINDS), and so on up to the bank."""
        own = len(self.rules)  # every rule so far judges the row on its own
        own_bad = " OR ".join(f"__c_{k}" for k in range(own)) or "FALSE"
        stages.append(("o", f"SELECT r.*, ({own_bad}) AS __own_bad FROM r"))
        stages.append(("ok", "SELECT unit_id, kind, parent_id FROM o WHERE NOT __own_bad"))
        # Walk up at most depth-1 ancestors with plain joins. (Level-by-level CTEs would
        # inline the whole checked pipeline once per reference: Spark took tens of seconds
        # just to analyse that.) The unit's parent is valid when every ancestor up to the
        # bank is an own-valid unit of a kind the one below it may hang under; the longest
        # chain (team → branch → region → bank) has depth ancestors.
        depth = len(contract.ORG_KINDS) - 1
        joins = "".join(
            f" LEFT JOIN ok p{k} ON {'o' if k == 1 else f'p{k - 1}'}.parent_id = p{k}.unit_id"
            for k in range(1, depth + 1)
        )
        valid = f"p{depth}.kind = 'bank'"
        for k in range(depth - 1, 0, -1):
            valid = (
                f"p{k}.kind = 'bank' OR ({self.parent_ok(f'p{k}.kind', f'p{k + 1}.kind')} "
                f"AND ({valid}))"
            )
        stages.append(
            (
                "g",
                f"SELECT o.*, p1.kind AS __pkind, "
                f"COALESCE(p1.unit_id IS NOT NULL AND ({valid}), FALSE) AS __pvalid FROM o{joins}",
            )
        )
        self.org_parent_rules()
        all_rules = [r for _, _, r in self.rules]
        conds = ", ".join(
            f"{_flag(all_rules[k].cond)} AS __c_{k}" for k in range(own, len(all_rules))
        )
        stages.append(("h", f"SELECT g.*, {conds} FROM g"))
        return "h"

    def assignment_stages(self, stages: list[tuple[str, str]]) -> str:
        """A customer's assignment slices must not overlap (valid_to inclusive, empty =
        open): on a shared day the customer would have two RMs in charge. Every slice
        that overlaps another valid slice of the same customer is rejected; slices
        rejected for their own values take no part."""
        d = self.d
        own = len(self.rules)
        own_bad = " OR ".join(f"__c_{k}" for k in range(own)) or "FALSE"
        stages.append(("ao", f"SELECT r.*, ({own_bad}) AS __own_bad FROM r"))
        end = f"COALESCE(valid_to, DATE {d.lit(OPEN_END)})"
        window = "PARTITION BY customer_id ORDER BY valid_from"
        stages.append(
            (
                "aw",
                f"SELECT ao.*, "
                f"MAX(CASE WHEN NOT __own_bad THEN {end} END) OVER ({window} "
                f"ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS __prev_end, "
                f"MIN(CASE WHEN NOT __own_bad THEN valid_from END) OVER ({window} "
                f"ROWS BETWEEN 1 FOLLOWING AND UNBOUNDED FOLLOWING) AS __next_from "
                f"FROM ao",
            )
        )
        i_from = self.index["valid_from"]
        shown_to = f"COALESCE({self.display(self.index['valid_to'])}, 'open')"
        self.add(
            "valid_from",
            "overlaps another assignment",
            f"NOT __own_bad AND (__prev_end >= valid_from OR __next_from <= {end})",
            self.msg(
                "valid_from",
                d.lit("the slice "),
                self.display(i_from),
                d.lit(" … "),
                shown_to,
                d.lit(" overlaps another assignment of customer "),
                self.display(self.index["customer_id"]),
                d.lit(" (one RM in charge per day: end the earlier slice before the next starts)"),
            ),
        )
        all_rules = [r for _, _, r in self.rules]
        conds = ", ".join(
            f"{_flag(all_rules[k].cond)} AS __c_{k}" for k in range(own, len(all_rules))
        )
        stages.append(("ah", f"SELECT aw.*, {conds} FROM aw"))
        return "ah"


def checked_query(
    table: Table | str,
    shape: SourceShape,
    dialect: Dialect,
    *,
    today: date,
    time_zone: str = contract.BANK_TIME_ZONE,
    source: str | None = None,
    row_ids: bool = False,
) -> CheckedQuery:
    """Every row of `table` (read from its raw view) with its typed values and verdict.

    The query reads `rm_raw_<table>` (or `source`, a FROM item giving the same rows)
    and the valid views `rm_valid_<ref>` of the tables it references; the caller
    registers those first. `row_ids` (DuckDB, `source` a `read_parquet(...)`): each row
    also carries its file's index in the file list and its row number in the file
    (ROW_FILE, ROW_NUMBER).
    """
    tbl = contract.table(table) if isinstance(table, str) else table
    builder = _Builder(tbl, shape, dialect, today=today, time_zone=time_zone)
    return builder.build(source, row_ids=row_ids)


def valid_rows_sql(
    table: Table | str,
    shape: SourceShape,
    dialect: Dialect,
    source: str,
    *,
    today: date,
    time_zone: str = contract.BANK_TIME_ZONE,
) -> str:
    """The typed contract columns of the rows of `source`, every one of which validation
    accepted (the caller leaves the rejected rows out): no rule is evaluated."""
    tbl = contract.table(table) if isinstance(table, str) else table
    return _Builder(tbl, shape, dialect, today=today, time_zone=time_zone).valid_select(source)


def rejected_sql(checked: CheckedQuery, dialect: Dialect, *, row_ids: bool = False) -> str:
    """The rejected rows: every file column as text (named as in the file), the columns
    blamed (`reject_column`), the reasons (`reject_reason`), one message per rule
    (`__m_<k>`, NULL where the rule holds) and, with `row_ids`, ROW_FILE and ROW_NUMBER."""
    ids = f"{ROW_FILE}, {ROW_NUMBER}, " if row_ids else ""
    raw = ", ".join(
        f"{dialect.text(sql)} AS {dialect.ident(col)}" for col, sql in checked.raw_columns
    )
    messages = "".join(f", __m_{k}" for k in range(len(checked.rules)))
    return (
        f"SELECT {ids}{raw}, __columns AS reject_column, __reason AS reject_reason{messages} "
        f"FROM ({checked.sql}) q WHERE __reject"
    )


def valid_sql(checked: CheckedQuery, dialect: Dialect) -> str:
    """The valid view: typed contract columns of the rows no rule rejects."""
    cols = ", ".join(dialect.ident(c) for c in checked.table.column_names)
    return f"SELECT {cols} FROM ({checked.sql}) q WHERE NOT __reject"


def typed_columns_sql(table: Table, dialect: Dialect) -> str:
    """An empty relation with the table's typed columns (for a table with no file)."""
    cols = ", ".join(
        f"CAST(NULL AS {dialect.type_sql(c.type)}) AS {dialect.ident(c.name)}"
        for c in table.columns
    )
    return f"SELECT {cols} WHERE FALSE"
