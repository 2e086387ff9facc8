"""Import jobs (forbund Importjobb) with real workers: a worker killed in the middle of
checking an uploaded file, and an XLSX bomb uploaded through the page.

The machinery (private redis-server, workers, beat) is test_worker_killed.py's; Redis's
visibility timeout is the application's default (15 min) and the job heartbeat is short.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from deltagare.models import Deltagande
from forbund.models import Importjobb

from ..deltagare.test_import_deltaganden import insats, valid  # noqa: F401 (fixtures)
from .servers import wait_for
from .test_worker_killed import broker, workers  # noqa: F401 (fixtures)

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.faults]

UPLOAD = "/deltagare/import/"
Status = Importjobb.Status


def _upload(client, name: str, content: bytes) -> Importjobb:
    response = client.post(
        UPLOAD, {"kind": "deltaganden", "fil": SimpleUploadedFile(name, content)}
    )
    assert response.status_code == 302
    return Importjobb.objects.get()


def _state(jobb: Importjobb) -> str:
    jobb.refresh_from_db()
    return jobb.status


def _page(client, jobb: Importjobb) -> str:
    return client.get(reverse("importjobb:jobb", args=[jobb.pk])).text


def test_an_import_check_survives_a_killed_worker(
    broker,  # noqa: F811
    workers,  # noqa: F811
    client_handlaggare_a,
    valid,  # noqa: F811
    tmp_path,
):
    jobb = _upload(client_handlaggare_a, "d.csv", valid.encode())
    first = workers("first", hold_first=True)
    wait_for(lambda: first.events_of("held"), timeout=90, what="the check to start")
    assert "Filen kontrolleras" in _page(client_handlaggare_a, jobb)
    first.kill()
    survivor = workers("second")
    workers("beat", command=("beat", "--schedule", str(tmp_path / "beat-schedule")))
    killed = time.monotonic()
    wait_for(
        lambda: _state(jobb) == Status.GRANSKAD,
        timeout=120,
        what="the check to complete after the worker was killed",
    )
    print(f"worker killed: import check complete {time.monotonic() - killed:.1f} s later")
    assert "Filen är felfri" in _page(client_handlaggare_a, jobb)
    assert len(survivor.events_of("start")) == 2 and len(survivor.events_of("done")) == 1

    client_handlaggare_a.post(reverse("importjobb:bekrafta", args=[jobb.pk]))
    wait_for(lambda: _state(jobb) == Status.KLAR, timeout=60, what="the import")
    assert Deltagande.objects.count() == 4
    assert (jobb.starts, jobb.worker, jobb.heartbeat, jobb.data) == (0, "", None, None)


def test_an_xlsx_bomb_upload_is_refused_and_the_worker_lives_on(
    broker,  # noqa: F811
    workers,  # noqa: F811
    client_handlaggare_a,
    insats,  # noqa: F811
):
    # Before: the worker aborted (SIGABRT) on every delivery, and the page said
    # "Filen kontrolleras" for ever.
    name = "bomb_a1_xfd1048576.xlsx"
    content = (Path(__file__).resolve().parent.parent / "files" / name).read_bytes()
    jobb = _upload(client_handlaggare_a, name, content)
    worker = workers("only")
    wait_for(lambda: _state(jobb) == Status.AVVISAD, timeout=90, what="the file to be refused")
    page = _page(client_handlaggare_a, jobb)
    assert "Excel-filen är för stor: bladet når kolumn XFD" in page
    assert "Inget har sparats" in page
    assert len(worker.events_of("start")) == 1 and len(worker.events_of("done")) == 1
    assert worker.process.poll() is None, worker.output()
    assert not Deltagande.objects.exists()
