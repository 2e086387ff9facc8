"""The insatser, volym, strukturdeltagare and ekonomi kinds of spec/import.md, through
`manage.py import_data` / `export_data` and `import_file`."""

from __future__ import annotations

import datetime as dt

import pytest

from finsam.lib.importing import export_file, import_file
from insatser.models import Ekonomirad, Insats, Strukturdeltagare, Volymregistrering

from ..factories import InsatsFactory
from ..forbund.test_import_forbund import _run
from ..formulas import FORMULAS, assert_csv_inert, assert_xlsx_inert

pytestmark = pytest.mark.django_db


def _import(tmp_path, kind: str, text: str, name: str = "fil.csv") -> tuple[int, str, str]:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return _run("import_data", kind, str(path))


def _dashed(orgnr: str) -> str:
    return f"{orgnr[:6]}-{orgnr[6:]}"


def _snapshot():
    return (
        list(Insats.objects.order_by("pk").values_list()),
        list(Insats.behovsgrupper.through.objects.order_by("pk").values_list()),
        list(Volymregistrering.objects.order_by("pk").values_list()),
        list(Strukturdeltagare.objects.order_by("pk").values_list()),
        list(Ekonomirad.objects.order_by("pk").values_list()),
    )


@pytest.fixture
def insatser_csv(forbund_a):
    o = _dashed(forbund_a.organisationsnummer)
    return (
        "forbund;kod;namn;niva;typ;deltagarregistrering;form;startdatum;slutdatum;behovsgrupper\n"
        f"{o};IND-1;Steget vidare;individ;rehabilitering;individuell;projekt;2024-01-01;"
        "2025-12-31;langtidssjukskrivna|Unga med aktivitetsersättning\n"
        f"{o};VOL-1;Öppen verksamhet;individ;Förberedande insats;volym;verksamhet;2023-05-01;;\n"
        f"{o};STR-1;=Nätverk;Strukturinriktad insats;dialog;;;2024-02-01;;\n"
    )


@pytest.fixture
def insatser(forbund_a):
    return {
        "volym": InsatsFactory(forbund=forbund_a, kod="VOL-1", deltagarregistrering="volym"),
        "struktur": InsatsFactory(forbund=forbund_a, kod="STR-1", niva="struktur", typ="dialog"),
        "individ": InsatsFactory(forbund=forbund_a, kod="IND-1"),
    }


# --- insatser ---------------------------------------------------------------------------


def test_insatser_file_creates_the_insatser(forbund_a, insatser_csv, tmp_path):
    code, out, err = _import(tmp_path, "insatser", insatser_csv)
    assert (code, err) == (0, "")
    assert out.strip() == "insatser: 3 rader, 3 nya, 0 ändrade, 0 oförändrade."
    ind = Insats.objects.get(forbund=forbund_a, kod="IND-1")
    assert (ind.niva, ind.typ, ind.deltagarregistrering, ind.form) == (
        "individ",
        "rehabilitering",
        "individuell",
        "projekt",
    )
    assert (ind.startdatum, ind.slutdatum) == (dt.date(2024, 1, 1), dt.date(2025, 12, 31))
    assert set(ind.behovsgrupper.values_list("kod", flat=True)) == {
        "langtidssjukskrivna",
        "unga_aktivitetsersattning",
    }
    vol = Insats.objects.get(forbund=forbund_a, kod="VOL-1")
    assert (vol.typ, vol.deltagarregistrering, vol.form, vol.slutdatum) == (
        "forberedande",
        "volym",
        "verksamhet",
        None,
    )
    struktur = Insats.objects.get(forbund=forbund_a, kod="STR-1")
    assert (struktur.namn, struktur.niva, struktur.deltagarregistrering, struktur.form) == (
        "=Nätverk",
        "struktur",
        "",
        "projekt",
    )


def test_insatser_file_twice_changes_nothing(forbund_a, insatser_csv, tmp_path):
    assert _import(tmp_path, "insatser", insatser_csv)[0] == 0
    before = _snapshot()
    code, out, _ = _import(tmp_path, "insatser", insatser_csv)
    assert code == 0
    assert out.strip() == "insatser: 3 rader, 0 nya, 0 ändrade, 3 oförändrade."
    assert _snapshot() == before


