"""The handläggare's forms: registration (with personnummer or anonymous), the start
profile, the end of a deltagande and its follow-ups. Help texts follow SUS's definitions
(research/systems.md §2.5)."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any, cast

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone

from finsam.lib.forms import StyledFormMixin
from insatser.forms import DateInput
from insatser.models import Insats

from . import pnr
from .choices import (
    Avslutsorsak,
    Forsorjning,
    Kon,
    Sysselsattning,
    TidOffentligForsorjning,
    Uppfoljningspunkt,
    Utbildningsniva,
)
from .models import Deltagande, forsorjning_problem, samtycke_problem, slutdatum_problem
from .services import Startprofil, insats_period, insats_start_problems

MINST_ETT = "Välj minst ett alternativ (”Uppgift saknas” om du inte vet)."

HELP_UTBILDNING = (
    "Högsta avslutade utbildning. För utländsk utbildning väljer du motsvarande svenska nivå."
)
HELP_FORSORJNING_FORE = (
    "Försörjningen direkt före insatsen (inom en vecka före start); flera val är möjliga. "
    "Offentlig försörjning: deltagaren kan inte försörja sig genom arbete och får "
    "a-kassa, ersättning från Försäkringskassan eller försörjningsstöd. Föräldrapenning, "
    "ålderspension och försörjning av familjen räknas som ”Ingen offentlig försörjning”, "
    "som inte kan kombineras med andra val."
)
HELP_TID = (
    "Sammanhängande tid i offentlig försörjning direkt före insatsen. Du kan bortse från "
    "avbrott på upp till en månad."
)
HELP_SYSSELSATTNING_FORE = (
    "Sysselsättningen direkt före insatsen (inom en vecka före start); flera val är "
    "möjliga. Den som är anställd men inte arbetar på grund av sjukdom räknas inte som i "
    "arbete. 100 procent motsvarar 40 timmar i veckan."
)
HELP_SYSSELSATTNING_EFTER = (
    "Sysselsättningen vid avslut; flera val är möjliga. Den som är anställd men inte "
    "arbetar på grund av sjukdom räknas inte som i arbete."
)
HELP_FORSORJNING_EFTER = (
    "Försörjningen vid avslut; flera val är möjliga. Föräldrapenning och ålderspension "
    "räknas som ”Ingen offentlig försörjning”, som inte kan kombineras med andra val."
)


def _codes(choices, label: str, help_text: str, *, required: bool = False):
    return forms.MultipleChoiceField(
        label=label,
        choices=choices.choices,
        widget=forms.CheckboxSelectMultiple,
        required=required,
        help_text=help_text,
        error_messages={"required": MINST_ETT},
    )


def _select(choices, label: str, help_text: str = "", *, required: bool = False, empty="Välj"):
    return forms.ChoiceField(
        label=label,
        choices=[("", empty), *choices.choices],
        required=required,
        help_text=help_text,
    )


def _date(label: str, help_text: str = "", *, required: bool = True) -> forms.DateField:
    return forms.DateField(
        label=label,
        help_text=help_text,
        required=required,
        widget=DateInput,
        error_messages={"invalid": "Ange ett datum som ÅÅÅÅ-MM-DD."},
    )


def _check_forsorjning(form: forms.Form, name: str) -> None:
    if problem := forsorjning_problem(form.cleaned_data.get(name) or []):
        form.add_error(name, problem)


def _not_in_future(form: forms.Form, name: str, what: str) -> None:
    value = form.cleaned_data.get(name)
    if value and value > timezone.localdate():
        form.add_error(name, f"{what} kan inte ligga i framtiden.")


def add_service_errors(form: forms.Form, error: ValidationError) -> None:
    """A service's ValidationError onto the form: by field where the form has the field,
    otherwise at the top."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for name, errors in error.error_dict.items():
        form.add_error(name if name in form.fields else None, errors)


class _InsatsStartMixin:
    """A start date within the insats's period (the service checks it too)."""

    insats: Insats

    def clean_startdatum(self) -> dt.date:
        startdatum = self.cleaned_data["startdatum"]  # type: ignore[attr-defined]
        if problem := insats_start_problems(self.insats, startdatum).get("startdatum"):
            raise ValidationError(problem)
        return startdatum


