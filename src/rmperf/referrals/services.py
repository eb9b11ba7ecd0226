"""Writes about referrals and points: every one atomic, validated and audited.

State changes are conditional updates (`UPDATE … WHERE state IN (…)`): of two people acting
on one referral at once, exactly one wins and the other is told the referral moved on.
Points move by conditional updates of the running balance, which a check constraint keeps
at or above zero (DOMAIN §4: balances never go negative).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Sum
from django.http import Http404
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from rmperf.core.access import Action, staff_of
from rmperf.core.actors import Actor
from rmperf.core.audit import audit_record
from rmperf.customers.models import Assignment, Customer, current_on
from rmperf.engine.lake import Lake
from rmperf.engine.policy import LoadedPolicy
from rmperf.engine.referrals import (
    Finding,
    OpenReferral,
    Purchase,
    Reason,
    ReferralFacts,
    ReferralPolicy,
    ReferralRule,
    check_referral,
    match_purchases,
    window_end,
)
from rmperf.org.models import OrgUnit, Role, Staff
from rmperf.policies.kinds import PolicyKind
from rmperf.policies.models import PolicyVersion
from rmperf.policies.selectors import policy_in_force
from rmperf.referrals.models import (
    OPEN_STATES,
    EntryKind,
    ExpiryReason,
    LostReason,
    Need,
    PointsAccount,
    PointsEntry,
    Redemption,
    RedemptionState,
    Referral,
    State,
)

#: Roles that may refer a customer (the rule book's `from_roles`).
REFERRER_ROLES = frozenset({Role.TELLER, Role.WEALTH_MANAGER, Role.RM})
#: Roles that approve redemptions for the people in their scope (the checker).
APPROVER_ROLES = frozenset({Role.TEAM_LEADER, Role.BRANCH_MANAGER})


def referral_policy_version() -> tuple[PolicyVersion, LoadedPolicy[ReferralPolicy]]:
    """The rule book in force and its stored version: the active `referrals` policy (the
    shipped default until another is approved and activated; docs/referrals.md)."""
    version, loaded = policy_in_force(PolicyKind.REFERRALS)
    return version, loaded


def referral_policy() -> LoadedPolicy[ReferralPolicy]:
    """The rule book in force (parsed once per version and process)."""
    return referral_policy_version()[1]


def rule_name(rule: ReferralRule) -> str:
    """A rule's name in the current language."""
    return rule.names.zh if (get_language() or "").startswith("zh") else rule.names.en


# ---------------------------------------------------------------------------- creating


@dataclass
class ReferralCheck:
    """A proposed referral checked against the rule book: the rule it meets, or errors
    per form field (customer, to_staff, need, deposit, __all__)."""

    rule: ReferralRule | None = None
    errors: dict[str, list[str]] = field(default_factory=dict)
    customer: Customer | None = None
    from_staff: Staff | None = None
    to_staff: Staff | None = None
    deposit: Decimal | None = None

    @property
    def ok(self) -> bool:
        return self.rule is not None and not self.errors

    def add(self, field_name: str, message: str) -> None:
        self.errors.setdefault(field_name, []).append(message)

    @property
    def summary(self) -> str:
        if self.ok and self.rule is not None:
            return _("Meets the rule “%(rule)s”.") % {"rule": rule_name(self.rule)}
        return " ".join(m for msgs in self.errors.values() for m in msgs)


def _role_label(role: str) -> str:
    return str(dict(Role.choices).get(role, role))


def _need_label(need: str) -> str:
    return str(dict(Need.choices).get(need, need))


def _finding_message(f: Finding) -> tuple[str, str]:
    """(form field, message) for a finding of the rule check."""
    p = f.params
    match f.reason:
        case Reason.NO_ROUTE:
            return "need", _(
                "The rule book has no referral from a %(from)s to a %(to)s for %(need)s."
            ) % {
                "from": _role_label(p["from_role"]),
                "to": _role_label(p["to_role"]),
                "need": _need_label(p["need"]),
            }
        case Reason.CUSTOMER_KIND:
            return "customer", _("This rule does not cover this kind of customer.")
        case Reason.NOT_NEW_ACCOUNT:
            return "customer", _(
                "Not a new account: opened on %(opened_on)s; the rule needs an account "
                "opened within the last %(days)s days."
            ) % {"opened_on": p["opened_on"] or "–", "days": p["days"]}
        case Reason.DEPOSIT_MISSING:
            return "deposit", _(
                "Enter the amount deposited: the rule needs at least %(minimum)s."
            ) % {"minimum": p["minimum"]}
        case Reason.DEPOSIT_BELOW:
            return "deposit", _(
                "The deposit of %(deposit)s is below the rule's minimum of %(minimum)s."
            ) % {"deposit": p["deposit"], "minimum": p["minimum"]}


