"""Several budget lines per project, year, cost category and funding source (issue 16): each
line gets a description, and the key that must be unique includes it.

Existing lines keep an empty description: each is alone with its key, as the old constraint
required. On SQLite the table is rebuilt, so the budget summary's triggers are paused.
"""

from django.db import migrations, models

from core.migration_ops import sqlite_triggers_paused


class Migration(migrations.Migration):
    dependencies = [("projects", "0009_reference_names_en")]

    operations = sqlite_triggers_paused(
        migrations.RemoveConstraint(
            model_name="budgetline",
            name="budget_line_unique_per_year_category_source",
        ),
        migrations.AddField(
            model_name="budgetline",
            name="description",
            field=models.CharField(
                blank=True,
                help_text=(
                    "Unterscheidet Zeilen derselben Kostenart und Quelle, z. B. „E 13 Team "
                    "Plattform“; Pflicht, sobald es mehrere solche Zeilen gibt."
                ),
                max_length=100,
                verbose_name="Bezeichnung",
            ),
        ),
        migrations.AddConstraint(
            model_name="budgetline",
            constraint=models.UniqueConstraint(
                fields=("project", "fiscal_year", "category", "funding_source", "description"),
                name="budget_line_unique_per_key_and_description",
                violation_error_message=(
                    "Für dieses Jahr gibt es bereits eine Zeile mit dieser Kostenart, Quelle und "
                    "Bezeichnung."
                ),
            ),
        ),
    )
