"""The one upload pipeline of every import kind: the web request stores the encrypted file
and enqueues; the worker checks it (a dry run: the preview with its errors or its list of
changes) and, after the user confirms, imports it, saving its progress to the job row so
that the page can show it. The worker runs the same `import_file` as `manage.py
import_data` (all or nothing, every error listed) with the uploader's rights.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import zlib
from typing import Any, cast

from celery import shared_task
from django.db import connections, transaction
from django.utils import timezone

from finsam.lib.crypto import decrypt_bytes, encrypt_bytes
from finsam.lib.importing import Change, ImportResult, import_file
from finsam.lib.jobs import JobTask, claim, enqueues
from finsam.lib.maskering import maskera

from .models import Importjobb

logger = logging.getLogger(__name__)

KEEP = dt.timedelta(days=1)
# The page lists the first errors and changes; the files hold all of them.
VISADE = 1000
KO_FEL = "Importtjänsten svarar inte just nu. Försök igen om en stund."
UTGANGEN = "Filen togs bort efter ett dygn utan bekräftelse. Ladda upp den igen."
Status = Importjobb.Status


def rensa() -> int:
    """Removes the bytes of day-old files; a checked file not confirmed in time fails."""
    gamla = Importjobb.objects.filter(skapad__lt=timezone.now() - KEEP, data__isnull=False)
    utgangna = gamla.filter(status__in=[Status.GRANSKAS, Status.GRANSKAD]).update(
        status=Status.FEL, meddelande=UTGANGEN, data=None, alla_andringar=None
    )
    return utgangna + gamla.update(data=None, alla_andringar=None)


def upload(*, user: Any, kind: str, filnamn: str, data: bytes, sida: str) -> Importjobb:
    rensa()
    jobb = Importjobb.objects.create(
        user=user,
        kind=kind,
        filnamn=maskera(filnamn)[:255],  # a file named after a person is stored masked
        sida=sida[:200],
        data=encrypt_bytes(data),
    )
    enqueue(jobb)
    return jobb


def confirm(jobb: Importjobb) -> bool:
    """Start the import of a checked file; False if it is not (or no longer) waiting."""
    rensa()
    updated = Importjobb.objects.filter(
        pk=jobb.pk, status=Status.GRANSKAD, data__isnull=False
    ).update(status=Status.IMPORTERAS, klara=0, bekraftad=timezone.now())
    jobb.refresh_from_db()
    if updated:
        enqueue(jobb)
    return bool(updated)


def changes(jobb: Importjobb) -> list[Change]:
    """Every change of the job's file (the page shows the first VISADE)."""
    if jobb.alla_andringar is None:
        return [Change.from_json(c) for c in jobb.andringar]
    data = zlib.decompress(decrypt_bytes(bytes(jobb.alla_andringar)))
    return [Change.from_json(c) for c in json.loads(data)]


def _step(status: str) -> str:
    return "granska" if status == Status.GRANSKAS else "importera"


@enqueues(Importjobb)
def enqueue(jobb: Importjobb) -> None:
    """Sends the job's current step to the worker (again, when beat finds it abandoned)."""
    try:
        importjobb.delay(str(jobb.pk), _step(jobb.status))
    except Exception:  # any broker connection error: the queue cannot be reached
        logger.warning("import job %s could not be enqueued", jobb.pk, exc_info=True)
        Importjobb.objects.filter(pk=jobb.pk).update(
            status=Status.FEL, meddelande=KO_FEL, data=None
        )


# The task lives beside the pipeline that enqueues it (forbund.tasks re-exports it, under
# its name there, for the worker): the pipeline sends it, and it runs the pipeline.
@shared_task(
    name="forbund.tasks.importjobb",
    base=JobTask,
    acks_late=True,
    reject_on_worker_lost=True,
    job_model="forbund.Importjobb",
)
def importjobb(jobb_id: str, step: str) -> None:
    """Check (`granska`) or import (`importera`) an uploaded file; only the job's id travels."""
    run(jobb_id, step)


def run(jobb_id: str, step: str) -> None:
    """The worker's part. Idempotent: a job not in the expected state, or held by a live
    worker, is left alone (finsam/lib/jobs.py); the outcome is saved once."""
    expected = Status.GRANSKAS if step == "granska" else Status.IMPORTERAS
    claimed = claim(Importjobb, jobb_id, among=[expected])
    if claimed is None:
        return
    # The import and the job's outcome commit together, or not at all if another worker
    # took the job over meanwhile.
    with claimed, transaction.atomic():
        jobb = Importjobb.objects.get(pk=jobb_id)
        if jobb.data is None:  # removed after a day (rensa)
            fields: dict[str, object] = {"status": Status.FEL, "meddelande": UTGANGEN}
        else:
            fields = _check_or_import(jobb, step)
        claimed.finish_or_undo(**fields)


def _check_or_import(jobb: Importjobb, step: str) -> dict[str, object]:
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.get(pk=jobb.user_id)
    # run() sends a job whose file was removed (data None) to FEL before this.
    data = decrypt_bytes(bytes(cast("bytes | memoryview", jobb.data)))
    last = [0]
    # Progress goes through a connection of its own: the import's transaction is not
    # committed until the end, and the status page must see the progress before that.
    side = connections.create_connection("default")

    def progress(done: int, total: int) -> None:
        if done - last[0] >= 500 or done == total:
            last[0] = done
            with side.cursor() as cursor:
                cursor.execute(
                    "UPDATE forbund_importjobb SET klara = %s, rader = %s WHERE id = %s",
                    [done, total, jobb.pk],
                )

    try:
        # A savepoint: a failed import leaves the job's transaction usable for its outcome.
        with transaction.atomic():
            result = import_file(
                jobb.kind,
                data,
                filename=jobb.filnamn,
                user=user,
                dry_run=step == "granska",
                progress=progress,
            )
    except Exception:
        logger.exception("import job %s failed", jobb.pk)
        return {
            "status": Status.FEL,
            "data": None,
            "meddelande": "Filen kunde inte importeras på grund av ett tekniskt fel. Inget har sparats.",
        }
    finally:
        side.close()
    fields = _outcome(result)
    if not result.ok:
        return fields | {"status": Status.AVVISAD, "data": None, "alla_andringar": None}
    if step == "granska":
        return fields | {"status": Status.GRANSKAD}
    return fields | {
        "status": Status.KLAR,
        "data": None,
        "klara": result.rader,
        "klar": timezone.now(),
    }


def _outcome(result: ImportResult) -> dict[str, object]:
    listed = [c.as_json() for c in result.andringar]
    return {
        "rader": result.rader,
        "skapade": result.skapade,
        "uppdaterade": result.uppdaterade,
        "oforandrade": result.oforandrade,
        "antal_fel": len(result.errors),
        # Every error (RowError masks a number typed into the wrong column).
        "fel": [
            {"rad": e.rad, "kolumn": e.kolumn, "varde": e.varde, "meddelande": e.meddelande}
            for e in result.errors
        ],
        "andringar": listed[:VISADE],
        "alla_andringar": (
            encrypt_bytes(zlib.compress(json.dumps(listed).encode()))
            if len(listed) > VISADE
            else None
        ),
    }
