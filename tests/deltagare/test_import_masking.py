"""A personnummer in an import file reaches no error, file name or fel.csv in clear, in any
spelling the parser accepts (and with a dot, which people write too), through the web
upload and the command alike (issue 11, item 6)."""

from __future__ import annotations

import io
import json
import re
import unicodedata

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse

from deltagare import pnr
from finsam.celery import app
from finsam.lib.maskering import maskera
from forbund.models import Importjobb

from .test_import_deltaganden import HEADER, insats  # noqa: F401 (fixture)

pytestmark = pytest.mark.django_db

NUMMER = "199001010017"
# Every way the parser takes 19900101-0017 (or, with +, the man born 1890) ...
ACCEPTED = [
    "9001010017",
    "900101-0017",
    "900101+0017",
    "199001010017",
    "19900101-0017",
    "900101 0017",
    "19900101 0017",
    "1990 01 01 0017",
    "19900101 - 0017",
    "９００１０１-００１７",  # fullwidth digits
    "١٩٩٠٠١٠١٠٠١٧",  # Arabic-Indic digits
]
# ... and what people write that the parser refuses.
REFUSED = ["19900101.0017", "900101.0017", "19900101\u20110017"]
SPELLINGS = ACCEPTED + REFUSED


def test_the_spellings_are_the_parsers():
    for spelling in ACCEPTED:
        parsed = pnr.parse(spelling)
        assert parsed.nummer in (NUMMER, "189001010017"), spelling
    for spelling in REFUSED:
        with pytest.raises(pnr.OgiltigtPersonnummer):
            pnr.parse(spelling)


def test_every_spelling_finds_the_same_person():
    """Digits of another script are the same digits: one number, one keyed hash."""
    assert pnr.parse("９００１０１-００１７").nummer == NUMMER
    assert pnr.lookup_hash(pnr.parse("١٩٩٠٠١٠١٠٠١٧").nummer) == pnr.lookup_hash(NUMMER)


def _digits(text: str) -> str:
    """The text with digits of any script as ASCII and the separators people type removed."""
    ascii_digits = "".join(str(unicodedata.decimal(c)) if c.isdecimal() else c for c in text)
    return re.sub(r"[\s.\-+\u2010\u2011]", "", ascii_digits)


def assert_masked(text: str, spelling: str) -> None:
    assert spelling not in text
    assert "9001010017" not in _digits(text), spelling


def _file(o: str, spelling: str) -> str:
    """The number in a code column, a date column and a person-only column."""
    return HEADER + (
        f"{o};COACH;anonym;;;{spelling};2015-02-01;;;;;;;;\n"
        f"{o};COACH;anonym;;;kvinna;{spelling};;;;;;;;\n"
        f"{o};COACH;anonym;;;kvinna;2015-02-01;;;{spelling};;;;;\n"
    )


def _command(path) -> str:
    out, err = io.StringIO(), io.StringIO()
    with pytest.raises(SystemExit):
        call_command("import_data", "deltaganden", str(path), stdout=out, stderr=err)
    return out.getvalue() + err.getvalue()


@pytest.mark.parametrize("spelling", SPELLINGS)
def test_the_command_masks_every_spelling(tmp_path, insats, spelling):  # noqa: F811
    path = tmp_path / f"deltagare {spelling}.csv"
    path.write_text(_file(insats.forbund.organisationsnummer, spelling), encoding="utf-8")
    output = _command(path)
    assert "Rad 2, kolumn kon" in output and "[personnummer dolt]" in output
    assert "Rad 3, kolumn startdatum" in output and "Rad 4, kolumn forsorjning_fore" in output
    assert_masked(output, spelling)


@pytest.mark.parametrize("spelling", SPELLINGS)
def test_the_command_masks_a_column_named_after_a_person(tmp_path, spelling):
    path = tmp_path / "d.csv"
    path.write_text(HEADER.rstrip("\n") + f";{spelling}\n", encoding="utf-8")
    output = _command(path)
    assert "Rad 1, kolumn [personnummer dolt]: Okänd kolumn" in output
    assert_masked(output, spelling)


@pytest.fixture
def eager():
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = False


@pytest.mark.parametrize("spelling", SPELLINGS)
def test_the_web_upload_masks_every_spelling(
    client_handlaggare_a,
    insats,  # noqa: F811
    eager,
    spelling,
):
    text = _file(insats.forbund.organisationsnummer, spelling)
    fil = SimpleUploadedFile(f"deltagare {spelling}.csv", text.encode(), content_type="text/csv")
    client_handlaggare_a.post("/deltagare/import/", {"kind": "deltaganden", "fil": fil})
    jobb = Importjobb.objects.get()
    assert jobb.status == Importjobb.Status.AVVISAD and jobb.antal_fel >= 3
    page = client_handlaggare_a.get(reverse("importjobb:jobb", args=[jobb.pk]))
    fel = client_handlaggare_a.get(reverse("importjobb:fel", args=[jobb.pk]))
    listing = client_handlaggare_a.get("/deltagare/import/")
    assert "[personnummer dolt]" in page.text
    for shown in (
        jobb.filnamn,
        json.dumps(jobb.fel, ensure_ascii=False),
        page.text,
        fel.text,
        listing.text,
    ):
        assert_masked(shown, spelling)


def test_the_insatser_upload_masks_the_file_name(client_admin_a, forbund_a):
    url = reverse("insatser:import", args=[forbund_a.organisationsnummer])
    fil = SimpleUploadedFile("insatser 900101 0017.csv", b"kod;namn\n", content_type="text/csv")
    response = client_admin_a.post(url, {"kind": "insatser", "fil": fil}, follow=True)
    assert response.status_code == 200
    assert_masked(response.text, "900101 0017")
    assert_masked(client_admin_a.get(url).text, "900101 0017")  # the list of recent files
    assert Importjobb.objects.count() == 1
    assert all("0017" not in f.filnamn for f in Importjobb.objects.all())


@pytest.mark.parametrize(
    "text",
    [
        "Startdatumet ska ligga inom insatsens period (2015-01-01–2030-12-31).",
        "Rad 12, kolumn startdatum: Ogiltigt datum 2015-13-01.",
        "Förbundet 222000-0018 (2220000018), kommun 0380, 1 500 kr.",
        "Samma nyckel som rad 4: en rad per nyckel.",
    ],
)
def test_ordinary_messages_are_left_as_they_are(text):
    assert maskera(text) == text


def test_the_number_is_masked_among_other_digits():
    text = "Okänd kod '850515 1236', rad 19 och 2015-02-01 ; 19900101.0017"
    masked = maskera(text)
    assert "1236" not in masked and "0017" not in masked
    assert "2015-02-01" in masked and "rad 19" in masked
