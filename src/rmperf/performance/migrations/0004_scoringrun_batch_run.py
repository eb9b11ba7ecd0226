"""ScoringRun inherits core.runs.BatchRun: `result_count` becomes `row_count` and a run
can record a problem. Status values (succeeded, superseded) are the same in the one
RunStatus, so existing rows keep theirs."""

import django.utils.timezone
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("performance", "0003_manual_scores_reopen_cards"),
    ]

    operations = [
        migrations.RenameField(
            model_name="scoringrun", old_name="result_count", new_name="row_count"
        ),
        migrations.AddField(
            model_name="scoringrun",
            name="problem",
            field=models.TextField(blank=True, verbose_name="problem"),
        ),
        migrations.AlterField(
            model_name='scoringrun',
            name='finished_at',
            field=models.DateTimeField(blank=True, null=True, verbose_name='finished at'),
        ),
        migrations.AlterField(
            model_name='scoringrun',
            name='inputs_digest',
            field=models.CharField(blank=True, db_index=True, max_length=64, verbose_name='inputs digest'),
        ),
        migrations.AlterField(
            model_name='scoringrun',
            name='lake_path',
            field=models.CharField(blank=True, max_length=1000, verbose_name='lake path'),
        ),
        migrations.AlterField(
            model_name='scoringrun',
            name='row_count',
            field=models.PositiveIntegerField(default=0, verbose_name='rows written'),
        ),
        migrations.AlterField(
            model_name='scoringrun',
            name='started_at',
            field=models.DateTimeField(default=django.utils.timezone.now, verbose_name='started at'),
        ),
        migrations.AlterField(
            model_name='scoringrun',
            name='status',
            field=models.CharField(choices=[('running', 'Running'), ('succeeded', 'Succeeded'), ('superseded', 'Superseded'), ('failed', 'Failed')], default='running', max_length=16, verbose_name='status'),
        ),
    ]
