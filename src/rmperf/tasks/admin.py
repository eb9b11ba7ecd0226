from django.contrib import admin

from rmperf.tasks.models import Interaction, Task, TaskRun


@admin.register(TaskRun)
class TaskRunAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = (
        "as_of", "proposed", "created", "closed", "skipped", "policy_label", "started_at",
    )  # fmt: skip
    readonly_fields = tuple(f.name for f in TaskRun._meta.fields)


@admin.register(Task)
class TaskAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("due_date", "kind", "customer", "staff", "status", "close_reason")
    list_filter = ("kind", "status")
    search_fields = ("customer__customer_id", "staff__staff_id")
    raw_id_fields = ("customer", "staff", "first_run", "closed_by")


@admin.register(Interaction)
class InteractionAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("ts", "channel", "outcome", "customer", "staff", "contact_verified")
    list_filter = ("channel", "outcome")
    raw_id_fields = ("customer", "staff", "task")
