"""Upload with preview: every error, or every change, before anything is saved, then a
confirmation; checked and imported by the worker (eager here) like every import kind."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from finsam.celery import app
from finsam.lib.tabular import read_table
from forbund.models import Importjobb
from insatser.models import Insats, Volymregistrering

from ..factories import InsatsFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def eager():
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = False


def _url(forbund, name: str = "import", **kwargs) -> str:
    return reverse(f"insatser:{name}", kwargs={"orgnr": forbund.organisationsnummer, **kwargs})


def _upload(client, forbund, kind: str, content: bytes, name: str = "fil.csv"):
    return client.post(
        _url(forbund), {"kind": kind, "fil": SimpleUploadedFile(name, content)}, follow=True
    )


def _confirm(client, jobb):
    return client.post(reverse("importjobb:bekrafta", args=[jobb.pk]), follow=True)


def _insatser_csv(forbund, typ: str = "rehabilitering") -> bytes:
    o = forbund.organisationsnummer
    return (
        "forbund;kod;namn;niva;typ;deltagarregistrering;startdatum\n"
        f"{o};NY-1;Ny insats;individ;{typ};individuell;2024-01-01\n"
        f"{o};NY-2;Nätverk;struktur;dialog;;2024-01-01\n"
    ).encode()


def test_upload_preview_errors_fix_preview_confirm(client_admin_a, forbund_a):
    page = client_admin_a.get(_url(forbund_a))
    assert page.status_code == 200
    assert "Importera insatser, antal och ekonomi" in page.text

    bad = _insatser_csv(forbund_a, typ="dialog").replace(b"2024-01-01\n", b"2024-02-30\n", 1)
    response = _upload(client_admin_a, forbund_a, "insatser", bad)
    assert response.status_code == 200
    assert "Filen har 2 fel. Inget har sparats." in response.text
    assert "Dialog och kommunikation är ingen typ för individinriktad insats." in response.text
    assert "Ogiltigt datum" in response.text
    assert "Bekräfta import" not in response.text
    assert not Insats.objects.exists()
    assert Importjobb.objects.get().data is None  # a refused file's bytes are gone

    response = _upload(client_admin_a, forbund_a, "insatser", _insatser_csv(forbund_a))
    assert "Filen är felfri" in response.text
    assert "2 rader: 2 nya, 0 ändrade och 0 oförändrade. Inget är sparat ännu." in response.text
    assert "Bekräfta import" in response.text
    assert not Insats.objects.exists()
    stored = Importjobb.objects.get(status="granskad")

    response = _confirm(client_admin_a, stored)
    assert response.status_code == 200
    assert "Importen är klar" in response.text
    assert "2 rader: 2 nya, 0 ändrade och 0 oförändrade." in response.text
    assert set(Insats.objects.values_list("kod", flat=True)) == {"NY-1", "NY-2"}
    stored.refresh_from_db()
    assert (stored.status, stored.data) == ("klar", None)
    # A second confirmation of the same upload (a double click, or Back then Bekräfta)
    # imports nothing more and says what happened.
    again = _confirm(client_admin_a, stored)
    assert again.status_code == 200
    assert "Importen är redan genomförd" in again.text and "2 nya, 0 ändrade" in again.text
    assert Insats.objects.count() == 2


def test_upload_form_errors_are_summarised(client_admin_a, forbund_a):
    response = client_admin_a.post(_url(forbund_a), {"kind": "okand"})
    assert not Importjobb.objects.exists()
    assert response.status_code == 200
    assert "Formuläret innehåller fel" in response.text
    assert "Välj en fil att ladda upp." in response.text
    response = _upload(client_admin_a, forbund_a, "volym", b"x", name="fil.pdf")
    assert "Filen ska vara en CSV-fil" in response.text


def test_unreadable_file_is_one_error_and_nothing_saved(client_admin_a, forbund_a):
    response = _upload(client_admin_a, forbund_a, "volym", b"PK\x03\x04broken", name="a.xlsx")
    assert "Excel-filen kan inte läsas" in response.text
    assert Importjobb.objects.get().data is None


def test_rows_for_another_forbund_are_errors(client_admin_a, forbund_a, forbund_b):
    response = _upload(client_admin_a, forbund_a, "insatser", _insatser_csv(forbund_b))
    assert f"Du har inte behörighet till förbundet {forbund_b.organisationsnummer}." in (
        response.text
    )
    assert not Insats.objects.exists()


def test_confirm_needs_the_uploaders_own_file(client_admin_a, admin_b, forbund_a, forbund_b):
    other = Importjobb.objects.create(
        user=admin_b, kind="insatser", filnamn="f.csv", sida="/", status="granskad", data=b""
    )
    response = client_admin_a.post(reverse("importjobb:bekrafta", args=[other.pk]))
    assert response.status_code == 404
    assert client_admin_a.get(other.get_absolute_url()).status_code == 404
    other.refresh_from_db()
    assert other.status == "granskad"


def test_administrator_may_import(client_administrator, forbund_a):
    response = _upload(client_administrator, forbund_a, "insatser", _insatser_csv(forbund_a))
    assert "Bekräfta import" in response.text


@pytest.mark.parametrize("format", ["csv", "xlsx"])
def test_export_download_in_the_import_format(
    client_admin_a, forbund_a, insats_a, insats_b, format
):
    response = client_admin_a.get(_url(forbund_a, "import_export", kind="insatser", format=format))
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith('attachment; filename="insatser-')
    table = read_table(response.content, filename=f"x.{format}")
    assert [row["kod"] for _, row in table] == ["A-1"]


def test_wrong_method_is_405(client_admin_a, admin_a, forbund_a):
    assert client_admin_a.put(_url(forbund_a)).status_code == 405
    job = Importjobb.objects.create(
        user=admin_a, kind="insatser", filnamn="f.csv", sida="/", status="granskad"
    )
    assert client_admin_a.get(reverse("importjobb:bekrafta", args=[job.pk])).status_code == 405
    url = _url(forbund_a, "import_export", kind="volym", format="csv")
    assert client_admin_a.post(url).status_code == 405


def test_unknown_kind_or_format_for_export_is_404(client_admin_a, forbund_a):
    assert (
        client_admin_a.get(_url(forbund_a, "import_export", kind="forbund", format="csv"))
    ).status_code == 404
    assert (
        client_admin_a.get(_url(forbund_a, "import_export", kind="volym", format="pdf"))
    ).status_code == 404


@pytest.mark.parametrize("who", ["client_admin_b", "client_handlaggare_a", "client_radet"])
def test_others_get_404(request, who, forbund_a):
    client = request.getfixturevalue(who)
    for response in (
        client.get(_url(forbund_a)),
        _upload(client, forbund_a, "insatser", _insatser_csv(forbund_a)),
        client.post(reverse("importjobb:bekrafta", args=["00000000-0000-0000-0000-000000000000"])),
        client.get(_url(forbund_a, "import_export", kind="insatser", format="csv")),
    ):
        assert response.status_code == 404
    assert not Insats.objects.filter(kod__startswith="NY-").exists()


def test_anonymous_is_sent_to_login(client, forbund_a):
    response = client.get(_url(forbund_a))
    assert response.status_code in (302, 404)


def test_links_from_the_insats_list_and_forbund_page(client_admin_a, forbund_a):
    url = _url(forbund_a)
    assert (
        url
        in client_admin_a.get(reverse("insatser:list", args=[forbund_a.organisationsnummer])).text
    )
    assert url in client_admin_a.get(forbund_a.get_absolute_url()).text


# --- fuzzing ----------------------------------------------------------------------------

FUZZ = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
cell = st.one_of(
    st.text(max_size=12),
    st.sampled_from(["", "VOL-1", "2015-03-31", "-1", "1", "=1+1", "individ", "|", ";", '"']),
)
COLUMNS = ["forbund", "insats", "datum", "kvinnor", "man", "okant", "extra"]


@FUZZ
@given(content=st.binary(max_size=300), name=st.sampled_from(["a.csv", "a.xlsx", "a.txt"]))
def test_fuzz_random_bytes_never_500_never_saved(client_admin_a, forbund_a, content, name):
    for kind in ("insatser", "ekonomi"):
        response = _upload(client_admin_a, forbund_a, kind, content, name=name)
        assert response.status_code == 200
    assert not Insats.objects.exists()


@FUZZ
@given(
    header=st.lists(st.sampled_from(COLUMNS), min_size=1, max_size=7),
    rows=st.lists(st.lists(cell, max_size=8), max_size=5),
    good_first=st.booleans(),
)
def test_fuzz_random_cells_never_500_never_partial(
    client_admin_a, forbund_a, header, rows, good_first
):
    insats = Insats.objects.filter(kod="VOL-1").first() or InsatsFactory(
        forbund=forbund_a, kod="VOL-1", deltagarregistrering="volym"
    )
    Volymregistrering.objects.all().delete()
    lines = [";".join(header)]
    if good_first:
        lines.append(f"{forbund_a.organisationsnummer};VOL-1;2015-03-31;1;1;1")
    lines += [";".join(r) for r in rows]
    content = "\n".join(lines).encode()
    response = _upload(client_admin_a, forbund_a, "volym", content)
    assert response.status_code == 200
    ok = "Filen är felfri" in response.text
    assert not Volymregistrering.objects.exists()
    stored = Importjobb.objects.filter(user__pk=client_admin_a.session["_auth_user_id"]).latest(
        "skapad"
    )
    if ok:
        confirmed = _confirm(client_admin_a, stored)
        assert confirmed.status_code == 200
        assert "Importen är klar" in confirmed.text
        # All or nothing: every row of the file is saved.
        saved = Volymregistrering.objects.filter(insats=insats).count()
        assert saved == len(read_table(content, filename="a.csv"))
    else:
        assert (stored.status, stored.data) == ("avvisad", None)
        assert "fel" in response.text


@pytest.mark.parametrize(
    "name, reach",
    [("bomb_a1_xfd1048576.xlsx", "kolumn XFD"), ("bomb_a1_zz50000.xlsx", "kolumn ZZ")],
)
def test_xlsx_bomb_is_refused_with_a_swedish_message(client_admin_a, forbund_a, name, reach):
    # Read in the web process these killed the worker (SIGABRT) or took 39 s and 1.15 GB.
    content = (Path(__file__).resolve().parent.parent / "files" / name).read_bytes()
    response = _upload(client_admin_a, forbund_a, "insatser", content, name=name)
    assert response.status_code == 200
    assert f"Excel-filen är för stor: bladet når {reach}" in response.text
    assert "högst 64 kolumner" in response.text
    assert "Bekräfta import" not in response.text
    assert Importjobb.objects.get().data is None and not Insats.objects.exists()


def test_beat_purges_unconfirmed_files_without_a_new_upload(client_admin_a, forbund_a, settings):
    import datetime as dt

    from django.utils import timezone

    from forbund.tasks import rensa_importer

    _upload(client_admin_a, forbund_a, "insatser", _insatser_csv(forbund_a))
    _upload(client_admin_a, forbund_a, "insatser", _insatser_csv(forbund_a))
    old, fresh = Importjobb.objects.order_by("skapad")
    Importjobb.objects.filter(pk=old.pk).update(
        skapad=timezone.now() - dt.timedelta(days=1, minutes=1)
    )
    assert rensa_importer.apply().get() == 1
    old.refresh_from_db()
    fresh.refresh_from_db()
    assert (old.status, old.data) == ("fel", None)
    assert fresh.status == "granskad" and fresh.data is not None
    entry = settings.CELERY_BEAT_SCHEDULE["importfiler"]
    assert entry == {"task": rensa_importer.name, "schedule": 60 * 60}
