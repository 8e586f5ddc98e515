"""English names for the cost categories and funding sources of the reference data.

Safe to run again: rows are matched by code; a name someone has set by hand is kept.
"""

from django.db import migrations, models

from core.migration_ops import sqlite_triggers_paused

CATEGORIES_EN = {
    "personal": "Personnel costs",
    "sach": "Material costs",
    "it-dl": "IT services (Dataport)",
    "invest": "Investments",
    "gemein": "Overheads (full-cost surcharge)",
}
SOURCES_EN = {
    "itd": "ITD strategy budget",
    "eigen": "The authority's own funds",
    "bund": "Federal funds",
    "eu": "EU funds",
}


def load(apps, schema_editor):
    for model, names in (("CostCategory", CATEGORIES_EN), ("FundingSource", SOURCES_EN)):
        rows = apps.get_model("projects", model).objects
        for code, name_en in names.items():
            rows.filter(code=code, name_en="").update(name_en=name_en)


class Migration(migrations.Migration):
    dependencies = [("projects", "0008_project_search_index")]

    operations = [
        *sqlite_triggers_paused(
            migrations.AddField(
                model_name="costcategory",
                name="name_en",
                field=models.CharField(
                    blank=True, max_length=120, verbose_name="Bezeichnung (englisch)"
                ),
            ),
            migrations.AddField(
                model_name="fundingsource",
                name="name_en",
                field=models.CharField(
                    blank=True, max_length=120, verbose_name="Bezeichnung (englisch)"
                ),
            ),
        ),
        migrations.RunPython(load, migrations.RunPython.noop),
    ]
