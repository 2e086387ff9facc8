from __future__ import annotations

from celery import shared_task
from django.core.management import call_command


@shared_task
def clear_expired_sessions() -> None:
    """Beat runs this daily: sessions live in PostgreSQL and must not pile up."""
    call_command("clearsessions")


@shared_task
def send_password_reset(user_id: int, base_url: str) -> None:
    """The new-password mail, off the request so that its timing tells nothing."""
    from .account_services import send_engangslank
    from .models import Engangslank, User

    user = User.objects.filter(pk=user_id, is_active=True).first()
    if user is not None and user.email:
        send_engangslank(user=user, syfte=Engangslank.Syfte.NYTT_LOSENORD, base_url=base_url)
