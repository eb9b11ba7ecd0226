"""Properties of the negative list against a brute-force oracle written another way:
an RM is listed iff, in each of the two quarters, some other RM shares their branch and
card and no such RM has a strictly lower total."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from rmperf.engine.career import QuarterTotal, negative_list
from rmperf.engine.career.policy import NegativeListRules
from rmperf.engine.periods import Period

Q3, Q2 = Period.parse("2026Q3"), Period.parse("2026Q2")
STAFF = [f"R{i}" for i in range(8)]

rm_rows = st.fixed_dictionaries(
    {
        "branch": st.sampled_from(["B1", "B2", None]),
        "cards": st.tuples(
            st.sampled_from(["retail", "corporate"]), st.sampled_from(["retail", "corporate"])
        ),
        "totals": st.tuples(
            st.none() | st.integers(0, 6).map(lambda n: Decimal(n * 10) / 4),
            st.none() | st.integers(0, 6).map(lambda n: Decimal(n * 10) / 4),
        ),
    }
)


def _oracle(
    me: str, quarter: str, rows: list[QuarterTotal], branches: dict[str, str | None]
) -> bool:
    mine = [r for r in rows if r.staff_id == me and r.period == quarter]
    if not mine or branches[me] is None:
        return False
    peers = [
        r
        for r in rows
        if r.period == quarter
        and r.staff_id != me
        and r.scorecard == mine[0].scorecard
        and branches[r.staff_id] == branches[me]
    ]
    return bool(peers) and all(not (p.total < mine[0].total) for p in peers)


@settings(max_examples=300, deadline=None)
@given(st.lists(rm_rows, min_size=1, max_size=len(STAFF)))
def test_listed_iff_lowest_with_a_peer_in_both_quarters(people: list[dict[str, object]]) -> None:
    rows: list[QuarterTotal] = []
    branches: dict[str, str | None] = {}
    for staff_id, p in zip(STAFF, people, strict=False):
        branches[staff_id] = p["branch"]  # type: ignore[assignment]
        cards, totals = p["cards"], p["totals"]
        for q, card, total in ((Q2, cards[0], totals[0]), (Q3, cards[1], totals[1])):  # type: ignore[index]
            if total is not None:
                rows.append(QuarterTotal(staff_id, card, q.key, total))
    result = negative_list(rows, period=Q3, branches=branches, rules=NegativeListRules())
    assert {r.staff_id for r in result} == {r.staff_id for r in rows if r.period == Q3.key}
    for r in result:
        expected = _oracle(r.staff_id, Q3.key, rows, branches) and _oracle(
            r.staff_id, Q2.key, rows, branches
        )
        assert r.listed is expected, (r, rows, branches)
