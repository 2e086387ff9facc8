"""pytest plugin for tests/security/test_pnr_leaks.py (`-p tests.security.pnr_leak_plugin`).

In the run it is loaded into, it writes to FINSAM_LEAK_DIR:
- numbers.txt: every personnummer the code parsed (each `deltagare.pnr.Personnummer` made),
- leak.log: every log record at DEBUG and above, every URL the test client asked for or was
  redirected to, and the arguments of every Celery task published or run.
The test then searches leak.log for every number, in every way it can be written.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

import pytest

logger = logging.getLogger("finsam.leakcheck")


def _directory() -> Path:
    return Path(os.environ["FINSAM_LEAK_DIR"])


@pytest.fixture(scope="session", autouse=True)
def _record_everything():
    from celery.signals import before_task_publish, task_prerun
    from django.test import Client

    from deltagare import pnr

    handler = logging.FileHandler(_directory() / "leak.log", encoding="utf-8")
    handler.setLevel(logging.DEBUG)
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s %(message)s"))
    root = logging.getLogger()
    root.addHandler(handler)
    old_level = root.level
    root.setLevel(logging.DEBUG)
    numbers = (_directory() / "numbers.txt").open("a", encoding="utf-8")

    original_init = pnr.Personnummer.__init__

    def init(self, *args, **kwargs):
        original_init(self, *args, **kwargs)
        numbers.write(self.nummer + "\n")
        numbers.flush()

    original_request = Client.request

    def request(self, **environ):
        query = environ.get("QUERY_STRING", "")
        logger.debug("URL %s%s", environ.get("PATH_INFO", ""), f"?{query}" if query else "")
        response = original_request(self, **environ)
        if response.has_header("Location"):
            logger.debug("Location %s", response["Location"])
        return response

    def published(headers=None, body=None, **kwargs):
        logger.debug("task published %s %r", (headers or {}).get("task"), body)

    def prerun(task=None, args=None, kwargs=None, **extra):
        logger.debug("task run %s %r %r", getattr(task, "name", task), args, kwargs)

    pnr.Personnummer.__init__ = init
    Client.request = request
    before_task_publish.connect(published, weak=False)
    task_prerun.connect(prerun, weak=False)
    logger.debug("leak check started")
    try:
        yield
    finally:
        pnr.Personnummer.__init__ = original_init
        Client.request = original_request
        before_task_publish.disconnect(published)
        task_prerun.disconnect(prerun)
        root.setLevel(old_level)
        root.removeHandler(handler)
        handler.close()
        numbers.close()
