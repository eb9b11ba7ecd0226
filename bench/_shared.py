"""Helpers the page benchmarks share (run as `python bench/<script>.py`, so importable)."""

from __future__ import annotations

import statistics
from urllib.parse import urlparse


def recreate_database(url: str) -> None:
    """Drop and create the PostgreSQL database named in `url` (a benchmark's own)."""
    import psycopg

    parsed = urlparse(url)
    name = parsed.path.lstrip("/")
    admin = parsed._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as con:
        con.execute(f'DROP DATABASE IF EXISTS "{name}"')
        con.execute(f'CREATE DATABASE "{name}"')


def p95(values: list[float]) -> float:
    """The 95th percentile, interpolated between ranks (numpy's default, `inclusive`)."""
    return statistics.quantiles(values, n=100, method="inclusive")[94]
