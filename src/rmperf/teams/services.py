"""Team rhythm writes (seed 002; docs/teams.md): filling a meeting board from the lake,
the leader's notes, check-ins and training records.

Who may do what: a team leader or branch manager fills and annotates the boards of the
teams in their subtree; a team leader records check-ins with the RMs of their subtree;
team leaders, branch managers and HR enter training records of the staff in scope.
Every write is one durable transaction with its audit event; out of scope answers 404.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.db.models import Count
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from rmperf.core.access import Action, scope_of
from rmperf.core.actors import Actor, user_of
from rmperf.core.audit import audit_record
from rmperf.customers.models import Customer
from rmperf.engine.analysis.calendar import CalendarError, working_day_set
from rmperf.engine.lake import Lake
from rmperf.engine.rhythm import book_days, book_month_end_aum
from rmperf.lakes.selectors import lake_current
from rmperf.org.models import OrgKind, OrgUnit, Role, Staff
from rmperf.tasks.models import Task, TaskKind, TaskStatus
from rmperf.teams.models import (
    BOARD_ROLES,
    CHECKIN_ROLES,
    TRAINING_ROLES,
    Board,
    BoardKind,
    BoardRow,
    CheckIn,
    Training,
    TrainingKind,
)

CENT = Decimal("0.01")


class TeamsError(Exception):
    """A refused step, with the reason shown to the person."""


def _role_may(actor: Actor, roles: frozenset[str]) -> bool:
    scope = scope_of(actor)
    return scope is not None and not scope.read_only and (scope.superuser or scope.role in roles)


def team_for_write(*, actor: Actor, unit_id: str) -> OrgUnit:
    """A team in the actor's subtree that they may run meetings of; else 404."""
    if not _role_may(actor, BOARD_ROLES):
        raise Http404
    team: OrgUnit | None = (
        OrgUnit.objects.restrict(actor).filter(pk=unit_id, kind=OrgKind.TEAM).first()
    )
    if team is None:
        raise Http404
    return team


def board_window(*, kind: str, day: dt.date) -> tuple[dt.date, dt.date]:
    """The days a meeting on `day` looks back on: a daily meeting the previous working day
    (mainland-China calendar); a Monday review the seven days Monday … Sunday before it."""
    if kind == BoardKind.WEEKLY:
        if day.weekday() != 0:
            raise TeamsError(_("A Monday review is held on a Monday; %(day)s is not one.")
                             % {"day": day.isoformat()})  # fmt: skip
        return day - dt.timedelta(days=7), day - dt.timedelta(days=1)
    if kind != BoardKind.DAILY:
        raise TeamsError(_("Unknown meeting kind %(kind)s.") % {"kind": kind})
    try:
        days = working_day_set(day - dt.timedelta(days=20), day - dt.timedelta(days=1))
    except CalendarError as exc:  # the calendar does not cover the year
        raise TeamsError(str(exc)) from exc
    if not days:
        raise TeamsError(_("No working day in the 20 days before %(day)s.")
                         % {"day": day.isoformat()})  # fmt: skip
    return days[-1], days[-1]