def _current_rm(customer: Customer, day: dt.date) -> Staff | None:
    asg = (
        Assignment.objects.filter(current_on(day), customer=customer)
        .select_related("staff")
        .order_by("-valid_from")
        .first()
    )
    return asg.staff if asg is not None else None


def _parse_deposit(raw: Any, check: ReferralCheck) -> None:
    if raw is None or raw == "":
        return
    try:
        value = raw if isinstance(raw, Decimal) else Decimal(str(raw).replace(",", "").strip())
    except InvalidOperation:
        check.add("deposit", _("Enter the deposit as an amount, e.g. 50000.00."))
        return
    if not value.is_finite() or value < 0:
        check.add("deposit", _("The deposit cannot be negative."))
    elif value != value.quantize(Decimal("0.01")):
        check.add("deposit", _("The deposit has at most 2 decimal places."))
    elif value >= Decimal("1e16"):
        check.add("deposit", _("The deposit is too large."))
    else:
        check.deposit = value


def referral_check(
    *,
    actor: Actor,
    customer_id: str,
    need: str,
    to_staff_id: str = "",
    deposit: Any = None,
    now: dt.datetime | None = None,
) -> ReferralCheck:
    """Check a proposed referral without saving it: missing or out-of-scope customer,
    unknown receiver, self-referral, duplicate open referral for the need, and the rule
    book (which rule it meets, or every reason it meets none)."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    check = ReferralCheck()
    staff = staff_of(actor)
    if staff is None or staff.role not in REFERRER_ROLES:
        check.add("__all__", _("Only tellers, wealth managers and RMs make referrals."))
        return check
    check.from_staff = staff
    customer_id = (customer_id or "").strip()
    if not customer_id:
        check.add("customer", _("Enter the customer id."))
    else:
        check.customer = (
            Customer.objects.restrict(actor).filter(pk=customer_id).select_related("unit").first()
        )
        if check.customer is None:
            check.add("customer", _("No customer %(id)s in your scope.") % {"id": customer_id})
    if need not in Need.values:
        check.add("need", _("Choose the customer's need."))
    _parse_deposit(deposit, check)
    to_staff_id = (to_staff_id or "").strip()
    if to_staff_id:
        check.to_staff = Staff.objects.filter(pk=to_staff_id).first()
        if check.to_staff is None:
            check.add("to_staff", _("No colleague with staff id %(id)s.") % {"id": to_staff_id})
    elif check.customer is not None:
        rm = _current_rm(check.customer, today)
        if rm is None:
            check.add("to_staff", _("The customer has no RM: name the colleague to refer to."))
        elif rm.pk == staff.pk:
            check.add("to_staff", _("You are the customer's RM: name the colleague to refer to."))
        else:
            check.to_staff = rm
    if check.to_staff is not None and check.to_staff.pk == staff.pk:
        check.add("to_staff", _("You cannot refer a customer to yourself."))
    if check.customer is not None and need in Need.values:
        dup = Referral.objects.filter(
            customer=check.customer, need=need, state__in=OPEN_STATES
        ).first()
        if dup is not None:
            check.add(
                "need",
                _("This customer already has an open referral for this need (#%(id)s).")
                % {"id": dup.pk},
            )
    if check.errors or check.customer is None or check.to_staff is None:
        return check
    result = check_referral(
        referral_policy().policy,
        ReferralFacts(
            from_role=staff.role,
            to_role=check.to_staff.role,
            need=need,
            customer_kind=check.customer.kind,
            referred_on=today,
            opened_on=check.customer.opened_on,
            deposit=check.deposit,
        ),
    )
    for finding in result.findings:
        check.add(*_finding_message(finding))
    check.rule = result.rule
    return check


def referral_create(
    *,
    actor: Actor,
    customer_id: str,
    need: str,
    to_staff_id: str = "",
    deposit: Any = None,
    note: str = "",
    now: dt.datetime | None = None,
) -> Referral:
    """Make a referral that meets the rule book; raise ValidationError (per field) if not."""
    now = now or timezone.now()
    version, policy = referral_policy_version()
    with transaction.atomic(durable=True):
        check = referral_check(
            actor=actor,
            customer_id=customer_id,
            need=need,
            to_staff_id=to_staff_id,
            deposit=deposit,
            now=now,
        )
        if not check.ok:
            raise ValidationError(check.errors)
        if not (check.customer and check.from_staff and check.to_staff and check.rule):
            raise ValidationError(check.errors or {"__all__": [_("Incomplete referral.")]})
        referral = Referral(
            customer=check.customer,
            from_staff=check.from_staff,
            to_staff=check.to_staff,
            need=need,
            rule_id=check.rule.id,
            policy_version=policy.version,
            policy=version,
            policy_label=version.run_label,
            deposit=check.deposit,
            note=(note or "").strip()[:500],
            state=State.CREATED,
            created_at=now,
            referred_on=timezone.localdate(now),
            due_at=now + dt.timedelta(hours=policy.policy.response_sla_hours),
            expires_at=now + dt.timedelta(hours=policy.policy.expire_after_hours),
        )
        referral.full_clean(validate_constraints=False)
        try:
            with transaction.atomic():
                referral.save(force_insert=True)
        except IntegrityError:
            # Another referral for the same customer and need was saved in between.
            raise ValidationError(
                {"need": [_("This customer already has an open referral for this need.")]}
            ) from None
        audit_record(
            actor=actor,
            verb="referral.create",
            object_type="referral",
            object_id=str(referral.pk),
            after=_snapshot(referral),
        )
    return referral


def _snapshot(r: Referral) -> dict[str, Any]:
    return {
        "state": r.state,
        "customer": r.customer_id,
        "from": r.from_staff_id,
        "to": r.to_staff_id,
        "need": r.need,
        "rule": r.rule_id,
        "policy_version": r.policy_version,
        "policy": r.policy_label,
    }


# ------------------------------------------------------------------------- transitions


class TransitionError(ValidationError):
    """A transition that is not allowed (role, state, missing reason, no purchase)."""


#: action → (states it leaves from, state it goes to). Only the receiver acts.
TRANSITIONS: dict[str, tuple[tuple[str, ...], str]] = {
    "accept": ((State.CREATED,), State.ACCEPTED),
    "contact": ((State.ACCEPTED,), State.CONTACTED),
    "convert": ((State.ACCEPTED, State.CONTACTED), State.CONVERTED),
    "lose": ((State.CREATED, State.ACCEPTED, State.CONTACTED), State.LOST),
}


def referral_actions(*, actor: Actor, referral: Referral) -> list[str]:
    """The transitions the actor may attempt on the referral now (for the buttons)."""
    staff = staff_of(actor)
    if staff is None or staff.pk != referral.to_staff_id:
        return []
    return [a for a, (src, _dst) in TRANSITIONS.items() if referral.state in src]


def _lake() -> Lake | None:
    from rmperf.lakes.selectors import lake_current

    path: Path | None = lake_current()
    if path is None or not path.is_dir():
        return None
    return Lake(path, today=timezone.localdate(), time_zone=referral_policy().policy.time_zone)


def _conditional(referral: Referral, src: tuple[str, ...], **changes: Any) -> Referral:
    """Move the referral only if it is still in one of `src`; else the other writer won."""
    won = Referral.objects.filter(pk=referral.pk, state__in=src).update(**changes)
    if won == 0:
        current = Referral.objects.filter(pk=referral.pk).values_list("state", flat=True).first()
        raise TransitionError(
            {
                "action": [
                    _("This referral is now “%(state)s”; someone else changed it first. Reload it.")
                    % {"state": dict(State.choices).get(current or "", current)}
                ]
            }
        )
    referral.refresh_from_db()
    return referral


def referral_transition(
    *,
    actor: Actor,
    referral_id: int,
    action: str,
    lost_reason: str = "",
    lost_detail: str = "",
    now: dt.datetime | None = None,
) -> Referral:
    """Accept, record contact, convert (a purchase must be in the lake) or close as lost
    (a reason is required): only the receiving colleague may, and only from the right state."""
    now = now or timezone.now()
    with transaction.atomic(durable=True):
        referral = Referral.objects.restrict(actor).filter(pk=referral_id).first()
        if referral is None:
            raise Http404
        if action not in TRANSITIONS:
            raise TransitionError({"action": [_("Unknown action.")]})
        src, dst = TRANSITIONS[action]
        staff = staff_of(actor)
        if staff is None or staff.pk != referral.to_staff_id or staff.role not in REFERRER_ROLES:
            raise TransitionError(
                {"action": [_("Only the colleague the customer was referred to may do this.")]}
            )
        if referral.state not in src:
            raise TransitionError(
                {
                    "action": [
                        _("A referral that is “%(state)s” cannot be moved this way.")
                        % {"state": referral.get_state_display()}
                    ]
                }
            )
        before = {"state": referral.state}
        changes: dict[str, Any] = {"state": dst}
        purchase: Purchase | None = None
        if action == "accept":
            changes["accepted_at"] = now
        elif action == "contact":
            changes["contacted_at"] = now
        elif action == "lose":
            if lost_reason not in LostReason.values:
                raise TransitionError({"lost_reason": [_("Choose why the referral was lost.")]})
            detail = (lost_detail or "").strip()
            if lost_reason == LostReason.OTHER and not detail:
                raise TransitionError({"lost_detail": [_("Say in words why it was lost.")]})
            changes.update(lost_reason=lost_reason, lost_detail=detail[:500], closed_at=now)
        else:  # convert
            lake = _lake()
            purchase = _purchase_for(lake, referral) if lake is not None else None
            if purchase is None:
                raise TransitionError(
                    {
                        "action": [
                            _(
                                "No purchase of a product this rule counts appears in the lake "
                                "for this customer within the conversion window yet."
                            )
                        ]
                    }
                )
        # The update is conditional on the state this actor saw, not on any state the
        # action may leave from: a click made on a stale page must not win after another.
        seen = (referral.state,)
        if purchase is not None:
            referral = _convert(referral, purchase, src=seen, now=now)
        else:
            referral = _conditional(referral, seen, **changes)
        audit_record(
            actor=actor,
            verb=f"referral.{action}",
            object_type="referral",
            object_id=str(referral.pk),
            before=before,
            after=_transition_after(referral),
        )
    return referral


def _transition_after(r: Referral) -> dict[str, Any]:
    out: dict[str, Any] = {"state": r.state}
    if r.lost_reason:
        out.update(lost_reason=r.lost_reason, lost_detail=r.lost_detail)
    if r.state == State.CONVERTED:
        out.update(
            product=r.product_id,
            purchase_amount=str(r.purchase_amount),
            purchase_date=r.purchase_date,
            points=r.points,
        )
    if r.expiry_reason:
        out["expiry_reason"] = r.expiry_reason
    if r.escalated_to_id:
        out["escalated_to"] = r.escalated_to_id
    return out


def _purchase_for(lake: Lake, referral: Referral) -> Purchase | None:
    found = match_purchases(
        lake,
        [
            OpenReferral(
                str(referral.pk), referral.customer_id, referral.referred_on, referral.rule_id
            )
        ],
        policy=referral_policy().policy,
    )
    return found.get(str(referral.pk))


def _convert(
    referral: Referral, purchase: Purchase, *, src: tuple[str, ...], now: dt.datetime
) -> Referral:
    """Record the purchase, close the referral and credit the referrer (one transaction)."""
    points = referral_policy().policy.points.points_for(purchase.amount)
    referral = _conditional(
        referral,
        src,
        state=State.CONVERTED,
        closed_at=now,
        product_id=purchase.product_id,
        purchase_amount=purchase.amount,
        purchase_date=purchase.start_date,
        points=points,
    )
    _points_credit(
        staff_id=referral.from_staff_id,
        points=points,
        referral=referral,
        now=now,
        note=f"{purchase.product_id} {purchase.amount:,.2f}",
    )
    return referral


# ------------------------------------------------------------------------------ points


def _points_credit(
    *, staff_id: str, points: int, referral: Referral, now: dt.datetime, note: str
) -> PointsEntry:
    PointsAccount.objects.get_or_create(staff_id=staff_id)
    PointsAccount.objects.filter(pk=staff_id).update(
        balance=F("balance") + points, entries=F("entries") + 1
    )
    # Our UPDATE holds the row until commit, so this reads our own running balance.
    acct = PointsAccount.objects.get(pk=staff_id)
    return PointsEntry.objects.create(
        account=acct,
        seq=acct.entries,
        ts=now,
        kind=EntryKind.EARNED,
        points=points,
        balance_after=acct.balance,
        referral=referral,
        note=note,
    )


class PointsError(ValidationError):
    """Not enough points, an unknown item, or an approval that is not the actor's to give."""


