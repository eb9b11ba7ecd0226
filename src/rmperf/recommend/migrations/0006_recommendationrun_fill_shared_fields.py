"""Fill the shared run fields of the recommendation runs stored before the one run model:
finished when they started, the recommended and withheld rows as their rows, the actor's
username (or `system`) as the actor label. A migration of its own: PostgreSQL refuses
the schema change's deferred index after an UPDATE in the same transaction."""

from django.db import migrations
from django.db.models import F


def fill_existing(apps, schema_editor):  # type: ignore[no-untyped-def]
    RecommendationRun = apps.get_model("recommend", "RecommendationRun")
    RecommendationRun.objects.update(
        finished_at=F("started_at"), row_count=F("recommended") + F("withheld")
    )
    for run in RecommendationRun.objects.select_related("actor").order_by("pk").iterator():
        run.actor_label = run.actor.username if run.actor is not None else "system"
        run.save(update_fields=["actor_label"])


class Migration(migrations.Migration):
    dependencies = [
        ("recommend", "0005_recommendationrun_batch_run"),
    ]

    operations = [
        migrations.RunPython(fill_existing, migrations.RunPython.noop),
    ]
