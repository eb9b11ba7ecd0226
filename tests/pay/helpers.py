"""Pay objects in alice's scope (branch A, team A1) for the generic access suite: a 2026Q3
run by the system (so HR may approve it), alice's statement with one line, her inquiry."""

from __future__ import annotations

from decimal import Decimal

from django.utils import timezone

from rmperf.pay.models import (
    InquiryStep,
    PayInquiry,
    PayInquiryEntry,
    PayLine,
    PayRun,
    PayStatement,
)
from tests.factories import Bank

ZERO = Decimal("0.00")


def statement_in_alices_scope(bank: Bank) -> PayStatement:
    run, _ = PayRun.objects.get_or_create(
        period="2026Q3",
        defaults={
            "status": "succeeded",
            "actor_label": "system",
            "first_period": "2026Q3",
            "ratings_digest": "0" * 64,
            "targets_digest": "0" * 64,
            "total_paid": Decimal("6900.00"),
            "row_count": 1,
        },
    )
    money = dict.fromkeys(
        ("loan_pay", "excess_reward", "performance_pay", "deferred", "immediate", "held",
         "held_released", "deferral_released", "malus", "clawback", "deferral_balance"),
        ZERO,
    )  # fmt: skip
    statement, created = PayStatement.objects.get_or_create(
        run=run,
        staff=bank.alice,
        defaults={
            "period": "2026Q3", "rank": "intermediate", "rating": "good",
            "coefficient": Decimal("1.00"), "npl_ratio": ZERO, "base": Decimal("6900.00"),
            "total_paid": Decimal("6900.00"), **money,
        },
    )  # fmt: skip
    if created:
        PayLine.objects.create(
            statement=statement, position=1, line="base", amount=Decimal("6900.00"),
            month="2026-09", detail="2300.00 × 30/30",
        )  # fmt: skip
    return statement


def run_in_alices_scope(bank: Bank) -> PayRun:
    return statement_in_alices_scope(bank).run


def inquiry_in_alices_scope(bank: Bank) -> PayInquiry:
    line = statement_in_alices_scope(bank).lines.get()
    inquiry, created = PayInquiry.objects.get_or_create(
        staff=bank.alice,
        pay_line=line,
        defaults={"subject": "2026Q3 base 6,900.00", "opened_at": timezone.now()},
    )
    if created:
        PayInquiryEntry.objects.create(
            inquiry=inquiry, step=InquiryStep.ASKED, text="?", actor_label="alice",
            at=timezone.now(),
        )  # fmt: skip
    return inquiry


def grow_statements(bank: Bank, start: int, n: int) -> None:
    """n more RMs in team A1, each with a 2026Q3 statement of two lines (query counts)."""
    import datetime as dt

    from rmperf.org.models import Staff

    run = run_in_alices_scope(bank)
    for i in range(start, start + n):
        rm = Staff.objects.create(
            staff_id=f"S-PAY{i}", name=f"RM {i}", role="rm", rank="junior",
            unit=bank.alice.unit, hired_on=dt.date(2022, 1, 1),
        )  # fmt: skip
        model = PayStatement.objects.get(run=run, staff=bank.alice)
        model.pk = None
        model.staff = rm
        model.save()
        for position in (1, 2):
            PayLine.objects.create(
                statement=model, position=position, line="base", amount=Decimal("2300.00"),
                month=f"2026-0{6 + position}",
            )  # fmt: skip
