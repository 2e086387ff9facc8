"""Ordering a report, following its status (htmx polling), downloading it; who may do what."""

from __future__ import annotations

import io
import json

import pytest
from django.urls import reverse

from finsam.celery import app
from rapporter import services
from rapporter.models import Rapportjobb, Status

pytestmark = pytest.mark.django_db

URL = "/rapporter/"


@pytest.fixture
def eager():
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = False


def _order(client, **data):
    values = {"ar": 2015, "omfattning": "nationell", "format": "json"}
    values.update(data)
    return client.post(URL, values)


def test_radet_orders_a_national_report_that_is_always_suppressed(client_radet, radet, eager):
    response = _order(client_radet)  # undertryck not ticked: forced anyway
    jobb = Rapportjobb.objects.get()
    assert response.status_code == 302 and response["Location"] == jobb.get_absolute_url()
    assert jobb.undertryck is True and jobb.bestalld_av == radet
    assert jobb.status == Status.KLAR and jobb.data_tidpunkt
    page = client_radet.get(jobb.get_absolute_url())
    assert "Rapporten är klar" in page.content.decode()
    download = client_radet.get(reverse("rapporter:download", args=[jobb.pk]))
    assert download["Content-Type"] == "application/json"
    assert "aterrapportering-2015-riket.json" in download["Content-Disposition"]
    assert json.loads(download.content)["undertryckt"] is True


def test_forbundsadministrator_orders_the_own_forbund_only(
    client_admin_a, forbund_a, forbund_b, eager
):
    page = client_admin_a.get(URL).content.decode()
    assert forbund_a.namn in page and forbund_b.namn not in page
    assert 'name="lan"' not in page
    # The only förbund is chosen already, and the suppression box is a visible FKUI checkbox.
    assert f'<option value="{forbund_a.pk}" selected>' in page
    assert "Välj förbund" not in page
    assert 'class="checkbox__label" for="id_undertryck"' in page
    _order(client_admin_a, omfattning="forbund", forbund=forbund_a.pk, format="xlsx")
    jobb = Rapportjobb.objects.get()
    assert (jobb.omfattning, jobb.kod, jobb.undertryck) == (
        "forbund",
        forbund_a.organisationsnummer,
        False,
    )
    response = _order(client_admin_a, omfattning="forbund", forbund=forbund_b.pk)
    assert response.status_code == 200 and "Formuläret innehåller fel" in response.content.decode()
    response = _order(client_admin_a, omfattning="nationell")
    assert response.status_code == 200
    assert Rapportjobb.objects.count() == 1


def test_missing_scope_code_is_a_form_error(client_radet):
    response = _order(client_radet, omfattning="lan")
    assert "Välj län" in response.content.decode()
    assert not Rapportjobb.objects.exists()


def test_status_polling_stops_when_done(client_radet, radet):
    jobb = Rapportjobb.objects.create(
        bestalld_av=radet, ar=2015, omfattning="nationell", format="pdf"
    )
    polling = client_radet.get(jobb.get_absolute_url(), headers={"HX-Request": "true"})
    assert polling.status_code == 200 and 'hx-trigger="every 2s"' in polling.content.decode()
    services.run_report(jobb_id=str(jobb.pk))
    done = client_radet.get(jobb.get_absolute_url(), headers={"HX-Request": "true"})
    assert done.status_code == 286  # htmx stops polling
    assert "Rapporten är klar" in done.content.decode()
    pdf = client_radet.get(reverse("rapporter:download", args=[jobb.pk]))
    assert pdf.content.startswith(b"%PDF")


def test_queue_down_fails_fast_with_a_clear_message_and_can_be_retried(
    client_radet, monkeypatch, eager
):
    from kombu.exceptions import OperationalError

    from rapporter import tasks

    def down(*args, **kwargs):
        raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(tasks.build_report, "delay", down)
    response = _order(client_radet)
    jobb = Rapportjobb.objects.get()
    assert jobb.status == Status.FEL and "svarar inte just nu" in jobb.felmeddelande
    page = client_radet.get(response["Location"]).content.decode()
    assert "Försök igen" in page
    monkeypatch.undo()
    client_radet.post(reverse("rapporter:retry", args=[jobb.pk]))
    jobb.refresh_from_db()
    assert jobb.status == Status.KLAR


