"""Invitations are time-boxed like the access they grant (core.timebox): `since`, `until`, and
`ended_at` (formerly `revoked_at`)."""

import core.dates
from django.db import migrations, models
from django.db.models import Q


def since_from_created(apps, schema_editor):
    from django.utils import timezone

    Invitation = apps.get_model("access", "Invitation")
    for invitation in Invitation.objects.all():
        since = timezone.localtime(invitation.created_at).date()
        Invitation.objects.filter(pk=invitation.pk).update(since=min(since, invitation.until))


class Migration(migrations.Migration):
    dependencies = [("access", "0001_initial")]

    operations = [
        migrations.RemoveConstraint(
            model_name="invitation", name="invitation_not_accepted_and_revoked"
        ),
        migrations.RenameField(model_name="invitation", old_name="revoked_at", new_name="ended_at"),
        migrations.AlterField(
            model_name="invitation",
            name="ended_at",
            field=models.DateTimeField(
                blank=True, editable=False, null=True, verbose_name="beendet am"
            ),
        ),
        migrations.AddField(
            model_name="invitation",
            name="since",
            field=models.DateField(
                default=core.dates.today,
                validators=[core.dates.validate_plausible_date],
                verbose_name="seit",
            ),
        ),
        migrations.RunPython(since_from_created, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="invitation",
            name="until",
            field=models.DateField(
                validators=[core.dates.validate_plausible_date], verbose_name="Zugang bis"
            ),
        ),
        migrations.AddConstraint(
            model_name="invitation",
            constraint=models.CheckConstraint(
                condition=Q(accepted_at__isnull=True) | Q(ended_at__isnull=True),
                name="invitation_not_accepted_and_revoked",
            ),
        ),
    ]
