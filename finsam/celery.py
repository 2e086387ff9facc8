from __future__ import annotations

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "finsam.settings")

# Every task gets the poison-message guard (finsam/lib/tasks.py).
app = Celery("finsam", task_cls="finsam.lib.tasks:GuardedTask")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
