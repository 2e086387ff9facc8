"""Code lists of spec/kodlistor.md that belong to insatser and their money."""

from __future__ import annotations

from django.db import models


class Niva(models.TextChoices):
    INDIVID = "individ", "Individinriktad insats"
    STRUKTUR = "struktur", "Strukturinriktad insats"


NIVA_PLURAL: dict[str, str] = {
    Niva.INDIVID: "Individinriktade insatser",
    Niva.STRUKTUR: "Strukturinriktade insatser",
}


class Insatstyp(models.TextChoices):
    """Both levels' types in one list: `kartlaggning` and `annan` exist at both levels."""

    REHABILITERING = "rehabilitering", "Rehabilitering till arbete eller utbildning"
    FORBEREDANDE = "forberedande", "Förberedande insats"
    KARTLAGGNING = "kartlaggning", "Kartläggning"
    FOREBYGGANDE = "forebyggande", "Förebyggande insats"
    DIALOG = "dialog", "Dialog och kommunikation"
    UTBILDNING = "utbildning", "Utbildning"
    ANNAN = "annan", "Annan inriktning"


TYPER_PER_NIVA: dict[str, tuple[str, ...]] = {
    Niva.INDIVID: (
        Insatstyp.REHABILITERING,
        Insatstyp.FORBEREDANDE,
        Insatstyp.KARTLAGGNING,
        Insatstyp.FOREBYGGANDE,
        Insatstyp.ANNAN,
    ),
    Niva.STRUKTUR: (
        Insatstyp.DIALOG,
        Insatstyp.UTBILDNING,
        Insatstyp.KARTLAGGNING,
        Insatstyp.ANNAN,
    ),
}


def typ_choices(niva: str | None) -> list:
    """The typ options for a level; without a level, both levels' options in groups."""
    if niva in TYPER_PER_NIVA:
        return [(t, Insatstyp(t).label) for t in TYPER_PER_NIVA[niva]]
    return [
        (Niva(n).label, [(t, Insatstyp(t).label) for t in typer])
        for n, typer in TYPER_PER_NIVA.items()
    ]


class Deltagarregistrering(models.TextChoices):
    INDIVIDUELL = (
        "individuell",
        "Deltagare registreras var för sig (med personuppgifter eller anonymt)",
    )
    VOLYM = "volym", "Volyminsats: endast antal deltagare registreras"


class Insatsform(models.TextChoices):
    PROJEKT = "projekt", "Tidsbegränsat projekt"
    VERKSAMHET = "verksamhet", "Långsiktig eller integrerad verksamhet"


class BehovsgruppKod(models.TextChoices):
    LANGTIDSSJUKSKRIVNA = "langtidssjukskrivna", "Långtidssjukskrivna"
    UNGA_AKTIVITETSERSATTNING = "unga_aktivitetsersattning", "Unga med aktivitetsersättning"
    UNGA_FUNKTIONSNEDSATTNING = "unga_funktionsnedsattning", "Unga med funktionsnedsättning"


class Status(models.TextChoices):
    PLANERAD = "planerad", "Planerad"
    PAGAENDE = "pagaende", "Pågående"
    AVSLUTAD = "avslutad", "Avslutad"


class Strukturdeltagarkategori(models.TextChoices):
    MYNDIGHETSPERSONAL = "myndighetspersonal", "Personal hos parterna och andra myndigheter"
    ARBETSGIVARE = "arbetsgivare", "Arbetsgivare"
    OVRIGA = "ovriga", "Övriga"


class Kostnadsslag(models.TextChoices):
    INSATS = "insats", "Insatskostnad"
    INSATS_ESF = "insats_esf", "Insatskostnad finansierad av ESF"
    ADM_STYRELSE = "adm_styrelse", "Administration: styrelsens arvoden"
    ADM_PERSONAL = "adm_personal", "Administration: kansli och personal"
    ADM_REVISION = "adm_revision", "Administration: revision"
    ADM_LOKALER = "adm_lokaler", "Administration: lokaler"
    ADM_UTVARDERING = "adm_utvardering", "Administration: uppföljning och utvärdering"
    ADM_OVRIGT = "adm_ovrigt", "Administration: övrigt"


INSATSRADER: tuple[str, ...] = (Kostnadsslag.INSATS, Kostnadsslag.INSATS_ESF)
ADMINISTRATIONSRADER: tuple[str, ...] = tuple(
    k for k in Kostnadsslag.values if k.startswith("adm_")
)


class Finansiering(models.TextChoices):
    """Income besides the members' contributions (those live in the förbund registry)."""

    ESF = "esf", "Europeiska socialfonden"
    ANNAN_EXTERN = "annan_extern", "Annan extern finansiering"
    EGET_KAPITAL = "eget_kapital", "Ianspråktaget eget kapital"


class Balans(models.TextChoices):
    """Balances at year end. The ingående balans of year Y is the utgående of Y−1."""

    EGET_KAPITAL_UB = "eget_kapital_ub", "Eget kapital vid årets slut (utgående balans)"


# An Ekonomirad's `rad` is a cost line, an income line or a balance.
RAD_CHOICES = [
    ("Kostnader", Kostnadsslag.choices),
    ("Intäkter", Finansiering.choices),
    ("Balanser", Balans.choices),
]
RADER: tuple[str, ...] = (*Kostnadsslag.values, *Finansiering.values, *Balans.values)


def rad_label(rad: str) -> str:
    for choices in (Kostnadsslag, Finansiering, Balans):
        if rad in choices.values:
            return str(choices(rad).label)
    raise ValueError(rad)


class Matt(models.TextChoices):
    """What an insats's goal measures (domain.md §7.4, InsatsMal)."""

    ARBETE_STUDIER = "arbete_studier", "Andel till arbete eller studier"
    SJALVFORSORJANDE = "sjalvforsorjande", "Andel helt självförsörjande"
    STEGFORFLYTTNING = "stegforflyttning", "Andel med stegförflyttning"
    ANNAT = "annat", "Annat mått"


class Matpunkt(models.IntegerChoices):
    """When a goal is measured: at the end of the participation or at a follow-up (kodlistor)."""

    VID_AVSLUT = 0, "Vid avslut"
    DAGAR_90 = 90, "3 månader efter avslut"
    DAGAR_180 = 180, "6 månader efter avslut"
    DAGAR_365 = 365, "12 månader efter avslut"
