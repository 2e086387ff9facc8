"""Error messages of the shared form mixin never quote the submitted value back; the
shared Select renders what Django's templates render."""

from __future__ import annotations

import pytest
from django import forms

from finsam.lib.forms import INVALID_CHOICE, Select, StyledFormMixin

NUMMER = "19900101-0017"


class _Form(StyledFormMixin, forms.Form):
    one = forms.ChoiceField(choices=[("a", "A")])
    many = forms.MultipleChoiceField(choices=[("a", "A")])
    own = forms.ChoiceField(
        choices=[("a", "A")], error_messages={"invalid_choice": "Välj kvinna eller man."}
    )


def test_a_number_posted_into_a_choice_field_is_not_repeated_in_the_error():
    form = _Form(data={"one": NUMMER, "many": [NUMMER], "own": NUMMER})
    assert not form.is_valid()
    text = str(form.errors)
    assert NUMMER not in text
    assert form.errors["one"] == [INVALID_CHOICE]
    assert form.errors["many"] == [INVALID_CHOICE]
    assert form.errors["own"] == ["Välj kvinna eller man."]  # a field's own message stays


CHOICES = [
    ("", "Alla insatser"),
    ("IND-1", "IND-1 Stöd & <coachning>"),
    (2026, 2026),
    ("Grupp", [("a", 'A "citat"'), ("b", "B")]),
]


@pytest.mark.parametrize("value", [None, "", "IND-1", "2026", "b", "saknas"])
@pytest.mark.parametrize(
    "attrs",
    [{}, {"class": "select-field__select", "id": "id_x", "required": True, "disabled": False}],
)
def test_select_renders_as_djangos_templates_do(value, attrs):
    django_select = forms.Select(attrs=attrs, choices=CHOICES)
    ours = Select(attrs=attrs, choices=CHOICES)
    assert ours.render("insats", value) == django_select.render("insats", value)
    assert "selected" in ours.render("insats", "IND-1")
