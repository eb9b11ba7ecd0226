"""Writing a lake directory exactly as `rmperf.engine.contract` describes it.

One file per table (`<table>.parquet` / `<table>.csv`), or for fact tables in parts mode
a folder `<table>/part-NNNNN.<ext>` with one part per batch, so a large bank never has
to sit in memory. Columns come out in contract order with the contract's types; a
required column containing a null is a bug in the generator and stops the run.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from rmperf.engine.contract import TABLES, Table, table

from .arrow import ARROW_TYPES

FORMATS = ("parquet", "csv")
_TS_FORMAT = "%Y-%m-%dT%H:%M:%S+08:00"


def schema(t: Table) -> pa.Schema:
    return pa.schema(
        [pa.field(c.name, ARROW_TYPES[c.type], nullable=not c.required) for c in t.columns]
    )


def lake_entries() -> set[str]:
    """Names a lake directory may contain: a file or part folder per table."""
    names = {t.name for t in TABLES}
    return names | {f"{n}.{ext}" for n in names for ext in FORMATS}


def prepare_out(out: Path) -> None:
    """Create `out`, or empty it if it holds a previous lake; refuse anything else."""
    if out.exists() and not out.is_dir():
        raise ValueError(f"{out} exists and is not a directory")
    if out.is_dir():
        entries = list(out.iterdir())
        allowed = lake_entries()
        foreign = [e.name for e in entries if e.name not in allowed]
        if foreign:
            shown = ", ".join(sorted(foreign)[:5])
            raise ValueError(
                f"refusing to write into {out}: it is not empty and not a lake "
                f"(unexpected entries: {shown})"
            )
        for e in entries:
            if e.is_dir():
                shutil.rmtree(e)
            else:
                e.unlink()
    out.mkdir(parents=True, exist_ok=True)


def _csv_ready(batch: pa.Table) -> pa.Table:
    """Timestamps as ISO 8601 strings in bank time with an explicit +08:00 offset."""
    cols = []
    for col in batch.columns:
        if pa.types.is_timestamp(col.type):
            arr = col.combine_chunks()
            missing = np.asarray(arr.is_null().to_numpy(zero_copy_only=False), dtype=bool)
            us = np.asarray(arr.cast(pa.int64()).fill_null(0).to_numpy(), dtype=np.int64)
            local_s = us // 1_000_000 + 8 * 3600
            local = pa.array(local_s, type=pa.timestamp("s"), mask=missing)
            cols.append(pc.strftime(local, format=_TS_FORMAT))
        else:
            cols.append(col)
    return pa.table(cols, names=batch.column_names)


class LakeWriter:
    """Appends batches to the files of a lake; `close` returns rows written per table."""

    def __init__(self, out: Path, fmt: str, parts: bool) -> None:
        if fmt not in FORMATS:
            raise ValueError(f"unknown format {fmt!r}; use one of {', '.join(FORMATS)}")
        self.out = out
        self.fmt = fmt
        self.parts = parts
        self.rows: dict[str, int] = {}
        self._files: dict[str, pq.ParquetWriter | pacsv.CSVWriter] = {}
        self._part_no: dict[str, int] = {}

    def _is_parts(self, t: Table) -> bool:
        return self.parts and t.fact

    def write(self, name: str, columns: dict[str, pa.Array], *, force: bool = False) -> None:
        """Append one batch; empty batches are skipped unless `force` (empty table)."""
        t = table(name)
        sch = schema(t)
        missing = set(t.column_names) ^ set(columns)
        if missing:
            raise ValueError(f"{name}: columns {sorted(missing)} do not match the contract")
        arrays = []
        for f in sch:
            arr = columns[f.name]
            if arr.type != f.type:
                arr = arr.cast(f.type)
            if not f.nullable and arr.null_count:
                raise ValueError(f"{name}.{f.name}: {arr.null_count} nulls in a required column")
            arrays.append(arr)
        batch = pa.Table.from_arrays(arrays, schema=sch)
        self.rows[name] = self.rows.get(name, 0) + batch.num_rows
        if batch.num_rows == 0 and not force:
            return
        if self._is_parts(t):
            folder = self.out / name
            folder.mkdir(exist_ok=True)
            n = self._part_no.get(name, 0)
            self._part_no[name] = n + 1
            self._write_whole(batch, folder / f"part-{n:05d}.{self.fmt}")
            return
        writer = self._files.get(name)
        if writer is None:
            path = self.out / f"{name}.{self.fmt}"
            if self.fmt == "parquet":
                writer = pq.ParquetWriter(path, sch, compression="zstd")
            else:
                writer = pacsv.CSVWriter(path, _csv_ready(batch.slice(0, 0)).schema)
            self._files[name] = writer
        writer.write_table(_csv_ready(batch) if self.fmt == "csv" else batch)

    def _write_whole(self, batch: pa.Table, path: Path) -> None:
        if self.fmt == "parquet":
            pq.write_table(batch, path, compression="zstd")
        else:
            pacsv.write_csv(_csv_ready(batch), path)

    def close(self) -> dict[str, int]:
        """Finish every file; tables that got no rows still get an empty file."""
        for t in TABLES:
            if t.name not in self._files and t.name not in self._part_no:
                empty = {f.name: pa.array([], f.type) for f in schema(t)}
                self.write(t.name, empty, force=True)
        for w in self._files.values():
            w.close()
        self._files.clear()
        return {t.name: self.rows.get(t.name, 0) for t in TABLES}
