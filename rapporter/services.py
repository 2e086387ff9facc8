"""Report jobs: ordering one (and enqueuing it) and building it in the worker."""

from __future__ import annotations

import logging

from celery import shared_task
from django.db import transaction
from django.utils import timezone

from finsam.lib.jobs import JobTask, claim, enqueues

from .disclosure import DisclosureError, verify
from .godkannande import rapport_for
from .models import Format, Rapportfil, Rapportjobb, Status
from .presentation import Bestallning
from .renderers import to_json, to_xlsx
from .tabeller import RELATIONER, Omfattning

logger = logging.getLogger(__name__)

ROJANDE_FEL = (
    "Rapporten lämnades inte ut: granskningen av de undertryckta värdena visade att något av "
    "dem skulle kunna räknas fram ur det rapporten visar. Kontakta Finsams administratör."
)
KO_FEL = (
    "Rapporttjänsten svarar inte just nu, så rapporten kunde inte startas. Försök igen om en stund."
)


def order_report(
    *,
    user,
    ar: int,
    omfattning: str,
    kod: str,
    formats: list[str],
    undertryck: bool,
    diarienummer: str = "",
    kommentar: str = "",
) -> Rapportjobb:
    """Saves the job (one or more formats), then enqueues it once. If the queue (Redis)
    cannot be reached the job is marked failed with a Swedish message within a few
    seconds, and can be retried."""
    jobb = Rapportjobb.objects.create(
        bestalld_av=user,
        ar=ar,
        omfattning=omfattning,
        kod=kod,
        formats=formats,
        undertryck=undertryck,
        diarienummer=diarienummer,
        kommentar=kommentar,
    )
    enqueue(jobb)
    return jobb


@enqueues(Rapportjobb)
def enqueue(jobb: Rapportjobb) -> bool:
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


# The task lives beside the service that enqueues it (rapporter.tasks re-exports it, under
# its name there, for the worker): the service sends it, and it runs the service.
@shared_task(
    name="rapporter.tasks.build_report",
    base=JobTask,
    acks_late=True,
    reject_on_worker_lost=True,
    job_model="rapporter.Rapportjobb",
)
def build_report(jobb_id: str) -> None:
    """Takes only the job's id; running it again (after a lost worker) builds the same report."""
    run_report(jobb_id=jobb_id)


def run_report(*, jobb_id: str) -> None:
    """Builds the files. Idempotent: a finished job, or one a live worker is building, is
    left alone; one whose worker died is rebuilt (finsam/lib/jobs.py); it completes once:
    the files and the outcome are written together, and only while the job is still ours."""
    claimed = claim(Rapportjobb, jobb_id, status=Status.PAGAR, startad=timezone.now())
    if claimed is None:
        return
    with claimed:
        jobb = Rapportjobb.objects.select_related("bestalld_av").get(pk=jobb_id)
        try:
            cutoff = timezone.now()
            files = render_formats(
                ar=jobb.ar,
                omfattning=Omfattning(jobb.omfattning, jobb.kod or None),
                undertryck=jobb.undertryck,
                formats=jobb.formats,
                bestallning=jobb.bestallning,
            )
        except DisclosureError as error:
            # The cells by name only: never a count.
            logger.error("report job %s withheld by the disclosure audit: %s", jobb.pk, error)
            claimed.finish(status=Status.FEL, felmeddelande=ROJANDE_FEL)
            return
        except Exception:
            logger.exception("report job %s failed", jobb.pk)
            claimed.finish(
                status=Status.FEL,
                felmeddelande="Rapporten kunde inte tas fram på grund av ett tekniskt fel. "
                "Försök igen; kvarstår felet, kontakta Finsams administratör.",
            )
            return
        with transaction.atomic():
            Rapportfil.objects.filter(jobb=jobb).delete()
            Rapportfil.objects.bulk_create(
                Rapportfil(jobb=jobb, format=f, innehall=data) for f, data in files.items()
            )
            claimed.finish_or_undo(
                status=Status.KLAR, klar=timezone.now(), data_tidpunkt=cutoff, felmeddelande=""
            )


def render(
    *,
    ar: int,
    omfattning: Omfattning,
    undertryck: bool,
    format: str,
    bestallning: Bestallning | None = None,
) -> bytes:
    """One report in one format (`manage.py aterrapportering`), as a job builds it."""
    return render_formats(
        ar=ar,
        omfattning=omfattning,
        undertryck=undertryck,
        formats=[format],
        bestallning=bestallning,
    )[format]


def render_formats(
    *,
    ar: int,
    omfattning: Omfattning,
    undertryck: bool,
    formats: list[str],
    bestallning: Bestallning | None = None,
) -> dict[str, bytes]:
    """Every asked-for format from one computation of the year's tables (T19 carries the
    earlier years the PDF's summary reads); a förbund's approved year from its approved
    version, anything else marked preliminary where not approved (rapporter.godkannande).
    A suppressed report is audited first and not rendered if it fails (DisclosureError)."""
    rapport, status = rapport_for(ar=ar, omfattning=omfattning, undertryck=undertryck)
    verify(rapport, RELATIONER)
    files: dict[str, bytes] = {}
    for f in formats:
        if f == Format.JSON:
            files[f] = to_json(rapport, status)
        elif f == Format.XLSX:
            files[f] = to_xlsx(rapport, bestallning, status)
        elif f == Format.PDF:
            from .pdf import render_pdf  # WeasyPrint and matplotlib: only where PDFs are made

            files[f] = render_pdf(rapport, bestallning=bestallning, status=status)
        else:
            raise ValueError(f"unknown format {f!r}")
    return files
