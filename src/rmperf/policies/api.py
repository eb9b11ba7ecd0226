"""Policy endpoints: read every version, check a text, create a draft, approve it (never
one's own: maker-checker) and activate it, through the same services and access rules
as the policy pages. A bank keeping its policies in version control can check and
propose them from its own pipeline. Session auth with Django's CSRF check on writes; a
writer's step that is refused answers 422 with the reason, an engine finding with its
file, line and rule."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _
from ninja import Router, Schema, Status

from rmperf.core.api_body import BodyError, bad_body, body_doc, read_body
from rmperf.core.schemas import ErrorOut
from rmperf.policies.kinds import KINDS
from rmperf.policies.models import PolicyVersion
from rmperf.policies.selectors import policy_version_get, policy_versions
from rmperf.policies.services import (
    PolicyInvalid,
    policy_check,
    policy_may_edit,
    policy_version_activate,
    policy_version_approve,
    policy_version_create,
)

if TYPE_CHECKING:
    from rmperf.engine.policy import PolicyIssue

router = Router(tags=["policies"])


class VersionOut(Schema):
    id: int
    kind: str
    label: str
    status: str
    digest: str
    is_default: bool
    note: str
    created_by: str | None
    created_at: dt.datetime
    approved_by: str | None
    approved_at: dt.datetime | None
    activated_at: dt.datetime | None
    retired_at: dt.datetime | None


class VersionDetailOut(VersionOut):
    yaml_text: str


class IssueOut(Schema):
    severity: str
    rule: str
    message: str
    file: str
    line: int | None
    path: str


class PolicyCheckOut(Schema):
    kind: str
    valid: bool
    digest: str | None
    issues: list[IssueOut]


class PolicyIn(Schema):
    yaml_text: str
    label: str = ""
    note: str = ""


class CheckIn(Schema):
    yaml_text: str


def _user(u: Any) -> str | None:
    return u.get_username() if u is not None else None


def _version(v: PolicyVersion, *, text: bool = False) -> dict[str, Any]:
    out = {
        "id": v.pk,
        "kind": v.kind,
        "label": v.label,
        "status": v.status,
        "digest": v.digest,
        "is_default": v.is_default,
        "note": v.note,
        "created_by": _user(v.created_by),
        "created_at": v.created_at,
        "approved_by": _user(v.approved_by),
        "approved_at": v.approved_at,
        "activated_at": v.activated_at,
        "retired_at": v.retired_at,
    }
    if text:
        out["yaml_text"] = v.yaml_text
    return out


def _issue(i: PolicyIssue) -> dict[str, Any]:
    return {
        "severity": str(i.severity),
        "rule": i.rule,
        "message": i.message,
        "file": i.file,
        "line": i.line,
        "path": ".".join(str(p) for p in i.loc),
    }


def _kind(kind: str) -> str:
    if kind not in KINDS:
        raise Http404
    return kind


def _writer(request: HttpRequest) -> None:
    """HR and superusers write policies; anyone else gets 404, before any body is read."""
    if not policy_may_edit(actor=request.user):
        raise Http404


def _refused(exc: DjangoValidationError) -> Status[dict[str, Any]]:
    if isinstance(exc, PolicyInvalid):
        message = str(_("The policy is not valid."))
        return Status(422, {"message": message, "detail": [_issue(i) for i in exc.issues]})
    return Status(422, {"message": " ".join(exc.messages), "detail": None})


_WRITE = {200: VersionOut, 201: VersionOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut}
_WRITE |= {422: ErrorOut}


@router.get(
    "/versions",
    response={200: list[VersionOut], 401: ErrorOut},
    url_name="policy_versions",
    summary="Every policy version, newest first per kind",
)
def list_versions(request: HttpRequest, kind: str = "") -> list[dict[str, Any]]:
    """Everyone signed in reads every version (what is in force, and since when);
    `?kind=` narrows to one kind."""
    rows = policy_versions(actor=request.user)
    if kind:
        rows = rows.filter(kind=kind)
    return [_version(v) for v in rows]


@router.get(
    "/versions/{int:version_id}",
    response={200: VersionDetailOut, 401: ErrorOut, 404: ErrorOut},
    url_name="policy_version",
    summary="One policy version with its text",
)
def get_version(request: HttpRequest, version_id: int) -> dict[str, Any]:
    return _version(policy_version_get(actor=request.user, version_id=version_id), text=True)


@router.post(
    "/{kind}/check",
    response={200: PolicyCheckOut, 401: ErrorOut, 404: ErrorOut, 422: ErrorOut},
    url_name="policy_check",
    summary="Check a policy text without saving it",
    openapi_extra=body_doc(CheckIn),
)
def check_policy(request: HttpRequest, kind: str) -> Any:
    """The engine's verdict on a text: valid (with its digest and any warnings) or every
    finding with its file, line and rule. Nothing is stored. Body: `{"yaml_text": …}`."""
    _kind(kind)
    try:
        payload = read_body(request, CheckIn)
    except BodyError as exc:
        return bad_body(exc)
    try:
        digest, warnings = policy_check(
            kind=kind, yaml_text=payload.yaml_text, source=f"{kind}.yaml"
        )
    except PolicyInvalid as exc:
        return {
            "kind": kind,
            "valid": False,
            "digest": None,
            "issues": [_issue(i) for i in exc.issues],
        }
    return {"kind": kind, "valid": True, "digest": digest, "issues": [_issue(w) for w in warnings]}


@router.post(
    "/{kind}/versions",
    response=_WRITE,
    url_name="policy_create",
    summary="Save a policy text as a draft",
    openapi_extra=body_doc(PolicyIn),
)
def create_version(request: HttpRequest, kind: str) -> Any:
    """A new draft of `kind` (HR, superusers), validated like the editor; someone else
    approves it. Body: `{"yaml_text": …, "label": … (optional), "note": …}`."""
    _kind(kind)
    _writer(request)
    try:
        payload = read_body(request, PolicyIn)
    except BodyError as exc:
        return bad_body(exc)
    try:
        version = policy_version_create(
            actor=request.user,
            kind=kind,
            yaml_text=payload.yaml_text,
            label=payload.label,
            note=payload.note,
        )
    except DjangoValidationError as exc:
        return _refused(exc)
    return Status(201, _version(version))


@router.post(
    "/versions/{int:version_id}/approve",
    response=_WRITE,
    url_name="policy_approve",
    summary="Approve a draft (never one's own)",
)
def approve_version(request: HttpRequest, version_id: int) -> Any:
    try:
        version = policy_version_approve(actor=request.user, version_id=version_id)
    except DjangoValidationError as exc:
        return _refused(exc)
    return _version(version)


@router.post(
    "/versions/{int:version_id}/activate",
    response=_WRITE,
    url_name="policy_activate",
    summary="Put an approved version in force",
)
def activate_version(request: HttpRequest, version_id: int) -> Any:
    """The version in force until now retires; runs from now on record this one."""
    try:
        version = policy_version_activate(actor=request.user, version_id=version_id)
    except DjangoValidationError as exc:
        return _refused(exc)
    return _version(version)
