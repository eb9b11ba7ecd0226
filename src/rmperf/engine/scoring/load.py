"""Loading scorecards (one file, a folder, or the shipped defaults) and manual scores."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from importlib import resources
from pathlib import Path

from rmperf.engine.policy import (
    LoadedPolicy,
    PolicyError,
    PolicyIssue,
    Severity,
    load_policy_text,
    policy_json_schema,
)
from rmperf.engine.scoring.library import Library, default_library
from rmperf.engine.scoring.policy import Scorecard
from rmperf.engine.scoring.rules import make_rules
from rmperf.engine.scoring.score import ManualScores

DEFAULT_DIR = "scorecards"
Cards = dict[str, LoadedPolicy[Scorecard]]


def load_scorecard_text(
    text: str, *, source: str = "<scorecard>", library: Library | None = None
) -> LoadedPolicy[Scorecard]:
    """Parse and check one scorecard; PolicyError names file, line and rule of each issue."""
    lib = library if library is not None else default_library()
    return load_policy_text(text, Scorecard, source=source, rules=make_rules(lib))


def _file_issue(source: str, message: str, rule: str = "file") -> PolicyError:
    return PolicyError([PolicyIssue(Severity.ERROR, rule, message, source, None)])


def _coverage(card: Scorecard) -> str:
    """What a card covers in a set: its business line (RM cards), or `unit <kind>`."""
    if card.is_unit:
        return f"unit {card.applies_to.unit_kind}"
    return str(card.applies_to.business_line)


def _coverage_rule(card: Scorecard) -> tuple[str, str]:
    if card.is_unit:
        return "one_card_per_unit_kind", "unit_kind"
    return "one_card_per_business_line", "business_line"


def _check_set(cards: Cards) -> Cards:
    """Across files: one card per business line (one unit card per kind of unit), and
    card names unique."""
    issues = []
    by_line: dict[str, str] = {}
    for loaded in cards.values():
        bl = _coverage(loaded.policy)
        if bl in by_line:
            rule, field = _coverage_rule(loaded.policy)
            issues.append(
                PolicyIssue(
                    Severity.ERROR,
                    rule,
                    f"{bl} already has the card in {by_line[bl]}",
                    loaded.source,
                    None,
                    ("applies_to", field),
                )
            )
        by_line[bl] = loaded.source
    if issues:
        raise PolicyError(issues)
    return cards


def _add(cards: Cards, loaded: LoadedPolicy[Scorecard]) -> None:
    name = loaded.policy.name
    if name in cards:
        raise _file_issue(
            loaded.source, f"a card called {name!r} is also in {cards[name].source}", "card_unique"
        )
    cards[name] = loaded


def load_scorecards(path: Path | str | None = None, *, library: Library | None = None) -> Cards:
    """Cards by name from a YAML file, a folder of them, or the shipped defaults (None).

    Every file is checked; all problems of all files are reported together.
    """
    lib = library if library is not None else default_library()
    texts: list[tuple[str, str]] = []
    if path is None:
        folder = resources.files("rmperf.policies").joinpath("defaults", DEFAULT_DIR)
        for entry in sorted(folder.iterdir(), key=lambda e: e.name):
            if entry.name.endswith((".yaml", ".yml")):
                texts.append((f"defaults/{DEFAULT_DIR}/{entry.name}", entry.read_text("utf-8")))
    else:
        p = Path(path)
        files = (
            sorted(f for f in p.iterdir() if f.suffix in (".yaml", ".yml")) if p.is_dir() else [p]
        )
        if p.is_dir() and not files:
            raise _file_issue(str(p), "the folder holds no scorecard (*.yaml)")
        for f in files:
            try:
                texts.append((str(f), f.read_text(encoding="utf-8")))
            except OSError as exc:
                raise _file_issue(str(f), f"cannot read scorecard: {exc.strerror}") from None
    cards: Cards = {}
    issues: list[PolicyIssue] = []
    for source, text in texts:
        try:
            _add(cards, load_scorecard_text(text, source=source, library=lib))
        except PolicyError as exc:
            issues.extend(exc.issues)
    if issues:
        raise PolicyError(issues)
    return _check_set(cards)


#: A line that starts a card in a scorecard set (a YAML document start marker).
_DOC_START = re.compile(r"^---(?:[ \t].*)?$")


def _card_documents(text: str) -> list[tuple[int, str]]:
    """(first line, text) of each card of a set written as a YAML stream: cards separated
    by `---` lines. Each card text keeps its lines where they were (blank lines before it)
    so an error names the line of the whole set, not of the card."""
    lines = text.splitlines()
    starts = [0] + [i for i, ln in enumerate(lines) if _DOC_START.match(ln) and i > 0]
    docs: list[tuple[int, str]] = []
    for n, begin in enumerate(starts):
        end = starts[n + 1] if n + 1 < len(starts) else len(lines)
        body = lines[begin:end]
        if all(not ln.strip() or ln.lstrip().startswith("#") or ln.strip() == "---" for ln in body):
            continue
        docs.append((begin + 1, "\n" * begin + "\n".join(body) + "\n"))
    return docs


def _key_line(doc: str, key: str, default: int) -> int:
    """The line of a card's top-level `key` (the card's first line if it has none)."""
    pattern = re.compile(rf"^{re.escape(key)}\s*:")
    for n, line in enumerate(doc.splitlines(), 1):
        if pattern.match(line):
            return n
    return default


def load_scorecards_text(
    text: str, *, source: str = "scorecards.yaml", library: Library | None = None
) -> Cards:
    """Cards by name from one scorecard set: cards separated by `---` lines (the form the
    app stores as one policy version). Every card and the set are checked; all problems
    are reported together, each with the set's file name and its line."""
    lib = library if library is not None else default_library()
    docs = _card_documents(text)
    if not docs:
        raise PolicyError(
            [PolicyIssue(Severity.ERROR, "scorecards_empty", "the set holds no card", source, 1)]
        )
    cards: Cards = {}
    first: dict[str, int] = {}
    by_line: dict[str, tuple[str, int]] = {}
    issues: list[PolicyIssue] = []
    for begin, doc in docs:
        start = _key_line(doc, "name", begin)
        try:
            loaded = load_scorecard_text(doc, source=source, library=lib)
        except PolicyError as exc:
            issues.extend(exc.issues)
            continue
        name = loaded.policy.name
        if name in cards:
            issues.append(
                PolicyIssue(
                    Severity.ERROR,
                    "card_unique",
                    f"a card called {name!r} is also on line {first[name]}",
                    source,
                    start,
                    ("name",),
                )
            )
            continue
        bl = _coverage(loaded.policy)
        if bl in by_line:
            other, line = by_line[bl]
            rule, field = _coverage_rule(loaded.policy)
            issues.append(
                PolicyIssue(
                    Severity.ERROR,
                    rule,
                    f"{bl} already has the card {other!r} (line {line})",
                    source,
                    _key_line(doc, "applies_to", start),
                    ("applies_to", field),
                )
            )
            continue
        cards[name] = loaded
        first[name] = start
        by_line[bl] = (name, start)
    if issues:
        raise PolicyError(issues)
    return cards


