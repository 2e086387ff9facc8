from __future__ import annotations

from typing import Any, cast

from django import forms
from django.db.models import Q
from django.utils import timezone

from finsam.lib.forms import DateInput, StyledFormMixin
from forbund.models import Forbund, Medlemskap, Uppdrag

from .choices import (
    BehovsgruppKod,
    Deltagarregistrering,
    Insatstyp,
    Matt,
    Niva,
    Status,
    typ_choices,
)
from .models import Insats, InsatsMal, Strukturdeltagare, Volymregistrering, status_q
from .services import handlaggare_choices

MAX_KRONOR = 10**12


class InsatsFilterForm(StyledFormMixin, forms.Form):
    ar = forms.TypedChoiceField(
        label="Aktiv under år", coerce=int, required=False, empty_value=None
    )
    niva = forms.ChoiceField(
        label="Nivå", choices=[("", "Alla nivåer"), *Niva.choices], required=False
    )
    typ = forms.ChoiceField(label="Typ", required=False)
    status = forms.ChoiceField(
        label="Status", choices=[("", "Alla"), *Status.choices], required=False
    )
    behovsgrupp = forms.ChoiceField(
        label="Behovsgrupp",
        choices=[("", "Alla"), *BehovsgruppKod.choices],
        required=False,
    )
    q = forms.CharField(label="Sök", required=False, max_length=100, help_text="Kod eller namn.")

    def __init__(self, *args, forbund: Forbund, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        this_year = timezone.localdate().year
        years = range(this_year + 1, min(forbund.bildad.year, this_year) - 1, -1)
        # The fields are the ones declared above, so their kinds are known.
        ar_field = cast(forms.TypedChoiceField, self.fields["ar"])
        ar_field.choices = [("", "Alla år"), *((y, str(y)) for y in years)]
        # The typ options follow the chosen nivå (the list re-renders the field with it).
        niva = self.data.get("niva")
        cast(forms.ChoiceField, self.fields["typ"]).choices = [
            ("", "Alla typer"),
            *typ_choices(niva if niva in Niva.values else None),
        ]

    def filter(self, insatser):
        """Apply the valid filters (an invalid one is ignored, the others still apply)."""
        self.is_valid()
        data = self.cleaned_data
        if ar := data.get("ar"):
            insatser = insatser.active_in_year(ar)
        if niva := data.get("niva"):
            insatser = insatser.filter(niva=niva)
        if typ := data.get("typ"):
            insatser = insatser.filter(typ=typ)
        if status := data.get("status"):
            insatser = insatser.filter(status_q(status, timezone.localdate()))
        if behovsgrupp := data.get("behovsgrupp"):
            insatser = insatser.filter(behovsgrupper=behovsgrupp)
        if q := (data.get("q") or "").strip():
            insatser = insatser.filter(Q(kod__icontains=q) | Q(namn__icontains=q))
        return insatser


class PartField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Medlemskap) -> str:
        return obj.part_namn


