from __future__ import annotations

from typing import Any, cast

from django import forms
from django.utils import timezone

from finsam.lib.forms import StyledFormMixin
from forbund import access
from forbund.choices import Lan
from forbund.models import Forbund, User

from .models import KOMMENTAR_MAX, Format, Omfattningstyp

# The years a report can be asked for (the form and the API, rapporter/api.py).
AR_MIN, AR_MAX = 2004, 2100


class BestallForm(StyledFormMixin, forms.Form):
    ar = forms.IntegerField(label="År", min_value=AR_MIN, max_value=AR_MAX)
    omfattning = forms.ChoiceField(label="Omfattning", choices=Omfattningstyp.choices)
    lan = forms.ChoiceField(label="Län", choices=[("", "Välj län"), *Lan.choices], required=False)
    forbund = forms.ModelChoiceField(
        label="Förbund", queryset=Forbund.objects.none(), required=False, empty_label="Välj förbund"
    )
    # Named `format` (one value or several) so that a link or script asking for one format
    # still works; every format comes from the same computation of the tables.
    format = forms.MultipleChoiceField(
        label="Format",
        choices=Format.choices,
        initial=[Format.PDF],
        widget=forms.CheckboxSelectMultiple,
        help_text="Välj ett eller flera; alla filer räknas fram ur samma uppgifter.",
        error_messages={"required": "Välj minst ett format."},
    )
    undertryck = forms.BooleanField(
        label="Undertryck små tal (1–4 personer visas som ..)",
        required=False,
        help_text="Krävs för rapporter som lämnas ut eller publiceras.",
    )
    diarienummer = forms.CharField(
        label="Diarienummer (frivilligt)",
        max_length=50,
        required=False,
        help_text="Trycks på försättsbladet. Lämnas det tomt får försättsbladet en rad att "
        "fylla i för hand.",
    )
    kommentar = forms.CharField(
        label="Förbundets kommentar (frivilligt)",
        max_length=KOMMENTAR_MAX,
        required=False,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=f"Vanlig text, högst {KOMMENTAR_MAX:,} tecken".replace(",", " ")
        + ". Trycks i PDF:en som ett eget avsnitt efter sammanfattningen.",
    )

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["ar"].initial = timezone.localdate().year - 1
        # The fields declared above; `self.fields` is typed by their common base class.
        forbund = cast("forms.ModelChoiceField[Forbund]", self.fields["forbund"])
        reachable = Forbund.objects.filter(access.report_forbund_filter(user)).order_by("namn")
        forbund.queryset = reachable
        if access.report_wide_scopes(user):
            # Nationella rådet's main task is the national report: nothing to choose first.
            self.fields["omfattning"].initial = Omfattningstyp.NATIONELL
        else:
            omfattning = cast(forms.ChoiceField, self.fields["omfattning"])
            omfattning.choices = [(Omfattningstyp.FORBUND, "Ett förbund")]
            del self.fields["lan"]
            own = list(reachable[:2])
            if len(own) == 1:  # the förbund's own report: nothing to choose
                forbund.initial = own[0].pk
                forbund.empty_label = None
        if access.report_always_suppressed(user):
            self.fields["undertryck"].initial = True
            self.fields["undertryck"].disabled = True
            self.fields[
                "undertryck"
            ].help_text = "Nationella rådet får alltid rapporter med små tal undertryckta."

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data  # what Form.clean returns, without its Optional
        data["diarienummer"] = (data.get("diarienummer") or "").strip()
        data["kommentar"] = (data.get("kommentar") or "").strip()
        omfattning = data.get("omfattning", "")
        if omfattning == Omfattningstyp.FORBUND and not data.get("forbund"):
            self.add_error("forbund", "Välj förbund.")
        if omfattning == Omfattningstyp.LAN and not data.get("lan"):
            self.add_error("lan", "Välj län.")
        if access.report_always_suppressed(self.user):
            data["undertryck"] = True
        if data.get("format"):
            data["format"] = [f for f in Format.values if f in data["format"]]
        data["kod"] = {
            Omfattningstyp.FORBUND: data["forbund"].organisationsnummer
            if data.get("forbund")
            else "",
            Omfattningstyp.LAN: data.get("lan") or "",
        }.get(omfattning, "")
        return data


class GodkannForm(StyledFormMixin, forms.Form):
    anledning = forms.CharField(
        label="Anledning",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Krävs när deltaganden pågår efter insatsens slut: varför året ändå godkänns.",
    )
    diarienummer = forms.CharField(
        label="Diarienummer", required=False, max_length=50, help_text="Tryckt på försättsbladet."
    )
    kommentar = forms.CharField(
        label="Förbundets kommentar",
        required=False,
        max_length=KOMMENTAR_MAX,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="Tryckt som ett eget avsnitt i den godkända rapporten.",
    )


class OppnaForm(StyledFormMixin, forms.Form):
    anledning = forms.CharField(
        label="Anledning",
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Varför året öppnas igen; sparas och visas i historiken.",
        error_messages={"required": "Ange varför året öppnas igen."},
    )


class OversiktForm(StyledFormMixin, forms.Form):
    ar = forms.IntegerField(label="År", min_value=2004, max_value=2100)
    lan = forms.ChoiceField(label="Län", required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["lan"]).choices = [("", "Alla län"), *Lan.choices]
