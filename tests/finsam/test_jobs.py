"""Report and import jobs (finsam/lib/jobs.py) and the poison-message guard of every task
(finsam/lib/tasks.py), through the tasks' entry points and beat's task.

A worker's death is simulated in-process by a BaseException out of the job's work (as
SystemExit when the pool process is going down): nothing after it runs, exactly as after
a SIGKILL, so the row is left as a dead worker leaves it. The real kill is in
tests/reliability/test_worker_killed.py.
"""

from __future__ import annotations

import subprocess
import sys
import time
import uuid

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connections
from django.urls import reverse

from finsam.celery import app
from finsam.lib import jobs
from finsam.lib.tasks import MAX_DEATHS
from forbund.models import Importjobb
from rapporter import services
from rapporter.models import AVBRUTEN, Rapportjobb, Status
from rapporter.tasks import build_report

from ..deltagare.test_import_deltaganden import HEADER, insats  # noqa: F401 (fixture)

pytestmark = pytest.mark.django_db


class WorkerKilled(BaseException):
    """Stands for the SIGKILL: escapes every `except Exception`."""


@pytest.fixture
def eager():
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = False


@pytest.fixture
def abandoned_at_once(settings):
    """A heartbeat counts as stale immediately, as if the 45 s had passed."""
    settings.FINSAM_JOB_STALE_SECONDS = 0


@pytest.fixture
def dying_render(monkeypatch):
    calls = []

    def render(**options):
        calls.append(options)
        raise WorkerKilled

    monkeypatch.setattr(services, "render_formats", render)
    return calls


def _report(radet) -> Rapportjobb:
    return Rapportjobb.objects.create(
        bestalld_av=radet, ar=2015, omfattning="nationell", formats=["json"]
    )


def test_a_report_whose_worker_died_twice_fails_with_a_swedish_message(
    client_radet, radet, eager, abandoned_at_once, dying_render
):
    order = {"ar": 2015, "omfattning": "nationell", "format": "json"}
    with pytest.raises(WorkerKilled):  # the first worker dies
        client_radet.post("/rapporter/", order)
    jobb = Rapportjobb.objects.get()
    assert (jobb.status, jobb.starts) == (Status.PAGAR, 1)
    assert "Tas fram" in client_radet.get(jobb.get_absolute_url()).text

    with pytest.raises(WorkerKilled):
        assert jobs.requeue_stale() == 1  # beat enqueues it again; the next worker dies too
    jobb.refresh_from_db()
    assert (jobb.status, jobb.starts) == (Status.PAGAR, 2)

    assert jobs.requeue_stale() == 1  # and once more: not run a third time
    jobb.refresh_from_db()
    assert len(dying_render) == 2
    assert (jobb.status, jobb.felmeddelande, jobb.worker, jobb.heartbeat) == (
        Status.FEL,
        AVBRUTEN,
        "",
        None,
    )
    assert jobs.requeue_stale() == 0  # nothing left to take up
    page = client_radet.get(jobb.get_absolute_url()).text
    assert "Rapporten kunde inte tas fram: arbetet avbröts två gånger" in page

    # Tried again by the user, it runs afresh: the deaths counted were the last try's.
    with pytest.raises(WorkerKilled):
        services.retry(jobb=jobb)
    jobb.refresh_from_db()
    assert (jobb.starts, len(dying_render)) == (1, 3)


def test_an_import_whose_worker_died_twice_fails_with_a_swedish_message(
    client_handlaggare_a, eager, abandoned_at_once, monkeypatch
):
    from forbund import importjobb

    def killed(jobb, step):
        raise WorkerKilled

    monkeypatch.setattr(importjobb, "_check_or_import", killed)
    fil = SimpleUploadedFile("d.csv", b"x;y\n1;2\n")
    with pytest.raises(WorkerKilled):
        client_handlaggare_a.post("/deltagare/import/", {"kind": "deltaganden", "fil": fil})
    jobb = Importjobb.objects.get()
    assert (jobb.status, jobb.starts) == (Importjobb.Status.GRANSKAS, 1)
    with pytest.raises(WorkerKilled):
        jobs.requeue_stale()
    assert jobs.requeue_stale() == 1
    jobb.refresh_from_db()
    assert (jobb.status, jobb.data) == (Importjobb.Status.FEL, None)
    page = client_handlaggare_a.get(reverse("importjobb:jobb", args=[jobb.pk]))
    assert "Filen kunde inte läsas eller importeras: arbetet avbröts två gånger" in page.text
    assert "Inget har sparats" in page.text


