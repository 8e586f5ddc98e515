"""An invitation's access ends at most 365 days after the day it is written (audit finding 2)."""

from django.db import migrations

from core.migration_ops import GUEST_UNTIL_WITHIN_365_DAYS, postgresql_check


class Migration(migrations.Migration):
    dependencies = [("contacts", "0005_encrypt_mfa_secrets")]

    operations = [
        postgresql_check(
            "contacts_invitation", "invitation_until_within_limit", GUEST_UNTIL_WITHIN_365_DAYS
        )
    ]
