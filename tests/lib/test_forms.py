"""Error messages of the shared form mixin never quote the submitted value back."""

from __future__ import annotations

from django import forms

from finsam.lib.forms import INVALID_CHOICE, StyledFormMixin

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
