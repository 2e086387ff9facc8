from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone

from finsam.lib.forms import StyledFormMixin, form_field
from forbund import access
from forbund.choices import Arbetsgivartyp, Roll
from forbund.models import Forbund, Uppdrag, User
from insatser.forms import DateInput
from insatser.models import Insats

from .services import ACCOUNT_FIELDS


class AnvandareForm(StyledFormMixin, forms.ModelForm):
    class Meta:
        model = User
        fields = ACCOUNT_FIELDS
        labels = {
            "username": "Användarnamn",
            "first_name": "Förnamn",
            "last_name": "Efternamn",
            "email": "E-postadress",
            "arbetsgivartyp": "Arbetsgivare (typ)",
            "arbetsgivare": "Arbetsgivare",
        }
        help_texts = {
            "username": "Används vid inloggning. Bokstäver, siffror och @ . + - _.",
            "email": "Aktiveringslänken och länkar för nytt lösenord skickas hit.",
            "arbetsgivare": "Organisationen där användaren är anställd, t.ex. Uppsala kommun.",
        }

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for name in ("first_name", "last_name", "email"):
            self.fields[name].required = True
        form_field(self, "arbetsgivartyp", forms.ChoiceField).choices = [
            ("", "Välj typ av arbetsgivare"),
            *Arbetsgivartyp.choices,
        ]
        self.fields["username"].error_messages["unique"] = "Användarnamnet är upptaget."

    def clean_email(self) -> str:
        email = self.cleaned_data["email"].strip()
        others = User.objects.filter(email__iexact=email).exclude(pk=self.instance.pk)
        if others.exists():
            raise forms.ValidationError("Det finns redan ett konto med den e-postadressen.")
        return email

    def changes(self) -> dict[str, tuple[str, str]]:
        """Changed fields for the log: label → (old, new), choices by their names."""
        result = {}
        for name in self.changed_data:
            field = self[name]
            old = self.initial.get(name, "")
            new = self.cleaned_data.get(name, "")
            if name == "arbetsgivartyp":
                choices = dict(Arbetsgivartyp.choices)
                old, new = (choices[v] if v else "" for v in (old, new))
            result[str(field.label)] = (str(old or ""), str(new or ""))
        return result


class PeriodMixin(forms.Form):
    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        start, slut = cleaned.get("startdatum"), cleaned.get("slutdatum")
        if start and slut and slut < start:
            self.add_error("slutdatum", "Slutdatumet kan inte ligga före startdatumet.")
        return cleaned


class UppdragForm(PeriodMixin, StyledFormMixin, forms.Form):
    """A new assignment: a role, the förbund for a förbund role, and the period."""

    roll = forms.ChoiceField(label="Roll")
    forbund = forms.ModelChoiceField(
        label="Förbund",
        queryset=Forbund.objects.none(),
        required=False,
        empty_label="Välj förbund",
        help_text="För förbundsadministratör och handläggare. Administratör och Nationella "
        "rådet har inget förbund.",
    )
    startdatum = forms.DateField(label="Startdatum", widget=DateInput)
    slutdatum = forms.DateField(
        label="Slutdatum",
        required=False,
        widget=DateInput,
        help_text="Från och med den dagen har användaren inte längre uppdraget. Lämna tomt "
        "för tills vidare.",
    )

    def __init__(self, *args, by: User, user: User | None = None, **kwargs) -> None:
        kwargs.setdefault("initial", {}).setdefault("startdatum", timezone.localdate())
        super().__init__(*args, **kwargs)
        self.user = user
        roles = access.grantable_roles(by)
        choices = [(value, label) for value, label in Roll.choices if value in roles]
        form_field(self, "roll", forms.ChoiceField).choices = (
            [("", "Välj roll"), *choices] if len(roles) > 1 else choices
        )
        forbund = Forbund.objects.filter(access.grant_forbund_filter(by))
        form_field(self, "forbund", forms.ModelChoiceField).queryset = forbund
        if len(roles) == 1 and forbund.count() == 1:
            self.fields["forbund"].initial = forbund.get()

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        roll, forbund = cleaned.get("roll"), cleaned.get("forbund")
        if roll in Uppdrag.FORBUND_ROLES and forbund is None and "forbund" not in self.errors:
            self.add_error("forbund", "Välj i vilket förbund användaren har rollen.")
        if roll and roll not in Uppdrag.FORBUND_ROLES:
            cleaned["forbund"] = forbund = None
        if roll and self.user is not None:
            existing = Uppdrag.objects.filter(user=self.user, roll=roll, forbund=forbund)
            if existing.exists():
                self.add_error(
                    "roll",
                    "Användaren har redan det uppdraget. Ändra datumen på det i stället.",
                )
        return cleaned


class InsatsChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Insats) -> str:
        return f"{obj.kod} {obj.namn}"


class UppdragEditForm(PeriodMixin, StyledFormMixin, forms.Form):
    """An assignment's period, and for a handläggare the insatser they work in."""

    startdatum = forms.DateField(label="Startdatum", widget=DateInput)
    slutdatum = UppdragForm.base_fields["slutdatum"]
    insatser = InsatsChoiceField(
        label="Insatser",
        queryset=Insats.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Handläggaren ser insatsens deltagare och registrerar dem. Bocka ur för att "
        "ta bort.",
    )

    def __init__(self, *args, uppdrag: Uppdrag, **kwargs) -> None:
        initial = kwargs.setdefault("initial", {})
        initial.update(startdatum=uppdrag.startdatum, slutdatum=uppdrag.slutdatum)
        super().__init__(*args, **kwargs)
        if uppdrag.roll == Roll.HANDLAGGARE:
            current = list(uppdrag.tilldelningar.values_list("insats_id", flat=True))
            # Closed insatser too: their deltaganden still get follow-ups.
            form_field(self, "insatser", InsatsChoiceField).queryset = Insats.objects.filter(
                forbund=uppdrag.forbund
            ).order_by("kod")
            self.initial["insatser"] = current
        else:
            del self.fields["insatser"]


class FilterForm(StyledFormMixin, forms.Form):
    q = forms.CharField(
        label="Sök",
        required=False,
        max_length=100,
        help_text="Namn, användarnamn eller e-postadress.",
    )
    status = forms.ChoiceField(
        label="Status",
        required=False,
        choices=[("", "Alla"), ("aktiva", "Aktiva konton"), ("avaktiverade", "Avaktiverade")],
    )
