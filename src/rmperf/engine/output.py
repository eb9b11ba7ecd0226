"""Writing an engine result: CSV or Parquet, chosen by the file's extension."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq

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
        pa_csv.write_csv(table, tmp, pa_csv.WriteOptions(quoting_style="needed"))
    else:
        pq.write_table(table, tmp, compression="zstd")
    tmp.replace(path)
    return path
