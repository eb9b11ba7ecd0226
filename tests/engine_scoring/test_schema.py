"""docs/schemas/scorecard.schema.json is the JSON Schema of the scorecard model, kept current.

Regenerate with:
    .venv/bin/python -m tests.engine_scoring.test_schema
"""

from __future__ import annotations

import json
from pathlib import Path

from rmperf.engine.scoring import scorecard_json_schema

SCHEMA = Path(__file__).resolve().parents[2] / "docs" / "schemas" / "scorecard.schema.json"


def render() -> str:
    return json.dumps(scorecard_json_schema(), indent=2, ensure_ascii=False, sort_keys=True) + "\n"


def test_committed_schema_is_current() -> None:
    assert SCHEMA.read_text(encoding="utf-8") == render(), (
        "docs/schemas/scorecard.schema.json is stale: run "
        ".venv/bin/python -m tests.engine_scoring.test_schema"
    )


def test_schema_forbids_unknown_keys_and_lists_every_method() -> None:
    schema = scorecard_json_schema()
    assert schema["additionalProperties"] is False
    methods = {
        d["properties"]["method"]["const"]
        for name, d in schema["$defs"].items()
        if name.endswith("Line") and "method" in d.get("properties", {})
    }
    assert methods == {"ratio", "bands", "deduction", "veto", "rank", "percentile", "manual"}


if __name__ == "__main__":
    SCHEMA.parent.mkdir(parents=True, exist_ok=True)
    SCHEMA.write_text(render(), encoding="utf-8")
    print(f"wrote {SCHEMA}")  # noqa: T201
