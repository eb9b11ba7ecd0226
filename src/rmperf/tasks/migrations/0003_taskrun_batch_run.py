"""TaskRun inherits core.runs.BatchRun: `started_by` becomes `actor` (with its label),
and the run gets a status and a row count. Every stored run finished in the transaction
that created it, so existing runs are `succeeded`, with the tasks they created and
closed as their rows."""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models
from django.db.models import F


def fill_existing(apps, schema_editor):  # type: ignore[no-untyped-def]
    TaskRun = apps.get_model("rm_tasks", "TaskRun")
    TaskRun.objects.update(row_count=F("created") + F("closed"))
    for run in TaskRun.objects.select_related("actor").order_by("pk").iterator():
        run.actor_label = run.actor.username if run.actor is not None else "system"
        run.save(update_fields=["actor_label"])


class Migration(migrations.Migration):
    dependencies = [
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
        ("rm_tasks", "0002_taskrun_policy_taskrun_policy_label"),
    ]

    operations = [
        migrations.RenameField(model_name="taskrun", old_name="started_by", new_name="actor"),
        migrations.AddField(
            model_name="taskrun",
            name="status",
            field=models.CharField(default="succeeded", max_length=16, verbose_name="status"),
        ),
        migrations.AddField(
            model_name="taskrun",
            name="actor_label",
            field=models.CharField(default="", max_length=150, verbose_name="actor label"),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="taskrun",
            name="row_count",
            field=models.PositiveIntegerField(default=0, verbose_name="rows written"),
        ),
        migrations.AddField(
            model_name="taskrun",
            name="inputs_digest",
            field=models.CharField(
                blank=True, db_index=True, max_length=64, verbose_name="inputs digest"
            ),
        ),
        migrations.AddField(
            model_name="taskrun",
            name="problem",
            field=models.TextField(blank=True, verbose_name="problem"),
        ),
        migrations.RunPython(fill_existing, migrations.RunPython.noop),
        migrations.AlterField(
            model_name='taskrun',
            name='actor',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='actor'),
        ),
        migrations.AlterField(
            model_name='taskrun',
            name='finished_at',
            field=models.DateTimeField(blank=True, null=True, verbose_name='finished at'),
        ),
        migrations.AlterField(
            model_name='taskrun',
            name='lake_path',
            field=models.CharField(blank=True, max_length=1000, verbose_name='lake path'),
        ),
        migrations.AlterField(
            model_name='taskrun',
            name='started_at',
            field=models.DateTimeField(default=django.utils.timezone.now, verbose_name='started at'),
        ),
        migrations.AlterField(
            model_name='taskrun',
            name='status',
            field=models.CharField(choices=[('running', 'Running'), ('succeeded', 'Succeeded'), ('superseded', 'Superseded'), ('failed', 'Failed')], default='running', max_length=16, verbose_name='status'),
        ),
    ]
