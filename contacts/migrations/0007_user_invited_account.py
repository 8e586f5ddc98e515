"""Accounts created by accepting an invitation: their access ends with it (audit finding 3)."""

from django.db import migrations, models
from django.db.models import F, Q


def mark_invited_accounts(apps, schema_editor):
    User = apps.get_model("contacts", "User")
    Invitation = apps.get_model("contacts", "Invitation")
    # Accounts that first appeared when they accepted: created after the invitation was made.
    invited = Invitation.objects.filter(
        accepted_by__isnull=False, accepted_by__date_joined__gte=F("created_at")
    ).values("accepted_by_id")
    User.objects.filter(is_itd_staff=False).filter(
        Q(pk__in=invited) | Q(person__authority__isnull=True)
    ).update(invited_account=True)


class Migration(migrations.Migration):
    dependencies = [("contacts", "0006_invitation_until_limit")]

    operations = [
        migrations.AddField(
            model_name="user",
            name="invited_account",
            field=models.BooleanField(
                default=False,
                help_text="Das Konto entstand durch eine Einladung; es endet mit deren Zugängen.",
                verbose_name="Zugang nur über Einladungen",
            ),
        ),
        migrations.RunPython(mark_invited_accounts, migrations.RunPython.noop),
    ]
