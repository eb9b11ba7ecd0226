"""The API is what it says (issue 18, finding 8).

- Schema names are unique across the apps: django-ninja keeps one component per name, so
  two `RunOut` classes made one endpoint document the other's response.
- Every operation's documented request body and responses are exactly the JSON Schema of
  the models it validates and returns (each computed here from the model itself).
- Every error under /api/ is the JSON body `{"message", "detail"}`, including what Django
  answers before the API does: unmatched paths (404), wrong methods (405), crashes (500).
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.test import Client
from ninja.constants import NOT_SET
from ninja.openapi.schema import BODY_CONTENT_TYPES, REF_TEMPLATE
from ninja.operation import Operation
from ninja.schema import NinjaGenerateJsonSchema

from rmperf.config.api import api
from tests.factories import Bank

Json = dict[str, Any]


def _operations() -> Iterator[tuple[str, str, Operation]]:
    """(OpenAPI path, method, operation) for every operation of every router."""
    for bound in api._get_bound_routers():  # what ninja's own OpenAPI generator walks
        for path, view in bound.path_operations.items():
            full = "/api/" + "/".join(part for part in (bound.prefix, path) if part)
            full = re.sub(r"{[^}:]+:", "{", re.sub("/+", "/", full))  # no path converters
            for op in view.operations:
                for method in op.methods:
                    yield full, method.lower(), op


def _schema_of(model: Any, mode: str) -> tuple[Json, Json]:
    """The model's JSON schema as ninja generates it, and its definitions."""
    schema = model.model_json_schema(
        ref_template=REF_TEMPLATE, schema_generator=NinjaGenerateJsonSchema, mode=mode
    )
    return schema, schema.pop("$defs", {})


def _inline(node: Any, defs: Json, seen: tuple[str, ...] = ()) -> Any:
    """`node` with every `$ref` replaced by what it names (recursion cut at a cycle)."""
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str):
            name = ref.rsplit("/", 1)[-1]
            if name in seen:
                return {"$ref": name}
            return _inline(defs[name], defs, (*seen, name))
        return {k: _inline(v, defs, seen) for k, v in node.items()}
    if isinstance(node, list):
        return [_inline(v, defs, seen) for v in node]
    return node


@pytest.fixture(scope="module")
def document() -> Json:
    # As a client reads it: through JSON (status codes become strings).
    return json.loads(json.dumps(api.get_openapi_schema(), default=str))


def test_every_operation_is_documented(document: Json) -> None:
    ops = {(path, method) for path, method, _ in _operations()}
    documented = {
        (path, method) for path, methods in document["paths"].items() for method in methods
    }
    assert ops == documented
    assert len(ops) >= 38


def test_schema_names_are_unique_across_the_apps() -> None:
    """One name, one schema: collect every definition each operation's models bring,
    in the mode ninja documents them in, and require a single content per name."""
    by_name: dict[str, set[str]] = defaultdict(set)
    for _path, _method, op in _operations():
        models = [(m, "serialization") for m in op.response_models.values()]
        models += [(m, "validation") for m in op.models]
        for model, mode in models:
            if model in (None, NOT_SET):
                continue
            _, defs = _schema_of(model, mode)
            for name, schema in defs.items():
                by_name[name].add(json.dumps(schema, sort_keys=True))
    clashes = sorted(name for name, variants in by_name.items() if len(variants) > 1)
    assert clashes == []


@pytest.mark.parametrize(
    ("path", "method", "op"),
    [pytest.param(p, m, op, id=f"{m} {p}") for p, m, op in _operations()],
)
def test_documented_schemas_are_what_the_operation_uses(
    document: Json, path: str, method: str, op: Operation
) -> None:
    components = document["components"]["schemas"]
    entry = document["paths"][path][method]
    for status, model in op.response_models.items():
        documented = entry["responses"][str(status)]
        if model in (None, NOT_SET):
            assert "content" not in documented
            continue
        schema, defs = _schema_of(model, "serialization")
        expected = _inline(schema["properties"]["response"], defs)
        got = _inline(documented["content"]["application/json"]["schema"], components)
        assert got == expected, f"{method} {path} {status}"
    bodies = [m for m in op.models if m.__ninja_param_source__ in BODY_CONTENT_TYPES]
    for model in bodies:
        schema, defs = _schema_of(model, "validation")
        (expected,) = schema["properties"].values()
        content = entry["requestBody"]["content"]
        got = _inline(next(iter(content.values()))["schema"], components)
        assert got == _inline(expected, defs), f"{method} {path} request body"


def _is_error_body(response: Any) -> bool:
    return response["Content-Type"].startswith("application/json") and set(response.json()) == {
        "message",
        "detail",
    }


@pytest.mark.django_db
@pytest.mark.parametrize(
    "path",
    [
        "/api/nothing-here",
        "/api/customers/C1/nothing-here",
        "/api/referrals/not-a-number",
        "/api/",
    ],
)
def test_an_unmatched_api_path_is_a_json_404(
    bank: Bank, client_as: Callable[[str], Client], path: str
) -> None:
    for client in (client_as("alice"), Client()):
        response = client.get(path, HTTP_ACCEPT_LANGUAGE="en")
        assert response.status_code == 404, path
        assert _is_error_body(response)
        assert response.json()["message"] == "Not found."


@pytest.mark.django_db
def test_a_wrong_method_is_a_json_405(bank: Bank, client_as: Callable[[str], Client]) -> None:
    response = client_as("alice").delete("/api/customers", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 405
    assert _is_error_body(response)
    assert response.json()["detail"] == {"allowed": ["GET"]}
    assert response["Allow"] == "GET"


@pytest.mark.django_db
def test_a_crash_is_a_json_500(bank: Bank, monkeypatch: pytest.MonkeyPatch) -> None:
    import rmperf.referrals.api as referrals_api

    def broken(**kwargs: Any) -> Any:
        raise RuntimeError("boom C100 13800000001")

    monkeypatch.setattr(referrals_api, "referral_get", broken)
    client = Client(raise_request_exception=False)
    client.force_login(bank.user("alice"))
    response = client.get("/api/referrals/1", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 500
    assert _is_error_body(response)
    assert response.json() == {"message": "Server error.", "detail": None}  # nothing leaks


@pytest.mark.django_db
def test_pages_keep_their_html_errors(bank: Bank, client_as: Callable[[str], Client]) -> None:
    response = client_as("alice").get("/nothing-here/")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")


@pytest.mark.django_db
def test_a_crash_in_a_middleware_is_a_json_500_with_the_security_headers(
    bank: Bank, monkeypatch: pytest.MonkeyPatch
) -> None:
    from rmperf.core.middleware import IdleSessionTimeoutMiddleware

    def broken(self: Any, request: Any) -> Any:
        raise RuntimeError("session store down")

    monkeypatch.setattr(IdleSessionTimeoutMiddleware, "__call__", broken)
    client = Client(raise_request_exception=False)
    client.force_login(bank.user("alice"))
    response = client.get("/api/customers", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 500
    assert response.json() == {"message": "Server error.", "detail": None}
    assert response["X-Content-Type-Options"] == "nosniff"
    page = client.get("/customers/", HTTP_ACCEPT_LANGUAGE="en")
    assert page.status_code == 500 and page["Content-Type"].startswith("text/html")
