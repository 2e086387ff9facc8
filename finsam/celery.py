from __future__ import annotations

import os

from celery import Celery
from celery.signals import worker_init, worker_process_init

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "finsam.settings")

# Every task gets the poison-message guard (finsam/lib/tasks.py).
app = Celery("finsam", task_cls="finsam.lib.tasks:GuardedTask")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@worker_init.connect
@worker_process_init.connect
def warm_up_pdf(**_kwargs) -> None:
    """The worker imports WeasyPrint and matplotlib when it starts (its processes inherit
    them), and each of its processes loads its own fonts into WeasyPrint, not during the
    first PDF a user waits for (rapporter.pdf.warm_up)."""
    from rapporter.pdf import warm_up

    warm_up()
