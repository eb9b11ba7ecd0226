"""Every URL of the project, walked from the urlconf: anonymous → login (pages) or 401
(API); out of scope → 404; in scope → 200. A view added later is covered automatically;
a new URL kwarg must be mapped in URL_KWARGS below, or the suite fails loudly.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from django.urls.resolvers import RoutePattern

from rmperf.policies.selectors import policy_active
from tests.analysis.helpers import flag_in_alices_scope, proposal_in_alices_scope
from tests.analysis.threshold_helpers import threshold_of_hr
from tests.analysis.whatif_helpers import whatif_of_hr
from tests.careers.helpers import check_in_alices_scope, listing_in_alices_scope
from tests.factories import Bank
from tests.feedback.helpers import invitation_of_alice, round_in_alices_scope
from tests.pay.helpers import (
    inquiry_in_alices_scope,
    run_in_alices_scope,
    statement_in_alices_scope,
)
from tests.performance.proposal_helpers import innovation_in_alices_scope
from tests.recommend.campaign_helpers import campaign_in_alices_scope
from tests.referrals.helpers import referral_in_alices_scope
from tests.reports.helpers import report_in_alices_scope
from tests.reviews.helpers import (
    attachment_in_alices_scope,
    review_in_alices_scope,
    talk_in_alices_scope,
)
from tests.teams.helpers import board_in_alices_scope

#: For each URL kwarg, the object in alice's scope (and out of bob's) it takes.
URL_KWARGS: dict[str, Callable[[Bank], str]] = {
    "customer_id": lambda bank: bank.c001.customer_id,
    "unit_id": lambda bank: bank.team_a1.unit_id,
    "staff_id": lambda bank: bank.alice.staff_id,
    "referral_id": lambda bank: str(referral_in_alices_scope(bank).pk),
    "period_key": lambda bank: "2026Q3",
    "year": lambda bank: "2026",
    "campaign_id": lambda bank: str(campaign_in_alices_scope(bank).pk),
    "version_id": lambda bank: str(policy_active("segmentation").pk),
    "target_id": lambda bank: str(campaign_in_alices_scope(bank).targets.get().pk),
    "manual_key": lambda bank: "self_review",
    "kind": lambda bank: "segmentation",
    "check_id": lambda bank: str(check_in_alices_scope(bank).pk),
    "listing_id": lambda bank: str(listing_in_alices_scope(bank).pk),
    "statement_id": lambda bank: str(statement_in_alices_scope(bank).pk),
    "run_id": lambda bank: str(run_in_alices_scope(bank).run_id),
    "inquiry_id": lambda bank: str(inquiry_in_alices_scope(bank).pk),
    "fmt": lambda bank: (statement_in_alices_scope(bank), "csv")[1],
    "proposal_id": lambda bank: str(proposal_in_alices_scope(bank).pk),
    "flag_id": lambda bank: str(flag_in_alices_scope(bank).pk),
    "whatif_id": lambda bank: str(whatif_of_hr(bank).pk),
    "threshold_id": lambda bank: str(threshold_of_hr(bank).pk),
    "indicator": lambda bank: "deposit_avg_growth",
    "round_id": lambda bank: str(round_in_alices_scope(bank).pk),
    "invitation_id": lambda bank: str(invitation_of_alice(bank).pk),
    "talk_id": lambda bank: str(talk_in_alices_scope(bank).pk),
    "review_id": lambda bank: str(review_in_alices_scope(bank).pk),
    "attachment_id": lambda bank: str(attachment_in_alices_scope(bank).pk),
    "meeting": lambda bank: "daily",
    "board_id": lambda bank: str(board_in_alices_scope(bank).pk),
    "report_id": lambda bank: str(report_in_alices_scope(bank).pk),
    "innovation_id": lambda bank: str(innovation_in_alices_scope(bank).pk),
}

#: Namespaces checked elsewhere, with the reason.
EXCLUDED_NAMESPACES = {
    "admin": "gated by is_staff, not by scope; tests/config/test_admin.py",
}


@dataclass(frozen=True)
class Case:
    """How one URL is expected to answer."""

    method: str = "get"
    #: The persona that must get `ok_status`.
    in_scope: str = "alice"
    ok_status: int = 200
    #: The persona that must get 404; None when the page serves everyone (bob then gets a
    #: page of his own, which must not contain anything of alice's).
    out_of_scope: str | None = None
    #: Public pages skip the anonymous check.
    public: bool = False
    #: What an anonymous request gets when not the default (login redirect / 401).
    anonymous_status: int | None = None


#: URLs whose answer differs from the default (declared by URL name or route).
CASES: dict[str, Case] = {
    "home": Case(ok_status=302, out_of_scope=None),
    "login": Case(public=True, ok_status=302),  # signed in already: on to the start page
    "logout": Case(method="post", public=True, ok_status=302),
    "set_language": Case(method="post", public=True, ok_status=302),
    "core:audit_log": Case(in_scope="audrey", out_of_scope="bob"),
    # Without a stated purpose alice's reveal is refused (400) after the lookups; with
    # one: tests/customers/test_views.py.
    "customers:reveal": Case(method="post", ok_status=400, out_of_scope="bob"),
    # The customer's RM saving an unchanged (empty) profile: back to the 360 (edits and
    # refusals: tests/customers/test_profile.py).
    "customers:profile": Case(method="post", ok_status=302, out_of_scope="bob"),
    # A POST without a JSON body is refused before any lookup (400); scope of the transition
    # endpoint with a body: tests/referrals/test_api.py.
    "api:referral_check": Case(method="post", ok_status=400),
    "api:referral_transition": Case(method="post", ok_status=400),
    "tasks:act": Case(method="post", ok_status=302),  # nothing ticked: back to the inbox
    # Every signed-in person has a performance index, period page and export of their own.
    "performance:period": Case(out_of_scope=None),
    "performance:export": Case(out_of_scope=None),
    # The bank has no lake, so alice has no result to explain: 404 for her too (with a
    # result: tests/performance/test_why.py).
    "performance:why": Case(ok_status=404, out_of_scope="bob"),
    "performance:why_customer": Case(ok_status=404, out_of_scope="bob"),
    "api:performance_results": Case(out_of_scope=None),
    "performance:period_action": Case(
        method="post", in_scope="hannah", ok_status=302, out_of_scope="bob"
    ),
    "performance:calibrate": Case(
        method="post", in_scope="mike", ok_status=302, out_of_scope="bob"
    ),
    "performance:targets_approve": Case(
        method="post", in_scope="mike", ok_status=302, out_of_scope="bob"
    ),
    # Performance API writes: HR's steps on a period nobody opened or ran (the bank has
    # no lake) are refused with the reason (422), bob gets 404; a POST without its JSON
    # body is refused (422) after the lookups. With bodies: tests/performance/test_api_writes.py.
    "api:performance_run": Case(
        method="post", in_scope="hannah", ok_status=422, out_of_scope="bob"
    ),
    "api:performance_confirm": Case(
        method="post", in_scope="hannah", ok_status=422, out_of_scope="bob"
    ),
    "api:performance_close": Case(
        method="post", in_scope="hannah", ok_status=422, out_of_scope="bob"
    ),
    "api:performance_reopen": Case(
        method="post", in_scope="hannah", ok_status=422, out_of_scope="bob"
    ),
    "api:performance_calibrate": Case(
        method="post", in_scope="mike", ok_status=422, out_of_scope="bob"
    ),
    "api:performance_targets_propose": Case(method="post", ok_status=422, out_of_scope="bob"),
    # alice has no target sheet: 404 for her too (a sheet: tests/performance/test_api_writes.py).
    "api:performance_targets": Case(ok_status=404, out_of_scope="bob"),
    "api:performance_targets_approve": Case(
        method="post", in_scope="mike", ok_status=422, out_of_scope="bob"
    ),
    # Goals: alice answers a sheet she does not have (back with why; the API without its
    # body: 422); the team view and a unit's balanced scorecard are the managers' (an RM
    # gets 404); "my BSC" sends everyone to their own. With sheets: tests/performance/
    # test_goals.py and test_bsc.py.
    "performance:targets_respond": Case(method="post", ok_status=302, out_of_scope="bob"),
    "api:performance_targets_respond": Case(method="post", ok_status=422, out_of_scope="bob"),
    "performance:goals_team": Case(in_scope="mike", out_of_scope="bob"),
    "performance:goals_team_current": Case(in_scope="mike", ok_status=302, out_of_scope="bob"),
    "performance:bsc_mine": Case(ok_status=302, out_of_scope=None),
    "performance:bsc_unit": Case(in_scope="mike", out_of_scope="bob"),
    # Innovation proposals: everyone has a list of their own; the review queue is the
    # managers' and HR's (an RM gets 404); tina deciding alice's proposal without a note is
    # refused with why (back to the queue). With notes: tests/performance/test_proposals.py.
    "performance:proposals": Case(out_of_scope=None),
    "performance:proposals_review": Case(in_scope="tina", out_of_scope="bob"),
    "performance:proposal_decide": Case(
        method="post", in_scope="tina", ok_status=302, out_of_scope="bob"
    ),
    # Everyone has a list of manual scores to give (empty here). A manual score without its
    # body is refused (422) before the seat is looked up, the same with or without one; with
    # bodies and seats: tests/performance/test_manual.py.
    "api:performance_manual_mine": Case(out_of_scope=None),
    "api:performance_manual_score": Case(method="post", ok_status=422, out_of_scope=None),
    "recommend:offer": Case(method="post", out_of_scope="bob", ok_status=400),
    "recommend:campaign_create": Case(in_scope="mike", out_of_scope="bob"),
    "recommend:campaign_offer": Case(method="post", out_of_scope="bob", ok_status=400),
    "recommend:campaign_close": Case(
        method="post", in_scope="mike", ok_status=302, out_of_scope="bob"
    ),
    # The landing pages: every RM has a workbench of their own (bob's shows nothing of
    # alice's); the desk is the managers' (an RM gets 404). tests/workbench: the others.
    "workbench:rm": Case(out_of_scope=None),
    "workbench:desk": Case(in_scope="mike", out_of_scope="bob"),
    # The calibration grid is for those who calibrate: branch managers (mike).
    "workbench:calibration": Case(in_scope="mike", out_of_scope="bob"),
    # Everyone signed in reads every policy version; only HR (hannah) opens the editor,
    # which without a kind sends her to the list; the diff without versions does too.
    "policies:detail": Case(out_of_scope=None),
    "policies:diff": Case(ok_status=302, out_of_scope=None),
    "policies:new": Case(in_scope="hannah", ok_status=302, out_of_scope="bob"),
    # The form opens on the scorecards in force (its kind by default) for HR only.
    "policies:form": Case(in_scope="hannah", out_of_scope="bob"),
    # The policy API: everyone reads and checks (no body: 422); only HR writes, and her
    # steps on the active shipped default are refused with the reason (422).
    "api:policy_version": Case(out_of_scope=None),
    "api:policy_check": Case(method="post", ok_status=422, out_of_scope=None),
    "api:policy_create": Case(method="post", in_scope="hannah", ok_status=422, out_of_scope="bob"),
    "api:policy_approve": Case(method="post", in_scope="hannah", ok_status=422, out_of_scope="bob"),
    "api:policy_activate": Case(
        method="post", in_scope="hannah", ok_status=422, out_of_scope="bob"
    ),
    # No lake in the walk: mike's refresh is refused with why (page 400, API 422).
    "recommend:campaign_refresh": Case(
        method="post", in_scope="mike", ok_status=400, out_of_scope="bob"
    ),
    "api:campaign_refresh": Case(method="post", in_scope="mike", ok_status=422, out_of_scope="bob"),
    "api:campaign_create": Case(method="post", ok_status=400),
    "api:campaign_offer": Case(method="post", ok_status=400),
    # HR computes the ladder checks and the negative list (no year / quarter given: back
    # to the page with why); the branch manager over alice decides her proposal (no
    # decision given: back with why). Everyone has a ladder page of their own; the
    # negative list page serves alice her own entry and bob his (none).
    "careers:compute": Case(method="post", in_scope="hannah", ok_status=302, out_of_scope="bob"),
    "careers:negative_compute": Case(
        method="post", in_scope="hannah", ok_status=302, out_of_scope="bob"
    ),
    "careers:decide": Case(method="post", in_scope="mike", ok_status=302, out_of_scope="bob"),
    "feedback:open": Case(method="post", in_scope="mike", ok_status=302, out_of_scope="bob"),
    "feedback:close": Case(method="post", in_scope="mike", ok_status=302, out_of_scope="bob"),
    # The careers API: everyone reads the checks of their scope (bob: none of alice's);
    # mike's decision without its body is refused (422) after the lookup.
    "api:careers_checks": Case(out_of_scope=None),
    "api:careers_decide": Case(method="post", in_scope="mike", ok_status=422, out_of_scope="bob"),
    # Pay: alice sees her own statements, export and inquiries, bob his own (none of
    # alice's); the pay cost is for managers and HR; HR runs a quarter (no quarter given:
    # back with why; the API: 422 without its body) and approves the system's run; an
    # RM's question without a text is refused with why, for anyone.
    "pay:cost": Case(in_scope="mike", out_of_scope="bob"),
    "pay:export": Case(out_of_scope=None),
    "pay:run": Case(method="post", in_scope="hannah", ok_status=302, out_of_scope="bob"),
    "pay:approve": Case(method="post", in_scope="hannah", ok_status=302, out_of_scope="bob"),
    "pay:inquiry_new": Case(method="post", ok_status=302, out_of_scope=None),
    "api:pay_statements": Case(out_of_scope=None),
    # No body: 422 after the lookup (with bodies: tests/feedback/test_rounds.py).
    "api:feedback_answer": Case(method="post", ok_status=422, out_of_scope="bob"),
    "api:pay_run": Case(method="post", in_scope="hannah", ok_status=422, out_of_scope="bob"),
    "api:pay_approve": Case(method="post", in_scope="hannah", ok_status=200, out_of_scope="bob"),
    # Analysis: the workload view and the gaming queue are the managers' (an RM gets 404);
    # the rebalancing proposal is the branch manager's; runs without a period and
    # decisions without one go back with why. alice sees her own flag once decided.
    "analysis:workload": Case(in_scope="mike", out_of_scope="bob"),
    "analysis:workload_run": Case(
        method="post", in_scope="mike", ok_status=302, out_of_scope="bob"
    ),
    "analysis:proposal": Case(in_scope="mike", out_of_scope="bob"),
    "analysis:proposal_accept": Case(
        method="post", in_scope="mike", ok_status=302, out_of_scope="bob"
    ),
    "analysis:proposal_export": Case(
        method="post", in_scope="mike", ok_status=302, out_of_scope="bob"
    ),
    "analysis:gaming": Case(in_scope="mike", out_of_scope="bob"),
    # What-if of a draft: HR only; `version_id` names the active segmentation policy,
    # which has no what-if (404 for HR too; a draft: tests/analysis/test_whatif_app.py).
    "analysis:whatif_panel": Case(in_scope="hannah", ok_status=404, out_of_scope="bob"),
    "analysis:whatif_start": Case(
        method="post", in_scope="hannah", ok_status=404, out_of_scope="bob"
    ),
    "analysis:whatif_run": Case(in_scope="hannah", out_of_scope="bob"),
    # The roll-up's Excel is of the months the reader has reports of; the walk makes none
    # without a report_id in the URL, so 404 here; access and figures by hand:
    # tests/reports/test_monthly_reports.py::test_the_branch_rollup_as_excel_by_hand.
    "reports:rollup_xlsx": Case(ok_status=404, out_of_scope="bob"),
    # Dynamic thresholds: branch managers and HR read; HR drafts or rejects. The walk's run
    # is still running, so a draft is refused (400); drafts: tests/analysis/test_thresholds_app.py.
    "analysis:thresholds": Case(in_scope="hannah", out_of_scope="bob"),
    "analysis:threshold": Case(in_scope="hannah", out_of_scope="bob"),
    # No period given: refused with the reason (400); a run: test_thresholds_app.py.
    "analysis:thresholds_run": Case(
        method="post", in_scope="hannah", ok_status=400, out_of_scope="bob"
    ),
    "analysis:threshold_draft": Case(
        method="post", in_scope="hannah", ok_status=400, out_of_scope="bob"
    ),
    "analysis:threshold_reject": Case(
        method="post", in_scope="hannah", ok_status=302, out_of_scope="bob"
    ),
    "analysis:gaming_run": Case(method="post", in_scope="mike", ok_status=302, out_of_scope="bob"),
    "analysis:flag_decide": Case(method="post", in_scope="mike", ok_status=302, out_of_scope="bob"),
    # Talks and 述职: everyone has an index and lists of their own (bob's hold nothing of
    # alice's); the talk form without an RM goes back to the index; every write without
    # its fields comes back to its page with why (302), after the lookup (bob: 404); an
    # RM starting a 述职 starts their own. The score API without a body: 422 after the lookup.
    "reviews:talk_new": Case(in_scope="tina", ok_status=302, out_of_scope=None),
    "reviews:talk_ack": Case(method="post", ok_status=302, out_of_scope="bob"),
    "reviews:review_new": Case(method="post", ok_status=302, out_of_scope=None),
    "reviews:review_report": Case(method="post", ok_status=302, out_of_scope="bob"),
    "reviews:review_attach": Case(method="post", ok_status=302, out_of_scope="bob"),
    "reviews:panel_appoint": Case(
        method="post", in_scope="mike", ok_status=302, out_of_scope="bob"
    ),
    "reviews:panel_score": Case(method="post", ok_status=302, out_of_scope="bob"),
    "reviews:panel_conflict": Case(method="post", ok_status=302, out_of_scope="bob"),
    "reviews:panel_close": Case(method="post", in_scope="mike", ok_status=302, out_of_scope="bob"),
    "reviews:panel_reopen": Case(method="post", in_scope="mike", ok_status=302, out_of_scope="bob"),
    "api:reviews_talks": Case(out_of_scope=None),
    "api:reviews_talks_due": Case(out_of_scope=None),
    "api:reviews_selfreviews": Case(out_of_scope=None),
    "api:reviews_score": Case(method="post", ok_status=422, out_of_scope="bob"),
    # Team rhythm: an RM is sent to their own team; the board forms without a lake or
    # their fields come back to the board or the RM's page with why (302) after the
    # lookups (bob: 404). With a lake: tests/teams.
    "teams:index": Case(ok_status=302, out_of_scope=None),
    "teams:board_fill": Case(method="post", in_scope="tina", ok_status=302, out_of_scope="bob"),
    "teams:board_notes": Case(method="post", in_scope="tina", ok_status=302, out_of_scope="bob"),
    "teams:checkin": Case(method="post", in_scope="tina", ok_status=302, out_of_scope="bob"),
    "teams:training": Case(method="post", in_scope="tina", ok_status=302, out_of_scope="bob"),
    # ninja's root only exists to anchor the API's paths: 404 for everyone.
    "api:api-root": Case(ok_status=404, anonymous_status=404),
}


def case_for(route: Route) -> Case:
    """The declared case, or the default: a URL naming an object is out of bob's scope."""
    if route.name in CASES:
        return CASES[route.name]
    return Case(out_of_scope="bob" if route.kwargs else None)


