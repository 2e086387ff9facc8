"""The preview lists which rows an import creates and changes, field by field (issue 16
item 8): the first 1 000 on the job's page, all of them as CSV or XLSX, formula-safe and
with personnummer masked; and a second "Bekräfta import" says what was done."""

from __future__ import annotations

import html
import io
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import load_workbook

from finsam.celery import app
from finsam.lib.maskering import DOLT
from forbund.models import Importjobb
from insatser.models import Ekonomirad, Insats, Volymregistrering

from ..factories import InsatsFactory
from ..formulas import HYPERLINK, assert_csv_inert, assert_xlsx_inert
from ..pnr import assert_no_pnr

pytestmark = pytest.mark.django_db

INSATSER = "forbund;kod;namn;niva;typ;deltagarregistrering;startdatum\n"


@pytest.fixture(autouse=True)
def eager():
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = False


def _upload(client, forbund, kind: str, text: str):
    url = reverse("insatser:import", args=[forbund.organisationsnummer])
    fil = SimpleUploadedFile("fil.csv", text.encode())
    return client.post(url, {"kind": kind, "fil": fil}, follow=True)


def _rows(page: str) -> list[str]:
    """The rows of the change table, as text without tags."""
    table = page.split('id="andringar-tabell"', 1)[1].split("</table>", 1)[0]
    body = table.split("<tbody>", 1)[1]
    return [
        re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", r))).strip()
        for r in body.split("<tr>")[1:]
    ]


def test_the_preview_lists_each_new_and_changed_row_with_old_and_new_values(
    client_admin_a, forbund_a
):
    InsatsFactory(
        forbund=forbund_a,
        kod="A-1",
        namn="Gammalt namn",
        niva="individ",
        typ="rehabilitering",
        deltagarregistrering="individuell",
        startdatum="2024-01-01",
        slutdatum=None,
    )
    InsatsFactory(
        forbund=forbund_a,
        kod="A-2",
        namn="Samma",
        niva="struktur",
        typ="dialog",
        deltagarregistrering="",
        startdatum="2024-01-01",
        slutdatum=None,
    )
    o = forbund_a.organisationsnummer
    text = INSATSER + (
        f"{o};A-1;Nytt namn;individ;rehabilitering;individuell;2024-02-01\n"
        f"{o};A-2;Samma;struktur;dialog;;2024-01-01\n"
        f"{o};NY-1;Ny insats;individ;rehabilitering;volym;2024-03-01\n"
    )
    page = _upload(client_admin_a, forbund_a, "insatser", text).text
    assert "3 rader: 1 nya, 1 ändrade och 1 oförändrade" in page
    assert "Det här ändras vid importen" in page
    rows = _rows(page)
    assert len(rows) == 2  # the unchanged row is not listed
    assert rows[0].startswith("2 A-1 Nytt namn Ändrad")
    assert "namn : före: Gammalt namn → efter: Nytt namn" in rows[0]
    assert "startdatum : före: 2024-01-01 → efter: 2024-02-01" in rows[0]
    assert "niva" not in rows[0]  # only what changes
    assert rows[1].startswith("4 NY-1 Ny insats Ny")
    assert "deltagarregistrering : volym" in rows[1]
    assert Insats.objects.get(kod="A-1").namn == "Gammalt namn"  # nothing saved yet

    job = Importjobb.objects.get()
    done = client_admin_a.post(reverse("importjobb:bekrafta", args=[job.pk]), follow=True).text
    assert "Importen är klar" in done and "Det här ändrades" in done
    assert _rows(done) == rows
    assert Insats.objects.get(kod="A-1").namn == "Nytt namn"


def test_an_economy_change_shows_the_old_and_new_amount(client_admin_a, forbund_a):
    Ekonomirad.objects.create(forbund=forbund_a, ar=2024, rad="adm_personal", budget=100)
    o = forbund_a.organisationsnummer
    text = f"forbund;ar;rad;insats;budget;utfall\n{o};2024;adm_personal;;250;90\n"
    rows = _rows(_upload(client_admin_a, forbund_a, "ekonomi", text).text)
    assert rows == [
        "2 2024 adm_personal Ändrad budget : före: 100 → efter: 250 "
        "utfall : före: (tomt) → efter: 90"
    ]


