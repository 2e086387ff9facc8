"""A Celery worker killed (SIGKILL) in the middle of a report: the report still completes,
exactly once, after a worker runs again, and its status page shows the right state
throughout. And a report that kills its worker each time fails after two deaths.

Real processes: a private redis-server as the broker, `celery -A ... worker` subprocesses
(prefork, as deployed) against the test database, the order and the status page through
the views. The task is the application's (acks_late, reject_on_worker_lost); the worker's
app wraps the renderer to hold the first run (tests/reliability/slow_worker.py).

Two ways to die: the whole worker (container killed, machine lost; the message waits in
Redis's unacked set for the visibility timeout, 15 minutes by default, but beat finds the
job by its stale heartbeat and enqueues it again) and only the pool process running the
task (the OOM killer; the worker puts the message back at once and the next pool process
takes over from the dead one).

Redis's visibility timeout is the application's default here. The job heartbeat runs
faster than in production (1 s, stale after 4 s, beat every 2 s, instead of 10, 45 and
30 s) to keep the test short; with the defaults a job is taken up again at most 75 s
after its worker died.
"""

from __future__ import annotations

import json
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

from rapporter.models import AVBRUTEN, Rapportjobb, Status

from ..celery_broker import celery_broker
from .servers import redis_server, stop_group, wait_for

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.faults]

JOB_TIMING = {
    "FINSAM_JOB_HEARTBEAT_SECONDS": "1",
    "FINSAM_JOB_STALE_SECONDS": "4",
    "FINSAM_JOB_CHECK_SECONDS": "2",
}


class Worker:
    def __init__(
        self,
        tmp_path,
        broker_url: str,
        name: str,
        *,
        hold_first: bool,
        abort: bool = False,
        command: tuple[str, ...] = ("worker",),
    ):
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
            CELERY_TASK_ALWAYS_EAGER="0",
            FINSAM_TEST_EVENTS=str(self.events),
            FINSAM_TEST_HOLD_FIRST="1" if hold_first else "0",
            FINSAM_TEST_ABORT="1" if abort else "0",
            **JOB_TIMING,
        )
        env.pop("CELERY_VISIBILITY_TIMEOUT", None)  # the application's default: 15 minutes
        if command == ("worker",):
            command = (
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
                *command,
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

    def start(name: str, *, hold_first: bool = False, **options) -> Worker:
        worker = Worker(tmp_path, broker.url, name, hold_first=hold_first, **options)
        started.append(worker)
        return worker

    yield start
    for worker in started:
        worker.kill()


@pytest.mark.parametrize("dies", ["worker", "pool_process"])
def test_a_report_survives_a_killed_worker(broker, workers, client_radet, dies, tmp_path):
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
        # Its message waits in Redis's unacked set for the visibility timeout (15 min);
        # beat finds the job by its heartbeat instead.
        assert broker.client().hlen("unacked") == 1
        survivor = workers("second")
        workers("beat", command=("beat", "--schedule", str(tmp_path / "beat-schedule")))
    else:
        os.kill(held[0], signal.SIGKILL)  # only the pool process running the task
        survivor = first
    killed = time.monotonic()

    wait_for(
        lambda: _status(client_radet, jobb)[0] == Status.KLAR,
        timeout=120,
        what=f"the report to complete after the {dies} was killed",
    )
    print(f"{dies} killed: report complete {time.monotonic() - killed:.1f} s later")
    assert _status(client_radet, jobb) == (Status.KLAR, 286)  # htmx stops polling
    assert "Rapporten är klar" in _page(client_radet, jobb)
    download = client_radet.get(reverse("rapporter:download", args=[jobb.pk]))
    assert download.status_code == 200 and download["Content-Type"] == "application/json"
    klar = Rapportjobb.objects.get(pk=jobb.pk).klar

    # Exactly once, also when the dead worker's message is handed out at last: it finds
    # the report finished and changes nothing.
    redis = broker.client()
    _visibility_timeout_passes(redis)
    wait_for(
        lambda: redis.hlen("unacked") == 0 and redis.llen("celery") == 0,
        timeout=30,
        what="every message to be acknowledged",
    )
    assert len(survivor.events_of("start")) == 2, survivor.output()
    assert len(survivor.events_of("done")) == 1, survivor.output()
    assert Rapportjobb.objects.get(pk=jobb.pk).klar == klar
    assert survivor.process.poll() is None, survivor.output()  # the worker lives on


def test_a_report_that_kills_its_worker_fails_after_two_deaths(broker, workers, client_radet):
    client_radet.post("/rapporter/", {"ar": 2015, "omfattning": "nationell", "format": "json"})
    jobb = Rapportjobb.objects.get()
    worker = workers("aborting", abort=True)  # the renderer aborts the pool process
    wait_for(
        lambda: _status(client_radet, jobb)[0] == Status.FEL,
        timeout=90,
        what="the report to fail after two dead workers",
    )
    jobb.refresh_from_db()
    assert jobb.felmeddelande == AVBRUTEN
    assert "Rapporten kunde inte tas fram: arbetet avbröts två gånger" in _page(client_radet, jobb)
    assert _status(client_radet, jobb) == (Status.FEL, 286)
    redis = broker.client()
    wait_for(
        lambda: redis.hlen("unacked") == 0 and redis.llen("celery") == 0,
        timeout=30,
        what="the message to be acknowledged, not handed out again",
    )
    assert len(worker.events_of("start")) == 2, worker.output()
    assert worker.process.poll() is None, worker.output()  # the worker lives on


def _visibility_timeout_passes(redis) -> None:
    """Hands every unacknowledged message out again, as Redis does after the timeout."""
    for tag, value in redis.hgetall("unacked").items():
        message, _exchange, routing_key = json.loads(value)
        message["headers"]["redelivered"] = True
        redis.lpush(routing_key or "celery", json.dumps(message))
        redis.hdel("unacked", tag)
        redis.zrem("unacked_index", tag)