def _month_key(day: dt.date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


def _month_before(day: dt.date) -> dt.date:
    return day.replace(day=1) - dt.timedelta(days=1)


def _lake(today: dt.date) -> tuple[Lake, Path]:
    lake_dir = lake_current()
    if lake_dir is None:
        raise TeamsError(_("No lake has been imported yet: the board has no figures to read."))
    return Lake(lake_dir, today=today, time_zone=str(settings.TIME_ZONE)), lake_dir


def board_fill(*, actor: Actor, unit_id: str, kind: str, day: dt.date) -> Board:
    """Read the reviewed days' figures of every RM of the team from the lake and store them
    on the board of (team, kind, day), replacing earlier figures; notes are kept."""
    team = team_for_write(actor=actor, unit_id=unit_id)
    today = timezone.localdate()
    if day > today:
        raise TeamsError(_("The meeting day %(day)s is in the future.") % {"day": day.isoformat()})
    first, last = board_window(kind=kind, day=day)
    members = list(
        Staff.objects.filter(unit__path__startswith=team.path, role=Role.RM).order_by("staff_id")
    )
    ids = [m.staff_id for m in members]
    month_first = last.replace(day=1)
    lake, lake_dir = _lake(today)
    figures = book_days(lake, first=min(first, month_first), last=last)
    aum_end = _month_before(last)
    aum_start = _month_before(aum_end)
    months = [_month_key(aum_end), _month_key(aum_start)]
    aum = book_month_end_aum(lake, months=months)
    open_q = dict(
        Task.objects.filter(staff_id__in=ids, kind=TaskKind.REQUEST_SLA, status=TaskStatus.OPEN)
        .values("staff_id")
        .annotate(n=Count("pk"))
        .values_list("staff_id", "n")
    )
    per: dict[str, dict[str, Decimal | int]] = {
        i: {"assets": Decimal(0), "accounts": 0, "m_assets": Decimal(0), "m_accounts": 0}
        for i in ids
    }
    for f in figures:
        if f.staff_id not in per:
            continue
        row = per[f.staff_id]
        if first <= f.day <= last:
            row["assets"] += f.new_assets
            row["accounts"] += f.new_accounts
        if month_first <= f.day <= last:
            row["m_assets"] += f.new_assets
            row["m_accounts"] += f.new_accounts
    with transaction.atomic(durable=True):
        board: Board
        board, created = Board.objects.select_for_update().get_or_create(
            team=team,
            kind=kind,
            day=day,
            defaults={"covers_from": first, "covers_to": last},
        )
        board.covers_from, board.covers_to = first, last
        board.aum_month = months[0]
        board.filled_at = timezone.now()
        board.filled_by = user_of(actor)
        board.lake_path = str(lake_dir)
        board.full_clean()
        board.save()
        board.rows.all().delete()
        rows = [
            BoardRow(
                board=board,
                staff_id=i,
                new_assets=Decimal(per[i]["assets"]).quantize(CENT),
                new_accounts=int(per[i]["accounts"]),
                month_assets=Decimal(per[i]["m_assets"]).quantize(CENT),
                month_accounts=int(per[i]["m_accounts"]),
                open_questions=open_q.get(i, 0),
                aum=aum.get((i, months[0])),
                aum_before=aum.get((i, months[1])),
            )
            for i in ids
        ]
        BoardRow.objects.bulk_create(rows)
        audit_record(
            actor=actor,
            verb="teams.board.fill",
            object_type="teams.board",
            object_id=str(board.pk),
            after={
                "team": team.unit_id,
                "kind": kind,
                "day": day.isoformat(),
                "covers": [first.isoformat(), last.isoformat()],
                "new_assets": str(sum((r.new_assets for r in rows), Decimal(0))),
                "new_accounts": sum(r.new_accounts for r in rows),
                "open_questions": sum(r.open_questions for r in rows),
                "lake": str(lake_dir),
                "created": created,
            },
        )
    return board


def board_notes_save(*, actor: Actor, board_id: int, notes: str) -> Board:
    """The leader's notes of a meeting (at most 4,000 characters), audited before/after."""
    if not _role_may(actor, BOARD_ROLES):
        raise Http404
    notes = notes.strip()
    if len(notes) > 4000:
        raise TeamsError(_("Notes hold at most 4,000 characters; these have %(n)d.")
                         % {"n": len(notes)})  # fmt: skip
    with transaction.atomic(durable=True):
        board: Board | None = (
            Board.objects.restrict(actor, Action.CHANGE)
            .select_for_update()
            .filter(pk=board_id)
            .first()
        )
        if board is None:
            raise Http404
        before = board.notes
        board.notes = notes
        board.full_clean()
        board.save(update_fields=["notes"])
        audit_record(
            actor=actor,
            verb="teams.board.notes",
            object_type="teams.board",
            object_id=str(board.pk),
            before={"notes": before},
            after={"notes": notes},
        )
    return board


def checkin_record(
    *,
    actor: Actor,
    staff_id: str,
    day: dt.date,
    note: str,
    customer_id: str = "",
    task_id: int | None = None,
) -> CheckIn:
    """The team leader's one-to-one with an RM of their subtree: a note (1–1,000
    characters) on a day not in the future, optionally about one of the RM's customers or
    tasks the leader can see."""
    if not _role_may(actor, CHECKIN_ROLES):
        raise Http404
    scope = scope_of(actor)
    try:
        staff = Staff.objects.restrict(actor).get(pk=staff_id, role=Role.RM)
    except Staff.DoesNotExist:
        raise Http404 from None
    leader = Staff.objects.filter(pk=scope.staff_id if scope else None).first()
    problems: list[str] = []
    note = note.strip()
    if not note:
        problems.append(_("Write a note of the check-in."))
    elif len(note) > 1000:
        problems.append(_("A note holds at most 1,000 characters; this one has %(n)d.")
                        % {"n": len(note)})  # fmt: skip
    if day > timezone.localdate():
        problems.append(_("The day %(day)s is in the future.") % {"day": day.isoformat()})
    if leader is None:
        problems.append(_("Only a team leader with a staff record records check-ins."))
    customer = None
    if customer_id:
        customer = Customer.objects.restrict(actor).filter(pk=customer_id).first()
        if customer is None:
            problems.append(_("Customer %(id)s is not one you can see.") % {"id": customer_id})
    task = None
    if task_id is not None:
        task = Task.objects.restrict(actor).filter(pk=task_id, staff=staff).first()
        if task is None:
            problems.append(_("Task %(id)s is not one of this RM's tasks.") % {"id": task_id})
    if problems or leader is None:
        raise TeamsError(" ".join(problems))
    with transaction.atomic(durable=True):
        checkin = CheckIn(
            staff=staff,
            leader=leader,
            day=day,
            note=note,
            customer=customer,
            task=task,
            created_at=timezone.now(),
        )
        checkin.full_clean()
        checkin.save()
        audit_record(
            actor=actor,
            verb="teams.checkin.record",
            object_type="teams.checkin",
            object_id=str(checkin.pk),
            after={
                "staff": staff.staff_id,
                "day": day.isoformat(),
                "note": note,
                "customer": customer.pk if customer else None,
                "task": task.pk if task else None,
            },
        )
    return checkin


def parse_hours(text: str) -> Decimal:
    """Training hours: a number 0–1,000 with at most 2 decimals."""
    try:
        hours = Decimal(text.strip())
    except (InvalidOperation, AttributeError):
        raise TeamsError(_("Hours must be a number, not %(text)r.") % {"text": text}) from None
    if not hours.is_finite() or hours < 0 or hours > 1000 or hours != hours.quantize(CENT):
        raise TeamsError(_("Hours lie between 0 and 1,000 with at most 2 decimals: %(text)s.")
                         % {"text": text})  # fmt: skip
    return hours.quantize(CENT)


def training_enter(
    *, actor: Actor, staff_id: str, day: dt.date, kind: str, name: str, hours: Decimal | str
) -> Training:
    """A course attended or a certification obtained, for a person in scope."""
    if not _role_may(actor, TRAINING_ROLES):
        raise Http404
    try:
        staff = Staff.objects.restrict(actor).get(pk=staff_id)
    except Staff.DoesNotExist:
        raise Http404 from None
    problems: list[str] = []
    name = name.strip()
    if kind not in TrainingKind.values:
        problems.append(_("Kind must be course or certification, not %(kind)r.") % {"kind": kind})
    if not name:
        problems.append(_("Name the course or certification."))
    elif len(name) > 200:
        problems.append(_("A name holds at most 200 characters."))
    if day > timezone.localdate():
        problems.append(_("The day %(day)s is in the future.") % {"day": day.isoformat()})
    if day < staff.hired_on:
        problems.append(_("The day %(day)s is before %(name)s was hired (%(hired)s).")
                        % {"day": day.isoformat(), "name": staff.name,
                           "hired": staff.hired_on.isoformat()})  # fmt: skip
    parsed: Decimal | None = None
    try:
        parsed = parse_hours(str(hours))
    except TeamsError as exc:
        problems.append(str(exc))
    if problems or parsed is None:
        raise TeamsError(" ".join(problems))
    with transaction.atomic(durable=True):
        record = Training(
            staff=staff,
            day=day,
            kind=kind,
            name=name,
            hours=parsed,
            entered_by=user_of(actor),
            entered_at=timezone.now(),
        )
        record.full_clean()
        record.save()
        audit_record(
            actor=actor,
            verb="teams.training.enter",
            object_type="teams.training",
            object_id=str(record.pk),
            after={
                "staff": staff.staff_id,
                "day": day.isoformat(),
                "kind": kind,
                "name": name,
                "hours": str(parsed),
            },
        )
    return record
