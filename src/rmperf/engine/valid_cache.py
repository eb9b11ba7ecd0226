"""The valid rows of a table, computed once per content of the lake and kept as Parquet.

Validating a fact table costs seconds to tens of seconds (21M transactions: ~15–40 s), and
every engine command reads the valid rows. The DuckDB backend therefore keeps the verdict
in a cache directory the first time it is needed, and later commands reuse it while
nothing it depends on has changed. An entry is one Parquet file of one of two kinds:

- `rejected` (tables in Parquet files): the rejected rows only, each with its file's
  index and its row number in that file, its values as text and its reasons. The valid
  rows are the other rows of the lake's own files, read in place with their typed columns
  (`validity.valid_rows_sql`); `rmperf validate` writes its rejects files from the entry.
  Validation is then one pass that writes next to nothing: no copy of 21M valid rows.
- `rows` (CSV files, or Parquet files with a column named like DuckDB's row identity
  columns): the valid rows themselves, typed; later reads skip the CSV parsing too.

The entry's key covers everything the valid rows depend on:
- the generated validation query (contract rules, the columns the files hold, the
  validation day and the bank time zone are all spelled out in it);
- how the files are read (the backend's raw-source SQL) and the DuckDB version;
- every file of the table: path relative to the lake, size, modification and change
  time (ns) and inode. Any write to a file changes its ctime, which no tool can set
  back, so a changed file means a new key and a new validation;
- the keys of the tables it references (a foreign key is checked against the valid rows
  of the referenced table).

So a cache hit returns exactly the rows validation would return now; validation is not
weakened, only not repeated. Writing is atomic: rows go to a temporary file in the cache
directory, which is then hard-linked to the entry's name (never replacing a file another
process may be reading); a concurrent run sees either no entry or a complete one. The
files are fingerprinted again after the rows are written; if they changed meanwhile, the
entry is not published.

Where: `<lake>/_valid/` (like `_rejects/`, entries starting with `_` are never lake data),
or the directory named by the environment variable RMPERF_VALID_CACHE (entries of each
lake in a subdirectory); RMPERF_VALID_CACHE=off disables the cache. If the directory
cannot be written, the command computes the valid rows in-line as before (and logs why).
Entries of a table unused for an hour are removed when a newer entry of it is written.
Temporary files and folders (`.tmp-*`: DuckDB writes a file, Spark a folder of part files
beside it) that a crashed write left behind are removed when a write starts, once nothing
in them has changed for an hour (a write in progress elsewhere keeps touching its own).
"""

from __future__ import annotations

import hashlib
import logging
import os
import shutil
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from rmperf.engine.lake import Lake, TableFiles

log = logging.getLogger(__name__)

CACHE_ENV = "RMPERF_VALID_CACHE"
CACHE_DIR_NAME = "_valid"
#: Bump when the way entries are written or read changes.
FORMAT_VERSION = "2"
#: Entries (and abandoned temporary files) not used for this long may be removed.
STALE_SECONDS = 3600.0
_TMP_PREFIX = ".tmp-"
#: Entry kinds (module docstring): the valid rows themselves (tables in CSV files), or
ROWS = "rows"
#: the rejected rows of Parquet files, by file and row number, with their values and
#: reasons: the valid rows are the files' other rows, read in place.
REJECTED = "rejected"


def files_fingerprint(files: TableFiles, root: Path) -> str:
    """sha256 over each file's path (relative to `root`), size, mtime, ctime and inode."""
    digest = hashlib.sha256()
    for f in files.files:
        st = f.stat()
        rel = f.relative_to(root).as_posix() if f.is_relative_to(root) else str(f)
        digest.update(
            f"{rel}\0{st.st_size}\0{st.st_mtime_ns}\0{st.st_ctime_ns}\0{st.st_ino}\n".encode()
        )
    return digest.hexdigest()


def cache_dir_for(lake: Lake) -> Path | None:
    """The cache directory of `lake`, or None when the cache is turned off."""
    setting = os.environ.get(CACHE_ENV, "").strip()
    if setting.lower() in ("off", "0", "false", "no"):
        return None
    if setting:
        lake_id = hashlib.sha256(str(lake.path).encode()).hexdigest()[:16]
        return Path(setting).expanduser().resolve() / f"{lake.path.name}-{lake_id}"
    inside = lake.path / CACHE_DIR_NAME
    if inside.is_symlink():
        # The lake is trusted no further than needed: rows are never read from, nor
        # written to, wherever a link in the lake points.
        log.warning("valid-row cache off: %s is a symbolic link (not followed)", inside)
        return None
    return inside


