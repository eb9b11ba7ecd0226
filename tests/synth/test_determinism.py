"""Same seed and arguments → byte-identical files; block processing never changes data."""

from __future__ import annotations

import hashlib
from dataclasses import replace
from pathlib import Path

import pytest

from rmperf.engine.contract import TABLES, ColType
from rmperf.synth import SCALES, generate
from tests.synth.conftest import END, START
from tests.synth.lakecheck import connect


def _digests(lake: Path) -> dict[str, str]:
    return {
        str(p.relative_to(lake)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(lake.rglob("*"))
        if p.is_file()
    }


def test_same_seed_same_bytes(tiny_lake: Path, tmp_path: Path) -> None:
    again = tmp_path / "again"
    generate("tiny", seed=42, out=again, start=START, end=END)
    assert _digests(again) == _digests(tiny_lake)


def test_other_seed_other_data(tiny_lake: Path, tmp_path: Path) -> None:
    other = tmp_path / "other"
    generate("tiny", seed=7, out=other, start=START, end=END)
    a, b = _digests(tiny_lake), _digests(other)
    assert a.keys() == b.keys()
    assert a["transactions.parquet"] != b["transactions.parquet"]
    assert a["customers.parquet"] != b["customers.parquet"]


def _rows(lake: Path) -> dict[str, list[tuple[object, ...]]]:
    con = connect(lake)
    out = {}
    for t in TABLES:
        cols = ", ".join(
            f"epoch_us({c.name})" if c.type is ColType.TIMESTAMP else c.name for c in t.columns
        )
        out[t.name] = con.execute(f"SELECT {cols} FROM {t.name} ORDER BY ALL").fetchall()
    return out


def test_chunk_size_and_part_files_do_not_change_the_data(tmp_path: Path) -> None:
    # 1,000 customers = four random-number blocks; written in one chunk or four parts.
    scale = replace(SCALES["tiny"], name="tiny4", customers=1_000, parts=True)
    one = tmp_path / "one"
    four = tmp_path / "four"
    generate(scale, seed=3, out=one, start=START, end=END, chunk_customers=10_000)
    generate(scale, seed=3, out=four, start=START, end=END, chunk_customers=250)
    assert len(list((four / "transactions").glob("part-*.parquet"))) == 4
    assert len(list((one / "transactions").glob("part-*.parquet"))) == 1
    assert _rows(one) == _rows(four)


def test_refuses_a_foreign_non_empty_directory(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("mine")
    with pytest.raises(ValueError, match="not a lake"):
        generate("tiny", out=tmp_path)
    assert (tmp_path / "notes.txt").read_text() == "mine"


def test_overwrites_a_previous_lake(tiny_lake: Path, tmp_path: Path) -> None:
    out = tmp_path / "lake"
    generate("tiny", seed=1, out=out, start=START, end=END, fmt="csv")
    generate("tiny", seed=42, out=out, start=START, end=END)
    assert _digests(out) == _digests(tiny_lake)


def test_rejects_unknown_scale_and_format(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="scale"):
        generate("huge", out=tmp_path / "a")
    with pytest.raises(ValueError, match="format"):
        generate("tiny", out=tmp_path / "b", fmt="xlsx")


def test_progress_reports_every_table(tmp_path: Path) -> None:
    calls: list[tuple[str, int, int]] = []
    report = generate(
        "tiny",
        out=tmp_path / "p",
        start=START,
        end=END,
        progress=lambda t, d, n: calls.append((t, d, n)),
    )
    assert {t for t, _, _ in calls} == {t.name for t in TABLES}
    assert all(0 <= d <= n for _, d, n in calls)
    assert ("transactions", 400, 400) in calls
    assert report.rows["customers"] == 400 and report.seconds > 0
