"""Schemas and field types shared by every API module."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Annotated, Any

from django.db.models import Choices
from ninja import Field, Schema
from pydantic import BeforeValidator, JsonValue, WithJsonSchema

#: The strings the API takes as a decimal: digits with an optional sign and fraction.
DECIMAL_PATTERN = r"^[+-]?(\d+(\.\d*)?|\.\d+)$"


def _decimal_text(value: object) -> object:
    if isinstance(value, str) and not re.fullmatch(DECIMAL_PATTERN, value):
        raise ValueError("not a decimal number (digits, an optional sign and fraction)")
    return value


#: A decimal input, as a JSON number or a string of digits. pydantic alone documents
#: "any string" and then refuses "" or "1e5x"; this type documents and checks the same.
DecimalIn = Annotated[
    Decimal,
    BeforeValidator(_decimal_text),
    # Both modes: the API answers decimals as such strings too (one schema per name).
    WithJsonSchema({"anyOf": [{"type": "number"}, {"type": "string", "pattern": DECIMAL_PATTERN}]}),
]


def choice_filter(choices: type[Choices], *, description: str) -> Any:
    """A text filter whose allowed values (and "" for all) are in the schema; the
    FilterSet still checks the value and answers 422 with its own message."""
    values: list[JsonValue] = ["", *(str(v) for v in choices.values)]
    return Field("", description=description, json_schema_extra={"enum": values})


class ErrorOut(Schema):
    """The one error body of the API."""

    message: str
    detail: Any = None