class InsatsForm(StyledFormMixin, forms.ModelForm):
    nya_malgrupper = forms.CharField(
        label="Nya egna målgrupper",
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="En per rad, t.ex. Unga 16–29 år. De blir förbundets egna målgrupper.",
    )

    class Meta:
        model = Insats
        fields = [
            "kod",
            "namn",
            "beskrivning",
            "niva",
            "typ",
            "deltagarregistrering",
            "form",
            "startdatum",
            "slutdatum",
            "projektagare",
            "malgrupp_text",
            "alder_fran",
            "alder_till",
            "behovsgrupper",
            "malgrupper",
            "planerat_antal_per_ar",
            "max_tid_manader",
            "parter",
        ]
        field_classes = {"parter": PartField}
        widgets = {
            "beskrivning": forms.Textarea(attrs={"rows": 4}),
            "malgrupp_text": forms.Textarea(attrs={"rows": 2}),
            "startdatum": DateInput,
            "slutdatum": DateInput,
            "behovsgrupper": forms.CheckboxSelectMultiple,
            "malgrupper": forms.CheckboxSelectMultiple,
            "parter": forms.CheckboxSelectMultiple,
        }

    def __init__(self, *args, forbund: Forbund, typ_url: str = "", **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.instance.forbund = forbund
        # The form fields Django makes for these model fields: many-to-many fields
        # become ModelMultipleChoiceFields, fields with choices TypedChoiceFields.
        malgrupper = cast(forms.ModelMultipleChoiceField, self.fields["malgrupper"])
        parter = cast(PartField, self.fields["parter"])
        niva_field = cast(forms.TypedChoiceField, self.fields["niva"])
        typ = cast(forms.TypedChoiceField, self.fields["typ"])
        registrering = cast(forms.TypedChoiceField, self.fields["deltagarregistrering"])
        malgrupper.queryset = forbund.malgrupper.all()
        parter.queryset = forbund.medlemskap.select_related("kommun", "region")
        niva_field.choices = [("", "Välj nivå"), *Niva.choices]
        niva = self.niva
        # Every type validates (the model explains a type of the wrong level); the
        # select offers the level's types, or both levels' in groups before one is chosen.
        typ.choices = [("", "Välj typ"), *Insatstyp.choices]
        typ.widget.choices = [("", "Välj typ"), *typ_choices(niva)]
        registrering.required = False
        registrering.choices = [("", "Välj registrering"), *Deltagarregistrering.choices]
        self.show_deltagarregistrering = niva != Niva.STRUKTUR
        if typ_url:
            self.fields["niva"].widget.attrs.update(
                {
                    "hx-get": typ_url,
                    "hx-target": "#typ-falt",
                    "hx-swap": "outerHTML",
                    "hx-include": "#id_typ, #id_deltagarregistrering",
                }
            )

    def clean_kod(self) -> str:
        kod = self.cleaned_data["kod"]
        others = Insats.objects.filter(forbund=self.instance.forbund, kod=kod)
        if others.exclude(pk=self.instance.pk).exists():
            raise forms.ValidationError(f"Förbundet har redan en insats med koden {kod}.")
        return kod

    @property
    def niva(self) -> str | None:
        value = self["niva"].value()
        return value if value in Niva.values else None

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        insats = self.instance
        if insats.pk:
            registrerat = Insats.objects.filter(pk=insats.pk).registrerat().get(insats.pk, set())
            problems = insats.registrering_problems(
                data.get("niva"), data.get("deltagarregistrering"), registrerat=registrerat
            )
            for name, problem in problems.items():
                self.add_error(name, problem)
        return data

    def nya_malgrupper_list(self) -> list[str]:
        return [n.strip()[:100] for n in self.cleaned_data["nya_malgrupper"].splitlines()]


class InsatsMalForm(StyledFormMixin, forms.ModelForm):
    class Meta:
        model = InsatsMal
        fields = ["matt", "malvarde_procent", "matpunkt_dagar", "beskrivning"]

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # Django's own blank label ("- Select an option -") has no Swedish translation.
        matt = cast(forms.TypedChoiceField, self.fields["matt"])  # a model field with choices
        matt.choices = [("", "Välj mått"), *Matt.choices]


InsatsMalFormSet = forms.inlineformset_factory(
    Insats,
    InsatsMal,
    form=InsatsMalForm,
    extra=1,
    can_delete=True,
    max_num=10,
    validate_max=True,
)


def mal_values(formset) -> list[dict]:
    """The goals the formset keeps (filled in and not marked for removal)."""
    return [
        {name: form.cleaned_data[name] for name in InsatsMalForm.Meta.fields}
        for form in formset.forms
        if form.cleaned_data and not form.cleaned_data.get("DELETE")
    ]


class AvslutForm(StyledFormMixin, forms.Form):
    datum = forms.DateField(
        label="Sista dag",
        widget=DateInput,
        help_text="Den sista dagen insatsen pågick.",
    )

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("initial", {"datum": timezone.localdate()})
        super().__init__(*args, **kwargs)


class HandlaggareField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Uppdrag) -> str:
        return f"{obj.user.get_full_name() or obj.user.username} ({obj.user.username})"


class HandlaggareForm(StyledFormMixin, forms.Form):
    uppdrag = HandlaggareField(
        label="Handläggare i insatsen",
        queryset=None,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Användare med handläggaruppdrag i förbundet. Bocka ur för att ta bort.",
    )

    def __init__(self, *args, forbund: Forbund, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        cast(HandlaggareField, self.fields["uppdrag"]).queryset = handlaggare_choices(forbund)


class VolymForm(StyledFormMixin, forms.ModelForm):
    class Meta:
        model = Volymregistrering
        fields = ["datum", *Volymregistrering.ANTAL]
        widgets = {"datum": DateInput}


class StrukturdeltagareForm(StyledFormMixin, forms.ModelForm):
    class Meta:
        model = Strukturdeltagare
        fields = ["datum", *Strukturdeltagare.ANTAL]
        widgets = {"datum": DateInput}


class EkonomiradForm(StyledFormMixin, forms.Form):
    budget = forms.IntegerField(
        label="Budget (kr)", min_value=0, max_value=MAX_KRONOR, required=False
    )
    utfall = forms.IntegerField(
        label="Utfall (kr)",
        min_value=0,
        max_value=MAX_KRONOR,
        required=False,
        help_text="Lämna tomt tills året är bokslutat.",
    )

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        if data.get("budget") is None and data.get("utfall") is not None:
            self.add_error("budget", "Ange budget (0 om inget budgeterades) när utfall finns.")
        return data
