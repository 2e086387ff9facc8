from __future__ import annotations

from celery import shared_task


@shared_task
def rensa_importfiler() -> int:
    """Beat runs this hourly: an uploaded förbund/insatser file not confirmed within a day
    is deleted, whether or not anyone uploads again."""
    from .models import Importfil

    deleted, _ = Importfil.objects.expired().delete()
    return deleted
