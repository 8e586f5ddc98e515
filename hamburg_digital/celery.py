"""Celery app: broker from REDIS_URL or CELERY_BROKER_URL (`make run`: filesystem://, no server);
without one, tasks run in-process (see settings)."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hamburg_digital.settings")

app = Celery("hamburg_digital")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
