"""Compiled SQL of engine computations, kept beside the valid-row cache.

Engine computations are Ibis expressions compiled to the backend's SQL
(rmperf.engine.ibis_tables). Importing Ibis, its SQL compiler and building and compiling
an expression costs about a second of CPU per command, more than a warm segmentation
query itself on a small bank. The SQL text depends only on the inputs of the
computation, not on the lake's rows, so it is kept in a file and a later command with
the same inputs runs it without importing Ibis at all. The definitions stay Ibis: the
cache only skips re-compiling what was compiled before.

An entry's key covers everything the text depends on:
- the computation's name and its inputs as the caller lists them (backend, as-of date,
  the whole policy as JSON, values read from the lake and literalised into the query,
  such as resolved rates);
- the engine's source: a digest of every `.py` file of `rmperf.engine` (the Ibis
  definitions, the contract's column types, the view names), so an edited definition
  is a new key;
- the versions of Ibis and sqlglot, which write the SQL.

Where: the `sql/` folder of the lake's valid-row cache directory
(rmperf.engine.valid_cache: `<lake>/_valid/` or RMPERF_VALID_CACHE); off when that
cache is off. Writing is atomic (a temporary file renamed over the entry; the text for
a key is always the same). If the directory cannot be written, the SQL is compiled as
before. Entries unused for a week are removed when a new one is written.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import time
import uuid
from collections.abc import Callable, Mapping
from functools import cache
from pathlib import Path
from typing import Any

from rmperf.engine.lake import Lake
from rmperf.engine.valid_cache import cache_dir_for

log = logging.getLogger(__name__)

#: Bump when the way entries are keyed or written changes.
FORMAT_VERSION = "1"
SUBDIR = "sql"
STALE_SECONDS = 7 * 24 * 3600.0
ENGINE_DIR = Path(__file__).resolve().parent


@cache
def engine_digest() -> str:
    """sha256 over the path and bytes of every .py file of rmperf.engine, and the
    versions of the packages that write the SQL."""
    from importlib.metadata import PackageNotFoundError, version

    digest = hashlib.sha256()
    for path in sorted(ENGINE_DIR.rglob("*.py")):
        digest.update(path.relative_to(ENGINE_DIR).as_posix().encode() + b"\0")
        digest.update(path.read_bytes() + b"\0")
    for package in ("ibis-framework", "sqlglot"):
        try:
            digest.update(f"{package}={version(package)}\0".encode())
        except PackageNotFoundError:
            digest.update(f"{package}=?\0".encode())
    return digest.hexdigest()


def entry_key(name: str, inputs: Mapping[str, Any]) -> str:
    """The key of one computation's SQL: its name, inputs and the engine's digest."""
    text = json.dumps(
        {"format": FORMAT_VERSION, "name": name, "engine": engine_digest(), "inputs": inputs},
        sort_keys=True,
        default=str,
    )
    return hashlib.sha256(text.encode()).hexdigest()


class SqlCache:
    """Compiled SQL by key in `directory` (None: always compile)."""

    def __init__(self, directory: Path | None) -> None:
        self.directory = directory

    @classmethod
    def for_lake(cls, lake: Lake) -> SqlCache:
        base = cache_dir_for(lake)
        return cls(None if base is None else base / SUBDIR)

    def sql(self, name: str, inputs: Mapping[str, Any], build: Callable[[], str]) -> str:
        """The SQL of computation `name` with `inputs`: from the cache, or `build()`
        (which compiles it) and kept for next time."""
        if self.directory is None:
            return build()
        path = self.directory / f"{name}-{entry_key(name, inputs)[:32]}.sql"
        try:
            if path.is_symlink():  # an entry is a file this cache wrote, never a link
                raise FileNotFoundError(path)
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            pass
        except OSError as exc:
            log.warning("SQL cache: cannot read %s (%s)", path, exc)
        else:
            with contextlib.suppress(OSError):  # a read-only cache is still usable
                os.utime(path)
            return text
        text = build()
        self._write(path, text)
        return text

    def _write(self, path: Path, text: str) -> None:
        tmp = path.parent / f".tmp-{os.getpid()}-{uuid.uuid4().hex}.sql"
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp.write_text(text, encoding="utf-8")
            os.replace(tmp, path)
        except OSError as exc:
            log.warning("SQL cache: cannot write %s (%s)", path, exc)
            tmp.unlink(missing_ok=True)
            return
        self._prune(keep=path)

    @staticmethod
    def _prune(*, keep: Path) -> None:
        cutoff = time.time() - STALE_SECONDS
        for old in keep.parent.glob("*.sql"):
            if old == keep:
                continue
            try:
                if old.stat().st_mtime < cutoff:
                    old.unlink()
            except OSError:
                continue


__all__ = ["SqlCache", "engine_digest", "entry_key"]
