"""The insatser import asks the Insats model's rules, as the insats form does, and so
rejects a row with the form's own words."""

from __future__ import annotations

import datetime as dt

import pytest

from finsam.lib.importing import get_kind
from finsam.lib.tabular import read_table
from insatser.forms import InsatsForm

from ..factories import InsatsFactory, VolymregistreringFactory
from .test_views_form import valid_data

pytestmark = pytest.mark.django_db

COLUMNS = "forbund;kod;namn;niva;typ;deltagarregistrering;startdatum;slutdatum"


def _import_errors(forbund, **row: str) -> dict[str, str]:
    """The import's messages on the one row, by column (a command: no access check)."""
    data = valid_data(**row)
    cells = [forbund.organisationsnummer, *(data.get(c, "") for c in COLUMNS.split(";")[1:])]
    table = read_table(f"{COLUMNS}\n{';'.join(cells)}\n".encode(), filename="i.csv")
    _, errors = get_kind("insatser").validate(table, user=None)
    return {e.kolumn: e.meddelande for e in errors}


def _form_errors(forbund, instance=None, **row: str) -> dict[str, str]:
    form = InsatsForm(valid_data(**row), forbund=forbund, instance=instance)
    assert not form.is_valid()
    return {name: errors[0] for name, errors in form.errors.items()}


@pytest.mark.parametrize(
    ("row", "kolumn"),
    [
        ({"niva": "individ", "typ": "dialog"}, "typ"),
        ({"deltagarregistrering": ""}, "deltagarregistrering"),
        (
            {"niva": "struktur", "typ": "dialog", "deltagarregistrering": "volym"},
            "deltagarregistrering",
        ),
        ({"slutdatum": "2023-12-31"}, "slutdatum"),
        ({"kod": "ny"}, "kod"),
        ({"kod": "a b"}, "kod"),
    ],
)
def test_a_row_breaking_a_model_rule_has_the_forms_error(forbund_a, row, kolumn):
    assert _import_errors(forbund_a, **row)[kolumn] == _form_errors(forbund_a, **row)[kolumn]


def test_a_volyminsats_with_counts_stays_one_in_the_form_and_the_import(forbund_a):
    insats = InsatsFactory(
        forbund=forbund_a, kod="A-2", deltagarregistrering="volym", startdatum=dt.date(2024, 1, 1)
    )
    VolymregistreringFactory(insats=insats, datum=dt.date(2024, 3, 31))
    row = {"kod": "A-2", "deltagarregistrering": "individuell"}
    errors = _import_errors(forbund_a, **row)
    assert (
        errors["deltagarregistrering"]
        == _form_errors(forbund_a, insats, **row)["deltagarregistrering"]
    )
    assert "den förblir en volyminsats" in errors["deltagarregistrering"]
