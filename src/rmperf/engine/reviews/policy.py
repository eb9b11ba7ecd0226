"""The reviews policy (DOMAIN §7): quarterly performance talks and the 述职 panels.

Defaults: a talk is due 15 days after the quarter's ratings are confirmed (DOMAIN and
the seeds give no number; seed 001 only says each quarter's talk follows the quarter's
results); a panel has at least 3 members; with 5 or more scores one highest and one
lowest are dropped; the panel fills the cards' manual key `self_review`; a half-year
述职 fills a quarter or the half-year period within its half, an annual one a quarter or
the year within its year. A bank changes them here, never in code.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Literal

from pydantic import Field

from rmperf.engine.policy import LoadedPolicy, PolicyModel, load_policy, rule
from rmperf.engine.policy.loader import Loc

DEFAULT_FILE = "reviews.yaml"

#: Roles that may sit on a panel at all (the org's roles above a relationship manager).
PANEL_ROLES = ("team_leader", "branch_manager", "hr")
#: Attachment types a bank may allow; each is recognised by its content, not its name.
ATTACHMENT_TYPES = ("pdf", "docx", "xlsx", "png", "jpg")

PeriodKindName = Literal["quarter", "half", "year"]


class TalkRule(PolicyModel):
    """The quarterly performance talk (绩效面谈)."""

    overdue_days: int = Field(
        15, ge=1, le=180, description="days after the quarter's ratings are confirmed"
    )


class PanelRule(PolicyModel):
    """The 述职 panel: who may sit, how many, how the score is formed, what it fills."""

    min_members: int = Field(3, ge=1, le=20)
    trim_from: int = Field(5, ge=3, le=50, description="drop one highest and one lowest from")
    member_roles: tuple[str, ...] = PANEL_ROLES
    direct_manager_may_sit: bool = True
    manual_key: str = Field("self_review", min_length=1, max_length=64)
    fills_half: tuple[PeriodKindName, ...] = ("quarter", "half")
    fills_annual: tuple[PeriodKindName, ...] = ("quarter", "year")


class AttachmentRule(PolicyModel):
    """The report's attachments (their maximum size is the setting
    RMPERF_REVIEW_ATTACHMENT_MAX_BYTES)."""

    types: tuple[str, ...] = ATTACHMENT_TYPES
    max_files: int = Field(5, ge=0, le=50)


class ReviewsPolicy(PolicyModel):
    talk: TalkRule = TalkRule()
    panel: PanelRule = PanelRule()
    attachments: AttachmentRule = AttachmentRule()


@rule("panel_roles_known")
def _panel_roles_known(p: ReviewsPolicy) -> Iterable[tuple[str, Loc]]:
    for i, role in enumerate(p.panel.member_roles):
        if role not in PANEL_ROLES:
            yield (
                f"{role!r} may not sit on a panel (roles: {', '.join(PANEL_ROLES)})",
                ("panel", "member_roles", i),
            )
    if not p.panel.member_roles:
        yield "member_roles is empty: no panel could be formed", ("panel", "member_roles")


@rule("trim_leaves_scores")
def _trim_leaves_scores(p: ReviewsPolicy) -> Iterable[tuple[str, Loc]]:
    if p.panel.trim_from < 3:
        yield "trim_from below 3 would drop every score", ("panel", "trim_from")


@rule("manual_key_is_a_panel_key")
def _manual_key_is_a_panel_key(p: ReviewsPolicy) -> Iterable[tuple[str, Loc]]:
    key = p.panel.manual_key
    if key.startswith(("peer", "risk")):
        yield (
            f"{key!r} is a peer or risk key (keys starting with peer/risk are not the panel's)",
            ("panel", "manual_key"),
        )


@rule("fills_given")
def _fills_given(p: ReviewsPolicy) -> Iterable[tuple[str, Loc]]:
    for name, kinds in (("fills_half", p.panel.fills_half), ("fills_annual", p.panel.fills_annual)):
        if not kinds:
            yield f"{name} is empty: the panel's score could fill no period", ("panel", name)
        if len(set(kinds)) != len(kinds):
            yield f"a period kind is listed twice in {name}", ("panel", name)


@rule("attachment_types_known")
def _attachment_types_known(p: ReviewsPolicy) -> Iterable[tuple[str, Loc]]:
    for i, kind in enumerate(p.attachments.types):
        if kind not in ATTACHMENT_TYPES:
            yield (
                f"{kind!r} is not a recognised attachment type ({', '.join(ATTACHMENT_TYPES)})",
                ("attachments", "types", i),
            )


RULES = (
    _panel_roles_known,
    _trim_leaves_scores,
    _manual_key_is_a_panel_key,
    _fills_given,
    _attachment_types_known,
)


def load_reviews_policy(path: Path | str | None = None) -> LoadedPolicy[ReviewsPolicy]:
    """The policy at `path`, or the shipped default."""
    return load_policy(path, ReviewsPolicy, default=DEFAULT_FILE, rules=RULES)
