"""A project guest's access ends at most 365 days after the day it is written (audit finding 2)."""

from django.db import migrations

from core.migration_ops import GUEST_UNTIL_WITHIN_365_DAYS, postgresql_check


class Migration(migrations.Migration):
    dependencies = [("projects", "0002_reference_budget")]

    operations = [
        postgresql_check(
            "projects_projectguest", "project_guest_until_within_limit", GUEST_UNTIL_WITHIN_365_DAYS
        )
    ]