class StartprofilForm(StyledFormMixin, forms.Form):
    utbildningsniva = _select(Utbildningsniva, "Utbildningsnivå", HELP_UTBILDNING)
    forsorjning_fore = _codes(Forsorjning, "Försörjning före insatsen", HELP_FORSORJNING_FORE)
    tid_offentlig_forsorjning = _select(
        TidOffentligForsorjning, "Tid i offentlig försörjning före insatsen", HELP_TID
    )
    sysselsattning_fore = _codes(
        Sysselsattning, "Sysselsättning före insatsen", HELP_SYSSELSATTNING_FORE
    )

    PROFIL_FIELDS = (
        "utbildningsniva",
        "forsorjning_fore",
        "tid_offentlig_forsorjning",
        "sysselsattning_fore",
    )

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        _check_forsorjning(self, "forsorjning_fore")
        return data

    def profil(self) -> Startprofil:
        data = self.cleaned_data
        return Startprofil(
            utbildningsniva=data.get("utbildningsniva") or "",
            forsorjning_fore=list(data.get("forsorjning_fore") or []),
            tid_offentlig_forsorjning=data.get("tid_offentlig_forsorjning") or "",
            sysselsattning_fore=list(data.get("sysselsattning_fore") or []),
        )

    @classmethod
    def initial_from(cls, deltagande: Deltagande) -> dict:
        return {name: getattr(deltagande, name) for name in cls.PROFIL_FIELDS}


class PersonnummerField(forms.CharField):
    """Cleans to a `pnr.Personnummer`; its error messages never contain the number."""

    def __init__(self, **kwargs) -> None:
        kwargs.setdefault("max_length", 20)
        super().__init__(
            label="Personnummer eller samordningsnummer",
            help_text="12 siffror, ÅÅÅÅMMDD-NNNN. Numret sparas krypterat och visas aldrig "
            "i adressfältet.",
            error_messages={
                "required": "Ange personnummer eller samordningsnummer.",
                "max_length": "Numret är för långt: ange 10 eller 12 siffror.",
            },
            **kwargs,
        )
        self.widget.attrs.update({"autocomplete": "off", "spellcheck": "false"})

    def to_python(self, value):
        value = super().to_python(value)
        if value in self.empty_values:
            return value
        try:
            return pnr.parse(value)
        except pnr.OgiltigtPersonnummer as error:
            raise ValidationError(str(error), code="invalid") from None

    def run_validators(self, value) -> None:  # the max_length validator needs a str
        return None

    def clean(self, value):
        if isinstance(value, str) and len(value) > (self.max_length or 20):
            raise ValidationError(self.error_messages["max_length"], code="max_length")
        return super().clean(value)


