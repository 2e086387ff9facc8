from __future__ import annotations

from celery import shared_task
from django.core.management import call_command


@shared_task
def clear_expired_sessions() -> None:
    """Beat runs this daily: sessions live in PostgreSQL and must not pile up."""
    call_command("clearsessions")
