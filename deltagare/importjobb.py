"""Uploaded deltaganden/uppföljningar files: checked, then imported, by the Celery worker.

The web request only stores the encrypted file and enqueues; the worker runs the same
`import_file` as `manage.py import_data` (all or nothing, every error listed) with the
uploader's rights, first as a dry run (the preview) and, after the user confirms, for real,
saving its progress to the job row so the page can show it.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.db import transaction
from django.utils import timezone

from finsam.lib.importing import import_file

from . import pnr
from .models import Importjobb

logger = logging.getLogger(__name__)

KINDS = ("deltaganden", "uppfoljningar")
VISADE_FEL = 1000
KEEP = dt.timedelta(days=1)
KO_FEL = "Importtjänsten svarar inte just nu. Försök igen om en stund."
Status = Importjobb.Status


def upload(*, user, kind: str, filnamn: str, data: bytes) -> Importjobb:
    Importjobb.objects.filter(skapad__lt=timezone.now() - KEEP).update(data=None)
    jobb = Importjobb.objects.create(
        user=user, kind=kind, filnamn=filnamn[:255], data=pnr.encrypt_bytes(data)
    )
    _enqueue(jobb, "granska")
    return jobb


def confirm(jobb: Importjobb) -> bool:
    """Start the import of a checked file; False if it is not (or no longer) waiting."""
    updated = Importjobb.objects.filter(pk=jobb.pk, status=Status.GRANSKAD).update(
        status=Status.IMPORTERAS, klara=0
    )
    if updated:
        _enqueue(jobb, "importera")
    jobb.refresh_from_db()
    return bool(updated)


def _enqueue(jobb: Importjobb, step: str) -> None:
    from .tasks import importjobb

    try:
        importjobb.delay(str(jobb.pk), step)
    except Exception:  # any broker connection error: the queue cannot be reached
        logger.warning("import job %s could not be enqueued", jobb.pk, exc_info=True)
        Importjobb.objects.filter(pk=jobb.pk).update(
            status=Status.FEL, meddelande=KO_FEL, data=None
        )


def run(jobb_id: str, step: str) -> None:
    """The worker's part. Idempotent: a job not in the expected state is left alone."""
    from django.contrib.auth import get_user_model

    expected = Status.GRANSKAS if step == "granska" else Status.IMPORTERAS
    jobb = Importjobb.objects.filter(pk=jobb_id, status=expected).first()
    if jobb is None or jobb.data is None:
        return
    user = get_user_model().objects.get(pk=jobb.user_id)
    data = pnr.decrypt_bytes(bytes(jobb.data))
    last = [0]

    def progress(done: int, total: int) -> None:
        if done - last[0] >= 500 or done == total:
            last[0] = done
            Importjobb.objects.filter(pk=jobb.pk).update(klara=done, rader=total)

    try:
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
        Importjobb.objects.filter(pk=jobb.pk).update(
            status=Status.FEL,
            data=None,
            meddelande="Filen kunde inte importeras på grund av ett tekniskt fel. Inget har sparats.",
        )
        return
    fields = {
        "rader": result.rader,
        "skapade": result.skapade,
        "uppdaterade": result.uppdaterade,
        "oforandrade": result.oforandrade,
        "antal_fel": len(result.errors),
        "fel": [
            {"rad": e.rad, "kolumn": e.kolumn, "meddelande": e.meddelande}
            for e in result.errors[:VISADE_FEL]
        ],
    }
    if not result.ok:
        fields |= {"status": Status.AVVISAD, "data": None}
    elif step == "granska":
        fields |= {"status": Status.GRANSKAD}
    else:
        fields |= {"status": Status.KLAR, "data": None, "klara": result.rader}
    with transaction.atomic():
        Importjobb.objects.filter(pk=jobb.pk).update(**fields)
