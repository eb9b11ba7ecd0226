"""The offers input: marketing offers RMs made, for the precision-marketing indicators.

Offers and their outcomes are recorded in the application (recommendation panel and
campaigns), not in the lake, so the stateless engine reads them from a file the caller
passes (`rmperf score --offers FILE`; the app's performance run writes the period's
offers to the run's inputs). The file is CSV or Parquet with these columns:

| column | type | required | meaning |
|---|---|---|---|
| offer_id | text | yes | unique per file |
| staff_id | text | yes | the offering RM (credited) |
| customer_id | text | yes | the customer offered to |
| product_id | text | yes | the product offered (`products.product_id`) |
| offered_at | timestamp with a UTC offset | yes | when the offer was made |
| outcome | text | yes | offered, accepted, declined or no_answer (as logged by the RM) |
| campaign_id | text | no | the campaign, empty for an offer from the RM panel |

In CSV, `offered_at` is ISO 8601 with an offset (`2026-07-03T10:00:00+08:00` or
`…Z`); in Parquet, a timestamp with a time zone (or such text). A timestamp without an
offset is refused: its day would depend on where it is read. Unknown columns, missing
values, unknown outcomes and repeated offer ids are refused with the row number; staff,
customers and products the lake does not know are refused when the indicators run.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pyarrow as pa
import pyarrow.parquet as pq

#: The unbound table the definitions read (registered per backend by `attach_offers`).
OFFERS_VIEW = "rm_input_offers"
OUTCOMES = ("offered", "accepted", "declined", "no_answer")
REQUIRED = ("offer_id", "staff_id", "customer_id", "product_id", "offered_at", "outcome")
OPTIONAL = ("campaign_id",)
COLUMNS = REQUIRED + OPTIONAL

#: The file as written by `write_offers` (and accepted from Parquet).
FILE_SCHEMA = pa.schema(
    [
        pa.field("offer_id", pa.string(), nullable=False),
        pa.field("staff_id", pa.string(), nullable=False),
        pa.field("customer_id", pa.string(), nullable=False),
        pa.field("product_id", pa.string(), nullable=False),
        pa.field("offered_at", pa.timestamp("us", tz="UTC"), nullable=False),
        pa.field("outcome", pa.string(), nullable=False),
        pa.field("campaign_id", pa.string()),
    ]
)

#: What the backend sees: `day` is the business date of `offered_at` in bank time,
#: computed here so no engine's session time zone can move it.
#: (Column types as Ibis names them; Ibis itself is imported only to build expressions.)
VIEW_COLUMNS: dict[str, str] = {
    "offer_id": "string",
    "staff_id": "string",
    "customer_id": "string",
    "product_id": "string",
    "day": "date",
    "offered_at": "string",
    "offered_utc": "string",
    "outcome": "string",
    "campaign_id": "string",
}

MAX_PROBLEMS = 10


class OffersError(ValueError):
    """An offers input that cannot be used, naming the file, rows and columns."""


@dataclass(frozen=True)
class Offer:
    offer_id: str
    staff_id: str
    customer_id: str
    product_id: str
    offered_at: dt.datetime  # timezone-aware
    outcome: str
    campaign_id: str | None = None


@dataclass(frozen=True)
class Offers:
    """Validated offers and where they came from."""

    rows: tuple[Offer, ...]
    source: str

    @property
    def digest(self) -> str:
        """sha256 of the offers in a canonical form (order and file format do not matter)."""
        h = hashlib.sha256()
        for o in sorted(self.rows, key=lambda r: r.offer_id):
            at = o.offered_at.astimezone(dt.UTC).isoformat()
            fields = (o.offer_id, o.staff_id, o.customer_id, o.product_id, at, o.outcome)
            h.update("\x1f".join((*fields, o.campaign_id or "")).encode() + b"\x1e")
        return h.hexdigest()

    def view_rows(self, time_zone: str) -> list[dict[str, Any]]:
        """Rows of the backend view, with the business date in `time_zone`."""
        zone = ZoneInfo(time_zone)
        out = []
        for o in self.rows:
            local = o.offered_at.astimezone(zone)
            out.append(
                {
                    "offer_id": o.offer_id,
                    "staff_id": o.staff_id,
                    "customer_id": o.customer_id,
                    "product_id": o.product_id,
                    "day": local.date(),
                    "offered_at": local.isoformat(),
                    "offered_utc": o.offered_at.astimezone(dt.UTC).strftime(
                        "%Y-%m-%dT%H:%M:%S.%fZ"
                    ),
                    "outcome": o.outcome,
                    "campaign_id": o.campaign_id,
                }
            )
        return out


def offers_table() -> Any:
    """The offers as an unbound Ibis table (see VIEW_COLUMNS)."""
    import ibis

    return ibis.table(ibis.schema(VIEW_COLUMNS), name=OFFERS_VIEW)


def _timestamp(value: Any) -> dt.datetime | str:
    """A tz-aware datetime, or the problem with `value`."""
    if isinstance(value, dt.datetime):
        parsed = value
    elif isinstance(value, str):
        text = value.strip()
        try:
            parsed = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError:
            return f"not an ISO 8601 timestamp: {value!r}"
    else:
        return f"not a timestamp: {value!r}"
    if parsed.tzinfo is None or parsed.utcoffset() is None:
        return f"no UTC offset in {value!s} (write e.g. 2026-07-03T10:00:00+08:00)"
    return parsed


def parse_offers(
    records: Iterable[Mapping[str, Any]], *, columns: Sequence[str], source: str
) -> Offers:
    """Validate rows (dicts by column) read from `source`; row numbers count the header
    as line 1, as a spreadsheet shows a CSV."""
    missing = [c for c in REQUIRED if c not in columns]
    unknown = [c for c in columns if c not in COLUMNS]
    if missing or unknown:
        parts = []
        if missing:
            parts.append(f"missing column(s) {', '.join(missing)}")
        if unknown:
            parts.append(f"unknown column(s) {', '.join(unknown)}")
        raise OffersError(f"{source}: {'; '.join(parts)} (columns: {', '.join(COLUMNS)})")
    problems: list[str] = []
    rows: list[Offer] = []
    seen: dict[str, int] = {}
    for i, rec in enumerate(records, start=2):
        bad = []
        values: dict[str, str] = {}
        for col in ("offer_id", "staff_id", "customer_id", "product_id", "outcome"):
            v = rec.get(col)
            text = "" if v is None else str(v).strip()
            if not text:
                bad.append(f"{col} is empty")
            values[col] = text
        at = _timestamp(rec.get("offered_at")) if rec.get("offered_at") not in (None, "") else None
        if at is None:
            bad.append("offered_at is empty")
        elif isinstance(at, str):
            bad.append(f"offered_at: {at}")
        if values["outcome"] and values["outcome"] not in OUTCOMES:
            bad.append(f"outcome {values['outcome']!r} is not one of {', '.join(OUTCOMES)}")
        oid = values["offer_id"]
        if oid and oid in seen:
            bad.append(f"offer_id {oid!r} repeats row {seen[oid]}")
        elif oid:
            seen[oid] = i
        if bad:
            problems.append(f"row {i}: " + "; ".join(bad))
            continue
        if not isinstance(at, dt.datetime):  # pragma: no cover - reported above
            continue
        campaign = rec.get("campaign_id")
        campaign_text = None if campaign is None else str(campaign).strip() or None
        rows.append(
            Offer(
                offer_id=oid,
                staff_id=values["staff_id"],
                customer_id=values["customer_id"],
                product_id=values["product_id"],
                offered_at=at,
                outcome=values["outcome"],
                campaign_id=campaign_text,
            )
        )
    if problems:
        shown = problems[:MAX_PROBLEMS]
        more = len(problems) - len(shown)
        tail = f"\n  … and {more} more" if more else ""
        raise OffersError(f"{source}: {len(problems)} bad row(s):\n  " + "\n  ".join(shown) + tail)
    return Offers(tuple(rows), source)


def load_offers(path: Path | str) -> Offers:
    """Read and validate an offers file (.csv or .parquet)."""
    path = Path(path)
    source = str(path)
    if not path.is_file():
        raise OffersError(f"{source}: no such file")
    suffix = path.suffix.lower()
    try:
        if suffix == ".csv":
            with path.open(encoding="utf-8-sig", newline="") as f:
                reader = csv.reader(f, strict=True)
                header = next(reader, None)
                if header is None:
                    raise OffersError(f"{source}: empty file (no header row)")
                columns = [h.strip() for h in header]
                records = []
                for n, row in enumerate(reader, start=2):
                    if len(row) != len(columns):
                        raise OffersError(
                            f"{source}: row {n} has {len(row)} fields, the header {len(columns)}"
                        )
                    records.append(dict(zip(columns, row, strict=True)))
            return parse_offers(records, columns=columns, source=source)
        elif suffix == ".parquet":
            table = pq.read_table(path)
            for field in table.schema:
                ts = field.type
                if pa.types.is_timestamp(ts) and ts.tz is None and field.name == "offered_at":
                    raise OffersError(
                        f"{source}: offered_at is a timestamp without a time zone; "
                        "write it with one (e.g. UTC)"
                    )
        else:
            raise OffersError(f"{source}: offers must be a .csv or .parquet file")
    except (pa.ArrowInvalid, OSError, csv.Error, UnicodeDecodeError) as exc:
        raise OffersError(f"{source}: cannot read: {exc}") from None
    return parse_offers(table.to_pylist(), columns=table.column_names, source=source)


def write_offers(offers: Iterable[Offer], path: Path) -> Path:
    """Write offers as Parquet (FILE_SCHEMA), atomically, sorted by offer id."""
    rows = sorted(offers, key=lambda o: o.offer_id)
    table = pa.Table.from_pylist(
        [
            {
                "offer_id": o.offer_id,
                "staff_id": o.staff_id,
                "customer_id": o.customer_id,
                "product_id": o.product_id,
                "offered_at": o.offered_at.astimezone(dt.UTC),
                "outcome": o.outcome,
                "campaign_id": o.campaign_id,
            }
            for o in rows
        ],
        schema=FILE_SCHEMA,
    )
    tmp = path.with_name(f".{path.name}.tmp")
    pq.write_table(table, tmp)
    tmp.replace(path)
    return path


EMPTY_OFFERS = Offers((), "<no offers>")
