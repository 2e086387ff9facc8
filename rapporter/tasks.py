from __future__ import annotations

from celery import shared_task

from finsam.lib.jobs import JobTask


@shared_task(
    base=JobTask, acks_late=True, reject_on_worker_lost=True, job_model="rapporter.Rapportjobb"
)
def build_report(jobb_id: str) -> None:
    """Takes only the job's id; running it again (after a lost worker) builds the same report."""
    from .services import run_report

    run_report(jobb_id=jobb_id)


@shared_task(acks_late=True, reject_on_worker_lost=True)
def uppdatera_fakta() -> int:
    """Brings the report's stored facts up to date (rapporter/fakta.py) if anything they
    are made of changed; beat runs it every FINSAM_RAPPORTFAKTA_SEKUNDER, so facts follow
    a write within a minute (`manage.py bench_aktuell`). Returns the scope-years counted
    (0 as well while another run is under way: that one or the next takes the writes)."""
    from .fakta import uppdatera_om_andrat

    return uppdatera_om_andrat() or 0
