"""The deltagande's derived columns (deltagare/harledda.py) on every write path: a form's
save, bulk_create, a queryset update, the COPY of imports and generated data, a change of
the person and a withdrawn consent."""

from __future__ import annotations

import datetime as dt

import pytest

from deltagare import pnr
from deltagare.models import Deltagande, Person
from deltagare.services import withdraw_consent
from finsam.lib.bulk import copy_insert
from tests.factories import InsatsFactory

pytestmark = pytest.mark.django_db

D = dt.date


@pytest.fixture
def person(forbund_a):
    p = Person(forbund=forbund_a)
    p.set_personnummer(pnr.parse("19900615-0107"))
    p.save()
    return p


def _derived(deltagande: Deltagande) -> tuple:
    return tuple(
        Deltagande.objects.filter(pk=deltagande.pk).values_list(
            "alder",
            "individ",
            "forsorjning_grupper_fore",
            "forsorjning_grupper_efter",
            "aos_fore",
            "aos_efter",
        )[0]
    )


def _new(insats, person, **values) -> Deltagande:
    return Deltagande(
        insats=insats,
        registreringsform="person",
        person=person,
        kon=person.kon,
        startdatum=D(2015, 6, 14),
        **values,
    )


def test_save_writes_age_at_start_groups_and_work_or_studies(forbund_a, person):
    insats = InsatsFactory(forbund=forbund_a)
    d = _new(
        insats,
        person,
        forsorjning_fore=["sjukpenning", "rehabiliteringspenning", "a_kassa"],
        sysselsattning_fore=["studier"],
    )
    d.save()
    # Born 15 June 1990, started 14 June 2015: still 24.
    assert _derived(d) == (
        24,
        person.pnr_hash,
        ["a_kassa", "nagon_offentlig", "sjuk_rehabpenning"],
        [],
        True,
        False,
    )
    d.slutdatum = D(2016, 1, 1)
    d.forsorjning_efter = ["ingen_offentlig"]
    d.sysselsattning_efter = ["arbete"]
    d.save(update_fields=["slutdatum", "forsorjning_efter", "sysselsattning_efter"])
    assert _derived(d)[3:] == (["ingen_offentlig"], True, True)


def test_bulk_create_update_and_copy_fill_them_too(forbund_a, person):
    insats = InsatsFactory(forbund=forbund_a)
    (bulk,) = Deltagande.objects.bulk_create([_new(insats, person, forsorjning_fore=["a_kassa"])])
    assert _derived(bulk)[:3] == (24, person.pnr_hash, ["a_kassa", "nagon_offentlig"])
    Deltagande.objects.filter(pk=bulk.pk).update(startdatum=D(2015, 6, 15))
    assert _derived(bulk)[0] == 25
    copied = _new(insats, person, forsorjning_fore=["studiestod"], slutdatum=D(2015, 7, 1))
    copy_insert(Deltagande, [copied])
    assert _derived(copied)[:3] == (24, person.pnr_hash, ["nagon_offentlig", "studiestod"])


def test_an_erased_person_leaves_anonymous_rows_without_age_or_identity(forbund_a, person):
    insats = InsatsFactory(forbund=forbund_a)
    d = _new(insats, person, forsorjning_fore=["a_kassa"])
    d.save()
    withdraw_consent(person=person, deltaganden=[d], datum=D(2016, 1, 1))
    assert _derived(d) == (None, None, [], [], False, False)


def test_a_changed_birth_date_rewrites_the_persons_deltaganden(forbund_a, person):
    d = _new(InsatsFactory(forbund=forbund_a), person)
    d.save()
    Person.objects.filter(pk=person.pk).update(fodelsedatum=D(1980, 1, 1))
    assert _derived(d)[0] == 35


def test_the_groups_of_every_combination_of_codes_follow_the_code_list():
    """Every subset of the försörjning codes (and none, NULL, a code twice): the distinct
    report groups of FORSORJNING_RAPPORTGRUPP, `nagon_offentlig` when any code but
    ingen_offentlig is there, in the database's order — as the report groups them."""
    from itertools import combinations

    from django.db import connection

    from deltagare.choices import FORSORJNING_RAPPORTGRUPP, Forsorjning
    from deltagare.harledda import NAGON_OFFENTLIG

    codes = list(FORSORJNING_RAPPORTGRUPP)
    cases = [list(c) for n in range(len(codes) + 1) for c in combinations(codes, n)]
    cases += [None, ["a_kassa", "a_kassa", "sjukpenning", "rehabiliteringspenning"]]
    with connection.cursor() as cursor:
        rows = []
        for case in cases:
            cursor.execute(
                "SELECT deltagare_forsorjningsgrupper(%s::varchar[]), ARRAY(SELECT DISTINCT g "
                "FROM unnest(deltagare_forsorjningsgrupper(%s::varchar[])) g ORDER BY g)",
                [case, case],
            )
            rows.append((case, *cursor.fetchone()))
    assert len(rows) == 2 ** len(codes) + 2
    for case, grupper, in_db_order in rows:
        wanted = {FORSORJNING_RAPPORTGRUPP[c] for c in case or []}
        if any(c != Forsorjning.INGEN_OFFENTLIG for c in case or []):
            wanted.add(NAGON_OFFENTLIG)
        assert set(grupper) == wanted, case
        assert grupper == in_db_order, case  # distinct and sorted as PostgreSQL sorts
