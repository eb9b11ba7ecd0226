"""What every printed page shares: reportlab with its built-in CID font STSong-Light
(Adobe's Chinese font, no font file shipped, Latin letters and digits included, so one font
serves both languages), money to the cent with separators, one table style."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

PDF = "application/pdf"
FONT = "STSong-Light"


def money(value: Decimal | None) -> str:
    """Money to the cent with thousands separators; empty for no value."""
    return "" if value is None else f"{value:,.2f}"


def font() -> str:
    """The CID font's name, registered with reportlab on first use."""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont

    if FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(FONT))
    return FONT


def grid_style() -> Any:
    """A thin-ruled table in the CID font, the last column right-aligned (amounts)."""
    from reportlab.lib import colors
    from reportlab.platypus import TableStyle

    name = font()
    return TableStyle(
        [
            ("FONTNAME", (0, 0), (-1, -1), name),
            ("FONTSIZE", (0, 0), (-1, -1), 9),
            ("GRID", (0, 0), (-1, -1), 0.25, colors.grey),
            ("ALIGN", (-1, 0), (-1, -1), "RIGHT"),
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ]
    )


def styles() -> tuple[Any, Any]:
    """The title and body paragraph styles in the CID font."""
    from reportlab.lib.styles import getSampleStyleSheet

    name = font()
    sheet = getSampleStyleSheet()
    title = sheet["Title"].clone("rmperf-title", fontName=name)
    body = sheet["Normal"].clone("rmperf-body", fontName=name, fontSize=9, leading=12)
    return title, body
