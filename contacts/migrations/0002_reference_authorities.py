"""Load Hamburg's authorities (and ITD as a unit of the Senatskanzlei). Safe to run again."""

from django.db import migrations


def load(apps, schema_editor):
    from core.reference import load_authorities

    load_authorities(apps.get_model("contacts", "Authority"))


class Migration(migrations.Migration):
    dependencies = [("contacts", "0001_initial")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