def points_balance(*, staff_id: str) -> int:
    acct = PointsAccount.objects.filter(pk=staff_id).first()
    return acct.balance if acct is not None else 0


def _pending(staff_id: str) -> int:
    total = Redemption.objects.filter(staff_id=staff_id, state=RedemptionState.REQUESTED).aggregate(
        s=Sum("points")
    )["s"]
    return int(total or 0)


def redemption_request(*, actor: Actor, item_id: str, now: dt.datetime | None = None) -> Redemption:
    """The holder asks to redeem a catalogue item; the balance less pending requests must
    cover it. The points leave the balance when a manager approves."""
    now = now or timezone.now()
    staff = staff_of(actor)
    if staff is None or staff.role in ("auditor", "risk_officer"):
        raise PointsError({"item": [_("Only staff with a points account redeem points.")]})
    item = referral_policy().policy.item(item_id)
    if item is None:
        raise PointsError({"item": [_("Choose an item from the catalogue.")]})
    with transaction.atomic(durable=True):
        PointsAccount.objects.get_or_create(staff=staff)
        # Lock the account so two requests cannot both count the same points as free.
        acct = PointsAccount.objects.select_for_update().get(pk=staff.pk)
        free = acct.balance - _pending(staff.pk)
        if free < item.points:
            raise PointsError(
                {
                    "item": [
                        _("%(item)s costs %(cost)s points; you have %(free)s free.")
                        % {
                            "item": item.names.zh
                            if (get_language() or "").startswith("zh")
                            else item.names.en,
                            "cost": item.points,
                            "free": free,
                        }
                    ]
                }
            )
        red = Redemption.objects.create(
            staff=staff,
            item_id=item.id,
            item_name=f"{item.names.zh} / {item.names.en}",
            points=item.points,
            requested_at=now,
        )
        audit_record(
            actor=actor,
            verb="points.redeem_request",
            object_type="redemption",
            object_id=str(red.pk),
            after={"staff": staff.pk, "item": item.id, "points": item.points},
        )
    return red