def test_insatser_changed_row_and_behovsgrupper_are_updated(forbund_a, insatser_csv, tmp_path):
    _import(tmp_path, "insatser", insatser_csv)
    changed = insatser_csv.replace("Steget vidare", "Steget längre").replace(
        ";individuell;verksamhet;2023", ";volym;verksamhet;2023"
    )
    changed = changed.replace("langtidssjukskrivna|Unga med aktivitetsersättning", "")
    changed = changed.replace("2024-02-01;;", "2024-02-01;;unga_funktionsnedsattning")
    _, out, _ = _import(tmp_path, "insatser", changed)
    assert out.strip() == "insatser: 3 rader, 0 nya, 2 ändrade, 1 oförändrade."
    ind = Insats.objects.get(forbund=forbund_a, kod="IND-1")
    assert ind.namn == "Steget längre" and not ind.behovsgrupper.exists()
    assert list(Insats.objects.get(kod="STR-1").behovsgrupper.values_list("kod", flat=True)) == [
        "unga_funktionsnedsattning"
    ]


def test_insatser_errors_are_all_reported_and_nothing_is_saved(forbund_a, tmp_path):
    o = forbund_a.organisationsnummer
    text = (
        "forbund;kod;namn;niva;typ;deltagarregistrering;form;startdatum;slutdatum;behovsgrupper\n"
        f"{o};ok-1;Bra;individ;rehabilitering;individuell;;2024-01-01;;\n"
        f"{o};ny;Reserverad;individ;dialog;;;2024-01-01;;\n"
        f"{o};bad kod;X;struktur;dialog;volym;program;2024-13-01;;okand\n"
        f"1234567890;K-1;;nivå;;;;2024-01-01;2023-01-01;\n"
        f"{o};ok-1;Samma igen;individ;rehabilitering;individuell;;2024-01-01;;\n"
    )
    before = _snapshot()
    code, _, err = _import(tmp_path, "insatser", text)
    assert code == 1
    lines = err.splitlines()
    expected = [
        "Rad 3, kolumn kod, värde 'ny': Koden ny är reserverad",
        # The model's rules, in the model's words (the form shows the same).
        "Rad 3, kolumn typ, värde 'dialog': Dialog och kommunikation är ingen typ för "
        "individinriktad insats.",
        "Rad 3, kolumn deltagarregistrering: Ange hur deltagarna registreras i en "
        "individinriktad insats.",
        "Rad 4, kolumn kod, värde 'bad kod': Koden får bara",
        "Rad 4, kolumn deltagarregistrering, värde 'volym': Deltagarregistrering anges bara "
        "för individinriktade insatser.",
        "Rad 4, kolumn form, värde 'program': Okänd kod",
        "Rad 4, kolumn startdatum, värde '2024-13-01': Ogiltigt datum",
        "Rad 4, kolumn behovsgrupper, värde 'okand': Okänd kod 'okand'",
        "Rad 5, kolumn forbund, värde '1234567890'",
        "Rad 5, kolumn namn: Värde saknas.",
        "Rad 5, kolumn niva, värde 'nivå': Okänd kod",
        "Rad 5, kolumn typ: Värde saknas.",
        "Rad 5, kolumn slutdatum, värde '2023-01-01': Slutdatum kan inte ligga före startdatum.",
        "Rad 6, kolumn kod, värde 'ok-1': Samma insats som rad 2",
    ]
    for text in expected:
        assert any(line.startswith(text) for line in lines), text
    assert lines[-1] == "insatser: 14 fel i filen. Inget har sparats."
    assert _snapshot() == before


