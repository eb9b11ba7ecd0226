"""The data version: the newest audit event's number and hash, a key for caches of what
pages read.

Every write of the application is audited in its own transaction (STYLE.md: services
write an audit event beside their rows; imports, runs, task closes, reassignments, sign-ins
too), so the newest event's `seq` moves whenever anything a page reads may have changed,
and it becomes visible in the same commit as the rows it covers. A cache entry keyed by
it is never cleared: a write makes a new key, and the old entries are never asked for
again (they leave by the cache's timeout and size limit). That works with a per-process
cache (Django's LocMemCache, one per gunicorn worker): no worker has to tell another.

Read it before the data it keys: a write committed in between then lands under the old
key at worst (a newer answer for a request that raced the write), never an old answer
under the new key. It is read once per GET request (`data_version_of`), one primary-key
lookup; writes (POST …) use no cache at all.

What is not audited is not in it: rows changed by hand in the database (psql), and the
passing of time; caches keyed on it add the bank's date where a page depends on it.
"""

from __future__ import annotations

from django.db import connection
from django.http import HttpRequest

from rmperf.core.models import AuditEvent

#: Request methods that change nothing: only their pages use the caches.
SAFE_METHODS = frozenset({"GET", "HEAD"})


def data_version() -> str | None:
    """The newest audit event's number and hash, or None before the first event (an empty
    or test database: nothing is cached then). The hash chains every event before it, so
    another database (a restore, a rebuilt demo) never shows the same version for other
    data, even where its numbers meet."""
    table = connection.ops.quote_name(AuditEvent._meta.db_table)
    seq = connection.ops.quote_name(str(AuditEvent._meta.get_field("seq").column))
    chain = connection.ops.quote_name(str(AuditEvent._meta.get_field("hash").column))
    with connection.cursor() as cursor:
        # The primary key's index finds the newest event (S608: names from the model).
        cursor.execute(f"SELECT {seq}, {chain} FROM {table} ORDER BY {seq} DESC LIMIT 1")  # noqa: S608
        row = cursor.fetchone()
    return None if row is None else f"{row[0]}.{row[1][:16]}"


def data_version_of(request: HttpRequest) -> str | None:
    """The data version as this GET request first read it; None for a write request
    (POST …: it renders what it has just written) and before the first audit event."""
    if request.method not in SAFE_METHODS:
        return None
    memo: tuple[str | None] | None = getattr(request, "_rmperf_data_version", None)
    if memo is None:
        memo = (data_version(),)
        request._rmperf_data_version = memo  # type: ignore[attr-defined]
    return memo[0]
