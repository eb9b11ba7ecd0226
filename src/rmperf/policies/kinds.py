"""The kinds of policy the app stores, each with the engine loader that validates it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from importlib import resources
from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _

from rmperf.engine.policy import LoadedPolicy, load_policy_text
from rmperf.engine.segmentation.policy import DEFAULT_FILE as SEGMENTATION_FILE
from rmperf.engine.segmentation.policy import RULES as SEGMENTATION_RULES
from rmperf.engine.segmentation.policy import SegmentationPolicy


class PolicyKind(models.TextChoices):
    """What a policy governs; one version of each kind is active at a time."""

    SEGMENTATION = "segmentation", _("Customer segmentation")


@dataclass(frozen=True)
class KindSpec:
    """How to validate a kind's YAML and where its shipped default lives."""

    default_file: str
    load: Callable[[str, str], LoadedPolicy[Any]]

    def default_text(self) -> str:
        ref = resources.files("rmperf.policies").joinpath("defaults", self.default_file)
        return ref.read_text(encoding="utf-8")


def _load_segmentation(text: str, source: str) -> LoadedPolicy[Any]:
    return load_policy_text(text, SegmentationPolicy, source=source, rules=SEGMENTATION_RULES)


KINDS: dict[str, KindSpec] = {
    PolicyKind.SEGMENTATION: KindSpec(default_file=SEGMENTATION_FILE, load=_load_segmentation),
}
