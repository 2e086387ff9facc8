from __future__ import annotations

from celery import shared_task
from celery.signals import before_task_publish
from django.core.management import call_command
from django.db import transaction

from finsam.lib import health

# The import pipeline's task is defined beside the pipeline; the worker finds it here.
from .importjobb import importjobb as importjobb
from .importjobb import rensa

HEARTBEAT = "forbund.tasks.heartbeat"


@shared_task
def clear_expired_sessions() -> None:
    """Beat runs this daily: sessions live in PostgreSQL and must not pile up."""
    call_command("clearsessions")


@shared_task(name=HEARTBEAT, ignore_result=True)
def heartbeat() -> None:
    """Beat sends this every minute; running it shows that a worker takes jobs."""
    health.record("worker")


@before_task_publish.connect
def _beat_sent_heartbeat(sender: str | None = None, **kwargs) -> None:
    # Only beat sends the heartbeat: sending it shows that beat schedules.
    if sender == HEARTBEAT:
        health.record("beat")


@shared_task
def send_password_reset(user_id: int, base_url: str) -> None:
    """The new-password mail, off the request so that its timing tells nothing."""
    from .account_services import send_engangslank
    from .models import Engangslank, User

    user = User.objects.filter(pk=user_id, is_active=True).first()
    if user is not None and user.email:
        send_engangslank(user=user, syfte=Engangslank.Syfte.NYTT_LOSENORD, base_url=base_url)


@shared_task
def rensa_importer() -> int:
    """Beat runs this hourly: uploaded files are kept at most a day, whether or not anyone
    uploads again."""
    return rensa()


@transaction.atomic
def request_password_reset(*, email: str, base_url: str) -> None:
    """Queue a new-password mail if an active account has the address; otherwise nothing.
    The caller answers the same either way."""
    from .models import User

    user = User.objects.filter(email__iexact=email.strip(), is_active=True).first()
    if user is not None and user.email:
        transaction.on_commit(lambda: send_password_reset.delay(user.pk, base_url))
