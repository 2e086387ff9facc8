"""A Celery worker killed (SIGKILL) in the middle of a report: the report still completes,
exactly once, after a worker runs again, and its status page shows the right state
throughout.

Real processes: a private redis-server as the broker, `celery -A ... worker` subprocesses
(prefork, as deployed) against the test database, the order and the status page through
the views. The task is the application's (acks_late, reject_on_worker_lost); the worker's
app wraps the renderer to hold the first run (tests/reliability/slow_worker.py).

Two ways to die: the whole worker (container killed, machine lost; the message waits in
Redis's unacked set until the visibility timeout, then a new worker takes it) and only
the pool process running the task (the OOM killer; the worker puts the message back at
once).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client
from django.urls import reverse

from rapporter.models import Rapportjobb, Status

from ..celery_broker import celery_broker
from .servers import redis_server, stop_group, wait_for

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.faults]

# Short, so that a lost worker's message is handed out again within seconds (the
# application's default is an hour: longer than the longest report may take).
VISIBILITY_TIMEOUT = 4


class Worker:
    def __init__(self, tmp_path, broker_url: str, name: str, *, hold_first: bool):
        db = connection.settings_dict
        self.log = tmp_path / f"{name}.log"
        self.events = tmp_path / "events.txt"
        env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
        env.update(
            DATABASE_URL=(
                f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}"
                f"/{db['NAME']}"
            ),
            REDIS_URL=broker_url,
            CELERY_BROKER_URL=broker_url,
            CELERY_VISIBILITY_TIMEOUT=str(VISIBILITY_TIMEOUT),
            CELERY_TASK_ALWAYS_EAGER="0",
            FINSAM_TEST_EVENTS=str(self.events),
            FINSAM_TEST_HOLD_FIRST="1" if hold_first else "0",
        )
        if db.get("PASSWORD"):
            env["PGPASSWORD"] = db["PASSWORD"]
        self.process = subprocess.Popen(  # noqa: S603 (our fixed command line)
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "tests.reliability.slow_worker",
                "worker",
                "--concurrency",
                "1",
                "--loglevel",
                "INFO",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
                "--hostname",
                f"{name}@%h",
            ],
            cwd=settings.BASE_DIR,
            env=env,
            stdout=self.log.open("wb"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def events_of(self, kind: str) -> list[int]:
        text = self.events.read_text() if self.events.exists() else ""
        return [int(line.split()[1]) for line in text.splitlines() if line.split()[0] == kind]

    def output(self) -> str:
        return self.log.read_text(errors="replace")[-4000:]

    def kill(self) -> None:
        stop_group(self.process, signal.SIGKILL)


def _status(client: Client, jobb: Rapportjobb) -> tuple[str, int]:
    jobb.refresh_from_db()
    polled = client.get(jobb.get_absolute_url(), headers={"HX-Request": "true"})
    return jobb.status, polled.status_code


def _page(client: Client, jobb: Rapportjobb) -> str:
    return client.get(jobb.get_absolute_url()).content.decode()


@pytest.fixture
def broker(tmp_path):
    with redis_server(tmp_path) as server, celery_broker(server.url):
        yield server


@pytest.fixture
def workers(tmp_path, broker):
    started: list[Worker] = []

    def start(name: str, *, hold_first: bool) -> Worker:
        worker = Worker(tmp_path, broker.url, name, hold_first=hold_first)
        started.append(worker)
        return worker

    yield start
    for worker in started:
        worker.kill()


@pytest.mark.parametrize("dies", ["worker", "pool_process"])
def test_a_report_survives_a_killed_worker(broker, workers, client_radet, dies):
    client_radet.post("/rapporter/", {"ar": 2015, "omfattning": "nationell", "format": "json"})
    jobb = Rapportjobb.objects.get()
    assert _status(client_radet, jobb) == (Status.VANTAR, 200)
    assert "Väntar på att starta" in _page(client_radet, jobb)

    first = workers("first", hold_first=True)
    held = wait_for(
        lambda: first.events_of("held"), timeout=90, what="the first worker to start the report"
    )
    # In the middle of the report: started, not finished; the page polls on.
    assert _status(client_radet, jobb) == (Status.PAGAR, 200), first.output()
    assert "Tas fram" in _page(client_radet, jobb)

    if dies == "worker":
        first.kill()  # SIGKILL to the worker and its pool process
        assert _status(client_radet, jobb) == (Status.PAGAR, 200)
        assert "Tas fram" in _page(client_radet, jobb)
        # The message is in Redis's unacked set, handed out again once older than the
        # visibility timeout. A worker restores such messages when it starts.
        delivered = broker.client().zrange("unacked_index", 0, -1, withscores=True)
        assert len(delivered) == 1, delivered
        wait_for(
            lambda: time.time() > delivered[0][1] + VISIBILITY_TIMEOUT + 0.5,
            timeout=VISIBILITY_TIMEOUT + 5,
            what="the visibility timeout",
        )
        survivor = workers("second", hold_first=False)
    else:
        os.kill(held[0], signal.SIGKILL)  # only the pool process running the task
        survivor = first

    wait_for(
        lambda: _status(client_radet, jobb)[0] == Status.KLAR,
        timeout=120,
        what=f"the report to complete after the {dies} was killed",
    )
    assert _status(client_radet, jobb) == (Status.KLAR, 286)  # htmx stops polling
    assert "Rapporten är klar" in _page(client_radet, jobb)
    download = client_radet.get(reverse("rapporter:download", args=[jobb.pk]))
    assert download.status_code == 200 and download["Content-Type"] == "application/json"

    # Exactly once: the message is acknowledged and nothing is left to run again.
    redis = broker.client()
    wait_for(
        lambda: redis.hlen("unacked") == 0 and redis.llen("celery") == 0,
        timeout=30,
        what="the message to be acknowledged",
    )
    assert len(survivor.events_of("start")) == 2, survivor.output()
    assert len(survivor.events_of("done")) == 1, survivor.output()
    assert survivor.process.poll() is None, survivor.output()  # the worker lives on