def scorecard_set_text(path: Path | str | None = None) -> str:
    """One scorecard set text (cards separated by `---`) from a file, a folder of card
    files (sorted by name) or the shipped defaults (None): the stored form of the set."""
    texts: list[str] = []
    if path is None:
        folder = resources.files("rmperf.policies").joinpath("defaults", DEFAULT_DIR)
        for entry in sorted(folder.iterdir(), key=lambda e: e.name):
            if entry.name.endswith((".yaml", ".yml")):
                texts.append(entry.read_text("utf-8"))
    else:
        p = Path(path)
        files = (
            sorted(f for f in p.iterdir() if f.suffix in (".yaml", ".yml")) if p.is_dir() else [p]
        )
        for f in files:
            try:
                texts.append(f.read_text(encoding="utf-8"))
            except OSError as exc:
                raise _file_issue(str(f), f"cannot read scorecard: {exc.strerror}") from None
    return "\n---\n".join(t.strip("\n") for t in texts) + "\n"


def scorecard_json_schema() -> dict[str, object]:
    """The JSON Schema committed as docs/schemas/scorecard.schema.json."""
    schema = policy_json_schema(Scorecard)
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["$id"] = "https://rmperf.example/schemas/scorecard.schema.json"
    return schema


def parse_manual_scores(
    text: str, *, source: str = "<manual>", period: str | None = None
) -> ManualScores:
    """CSV `staff_id, key, score` (+ optional `period`): scores 0–100, one per person and key.

    Rows for another period than `period` are skipped; errors name file and line.
    """
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    missing = {"staff_id", "key", "score"} - set(reader.fieldnames or ())
    if missing:
        raise PolicyError(
            [
                PolicyIssue(
                    Severity.ERROR,
                    "manual.columns",
                    f"missing column(s): {', '.join(sorted(missing))}",
                    source,
                    1,
                )
            ]
        )
    issues: list[PolicyIssue] = []
    scores: dict[tuple[str, str], Decimal] = {}
    lines: dict[tuple[str, str], int] = {}
    for rec in reader:
        line = reader.line_num
        if period is not None and (rec.get("period") or "").strip() not in ("", period):
            continue
        staff_id = (rec.get("staff_id") or "").strip()
        key = (rec.get("key") or "").strip()
        try:
            value = Decimal((rec.get("score") or "").strip())
        except InvalidOperation:
            value = Decimal("NaN")
        problem = None
        if not staff_id or not key:
            problem = "staff_id and key are required"
        elif not value.is_finite() or not (0 <= value <= 100):
            problem = f"score {rec.get('score')!r} is not a number from 0 to 100"
        elif (staff_id, key) in scores:
            problem = f"{staff_id} {key} already scored on line {lines[(staff_id, key)]}"
        if problem is not None:
            issues.append(PolicyIssue(Severity.ERROR, "manual.row", problem, source, line))
            continue
        scores[(staff_id, key)] = value
        lines[(staff_id, key)] = line
    if issues:
        raise PolicyError(issues)
    return ManualScores(scores, source)