def test_insatser_rules_on_stored_data(forbund_a, insatser, tmp_path):
    from insatser.services import insats_close

    Volymregistrering.objects.create(insats=insatser["volym"], datum=dt.date(2015, 3, 31))
    Strukturdeltagare.objects.create(insats=insatser["struktur"], datum=dt.date(2015, 3, 31))
    insats_close(insats=insatser["individ"], datum=dt.date(2016, 6, 30))
    insats_close(insats=InsatsFactory(forbund=forbund_a, kod="IND-2"), datum=dt.date(2016, 6, 30))
    o = forbund_a.organisationsnummer
    text = (
        "forbund;kod;namn;niva;typ;deltagarregistrering;startdatum;slutdatum\n"
        f"{o};VOL-1;V;individ;rehabilitering;individuell;2015-01-01;\n"
        f"{o};STR-1;S;individ;rehabilitering;volym;2015-01-01;\n"
        f"{o};IND-1;I;individ;rehabilitering;individuell;2016-07-01;\n"
        f"{o};IND-2;I;individ;rehabilitering;individuell;2015-01-01;2016-05-01\n"
    )
    code, _, err = _import(tmp_path, "insatser", text)
    assert code == 1
    assert "Rad 2, kolumn deltagarregistrering, värde 'individuell': Insatsen har antal" in err
    assert "Rad 3, kolumn niva, värde 'individ': Insatsen har strukturdeltagare" in err
    assert "Rad 4, kolumn startdatum, värde '2016-07-01': Insatsen avslutades 2016-06-30" in err
    assert "Rad 5, kolumn slutdatum, värde '2016-05-01': Insatsen avslutades 2016-06-30" in err


# --- volym and strukturdeltagare --------------------------------------------------------


def test_volym_file_creates_counts_and_twice_changes_nothing(forbund_a, insatser, tmp_path):
    o = _dashed(forbund_a.organisationsnummer)
    text = (
        "forbund;insats;datum;kvinnor;man;okant\n"
        f"{o};VOL-1;2015-03-31;4;3;0\n"
        f"{o};VOL-1;2015-06-30;5;1 000;1\n"
    )
    code, out, _ = _import(tmp_path, "volym", text)
    assert code == 0, out
    assert out.strip() == "volym: 2 rader, 2 nya, 0 ändrade, 0 oförändrade."
    rows = list(
        Volymregistrering.objects.order_by("datum").values_list("datum", "kvinnor", "man", "okant")
    )
    assert rows == [(dt.date(2015, 3, 31), 4, 3, 0), (dt.date(2015, 6, 30), 5, 1000, 1)]
    before = _snapshot()
    code, out, _ = _import(tmp_path, "volym", text)
    assert out.strip() == "volym: 2 rader, 0 nya, 0 ändrade, 2 oförändrade."
    assert _snapshot() == before
    code, out, _ = _import(tmp_path, "volym", text.replace(";4;3;0", ";4;3;2"))
    assert out.strip() == "volym: 2 rader, 0 nya, 1 ändrade, 1 oförändrade."
    assert Volymregistrering.objects.get(datum=dt.date(2015, 3, 31)).okant == 2


def test_volym_errors_are_all_reported_and_nothing_is_saved(forbund_a, insatser, tmp_path):
    o = forbund_a.organisationsnummer
    text = (
        "forbund;insats;datum;kvinnor;man;okant\n"
        f"{o};VOL-1;2015-03-31;1;1;1\n"
        f"{o};IND-1;2015-03-31;1;1;1\n"
        f"{o};STR-1;2015-03-31;1;1;1\n"
        f"{o};VOL-1;2014-12-31;-1;x;\n"
        f"{o};SAKNAS;2015-03-31;1;1;99999999999\n"
        f"{o};VOL-1;2015-03-31;2;2;2\n"
    )
    code, _, err = _import(tmp_path, "volym", text)
    assert code == 1
    for expected in [
        "Rad 3, kolumn insats, värde 'IND-1': Antal deltagare per period registreras bara",
        "Rad 4, kolumn insats, värde 'STR-1': Antal deltagare per period registreras bara",
        "Rad 5, kolumn datum, värde '2014-12-31': Insatsen startade 2015-01-01",
        "Rad 5, kolumn kvinnor, värde '-1': Talet får inte vara mindre än 0.",
        "Rad 5, kolumn man, värde 'x': Ange ett heltal.",
        "Rad 5, kolumn okant: Värde saknas.",
        "Rad 6, kolumn insats, värde 'SAKNAS': Förbundet har ingen insats med koden SAKNAS.",
        "Rad 6, kolumn okant, värde '99999999999': Talet är för stort",
        "Rad 7, kolumn datum, värde '2015-03-31': Samma insats och datum som rad 2.",
    ]:
        assert expected in err
    assert not Volymregistrering.objects.exists()


