from __future__ import annotations

from celery import shared_task

# The report job's task is defined beside the service that enqueues it; the worker finds
# it here.
from .services import build_report as build_report


@shared_task(acks_late=True, reject_on_worker_lost=True)
def uppdatera_fakta() -> int:
    """Brings the report's stored facts up to date (rapporter/fakta.py) if anything they
    are made of changed; beat runs it every FINSAM_RAPPORTFAKTA_SEKUNDER, so facts follow
    a write within a minute (`manage.py bench_aktuell`). Returns the scope-years counted
    (0 as well while another run is under way: that one or the next takes the writes)."""
    from .uppdatering import uppdatera_om_andrat

    return uppdatera_om_andrat() or 0
