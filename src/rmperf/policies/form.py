"""The policy form: the common changes of a scorecard set (line weights, targets,
thresholds, rating bands) as form fields, written back into the same YAML.

The YAML stays the policy: the form reads each editable number's place in the text
(PyYAML's node marks) and a change replaces exactly that number, in the quoting it had,
so comments, order and every other line stay as they were. The new text then goes
through the same validation and maker-checker as the YAML editor (services).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

import yaml
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from rmperf.engine.indicators.library import LIBRARY

#: The kinds the form edits (the others keep the YAML editor only).
FORM_KINDS = ("scorecards",)


class FormInputError(ValueError):
    """A value typed in the form that is not a number (named by its field label)."""


@dataclass
class Field:
    """One editable number: its form name, what it is in words, its value and where the
    value sits in the text (character offsets of the scalar, and its quote style)."""

    name: str
    label: str
    value: str
    line: int
    start: int
    end: int
    style: str | None


@dataclass
class LineFields:
    label: str
    method: str
    fields: list[Field] = field(default_factory=list)

    def get(self, what: str) -> Field | None:
        return next((f for f in self.fields if f.name.endswith(f".{what}")), None)

    @property
    def weight(self) -> Field | None:
        return self.get("weight")

    @property
    def target(self) -> Field | None:
        return self.get("target")

    @property
    def threshold(self) -> Field | None:
        return self.get("threshold")

    @property
    def slots(self) -> list[Field | None]:
        """Weight, target and threshold, None where the line has none (the columns)."""
        return [self.weight, self.target, self.threshold]


@dataclass
class BandFields:
    label: str
    min: Field | None
    max: Field | None

    @property
    def slots(self) -> list[Field | None]:
        return [self.min, self.max]


@dataclass
class CardFields:
    """The editable numbers of one card of the set."""

    title: str
    lines: list[LineFields] = field(default_factory=list)
    bands: list[BandFields] = field(default_factory=list)
    others: list[Field] = field(default_factory=list)

    def all_fields(self) -> list[Field]:
        out = [f for ln in self.lines for f in ln.fields]
        for b in self.bands:
            out += [f for f in (b.min, b.max) if f is not None]
        return out + self.others


def _tier_labels() -> dict[str, str]:
    return {
        "outstanding": _("Outstanding"),
        "good": _("Good"),
        "competent": _("Competent"),
        "not_competent": _("Not competent"),
    }


def _method_labels() -> dict[str, str]:
    return {
        "ratio": _("Completion of a target"),
        "bands": _("Score bands"),
        "rank": _("Ranking"),
        "percentile": _("Percentile"),
        "manual": _("Scored by people"),
        "veto": _("Veto"),
        "deduction": _("Deduction per case"),
    }


def _zh() -> bool:
    return (get_language() or "").startswith("zh")


def _map(node: yaml.Node) -> dict[str, yaml.Node]:
    if not isinstance(node, yaml.MappingNode):
        return {}
    return {k.value: v for k, v in node.value if isinstance(k, yaml.ScalarNode)}


def _scalar(node: yaml.Node | None, name: str, label: str) -> Field | None:
    if not isinstance(node, yaml.ScalarNode):
        return None
    return Field(
        name=name,
        label=label,
        value=str(node.value),
        line=node.start_mark.line + 1,
        start=node.start_mark.index,
        end=node.end_mark.index,
        style=node.style,
    )


def _line_label(m: dict[str, yaml.Node]) -> str:
    indicator = m.get("indicator")
    if isinstance(indicator, yaml.ScalarNode):
        info = LIBRARY.get(indicator.value)
        if info is not None:
            return info.name_zh if _zh() else info.name_en
        return str(indicator.value)
    manual = m.get("manual") or m.get("id")
    key = str(manual.value) if isinstance(manual, yaml.ScalarNode) else ""
    # Who scores a manual line, as performance names it (keys peer… and risk…; any
    # other key is the self-review panel).
    if key.startswith("peer"):
        return _("Peer feedback")
    if key.startswith("risk"):
        return _("Risk department")
    return _("Self-review panel")


def _comparison(node: yaml.Node | None, name: str, label: str) -> Field | None:
    """The bound of a comparison such as `breach: {ge: "1"}` (one of gt, ge, lt, le)."""
    m = _map(node) if node is not None else {}
    for op in ("ge", "gt", "le", "lt"):
        if op in m:
            return _scalar(m[op], name, label)
    return None


def _card(doc: yaml.Node, c: int) -> CardFields:
    top = _map(doc)
    names = _map(top["names"]) if "names" in top else {}
    title_node = names.get("zh" if _zh() else "en") or top.get("name")
    title = str(title_node.value) if isinstance(title_node, yaml.ScalarNode) else f"#{c + 1}"
    card = CardFields(title=title)
    lines = top.get("lines")
    methods = _method_labels()
    for i, item in enumerate(lines.value if isinstance(lines, yaml.SequenceNode) else []):
        m = _map(item)
        label = _line_label(m)
        method_node = m.get("method")
        method = str(method_node.value) if isinstance(method_node, yaml.ScalarNode) else ""
        row = LineFields(label=label, method=methods.get(method, method))
        base = f"c{c}.l{i}"
        found = [
            _scalar(m.get("weight"), f"{base}.weight", _("%(line)s: weight") % {"line": label}),
            _scalar(
                _map(m["target"]).get("value") if "target" in m else None,
                f"{base}.target",
                _("%(line)s: target") % {"line": label},
            ),
            _comparison(
                m.get("breach"), f"{base}.threshold", _("%(line)s: threshold") % {"line": label}
            ),
        ]
        row.fields = [f for f in found if f is not None]
        card.lines.append(row)
    rating = _map(top["rating"]) if "rating" in top else {}
    bands = rating.get("bands")
    tiers = _tier_labels()
    for j, item in enumerate(bands.value if isinstance(bands, yaml.SequenceNode) else []):
        m = _map(item)
        tier_node = m.get("tier")
        tier = str(tier_node.value) if isinstance(tier_node, yaml.ScalarNode) else ""
        label = tiers.get(tier, tier)
        card.bands.append(
            BandFields(
                label=label,
                min=_scalar(m.get("min"), f"c{c}.b{j}.min", _("%(tier)s: from") % {"tier": label}),
                max=_scalar(m.get("max"), f"c{c}.b{j}.max", _("%(tier)s: below") % {"tier": label}),
            )
        )
    bonus = _scalar(top.get("bonus_cap"), f"c{c}.bonus_cap", _("Bonus points at most"))
    if bonus is not None:
        card.others.append(bonus)
    fd = _map(rating["forced_distribution"]) if "forced_distribution" in rating else {}
    caps = fd.get("caps")
    for k, item in enumerate(caps.value if isinstance(caps, yaml.SequenceNode) else []):
        m = _map(item)
        tier_node = m.get("tier")
        tier = str(tier_node.value) if isinstance(tier_node, yaml.ScalarNode) else ""
        share = _scalar(
            m.get("max_share"),
            f"c{c}.cap{k}",
            _("At most this share rated %(tier)s") % {"tier": tiers.get(tier, tier)},
        )
        if share is not None:
            card.others.append(share)
    return card


def form_cards(text: str) -> list[CardFields]:
    """The editable numbers of every card of a scorecard set text; [] when the text is
    not YAML the form can read (the YAML editor then remains)."""
    try:
        docs = [d for d in yaml.compose_all(text, Loader=yaml.SafeLoader) if d is not None]
    except yaml.YAMLError:
        return []
    return [_card(doc, c) for c, doc in enumerate(docs)]


def _number(text: str, label: str) -> str:
    value = text.strip()
    try:
        number = Decimal(value)
    except InvalidOperation:
        raise FormInputError(
            _("%(field)s: “%(value)s” is not a number.") % {"field": label, "value": value}
        ) from None
    if not number.is_finite():
        raise FormInputError(
            _("%(field)s: “%(value)s” is not a number.") % {"field": label, "value": value}
        )
    return value


def _written(field: Field, value: str) -> str:
    if field.style == "'":
        return f"'{value}'"
    if field.style == '"':
        return f'"{value}"'
    return value


def form_apply(text: str, values: dict[str, str]) -> tuple[str, list[Field]]:
    """`text` with the form's numbers written in (only the ones that changed; each in
    its own place and quoting) and the fields changed; FormInputError names a field
    whose value is not a number."""
    fields = [f for card in form_cards(text) for f in card.all_fields()]
    changed: list[tuple[Field, str]] = []
    for f in fields:
        if f.name not in values:
            continue
        new = _number(values[f.name], f.label)
        if new != f.value:
            changed.append((f, new))
    out = text
    for f, new in sorted(changed, key=lambda fv: -fv[0].start):
        out = out[: f.start] + _written(f, new) + out[f.end :]
    return out, [f for f, _new in changed]


def form_values(post: Any, text: str) -> dict[str, str]:
    """The form's fields of `text` as posted (fields left out keep their value)."""
    names = {f.name for card in form_cards(text) for f in card.all_fields()}
    return {name: str(post[name]) for name in names if name in post}
