"""Web upload of deltaganden: preview by the worker, every error listed, confirm, progress;
the file is stored only encrypted and removed when done; only the uploader reaches the job."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from deltagare.models import Deltagande, Person
from finsam.celery import app
from forbund.models import Importjobb

from ..formulas import assert_csv_inert
from .test_import_deltaganden import HEADER, insats, valid  # noqa: F401 (fixtures)

pytestmark = pytest.mark.django_db

UPLOAD = "/deltagare/import/"
PNR_FORMS = ["199001010017", "19900101-0017", "9001010017", "900101"]


@pytest.fixture(autouse=True)
def eager():
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = False


def upload(client, text: str, kind: str = "deltaganden", name: str = "d.csv"):
    fil = SimpleUploadedFile(name, text.encode("utf-8"), content_type="text/csv")
    return client.post(UPLOAD, {"kind": kind, "fil": fil})


def job_url(jobb) -> str:
    return reverse("importjobb:jobb", args=[jobb.pk])


def raw_dump() -> str:
    parts = []
    with connection.cursor() as cursor:
        for table in (
            "deltagare_person",
            "deltagare_deltagande",
            "deltagare_samtycke",
            "forbund_importjobb",
        ):
            cursor.execute(f"SELECT * FROM {table}")  # noqa: S608 (fixed table names)
            parts.append(repr(cursor.fetchall()))
    return "\n".join(parts)


def test_preview_then_confirm(client_handlaggare_a, valid):  # noqa: F811
    response = upload(client_handlaggare_a, valid)
    jobb = Importjobb.objects.get()
    assert response.status_code == 302 and response.url == job_url(jobb)
    page = client_handlaggare_a.get(job_url(jobb)).text
    assert "Filen är felfri" in page and "4 rader: 4 nya" in page
    assert Deltagande.objects.count() == 0  # nothing saved before the confirmation
    # Stored encrypted while waiting: no clear number anywhere in the tables.
    assert not any(form in raw_dump() for form in PNR_FORMS)

    response = client_handlaggare_a.post(reverse("importjobb:bekrafta", args=[jobb.pk]))
    assert response.status_code == 302
    jobb.refresh_from_db()
    assert (jobb.status, jobb.skapade, jobb.klara, jobb.data) == ("klar", 4, 4, None)
    assert Deltagande.objects.count() == 4 and Person.objects.count() == 2
    assert "Importen är klar" in client_handlaggare_a.get(job_url(jobb)).text
    assert not any(form in raw_dump() for form in PNR_FORMS)
    # A second confirmation (double click) imports nothing more.
    client_handlaggare_a.post(reverse("importjobb:bekrafta", args=[jobb.pk]))
    assert Deltagande.objects.count() == 4


def test_the_same_file_twice_changes_nothing(client_handlaggare_a, valid):  # noqa: F811
    for _ in range(2):
        upload(client_handlaggare_a, valid)
        jobb = Importjobb.objects.order_by("-skapad").first()
        client_handlaggare_a.post(reverse("importjobb:bekrafta", args=[jobb.pk]))
    jobb.refresh_from_db()
    assert (jobb.skapade, jobb.oforandrade) == (0, 4)
    assert Deltagande.objects.count() == 4


def test_every_error_listed_and_nothing_saved(client_handlaggare_a, insats):  # noqa: F811
    o = insats.forbund.organisationsnummer
    text = HEADER + (
        f"{o};COACH;person;19900101-0018;2015-02-01;;2015-02-01;;;;;;;;\n"
        f"{o};COACH;person;19900101-0017;;;2015-02-01;;;;;;;;\n"
        f"{o};NOPE;anonym;;;kvinna;2015-02-01;;;;;;;;\n"
    )
    upload(client_handlaggare_a, text)
    jobb = Importjobb.objects.get()
    assert (jobb.status, jobb.antal_fel, jobb.data) == ("avvisad", len(jobb.fel), None)
    assert jobb.antal_fel >= 3
    page = client_handlaggare_a.get(job_url(jobb)).text
    assert "Inget har sparats" in page and "Rad 2" not in page  # a table, row by row
    assert not any(form in page for form in PNR_FORMS)
    assert Deltagande.objects.count() == 0
    # An unchecked job cannot be confirmed.
    client_handlaggare_a.post(reverse("importjobb:bekrafta", args=[jobb.pk]))
    assert Deltagande.objects.count() == 0


def test_the_page_lists_the_columns_of_each_allowed_kind(client_handlaggare_a, client_admin_a):
    page = client_handlaggare_a.get(UPLOAD).text
    assert "<code>personnummer</code>" in page and "<code>matpunkt</code>" in page
    # A förbundsadministratör imports anonymous deltaganden only: no follow-ups offered.
    page = client_admin_a.get(UPLOAD).text
    assert "<code>matpunkt</code>" not in page


def test_upload_form_errors(client_handlaggare_a):
    response = client_handlaggare_a.post(UPLOAD, {"kind": "deltaganden"})
    assert "Välj en fil att ladda upp." in response.text
    response = upload(client_handlaggare_a, "x", name="d.pdf")
    assert "CSV-fil" in response.text
    assert not Importjobb.objects.exists()


def test_polling_stops_when_done(client_handlaggare_a, valid):  # noqa: F811
    upload(client_handlaggare_a, valid)
    jobb = Importjobb.objects.get()
    response = client_handlaggare_a.get(job_url(jobb), HTTP_HX_REQUEST="true")
    assert response.status_code == 286


def test_queue_down_is_a_clear_message(client_handlaggare_a, valid, monkeypatch):  # noqa: F811
    from forbund import tasks

    def down(*args, **kwargs):
        raise ConnectionError("redis down")

    monkeypatch.setattr(tasks.importjobb, "delay", down)
    upload(client_handlaggare_a, valid)
    jobb = Importjobb.objects.get()
    assert (jobb.status, jobb.data) == ("fel", None)
    assert "svarar inte just nu" in client_handlaggare_a.get(job_url(jobb)).text


def test_only_the_uploader_reaches_the_job(client_handlaggare_a, client_admin_a, valid):  # noqa: F811
    upload(client_handlaggare_a, valid)
    jobb = Importjobb.objects.get()
    assert client_admin_a.get(job_url(jobb)).status_code == 404
    url = reverse("importjobb:bekrafta", args=[jobb.pk])
    assert client_admin_a.post(url).status_code == 404


@pytest.mark.parametrize("who", ["client_radet", "client_administrator"])
def test_roles_that_import_no_deltaganden_get_404(request, who):
    assert request.getfixturevalue(who).get(UPLOAD).status_code == 404


def test_wrong_methods(client_handlaggare_a, valid):  # noqa: F811
    assert client_handlaggare_a.put(UPLOAD).status_code == 405
    upload(client_handlaggare_a, valid)
    jobb = Importjobb.objects.get()
    assert client_handlaggare_a.post(job_url(jobb)).status_code == 405
    url = reverse("importjobb:bekrafta", args=[jobb.pk])
    assert client_handlaggare_a.get(url).status_code == 405


@settings(max_examples=20, deadline=None, suppress_health_check=list(HealthCheck), database=None)
@given(content=st.binary(max_size=300), name=st.sampled_from(["d.csv", "d.xlsx", "d.txt"]))
def test_fuzz_never_500_never_saved(client_handlaggare_a, content, name):
    fil = SimpleUploadedFile(name, content)
    response = client_handlaggare_a.post(UPLOAD, {"kind": "deltaganden", "fil": fil})
    assert response.status_code < 500
    assert not Deltagande.objects.exists()


def test_all_errors_download(client_handlaggare_a, insats):  # noqa: F811
    o = insats.forbund.organisationsnummer
    text = HEADER + "".join(f"{o};NOPE;anonym;;;kvinna;2015-02-01;;;;;;;;\n" for _ in range(5))
    upload(client_handlaggare_a, text)
    jobb = Importjobb.objects.get()
    response = client_handlaggare_a.get(reverse("importjobb:fel", args=[jobb.pk]))
    lines = response.content.decode().strip().splitlines()
    assert lines[0] == "rad;kolumn;varde;meddelande"
    assert len(lines) == 1 + jobb.antal_fel >= 6


def test_all_errors_download_never_runs_a_formula(client_handlaggare_a, insats):  # noqa: F811
    """An unknown column's name is quoted in fel.csv: a formula there stays text."""
    columns = ["=1+1", "+1+1", "-1+1", "@sum(a1)", "\x01=1+1"]
    o = insats.forbund.organisationsnummer
    header = HEADER.rstrip("\n") + ";" + ";".join(columns) + "\n"
    upload(client_handlaggare_a, header + f"{o};COACH;anonym;;;kvinna;2015-02-01" + ";" * 13 + "\n")
    jobb = Importjobb.objects.get()
    response = client_handlaggare_a.get(reverse("importjobb:fel", args=[jobb.pk]))
    assert_csv_inert(response.content, expected=columns)


