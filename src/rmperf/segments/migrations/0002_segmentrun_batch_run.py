"""SegmentRun inherits core.runs.BatchRun: `policy_version` becomes `policy`,
`customer_count` becomes `row_count`, and the run records its policy label (filled in
from the stored version for existing runs). Status values are unchanged."""

import django.db.models.deletion
from django.db import migrations, models


def fill_policy_label(apps, schema_editor):  # type: ignore[no-untyped-def]
    SegmentRun = apps.get_model("segments", "SegmentRun")
    for run in SegmentRun.objects.select_related("policy").order_by("pk").iterator():
        run.policy_label = f"{run.policy.kind} {run.policy.label}"
        run.save(update_fields=["policy_label"])


class Migration(migrations.Migration):
    dependencies = [
        ("segments", "0001_initial"),
        ("policies", "0002_alter_policyversion_kind"),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name="segmentrun", name="segment_run_one_per_date_and_policy"
        ),
        migrations.RenameField(
            model_name="segmentrun", old_name="policy_version", new_name="policy"
        ),
        migrations.RenameField(
            model_name="segmentrun", old_name="customer_count", new_name="row_count"
        ),
        migrations.AddConstraint(
            model_name="segmentrun",
            constraint=models.UniqueConstraint(
                condition=models.Q(("status", "succeeded")),
                fields=("as_of", "policy"),
                name="segment_run_one_per_date_and_policy",
            ),
        ),
        migrations.AddField(
            model_name="segmentrun",
            name="policy_label",
            field=models.CharField(blank=True, max_length=300, verbose_name="policy used"),
        ),
        migrations.AddField(
            model_name="segmentrun",
            name="inputs_digest",
            field=models.CharField(
                blank=True, db_index=True, max_length=64, verbose_name="inputs digest"
            ),
        ),
        migrations.RunPython(fill_policy_label, migrations.RunPython.noop),
        migrations.AlterField(
            model_name='segmentrun',
            name='lake_path',
            field=models.CharField(blank=True, max_length=1000, verbose_name='lake path'),
        ),
        migrations.AlterField(
            model_name='segmentrun',
            name='policy',
            field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='policies.policyversion', verbose_name='policy version'),
        ),
        migrations.AlterField(
            model_name='segmentrun',
            name='row_count',
            field=models.PositiveIntegerField(default=0, verbose_name='rows written'),
        ),
    ]
