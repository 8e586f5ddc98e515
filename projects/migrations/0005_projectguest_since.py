"""Project guests are time-boxed like memberships (core.timebox): they have a start."""

import core.dates
from django.db import migrations, models
from django.db.models import F, Q


def since_from_created(apps, schema_editor):
    from django.utils import timezone

    ProjectGuest = apps.get_model("projects", "ProjectGuest")
    for guest in ProjectGuest.objects.all():
        since = timezone.localtime(guest.created_at).date()
        ProjectGuest.objects.filter(pk=guest.pk).update(since=min(since, guest.until))


class Migration(migrations.Migration):
    dependencies = [("projects", "0004_plausible_dates_and_slugs")]

    operations = [
        migrations.AddField(
            model_name="projectguest",
            name="since",
            field=models.DateField(
                default=core.dates.today,
                validators=[core.dates.validate_plausible_date],
                verbose_name="seit",
            ),
        ),
        migrations.RunPython(since_from_created, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="projectguest",
            name="until",
            field=models.DateField(
                validators=[core.dates.validate_plausible_date], verbose_name="bis"
            ),
        ),
        migrations.AddConstraint(
            model_name="projectguest",
            constraint=models.CheckConstraint(
                condition=Q(until__gte=F("since")),
                name="project_guest_until_after_since",
                violation_error_message="Das Ende darf nicht vor dem Beginn liegen.",
            ),
        ),
    ]