def may_approve_redemptions(actor: Actor) -> bool:
    staff = staff_of(actor)
    return staff is not None and staff.role in APPROVER_ROLES


def redemption_decide(
    *,
    actor: Actor,
    redemption_id: int,
    approve: bool,
    note: str = "",
    now: dt.datetime | None = None,
) -> Redemption:
    """A manager over the holder approves (points leave the balance, which may never go
    negative) or rejects (with a note) a requested redemption; nobody decides their own."""
    now = now or timezone.now()
    staff = staff_of(actor)
    if not may_approve_redemptions(actor) or staff is None:
        raise PointsError({"__all__": [_("Only a team leader or branch manager decides.")]})
    with transaction.atomic(durable=True):
        red: Redemption | None = (
            Redemption.objects.restrict(actor, Action.CHANGE).filter(pk=redemption_id).first()
        )
        if red is None:
            raise Http404
        if red.staff_id == staff.pk:
            raise PointsError({"__all__": [_("Another manager must decide your own request.")]})
        if not approve and not (note or "").strip():
            raise PointsError({"note": [_("Say why the request is rejected.")]})
        state = RedemptionState.APPROVED if approve else RedemptionState.REJECTED
        won = Redemption.objects.filter(pk=red.pk, state=RedemptionState.REQUESTED).update(
            state=state, decided_by=staff, decided_at=now, decision_note=(note or "").strip()[:500]
        )
        if won == 0:
            raise PointsError({"__all__": [_("This request was already decided.")]})
        if approve:
            debited = PointsAccount.objects.filter(pk=red.staff_id, balance__gte=red.points).update(
                balance=F("balance") - red.points, entries=F("entries") + 1
            )
            if debited == 0:
                raise PointsError({"__all__": [_("The balance no longer covers this request.")]})
            acct = PointsAccount.objects.get(pk=red.staff_id)
            PointsEntry.objects.create(
                account=acct,
                seq=acct.entries,
                ts=now,
                kind=EntryKind.REDEEMED,
                points=-red.points,
                balance_after=acct.balance,
                redemption=red,
                note=red.item_id,
            )
        red.refresh_from_db()
        audit_record(
            actor=actor,
            verb="points.redeem_approve" if approve else "points.redeem_reject",
            object_type="redemption",
            object_id=str(red.pk),
            before={"state": RedemptionState.REQUESTED},
            after={"state": red.state, "points": red.points, "note": red.decision_note},
        )
    return red