def test_running_a_finished_job_again_changes_nothing(radet):
    jobb = Rapportjobb.objects.create(
        bestalld_av=radet, ar=2015, omfattning="nationell", format="json"
    )
    services.run_report(jobb_id=str(jobb.pk))
    jobb.refresh_from_db()
    first = (jobb.klar, bytes(jobb.innehall))
    services.run_report(jobb_id=str(jobb.pk))  # a redelivered task
    jobb.refresh_from_db()
    assert (jobb.klar, bytes(jobb.innehall)) == first


def test_an_interrupted_job_is_rebuilt(radet):
    jobb = Rapportjobb.objects.create(
        bestalld_av=radet, ar=2015, omfattning="nationell", format="json", status=Status.PAGAR
    )
    services.run_report(jobb_id=str(jobb.pk))  # the worker died; the task was redelivered
    jobb.refresh_from_db()
    assert jobb.status == Status.KLAR


def test_a_failing_build_shows_an_error(radet, monkeypatch):
    jobb = Rapportjobb.objects.create(
        bestalld_av=radet, ar=2015, omfattning="nationell", format="json"
    )

    def boom(**kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(services, "render", boom)
    services.run_report(jobb_id=str(jobb.pk))
    jobb.refresh_from_db()
    assert jobb.status == Status.FEL and "tekniskt fel" in jobb.felmeddelande
    assert "disk full" not in jobb.felmeddelande


def test_access(
    client_handlaggare_a,
    client_admin_b,
    client_radet,
    radet,
    client,
    administrator,
    client_administrator,
):
    jobb = Rapportjobb.objects.create(
        bestalld_av=radet, ar=2015, omfattning="nationell", format="json"
    )
    urls = [
        jobb.get_absolute_url(),
        reverse("rapporter:download", args=[jobb.pk]),
    ]
    assert client_handlaggare_a.get(URL).status_code == 404  # handläggare: no reports
    for url in urls:
        assert client_admin_b.get(url).status_code == 404  # someone else's job
        assert client_handlaggare_a.get(url).status_code == 404
    assert client_admin_b.post(reverse("rapporter:retry", args=[jobb.pk])).status_code == 404
    assert client_administrator.get(jobb.get_absolute_url()).status_code == 200
    assert client.get(URL).status_code == 302  # to the login


def test_wrong_methods(client_radet, radet):
    jobb = Rapportjobb.objects.create(
        bestalld_av=radet, ar=2015, omfattning="nationell", format="json"
    )
    assert client_radet.put(URL).status_code == 405
    assert client_radet.post(jobb.get_absolute_url()).status_code == 405
    assert client_radet.get(reverse("rapporter:retry", args=[jobb.pk])).status_code == 405
    assert client_radet.post(reverse("rapporter:download", args=[jobb.pk])).status_code == 405


def test_diarienummer_and_comment_are_stored_shown_and_printed(
    client_admin_a, admin_a, forbund_a, eager
):
    from pypdf import PdfReader

    kommentar = "Året präglades av en ny samverkansmodell.\nSe bilaga <b>2</b>."
    _order(
        client_admin_a,
        omfattning="forbund",
        forbund=forbund_a.pk,
        format="pdf",
        diarienummer="  FK 2026/123  ",
        kommentar=kommentar,
    )
    jobb = Rapportjobb.objects.get()
    assert (jobb.diarienummer, jobb.kommentar) == ("FK 2026/123", kommentar)
    page = client_admin_a.get(jobb.get_absolute_url()).content.decode()
    assert "FK 2026/123" in page and "&lt;b&gt;2&lt;/b&gt;" in page  # plain text, escaped
    download = client_admin_a.get(reverse("rapporter:download", args=[jobb.pk]))
    text = " ".join(
        " ".join(p.extract_text() for p in PdfReader(io.BytesIO(download.content)).pages).split()
    )
    assert "Diarienummer FK 2026/123" in text
    assert "Förbundets kommentar" in text and "ny samverkansmodell." in text
    name = admin_a.get_full_name() or admin_a.username
    assert f"Kontaktperson {name}" in text and "Till Försäkringskassan" in text


def test_comment_longer_than_5000_characters_is_refused(client_admin_a, forbund_a):
    response = _order(
        client_admin_a, omfattning="forbund", forbund=forbund_a.pk, kommentar="x" * 5001
    )
    assert response.status_code == 200 and "5000" in response.content.decode().replace(
        "\u00a0", ""
    ).replace(" ", "")
    assert Rapportjobb.objects.count() == 0
