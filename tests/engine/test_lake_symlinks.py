"""The lake directory is trusted no further than needed (issue 18, finding 6).

A symbolic link where a table, a part file, a folder of part files or `_rejects/` belongs
is refused with a message naming the link, never followed: the engine reads nothing
outside the lake, quotes nothing of a foreign file, and writes no rejected rows (full
personal data) outside it.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from rmperf.cli import main
from rmperf.engine.lake import Lake
from rmperf.engine.valid_cache import open_cache
from rmperf.engine.validate import UnsafeLakeError, validate_lake
from tests.engine.lakes import BASE, TODAY, row, write_csv, write_lake

#: A line no lake file holds: if it shows up anywhere, a foreign file was read and quoted.
SECRET = "root:x:0:0:SECRET-7f3a:/root:/bin/bash"


@pytest.fixture
def outside(tmp_path: Path) -> Path:
    """A folder beside the lake with a private file in it."""
    folder = tmp_path / "outside"
    folder.mkdir()
    (folder / "passwd").write_text(f"{SECRET}\ndaemon:x:1:1::/:/bin/false\n", encoding="utf-8")
    return folder


@pytest.fixture
def lake(tmp_path: Path) -> Path:
    return write_lake(tmp_path / "lake")


def _everything_written(lake: Path) -> str:
    return "\n".join(
        p.read_text(encoding="utf-8") for p in sorted((lake / "_rejects").rglob("*")) if p.is_file()
    )


def test_a_table_file_link_is_refused_and_its_target_never_quoted(
    lake: Path, outside: Path
) -> None:
    (lake / "loans.csv").unlink()
    (lake / "loans.csv").symlink_to(outside / "passwd")

    result = validate_lake(lake, today=TODAY)

    assert result.problems == [
        "loans: loans.csv is a symbolic link; the lake's tables, part files and _rejects/ "
        "must be real files and folders inside the lake (links are not followed)"
    ]
    assert result.summaries["loans"].rows == 0
    summary = json.loads((lake / "_rejects" / "summary.json").read_text(encoding="utf-8"))
    assert summary["problems"] == result.problems
    assert SECRET not in _everything_written(lake)
    assert "SECRET" not in json.dumps([result.problems, result.notes])


def test_a_dangling_link_is_refused_not_reported_missing(lake: Path, tmp_path: Path) -> None:
    (lake / "trainings.csv").unlink()
    (lake / "trainings.csv").symlink_to(tmp_path / "nowhere.csv")

    result = validate_lake(lake, today=TODAY, tables=["trainings"])

    assert len(result.problems) == 1
    assert result.problems[0].startswith("trainings: trainings.csv is a symbolic link;")


def test_a_part_file_link_is_refused(lake: Path, outside: Path) -> None:
    rows = BASE["transactions"]
    (lake / "transactions.csv").unlink()
    folder = lake / "transactions"
    folder.mkdir()
    write_csv(folder / "part-0.csv", rows)
    write_csv(outside / "part-1.csv", [row("transactions", txn_id="T-OUTSIDE")])
    (folder / "part-1.csv").symlink_to(outside / "part-1.csv")

    result = validate_lake(lake, today=TODAY, tables=["transactions"])

    assert len(result.problems) == 1
    assert result.problems[0].startswith(
        "transactions: transactions/part-1.csv is a symbolic link;"
    )
    assert "T-OUTSIDE" not in _everything_written(lake)


def test_a_linked_folder_inside_a_table_folder_is_refused(lake: Path, outside: Path) -> None:
    (lake / "transactions.csv").unlink()
    folder = lake / "transactions"
    (folder / "2026").mkdir(parents=True)
    write_csv(folder / "2026" / "part-0.csv", BASE["transactions"])
    write_csv(outside / "part-9.csv", [row("transactions", txn_id="T-OUTSIDE")])
    (folder / "2025").symlink_to(outside, target_is_directory=True)

    result = validate_lake(lake, today=TODAY, tables=["transactions"])

    assert [p.split(";")[0] for p in result.problems] == [
        "transactions: transactions/2025 is a symbolic link"
    ]


def test_a_linked_table_folder_is_refused(lake: Path, outside: Path) -> None:
    (lake / "transactions.csv").unlink()
    write_csv(outside / "part-0.csv", BASE["transactions"])
    (lake / "transactions").symlink_to(outside, target_is_directory=True)

    result = validate_lake(lake, today=TODAY, tables=["transactions"])

    assert [p.split(";")[0] for p in result.problems] == [
        "transactions: transactions is a symbolic link"
    ]


def test_links_outside_the_data_entries_are_not_looked_at(lake: Path, outside: Path) -> None:
    """`_`- and `.`-entries are not data: a link there is neither read nor refused."""
    (lake / "transactions.csv").unlink()
    folder = lake / "transactions"
    folder.mkdir()
    write_csv(folder / "part-0.csv", BASE["transactions"])
    (folder / "_SUCCESS").symlink_to(outside / "passwd")
    (folder / ".hidden").symlink_to(outside, target_is_directory=True)

    result = validate_lake(lake, today=TODAY, tables=["transactions"])

    assert result.problems == []
    assert result.summaries["transactions"].rows == len(BASE["transactions"])


def test_a_fifo_is_not_read(lake: Path) -> None:
    (lake / "trainings.csv").unlink()
    os.mkfifo(lake / "trainings.csv")

    result = validate_lake(lake, today=TODAY, tables=["trainings"])  # would block if opened

    assert result.problems == ["trainings: trainings.csv is not a regular file"]


def test_a_rejects_link_is_refused_before_anything_is_written(lake: Path, outside: Path) -> None:
    write_lake(lake, {"transactions": [row("transactions", amount="-5.00")]})
    target = outside / "rejects"
    target.mkdir()
    (lake / "_rejects").symlink_to(target, target_is_directory=True)

    with pytest.raises(UnsafeLakeError) as raised:
        validate_lake(lake, today=TODAY)

    assert str(raised.value).startswith("_rejects is a symbolic link;")
    assert list(target.iterdir()) == []


def test_a_link_inside_rejects_is_refused(lake: Path, outside: Path) -> None:
    (lake / "_rejects").mkdir()
    (lake / "_rejects" / "summary.json.tmp").symlink_to(outside / "passwd")

    with pytest.raises(UnsafeLakeError) as raised:
        validate_lake(lake, today=TODAY)

    assert str(raised.value).startswith("_rejects/summary.json.tmp is a symbolic link;")
    assert (outside / "passwd").read_text(encoding="utf-8").startswith(SECRET)


def test_validation_without_writing_ignores_rejects(lake: Path, outside: Path) -> None:
    (lake / "_rejects").symlink_to(outside, target_is_directory=True)
    assert validate_lake(lake, today=TODAY, write_rejects=False).ok


def test_the_validate_command_names_the_link_and_exits_2(
    lake: Path, outside: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (lake / "_rejects").symlink_to(outside, target_is_directory=True)

    status = main(["validate", str(lake), "--today", TODAY.isoformat()])

    assert status == 2
    err = capsys.readouterr().err
    assert "_rejects is a symbolic link" in err and "Traceback" not in err
    assert sorted(p.name for p in outside.iterdir()) == ["passwd"]


def test_a_linked_valid_row_cache_is_not_used(
    lake: Path, outside: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("RMPERF_VALID_CACHE", raising=False)
    (lake / "_valid").symlink_to(outside, target_is_directory=True)
    assert open_cache(Lake(lake, TODAY)) is None