# ------------------------------------------------------------------------------ sweep


@dataclass
class SweepResult:
    escalated: int = 0
    expired: int = 0
    converted: int = 0
    points: int = 0
    lake: bool = False
    #: the rule book version the sweep applied (`referrals <label>`).
    policy_label: str = ""


def escalation_target(staff: Staff, role: str) -> Staff | None:
    """The receiver's team leader (or branch manager): the nearest one at or above their unit."""
    unit: OrgUnit | None = staff.unit
    while unit is not None:
        found: Staff | None = (
            Staff.objects.filter(unit=unit, role=role).exclude(pk=staff.pk).order_by("pk").first()
        )
        if found is not None:
            return found
        unit = unit.parent
    return None


def _system_move(
    referral: Referral, *, verb: str, src: tuple[str, ...], actor: Actor, **changes: Any
) -> bool:
    with transaction.atomic(durable=True):
        won = Referral.objects.filter(pk=referral.pk, state__in=src).update(**changes)
        if not won:
            return False
        referral.refresh_from_db()
        audit_record(
            actor=actor,
            verb=verb,
            object_type="referral",
            object_id=str(referral.pk),
            before={"state": src[0] if len(src) == 1 else list(src)},
            after=_transition_after(referral),
        )
    return True


def referrals_sweep(*, actor: Actor = None, now: dt.datetime | None = None) -> SweepResult:
    """The periodic run: escalate referrals unanswered past the SLA (strictly after due_at),
    expire those unanswered past expires_at, convert accepted / contacted referrals whose
    purchase is in the current lake, and expire those whose conversion window has passed."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    version, loaded = referral_policy_version()
    policy = loaded.policy
    result = SweepResult(policy_label=version.run_label)
    for r in Referral.objects.filter(
        state=State.CREATED, escalated_at__isnull=True, due_at__lt=now
    ).select_related("to_staff__unit"):
        target = escalation_target(r.to_staff, policy.escalate_to)
        with transaction.atomic(durable=True):
            won = Referral.objects.filter(
                pk=r.pk, state=State.CREATED, escalated_at__isnull=True
            ).update(escalated_at=now, escalated_to=target)
            if won:
                r.refresh_from_db()
                audit_record(
                    actor=actor,
                    verb="referral.escalate",
                    object_type="referral",
                    object_id=str(r.pk),
                    after={"escalated_to": target.pk if target else None, "due_at": r.due_at},
                )
                result.escalated += 1
    for r in Referral.objects.filter(state=State.CREATED, expires_at__lt=now):
        if _system_move(
            r,
            verb="referral.expire",
            src=(State.CREATED,),
            actor=actor,
            state=State.EXPIRED,
            expiry_reason=ExpiryReason.NO_RESPONSE,
            closed_at=now,
        ):
            result.expired += 1
    lake = _lake()
    result.lake = lake is not None
    if lake is None:
        return result
    waiting = list(
        Referral.objects.filter(state__in=(State.ACCEPTED, State.CONTACTED)).order_by("pk")
    )
    found = match_purchases(
        lake,
        [OpenReferral(str(r.pk), r.customer_id, r.referred_on, r.rule_id) for r in waiting],
        policy=policy,
    )
    for r in waiting:
        purchase = found.get(str(r.pk))
        if purchase is not None:
            with transaction.atomic(durable=True):
                try:
                    r = _convert(r, purchase, src=(r.state,), now=now)
                except TransitionError:
                    continue  # the receiver closed it in the meantime
                audit_record(
                    actor=actor,
                    verb="referral.convert",
                    object_type="referral",
                    object_id=str(r.pk),
                    after={**_transition_after(r), "policy": result.policy_label},
                )
            result.converted += 1
            result.points += r.points
        elif window_end(policy, r.referred_on) < today and _system_move(
            r,
            verb="referral.expire",
            src=(r.state,),
            actor=actor,
            state=State.EXPIRED,
            expiry_reason=ExpiryReason.NO_PURCHASE,
            closed_at=now,
        ):
            result.expired += 1
    return result
