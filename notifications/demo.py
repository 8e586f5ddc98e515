"""The demo digest of `make run` (seed_demo): a schedule that sends the daily digest every five
minutes, and notices waiting for it, so a newcomer sees a digest arrive (in `var/mail/`) within
minutes instead of at 07:00 tomorrow.

The notices are the real ones of "new project in your space" (`receivers.on_project_created`)
for the three newest projects of Mobilität & Energie, to the people who work on them
(koordination@, mitglied@ and dv.bvm@example.org among them). They are written only while none
is waiting for a daily digest: a second seed changes nothing, and a seed after a digest went out
gives the next one something to show.
"""

from __future__ import annotations

from django.conf import settings
from django.db import transaction
from django_celery_beat.models import CrontabSchedule, PeriodicTask

from core.audiences import SYSTEM_ACTOR
from projects.models import Project

from .kinds import Channel
from .models import MailStatus, Notification
from .receivers import on_project_created

DEMO_DIGEST_TASK = "Demo: Tagesübersicht alle 5 Minuten"
DEMO_DIGEST_MINUTES = 5
DEMO_SPACE = "mobilitaet-energie"


def seed_demo_digest() -> int:
    """The demo schedule, and the notices for its next run; returns how many were written."""
    with transaction.atomic():
        every, _ = CrontabSchedule.objects.get_or_create(
            minute=f"*/{DEMO_DIGEST_MINUTES}",
            hour="*",
            day_of_week="*",
            day_of_month="*",
            month_of_year="*",
            timezone=settings.CELERY_TIMEZONE,
        )
        PeriodicTask.objects.update_or_create(
            name=DEMO_DIGEST_TASK,
            defaults={
                "task": "notifications.tasks.send_daily_digests",
                "crontab": every,
                "interval": None,
                "enabled": True,
                "description": (
                    "Nur für die Demo (seed_demo): die tägliche Übersicht alle "
                    f"{DEMO_DIGEST_MINUTES} Minuten statt um "
                    f"{':'.join(f'{int(v):02d}' for v in settings.NOTIFICATION_DAILY_DIGEST_AT)}."
                ),
            },
        )
        waiting = Notification.objects.filter(
            mail_status=MailStatus.DIGEST, channel=Channel.DAILY, digest=None
        )
        if waiting.exists():
            return 0
        before = Notification.objects.count()
        projects = Project.objects.filter(primary_space__slug=DEMO_SPACE).order_by("-pk")[:3]
        for project in projects:
            on_project_created(project=project, actor=SYSTEM_ACTOR)
        return Notification.objects.count() - before
