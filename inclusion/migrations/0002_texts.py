"""The first texts of the four items in Leichte Sprache (inclusion/texts.py), so the page is
never empty; marked "nicht geprüft" until the test readers sign them off. An item that has a
text already keeps it."""

from django.db import migrations


def load(apps, schema_editor):
    from inclusion.texts import TEXTS

    EasyText = apps.get_model("inclusion", "EasyText")
    for item, (title, body) in TEXTS.items():
        EasyText.objects.get_or_create(
            item=item, defaults={"title": title, "body": body, "status": "not_checked"}
        )


class Migration(migrations.Migration):
    dependencies = [("inclusion", "0001_initial")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