class RegistreringForm(_InsatsStartMixin, StartprofilForm):
    """Registration with personal data: the number, the consent, the start and the profile."""

    personnummer = PersonnummerField()
    skyddad = forms.BooleanField(
        label="Personen har skyddade personuppgifter",
        required=False,
        help_text="Sekretessmarkering, skyddad folkbokföring eller fingerade "
        "personuppgifter. Personen registreras då alltid anonymt.",
    )
    samtycke_registrering = forms.BooleanField(
        label="Registrering i Finsam (obligatoriskt för registrering med personuppgifter)",
        error_messages={
            "required": "Deltagaren måste ha samtyckt till registrering. Saknas samtycke "
            "registrerar du deltagaren anonymt."
        },
    )
    samtycke_sekretess = forms.BooleanField(
        label="Sekretessen mellan parterna hävs", required=False
    )
    samtycke_datum = _date(
        "Datum för samtycket",
        "Dagen då deltagaren skrev under samtyckesblanketten, senast startdagen. "
        "Ett nytt samtycke krävs för varje insats.",
    )
    formularversion = forms.CharField(
        label="Blankettversion",
        required=False,
        max_length=50,
        help_text="Valfritt, t.ex. ”FK 9443 2019-01”.",
    )
    sprak = forms.CharField(
        label="Blankettens språk",
        max_length=30,
        initial="svenska",
        help_text="Blanketten finns på flera språk; den svenska ska alltid fyllas i.",
        error_messages={"required": "Ange blankettens språk."},
    )
    startdatum = _date("Startdatum", "Första dagen i insatsen.")

    field_order = [
        "personnummer",
        "skyddad",
        "samtycke_registrering",
        "samtycke_sekretess",
        "samtycke_datum",
        "formularversion",
        "sprak",
        "startdatum",
        *StartprofilForm.PROFIL_FIELDS,
    ]

    def __init__(self, *args, insats: Insats, check_url: str = "", **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.insats = insats
        period = insats_period(insats)
        self.fields["startdatum"].help_text = f"Första dagen i insatsen, inom perioden {period}."
        if check_url:
            # Checked as it is typed, by POST so that the number never enters a URL.
            attrs = {
                "hx-post": check_url,
                "hx-target": "#pnr-status",
                "hx-swap": "innerHTML",
                "hx-include": "#id_personnummer, #id_skyddad",
            }
            self.fields["personnummer"].widget.attrs.update(
                {**attrs, "hx-trigger": "input changed delay:400ms, change"}
            )
            self.fields["skyddad"].widget.attrs.update({**attrs, "hx-trigger": "change"})

    @classmethod
    def is_skyddad(cls, data) -> bool:
        """Whether the posted form says the person has protected identity (read as the
        checkbox reads it, before any other validation)."""
        return bool(cls.base_fields["skyddad"].widget.value_from_datadict(data, {}, "skyddad"))

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        samtycke, start = data.get("samtycke_datum"), data.get("startdatum")
        if samtycke and start and (problem := samtycke_problem(samtycke, start)):
            self.add_error("samtycke_datum", problem)
        _not_in_future(self, "samtycke_datum", "Datumet för samtycket")
        return data


class PersonnummerCheckForm(forms.Form):
    """The live check of the registration form (only these two fields are posted)."""

    personnummer = forms.CharField(required=False, max_length=100)
    skyddad = forms.BooleanField(required=False)


class AnonymForm(_InsatsStartMixin, StyledFormMixin, forms.Form):
    kon = forms.ChoiceField(
        label="Kön",
        choices=Kon.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Ange kön.", "invalid_choice": "Välj kvinna eller man."},
    )
    startdatum = _date("Startdatum", "Första dagen i insatsen.")

    def __init__(self, *args, insats: Insats, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.insats = insats
        period = insats_period(insats)
        self.fields["startdatum"].help_text = f"Första dagen i insatsen, inom perioden {period}."


class AvslutForm(StyledFormMixin, forms.Form):
    slutdatum = _date("Slutdatum", "Sista dagen i insatsen.")
    avslutsorsak = _select(Avslutsorsak, "Avslutsorsak", required=True)
    sysselsattning_efter = _codes(
        Sysselsattning, "Sysselsättning vid avslut", HELP_SYSSELSATTNING_EFTER, required=True
    )
    forsorjning_efter = _codes(
        Forsorjning, "Försörjning vid avslut", HELP_FORSORJNING_EFTER, required=True
    )

    def __init__(self, *args, deltagande: Deltagande, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.deltagande = deltagande
        self.fields["avslutsorsak"].error_messages["required"] = "Ange varför deltagandet slutade."
        self.fields["slutdatum"].error_messages["required"] = "Ange slutdatum."
        if deltagande.registreringsform != "person":
            # Anonymous deltaganden carry only the date and the reason.
            del self.fields["sysselsattning_efter"]
            del self.fields["forsorjning_efter"]

    def clean_slutdatum(self) -> dt.date:
        slutdatum = self.cleaned_data["slutdatum"]
        if problem := slutdatum_problem(self.deltagande.startdatum, slutdatum):
            raise ValidationError(problem)
        return slutdatum

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        _not_in_future(self, "slutdatum", "Slutdatumet")
        if "forsorjning_efter" in self.fields:
            _check_forsorjning(self, "forsorjning_efter")
        return data

    @classmethod
    def initial_from(cls, deltagande: Deltagande) -> dict:
        if deltagande.slutdatum is None:
            return {}
        return {
            "slutdatum": deltagande.slutdatum,
            "avslutsorsak": deltagande.avslutsorsak,
            "sysselsattning_efter": deltagande.sysselsattning_efter,
            "forsorjning_efter": deltagande.forsorjning_efter,
        }


class UppfoljningForm(StyledFormMixin, forms.Form):
    datum = _date("Datum för uppföljningen")
    sysselsattning = _codes(
        Sysselsattning,
        "Sysselsättning",
        "Sysselsättningen vid uppföljningen; flera val är möjliga. ”Uppgift saknas” om "
        "deltagaren inte gick att nå.",
        required=True,
    )
    forsorjning = _codes(
        Forsorjning,
        "Försörjning",
        "Försörjningen vid uppföljningen; flera val är möjliga. ”Ingen offentlig "
        "försörjning” kan inte kombineras med andra val.",
        required=True,
    )

    def __init__(self, *args, deltagande: Deltagande, matpunkt: int, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.deltagande = deltagande
        self.fields["datum"].error_messages["required"] = "Ange datum för uppföljningen."
        self.fonster = deltagande.uppfoljningsfonster(matpunkt)
        if self.fonster:
            self.fields["datum"].help_text = f"{Uppfoljningspunkt(matpunkt).label}: {self.fonster}."

    def clean_datum(self) -> dt.date:
        datum = self.cleaned_data["datum"]
        if datum > timezone.localdate():
            raise ValidationError("Datumet kan inte ligga i framtiden.")
        if self.fonster and (problem := self.fonster.problem(datum)):
            raise ValidationError(problem)
        return datum

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        _check_forsorjning(self, "forsorjning")
        return data


def _deltagande_label(d: Deltagande) -> str:
    slut = f"{d.slutdatum:%Y-%m-%d}" if d.slutdatum else "pågår"
    return f"{d.insats.kod} {d.insats.namn}, {d.startdatum:%Y-%m-%d} – {slut}"


class AterkallaForm(StyledFormMixin, forms.Form):
    deltaganden = forms.MultipleChoiceField(
        label="Återkallelsen gäller",
        widget=forms.CheckboxSelectMultiple,
        help_text="Personens deltaganden i insatser där du är handläggare. Deltaganden i "
        "andra insatser påverkas inte: där registrerar insatsens handläggare återkallelsen.",
        error_messages={
            "required": "Välj vilka deltaganden återkallelsen gäller.",
            "invalid_choice": "Välj bland deltagandena i listan.",
        },
    )
    datum = _date(
        "Datum då samtycket återkallades",
        "Dagen då deltagaren återkallade sitt samtycke.",
    )

    def __init__(
        self,
        *args,
        deltaganden: list[Deltagande],
        senaste_samtycke: dict[int, dt.date],
        **kwargs,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.choosable = {str(d.public_id): d for d in deltaganden}
        self.senaste_samtycke = senaste_samtycke
        # The field declared above.
        cast(forms.MultipleChoiceField, self.fields["deltaganden"]).choices = [
            (key, _deltagande_label(d)) for key, d in self.choosable.items()
        ]
        self.fields["datum"].error_messages["required"] = "Ange datum."

    def clean_deltaganden(self) -> list[Deltagande]:
        return [self.choosable[key] for key in self.cleaned_data["deltaganden"]]

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        _not_in_future(self, "datum", "Datumet")
        datum, chosen = data.get("datum"), data.get("deltaganden") or []
        latest = max(
            (
                self.senaste_samtycke[d.insats_id]
                for d in chosen
                if d.insats_id in self.senaste_samtycke
            ),
            default=None,
        )
        if datum and latest and datum < latest:
            self.add_error(
                "datum", f"Datumet kan inte ligga före det senaste samtycket ({latest:%Y-%m-%d})."
            )
        return data


LIST_FILTERS = {
    "": "Alla",
    "aktiva": "Aktiva",
    "avslutade": "Avslutade",
    "ofullstandiga": "Ofullständiga",
}


class DeltagareSokForm(StyledFormMixin, forms.Form):
    """The search of the participant list: a personnummer (found through its keyed hash)
    or a deltagande's id (whole, or its first 8 characters as the access log shows it).
    Sent by POST, so that the number never enters a URL."""

    sok = forms.CharField(
        label="Sök deltagare",
        max_length=40,
        help_text="Personnummer (ÅÅÅÅMMDD-NNNN) eller deltagandets id (minst de 8 första "
        "tecknen). Numret skickas aldrig i adressfältet.",
        error_messages={"required": "Ange ett personnummer eller ett id."},
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )

    def clean_sok(self) -> pnr.Personnummer | str:
        value = self.cleaned_data["sok"].strip()
        try:
            return pnr.parse(value)
        except pnr.OgiltigtPersonnummer as error:
            if looks_like_personnummer(value):
                raise ValidationError(str(error)) from None
            if public_id_start(value.lower()):
                return value.lower()
        raise ValidationError(
            "Ange ett personnummer med 10 eller 12 siffror, eller deltagandets id "
            "(minst de 8 första tecknen, t.ex. 3f2a9c1e)."
        )


# A public id, or its start: 8 or more hex digits, with the UUID's hyphens where they go.
_ID = re.compile(r"[0-9a-f]{8}(?:-[0-9a-f]{1,4}(?:-[0-9a-f]{0,4}){0,2}(?:-[0-9a-f]{0,12})?)?")


def looks_like_personnummer(value: str) -> bool:
    """Ten digits or more and no letter: a personnummer (perhaps mistyped), never an id."""
    return sum(c.isdecimal() for c in value) >= 10 and not re.search(r"[a-z]", value, re.I)


def public_id_start(value: str) -> bool:
    """Whether the (lower-case) text is a public id or its start of at least 8 characters,
    as the pages show it; such a start is found with `public_id__startswith`."""
    return bool(_ID.fullmatch(value)) and not looks_like_personnummer(value)


class DeltagareFilterForm(StyledFormMixin, forms.Form):
    status = forms.ChoiceField(choices=list(LIST_FILTERS.items()), required=False)

    @property
    def status_value(self) -> str:
        return self.cleaned_data.get("status", "") if self.is_valid() else ""
