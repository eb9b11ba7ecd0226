"""Fill the shared run fields of the task runs stored before the one run model: the
tasks created and closed as their rows, the actor's username (or `system`) as the
actor label. A migration of its own: PostgreSQL refuses the schema change's deferred
index after an UPDATE in the same transaction."""

from django.db import migrations
from django.db.models import F


def fill_existing(apps, schema_editor):  # type: ignore[no-untyped-def]
    TaskRun = apps.get_model("rm_tasks", "TaskRun")
    TaskRun.objects.update(row_count=F("created") + F("closed"))
    for run in TaskRun.objects.select_related("actor").order_by("pk").iterator():
        run.actor_label = run.actor.username if run.actor is not None else "system"
        run.save(update_fields=["actor_label"])


class Migration(migrations.Migration):
    dependencies = [
        ("rm_tasks", "0003_taskrun_batch_run"),
    ]

    operations = [
        migrations.RunPython(fill_existing, migrations.RunPython.noop),
    ]
