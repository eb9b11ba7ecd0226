"""docs/data-format.md is generated from the contract and must not drift from it."""

from pathlib import Path

from rmperf.engine import contract
from rmperf.engine.contract_doc import EXAMPLES, MEANINGS, render

ROOT = Path(__file__).resolve().parents[2]


def test_committed_reference_matches_the_contract() -> None:
    committed = (ROOT / "docs" / "data-format.md").read_text(encoding="utf-8")
    assert committed == render(), (
        "docs/data-format.md is stale: run "
        "`.venv/bin/python -m rmperf.engine.contract_doc > docs/data-format.md`"
    )


def test_every_table_and_column_is_documented_with_meaning_and_chinese() -> None:
    for table in contract.TABLES:
        assert table.zh and table.description, table.name
        assert set(EXAMPLES[table.name]) == set(table.column_names), table.name
        for col in table.columns:
            assert col.zh, f"{table.name}.{col.name} has no Chinese term"
            assert col.description or col.name in MEANINGS, f"{table.name}.{col.name}"


def test_reference_names_every_enum_value() -> None:
    text = render()
    for table in contract.TABLES:
        for col in table.columns:
            for value in col.enum or ():
                assert f"`{value}`" in text
