"""`manage.py generate_data` in miniature: the numbers asked for, deterministic, constraints kept."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.management import CommandError, call_command

from deltagare import pnr
from deltagare.models import Deltagande, Person, Uppfoljning
from dev.generate import GENERATED_PREFIX, generate
from forbund.models import Forbund
from forbund.services import bidragsar
from insatser.models import Insats

from ..factories import full_forbund

pytestmark = pytest.mark.django_db

TODAY = dt.date(2025, 6, 30)


def run(**kwargs):
    args = {"forbund": 2, "ar_fran": 2023, "ar_till": 2024, "per_ar": 100, "today": TODAY}
    return generate(**(args | kwargs))


def fingerprint() -> list:
    """The generated data without ids and ciphertexts (Fernet uses a random IV)."""
    return [
        list(
            Forbund.objects.order_by("organisationsnummer").values_list(
                "organisationsnummer", "namn", "lan", "bildad"
            )
        ),
        list(
            Insats.objects.order_by("kod").values_list(
                "kod", "niva", "typ", "deltagarregistrering", "startdatum", "slutdatum"
            )
        ),
        list(
            Deltagande.objects.order_by("public_id").values_list(
                "public_id",
                "insats__kod",
                "registreringsform",
                "kon",
                "startdatum",
                "slutdatum",
                "forsorjning_fore",
                "sysselsattning_efter",
                "person__public_id",
                "person__pnr_hash",
            )
        ),
        list(
            Uppfoljning.objects.order_by("deltagande__public_id", "matpunkt").values_list(
                "deltagande__public_id", "matpunkt", "datum"
            )
        ),
    ]


def test_the_numbers_asked_for():
    counts = run()
    assert counts.forbund == Forbund.objects.count() == 2
    assert counts.per_ar == {2023: 100, 2024: 100}
    assert Deltagande.objects.count() == counts.deltaganden
    # Every chosen deltagande starts in its year, inside its insats.
    for year in (2023, 2024):
        assert 90 <= Deltagande.objects.filter(startdatum__year=year).count() <= 100
    assert Deltagande.objects.filter(registreringsform="anonym").exists()
    assert Person.objects.filter(samordningsnummer=True).exists() or Person.objects.count() < 60
    # Some people take part more than once.
    assert Person.objects.count() < Deltagande.objects.filter(registreringsform="person").count()
    assert all(f.organisationsnummer.startswith(GENERATED_PREFIX) for f in Forbund.objects.all())
    # Each förbund has all four kinds of member and contributions by 5 §.
    for forbund in Forbund.objects.all():
        assert bidragsar(forbund, 2024).beslutat.ok
        # and eget kapital at every year's end (utfall once the year is closed).
        eget = dict(forbund.ekonomirader.filter(rad="eget_kapital_ub").values_list("ar", "budget"))
        assert sorted(eget) == [2023, 2024] and all(eget.values())


def test_personnummer_encrypted_and_findable():
    run()
    for person in Person.objects.all()[:50]:
        nummer = pnr.decrypt(person.pnr_krypterat)
        assert pnr.lookup_hash(nummer) == person.pnr_hash
        parsed = pnr.parse(nummer)
        assert (parsed.kon, parsed.fodelsedatum, parsed.samordningsnummer) == (
            person.kon,
            person.fodelsedatum,
            person.samordningsnummer,
        )


def test_same_seed_same_data_other_seed_other_data():
    run(seed=7)
    first = fingerprint()
    run(seed=7, replace_existing=True)
    assert fingerprint() == first
    run(seed=8, replace_existing=True)
    assert fingerprint() != first


def test_refuses_to_add_twice_and_replace_leaves_other_forbund_alone():
    own = full_forbund(kommuner=["0380"], lan="03")
    call_command(
        "generate_data",
        "--forbund",
        "2",
        "--ar",
        "2024",
        "--deltaganden-per-ar",
        "20",
        stdout=io.StringIO(),
    )
    with pytest.raises(CommandError, match="--replace"):
        call_command("generate_data", "--forbund", "2", "--ar", "2024", stdout=io.StringIO())
    call_command(
        "generate_data",
        "--forbund",
        "3",
        "--ar",
        "2024",
        "--deltaganden-per-ar",
        "20",
        "--replace",
        stdout=io.StringIO(),
    )
    assert Forbund.objects.filter(organisationsnummer__startswith=GENERATED_PREFIX).count() == 3
    assert Forbund.objects.filter(pk=own.pk).exists()


@pytest.mark.parametrize("args", [["--ar", "2025-2020"], ["--ar", "tjugo"], ["--forbund", "0"]])
def test_bad_arguments_are_clear_errors(args):
    with pytest.raises(CommandError):
        call_command("generate_data", *args, stdout=io.StringIO())


def test_bench_rapport_agrees_with_hand_written_t2_and_counts_queries():
    run(forbund=3, per_ar=150)
    out = io.StringIO()
    call_command("bench_rapport", "--ar", "2024", "--repeat", "1", "--utan-pdf", stdout=out)
    text = out.getvalue()
    assert "T2 stämmer med den handskrivna SQL:en" in text
    assert "Antalet frågor växer inte med antalet förbund: uppfyllt." in text, text


def test_bench_rapport_times_only_the_pdfs_on_request():
    run(forbund=2, per_ar=40)
    out = io.StringIO()
    call_command("bench_rapport", "--ar", "2024", "--bara-pdf", "--pdf-repeat", "2", stdout=out)
    lines = [line for line in out.getvalue().splitlines() if line.startswith("PDF, ")]
    assert [line.split(",")[1].split("(")[0].strip() for line in lines] == [
        "ett förbund",
        "hela landet",
    ]
    assert all("(median av 2; " in line and " kB (mål: under " in line for line in lines), lines
    assert "JSON" not in out.getvalue()


def test_bench_rapport_without_data_is_a_clear_error():
    with pytest.raises(CommandError, match="generate_data"):
        call_command("bench_rapport", stdout=io.StringIO())
