"""The `forbund` kind of spec/import.md, through the commands a user runs."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.management import call_command

from finsam.lib.importing import import_file
from forbund.choices import Medlemstyp
from forbund.models import Forbund, Medlemskap

VALID = (
    "organisationsnummer;namn;lan;bildad;kommuner;regioner\n"
    "222000-0000;Samordningsförbundet Uppsala;03;2008-01-01;0380|0381;\n"
    "2220000018;Samordningsförbundet BÅD-ESÅ;Västra Götaland;2009-06-01;1460|1492|1438|1730;14|17\n"
)


def _write(tmp_path, text: str, name: str = "forbund.csv"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def _run(*args) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command(*args, stdout=out, stderr=err)
    except SystemExit as exit_:
        return exit_.code, out.getvalue(), err.getvalue()
    return 0, out.getvalue(), err.getvalue()


def _snapshot():
    return (
        list(Forbund.objects.order_by("pk").values_list()),
        list(Medlemskap.objects.order_by("pk").values_list()),
    )


def test_valid_file_creates_forbund_with_all_four_member_kinds(db, tmp_path):
    code, out, _ = _run("import_data", "forbund", str(_write(tmp_path, VALID)))
    assert code == 0
    assert out.strip() == "forbund: 2 rader, 2 nya, 0 ändrade, 0 oförändrade."
    uppsala = Forbund.objects.get(organisationsnummer="2220000000")
    assert uppsala.lan == "03" and uppsala.bildad == dt.date(2008, 1, 1)
    members = sorted(
        uppsala.medlemskap.values_list("medlemstyp", "kommun_id", "region_id", "intrade")
    )
    assert members == sorted(
        [
            (Medlemstyp.ARBETSFORMEDLINGEN, None, None, dt.date(2008, 1, 1)),
            (Medlemstyp.FORSAKRINGSKASSAN, None, None, dt.date(2008, 1, 1)),
            (Medlemstyp.KOMMUN, "0380", None, dt.date(2008, 1, 1)),
            (Medlemstyp.KOMMUN, "0381", None, dt.date(2008, 1, 1)),
            (Medlemstyp.REGION, None, "03", dt.date(2008, 1, 1)),
        ]
    )
    assert uppsala.missing_medlemstyper() == []
    bad = Forbund.objects.get(organisationsnummer="2220000018")
    assert bad.lan == "14"  # the label was accepted
    assert set(bad.medlemskap.filter(medlemstyp="region").values_list("region_id", flat=True)) == {
        "14",
        "17",
    }


def test_a_file_with_errors_reports_every_one_and_saves_nothing(db, tmp_path):
    text = (
        "organisationsnummer;namn;lan;bildad;kommuner;hemsida\n222000-0001;A;03;2008-01-01;0380;x\n"
    )
    code, _, err = _run("import_data", "forbund", str(_write(tmp_path, text)))
    assert code == 1
    assert "Rad 1, kolumn hemsida: Okänd kolumn" in err

    text = (
        "organisationsnummer;namn;lan;bildad;kommuner\n"
        "222000-0001;Fel kontrollsiffra;03;2008-01-01;0380\n"  # check digit
        "2220000018;Okänd kommun;03;2008-01-01;0380|9999\n"  # unknown kommun
        "2220000026;Dåligt datum;03;2008-02-30;0380\n"  # bad date
        "2220000034;;99;;\n"  # namn, lan, bildad, kommuner
        "2220000018;Dubblett;03;2008-01-01;0380\n"  # duplicate key
        "2220000042;Giltig;03;2008-01-01;0380\n"  # valid, but the file has errors
    )
    code, _, err = _run("import_data", "forbund", str(_write(tmp_path, text)))
    assert code == 1
    lines = err.strip().splitlines()
    assert lines == [
        "Rad 2, kolumn organisationsnummer, värde '222000-0001': "
        "Kontrollsiffran i organisationsnumret stämmer inte.",
        "Rad 3, kolumn kommuner, värde '0380|9999': Okänd kommunkod '9999'.",
        "Rad 4, kolumn bildad, värde '2008-02-30': Ogiltigt datum. Skriv datum som ÅÅÅÅ-MM-DD.",
        "Rad 5, kolumn bildad: Datum saknas (ÅÅÅÅ-MM-DD).",
        "Rad 5, kolumn kommuner: Värde saknas.",
        "Rad 5, kolumn lan, värde '99': Okänd länskod. Ange 01–25 eller länets namn.",
        "Rad 5, kolumn namn: Värde saknas.",
        "Rad 6, kolumn organisationsnummer, värde '2220000018': "
        "Samma nyckel som rad 3: en rad per nyckel.",
        "forbund: 8 fel i filen. Inget har sparats.",
    ]
    assert not Forbund.objects.exists()
    assert not Medlemskap.objects.exists()


def test_importing_the_same_file_twice_changes_nothing(db, tmp_path):
    path = _write(tmp_path, VALID)
    assert _run("import_data", "forbund", str(path))[0] == 0
    before = _snapshot()
    code, out, _ = _run("import_data", "forbund", str(path))
    assert code == 0
    assert out.strip() == "forbund: 2 rader, 0 nya, 0 ändrade, 2 oförändrade."
    assert _snapshot() == before


def test_a_changed_row_updates_and_adds_the_new_kommun(db, tmp_path):
    _run("import_data", "forbund", str(_write(tmp_path, VALID)))
    changed = VALID.replace(
        "Samordningsförbundet Uppsala;03;2008-01-01;0380|0381",
        "Nytt namn;03;2008-01-01;0380|0381|0382",
    )
    code, out, _ = _run("import_data", "forbund", str(_write(tmp_path, changed)))
    assert code == 0
    assert "1 ändrade, 1 oförändrade" in out
    uppsala = Forbund.objects.get(organisationsnummer="2220000000")
    assert uppsala.namn == "Nytt namn"
    assert uppsala.medlemskap.filter(kommun_id="0382").exists()


def test_dry_run_saves_nothing_but_tells_what_would_happen(db, tmp_path):
    code, out, _ = _run("import_data", "forbund", str(_write(tmp_path, VALID)), "--dry-run")
    assert code == 0
    assert "2 nya" in out and "Provkörning" in out
    assert not Forbund.objects.exists()


@pytest.mark.parametrize("format", ["csv", "xlsx"])
def test_export_imports_back_unchanged(db, tmp_path, format):
    _run("import_data", "forbund", str(_write(tmp_path, VALID)))
    exported = tmp_path / f"export.{format}"
    code, _, _ = _run("export_data", "forbund", "--format", format, "--out", str(exported))
    assert code == 0
    before = _snapshot()
    code, out, _ = _run("import_data", "forbund", str(exported))
    assert code == 0, out
    assert "0 nya, 0 ändrade, 2 oförändrade" in out
    assert _snapshot() == before
    # And into an empty registry it recreates the same förbund and members.
    Forbund.objects.all().delete()
    assert _run("import_data", "forbund", str(exported))[0] == 0
    assert sorted(
        Forbund.objects.values_list("organisationsnummer", "namn", "lan", "bildad")
    ) == sorted((r[1], r[2], r[3], r[4]) for r in before[0])


def test_export_to_stdout_and_for_one_forbund(db, tmp_path):
    _run("import_data", "forbund", str(_write(tmp_path, VALID)))
    code, out, _ = _run("export_data", "forbund", "--forbund", "222000-0000")
    assert code == 0
    assert out.splitlines() == [
        "organisationsnummer;namn;lan;bildad;kommuner;regioner",
        "2220000000;Samordningsförbundet Uppsala;03;2008-01-01;0380|0381;03",
    ]


def test_unknown_kind_and_missing_file_are_clear_errors(db, tmp_path):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match=r"Kända typer: .*forbund"):
        call_command("import_data", "nonsens", str(tmp_path / "x.csv"))
    with pytest.raises(CommandError, match="kan inte läsas"):
        call_command("import_data", "forbund", str(tmp_path / "finns-inte.csv"))


def test_only_administrators_may_import_forbund(db, admin_a, administrator):
    before = _snapshot()
    refused = import_file("forbund", VALID.encode(), filename="f.csv", user=admin_a)
    assert not refused.ok and "behörighet" in refused.errors[0].meddelande
    assert _snapshot() == before
    allowed = import_file("forbund", VALID.encode(), filename="f.csv", user=administrator)
    assert allowed.ok


@pytest.mark.parametrize("name", ["bomb_a1_xfd1048576.xlsx", "bomb_a1_zz50000.xlsx"])
def test_import_data_refuses_an_xlsx_bomb(db, name):
    from pathlib import Path

    path = Path(__file__).resolve().parent.parent / "files" / name
    code, out, err = _run("import_data", "forbund", str(path))
    assert code == 1 and out == ""
    assert "Rad 0: Excel-filen är för stor: bladet når kolumn" in err
    assert "Inget har sparats" in err
    assert not Forbund.objects.exists()