def test_masking_keeps_organisationsnummer():
    from forbund.importjobb import maskera

    text = "Okänd kod '19900101-0017', '9001010017', '900101+0017'; förbundet 2220000018"
    masked = maskera(text)
    assert "0017" not in masked.replace("2220000018", "")
    assert "2220000018" in masked


def test_beat_task_removes_day_old_files(client_handlaggare_a, valid):  # noqa: F811
    import datetime as dt

    from django.utils import timezone

    from forbund.tasks import rensa_importer

    upload(client_handlaggare_a, valid)
    jobb = Importjobb.objects.get()
    Importjobb.objects.filter(pk=jobb.pk).update(skapad=timezone.now() - dt.timedelta(days=2))
    assert rensa_importer() == 1
    jobb.refresh_from_db()
    assert (jobb.status, jobb.data) == ("fel", None)
    assert "Ladda upp den igen" in client_handlaggare_a.get(job_url(jobb)).text


@pytest.mark.parametrize(
    "name, reach",
    [("bomb_a1_xfd1048576.xlsx", "kolumn XFD"), ("bomb_a1_zz50000.xlsx", "kolumn ZZ")],
)
def test_xlsx_bomb_is_refused_by_the_worker_with_a_swedish_message(
    client_handlaggare_a,
    insats,  # noqa: F811
    name,
    reach,
):
    # Read in the Celery worker these aborted it (SIGABRT) over and over, the page saying
    # "Filen kontrolleras" for ever.
    content = (Path(__file__).resolve().parent.parent / "files" / name).read_bytes()
    fil = SimpleUploadedFile(name, content)
    response = client_handlaggare_a.post(UPLOAD, {"kind": "deltaganden", "fil": fil})
    jobb = Importjobb.objects.get()
    assert response.status_code == 302 and response.url == job_url(jobb)
    assert (jobb.status, jobb.data) == (Importjobb.Status.AVVISAD, None)
    page = client_handlaggare_a.get(job_url(jobb)).text
    assert "Inget har sparats" in page
    assert f"Excel-filen är för stor: bladet når {reach}" in page
    assert not Deltagande.objects.exists() and not Person.objects.exists()


