"""The policies page: versions per kind; HR creates, approves (maker-checker), activates."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from rmperf.core.access import scope_of
from rmperf.policies.kinds import KINDS
from rmperf.policies.selectors import policy_active, policy_may_edit, policy_overview
from rmperf.policies.services import (
    policy_version_activate,
    policy_version_approve,
    policy_version_create,
)


def _version_id(request: HttpRequest) -> int:
    try:
        return int(request.POST.get("version", ""))
    except ValueError:
        raise Http404 from None


@login_required
@require_http_methods(["GET", "POST"])
def policy_list_view(request: HttpRequest) -> HttpResponse:
    """Every policy version by kind (read-only for most); HR acts on them with POST."""
    if scope_of(request.user) is None:
        raise Http404
    may_edit = policy_may_edit(actor=request.user)
    errors: list[str] = []
    draft_text = ""
    if request.method == "POST":
        if not may_edit:
            raise Http404
        action = request.POST.get("action", "")
        try:
            if action == "create":
                draft_text = request.POST.get("yaml_text", "")
                version = policy_version_create(
                    actor=request.user,
                    kind=request.POST.get("kind", ""),
                    yaml_text=draft_text,
                    label=request.POST.get("label", ""),
                    note=request.POST.get("note", ""),
                )
                messages.success(request, _("Draft %(label)s saved.") % {"label": version.label})
            elif action == "approve":
                version = policy_version_approve(
                    actor=request.user, version_id=_version_id(request)
                )
                messages.success(request, _("%(label)s approved.") % {"label": version.label})
            elif action == "activate":
                version = policy_version_activate(
                    actor=request.user, version_id=_version_id(request)
                )
                messages.success(request, _("%(label)s is now active.") % {"label": version.label})
            else:
                raise Http404
        except ValidationError as exc:
            errors = list(exc.messages)
        if not errors:
            return redirect("policies:list")
    if may_edit and not draft_text:
        for kind in KINDS:
            draft_text = policy_active(kind).yaml_text
            break
    context = {
        "kinds": policy_overview(actor=request.user),
        "may_edit": may_edit,
        "errors": errors,
        "draft_text": draft_text,
        "kind_choices": list(KINDS),
    }
    return render(request, "policies/policy_list.html", context, status=400 if errors else 200)