def load_manual_scores(path: Path | str, *, period: str | None = None) -> ManualScores:
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except OSError as exc:
        raise _file_issue(str(p), f"cannot read: {exc.strerror}") from None
    return parse_manual_scores(text, source=str(p), period=period)


def parse_assignment(text: str, *, source: str = "<assign>") -> dict[str, str]:
    """CSV `staff_id, scorecard` (or `staff_id, business_line`): an explicit card per RM."""
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    fields = set(reader.fieldnames or ())
    if "staff_id" not in fields or not fields & {"scorecard", "business_line"}:
        raise PolicyError(
            [
                PolicyIssue(
                    Severity.ERROR,
                    "assign.columns",
                    "need columns staff_id and scorecard (or business_line)",
                    source,
                    1,
                )
            ]
        )
    out: dict[str, str] = {}
    for rec in reader:
        staff_id = (rec.get("staff_id") or "").strip()
        card = (rec.get("scorecard") or rec.get("business_line") or "").strip()
        if not staff_id or not card:
            raise PolicyError(
                [
                    PolicyIssue(
                        Severity.ERROR,
                        "assign.row",
                        "staff_id and scorecard are required",
                        source,
                        reader.line_num,
                    )
                ]
            )
        out[staff_id] = card
    return out


def resolve_card_name(choice: str, cards: Mapping[str, LoadedPolicy[Scorecard]]) -> str | None:
    """An RM card's name, or the RM card of a business line, for an --assign entry (a
    unit card scores org units, never an RM)."""
    if choice in cards and not cards[choice].policy.is_unit:
        return choice
    for name, loaded in cards.items():
        if not loaded.policy.is_unit and loaded.policy.applies_to.business_line == choice:
            return name
    return None


def unit_cards(cards: Mapping[str, LoadedPolicy[Scorecard]]) -> Cards:
    """The set's unit cards (`subject: unit`) by name."""
    return {name: c for name, c in cards.items() if c.policy.is_unit}