def test_the_page_lists_the_first_1000_changes_and_the_files_hold_all(client_admin_a, forbund_a):
    InsatsFactory(
        forbund=forbund_a, kod="VOL-1", deltagarregistrering="volym", startdatum="2020-01-01"
    )
    o = forbund_a.organisationsnummer
    import datetime as dt

    days = [dt.date(2020, 1, 1) + dt.timedelta(days=i) for i in range(1100)]
    text = "forbund;insats;datum;kvinnor;man;okant\n" + "".join(
        f"{o};VOL-1;{d:%Y-%m-%d};1;2;0\n" for d in days
    )
    page = _upload(client_admin_a, forbund_a, "volym", text).text.replace("\xa0", " ")
    assert "1 100 rader: 1 100 nya" in page
    assert "De första 1 000 raderna som ändras" in page
    assert len(_rows(page)) == 1000
    job = Importjobb.objects.get()
    assert job.alla_andringar is not None and not Volymregistrering.objects.exists()

    csv = client_admin_a.get(reverse("importjobb:andringar", args=[job.pk, "csv"]))
    assert csv["Content-Disposition"] == 'attachment; filename="andringar-volym.csv"'
    lines = csv.content.decode().splitlines()
    assert lines[0] == "rad;post;andring;falt;fore;efter"
    assert len(lines) == 1 + 1100 * 3  # kvinnor, man and okant
    assert lines[-2:] == ["1101;VOL-1 2023-01-04;ny;man;;2", "1101;VOL-1 2023-01-04;ny;okant;;0"]

    xlsx = client_admin_a.get(reverse("importjobb:andringar", args=[job.pk, "xlsx"]))
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    assert sheet.max_row == 1 + 1100 * 3
    assert [c.value for c in sheet[2]] == [2, "VOL-1 2020-01-01", "ny", "kvinnor", None, "1"]


def test_the_change_files_never_run_a_formula_and_mask_personnummer(client_admin_a, forbund_a):
    o = forbund_a.organisationsnummer
    names = [HYPERLINK, "=1+1", "+1+1", "@SUM(A1)", "Insats för 19900101-0017"]
    text = INSATSER + "".join(
        f'{o};NY-{i};"{n.replace(chr(34), chr(34) * 2)}";individ;rehabilitering;volym;2024-01-01\n'
        for i, n in enumerate(names)
    )
    page = _upload(client_admin_a, forbund_a, "insatser", text).text
    assert_no_pnr(page)
    assert DOLT in page
    job = Importjobb.objects.get()
    csv = client_admin_a.get(reverse("importjobb:andringar", args=[job.pk, "csv"])).content
    xlsx = client_admin_a.get(reverse("importjobb:andringar", args=[job.pk, "xlsx"])).content
    formulas = names[:4]
    assert_csv_inert(csv, expected=formulas)
    assert_xlsx_inert(xlsx, expected=formulas)
    assert_no_pnr(csv)
    assert_no_pnr(
        str([c.value for row in load_workbook(io.BytesIO(xlsx)).active.iter_rows() for c in row])
    )


def test_only_the_uploader_gets_the_change_files(client_admin_a, client_admin_b, forbund_a):
    o = forbund_a.organisationsnummer
    _upload(
        client_admin_a,
        forbund_a,
        "insatser",
        INSATSER + f"{o};NY-1;Ny;individ;rehabilitering;volym;2024-01-01\n",
    )
    job = Importjobb.objects.get()
    for format in ("csv", "xlsx"):
        url = reverse("importjobb:andringar", args=[job.pk, format])
        assert client_admin_b.get(url).status_code == 404
        assert client_admin_a.get(url).status_code == 200
    assert (
        client_admin_a.get(reverse("importjobb:andringar", args=[job.pk, "pdf"])).status_code == 404
    )
