"""docs/schemas/pay.schema.json is the JSON Schema of the pay plan model, kept current.

Regenerate with:
    .venv/bin/python -m tests.engine_pay.test_schema
"""

from __future__ import annotations

import json
from pathlib import Path

from rmperf.engine.pay.plan import PayPlan
from rmperf.engine.policy import policy_json_schema

SCHEMA = Path(__file__).resolve().parents[2] / "docs" / "schemas" / "pay.schema.json"


def render() -> str:
    schema = policy_json_schema(PayPlan)
    return json.dumps(schema, indent=2, ensure_ascii=False, sort_keys=True) + "\n"


def test_committed_schema_is_current() -> None:
    assert SCHEMA.read_text(encoding="utf-8") == render(), (
        "docs/schemas/pay.schema.json is stale: run .venv/bin/python -m tests.engine_pay.test_schema"
    )


def test_schema_forbids_unknown_keys() -> None:
    schema = policy_json_schema(PayPlan)
    assert schema["additionalProperties"] is False
    assert schema["$defs"]["Bracket"]["additionalProperties"] is False


if __name__ == "__main__":
    SCHEMA.write_text(render(), encoding="utf-8")
