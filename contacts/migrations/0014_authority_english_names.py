"""The reference authorities' English names, for the portal's English interface.

Only empty English names are filled: a name changed in the administration stays.
"""

from django.db import migrations


def fill(apps, schema_editor):
    from core.reference import fill_authority_english_names

    fill_authority_english_names(apps.get_model("contacts", "Authority"))


class Migration(migrations.Migration):
    dependencies = [("contacts", "0013_user_name_index")]

    operations = [migrations.RunPython(fill, migrations.RunPython.noop)]