def test_strukturdeltagare_file_and_errors(forbund_a, insatser, tmp_path):
    o = forbund_a.organisationsnummer
    good = (
        "datum;forbund;insats;myndighetspersonal;arbetsgivare;ovriga\n"
        f"2015-03-31;{o};STR-1;12;3;0\n"
    )
    code, out, _ = _import(tmp_path, "strukturdeltagare", good)
    assert out.strip() == "strukturdeltagare: 1 rader, 1 nya, 0 ändrade, 0 oförändrade."
    row = Strukturdeltagare.objects.get()
    assert (row.insats, row.myndighetspersonal, row.arbetsgivare, row.ovriga) == (
        insatser["struktur"],
        12,
        3,
        0,
    )
    assert _import(tmp_path, "strukturdeltagare", good)[1].strip().endswith("1 oförändrade.")
    before = _snapshot()
    bad = good + f"2015-06-30;{o};VOL-1;1;1;1\n2015-06-30;{o};STR-1;;1;1\n"
    code, _, err = _import(tmp_path, "strukturdeltagare", bad)
    assert code == 1
    assert "Rad 3, kolumn insats, värde 'VOL-1': Strukturdeltagare registreras bara" in err
    assert "Rad 4, kolumn myndighetspersonal: Värde saknas." in err
    assert _snapshot() == before


# --- ekonomi ----------------------------------------------------------------------------


def test_ekonomi_file_creates_lines_and_twice_changes_nothing(forbund_a, insatser, tmp_path):
    o = forbund_a.organisationsnummer
    text = (
        "forbund;ar;rad;insats;budget;utfall\n"
        f"{o};2024;insats;IND-1;500000;480000\n"
        f"{o};2024;insats_esf;IND-1;100000;\n"
        f"{o};2024;Administration: kansli och personal;;900000;910000\n"
        f"{o};2024;esf;;100000;90000\n"
        f"{o};2024;eget_kapital_ub;;300000;310000\n"
    )
    code, out, _ = _import(tmp_path, "ekonomi", text)
    assert code == 0, out
    assert out.strip() == "ekonomi: 5 rader, 5 nya, 0 ändrade, 0 oförändrade."
    assert sorted(
        Ekonomirad.objects.values_list("ar", "rad", "insats__kod", "budget", "utfall")
    ) == [
        (2024, "adm_personal", None, 900000, 910000),
        (2024, "eget_kapital_ub", None, 300000, 310000),
        (2024, "esf", None, 100000, 90000),
        (2024, "insats", "IND-1", 500000, 480000),
        (2024, "insats_esf", "IND-1", 100000, None),
    ]
    before = _snapshot()
    assert _import(tmp_path, "ekonomi", text)[1].strip().endswith("0 ändrade, 5 oförändrade.")
    assert _snapshot() == before


def test_ekonomi_errors_are_all_reported_and_nothing_is_saved(
    forbund_a, forbund_b, insatser, insats_b, tmp_path
):
    o, ob = forbund_a.organisationsnummer, forbund_b.organisationsnummer
    text = (
        "forbund;ar;rad;insats;budget;utfall\n"
        f"{o};2024;insats;;1;\n"
        f"{o};2024;adm_personal;IND-1;1;\n"
        f"{o};1999;medlemsbidrag;;x;-5\n"
        f"{o};2024;insats;B-1;1;1\n"
        f"{ob};2024;insats;B-1;1;1\n"
        f"{ob};2024;insats;B-1;2;2\n"
    )
    code, _, err = _import(tmp_path, "ekonomi", text)
    assert code == 1
    for expected in [
        "Rad 2, kolumn insats: Värde saknas.",
        "Rad 3, kolumn insats, värde 'IND-1': Ska vara tomt",
        "Rad 4, kolumn ar, värde '1999': Ange ett år mellan 2004 och 2100.",
        "Rad 4, kolumn rad, värde 'medlemsbidrag': Okänd kod.",
        "Rad 4, kolumn budget, värde 'x': Ange ett heltal.",
        "Rad 4, kolumn utfall, värde '-5': Talet får inte vara mindre än 0.",
        "Rad 5, kolumn insats, värde 'B-1': Förbundet har ingen insats med koden B-1.",
        "Rad 7, kolumn rad, värde 'insats': Samma rad som rad 6",
    ]:
        assert expected in err
    assert "Rad 6" not in err
    assert not Ekonomirad.objects.exists()


