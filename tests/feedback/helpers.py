"""A 360 round on the persona bank (tests/factories.py), for the app's tests and the
generic access suites: two more RMs in Branch A (dave and erin, Team A2) so that alice
has three peers (carol, dave, erin); mike (Branch A's manager) opens the round over
Branch A for 2026Q3."""

from __future__ import annotations

from django.contrib.auth.models import User

from rmperf.feedback.models import FeedbackRound, Invitation
from rmperf.feedback.services import round_open
from rmperf.org.models import OrgUnit, Staff
from tests.factories import Bank, make_staff


def more_rms(bank: Bank) -> None:
    team_a2 = OrgUnit.objects.get(unit_id="TA2")
    for sid, name, user in (("S-DAVE", "Dave Du", "dave"), ("S-ERIN", "Erin E", "erin")):
        if not Staff.objects.filter(staff_id=sid).exists():
            make_staff(
                staff_id=sid, name=name, role="rm", rank="junior", unit=team_a2, username=user
            )


def round_in_alices_scope(bank: Bank) -> FeedbackRound:
    found = FeedbackRound.objects.filter(title="Q3 360").first()
    if found is not None:
        return found
    more_rms(bank)
    return round_open(actor=bank.user("mike"), unit_id="BA", period="2026Q3", title="Q3 360")


def invitation_of_alice(bank: Bank) -> Invitation:
    """alice's peer review of carol (her own invitation)."""
    round_ = round_in_alices_scope(bank)
    return Invitation.objects.get(
        round=round_, reviewer_id="S-ALICE", reviewee_id="S-CAROL", relation="peer"
    )


def user(bank: Bank, who: str) -> User:
    """A persona's login, or dave's and erin's (added by `more_rms`)."""
    if who in ("dave", "erin"):
        return User.objects.get(username=who)
    return bank.user(who)
