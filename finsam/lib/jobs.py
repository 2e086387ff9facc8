"""Jobs whose state lives on a row in PostgreSQL (report jobs, import jobs): run at most
once at a time, kept alive by a heartbeat, taken up again when their worker is gone, and
failed with a Swedish message after their worker has died twice.

A job model subclasses `Job` (and has a `status` field) and says which statuses mean "queued or running"
(`ACTIVE`) and what a job that killed its worker twice becomes (`failed_fields`). The
module that enqueues its jobs registers how (`@enqueues(Model)`, imported by its app's
`ready()`), so that beat can enqueue one again without the model knowing its task. Its
task then does

    run = claim(Model, pk, status=..., ...)   # None: nothing to do
    if run is None:
        return
    with run:                                 # the heartbeat runs meanwhile
        ...
        run.finish(status=..., ...)           # False: the job was taken from us

The guarantees:
- `claim` is one conditional UPDATE: of two workers handed the same job (a redelivered
  message, a re-enqueue by beat) exactly one gets it, and only while no live worker holds
  it (its heartbeat is fresh).
- While the job runs a thread stamps `heartbeat` every FINSAM_JOB_HEARTBEAT_SECONDS. A
  job whose heartbeat is older than FINSAM_JOB_STALE_SECONDS has lost its worker (killed,
  machine gone); beat's `requeue_stale` (every FINSAM_JOB_CHECK_SECONDS) enqueues it again,
  so that it completes within about a minute and a half of a worker being available
  instead of after Redis's visibility timeout (15 min). A worker on the same host takes
  over at once from a process that is no longer there.
- `starts` counts claims not followed by `finish`: the runs whose worker died. A job
  claimed with MAX_DEATHS such runs behind it is not run again but failed.
- `finish` is conditional on the claim: a job completes once, by the worker that holds it.
  A job whose work writes data finishes with `finish_or_undo` inside the transaction of
  that work: a worker whose job was taken over (its heartbeat went stale while it still
  ran) then rolls its work back instead of saving it beside its successor's.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import socket
import threading
import uuid
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, ClassVar

from celery import shared_task
from django.apps import apps
from django.conf import settings
from django.db import connection, models
from django.db.models import F
from django.utils import timezone

from .tasks import MAX_DEATHS, GuardedTask

logger = logging.getLogger(__name__)


class Job(models.Model):
    heartbeat = models.DateTimeField("senaste livstecken", null=True, blank=True, editable=False)
    worker = models.CharField("körs av", max_length=120, blank=True, editable=False)
    starts = models.PositiveSmallIntegerField(
        "avbrutna körningar", default=0, editable=False, help_text="Körningar som inte blev klara."
    )

    # Each job model declares its own status (with its choices), which overrides this one;
    # stated here because the claim and the checks below filter on it.
    status = models.CharField("status", max_length=12)

    ACTIVE: ClassVar[tuple[str, ...]]

    class Meta:
        abstract = True

    @classmethod
    def failed_fields(cls) -> dict[str, Any]:
        """The fields of a job that was not finished because its worker died twice."""
        raise NotImplementedError


def _stale_before() -> Any:
    return timezone.now() - dt.timedelta(seconds=settings.FINSAM_JOB_STALE_SECONDS)


def _this_worker() -> str:
    return f"{socket.gethostname()[:80]}:{os.getpid()}:{uuid.uuid4().hex[:12]}"


def _gone(worker: str) -> bool:
    """Whether `worker` was a process of this host that no longer runs."""
    host, _, rest = worker.partition(":")
    pid = rest.partition(":")[0]
    if host != socket.gethostname()[:80] or not pid.isdigit() or int(pid) == os.getpid():
        return False
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return True
    return state in {"Z", "X"}  # killed, not yet reaped by its parent


class Superseded(Exception):
    """The job was taken over by another worker before this one finished it."""


class Run:
    """A claimed job: the heartbeat while in `with`, and the conditional finish."""

    def __init__(self, model: type[Job], pk: Any, worker: str) -> None:
        self.model = model
        self.pk = pk
        self.worker = worker
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._beat, name=f"heartbeat-{pk}", daemon=True)

    def _mine(self) -> models.QuerySet:
        # `_default_manager`: Django's manager for code that handles any model of a kind.
        return self.model._default_manager.filter(pk=self.pk, worker=self.worker)

    def _beat(self) -> None:
        try:
            while not self._stop.wait(settings.FINSAM_JOB_HEARTBEAT_SECONDS):
                try:
                    self._mine().update(heartbeat=timezone.now())
                except Exception:  # the database away for a moment: try again next beat
                    logger.warning("heartbeat of job %s failed", self.pk, exc_info=True)
        finally:
            connection.close()  # this thread's own connection

    def __enter__(self) -> Run:
        self._thread.start()
        return self

    def __exit__(self, kind: type[BaseException] | None, *exc: object) -> bool:
        self._stop.set()
        self._thread.join()
        if kind is not None and issubclass(kind, Superseded):
            logger.warning("job %s was taken over by another worker; this run is undone", self.pk)
            return True
        return False

    def finish(self, **fields: Any) -> bool:
        """Saves the outcome if the job is still ours; the run counts as survived."""
        return bool(self._mine().update(heartbeat=None, worker="", starts=0, **fields))

    def finish_or_undo(self, **fields: Any) -> None:
        """`finish`, or Superseded (to be raised through the work's transaction)."""
        if not self.finish(**fields):
            raise Superseded


def claim(
    model: type[Job], pk: Any, *, among: Iterable[str] | None = None, **fields: Any
) -> Run | None:
    """Takes the job for this process (setting `fields`) if its status is one of `among`
    (default: any of ACTIVE). None if it is not to be run here: in another status, held by
    a live worker, taken by another worker just now, or failed now after MAX_DEATHS deaths."""
    statuses = model.ACTIVE if among is None else tuple(among)
    row = model._default_manager.filter(pk=pk, status__in=statuses).values(
        "heartbeat", "worker", "starts"
    )
    current = row.first()
    if current is None:
        return None
    held = current["worker"] and current["heartbeat"] and current["heartbeat"] >= _stale_before()
    if held and not _gone(current["worker"]):
        return None
    unchanged = row.filter(heartbeat=current["heartbeat"], worker=current["worker"])
    if current["starts"] >= MAX_DEATHS:
        fail_dead(model, pk, unchanged)
        return None
    worker = _this_worker()
    if not unchanged.update(
        heartbeat=timezone.now(), worker=worker, starts=F("starts") + 1, **fields
    ):
        return None  # another worker was quicker
    return Run(model, pk, worker)


def fail_dead(model: type[Job], pk: Any, queryset: models.QuerySet | None = None) -> bool:
    """Fails an active job whose worker died MAX_DEATHS times, with its Swedish message."""
    if queryset is None:
        queryset = model._default_manager.filter(pk=pk, status__in=model.ACTIVE)
    failed = queryset.update(heartbeat=None, worker="", **model.failed_fields())
    if failed:
        logger.error("job %s failed: its worker died %s times", pk, MAX_DEATHS)
    return bool(failed)


def job_models() -> list[type[Job]]:
    return [model for model in Job.__subclasses__() if not model._meta.abstract]


Enqueue = Callable[[Any], object]
_enqueue: dict[type[Job], Enqueue] = {}


def enqueues[F: Enqueue](model: type[Job]) -> Callable[[F], F]:
    """Registers the function that sends a job of `model` to its task (again, when beat
    finds its worker gone)."""

    def register(function: F) -> F:
        _enqueue[model] = function
        return function

    return register


def requeue(job: Job) -> None:
    try:
        enqueue = _enqueue[type(job)]
    except KeyError:
        raise LookupError(f"{type(job).__name__}: no function registered with @enqueues") from None
    enqueue(job)


@shared_task
def requeue_stale() -> int:
    """Beat runs this every FINSAM_JOB_CHECK_SECONDS: enqueues again every job whose worker
    stopped beating. The heartbeat is set anew (without a worker) so that the next check
    leaves it alone while the message waits for a worker; the claim counts the death."""
    requeued = 0
    for model in job_models():
        stale = model._default_manager.filter(
            status__in=model.ACTIVE, heartbeat__lt=_stale_before()
        )
        for job in stale.only("pk", "status", "heartbeat", "worker"):
            taken = model._default_manager.filter(
                pk=job.pk, heartbeat=job.heartbeat, worker=job.worker
            ).update(heartbeat=timezone.now(), worker="")
            if taken:
                logger.warning("job %s had no live worker; enqueued again", job.pk)
                requeue(job)
                requeued += 1
    return requeued


class JobTask(GuardedTask):
    """The task of a job (`@shared_task(base=JobTask, job_model="app_label.Model")`): it
    takes the job's id first, and a dropped message fails the job with its Swedish message
    instead of leaving it."""

    job_model: str

    def poisoned(self, *args, **kwargs) -> None:
        fail_dead(apps.get_model(self.job_model), args[0])
