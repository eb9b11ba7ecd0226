"""The fishbone drawn as an accessible SVG: a spine to the head (the gap to target) and
one bone per category, each a link to its rows on the page. Geometry only; the labels
come from the selectors in the reader's language."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from rmperf.analysis.fishbone_selectors import BoneView

WIDTH = 760
HEIGHT = 320
SPINE_Y = 160
HEAD_X = 620
#: Where each bone meets the spine (x) and whether it is drawn above it.
SLOTS = ((200, True), (360, True), (520, True), (280, False), (440, False))


@dataclass(frozen=True)
class BoneShape:
    category: str
    label: str
    found: bool
    enabled: bool
    lines: int
    x1: int
    y1: int
    x2: int
    y2: int
    text_x: int
    text_y: int
    count_y: int


@dataclass(frozen=True)
class Diagram:
    width: int
    height: int
    spine_y: int
    head_x: int
    bones: tuple[BoneShape, ...]


def diagram(bones: list[BoneView]) -> Diagram:
    shapes = []
    for bone, (x, above) in zip(bones, SLOTS, strict=False):
        end_y = 52 if above else HEIGHT - 52
        text_y = 24 if above else HEIGHT - 34
        shapes.append(
            BoneShape(
                category=bone.category,
                label=bone.label,
                found=bone.found,
                enabled=bone.enabled,
                lines=len(bone.parts),
                x1=x - 90,
                y1=end_y,
                x2=x,
                y2=SPINE_Y,
                text_x=x - 90,
                text_y=text_y,
                count_y=text_y + 14,
            )
        )
    return Diagram(WIDTH, HEIGHT, SPINE_Y, HEAD_X, tuple(shapes))