def test_the_preview_lists_the_changes_and_logs_the_stored_values_it_shows(
    client_handlaggare_a,
    handlaggare_a,
    valid,  # noqa: F811
):
    from deltagare.models import Atkomstlogg

    upload(client_handlaggare_a, valid)
    client_handlaggare_a.post(reverse("importjobb:bekrafta", args=[Importjobb.objects.get().pk]))
    Atkomstlogg.objects.all().delete()
    # The second person's deltagande ends; everything else stays.
    changed = valid.replace(
        "Försörjningsstöd;over_9;ingen;;;", "Försörjningsstöd;over_9;ingen;fullfoljd;arbete;"
    ).replace(";2015-03-01;;forgymnasial", ";2015-03-01;2015-09-30;forgymnasial")
    upload(client_handlaggare_a, changed)
    jobb = Importjobb.objects.latest("skapad")
    page = client_handlaggare_a.get(job_url(jobb)).text
    assert "4 rader: 0 nya, 1 ändrade och 3 oförändrade" in page
    assert "Rad" in page and "COACH, person, start 2015-03-01" in page
    assert "<code>slutdatum</code>" in page and "2015-09-30" in page
    assert "<code>avslutsorsak</code>" in page and "fullfoljd" in page
    assert not any(form in page for form in PNR_FORMS)
    # The stored values of a person's deltagande were shown: the view is in the log.
    entry = Atkomstlogg.objects.get(anledning__startswith="Import")
    assert entry.user == handlaggare_a and entry.personer.count() == 1
    csv = client_handlaggare_a.get(reverse("importjobb:andringar", args=[jobb.pk, "csv"]))
    assert b"slutdatum;;2015-09-30" in csv.content
    assert not any(form.encode() in csv.content for form in PNR_FORMS)
    assert Atkomstlogg.objects.count() == 2


def test_back_then_bekrafta_says_the_import_is_already_done(client_handlaggare_a, valid):  # noqa: F811
    upload(client_handlaggare_a, valid)
    jobb = Importjobb.objects.get()
    url = reverse("importjobb:bekrafta", args=[jobb.pk])
    client_handlaggare_a.post(url)
    again = client_handlaggare_a.post(url, follow=True)
    assert again.status_code == 200
    text = again.text
    assert "Importen är redan genomförd" in text and "4 nya, 0 ändrade" in text
    who = jobb.user.get_full_name() or jobb.user.username
    assert f" av {who}: " in text
    assert Deltagande.objects.count() == 4
