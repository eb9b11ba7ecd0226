"""Reading a write's JSON body in an API endpoint after its lookups, so that a missing or
out-of-scope object answers 404 before a missing or malformed body answers 422, and
documenting that body in the OpenAPI schema (ninja cannot see a body read by hand)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Schema, Status
from pydantic import ValidationError as PydanticValidationError


class BodyError(Exception):
    """A missing or malformed body; `detail` lists pydantic's findings."""

    def __init__(self, detail: Any) -> None:
        super().__init__(detail)
        self.detail = detail


def read_body[M: Schema](request: HttpRequest, model: type[M]) -> M:
    """The write's JSON body as `model`; BodyError when it is missing or malformed."""
    try:
        return model.model_validate_json(request.body or b"")
    except PydanticValidationError as exc:
        raise BodyError(
            exc.errors(include_url=False, include_context=False, include_input=False)
        ) from None


def bad_body(exc: BodyError) -> Status[dict[str, Any]]:
    """The API's 422 answer to a body that could not be read."""
    return Status(422, {"message": str(_("Invalid request.")), "detail": exc.detail})


def _inline(schema: Any, defs: dict[str, Any]) -> Any:
    if isinstance(schema, dict):
        ref = schema.get("$ref")
        if isinstance(ref, str) and ref.startswith("#/$defs/"):
            return _inline(defs[ref.removeprefix("#/$defs/")], defs)
        return {k: _inline(v, defs) for k, v in schema.items() if k != "$defs"}
    if isinstance(schema, list):
        return [_inline(v, defs) for v in schema]
    return schema


def body_doc(model: type[Schema]) -> dict[str, Any]:
    """The OpenAPI request body of a write whose JSON body is read by `read_body`."""
    schema = model.model_json_schema()
    inline = _inline(schema, schema.get("$defs", {}))
    return {"requestBody": {"required": True, "content": {"application/json": {"schema": inline}}}}
