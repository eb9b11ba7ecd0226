"""Writes of policy versions: create (validated), approve (maker-checker), activate.

Every write is atomic and audited (shared/STYLE.md convention 2). An approved version is
never edited: a change is a new version (DESIGN.md "Policies"; ASVS maker-checker).
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from rmperf.core.access import Action, scope_of
from rmperf.core.actors import Actor, user_of
from rmperf.core.audit import audit_record
from rmperf.engine.policy import LoadedPolicy, PolicyError, PolicyIssue
from rmperf.policies.kinds import KINDS
from rmperf.policies.models import PolicyStatus, PolicyVersion

OBJECT_TYPE = "policy_version"


class PolicyInvalid(ValidationError):
    """A policy text the engine refuses; `issues` keeps each finding's rule and line for
    the editor (the messages are the issues' text: file, line, rule, message)."""

    def __init__(self, issues: list[PolicyIssue]) -> None:
        self.issues = issues
        super().__init__([str(issue) for issue in issues])


def policy_check(
    *, kind: str, yaml_text: str, source: str = "<policy>"
) -> tuple[str, list[PolicyIssue]]:
    """The digest of a valid policy text and the warnings its rules raised (the text is
    usable; a person should still look); PolicyInvalid (a ValidationError) listing every
    problem, each naming file, line and rule, otherwise."""
    spec = KINDS.get(kind)
    if spec is None:
        raise ValidationError(_("Unknown policy kind %(kind)s.") % {"kind": kind})
    try:
        loaded = spec.load(yaml_text, source)
    except PolicyError as exc:
        raise PolicyInvalid(exc.issues) from None
    if isinstance(loaded, LoadedPolicy):
        warnings = list(loaded.warnings)
    else:  # a scorecard set: each card's warnings, in the order of the text
        warnings = [w for card in loaded.values() for w in card.warnings]
        warnings.sort(key=lambda w: (w.line or 0, w.rule))
    return spec.digest_of(loaded), warnings


def policy_validate(*, kind: str, yaml_text: str, source: str = "<policy>") -> str:
    """The digest of a valid policy text; PolicyInvalid (a ValidationError) listing every
    problem, each naming file, line and rule, otherwise."""
    digest, _warnings = policy_check(kind=kind, yaml_text=yaml_text, source=source)
    return digest


def policy_may_edit(*, actor: Actor) -> bool:
    """HR and superusers write policies (maker or checker); everyone else reads."""
    scope = scope_of(actor)
    if scope is None or scope.read_only:
        return False
    return scope.superuser or (scope.everything and scope.role == "hr")


def _writable(actor: Actor, version_id: int) -> PolicyVersion:
    """The version, locked, if the actor may change policies; otherwise 404 (forbidden
    answers like missing)."""
    found: PolicyVersion | None = (
        PolicyVersion.objects.restrict(actor, Action.CHANGE)
        .select_for_update()
        .filter(pk=version_id)
        .first()
    )
    if found is None:
        raise Http404
    return found


def _audit(
    *, actor: Actor, verb: str, version: PolicyVersion, before: dict[str, Any] | None
) -> None:
    audit_record(
        actor=actor,
        verb=verb,
        object_type=OBJECT_TYPE,
        object_id=str(version.pk),
        before=before,
        after={
            "kind": version.kind,
            "label": version.label,
            "status": version.status,
            "digest": version.digest,
        },
    )


def policy_version_create(
    *, actor: Actor, kind: str, yaml_text: str, label: str = "", note: str = ""
) -> PolicyVersion:
    """A new draft of `kind`, validated by the engine's loader (errors name their line)."""
    if not policy_may_edit(actor=actor):
        raise Http404
    digest = policy_validate(kind=kind, yaml_text=yaml_text, source=f"{kind}.yaml")
    with transaction.atomic(durable=True):
        now = timezone.now()
        label = label.strip() or now.strftime("%Y%m%d-%H%M%S")
        version = PolicyVersion(
            kind=kind,
            label=label,
            yaml_text=yaml_text,
            digest=digest,
            status=PolicyStatus.DRAFT,
            note=note,
            created_by=user_of(actor),
            created_at=now,
        )
        version.full_clean()
        try:
            with transaction.atomic():
                version.save()
        except IntegrityError:
            raise ValidationError(
                _("A %(kind)s policy labelled %(label)s already exists.")
                % {"kind": kind, "label": label}
            ) from None
        _audit(actor=actor, verb="policy.create", version=version, before=None)
    return version


def policy_version_approve(*, actor: Actor, version_id: int) -> PolicyVersion:
    """Approve a draft: the checker may not be its maker. From now on it is immutable."""
    with transaction.atomic(durable=True):
        version = _writable(actor, version_id)
        if version.status != PolicyStatus.DRAFT:
            raise ValidationError(_("Only a draft can be approved."))
        if version.created_by_id is not None and version.created_by_id == getattr(
            actor, "pk", None
        ):
            raise ValidationError(_("A policy must be approved by someone other than its author."))
        # The text may not have changed since it was validated: check again.
        source = f"{version.kind}.yaml"
        if policy_validate(kind=version.kind, yaml_text=version.yaml_text, source=source) != (
            version.digest
        ):
            raise ValidationError(_("The policy text does not match its digest."))
        before = {"status": version.status}
        version.status = PolicyStatus.APPROVED
        version.approved_by = user_of(actor)
        version.approved_at = timezone.now()
        version.save(update_fields=["status", "approved_by", "approved_at"])
        _audit(actor=actor, verb="policy.approve", version=version, before=before)
    return version


def policy_version_activate(*, actor: Actor, version_id: int) -> PolicyVersion:
    """Make an approved (or retired) version the one in force; the previous one retires."""
    with transaction.atomic(durable=True):
        version = _writable(actor, version_id)
        if version.status not in (PolicyStatus.APPROVED, PolicyStatus.RETIRED):
            raise ValidationError(_("Only an approved version can be activated."))
        now = timezone.now()
        for current in PolicyVersion.objects.select_for_update().filter(
            kind=version.kind, status=PolicyStatus.ACTIVE
        ):
            current.status = PolicyStatus.RETIRED
            current.retired_at = now
            current.save(update_fields=["status", "retired_at"])
            _audit(actor=actor, verb="policy.retire", version=current, before={"status": "active"})
        before = {"status": version.status}
        version.status = PolicyStatus.ACTIVE
        version.activated_at = now
        version.retired_at = None
        version.save(update_fields=["status", "activated_at", "retired_at"])
        _audit(actor=actor, verb="policy.activate", version=version, before=before)
    return version


def policy_default_record(*, kind: str) -> PolicyVersion:
    """The shipped default of `kind` recorded as an active version (first use, no other
    active version); the same text later finds the same row."""
    spec = KINDS[kind]
    text = spec.default_text()
    digest = policy_validate(kind=kind, yaml_text=text, source=f"defaults/{spec.default_file}")
    try:
        with transaction.atomic():
            return _default_record(kind=kind, text=text, digest=digest, note=spec.default_file)
    except IntegrityError:
        # Another request recorded it first (the label and the one-active constraint
        # are unique): use theirs.
        found: PolicyVersion | None = PolicyVersion.objects.filter(
            kind=kind, status=PolicyStatus.ACTIVE
        ).first()
        if found is None:
            raise
        return found


def _default_record(*, kind: str, text: str, digest: str, note: str) -> PolicyVersion:
    """The active version of `kind`, else its shipped default made active (a re-used row
    if that text was recorded before); the database's unique constraints settle races."""
    active = PolicyVersion.objects.select_for_update().filter(kind=kind, status=PolicyStatus.ACTIVE)
    found: PolicyVersion | None = active.first()
    if found is not None:
        return found
    now = timezone.now()
    label = f"default-{digest[:12]}"
    version = PolicyVersion.objects.filter(kind=kind, label=label).first()
    if version is None:
        version = PolicyVersion(
            kind=kind,
            label=label,
            yaml_text=text,
            digest=digest,
            status=PolicyStatus.ACTIVE,
            is_default=True,
            note=f"defaults/{note}",
            created_at=now,
            approved_at=now,
            activated_at=now,
        )
        version.full_clean()
        version.save()
    else:
        version.status = PolicyStatus.ACTIVE
        version.activated_at = now
        version.retired_at = None
        version.save(update_fields=["status", "activated_at", "retired_at"])
    _audit(actor=None, verb="policy.default", version=version, before=None)
    return version
