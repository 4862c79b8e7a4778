from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("reinforcement", "0019_prompt_trigger"),
    ]

    operations = [
        migrations.AddField(
            model_name="memorymodelfit",
            name="likelihood",
            field=models.CharField(
                choices=[
                    ("grades", "Grades (FSRS optimizer, before 2026-12)"),
                    ("answers", "Answers, with the chance of a lucky guess"),
                ],
                default="grades",
                max_length=8,
            ),
        ),
        migrations.AddField(
            model_name="memorymodelfit",
            name="calibration",
            field=models.JSONField(
                blank=True,
                help_text=(
                    "The hold-out's reliability bins and log loss of a right answer, "
                    "for the model in use after this fit and for the FSRS-6 defaults."
                ),
                null=True,
            ),
        ),
    ]
