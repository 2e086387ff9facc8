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


@shared_task(acks_late=True, reject_on_worker_lost=True, job_model="deltagare.Importjobb")
def importjobb(jobb_id: str, step: str) -> None:
    """Check (`granska`) or import (`importera`) an uploaded file; only the job's id travels."""
    from .importjobb import run

    run(jobb_id, step)


@shared_task
def rensa_importer() -> int:
    """Beat runs this hourly: uploaded files are kept at most a day."""
    from .importjobb import rensa

    return rensa()
