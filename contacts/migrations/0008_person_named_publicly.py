from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("contacts", "0007_user_invited_account")]

    operations = [
        migrations.AddField(
            model_name="person",
            name="named_publicly",
            field=models.BooleanField(
                default=False,
                help_text=(
                    "Als Ansprechperson öffentlicher Projekte sehen auch Besucherinnen und "
                    "Besucher ohne Anmeldung Ihren Namen und Ihre Funktion (nie E-Mail oder "
                    "Telefon)."
                ),
                verbose_name="Name öffentlich nennen",
            ),
        ),
    ]
