"""The deltaganden import asks the rules the forms and services ask, and so rejects a row
with the form's own words: ingen_offentlig alone, consent on or before the start, an
insats that takes deltagare one by one, a start within the insats's period, an end not
before the start."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from deltagare import services
from deltagare.forms import AnonymForm, AvslutForm, RegistreringForm
from deltagare.models import Deltagande
from finsam.lib.importing import get_kind
from finsam.lib.tabular import read_table

from ..factories import InsatsFactory

pytestmark = pytest.mark.django_db

COLUMNS = (
    "forbund;insats;registreringsform;personnummer;samtycke_datum;kon;startdatum;slutdatum;"
    "forsorjning_fore"
)


@pytest.fixture
def insats(forbund_a):
    return InsatsFactory(
        forbund=forbund_a,
        kod="COACH",
        startdatum=dt.date(2015, 1, 1),
        slutdatum=dt.date(2020, 12, 31),
    )


def _import_errors(insats, row: str) -> dict[str, str]:
    """The import's messages on the one row, by column (a command: no access check)."""
    text = f"{COLUMNS}\n{insats.forbund.organisationsnummer};{insats.kod};{row}\n"
    table = read_table(text.encode(), filename="d.csv")
    _, errors = get_kind("deltaganden").validate(table, user=None)
    return {e.kolumn: e.meddelande for e in errors}


def _registrering(insats, **data) -> RegistreringForm:
    form = RegistreringForm(
        {
            "personnummer": "19900101-0017",
            "samtycke_registrering": "on",
            "samtycke_datum": "2016-01-01",
            "sprak": "svenska",
            "startdatum": "2016-01-01",
            **data,
        },
        insats=insats,
    )
    assert not form.is_valid()
    return form


def test_ingen_offentlig_with_other_codes_is_the_forms_error(insats):
    form = _registrering(insats, forsorjning_fore=["ingen_offentlig", "a_kassa"])
    errors = _import_errors(
        insats, "person;19900101-0017;2016-01-01;;2016-01-01;;ingen_offentlig|a_kassa"
    )
    assert errors["forsorjning_fore"] == form.errors["forsorjning_fore"][0]
    assert "kan inte kombineras med andra val" in errors["forsorjning_fore"]


def test_consent_after_the_start_is_the_forms_error(insats):
    form = _registrering(insats, samtycke_datum="2016-01-02")
    errors = _import_errors(insats, "person;19900101-0017;2016-01-02;;2016-01-01;;")
    assert errors["samtycke_datum"] == form.errors["samtycke_datum"][0]
    assert errors["samtycke_datum"] == "Samtycket ska vara lämnat senast på startdagen."


def test_consent_on_the_start_day_is_accepted_by_both(insats):
    form = _registrering(insats, samtycke_datum="2016-01-01", sprak="")  # invalid elsewhere
    assert "samtycke_datum" not in form.errors
    assert "samtycke_datum" not in _import_errors(
        insats, "person;19900101-0017;2016-01-01;;2016-01-01;;"
    )


@pytest.mark.parametrize("start", ["2014-12-31", "2021-01-01"])
def test_start_outside_the_period_is_the_forms_error(insats, start):
    form = AnonymForm({"kon": "kvinna", "startdatum": start}, insats=insats)
    assert not form.is_valid()
    errors = _import_errors(insats, f"anonym;;;kvinna;{start};;")
    assert errors["startdatum"] == form.errors["startdatum"][0]
    assert "(2015-01-01–2020-12-31)" in errors["startdatum"]


@pytest.mark.parametrize("start", ["2015-01-01", "2020-12-31"])
def test_start_on_the_periods_first_and_last_day_is_accepted_by_both(insats, start):
    assert AnonymForm({"kon": "kvinna", "startdatum": start}, insats=insats).is_valid()
    assert _import_errors(insats, f"anonym;;;kvinna;{start};;") == {}


def test_an_insats_that_does_not_take_individuals_is_the_services_error(forbund_a):
    volym = InsatsFactory(forbund=forbund_a, kod="VOL", deltagarregistrering="volym")
    with pytest.raises(ValidationError) as raised:
        services.register_anonymous_deltagande(
            insats=volym, kon="kvinna", startdatum=dt.date(2016, 1, 1)
        )
    errors = _import_errors(volym, "anonym;;;kvinna;2016-01-01;;")
    assert errors["insats"] == raised.value.message_dict["insats"][0]
    assert "var för sig" in errors["insats"]


def test_an_end_before_the_start_is_the_forms_error(insats):
    deltagande = Deltagande(insats=insats, startdatum=dt.date(2016, 1, 1))
    form = AvslutForm({"slutdatum": "2015-12-31", "avslutsorsak": "flytt"}, deltagande=deltagande)
    assert not form.is_valid()
    errors = _import_errors(insats, "anonym;;;kvinna;2016-01-01;2015-12-31;")
    assert errors["slutdatum"] == form.errors["slutdatum"][0]
