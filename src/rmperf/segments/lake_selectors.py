"""The lake in use as the customer 360 reads it: its registered fact-table files and
digests, the bank's time zone and the directory of customer indexes. The reads
themselves (typed by the lake contract) are the engine's, in `engine.lake_reads`."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from zoneinfo import ZoneInfo

from django.conf import settings

from rmperf.engine.lake_reads import CUSTOMER_TABLES, CustomerLake
from rmperf.lakes.selectors import lake_current, registered_tables


def index_dir() -> Path:
    return Path(settings.RMPERF_LAKE_CACHE_DIR)


def lake_files() -> CustomerLake | None:
    """The lake in use and its registered fact-table files (one query), or None."""
    lake_dir = lake_current()
    if lake_dir is None:
        return None
    tables = registered_tables(lake_dir=lake_dir)
    return CustomerLake(
        path=lake_dir,
        index_dir=index_dir(),
        time_zone=str(settings.TIME_ZONE),
        files={
            name: tuple(str(f) for f in reg.files)
            for name, reg in tables.items()
            if name in CUSTOMER_TABLES and reg.files
        },
        digests={name: reg.digest for name, reg in tables.items()},
    )


def local_date(ts: dt.datetime | None) -> dt.date | None:
    """A timestamp's business date in bank time."""
    if ts is None:
        return None
    return ts.astimezone(ZoneInfo(str(settings.TIME_ZONE))).date()
