from __future__ import annotations

from celery import shared_task


@shared_task(acks_late=True, reject_on_worker_lost=True, job_model="rapporter.Rapportjobb")
def build_report(jobb_id: str) -> None:
    """Takes only the job's id; running it again (after a lost worker) builds the same report."""
    from .services import run_report

    run_report(jobb_id=jobb_id)
