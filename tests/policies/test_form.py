"""The policy form: weights, targets, thresholds and rating bands of the scorecards,
written into the same YAML as a new draft (maker-checker as ever), errors in the
reader's language with their line."""

from __future__ import annotations

import difflib
from collections.abc import Callable

from django.contrib.auth.models import User
from django.test import Client

from rmperf.policies.kinds import KINDS
from rmperf.policies.models import PolicyStatus, PolicyVersion
from rmperf.policies.services import policy_validate
from tests.factories import Bank

ZH = {"HTTP_ACCEPT_LANGUAGE": "zh-hans"}
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
CARDS = KINDS["scorecards"].default_text()
# The set is the shipped cards in file order: corporate (c0), retail (c1), sci_tech (c2).
# The retail card's first two lines are deposit growth (l0) and AUM growth (l1), 10 each.
DEPOSIT, AUM = "c1.l0.weight", "c1.l1.weight"


def _line_of(text: str, after: str, wanted: str) -> int:
    """The 1-based number of the first line starting with `wanted` after `after`."""
    lines = text.splitlines()
    start = next(i for i, t in enumerate(lines) if t.startswith(after))
    return next(i for i in range(start, len(lines)) if lines[i].startswith(wanted)) + 1


def test_the_form_shows_the_cards_in_the_readers_language(
    bank: Bank, client_as: Callable[[str], Client]
) -> None:
    response = client_as("hannah").get("/policies/form/?kind=scorecards", **ZH)
    assert response.status_code == 200
    body = response.content.decode()
    assert "零售客户经理" in body  # the card's zh name
    assert "日均存款增长" in body  # a line by its indicator's zh name
    assert f'name="{DEPOSIT}" id="{DEPOSIT}" value="10"' in body
    assert "优秀" in body  # a rating band by its tier's zh name
    assert "述职评议小组" in body  # the manual line by who scores it
    for jargon in ("deposit_avg_growth", "self_review", "per_person", "forced_distribution"):
        assert jargon not in body, jargon
    assert client_as("alice").get("/policies/form/?kind=scorecards").status_code == 404
    assert client_as("hannah").get("/policies/form/?kind=tasks").status_code == 404


def test_a_weight_change_makes_a_draft_that_differs_only_in_the_weights(
    bank: Bank, client_as: Callable[[str], Client]
) -> None:
    hannah = client_as("hannah")
    # Five points from AUM growth to deposit growth: 15 + 5, the card still weighs 100.
    response = hannah.post(
        "/policies/form/",
        {"kind": "scorecards", DEPOSIT: "15", AUM: "5", "label": "weights-v2"},
        **EN,
    )
    assert response.status_code == 302
    draft = PolicyVersion.objects.get(label="weights-v2")
    assert response["Location"] == f"/policies/{draft.pk}/"
    assert draft.status == PolicyStatus.DRAFT
    assert draft.created_by == bank.user("hannah")
    deposit = _line_of(CARDS, "name: retail_rm", "    weight: 10")
    aum = deposit + 5  # weight, method, target, cap, then the next item: indicator, weight
    old, new = CARDS.splitlines(), draft.yaml_text.splitlines()
    assert len(old) == len(new)
    changed = [n for n, (a, b) in enumerate(zip(old, new, strict=True), 1) if a != b]
    assert changed == [deposit, aum]
    assert (old[deposit - 1], new[deposit - 1]) == ("    weight: 10", "    weight: 15")
    assert (old[aum - 1], new[aum - 1]) == ("    weight: 10", "    weight: 5")
    assert list(difflib.unified_diff(old, new, n=0, lineterm=""))[2:] == [
        f"@@ -{deposit} +{deposit} @@", "-    weight: 10", "+    weight: 15",
        f"@@ -{aum} +{aum} @@", "-    weight: 10", "+    weight: 5",
    ]  # fmt: skip
    assert policy_validate(kind="scorecards", yaml_text=draft.yaml_text) == draft.digest
    # Maker-checker as for any draft: hannah may not approve her own, another may.
    refused = hannah.post(f"/policies/{draft.pk}/", {"action": "approve"}, **EN)
    assert refused.status_code == 400
    root = Client()
    root.force_login(User.objects.create(username="root", is_superuser=True, is_staff=True))
    assert root.post(f"/policies/{draft.pk}/", {"action": "approve"}).status_code == 302
    draft.refresh_from_db()
    assert draft.status == PolicyStatus.APPROVED


def test_weights_not_adding_up_to_100_are_refused_in_chinese_with_the_line(
    bank: Bank, client_as: Callable[[str], Client]
) -> None:
    # Deposit growth 10 → 15 alone: the retail card weighs 105. The rule points at the
    # card's `lines:` key.
    response = client_as("hannah").post(
        "/policies/form/", {"kind": "scorecards", DEPOSIT: "15"}, **ZH
    )
    assert response.status_code == 400
    body = response.content.decode()
    line = _line_of(CARDS, "name: retail_rm", "lines:")
    assert f"第 {line} 行：各指标权重合计为 105，必须正好是 100。" in body
    assert f'<tr class="bad" id="E{line}"><td class="ln">{line}</td>' in body
    assert 'value="15"' in body  # what she typed stays in the form
    assert "line weights sum to" not in body[: body.index("<details")]  # English only in details
    assert not PolicyVersion.objects.filter(kind="scorecards", is_default=False).exists()


def test_a_value_that_is_not_a_number_is_named(
    bank: Bank, client_as: Callable[[str], Client]
) -> None:
    response = client_as("hannah").post(
        "/policies/form/", {"kind": "scorecards", DEPOSIT: "二十"}, **ZH
    )
    assert response.status_code == 400
    assert "日均存款增长：权重：“二十”不是数字。" in response.content.decode()
    nothing = client_as("hannah").post("/policies/form/", {"kind": "scorecards"}, **ZH)
    assert nothing.status_code == 400
    assert not PolicyVersion.objects.filter(kind="scorecards", is_default=False).exists()
