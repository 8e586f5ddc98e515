"""Invitations move to the access app (the layer above projects); the table moves with them in
access.0001, here only the contacts app forgets the model."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("contacts", "0010_officer_ended_at"), ("access", "0001_initial")]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="Invitation")], database_operations=[]
        )
    ]
