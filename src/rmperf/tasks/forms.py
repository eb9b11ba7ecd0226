"""Forms: an action on tasks (one or many), and the quick interaction entry."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from rmperf.tasks.models import Channel, Outcome, Task


class TaskActionForm(forms.Form):
    """Done, snooze to a date, or dismiss with a reason; for the ticked tasks."""

    ACTIONS = (
        ("done", _("Done")),
        ("snooze", _("Snooze")),
        ("dismiss", _("Dismiss")),
    )
    action = forms.ChoiceField(label=_("Action"), choices=ACTIONS)
    task = forms.TypedMultipleChoiceField(label=_("Tasks"), coerce=int, choices=())
    until = forms.DateField(
        label=_("Snooze until"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    reason = forms.CharField(label=_("Reason"), required=False, max_length=500)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Any integer is offered; the service checks each id is the actor's open task.
        raw = self.data.getlist("task") if hasattr(self.data, "getlist") else []
        field = self.fields["task"]
        if isinstance(field, forms.TypedMultipleChoiceField):
            field.choices = [(v, v) for v in raw if str(v).isdigit()]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("action") == "snooze" and not data.get("until"):
            self.add_error("until", _("Give the date to snooze until."))
        if data.get("action") == "dismiss" and not (data.get("reason") or "").strip():
            self.add_error("reason", _("Say why the task is dismissed."))
        return data


class TaskChoiceField(forms.ModelChoiceField[Task]):
    """A task as the reader names it: its kind and due date (not the internal key)."""

    def label_from_instance(self, obj: Task) -> str:
        return f"{obj.get_kind_display()} · {date_format(obj.due_date, 'SHORT_DATE_FORMAT')}"


#: The empty first choice of a select that must be chosen (Django's own words, which its
#: zh-hans catalogue leaves untranslated: ours translates them).
BLANK_CHOICE = ("", _("- Select an option -"))


class InteractionForm(forms.Form):
    """A quick entry: channel, outcome, whether contact data was verified, next step.
    Channel and outcome start empty and must be chosen: nothing is preselected, so an
    empty submission is refused instead of saved as a phone call that reached the customer."""

    channel = forms.ChoiceField(label=_("Channel"), choices=[BLANK_CHOICE, *Channel.choices])
    outcome = forms.ChoiceField(label=_("Outcome"), choices=[BLANK_CHOICE, *Outcome.choices])
    contact_verified = forms.BooleanField(label=_("Contact data verified"), required=False)
    notes = forms.CharField(
        label=_("Notes"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )
    next_step = forms.CharField(label=_("Next step"), required=False, max_length=300)
    next_step_on = forms.DateField(
        label=_("Next step on"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    task = TaskChoiceField(label=_("Task"), queryset=Task.objects.none(), required=False)
    complete_task = forms.BooleanField(label=_("This completes the task"), required=False)

    def __init__(self, *args: Any, tasks: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if tasks is not None:
            field = self.fields["task"]
            if isinstance(field, forms.ModelChoiceField):
                field.queryset = tasks
