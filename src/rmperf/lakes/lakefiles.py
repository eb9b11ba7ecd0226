"""Where a lake keeps its rejects (docs/data-format.md, first section)."""

from __future__ import annotations

from pathlib import Path

REJECTS_DIR = "_rejects"


def rejects_file(lake_dir: Path, table: str) -> Path:
    """The CSV the validator writes a table's rejected rows to."""
    return lake_dir / REJECTS_DIR / f"{table}.csv"
