"""The policies pages: versions per kind, one version's YAML, a diff of two versions, and
the editor that saves a new draft. Everyone signed in reads; HR and superusers create,
approve (never their own draft: maker-checker) and activate."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from rmperf.core.access import scope_of
from rmperf.policies.form import FORM_KINDS, FormInputError, form_apply, form_cards, form_values
from rmperf.policies.issues import issue_view
from rmperf.policies.kinds import KINDS, PolicyKind
from rmperf.policies.models import PolicyVersion
from rmperf.policies.selectors import (
    policy_active,
    policy_diff,
    policy_numbered,
    policy_overview,
    policy_version_get,
    policy_versions,
)
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


def _reader(request: HttpRequest) -> None:
    if scope_of(request.user) is None:
        raise Http404


def _int(value: str | None) -> int:
    try:
        return int(value or "")
    except ValueError:
        raise Http404 from None


def _act(request: HttpRequest, version_id: int) -> PolicyVersion:
    """Approve or activate (POST `action`); ValidationError says why a step is refused."""
    action = request.POST.get("action", "")
    if action == "approve":
        version = policy_version_approve(actor=request.user, version_id=version_id)
        messages.success(request, _("%(label)s approved.") % {"label": version.label})
    elif action == "activate":
        version = policy_version_activate(actor=request.user, version_id=version_id)
        messages.success(request, _("%(label)s is now active.") % {"label": version.label})
    else:
        raise Http404
    return version


@login_required
@require_http_methods(["GET", "POST"])
def policy_list_view(request: HttpRequest) -> HttpResponse:
    """Every policy version by kind (read-only for most); HR approves and activates."""
    _reader(request)
    may_edit = policy_may_edit(actor=request.user)
    errors: list[str] = []
    if request.method == "POST":
        if not may_edit:
            raise Http404
        try:
            _act(request, _int(request.POST.get("version")))
        except ValidationError as exc:
            errors = list(exc.messages)
        if not errors:
            return redirect("policies:list")
    context = {
        "kinds": policy_overview(actor=request.user),
        "may_edit": may_edit,
        "errors": errors,
    }
    return render(request, "policies/policy_list.html", context, status=400 if errors else 200)


@login_required
@require_http_methods(["GET", "POST"])
def policy_detail_view(request: HttpRequest, version_id: int) -> HttpResponse:
    """One version: its YAML with line numbers, who made and approved it, and its actions."""
    _reader(request)
    version = policy_version_get(actor=request.user, version_id=version_id)
    may_edit = policy_may_edit(actor=request.user)
    errors: list[str] = []
    if request.method == "POST":
        if not may_edit:
            raise Http404
        try:
            _act(request, version.pk)
        except ValidationError as exc:
            errors = list(exc.messages)
        if not errors:
            return redirect("policies:detail", version_id=version.pk)
    others = [
        v for v in policy_versions(actor=request.user).filter(kind=version.kind) if v != version
    ]
    context = {
        "version": version,
        "lines": policy_numbered(version.yaml_text, set()),
        "may_edit": may_edit,
        "own_draft": version.created_by_id is not None and version.created_by_id == request.user.pk,
        "others": others,
        "errors": errors,
    }
    return render(request, "policies/policy_detail.html", context, status=400 if errors else 200)


@login_required
@require_GET
def policy_diff_view(request: HttpRequest) -> HttpResponse:
    """The lines that changed from version `a` to version `b` (`?a=ID&b=ID`)."""
    _reader(request)
    if not request.GET.get("a") and not request.GET.get("b"):
        return redirect("policies:list")  # nothing chosen yet: the versions to choose from
    old = policy_version_get(actor=request.user, version_id=_int(request.GET.get("a")))
    new = policy_version_get(actor=request.user, version_id=_int(request.GET.get("b")))
    context = {
        "old": old,
        "new": new,
        "hunks": policy_diff(old.yaml_text, new.yaml_text),
        "same_digest": old.digest == new.digest,
    }
    return render(request, "policies/policy_diff.html", context)


def _issue_rows(issues: list[PolicyIssue]) -> list[Any]:
    """Each finding in the reader's language with its line; the engine's English text,
    rule and path stay for the details."""
    return [issue_view(i) for i in issues]


@login_required
@require_http_methods(["GET", "POST"])
def policy_new_view(request: HttpRequest) -> HttpResponse:
    """The editor: start from a version (`?from=ID`, default the active one of `?kind=`),
    check the YAML (errors listed with their line, the lines marked), save it as a draft."""
    _reader(request)
    if not policy_may_edit(actor=request.user):
        raise Http404
    source = request.POST if request.method == "POST" else request.GET
    kind = source.get("kind", "")
    if not kind:
        return redirect("policies:list")  # each kind's section links here with its kind
    if kind not in KINDS:
        raise Http404
    base: PolicyVersion | None = None
    if source.get("from"):
        base = policy_version_get(actor=request.user, version_id=_int(source.get("from")))
        if base.kind != kind:
            raise Http404
    if base is None:
        base = policy_active(kind)
    text = base.yaml_text
    label = note = ""
    issues: list[PolicyIssue] = []
    warnings: list[PolicyIssue] = []
    errors: list[str] = []
    checked = ""
    if request.method == "POST":
        text = request.POST.get("yaml_text", "").replace("\r\n", "\n")
        label = request.POST.get("label", "")
        note = request.POST.get("note", "")
        try:
            if request.POST.get("action") == "check":
                checked, warnings = policy_check(kind=kind, yaml_text=text, source=f"{kind}.yaml")
            else:
                version = policy_version_create(
                    actor=request.user, kind=kind, yaml_text=text, label=label, note=note
                )
                messages.success(request, _("Draft %(label)s saved.") % {"label": version.label})
                return redirect("policies:detail", version_id=version.pk)
        except PolicyInvalid as exc:
            issues = exc.issues
        except ValidationError as exc:
            errors = list(exc.messages)
    bad = {i.line for i in issues if i.line is not None}
    context = {
        "kind": kind,
        "kind_label": PolicyKind(kind).label,
        "base": base,
        "text": text,
        "label": label,
        "note": note,
        "issues": _issue_rows(issues),
        "warnings": _issue_rows(warnings),
        "errors": errors,
        "numbered": policy_numbered(text, bad) if issues else [],
        "checked": checked,
        "unchanged": request.method == "POST" and text == base.yaml_text,
    }
    return render(
        request, "policies/policy_edit.html", context, status=400 if issues or errors else 200
    )


@login_required
@require_http_methods(["GET", "POST"])
def policy_form_view(request: HttpRequest) -> HttpResponse:
    """The form for the common changes of the scorecards (weights, targets, thresholds,
    rating bands): it writes the numbers into the YAML of the version it starts from
    (`?from=ID`, default the active one) and saves the text as a new draft through the
    same validation and maker-checker as the YAML editor; a refused text is listed in
    the reader's language with its lines marked."""
    _reader(request)
    if not policy_may_edit(actor=request.user):
        raise Http404
    source = request.POST if request.method == "POST" else request.GET
    kind = source.get("kind", "") or "scorecards"
    if kind not in FORM_KINDS:
        raise Http404
    base: PolicyVersion | None = None
    if source.get("from"):
        base = policy_version_get(actor=request.user, version_id=_int(source.get("from")))
        if base.kind != kind:
            raise Http404
    if base is None:
        base = policy_active(kind)
    text = base.yaml_text
    label = request.POST.get("label", "") if request.method == "POST" else ""
    note = request.POST.get("note", "") if request.method == "POST" else ""
    posted: dict[str, str] = {}
    issues: list[PolicyIssue] = []
    errors: list[str] = []
    new_text = ""
    if request.method == "POST":
        posted = form_values(request.POST, text)
        try:
            new_text, changed = form_apply(text, posted)
            if not changed:
                errors = [_("Nothing was changed: the draft would be the same as the version.")]
            else:
                version = policy_version_create(
                    actor=request.user, kind=kind, yaml_text=new_text, label=label, note=note
                )
                messages.success(request, _("Draft %(label)s saved.") % {"label": version.label})
                return redirect("policies:detail", version_id=version.pk)
        except FormInputError as exc:
            errors = [str(exc)]
        except PolicyInvalid as exc:
            issues = exc.issues
        except ValidationError as exc:
            errors = list(exc.messages)
    cards = form_cards(text)
    for card in cards:
        for f in card.all_fields():
            f.value = posted.get(f.name, f.value)
    bad = {i.line for i in issues if i.line is not None}
    context = {
        "kind": kind,
        "kind_label": PolicyKind(kind).label,
        "base": base,
        "cards": cards,
        "label": label,
        "note": note,
        "issues": _issue_rows(issues),
        "errors": errors,
        "numbered": policy_numbered(new_text, bad) if issues else [],
    }
    return render(
        request, "policies/policy_form.html", context, status=400 if issues or errors else 200
    )
