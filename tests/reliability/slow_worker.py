"""Finsam's Celery app for the worker-kill test (`celery -A tests.reliability.slow_worker worker`).

It is the application's own app and task; only the report renderer is wrapped, in the
pool processes, to write each run to an events file (FINSAM_TEST_EVENTS) and to hold the
first run of a job (FINSAM_TEST_HOLD_FIRST=1) so that the test can kill the worker in the
middle of the report. Nothing in the application reads these variables.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

from celery.signals import worker_process_init

from finsam.celery import app

__all__ = ["app"]


def _event(text: str) -> None:
    with Path(os.environ["FINSAM_TEST_EVENTS"]).open("a") as events:
        events.write(f"{text} {os.getpid()}\n")


@worker_process_init.connect
def _wrap_render(**kwargs) -> None:
    from rapporter import services

    original = services.render_formats

    def render(**options):
        events = Path(os.environ["FINSAM_TEST_EVENTS"])
        first = "start" not in (events.read_text() if events.exists() else "")
        _event("start")
        if first and os.environ.get("FINSAM_TEST_HOLD_FIRST") == "1":
            _event("held")
            time.sleep(600)  # the test kills the worker here
        data = original(**options)
        _event("done")
        return data

    services.render_formats = render
