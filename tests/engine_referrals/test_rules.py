"""The referral rule book: the shipped defaults (DOMAIN §4), its validation with file and line,
and golden checks of single referrals at and just below every threshold."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest

from rmperf.engine.policy import PolicyError
from rmperf.engine.referrals import (
    Reason,
    ReferralFacts,
    check_referral,
    load_referral_policy,
)

LOADED = load_referral_policy()
POLICY = LOADED.policy
DEFAULT_TEXT = (
    Path(__file__).resolve().parents[2] / "src/rmperf/policies/defaults/referrals.yaml"
).read_text(encoding="utf-8")
D = dt.date(2026, 9, 30)


def test_the_defaults_are_domain_section_4() -> None:
    routes = {(r.from_roles, r.to_role, r.needs) for r in POLICY.rules}
    assert routes == {
        (("teller",), "rm", ("wealth",)),
        (("wealth_manager",), "rm", ("corporate_loan", "corporate_settlement")),
        (("rm",), "wealth_manager", ("family_trust", "medical_insurance")),
    }
    teller = POLICY.rule("teller_new_account_wealth")
    assert teller is not None
    assert teller.trigger.deposit_min == Decimal("50000.00")
    assert POLICY.response_sla_hours == 24
    assert {i.kind for i in POLICY.catalogue} == {"training", "leave"}


def _bad(tmp_path: Path, old: str, new: str) -> PolicyError:
    assert old in DEFAULT_TEXT
    path = tmp_path / "referrals.yaml"
    path.write_text(DEFAULT_TEXT.replace(old, new, 1), encoding="utf-8")
    with pytest.raises(PolicyError) as exc:
        load_referral_policy(path)
    return exc.value


def _line_of(text: str, needle: str) -> int:
    return next(i for i, line in enumerate(text.splitlines(), 1) if needle in line)


def test_an_unknown_key_names_file_line_and_rule(tmp_path: Path) -> None:
    err = _bad(tmp_path, "response_sla_hours: 24", "response_sla_hour: 24")
    issue = err.issues[0]
    assert issue.rule == "schema.extra_forbidden"
    assert issue.file.endswith("referrals.yaml")
    assert issue.line == _line_of(DEFAULT_TEXT, "response_sla_hours: 24")


def test_a_self_route_is_refused_at_its_line(tmp_path: Path) -> None:
    err = _bad(tmp_path, "    to_role: wealth_manager", "    to_role: rm")
    [issue] = [i for i in err.issues if i.rule == "no_self_role"]
    assert issue.line == _line_of(DEFAULT_TEXT, "    to_role: wealth_manager")


def test_an_unknown_product_category_is_refused(tmp_path: Path) -> None:
    err = _bad(tmp_path, "[trust, insurance]", "[trust, yacht]")
    assert [i.rule for i in err.issues] == ["categories_known"]
    assert "yacht" in str(err)


def test_expiry_before_the_sla_is_refused(tmp_path: Path) -> None:
    err = _bad(tmp_path, "expire_after_hours: 48", "expire_after_hours: 12")
    assert [i.rule for i in err.issues] == ["expiry_after_sla"]


def test_a_deposit_threshold_needs_a_new_account_window(tmp_path: Path) -> None:
    err = _bad(tmp_path, "      opened_within_days: 30           #", "      # ")
    assert [i.rule for i in err.issues] == ["deposit_needs_new_account"]


def test_event_kinds_pair_with_needs(tmp_path: Path) -> None:
    err = _bad(
        tmp_path,
        "[inquiry.business_loan, inquiry.corporate_settlement]",
        "[inquiry.business_loan]",
    )
    assert [i.rule for i in err.issues] == ["event_kinds_pair_needs"]


def test_points_formula_is_proportional_and_capped() -> None:
    pts = POLICY.points
    # base 10 + ⌊amount ÷ 10,000⌋, at most 100
    assert pts.points_for(Decimal("0.00")) == 10
    assert pts.points_for(Decimal("9999.99")) == 10  # ⌊0.999999⌋ = 0
    assert pts.points_for(Decimal("10000.00")) == 11  # ⌊1⌋ = 1
    assert pts.points_for(Decimal("95000.00")) == 19  # ⌊9.5⌋ = 9
    assert pts.points_for(Decimal("900000.00")) == 100  # 10 + 90 = 100, the cap
    assert pts.points_for(Decimal("5000000.00")) == 100  # 10 + 500 capped at 100
    with pytest.raises(ValueError):
        pts.points_for(Decimal("-1"))


def teller(**kw: object) -> ReferralFacts:
    base: dict[str, object] = {
        "from_role": "teller",
        "to_role": "rm",
        "need": "wealth",
        "customer_kind": "retail",
        "referred_on": D,
        "opened_on": D,
        "deposit": Decimal("50000.00"),
    }
    base.update(kw)
    return ReferralFacts(**base)  # type: ignore[arg-type]


def test_teller_rule_at_the_thresholds_is_met() -> None:
    # deposit exactly 50,000 (≥ is inclusive); opened on D − 29, the first day of 30
    check = check_referral(POLICY, teller(opened_on=D - dt.timedelta(days=29)))
    assert check.met
    assert check.rule is not None and check.rule.id == "teller_new_account_wealth"


def test_teller_rule_one_cent_below_the_deposit_threshold_is_not_met() -> None:
    check = check_referral(POLICY, teller(deposit=Decimal("49999.99")))
    assert not check.met
    assert [f.reason for f in check.findings] == [Reason.DEPOSIT_BELOW]
    assert check.findings[0].params == {"deposit": "49,999.99", "minimum": "50,000.00"}


def test_teller_rule_a_day_too_old_is_not_a_new_account() -> None:
    # opened on D − 30: outside D − 29 … D
    check = check_referral(POLICY, teller(opened_on=D - dt.timedelta(days=30)))
    assert [f.reason for f in check.findings] == [Reason.NOT_NEW_ACCOUNT]


def test_teller_rule_without_a_deposit_and_old_account_gives_both_reasons() -> None:
    check = check_referral(POLICY, teller(deposit=None, opened_on=dt.date(2020, 1, 1)))
    assert [f.reason for f in check.findings] == [Reason.NOT_NEW_ACCOUNT, Reason.DEPOSIT_MISSING]


def test_a_route_the_rule_book_lacks_is_named() -> None:
    check = check_referral(POLICY, teller(to_role="wealth_manager"))
    assert check.rule is None
    assert check.findings[0].reason is Reason.NO_ROUTE
    # a teller may refer a wealth need to an RM only; an RM refers trust needs to a WM
    check = check_referral(POLICY, teller(from_role="rm", need="wealth"))
    assert check.findings[0].reason is Reason.NO_ROUTE


def test_wm_and_rm_rules_need_no_deposit() -> None:
    wm = teller(from_role="wealth_manager", need="corporate_settlement", deposit=None)
    assert check_referral(POLICY, wm).met
    rm = teller(from_role="rm", to_role="wealth_manager", need="family_trust", deposit=None)
    assert check_referral(POLICY, rm).met
    corporate = teller(
        from_role="rm",
        to_role="wealth_manager",
        need="medical_insurance",
        customer_kind="corporate",
    )
    assert [f.reason for f in check_referral(POLICY, corporate).findings] == [Reason.CUSTOMER_KIND]