#: Things of alice's that must never appear on a page bob gets.
ALICE_MARKERS = ("C001", "张三丰", "C002", "Acme Trading", "S-ALICE", "Alice An")

_KWARG = re.compile(r"<(?:(?P<converter>\w+):)?(?P<name>\w+)>")


@dataclass(frozen=True)
class Route:
    name: str  # namespace:name, or the route itself for unnamed patterns
    route: str  # e.g. "customers/<str:customer_id>/"

    @property
    def kwargs(self) -> list[str]:
        return [m.group("name") for m in _KWARG.finditer(self.route)]

    @property
    def is_api(self) -> bool:
        return self.route.startswith("api/") and not self.name.startswith("api:openapi")

    def url(self, bank: Bank) -> str:
        def fill(match: re.Match[str]) -> str:
            kwarg = match.group("name")
            if kwarg not in URL_KWARGS:
                pytest.fail(
                    f"URL {self.name!r} ({self.route}) takes {kwarg!r}: map it to an object "
                    f"in alice's scope in URL_KWARGS (tests/core/test_access_generic.py)"
                )
            return URL_KWARGS[kwarg](bank)

        return "/" + _KWARG.sub(fill, self.route)


def _walk(
    patterns: list[URLPattern | URLResolver], prefix: str = "", namespace: str = ""
) -> Iterator[Route]:
    for p in patterns:
        if not isinstance(p.pattern, RoutePattern):
            raise AssertionError(
                f"{prefix}{p.pattern} is a regex pattern: use path() so the suite can build it"
            )
        route = prefix + str(p.pattern)
        if isinstance(p, URLResolver):
            ns = p.namespace or ""
            if ns in EXCLUDED_NAMESPACES:
                continue
            joined = ":".join(filter(None, [namespace, ns]))
            yield from _walk(p.url_patterns, route, joined)
        else:
            name = f"{namespace}:{p.name}" if namespace and p.name else (p.name or route)
            yield Route(name=name, route=route)


