"""Required courses and certifications per RM rank (seed 002 "区域培训": account opening,
sales skills, the certification exams), and what a person is missing.

The bank sets them in the Django setting `RMPERF_REQUIRED_TRAININGS` (rank → list of
[kind, name]); without it the defaults below apply. Each rank lists everything it needs,
the ranks below included. A record counts when its kind and name match exactly (from the
lake's `trainings` or entered in the app), whatever its date.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from rmperf.org.models import Rank
from rmperf.teams.models import TrainingKind

_BASE: tuple[tuple[str, str], ...] = (
    ("course", "开户业务操作规范"),
    ("course", "理财产品销售技巧"),
    ("course", "反洗钱合规培训"),
)
_JUNIOR = (*_BASE, ("certification", "银行业专业人员职业资格(初级)"))
_INTERMEDIATE = (*_JUNIOR, ("certification", "基金从业资格"))
_SENIOR = (*_INTERMEDIATE, ("certification", "银行业专业人员职业资格(中级)"))

DEFAULT_REQUIRED: dict[str, tuple[tuple[str, str], ...]] = {
    Rank.ASSISTANT: _BASE,
    Rank.JUNIOR: _JUNIOR,
    Rank.INTERMEDIATE: _INTERMEDIATE,
    Rank.SENIOR: _SENIOR,
}


@dataclass(frozen=True)
class Requirement:
    kind: str
    name: str


def check_required(raw: Mapping[str, Sequence[Sequence[str]]]) -> dict[str, list[Requirement]]:
    """The setting validated: known ranks, kinds course/certification, names not empty."""
    ranks = set(Rank.values)
    kinds = set(TrainingKind.values)
    out: dict[str, list[Requirement]] = {}
    for rank, items in raw.items():
        if rank not in ranks:
            raise ImproperlyConfigured(
                f"RMPERF_REQUIRED_TRAININGS: unknown rank {rank!r} (known: {sorted(ranks)})"
            )
        reqs = []
        for item in items:
            if len(item) != 2 or item[0] not in kinds or not str(item[1]).strip():
                raise ImproperlyConfigured(
                    f"RMPERF_REQUIRED_TRAININGS[{rank!r}]: {list(item)!r} is not "
                    f"[kind, name] with kind one of {sorted(kinds)} and a name"
                )
            reqs.append(Requirement(kind=item[0], name=str(item[1]).strip()))
        out[rank] = reqs
    return out


def required_by_rank() -> dict[str, list[Requirement]]:
    """The requirements in force (the setting, else the defaults)."""
    raw = getattr(settings, "RMPERF_REQUIRED_TRAININGS", None) or DEFAULT_REQUIRED
    return check_required(raw)


def missing(*, rank: str, done: Iterable[tuple[str, str]]) -> list[Requirement]:
    """The requirements of `rank` not among `done` ((kind, name) pairs), in listed order."""
    have = {(k, n.strip()) for k, n in done}
    return [r for r in required_by_rank().get(rank, []) if (r.kind, r.name) not in have]