def test_a_job_held_by_a_live_worker_is_not_run_again(radet, dying_render):
    jobb = _report(radet)
    held = jobs.claim(Rapportjobb, jobb.pk, status=Status.PAGAR)
    assert held is not None
    build_report.apply(args=[str(jobb.pk)])  # a redelivered message, or beat's
    assert dying_render == []  # not built a second time while the first one runs
    assert jobs.requeue_stale() == 0  # its heartbeat is fresh
    assert held.finish(status=Status.KLAR)
    jobb.refresh_from_db()
    assert (jobb.status, jobb.starts, jobb.worker) == (Status.KLAR, 0, "")


def test_only_the_worker_holding_the_job_completes_it(radet, abandoned_at_once):
    jobb = _report(radet)
    slow = jobs.claim(Rapportjobb, jobb.pk, status=Status.PAGAR)
    # The slow worker's heartbeat went stale; another takes the job over.
    successor = jobs.claim(Rapportjobb, jobb.pk, status=Status.PAGAR)
    assert slow is not None and successor is not None
    assert successor.finish(status=Status.KLAR, felmeddelande="")
    assert not slow.finish(status=Status.FEL, felmeddelande="late")
    jobb.refresh_from_db()
    assert (jobb.status, jobb.felmeddelande) == (Status.KLAR, "")
    assert jobs.claim(Rapportjobb, jobb.pk) is None  # finished: nothing to claim


def test_a_report_of_a_vanished_worker_on_this_host_is_taken_over_at_once(radet):
    jobb = _report(radet)
    child = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"], check=True, capture_output=True
    )
    gone = f"{jobs.socket.gethostname()[:80]}:{int(child.stdout)}:feedbeef"
    Rapportjobb.objects.filter(pk=jobb.pk).update(
        status=Status.PAGAR, worker=gone, heartbeat=jobs.timezone.now(), starts=1
    )
    build_report.apply(args=[str(jobb.pk)])  # the message put back when the pool process died
    jobb.refresh_from_db()
    assert (jobb.status, jobb.starts) == (Status.KLAR, 0)


def test_a_fresh_heartbeat_elsewhere_is_respected(radet):
    jobb = _report(radet)
    elsewhere = "another-host:1:feedbeef"
    Rapportjobb.objects.filter(pk=jobb.pk).update(
        status=Status.PAGAR, worker=elsewhere, heartbeat=jobs.timezone.now(), starts=1
    )
    build_report.apply(args=[str(jobb.pk)])
    jobb.refresh_from_db()
    assert (jobb.status, jobb.worker) == (Status.PAGAR, elsewhere)


@pytest.mark.django_db(transaction=True)
def test_the_heartbeat_is_stamped_while_the_job_runs(radet, settings):
    settings.FINSAM_JOB_HEARTBEAT_SECONDS = 0.05
    jobb = _report(radet)
    run = jobs.claim(Rapportjobb, jobb.pk, status=Status.PAGAR)
    first = Rapportjobb.objects.get(pk=jobb.pk).heartbeat
    with run:
        deadline = time.monotonic() + 10
        while Rapportjobb.objects.get(pk=jobb.pk).heartbeat == first:
            assert time.monotonic() < deadline, "no heartbeat within 10 s"
            time.sleep(0.02)
    stopped = Rapportjobb.objects.get(pk=jobb.pk).heartbeat
    time.sleep(0.2)
    assert Rapportjobb.objects.get(pk=jobb.pk).heartbeat == stopped  # no beat after the run
    assert run.finish(status=Status.KLAR)


RUNS: list[str] = []


@app.task(name="tests.finsam.test_jobs.dies")
def dies() -> None:
    RUNS.append("run")
    raise WorkerKilled


