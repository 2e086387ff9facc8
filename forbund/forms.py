from __future__ import annotations

from typing import Any

from django import forms

from finsam.lib.forms import StyledFormMixin

from .choices import Lan


class ForbundFilterForm(StyledFormMixin, forms.Form):
    lan = forms.ChoiceField(label="Län", choices=[("", "Alla län"), *Lan.choices], required=False)
    q = forms.CharField(
        label="Sök",
        required=False,
        max_length=100,
        help_text="Förbundets namn, organisationsnummer eller en medlemskommun.",
    )


class BidragForm(StyledFormMixin, forms.Form):
    beslutat = forms.IntegerField(
        label="Beslutat bidrag (kr)",
        min_value=0,
        max_value=10**12,
        required=False,
        help_text="Hela kronor. Lämna båda fälten tomma för att ta bort bidraget.",
        # The form opens in place of a table row: the cursor goes straight to it.
        widget=forms.NumberInput(attrs={"autofocus": True}),
    )
    inbetalt = forms.IntegerField(
        label="Inbetalt (kr)",
        min_value=0,
        max_value=10**12,
        required=False,
        help_text="Hela kronor.",
    )

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        if data.get("beslutat") is None and data.get("inbetalt") is not None:
            self.add_error("beslutat", "Ange det beslutade bidraget när ett inbetalt belopp finns.")
        return data
