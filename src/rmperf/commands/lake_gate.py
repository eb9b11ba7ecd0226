"""What every stateless engine command says about the lake it read, and when it refuses.

One piece for all of them (issue #18): a command computes on the lake, then reports the
rows read and rejected per table it used, and exits 2 without writing anything when a
table it needs is missing, unreadable, empty or lost more than the lake policy's share
of its rows (docs/data-format.md "Accepting a delivery"). `--allow-rejects` lets a
person accept more rejects than the policy allows; it never accepts a missing or empty
table.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, cast

if TYPE_CHECKING:  # the lake module imports pyarrow: not needed for `--help`
    from rmperf.engine.lake import Lake

#: Exit status when the lake cannot be used.
REFUSED = 2


def add_gate_arguments(parser: argparse.ArgumentParser) -> None:
    """The options every engine command that reads a lake takes."""
    parser.add_argument(
        "--allow-rejects",
        action="store_true",
        help="compute even when a table lost more rows to rejects than the lake policy "
        "allows (never when a table is missing or empty)",
    )
    parser.add_argument(
        "--lake-policy",
        type=Path,
        help="lake acceptance policy YAML (default: shipped, 1 %% rejected rows per table)",
    )


def gated[T](args: argparse.Namespace, lake: Lake, compute: Callable[[], T]) -> T | int:
    """Run `compute` on `lake`, then check every table it read: the result, or 2 after
    saying why the lake cannot be used (the counts per table always go to stderr)."""
    import duckdb

    from rmperf.engine.acceptance import counts_table, lake_counts, load_acceptance_policy
    from rmperf.engine.acceptance import refusals as find_refusals
    from rmperf.engine.policy import PolicyError

    try:
        policy = load_acceptance_policy(getattr(args, "lake_policy", None)).policy
    except PolicyError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return REFUSED
    failure: Exception | None = None
    result: T | None = None
    try:
        result = compute()
    except Exception as exc:
        # A computation may trip over the very table the check refuses (no rows, an
        # unreadable file): the refusal explains it better than the error. Any other
        # error is the caller's to handle, as before.
        failure = exc
    counts = lake_counts(lake, lake.attached)
    print(f"read from {lake.path}:", file=sys.stderr)
    for line in counts_table(counts):
        print(line, file=sys.stderr)
    refused = find_refusals(
        counts.values(),
        policy=policy,
        allow_rejects=bool(getattr(args, "allow_rejects", False)),
    )
    if refused:
        for r in refused:
            print(f"error: {r.message}", file=sys.stderr)
        overridable = all(r.overridable for r in refused)
        hint = " (--allow-rejects computes anyway)" if overridable else ""
        print(f"error: the lake cannot be used; nothing was written{hint}", file=sys.stderr)
        return REFUSED
    if isinstance(failure, duckdb.Error):
        print(f"error: {str(failure).splitlines()[0]}", file=sys.stderr)
        return REFUSED
    if failure is not None:
        raise failure
    return cast(T, result)  # compute() returned: no failure


def say_if_empty(rows: int, what: str) -> None:
    """An empty result is written, but never silently."""
    if rows == 0:
        print(
            f"note: the result has no {what}: every table it needs has rows, but none qualified",
            file=sys.stderr,
        )


__all__ = ["REFUSED", "add_gate_arguments", "gated", "say_if_empty"]
