"""A guest's membership ends at most 365 days after the day it is written (audit finding 2)."""

from django.db import migrations

from core.migration_ops import GUEST_UNTIL_WITHIN_365_DAYS, postgresql_check


class Migration(migrations.Migration):
    dependencies = [("spaces", "0002_reference_spaces")]

    operations = [
        postgresql_check(
            "spaces_membership",
            "membership_guest_until_within_limit",
            f"role <> 'guest' OR {GUEST_UNTIL_WITHIN_365_DAYS}",
        )
    ]
