"""A what-if run for the generic walks (tests/core/test_access_generic.py): a draft copy of
the scorecard set in force, compared by HR (hannah) for 2026Q3, still running."""

from __future__ import annotations

from django.utils import timezone

from rmperf.analysis.whatif_models import WhatIfRun
from rmperf.policies.models import PolicyStatus, PolicyVersion
from rmperf.policies.selectors import policy_active
from tests.factories import Bank


def whatif_of_hr(bank: Bank) -> WhatIfRun:
    active = policy_active("scorecards")
    draft, _created = PolicyVersion.objects.get_or_create(
        kind="scorecards",
        label="模拟对比草稿",  # a label in Chinese: the zh walk reads it
        defaults={
            "yaml_text": active.yaml_text,
            "digest": active.digest,
            "status": PolicyStatus.DRAFT,
            "created_at": timezone.now(),
        },
    )
    found: WhatIfRun | None = WhatIfRun.objects.filter(policy=draft).first()
    if found is not None:
        return found
    run: WhatIfRun = WhatIfRun.objects.create(
        policy=draft,
        policy_label=draft.run_label,
        period_key="2026Q3",
        actor=bank.user("hannah"),
        actor_label="hannah",
    )
    return run
