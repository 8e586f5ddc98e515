"""Officer roles are time-boxed like memberships (core.timebox): they can be ended early."""

from django.db import migrations, models
from django.db.models import Q


def end_past_roles(apps, schema_editor):
    # Roles whose end date passed count as ended, so the open-role constraint holds for them.
    import datetime as dt

    from django.utils import timezone

    DigitalOfficer = apps.get_model("contacts", "DigitalOfficer")
    today = timezone.localdate()
    for officer in DigitalOfficer.objects.filter(until__lt=today, ended_at__isnull=True):
        end = dt.datetime.combine(officer.until, dt.time(23, 59), tzinfo=dt.UTC)
        DigitalOfficer.objects.filter(pk=officer.pk).update(ended_at=end)


class Migration(migrations.Migration):
    dependencies = [("contacts", "0009_alter_digitalofficer_since_and_more")]

    operations = [
        migrations.RemoveConstraint(
            model_name="digitalofficer", name="officer_one_open_role_per_authority"
        ),
        migrations.AddField(
            model_name="digitalofficer",
            name="ended_at",
            field=models.DateTimeField(
                blank=True, editable=False, null=True, verbose_name="beendet am"
            ),
        ),
        migrations.RunPython(end_past_roles, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="digitalofficer",
            constraint=models.UniqueConstraint(
                condition=Q(ended_at__isnull=True),
                fields=("person", "authority"),
                name="officer_one_open_role_per_authority",
                violation_error_message="Diese Person ist für diese Behörde bereits benannt.",
            ),
        ),
    ]
