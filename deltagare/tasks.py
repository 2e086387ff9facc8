from __future__ import annotations

from celery import shared_task
from django.conf import settings
from django.utils import timezone


@shared_task
def gallra() -> int:
    """Beat runs this daily; it does nothing while FINSAM_GALLRING_AR is 0."""
    from .services import gallra as run

    if not settings.FINSAM_GALLRING_AR:
        return 0
    return len(run(ar=settings.FINSAM_GALLRING_AR, today=timezone.localdate()))
