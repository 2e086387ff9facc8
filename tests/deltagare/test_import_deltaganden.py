"""The `deltaganden` and `uppfoljningar` kinds of spec/import.md."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from deltagare.models import Atkomstlogg, Deltagande, Person, Samtycke, Uppfoljning
from finsam.lib.importing import import_file
from insatser.models import InsatsUppdrag
from tests.factories import InsatsFactory

pytestmark = pytest.mark.django_db

HEADER = (
    "forbund;insats;registreringsform;personnummer;samtycke_datum;kon;startdatum;slutdatum;"
    "utbildningsniva;forsorjning_fore;tid_offentlig_forsorjning;sysselsattning_fore;"
    "avslutsorsak;sysselsattning_efter;forsorjning_efter\n"
)


@pytest.fixture
def insats(forbund_a, handlaggare_a):
    insats = InsatsFactory(
        forbund=forbund_a, kod="COACH", startdatum=dt.date(2015, 1, 1), slutdatum=None
    )
    InsatsUppdrag.objects.create(insats=insats, uppdrag=handlaggare_a.uppdrag.get())
    return insats


@pytest.fixture
def valid(insats):
    o = insats.forbund.organisationsnummer
    return HEADER + (
        f"{o};COACH;person;19900101-0017;2015-02-01;;2015-02-01;2015-08-31;gymnasial;"
        "aktivitetsstod|a_kassa;upp_till_3;arbetssokande;fullfoljd;arbete;ingen_offentlig\n"
        f"{o};COACH;person;199001010025;2015-03-01;kvinna;2015-03-01;;forgymnasial;"
        "Försörjningsstöd;over_9;ingen;;;\n"
        f"{o};COACH;anonym;;;kvinna;2015-04-01;;;;;;;;\n"
        f"{o};COACH;anonym;;;kvinna;2015-04-01;2015-05-01;;;;;avbrutet_ovrigt;;\n"
    )


def _run(tmp_path, text, *extra) -> tuple[int, str, str]:
    path = tmp_path / "d.csv"
    path.write_text(text, encoding="utf-8")
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("import_data", "deltaganden", str(path), *extra, stdout=out, stderr=err)
    except SystemExit as exit_:
        return exit_.code, out.getvalue(), err.getvalue()
    return 0, out.getvalue(), err.getvalue()


def _snapshot():
    return [
        list(model.objects.order_by("pk").values_list())
        for model in (Person, Samtycke, Deltagande, Uppfoljning)
    ]


def test_valid_file(tmp_path, valid, insats):
    code, out, err = _run(tmp_path, valid)
    assert code == 0, err
    assert out.strip() == "deltaganden: 4 rader, 4 nya, 0 ändrade, 0 oförändrade."
    first = Deltagande.objects.get(person__isnull=False, kon="man")
    assert first.forsorjning_fore == ["aktivitetsstod", "a_kassa"]
    assert first.forsorjning_efter == ["ingen_offentlig"]
    assert first.slutdatum == dt.date(2015, 8, 31)
    second = Deltagande.objects.get(person__isnull=False, kon="kvinna")
    assert second.forsorjning_fore == ["forsorjningsstod"]  # the Swedish label was accepted
    assert Deltagande.objects.filter(registreringsform="anonym").count() == 2
    assert Samtycke.objects.count() == 2


def test_the_database_never_holds_a_clear_personnummer(tmp_path, valid):
    _run(tmp_path, valid)
    with connection.cursor() as cursor:
        for table in ("deltagare_person", "deltagare_deltagande", "deltagare_samtycke"):
            cursor.execute(f"SELECT * FROM {table}")  # noqa: S608 (fixed table names)
            dump = repr(cursor.fetchall())
            assert "900101" not in dump


def test_twice_changes_nothing_and_a_change_updates(tmp_path, valid):
    assert _run(tmp_path, valid)[0] == 0
    before = _snapshot()
    code, out, _ = _run(tmp_path, valid)
    assert code == 0
    assert "0 nya, 0 ändrade, 4 oförändrade" in out
    assert _snapshot() == before
    changed = valid.replace(";over_9;ingen;;;", ";over_9;ingen;;;").replace(
        "2015-03-01;;forgymnasial", "2015-03-01;2015-09-30;forgymnasial"
    )
    code, out, _ = _run(tmp_path, changed)
    assert code == 0 and "1 ändrade" in out
    assert Deltagande.objects.get(kon="kvinna", person__isnull=False).slutdatum == dt.date(
        2015, 9, 30
    )


def test_errors_are_all_listed_without_the_number_and_nothing_is_saved(tmp_path, insats):
    o = insats.forbund.organisationsnummer
    text = HEADER + (
        f"{o};COACH;person;19900101-0018;2015-02-01;;2015-02-01;;;;;;;;\n"  # check digit
        f"{o};COACH;person;19900101-0017;;;2015-02-01;;;;;;;;\n"  # consent missing
        f"{o};NOPE;anonym;;;kvinna;2015-02-01;;;;;;;;\n"  # unknown insats
        f"{o};COACH;anonym;;;;2014-12-31;;gymnasial;;;;;;\n"  # kon, period, person-only
        f"{o};COACH;person;19900101-0025;2015-02-01;man;2015-02-01;2015-01-01;;"
        "ingen_offentlig|a_kassa;;;;;\n"  # kön, end before start, ingen_offentlig
        f"{o};COACH;anonym;;;kvinna;2015-02-01;;;;;;flytt;;\n"  # outcome needs an end
    )
    code, _, err = _run(tmp_path, text)
    assert code == 1
    lines = err.strip().splitlines()
    assert "900101" not in err
    expected = [
        ("Rad 2, kolumn personnummer", "inte ett giltigt"),
        ("Rad 3, kolumn samtycke_datum", "Datum saknas"),
        ("Rad 4, kolumn insats", "ingen insats med koden NOPE"),
        ("Rad 5, kolumn kon", "Kön krävs"),
        ("Rad 5, kolumn startdatum", "ska ligga inom insatsens period (från 2015-01-01)"),
        ("Rad 5, kolumn utbildningsniva", "bara för deltagare med personuppgifter"),
        ("Rad 6, kolumn forsorjning_fore", "kan inte kombineras med andra val"),
        ("Rad 6, kolumn kon", "stämmer inte med personnumret"),
        ("Rad 6, kolumn slutdatum", "före startdatumet (2015-02-01)"),
        ("Rad 7, kolumn avslutsorsak", "Kräver slutdatum"),
    ]
    for where, what in expected:
        assert any(line.startswith(where) and what in line for line in lines), (where, lines)
    assert _snapshot() == [[], [], [], []]


def test_two_open_deltaganden_for_one_person_are_refused(tmp_path, insats):
    o = insats.forbund.organisationsnummer
    text = HEADER + (
        f"{o};COACH;person;19900101-0017;2015-02-01;;2015-02-01;;;;;;;;\n"
        f"{o};COACH;person;199001010017;2015-02-01;;2015-03-01;;;;;;;;\n"
    )
    code, _, err = _run(tmp_path, text)
    assert code == 1 and "redan ett pågående deltagande i insatsen på rad 2" in err


def test_export_imports_back_unchanged(tmp_path, valid):
    _run(tmp_path, valid)
    exported = tmp_path / "export.xlsx"
    call_command(
        "export_data", "deltaganden", "--format", "xlsx", "--out", str(exported),
        "--anledning", "Flytt till ny server",
    )  # fmt: skip
    before = _snapshot()
    out = io.StringIO()
    call_command("import_data", "deltaganden", str(exported), stdout=out)
    assert "0 nya, 0 ändrade, 4 oförändrade" in out.getvalue()
    assert _snapshot() == before


def test_who_may_import(valid, admin_a, handlaggare_a, administrator, radet):
    anonymous_only = "\n".join(line for line in valid.splitlines() if ";person;" not in line) + "\n"
    assert import_file("deltaganden", valid.encode(), filename="d.csv", user=handlaggare_a).ok
    Deltagande.objects.all().delete()
    # The förbundsadministratör imports anonymous rows, never rows with personnummer.
    refused = import_file("deltaganden", valid.encode(), filename="d.csv", user=admin_a)
    assert not refused.ok
    assert {e.rad for e in refused.errors} == {2, 3}
    assert import_file("deltaganden", anonymous_only.encode(), filename="d.csv", user=admin_a).ok
    for outsider in (administrator, radet):
        assert not import_file("deltaganden", valid.encode(), filename="d.csv", user=outsider).ok


def test_export_for_a_forbundsadministrator_holds_no_personnummer(tmp_path, valid, admin_a):
    from finsam.lib.importing import export_file

    _run(tmp_path, valid)
    data = export_file("deltaganden", user=admin_a).decode()
    assert "900101" not in data
    assert data.count(";anonym;") == 2


def test_uppfoljningar(tmp_path, valid, insats):
    _run(tmp_path, valid)
    o = insats.forbund.organisationsnummer
    text = (
        "forbund;insats;personnummer;startdatum;matpunkt;datum;sysselsattning;forsorjning\n"
        f"{o};COACH;19900101-0017;2015-02-01;90;2015-12-01;arbete;ingen_offentlig\n"
    )
    path = tmp_path / "u.csv"
    path.write_text(text, encoding="utf-8")
    out = io.StringIO()
    call_command("import_data", "uppfoljningar", str(path), stdout=out)
    assert "1 nya" in out.getvalue()
    call_command("import_data", "uppfoljningar", str(path), stdout=out)
    assert "1 oförändrade" in out.getvalue()
    assert Uppfoljning.objects.get().matpunkt == 90
    bad = text.replace("19900101-0017;2015-02-01;90", "19900101-0025;2015-03-01;90")  # still open
    path.write_text(bad + f"{o};COACH;19900101-0017;2015-02-01;90;2015-01-01;arbete;x\n")
    result = import_file("uppfoljningar", path.read_bytes(), filename="u.csv")
    messages = [str(e) for e in result.errors]
    assert any("inte avslutat" in m for m in messages)
    assert any("Okänd kod 'x'" in m for m in messages)


def test_uppfoljning_outside_its_window_is_refused(tmp_path, valid, insats):
    """19900101-0017 ended 2015-08-31 (the valid file): 44 days after the end is before the
    90-day window, the 90-day window's last day after the 180-day window's start."""
    _run(tmp_path, valid)
    deltagande = Deltagande.objects.get(startdatum=dt.date(2015, 2, 1), person__isnull=False)
    fonster = deltagande.uppfoljningsfonster(90)
    o = insats.forbund.organisationsnummer
    early = deltagande.slutdatum + dt.timedelta(days=44)
    text = (
        "forbund;insats;personnummer;startdatum;matpunkt;datum;sysselsattning;forsorjning\n"
        f"{o};COACH;19900101-0017;2015-02-01;90;{early};arbete;ingen_offentlig\n"
        f"{o};COACH;19900101-0017;2015-02-01;180;{fonster.sista};arbete;ingen_offentlig\n"
    )
    result = import_file("uppfoljningar", text.encode(), filename="u.csv")
    messages = [str(e) for e in result.errors]
    assert len(messages) == 2
    assert f"ska göras {fonster}; {early} ligger utanför" in messages[0]
    assert Uppfoljning.objects.count() == 0


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    st.lists(
        st.lists(
            st.sampled_from(
                [
                    "",
                    "x",
                    "2015-02-01",
                    "person",
                    "anonym",
                    "kvinna",
                    "COACH",
                    "19900101-0017",
                    "arbete|studier",
                    "-1",
                    "ingen_offentlig",
                ]
            ),
            min_size=15,
            max_size=15,
        ),
        min_size=1,
        max_size=4,
    )
)
def test_fuzzed_files_never_crash_and_never_half_save(insats, rows):
    o = insats.forbund.organisationsnummer
    text = HEADER + "".join(";".join([o, *row[1:]]) + "\n" for row in rows)
    before = Deltagande.objects.count()
    result = import_file("deltaganden", text.encode(), filename="d.csv")
    if not result.ok:
        assert Deltagande.objects.count() == before


@pytest.mark.parametrize("kind", ["deltaganden", "uppfoljningar"])
def test_export_of_personnummer_is_refused_without_a_reason(tmp_path, valid, kind):
    _run(tmp_path, valid)
    with pytest.raises(
        CommandError, match=r"innehåller personnummer\. Ange varför med --anledning"
    ):
        call_command("export_data", kind, stdout=io.StringIO())
    assert not Atkomstlogg.objects.exists()


def test_export_without_a_reason_exits_1():
    import subprocess
    import sys

    from django.conf import settings as django_settings

    result = subprocess.run(
        [sys.executable, "manage.py", "export_data", "deltaganden"],
        cwd=django_settings.BASE_DIR,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 1 and "Ange varför med --anledning" in result.stderr
    assert result.stdout == ""


def test_export_logs_every_person_with_the_server_user_and_the_reason(
    tmp_path, valid, insats, client_admin_a
):
    import getpass

    _run(tmp_path, valid)
    path = tmp_path / "export.csv"
    call_command(
        "export_data", "deltaganden", "--forbund", insats.forbund.organisationsnummer,
        "--anledning", "Begäran från IVO", "--out", str(path), stderr=io.StringIO(),
    )  # fmt: skip
    assert "19900101-0017" in path.read_text() or "199001010017" in path.read_text()
    logged = list(Atkomstlogg.objects.order_by("pk"))
    persons = Deltagande.objects.filter(person__isnull=False)
    assert len(logged) == 1  # one file written: one entry naming every person in it
    shown = [a.deltagande_id for a in logged[0].visningar.all()]
    assert sorted(shown) == sorted(persons.values_list("pk", flat=True))
    for row in logged:
        assert (row.user, row.os_anvandare, row.anledning) == (
            None,
            getpass.getuser(),
            "Begäran från IVO",
        )
        assert (
            row.sida
            == f"manage.py export_data deltaganden --forbund {insats.forbund.organisationsnummer}"
        )
    # The förbund's access log shows who it was.
    page = client_admin_a.get(f"/forbund/{insats.forbund.organisationsnummer}/atkomstlogg/")
    assert f"{getpass.getuser()} (på servern)" in page.text and "Begäran från IVO" in page.text
