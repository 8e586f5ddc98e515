"""A guest is always external: guest memberships represent no authority (audit finding 3)."""

from django.db import migrations, models


def clear_guest_authorities(apps, schema_editor):
    Membership = apps.get_model("spaces", "Membership")
    Membership.objects.filter(role="guest", authority__isnull=False).update(authority=None)


class Migration(migrations.Migration):
    dependencies = [("spaces", "0003_membership_guest_until_limit")]

    operations = [
        migrations.RunPython(clear_guest_authorities, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="membership",
            constraint=models.CheckConstraint(
                condition=~models.Q(role="guest") | models.Q(authority__isnull=True),
                name="membership_guest_represents_no_authority",
                violation_error_message="Gäste sind immer externe Partner und vertreten keine Behörde.",
            ),
        ),
    ]
