"""Writing an engine result: CSV or Parquet, chosen by the file's extension.

CSV text cells are formula-safe (a leading = + - @ TAB CR gets an apostrophe); Parquet
keeps every value exactly, for programs.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # imported when a result is written: pyarrow.csv, pyarrow.compute and
    # numpy only for a CSV result (`rmperf segment --out x.parquet` needs none of them)
    import pyarrow as pa

SUFFIXES = (".csv", ".parquet")


def check_output_path(path: Path) -> None:
    """Fail before any work when the result could not be written."""
    if path.suffix.lower() not in SUFFIXES:
        raise ValueError(f"{path}: the output must end in .csv or .parquet")
    if not path.parent.exists():
        raise ValueError(f"{path.parent}: the output folder does not exist")


def write_result(table: pa.Table, path: Path) -> Path:
    """Write `table` to `path` (decimals stay exact in both formats); atomically replaced."""
    check_output_path(path)
    tmp = path.with_name(f".{path.name}.tmp")
    if path.suffix.lower() == ".csv":
        import pyarrow.csv as pa_csv

        from rmperf.engine.formula_safe import formula_safe_table

        # A CSV result is opened in spreadsheets: text cells are made formula-safe.
        safe = formula_safe_table(table)
        pa_csv.write_csv(safe, tmp, pa_csv.WriteOptions(quoting_style="needed"))
    else:
        import pyarrow.parquet as pq

        pq.write_table(table, tmp, compression="zstd")
    tmp.replace(path)
    return path
