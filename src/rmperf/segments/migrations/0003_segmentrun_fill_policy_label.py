"""Name the policy of the segmentation runs stored before the one run model (`<kind>
<label>` of their stored version). A migration of its own: PostgreSQL refuses the
schema change's deferred index after an UPDATE in the same transaction."""

from django.db import migrations


def fill_policy_label(apps, schema_editor):  # type: ignore[no-untyped-def]
    SegmentRun = apps.get_model("segments", "SegmentRun")
    for run in SegmentRun.objects.select_related("policy").order_by("pk").iterator():
        run.policy_label = f"{run.policy.kind} {run.policy.label}"
        run.save(update_fields=["policy_label"])


class Migration(migrations.Migration):
    dependencies = [
        ("segments", "0002_segmentrun_batch_run"),
    ]

    operations = [
        migrations.RunPython(fill_policy_label, migrations.RunPython.noop),
    ]
