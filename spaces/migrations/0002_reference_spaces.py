"""Load the seven Digital Spaces. Safe to run again: matched by slug, never duplicated."""

from django.db import migrations


def load(apps, schema_editor):
    from core.reference import load_spaces

    load_spaces(apps.get_model("spaces", "Space"))


class Migration(migrations.Migration):
    dependencies = [("spaces", "0001_initial")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
