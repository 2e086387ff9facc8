"""The base class of every Celery task of Finsam: a poison-message guard.

Tasks run with acks_late and reject_on_worker_lost, so a message whose run kills the
worker (an abort, the OOM killer) is handed out again, and again: without a guard one
bad message crash-loops the worker for ever. Each delivery of a message is counted in
the cache (Redis) under the message's id; a message that has been started MAX_DEATHS
times without finishing is dropped with an error in the log instead of run once more.

Jobs with a row in PostgreSQL (finsam/lib/jobs.py) count their starts on the row as
well, since beat may re-enqueue them as new messages, and fail with a Swedish message
the user sees. This guard is for every task, beat's included.

Loaded by finsam/celery.py before Django is set up: no models here.
"""

from __future__ import annotations

import logging

from celery import Task

logger = logging.getLogger(__name__)

# A job whose worker has died twice while running it is not started a third time.
MAX_DEATHS = 2
_KEEP = 24 * 60 * 60


def _key(task_id: str) -> str:
    return f"finsam:task-starts:{task_id}"


class GuardedTask(Task):
    def __call__(self, *args, **kwargs):
        task_id = self.request.id
        if self.request.is_eager or not task_id:
            return super().__call__(*args, **kwargs)
        from django.core.cache import cache

        # A Redis that is down is a miss: the task then runs unguarded rather than not at all.
        unfinished = cache.get(_key(task_id), 0)
        if unfinished >= MAX_DEATHS:
            logger.error(
                "task %s[%s] dropped: its worker died %s times while running it",
                self.name,
                task_id,
                unfinished,
            )
            self.poisoned(*args, **kwargs)
            cache.delete(_key(task_id))
            return None
        cache.set(_key(task_id), unfinished + 1, _KEEP)
        try:
            result = super().__call__(*args, **kwargs)
        except Exception:
            cache.delete(_key(task_id))  # failed, but the worker survived the run
            raise
        # Not reached when the process dies (a signal, or SystemExit/KeyboardInterrupt).
        cache.delete(_key(task_id))
        return result

    def poisoned(self, *args, **kwargs) -> None:
        """What a dropped message leaves behind; a job's task fails its job (jobs.JobTask)."""
