"""Ordering a report, following its status (htmx polling), downloading it; who may do what."""

from __future__ import annotations

import io
import json

import pytest
from django.urls import reverse

from finsam.celery import app
from rapporter import godkannande, services
from rapporter.models import Rapportfil, Rapportjobb, Status

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
        bestalld_av=radet, ar=2015, omfattning="nationell", formats=["pdf"]
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
        bestalld_av=radet, ar=2015, omfattning="nationell", formats=["json"]
    )
    services.run_report(jobb_id=str(jobb.pk))
    jobb.refresh_from_db()
    first = (jobb.klar, bytes(jobb.filer.get().innehall))
    services.run_report(jobb_id=str(jobb.pk))  # a redelivered task
    jobb.refresh_from_db()
    assert (jobb.klar, bytes(jobb.filer.get().innehall)) == first


def test_an_interrupted_job_is_rebuilt(radet):
    jobb = Rapportjobb.objects.create(
        bestalld_av=radet, ar=2015, omfattning="nationell", formats=["json"], status=Status.PAGAR
    )
    services.run_report(jobb_id=str(jobb.pk))  # the worker died; the task was redelivered
    jobb.refresh_from_db()
    assert jobb.status == Status.KLAR


def test_a_failing_build_shows_an_error(radet, monkeypatch):
    jobb = Rapportjobb.objects.create(
        bestalld_av=radet, ar=2015, omfattning="nationell", formats=["json"]
    )

    def boom(**kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(godkannande, "build", boom)
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
        bestalld_av=radet, ar=2015, omfattning="nationell", formats=["json"]
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
        bestalld_av=radet, ar=2015, omfattning="nationell", formats=["json"]
    )
    assert client_radet.put(URL).status_code == 405
    assert client_radet.post(jobb.get_absolute_url()).status_code == 405
    assert client_radet.get(reverse("rapporter:retry", args=[jobb.pk])).status_code == 405
    assert client_radet.post(reverse("rapporter:download", args=[jobb.pk])).status_code == 405


def test_a_user_moved_to_another_forbund_no_longer_gets_the_old_report(
    client_admin_a, admin_a, forbund_a, forbund_b, eager
):
    from forbund.choices import Roll

    _order(client_admin_a, omfattning="forbund", forbund=forbund_a.pk, format="json")
    jobb = Rapportjobb.objects.get()
    assert jobb.undertryck is False  # the förbund's own, small counts shown
    download = reverse("rapporter:download", args=[jobb.pk])
    assert client_admin_a.get(download).status_code == 200
    # Moved: förbundsadministratör of B from now on, no longer of A.
    admin_a.uppdrag.filter(forbund=forbund_a).update(forbund=forbund_b)
    assert client_admin_a.get(download).status_code == 404
    page = client_admin_a.get(jobb.get_absolute_url()).content.decode()
    assert "inte längre behörighet" in page and download not in page
    assert admin_a.uppdrag.get().roll == Roll.FORBUNDSADMINISTRATOR


def test_radet_never_downloads_small_counts_whoever_ordered_them(radet, client_radet):
    """A report with small counts shown, ordered while the user was administratör."""
    jobb = Rapportjobb.objects.create(
        bestalld_av=radet,
        ar=2015,
        omfattning="nationell",
        formats=["json"],
        undertryck=False,
        status=Status.KLAR,
    )
    Rapportfil.objects.create(jobb=jobb, format="json", innehall=b"{}")
    assert client_radet.get(reverse("rapporter:download", args=[jobb.pk])).status_code == 404
    assert client_radet.post(reverse("rapporter:retry", args=[jobb.pk])).status_code == 404
    jobb.undertryck = True
    jobb.save()
    assert client_radet.get(reverse("rapporter:download", args=[jobb.pk])).status_code == 200


def test_radet_starts_with_reports_and_the_form_defaults_to_the_whole_country(client_radet, eager):
    start = client_radet.get("/").content.decode()
    assert start.index('href="/rapporter/"') < start.index("Alla samordningsförbund")
    page = client_radet.get(URL)
    form = page.context["form"]
    assert form["omfattning"].value() == "nationell"
    assert '<option value="nationell" selected>' in page.content.decode()
    # The first submit with what the form shows succeeds.
    response = client_radet.post(
        URL, {"ar": form["ar"].value(), "omfattning": form["omfattning"].value(), "format": "json"}
    )
    assert response.status_code == 302
    assert Rapportjobb.objects.get().omfattning == "nationell"


def test_forbundsadministrator_start_page_has_no_national_report_section(client_admin_a):
    assert 'id="rapporter-rubrik"' not in client_admin_a.get("/").content.decode()


def test_one_order_gives_pdf_xlsx_and_json_from_one_computation(
    client_radet, eager, django_assert_max_num_queries, monkeypatch
):
    from rapporter import tabeller

    builds = []
    real_build = tabeller.build

    def counting_build(**kwargs):
        builds.append(kwargs["ar"])
        return real_build(**kwargs)

    # Counts the computations; the real one runs.
    monkeypatch.setattr(godkannande, "build", counting_build)
    response = _order(client_radet, format=["json", "pdf", "xlsx"])
    jobb = Rapportjobb.objects.get()
    assert jobb.formats == ["pdf", "xlsx", "json"]  # in the form's order
    assert jobb.status == Status.KLAR
    assert builds == [2015]  # once: T19 carries the earlier years the PDF's summary reads
    page = client_radet.get(response["Location"]).content.decode()
    for f in ("pdf", "xlsx", "json"):
        url = reverse("rapporter:download_format", args=[jobb.pk, f])
        assert url in page
        assert f"aterrapportering-2015-riket.{f}" in page
    files = {
        f: client_radet.get(reverse("rapporter:download_format", args=[jobb.pk, f]))
        for f in ("pdf", "xlsx", "json")
    }
    assert files["pdf"].content.startswith(b"%PDF")
    assert files["xlsx"].content.startswith(b"PK")
    assert json.loads(files["json"].content)["ar"] == 2015
    assert (
        client_radet.get(reverse("rapporter:download_format", args=[jobb.pk, "csv"])).status_code
        == 404
    )
    assert "PDF, Excel (XLSX), JSON" in client_radet.get(URL).content.decode()


def test_an_order_without_a_format_is_refused(client_radet):
    response = client_radet.post(URL, {"ar": 2015, "omfattning": "nationell"})
    assert "Välj minst ett format." in response.content.decode()
    assert not Rapportjobb.objects.exists()


def test_report_list_names_the_lan_and_the_forbund(client_administrator, administrator, forbund_a):
    Rapportjobb.objects.create(
        bestalld_av=administrator, ar=2015, omfattning="lan", kod="03", formats=["json"]
    )
    Rapportjobb.objects.create(
        bestalld_av=administrator,
        ar=2015,
        omfattning="forbund",
        kod=forbund_a.organisationsnummer,
        formats=["pdf"],
    )
    page = client_administrator.get(URL).content.decode()
    assert "2015, Uppsala län (JSON)" in page
    assert f"2015, {forbund_a.namn} (PDF)" in page
    assert "ett län 03" not in page


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
