# The CRM ingest: the deal's stage entry time, and the public key id of each
# webhook secret (filled for existing rows one by one: unique).

from django.db import migrations, models

import revenue.models


def _fill_key_ids(apps, schema_editor):
    WebhookSecret = apps.get_model("revenue", "WebhookSecret")
    for row in WebhookSecret.objects.filter(key_id__isnull=True):
        row.key_id = revenue.models.webhook_key_new()
        row.save(update_fields=["key_id"])


class Migration(migrations.Migration):
    dependencies = [
        ("revenue", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="opportunity",
            name="stage_changed_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="webhooksecret",
            name="key_id",
            field=models.CharField(max_length=40, null=True),
        ),
        migrations.RunPython(_fill_key_ids, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="webhooksecret",
            name="key_id",
            field=models.CharField(
                default=revenue.models.webhook_key_new, max_length=40, unique=True
            ),
        ),
    ]
