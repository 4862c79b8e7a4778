import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("reinforcement", "0020_memory_fit_likelihood"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="RepMemory",
            fields=[
                (
                    "rep",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        primary_key=True,
                        related_name="rep_memory",
                        serialize=False,
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "forgetting",
                    models.FloatField(
                        help_text=(
                            "How many times as fast as the organization's model "
                            "the rep forgets."
                        )
                    ),
                ),
                (
                    "forgetting_low",
                    models.FloatField(help_text="90% interval, lower end."),
                ),
                (
                    "forgetting_high",
                    models.FloatField(help_text="90% interval, upper end."),
                ),
                (
                    "answers",
                    models.PositiveIntegerField(
                        help_text=(
                            "Scored answers the fit rests on (a day or more after "
                            "the last)."
                        )
                    ),
                ),
                ("fitted_at", models.DateTimeField()),
                (
                    "organization",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="rep_memories",
                        to="enablement.organization",
                    ),
                ),
            ],
        ),
    ]