@dataclass(frozen=True)
class ValidCache:
    """One lake's cache directory."""

    directory: Path
    lake_root: Path

    def key(
        self,
        table: str,
        *,
        valid_sql: str,
        source_sql: str,
        engine_version: str,
        fingerprint: str,
        reference_keys: Sequence[str],
        kind: str = ROWS,
    ) -> str:
        digest = hashlib.sha256()
        for part in (
            FORMAT_VERSION,
            kind,
            engine_version,
            table,
            source_sql,
            valid_sql,
            fingerprint,
            *reference_keys,
        ):
            digest.update(len(part).to_bytes(8, "big") + part.encode())
        return digest.hexdigest()

    def entry(self, table: str, key: str) -> Path:
        return self.directory / f"{table}-{key[:32]}.parquet"

    def lookup(self, table: str, key: str) -> Path | None:
        """The entry's file if it exists (and mark it used)."""
        path = self.entry(table, key)
        if path.is_symlink():  # an entry is a file this cache wrote, never a link
            return None
        try:
            os.utime(path)
        except FileNotFoundError:
            return None
        except OSError:  # read-only cache: still usable
            pass
        return path if path.is_file() else None

    def new_temp(self, table: str) -> Path:
        """A new temporary file's name for a write of `table`'s entry; stale temporary
        files and folders of crashed writes are removed first (`sweep_temps`)."""
        self.directory.mkdir(parents=True, exist_ok=True)
        self.sweep_temps()
        return self.directory / f"{_TMP_PREFIX}{table}-{os.getpid()}-{uuid.uuid4().hex}.parquet"

    def sweep_temps(self) -> None:
        """Remove the temporary files and folders (`.tmp-*`) in which nothing changed for
        STALE_SECONDS: what a write killed midway left (Spark's `.tmp-….parquet.spark`
        folder of part files, DuckDB's `.tmp-….parquet`)."""
        cutoff = time.time() - STALE_SECONDS
        for path in self.directory.glob(f"{_TMP_PREFIX}*"):
            try:
                if path.is_symlink() or not path.is_dir():
                    if path.lstat().st_mtime < cutoff:
                        path.unlink()
                elif _newest_change(path) < cutoff:
                    shutil.rmtree(path, ignore_errors=True)
            except FileNotFoundError:  # removed meanwhile (its own write finished)
                continue

    def publish(self, tmp: Path, table: str, key: str) -> Path:
        """Give the finished temporary file the entry's name; never replaces an entry."""
        final = self.entry(table, key)
        try:
            os.link(tmp, final)
        except FileExistsError:
            pass  # another run published the same rows first; use theirs
        finally:
            tmp.unlink(missing_ok=True)
        self.prune(table, keep=final)
        return final

    def prune(self, table: str, *, keep: Path) -> None:
        """Remove this table's other entries unused for STALE_SECONDS (a run reading an
        older entry right now is not disturbed); abandoned temporary files went when the
        write started (`sweep_temps`)."""
        cutoff = time.time() - STALE_SECONDS
        for path in self.directory.glob(f"{table}-*.parquet"):
            if path == keep:
                continue
            try:
                if path.stat().st_mtime < cutoff:
                    path.unlink()
            except FileNotFoundError:
                continue


def _newest_change(folder: Path) -> float:
    """The latest modification time of `folder` and of everything in it (links not
    followed)."""
    newest = folder.lstat().st_mtime
    for root, dirs, files in os.walk(folder):
        for name in (*dirs, *files):
            try:
                newest = max(newest, (Path(root) / name).lstat().st_mtime)
            except FileNotFoundError:
                continue
    return newest


def open_cache(lake: Lake) -> ValidCache | None:
    """The lake's cache, or None when it is off or its directory cannot be written."""
    directory = cache_dir_for(lake)
    if directory is None:
        return None
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        log.warning("valid-row cache off: cannot create %s (%s)", directory, exc)
        return None
    if not os.access(directory, os.W_OK | os.X_OK):
        log.warning("valid-row cache off: %s is not writable", directory)
        return None
    return ValidCache(directory, lake.path)


__all__ = [
    "CACHE_DIR_NAME",
    "CACHE_ENV",
    "REJECTED",
    "ROWS",
    "ValidCache",
    "cache_dir_for",
    "files_fingerprint",
    "open_cache",
]
