"""Report jobs: ordering one (and enqueuing it) and building it in the worker."""

from __future__ import annotations

import logging

from django.db import transaction
from django.utils import timezone

from .models import Rapportjobb, Status
from .renderers import render
from .tabeller import Omfattning

logger = logging.getLogger(__name__)

KO_FEL = (
    "Rapporttjänsten svarar inte just nu, så rapporten kunde inte startas. Försök igen om en stund."
)


def order_report(
    *,
    user,
    ar: int,
    omfattning: str,
    kod: str,
    format: str,
    undertryck: bool,
    diarienummer: str = "",
    kommentar: str = "",
) -> Rapportjobb:
    """Saves the job, then enqueues it. If the queue (Redis) cannot be reached the job is
    marked failed with a Swedish message within a few seconds, and can be retried."""
    jobb = Rapportjobb.objects.create(
        bestalld_av=user,
        ar=ar,
        omfattning=omfattning,
        kod=kod,
        format=format,
        undertryck=undertryck,
        diarienummer=diarienummer,
        kommentar=kommentar,
    )
    enqueue(jobb)
    return jobb


def enqueue(jobb: Rapportjobb) -> bool:
    from .tasks import build_report

    try:
        build_report.delay(str(jobb.pk))
    except Exception:  # kombu raises several connection errors; all mean "queue unreachable"
        logger.warning("report job %s could not be enqueued", jobb.pk, exc_info=True)
        Rapportjobb.objects.filter(pk=jobb.pk).update(status=Status.FEL, felmeddelande=KO_FEL)
        jobb.refresh_from_db()
        return False
    return True


def retry(*, jobb: Rapportjobb) -> bool:
    Rapportjobb.objects.filter(pk=jobb.pk).update(
        status=Status.VANTAR, felmeddelande="", startad=None, klar=None
    )
    jobb.refresh_from_db()
    return enqueue(jobb)


def run_report(*, jobb_id: str) -> None:
    """Builds the file. Idempotent: a finished job is left alone; an interrupted one is rebuilt."""
    with transaction.atomic():
        jobb = Rapportjobb.objects.select_for_update().filter(pk=jobb_id).first()
        if jobb is None or jobb.status == Status.KLAR:
            return
        jobb.status = Status.PAGAR
        jobb.startad = timezone.now()
        jobb.save(update_fields=["status", "startad"])
    try:
        cutoff = timezone.now()
        data = render(
            ar=jobb.ar,
            omfattning=Omfattning(jobb.omfattning, jobb.kod or None),
            undertryck=jobb.undertryck,
            format=jobb.format,
            bestallning=jobb.bestallning,
        )
    except Exception:
        logger.exception("report job %s failed", jobb.pk)
        Rapportjobb.objects.filter(pk=jobb.pk).update(
            status=Status.FEL,
            felmeddelande="Rapporten kunde inte tas fram på grund av ett tekniskt fel. "
            "Försök igen; kvarstår felet, kontakta Finsams administratör.",
        )
        return
    Rapportjobb.objects.filter(pk=jobb.pk).update(
        status=Status.KLAR,
        klar=timezone.now(),
        data_tidpunkt=cutoff,
        innehall=data,
        felmeddelande="",
    )
