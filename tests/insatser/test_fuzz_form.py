"""Fuzzing the insats form and the money lines: any input gives a page, never a 500,
and every error the user sees is in Swedish."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

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
    st.sampled_from(["", " ", "0", "-1", "1e9", "2015-02-30", "null", "\x00", "ny", "A-1"]),
)


def choice(*valid: str):
    return st.one_of(st.sampled_from(valid), junk)


REQUIRED = {
    "kod": junk,
    "namn": junk,
    "niva": choice("individ", "struktur"),
    "typ": choice("rehabilitering", "dialog", "kartlaggning", "annan", "utbildning"),
    "deltagarregistrering": choice("", "individuell", "volym"),
    "form": choice("projekt", "verksamhet"),
    "startdatum": choice("2015-01-01", "2020-06-30"),
    "slutdatum": choice("", "2014-12-31", "2030-12-31"),
}
OPTIONAL = {
    "beskrivning": junk,
    "projektagare": junk,
    "malgrupp_text": junk,
    "alder_fran": junk,
    "alder_till": junk,
    "planerat_antal_per_ar": junk,
    "max_tid_manader": junk,
    "nya_malgrupper": junk,
    "behovsgrupper": st.lists(choice("langtidssjukskrivna", "unga_funktionsnedsattning")),
    "malgrupper": st.lists(junk, max_size=3),
    "parter": st.lists(junk, max_size=3),
    "mal-TOTAL_FORMS": choice("0", "1", "2", "1000"),
    "mal-INITIAL_FORMS": choice("0", "1"),
    "mal-0-matt": choice("arbete_studier", "annat"),
    "mal-0-malvarde_procent": choice("30", "101"),
    "mal-0-matpunkt_dagar": choice("0", "90", "91"),
    "mal-0-beskrivning": junk,
    "mal-0-id": junk,
}
random_data = st.fixed_dictionaries(REQUIRED, optional=OPTIONAL)


valid_base = st.one_of(
    st.fixed_dictionaries(
        {
            "niva": st.just("individ"),
            "typ": st.sampled_from(["rehabilitering", "kartlaggning", "annan"]),
            "deltagarregistrering": st.sampled_from(["individuell", "volym"]),
        }
    ),
    st.fixed_dictionaries(
        {"niva": st.just("struktur"), "typ": st.sampled_from(["dialog", "utbildning"])}
    ),
).flatmap(
    lambda klass: st.fixed_dictionaries(
        {
            **{k: st.just(v) for k, v in klass.items()},
            "kod": st.from_regex(r"[A-Za-z0-9][A-Za-z0-9_-]{0,8}", fullmatch=True),
            "namn": st.text(
                st.characters(blacklist_categories=["Cs", "Cc"]), min_size=1, max_size=30
            ).filter(str.strip),
            "form": st.sampled_from(["projekt", "verksamhet"]),
            "startdatum": st.dates(min_value=dt.date(2004, 1, 1)).map(str),
            "mal-TOTAL_FORMS": st.just("0"),
            "mal-INITIAL_FORMS": st.just("0"),
        }
    )
)
# Mostly valid data with up to two fields replaced by anything.
nearly_valid = st.builds(
    lambda base, overrides: {**base, **overrides},
    valid_base,
    st.dictionaries(st.sampled_from(sorted({*REQUIRED, *OPTIONAL})), junk, max_size=2),
)
insats_data = st.one_of(random_data, nearly_valid)


def assert_swedish_errors(response) -> None:
    for name in ("form", "mal_formset", "antal_form"):
        form = response.context.get(name) if response.context else None
        if form is None:
            continue
        errors = form.non_form_errors() if hasattr(form, "non_form_errors") else []
        messages = [str(e) for e in errors]
        if hasattr(form, "forms"):
            messages += [str(e) for f in form.forms for e in f.errors.values()]
        else:
            messages += [str(e) for e in form.errors.values()]
        for message in messages:
            assert not ENGLISH.search(message), message


@FUZZ
@given(data=insats_data)
def test_insats_form_never_fails(client_admin_a, forbund_a, data):
    response = client_admin_a.post(
        reverse("insatser:create", args=[forbund_a.organisationsnummer]), data
    )
    assert response.status_code in {200, 302}
    if response.status_code == 200:
        assert "Formuläret innehåller fel" in response.text or "mal_formset" in response.context
        assert_swedish_errors(response)


@FUZZ
@given(params=st.dictionaries(st.sampled_from(["niva", "typ", "deltagarregistrering"]), junk))
def test_typ_options_never_fail(client_admin_a, forbund_a, params):
    response = client_admin_a.get(
        reverse("insatser:create", args=[forbund_a.organisationsnummer]),
        params,
        HTTP_HX_REQUEST="true",
        HTTP_HX_TARGET="typ-falt",
    )
    assert response.status_code == 200


@FUZZ
@given(
    data=st.dictionaries(
        st.sampled_from(
            ["insats-budget", "insats-utfall", "insats_esf-budget", "insats_esf-utfall"]
        ),
        junk,
    )
)
def test_money_lines_never_fail(client_admin_a, insats_a, data):
    url = reverse(
        "insatser:ekonomi_insats_edit", args=[insats_a.forbund.organisationsnummer, 2015, "A-1"]
    )
    response = client_admin_a.post(url, data, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    for _, _, form in response.context.get("line_forms") or []:
        for message in form.errors.values():
            assert not ENGLISH.search(str(message)), message


@FUZZ
@given(
    data=st.fixed_dictionaries(
        {"datum": choice("2015-03-31", "2014-01-01"), "kvinnor": junk, "man": junk, "okant": junk}
    )
)
def test_counts_never_fail(client_handlaggare_a, tilldelad_insats_a, data):
    url = reverse(
        "insatser:antal_add",
        args=[tilldelad_insats_a.forbund.organisationsnummer, tilldelad_insats_a.kod],
    )
    response = client_handlaggare_a.post(url, data, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert_swedish_errors(response)