def all_routes() -> list[Route]:
    return list(_walk(get_resolver().url_patterns))


ROUTES = all_routes()


def test_the_walk_sees_the_known_pages() -> None:
    names = {r.name for r in ROUTES}
    expected = {"home", "login", "customers:list", "customers:detail", "org:tree", "org:unit"}
    assert expected <= names
    assert {"api:customer_list", "api:customer_detail", "api:unit_list"} <= names
    assert not any(n.startswith("admin:") for n in names)


def test_every_declared_case_still_exists() -> None:
    names = {r.name for r in ROUTES}
    assert set(CASES) <= names, f"stale entries in CASES: {set(CASES) - names}"


def _request(client: Client, case: Case, url: str) -> object:
    return getattr(client, case.method)(url)


@pytest.mark.parametrize("route", ROUTES, ids=lambda r: r.name)
def test_anonymous_requests_are_turned_away(bank: Bank, route: Route) -> None:
    case = case_for(route)
    if case.public:
        pytest.skip("public page")
    response = _request(Client(), case, route.url(bank))
    if case.anonymous_status is not None:
        assert response.status_code == case.anonymous_status  # type: ignore[attr-defined]
    elif route.is_api:
        assert response.status_code == 401  # type: ignore[attr-defined]
        assert response.json() == {  # type: ignore[attr-defined]
            "message": "需要登录。",
            "detail": None,
        }
    else:
        assert response.status_code == 302  # type: ignore[attr-defined]
        assert response["Location"].startswith("/login/?next=")  # type: ignore[index]


