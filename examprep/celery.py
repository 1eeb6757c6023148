"""The Celery app. Workers start with `celery -A examprep worker -Q default,sandbox`."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "examprep.settings")

app = Celery("examprep")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
