"""Fuzzing the handläggare's forms: any input gives a page (never a 500), errors are in
Swedish and never repeat the number, and a refused form saves nothing at all."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from deltagare.models import Atkomstlogg, Deltagande, Person, Samtycke, Uppfoljning

from .handlaggare_data import NUMMER, NUMMER_2, assigned_insats, end, person_deltagande

pytestmark = pytest.mark.django_db

FUZZ = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
ENGLISH = re.compile(
    r"This field|Enter a|Select a valid|Ensure this|is required|not allowed|valid date|already exists"
)

junk = st.one_of(
    st.text(max_size=40),
    st.integers(min_value=-(10**20), max_value=10**20).map(str),
    st.dates().map(str),
    st.sampled_from(["", " ", "0", "on", "2015-02-30", "9999-12-31", "\x00", "ingen_offentlig"]),
)


def choice(*valid: str):
    return st.one_of(st.sampled_from(valid), junk)


def codes(*valid: str):
    return st.lists(choice(*valid), max_size=4)


FORSORJNING = ("ingen_offentlig", "a_kassa", "sjukpenning", "okand")
SYSSELSATTNING = ("arbete", "studier", "ingen", "okand")

REGISTRERING = {
    "personnummer": choice(NUMMER, NUMMER_2, "199001010017", "19900101-0018", "900101-0017"),
    "skyddad": choice("", "on"),
    "samtycke_registrering": choice("on", ""),
    "samtycke_sekretess": choice("on", ""),
    "samtycke_datum": choice("2016-01-01", "2016-02-01", "2014-01-01"),
    "formularversion": junk,
    "sprak": choice("svenska", "finska"),
    "startdatum": choice("2016-01-01", "2014-12-31", "2031-01-01"),
    "utbildningsniva": choice("gymnasial", "okand", ""),
    "forsorjning_fore": codes(*FORSORJNING),
    "tid_offentlig_forsorjning": choice("upp_till_1", "ej_tillampligt"),
    "sysselsattning_fore": codes(*SYSSELSATTNING),
}
AVSLUT = {
    "slutdatum": choice("2016-06-30", "2015-03-01", "2015-02-28", "2999-01-01"),
    "avslutsorsak": choice("fullfoljd", "flytt", "okand"),
    "sysselsattning_efter": codes(*SYSSELSATTNING),
    "forsorjning_efter": codes(*FORSORJNING),
}
UPPFOLJNING = {
    "datum": choice("2016-01-05", "2015-09-29", "2999-01-01"),
    "sysselsattning": codes(*SYSSELSATTNING),
    "forsorjning": codes(*FORSORJNING),
}


def _partial(fields: dict):
    """Any subset of the fields, each a valid value or junk."""
    return st.fixed_dictionaries({}, optional=fields)


def _assert_swedish(response) -> None:
    form = response.context.get("form") if response.context else None
    if form is None:
        return
    for message in form.errors.values():
        assert not ENGLISH.search(str(message)), message
        assert "0101" not in str(message) and "0615" not in str(message)


def _counts() -> tuple[int, ...]:
    return (
        Person.objects.count(),
        Samtycke.objects.count(),
        Deltagande.objects.count(),
        Uppfoljning.objects.count(),
    )


@pytest.fixture
def insats(forbund_a, handlaggare_a):
    return assigned_insats(forbund_a, handlaggare_a)


@FUZZ
@given(data=_partial(REGISTRERING))
def test_registration_never_fails_nor_half_saves(client_handlaggare_a, insats, data):
    before = _counts()
    url = reverse("deltagare:create", args=[insats.forbund.organisationsnummer, insats.kod])
    response = client_handlaggare_a.post(url, data)
    assert response.status_code in {200, 302}
    after = _counts()
    if response.status_code == 302:
        # One deltagande, its consent (one or two purposes), and the person if new.
        assert after[2] == before[2] + 1
        assert after[1] - before[1] in (1, 2)
        assert after[0] - before[0] in (0, 1)
        deltagande = Deltagande.objects.order_by("-pk").first()
        assert deltagande.registreringsform == "person"
        assert deltagande.person is not None
    else:
        assert after == before
        _assert_swedish(response)


@FUZZ
@given(data=_partial({"personnummer": REGISTRERING["personnummer"], "skyddad": junk}))
def test_live_check_never_fails(client_handlaggare_a, insats, data):
    url = reverse("deltagare:pnr_check", args=[insats.forbund.organisationsnummer, insats.kod])
    response = client_handlaggare_a.post(url, data, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    value = data.get("personnummer", "")
    if len(value.strip()) >= 6:
        assert value.strip() not in response.content.decode()


@FUZZ
@given(data=_partial({"kon": choice("kvinna", "man", "okant"), "startdatum": junk}))
def test_anonymous_registration_never_fails(client_handlaggare_a, insats, data):
    before = _counts()
    url = reverse("deltagare:create_anonym", args=[insats.forbund.organisationsnummer, insats.kod])
    response = client_handlaggare_a.post(url, data)
    assert response.status_code in {200, 302}
    if response.status_code == 200:
        assert _counts() == before
        _assert_swedish(response)


def _row(deltagande: Deltagande) -> dict:
    return Deltagande.objects.filter(pk=deltagande.pk).values().get()


@pytest.fixture
def person(insats, handlaggare_a):
    return person_deltagande(insats, handlaggare_a)


@FUZZ
@given(data=_partial(AVSLUT))
def test_end_form_never_fails_nor_half_saves(client_handlaggare_a, person, data):
    before = _row(person)
    url = reverse(
        "deltagare:avsluta",
        args=[person.insats.forbund.organisationsnummer, person.insats.kod, person.public_id],
    )
    response = client_handlaggare_a.post(url, data)
    assert response.status_code in {200, 302}
    after = _row(person)
    if response.status_code == 302:
        assert after["slutdatum"] >= after["startdatum"]
        assert after["avslutsorsak"] and after["sysselsattning_efter"]
        assert after["forsorjning_efter"]
    else:
        after.pop("andrad"), before.pop("andrad")
        assert after == before
        _assert_swedish(response)


@FUZZ
@given(data=_partial(UPPFOLJNING), matpunkt=st.sampled_from([90, 180, 365]))
def test_follow_up_form_never_fails(client_handlaggare_a, person, data, matpunkt):
    if person.slutdatum is None:
        end(person, slutdatum=dt.date(2015, 9, 30))
    before = _counts()
    url = reverse(
        "deltagare:uppfoljning",
        args=[
            person.insats.forbund.organisationsnummer,
            person.insats.kod,
            person.public_id,
            matpunkt,
        ],
    )
    response = client_handlaggare_a.post(url, data)
    assert response.status_code in {200, 302}
    if response.status_code == 200:
        assert _counts() == before
        _assert_swedish(response)


@FUZZ
@given(
    data=_partial(
        {
            "utbildningsniva": REGISTRERING["utbildningsniva"],
            "forsorjning_fore": REGISTRERING["forsorjning_fore"],
            "tid_offentlig_forsorjning": REGISTRERING["tid_offentlig_forsorjning"],
            "sysselsattning_fore": REGISTRERING["sysselsattning_fore"],
        }
    )
)
def test_start_profile_form_never_fails(client_handlaggare_a, person, data):
    before = _row(person)
    url = reverse(
        "deltagare:startprofil",
        args=[person.insats.forbund.organisationsnummer, person.insats.kod, person.public_id],
    )
    response = client_handlaggare_a.post(url, data)
    assert response.status_code in {200, 302}
    if response.status_code == 200:
        after = _row(person)
        after.pop("andrad"), before.pop("andrad")
        assert after == before
        _assert_swedish(response)
    assert Atkomstlogg.objects.exists()


@FUZZ
@given(data=_partial({"datum": choice("2015-03-01", "2015-02-28", "2016-01-01")}))
def test_withdraw_form_never_fails(client_handlaggare_a, insats, handlaggare_a, data):
    # A fresh person each time: a successful withdrawal anonymises the last one.
    from .handlaggare_data import make_nummer

    d = person_deltagande(insats, handlaggare_a, nummer=make_nummer(Person.objects.count()))
    url = reverse(
        "deltagare:aterkalla",
        args=[insats.forbund.organisationsnummer, insats.kod, d.public_id],
    )
    response = client_handlaggare_a.post(url, data)
    assert response.status_code in {200, 302}
    d.refresh_from_db()
    if response.status_code == 200:
        assert d.person is not None and d.person.pnr_krypterat
        _assert_swedish(response)
    else:
        assert d.person is None