@pytest.mark.parametrize("route", ROUTES, ids=lambda r: r.name)
def test_in_scope_personas_are_served(
    bank: Bank, client_as: Callable[[str], Client], route: Route
) -> None:
    case = case_for(route)
    response = _request(client_as(case.in_scope), case, route.url(bank))
    assert response.status_code == case.ok_status, response.content[:500]  # type: ignore[attr-defined]


@pytest.mark.parametrize("route", ROUTES, ids=lambda r: r.name)
def test_out_of_scope_personas_get_404_and_see_nothing_of_alices(
    bank: Bank, client_as: Callable[[str], Client], route: Route
) -> None:
    case = case_for(route)
    response = _request(client_as("bob"), case, route.url(bank))
    if case.out_of_scope is not None:
        assert response.status_code == 404  # type: ignore[attr-defined]
        if route.is_api:
            assert set(response.json()) == {"message", "detail"}  # type: ignore[attr-defined]
    if route.name.startswith("api:openapi") or case.public:
        return  # the API description and public pages name no customer data
    # The page echoes the requested URL (the language switch's "next"): that is bob's own.
    body = response.content.decode().replace(route.url(bank), "")  # type: ignore[attr-defined]
    leaked = [marker for marker in ALICE_MARKERS if marker in body]
    assert not leaked, f"{route.url(bank)} shows bob {leaked}"


@pytest.mark.parametrize("route", [r for r in ROUTES if r.kwargs], ids=lambda r: r.name)
def test_a_missing_object_answers_like_an_out_of_scope_one(
    bank: Bank, client_as: Callable[[str], Client], route: Route
) -> None:
    case = case_for(route)
    url = _KWARG.sub("does-not-exist", route.route)
    response = _request(client_as(case.in_scope), case, "/" + url)
    assert response.status_code == 404  # type: ignore[attr-defined]


def test_an_unmapped_kwarg_fails_loudly(bank: Bank) -> None:
    route = Route(name="things:detail", route="things/<int:thing_id>/")
    with pytest.raises(pytest.fail.Exception, match="thing_id"):
        route.url(bank)
