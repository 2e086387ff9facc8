"""Report jobs: ordering one (and enqueuing it) and building it in the worker."""

from __future__ import annotations

import logging

from django.utils import timezone

from finsam.lib.jobs import claim

from .models import Rapportjobb, Status
from .renderers import render
from .tabeller import Omfattning

logger = logging.getLogger(__name__)

KO_FEL = (
    "Rapporttjänsten svarar inte just nu, så rapporten kunde inte startas. Försök igen om en stund."
)


def order_report(
    *, user, ar: int, omfattning: str, kod: str, format: str, undertryck: bool
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
        status=Status.VANTAR,
        felmeddelande="",
        startad=None,
        klar=None,
        heartbeat=None,
        worker="",
        starts=0,
    )
    jobb.refresh_from_db()
    return enqueue(jobb)


def run_report(*, jobb_id: str) -> None:
    """Builds the file. Idempotent: a finished job, or one a live worker is building, is
    left alone; one whose worker died is rebuilt (finsam/lib/jobs.py); it completes once."""
    claimed = claim(Rapportjobb, jobb_id, status=Status.PAGAR, startad=timezone.now())
    if claimed is None:
        return
    with claimed:
        jobb = Rapportjobb.objects.defer("innehall").get(pk=jobb_id)
        try:
            cutoff = timezone.now()
            data = render(
                ar=jobb.ar,
                omfattning=Omfattning(jobb.omfattning, jobb.kod or None),
                undertryck=jobb.undertryck,
                format=jobb.format,
            )
        except Exception:
            logger.exception("report job %s failed", jobb.pk)
            claimed.finish(
                status=Status.FEL,
                felmeddelande="Rapporten kunde inte tas fram på grund av ett tekniskt fel. "
                "Försök igen; kvarstår felet, kontakta Finsams administratör.",
            )
            return
        claimed.finish(
            status=Status.KLAR,
            klar=timezone.now(),
            data_tidpunkt=cutoff,
            innehall=data,
            felmeddelande="",
        )
