"""Uploads stay in memory (never a temporary file in clear) and are capped in size, on
every upload page (finsam/lib/uploads.py)."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.files.uploadhandler import StopFutureHandlers
from django.urls import reverse

from finsam.celery import app
from finsam.lib.crypto import decrypt_bytes
from finsam.lib.uploads import MemoryOnlyUploadHandler, UploadTooLarge
from forbund.models import Importjobb

pytestmark = pytest.mark.django_db

MB = 1024 * 1024
# Over Django's 10 MB threshold for spooling to a temporary file, under the 20 MB cap.
LARGE = b"x;y\n" + b"1;2\n" * (11 * MB // 4)


@pytest.fixture(autouse=True)
def eager():
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = False


@pytest.fixture
def no_temporary_files(settings, tmp_path):
    """A temporary file for an upload would fail: its directory does not exist."""
    settings.FILE_UPLOAD_TEMP_DIR = str(tmp_path / "saknas")


def _post_deltaganden(client, content: bytes):
    fil = SimpleUploadedFile("d.csv", content, content_type="text/csv")
    return client.post("/deltagare/import/", {"kind": "deltaganden", "fil": fil})


def _post_insatser(client, forbund, content: bytes, **kwargs):
    url = reverse("insatser:import", kwargs={"orgnr": forbund.organisationsnummer})
    fil = SimpleUploadedFile("i.csv", content)
    return client.post(url, {"kind": "insatser", "fil": fil}, **kwargs)


def test_a_large_deltaganden_upload_goes_encrypted_into_the_store(
    client_handlaggare_a, no_temporary_files
):
    response = _post_deltaganden(client_handlaggare_a, LARGE)
    jobb = Importjobb.objects.get()
    assert response.status_code == 302 and response.url.endswith(f"{jobb.pk}/")
    # Checked by the worker: too many rows, the bytes then dropped.
    assert jobb.status == Importjobb.Status.AVVISAD and "fler än 60000 rader" in str(jobb.fel)


def test_the_stored_bytes_are_the_uploaded_ones(client_handlaggare_a, no_temporary_files):
    app.conf.task_always_eager = False
    from forbund import tasks

    sent = []
    original = tasks.importjobb.delay
    tasks.importjobb.delay = lambda *args: sent.append(args)
    try:
        _post_deltaganden(client_handlaggare_a, LARGE)
    finally:
        tasks.importjobb.delay = original
    jobb = Importjobb.objects.get()
    assert LARGE not in bytes(jobb.data)
    assert decrypt_bytes(bytes(jobb.data)) == LARGE
    assert sent == [(str(jobb.pk), "granska")]


def test_a_large_insatser_upload_is_previewed_from_memory(
    client_admin_a, forbund_a, no_temporary_files
):
    response = _post_insatser(client_admin_a, forbund_a, LARGE, follow=True)
    assert response.status_code == 200
    assert "Filen har fler än 60000 rader" in response.text
    assert Importjobb.objects.get().data is None


@pytest.mark.parametrize("where", ["deltaganden", "insatser"])
def test_an_upload_over_the_cap_gets_the_swedish_413_page(
    client_handlaggare_a, client_admin_a, forbund_a, where
):
    too_large = b"x" * (22 * MB)
    if where == "deltaganden":
        response = _post_deltaganden(client_handlaggare_a, too_large)
    else:
        response = _post_insatser(client_admin_a, forbund_a, too_large)
    assert response.status_code == 413
    assert "Filen är för stor" in response.text and "högst 20 MB" in response.text
    assert "Filen har inte tagits emot och inget har sparats" in response.text
    assert not Importjobb.objects.exists()


def test_a_file_just_over_the_limit_is_a_form_error(client_handlaggare_a):
    response = _post_deltaganden(client_handlaggare_a, b"x" * (20 * MB + 1))
    assert response.status_code == 200
    assert "Filen är för stor (högst 20 MB)" in response.text
    assert not Importjobb.objects.exists()


def test_the_cap_holds_while_the_file_streams_in(settings):
    # Content-Length can be absent or understated: the bytes themselves are counted.
    handler = MemoryOnlyUploadHandler()
    handler.handle_raw_input(io.BytesIO(), {}, None, b"b")
    with pytest.raises(StopFutureHandlers):  # the one handler for the file
        handler.new_file("fil", "d.csv", "text/csv", None)
    chunk = b"x" * MB
    for _ in range(settings.FINSAM_UPLOAD_MAX_BYTES // MB + 1):  # the cap and the form's margin
        handler.receive_data_chunk(chunk, 0)
    with pytest.raises(UploadTooLarge):
        handler.receive_data_chunk(b"x", 0)


def test_too_much_form_data_is_a_swedish_400(client_radet):
    response = client_radet.post("/rapporter/", {"ar": "2015", "fritext": "x" * (3 * MB)})
    assert response.status_code == 400
    assert "Begäran kunde inte tolkas" in response.text
