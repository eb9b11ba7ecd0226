"""Growth indicators (成长类): certifications, training hours, strategic projects and
innovation proposals.

Each entry of `INDICATORS` is one indicator whole: its metadata (docs/indicators.md is
rendered from it), the lake tables it reads, its finisher and its detail expression
(Ibis, imported only when a query is built: lazy.py). `library.LIBRARY` collects the
families; indicator.py says what each field means.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rmperf.engine.indicators.context import Context
from rmperf.engine.indicators.indicator import Detail, IndicatorDef, finish_cents, finish_count
from rmperf.engine.indicators.lazy import LazyModule

if TYPE_CHECKING:
    import ibis

    from rmperf.engine.indicators import sources as src
else:
    ibis = LazyModule("ibis")
    src = LazyModule("rmperf.engine.indicators.sources")


def _trainings(certification: bool) -> Detail:
    def build(ctx: Context, staff: str | None) -> Any:
        t = src.contract_table("trainings")
        t = t.filter(src.in_period(ctx, t.date))
        if certification:
            t = t.filter(t.kind == "certification")
        t = src.for_staff(t, staff)
        return src.detail(
            t,
            staff_id=t.staff_id,
            source="trainings",
            ref_id=t.name,
            day=t.date,
            a=1 if certification else src.cents(t.hours),
            note=t.kind,
        )

    return build


def _projects(ctx: Context, staff: str | None) -> Any:
    p = src.contract_table("projects")
    p = src.for_staff(p.filter(src.in_period(ctx, p.joined_on)), staff)
    return src.detail(
        p,
        staff_id=p.staff_id,
        source="projects",
        ref_id=p.project_id,
        day=p.joined_on,
        a=1,
        note=p.name,
    )


def _proposals(ctx: Context, staff: str | None) -> Any:
    p = src.contract_table("proposals")
    p = src.for_staff(p.filter(p.adopted_on.notnull() & src.in_period(ctx, p.adopted_on)), staff)
    return src.detail(
        p,
        staff_id=p.staff_id,
        source="proposals",
        ref_id=p.proposal_id,
        day=p.adopted_on,
        a=1,
        flag=p.reviewer_id,
        note=p.title,
    )


INDICATORS: tuple[IndicatorDef, ...] = (
    IndicatorDef(
        id="certifications",
        name_zh="取得资格证书",
        name_en="Certifications obtained",
        definition_zh="本期取得的资格证书数。",
        formula_zh="本期取得的资格证书个数",
        unit="count",
        direction="higher",
        perspective="learning",
        category="development",
        family="growth",
        balance_based=False,
        definition="Certifications the RM obtained in the period.",
        sources=("trainings",),
        formula="count of trainings of kind certification dated in the period",
        crediting="the staff member, `trainings.staff_id`",
        edge_cases="None: 0.",
        combine="sum",
        aggregation="flow",
        numerator="certifications",
        tables=("trainings",),
        finish=finish_count,
        detail=_trainings(True),
    ),
    IndicatorDef(
        id="training_hours",
        name_zh="培训学时",
        name_en="Training hours",
        definition_zh="本期参加培训（课程和取证）的学时。",
        formula_zh="本期培训学时之和",
        unit="hours",
        direction="higher",
        perspective="learning",
        category="development",
        family="growth",
        balance_based=False,
        definition="Hours of training (courses and certifications) the RM took in the period.",
        sources=("trainings",),
        formula="Σ trainings.hours dated in the period",
        crediting="the staff member, `trainings.staff_id`",
        edge_cases="None: 0.",
        combine="sum",
        aggregation="flow",
        numerator="hours",
        tables=("trainings",),
        finish=finish_cents,
        detail=_trainings(False),
    ),
    IndicatorDef(
        id="strategic_projects",
        name_zh="重大项目参与",
        name_en="Strategic projects",
        definition_zh="本期参与的全行重大（战略）项目数。",
        formula_zh="本期加入的重大项目个数",
        unit="count",
        direction="higher",
        perspective="learning",
        category="development",
        family="growth",
        balance_based=False,
        definition=(
            "Major (strategic) projects of the bank's list the RM joined in the period "
            "(seed 003 §五, the strategic lines' participation in major projects)."
        ),
        sources=("projects",),
        formula="count of projects rows of the RM with joined_on in the period",
        crediting="the participant, `projects.staff_id`",
        edge_cases=(
            "A project joined before the period does not count again; a lake without the "
            "optional `projects` table: 0 for every RM (the table reads as empty)."
        ),
        combine="sum",
        aggregation="flow",
        numerator="projects joined",
        tables=("projects",),
        finish=finish_count,
        detail=_projects,
    ),
    IndicatorDef(
        id="innovation_proposals",
        name_zh="创新建议采纳数",
        name_en="Innovation proposals adopted",
        definition_zh="本期被采纳的创新建议数（按采纳日期计，不论何时提出）。",
        formula_zh="本期被采纳的建议条数",
        unit="count",
        direction="higher",
        perspective="learning",
        category="development",
        family="growth",
        balance_based=False,
        definition=(
            "Proposals the RM made that a reviewer adopted in the period (adoption day in "
            "the period, whenever the proposal was made)."
        ),
        sources=("proposals",),
        formula="count of proposals of the RM with adopted_on in the period",
        crediting="the author, `proposals.staff_id` (the reviewer is shown as the flag)",
        edge_cases=(
            "Proposals not adopted (adopted_on empty) do not count; a lake without the "
            "optional `proposals` table and no proposal adopted in the app: 0. Proposals "
            "recorded and adopted in the app (performance, with the reviewer's decision) "
            "join the lake's rows in a period run, dated by their decision day."
        ),
        combine="sum",
        aggregation="flow",
        numerator="proposals adopted",
        tables=("proposals",),
        finish=finish_count,
        detail=_proposals,
    ),
)
