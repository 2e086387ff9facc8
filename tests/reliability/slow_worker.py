"""Finsam's Celery app for the worker-kill test (`celery -A tests.reliability.slow_worker worker`).

It is the application's own app and tasks; only the report renderer and the import
job's work are wrapped, in the pool processes, to write each run to an events file (FINSAM_TEST_EVENTS) and to hold the
first run of a job (FINSAM_TEST_HOLD_FIRST=1) so that the test can kill the worker in the
middle of the report, or to abort the pool process in every run (FINSAM_TEST_ABORT=1), as
a file that makes the reader abort would. Nothing in the application reads these
variables.
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


def _instrumented(original):
    def run(*args, **kwargs):
        events = Path(os.environ["FINSAM_TEST_EVENTS"])
        first = "start" not in (events.read_text() if events.exists() else "")
        _event("start")
        if first and os.environ.get("FINSAM_TEST_HOLD_FIRST") == "1":
            _event("held")
            time.sleep(600)  # the test kills the worker here
        if os.environ.get("FINSAM_TEST_ABORT") == "1":
            os.abort()
        result = original(*args, **kwargs)
        _event("done")
        return result

    return run


@worker_process_init.connect
def _wrap_work(**kwargs) -> None:
    """The work of a report job (the renderer) and of an import job (check or import)."""
    from forbund import importjobb
    from rapporter import services

    services.render_formats = _instrumented(services.render_formats)
    importjobb._check_or_import = _instrumented(importjobb._check_or_import)