# --- export → import -------------------------------------------------------------------


@pytest.mark.parametrize("format", ["csv", "xlsx"])
def test_export_imports_back_unchanged(forbund_a, forbund_b, insatser, insats_b, format, tmp_path):
    insatser["individ"].behovsgrupper.set(["langtidssjukskrivna", "unga_funktionsnedsattning"])
    Insats.objects.filter(pk=insatser["individ"].pk).update(namn="=SUM(A1) 'x'", slutdatum=None)
    Volymregistrering.objects.create(
        insats=insatser["volym"], datum=dt.date(2015, 3, 31), kvinnor=1, man=2, okant=3
    )
    Strukturdeltagare.objects.create(
        insats=insatser["struktur"], datum=dt.date(2015, 3, 31), arbetsgivare=7
    )
    Ekonomirad.objects.create(
        forbund=forbund_a, ar=2015, rad="insats", insats=insatser["volym"], budget=10
    )
    Ekonomirad.objects.create(forbund=forbund_b, ar=2015, rad="eget_kapital", budget=5, utfall=0)
    before = _snapshot()
    for kind, rows in [("insatser", 4), ("volym", 1), ("strukturdeltagare", 1), ("ekonomi", 2)]:
        path = tmp_path / f"{kind}.{format}"
        assert _run("export_data", kind, "--format", format, "--out", str(path))[0] == 0
        result = import_file(kind, path.read_bytes(), filename=path.name)
        assert result.ok, result.errors
        assert (result.rader, result.oforandrade) == (rows, rows), kind
    assert _snapshot() == before


def test_export_for_one_forbund_and_scoped_to_the_user(
    forbund_a, forbund_b, insatser, insats_b, admin_a
):
    data = export_file("insatser", forbund=forbund_b).decode()
    assert "B-1" in data and "VOL-1" not in data
    assert "B-1" not in export_file("insatser", user=admin_a).decode()
    assert export_file("ekonomi", user=admin_a).decode().count("\n") == 1


# --- who may import ---------------------------------------------------------------------


def test_forbundsadministrator_cannot_import_rows_for_another_forbund(
    forbund_a, forbund_b, insatser, insats_b, admin_a
):
    o, ob = forbund_a.organisationsnummer, forbund_b.organisationsnummer
    text = (
        "forbund;insats;datum;kvinnor;man;okant\n"
        f"{o};VOL-1;2015-03-31;1;1;1\n"
        f"{ob};B-1;2015-03-31;1;1;1\n"
        "2021005521;X;2015-03-31;1;1;1\n"
    ).encode()
    result = import_file("volym", text, filename="v.csv", user=admin_a)
    assert [(e.rad, e.kolumn, e.meddelande) for e in result.errors] == [
        (3, "forbund", f"Du har inte behörighet till förbundet {ob}."),
        (4, "forbund", "Du har inte behörighet till förbundet 2021005521."),
    ]
    assert not Volymregistrering.objects.exists()
    ok = import_file("volym", text.rsplit(b"\n", 3)[0] + b"\n", filename="v.csv", user=admin_a)
    assert ok.ok and ok.skapade == 1


def test_other_roles_may_not_import(insatser, handlaggare_a, radet, administrator, forbund_a):
    text = f"forbund;ar;rad;insats;budget;utfall\n{forbund_a.organisationsnummer};2024;esf;;1;\n"
    for user in (handlaggare_a, radet):
        result = import_file("ekonomi", text.encode(), filename="e.csv", user=user)
        assert [e.meddelande for e in result.errors] == [
            "Du har inte behörighet att importera detta."
        ]
    assert import_file("ekonomi", text.encode(), filename="e.csv", user=administrator).ok


@pytest.mark.parametrize("format", ["csv", "xlsx"])
def test_export_data_writes_formula_looking_names_as_text(forbund_a, format, tmp_path):
    for i, formula in enumerate(FORMULAS):
        InsatsFactory(forbund=forbund_a, kod=f"F-{i}", namn=formula)
    path = tmp_path / f"insatser.{format}"
    assert _run("export_data", "insatser", "--format", format, "--out", str(path))[0] == 0
    if format == "csv":
        assert_csv_inert(path.read_bytes())
    else:
        assert_xlsx_inert(path.read_bytes())