@pytest.fixture
def delivered():
    """Calls a task as the worker does for one message, the same message each time."""
    task_id = str(uuid.uuid4())
    pushed = []

    def deliver(task, *args):
        task.push_request(id=task_id, is_eager=False, args=args)
        pushed.append(task)
        try:
            return task(*args)
        finally:
            task.pop_request()

    yield deliver
    cache.delete(f"finsam:task-starts:{task_id}")


def test_the_guard_drops_a_message_that_killed_its_worker_twice(delivered):
    RUNS.clear()
    for _ in range(MAX_DEATHS):
        with pytest.raises(WorkerKilled):
            delivered(dies)
    assert delivered(dies) is None  # the third delivery is dropped, not run
    assert RUNS == ["run"] * MAX_DEATHS


def test_the_guard_fails_the_job_of_a_dropped_message(
    client_radet, radet, delivered, abandoned_at_once, dying_render
):
    jobb = _report(radet)
    for _ in range(MAX_DEATHS):
        with pytest.raises(WorkerKilled):
            delivered(build_report, str(jobb.pk))
    delivered(build_report, str(jobb.pk))
    jobb.refresh_from_db()
    assert (jobb.status, jobb.felmeddelande) == (Status.FEL, AVBRUTEN)
    assert len(dying_render) == MAX_DEATHS


def test_a_task_that_fails_normally_is_not_counted_as_a_death(delivered, radet, monkeypatch):
    jobb = _report(radet)

    def broken(**options):
        raise RuntimeError("disk full")

    monkeypatch.setattr(services, "render_formats", broken)
    for _ in range(MAX_DEATHS + 1):
        Rapportjobb.objects.filter(pk=jobb.pk).update(status=Status.VANTAR)
        delivered(build_report, str(jobb.pk))
        jobb.refresh_from_db()
        assert (jobb.status, jobb.starts) == (Status.FEL, 0)
        assert "tekniskt fel" in jobb.felmeddelande


def test_every_beat_entry_names_a_task_of_the_app(settings):
    app.loader.import_default_modules()
    for name, entry in settings.CELERY_BEAT_SCHEDULE.items():
        assert entry["task"] in app.tasks, name
    job_check = settings.CELERY_BEAT_SCHEDULE["jobb-utan-arbetare"]
    assert job_check == {"task": jobs.requeue_stale.name, "schedule": 30}
    # With the defaults a dead worker's job is enqueued again within two minutes.
    assert settings.FINSAM_JOB_STALE_SECONDS + settings.FINSAM_JOB_CHECK_SECONDS < 120
    assert settings.FINSAM_JOB_HEARTBEAT_SECONDS * 3 < settings.FINSAM_JOB_STALE_SECONDS


@pytest.mark.django_db(transaction=True)
def test_an_import_taken_over_meanwhile_is_undone(
    client_handlaggare_a,
    insats,  # noqa: F811
    eager,
    monkeypatch,
):
    from deltagare.models import Deltagande
    from forbund import importjobb

    o = insats.forbund.organisationsnummer
    text = HEADER + f"{o};COACH;anonym;;;kvinna;2015-04-01;;;;;;;;\n"
    fil = SimpleUploadedFile("d.csv", text.encode())
    client_handlaggare_a.post("/deltagare/import/", {"kind": "deltaganden", "fil": fil})
    jobb = Importjobb.objects.get()
    assert jobb.status == Importjobb.Status.GRANSKAD

    original = importjobb._check_or_import
    other = "another-host:1:feedbeef"

    def taken_over(jobb, step):
        fields = original(jobb, step)  # the deltagande is written, not yet committed
        # Meanwhile (its heartbeat stale) another worker claims the job, on its own connection.
        side = connections.create_connection("default")
        with side.cursor() as cursor:
            cursor.execute(
                "UPDATE forbund_importjobb SET worker = %s, heartbeat = now() WHERE id = %s",
                [other, jobb.pk],
            )
        side.close()
        return fields

    monkeypatch.setattr(importjobb, "_check_or_import", taken_over)
    client_handlaggare_a.post(reverse("importjobb:bekrafta", args=[jobb.pk]))
    jobb.refresh_from_db()
    assert (jobb.status, jobb.worker) == (Importjobb.Status.IMPORTERAS, other)
    assert not Deltagande.objects.exists()  # undone: the successor saves it, once
