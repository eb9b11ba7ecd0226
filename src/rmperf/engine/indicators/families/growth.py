"""Growth indicators (成长类): certifications and training hours.

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


INDICATORS: tuple[IndicatorDef, ...] = (
    IndicatorDef(
        id="certifications",
        name_zh="取得资格证书",
        name_en="Certifications obtained",
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
)
