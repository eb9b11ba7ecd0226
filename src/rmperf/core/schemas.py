"""Schemas shared by every API module."""

from __future__ import annotations

from typing import Any

from ninja import Schema


class ErrorOut(Schema):
    """The one error body of the API."""

    message: str
    detail: Any = None
