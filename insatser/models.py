from __future__ import annotations

import datetime as dt

from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.core.validators import MaxValueValidator, RegexValidator
from django.db import models
from django.db.models import Case, Q, Value, When
from django.db.models.expressions import Combinable
from django.urls import reverse
from django.utils import timezone

from finsam.lib import period
from forbund import arslas
from forbund.choices import Roll
from forbund.models import Forbund, Medlemskap, Uppdrag

from .access import assigned_filter, insats_filter
from .choices import (
    INSATSRADER,
    RAD_CHOICES,
    RADER,
    TYPER_PER_NIVA,
    Balans,
    BehovsgruppKod,
    Deltagarregistrering,
    Insatsform,
    Insatstyp,
    Matpunkt,
    Matt,
    Niva,
    Status,
)

KOD_REGEX = r"^[A-Za-z0-9][A-Za-z0-9_-]*$"
RESERVERADE_KODER = ("ny",)


def validate_kod(value: str) -> None:
    if value in RESERVERADE_KODER:
        raise ValidationError(f"Koden {value} är reserverad; välj en annan.")


def status_q(status: str, day: dt.date) -> Q:
    """Insatser with the status on the day. `Insats.status_on` states the same rule in Python.

    Closed (avslutad) once the early closing date has come or the planned end has
    passed; planned (planerad) before the start; otherwise running (pågående).
    """
    avslutad = Q(avslutad_datum__lte=day) | Q(slutdatum__lt=day)
    if status == Status.AVSLUTAD:
        return avslutad
    if status == Status.PLANERAD:
        return ~avslutad & Q(startdatum__gt=day)
    return ~avslutad & Q(startdatum__lte=day)


def individuell_q(prefix: str = "") -> Q:
    """Insatser that register their deltagare one by one (`Insats.is_individuell`)."""
    return Q(
        **{
            f"{prefix}niva": Niva.INDIVID,
            f"{prefix}deltagarregistrering": Deltagarregistrering.INDIVIDUELL,
        }
    )


def active_in_year_q(ar: int, prefix: str = "") -> Q:
    """Insatser whose period (start to planned end or early closing) touches the year."""
    return period.active_in_year_q(ar, ends=("slutdatum", "avslutad_datum"), prefix=prefix)


# What can be registered in an insats, by the relation holding it (`Insats.registrering_problems`).
REGISTRERINGAR = {
    "volym": "volymregistreringar",
    "struktur": "strukturdeltagare",
    "individuell": "deltaganden",
}


class InsatsQuerySet(models.QuerySet["Insats"]):
    def for_user(self, user) -> InsatsQuerySet:
        """The insatser the user may read (the rule: insatser.access.insats_filter)."""
        return self._scoped(insats_filter(user, "insats_read"))

    def editable_by(self, user) -> InsatsQuerySet:
        return self._scoped(insats_filter(user, "insats_write"))

    def counts_editable_by(self, user) -> InsatsQuerySet:
        """Insatser whose volume and strukturdeltagare counts the user may enter."""
        return self._scoped(insats_filter(user, "counts_write"))

    def assigned_to(self, user) -> InsatsQuerySet:
        # A user has one handläggare assignment per förbund, so no insats repeats.
        assigned = assigned_filter(user)
        return self.none() if assigned is None else self.filter(assigned)

    def _scoped(self, q: Q) -> InsatsQuerySet:
        if not q:
            return self.all()
        # A semi-join: the rule may cross the many-valued assignment relation.
        return self.filter(pk__in=Insats.objects.filter(q).values("pk"))

    def active_in_year(self, ar: int) -> InsatsQuerySet:
        return self.filter(active_in_year_q(ar))

    def registrerat(self) -> dict[int, set[str]]:
        """What is registered in each of the insatser, by id (the kinds of
        `REGISTRERINGAR`; an insats with nothing is left out): one query per kind."""
        found: dict[int, set[str]] = {}
        for kind, relation in REGISTRERINGAR.items():
            having = self.filter(**{f"{relation}__isnull": False}).order_by()
            for pk in having.values_list("pk", flat=True).distinct():
                found.setdefault(pk, set()).add(kind)
        return found

    def individuella(self) -> InsatsQuerySet:
        return self.filter(individuell_q())

    def with_status(self, day: dt.date | None = None) -> InsatsQuerySet:
        """Annotate `status` as of the day (today by default), so lists can filter on it."""
        day = day or timezone.localdate()
        return self.annotate(
            status=Case(
                When(status_q(Status.AVSLUTAD, day), then=Value(Status.AVSLUTAD)),
                When(startdatum__gt=day, then=Value(Status.PLANERAD)),
                default=Value(Status.PAGAENDE),
                output_field=models.CharField(),
            )
        )

    def with_status_filter(self, status: str, day: dt.date | None = None) -> InsatsQuerySet:
        return self.filter(status_q(status, day or timezone.localdate()))


class Behovsgrupp(models.Model):
    """A national behovsgrupp; the three codes are loaded by a migration."""

    kod = models.CharField("kod", max_length=30, primary_key=True, choices=BehovsgruppKod.choices)

    class Meta:
        verbose_name = "nationell behovsgrupp"
        verbose_name_plural = "nationella behovsgrupper"
        ordering = ["kod"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kod__in=BehovsgruppKod.values), name="behovsgrupp_nationell_kod"
            ),
        ]

    def __str__(self) -> str:
        return self.get_kod_display()


class Malgrupp(models.Model):
    """A förbund's own target group, besides the three national behovsgrupper."""

    forbund = models.ForeignKey(
        Forbund, on_delete=models.CASCADE, related_name="malgrupper", verbose_name="förbund"
    )
    namn = models.CharField("namn", max_length=100)

    class Meta:
        verbose_name = "egen målgrupp"
        verbose_name_plural = "egna målgrupper"
        ordering = ["forbund", "namn"]
        constraints = [
            models.UniqueConstraint(
                fields=["forbund", "namn"],
                name="malgrupp_unik_i_forbundet",
                violation_error_message="Förbundet har redan en målgrupp med det namnet.",
            ),
        ]

    def __str__(self) -> str:
        return self.namn


class Insats(arslas.LastaAr, models.Model):
    """An insats financed by a förbund: its classification, period, target groups and plan.

    The status is not stored: it follows from the dates and an early closing
    (`avslutad_datum`), see `status_q`.
    """

    forbund = models.ForeignKey(
        Forbund, on_delete=models.CASCADE, related_name="insatser", verbose_name="förbund"
    )
    kod = models.CharField(
        "kod",
        max_length=30,
        validators=[
            RegexValidator(
                KOD_REGEX,
                "Koden får bara innehålla bokstäverna a–z, siffror, bindestreck och understreck.",
            ),
            validate_kod,
        ],
        help_text="Kort kod, unik inom förbundet (a–z, siffror, - och _), t.ex. IND-2024-01.",
    )
    namn = models.CharField("namn", max_length=200)
    beskrivning = models.TextField("beskrivning", blank=True)
    niva = models.CharField("nivå", max_length=10, choices=Niva.choices)
    typ = models.CharField(
        "typ", max_length=20, choices=Insatstyp.choices, help_text="Typerna beror på nivån."
    )
    deltagarregistrering = models.CharField(
        "deltagarregistrering",
        max_length=12,
        choices=Deltagarregistrering.choices,
        blank=True,
        help_text="Endast för individinriktade insatser.",
    )
    form = models.CharField(
        "form", max_length=12, choices=Insatsform.choices, default=Insatsform.PROJEKT
    )
    startdatum = models.DateField("startdatum")
    slutdatum = models.DateField(
        "slutdatum",
        null=True,
        blank=True,
        help_text="Planerad sista dag. Lämna tomt för en verksamhet utan slutdatum.",
    )
    avslutad_datum = models.DateField(
        "avslutad", null=True, blank=True, help_text="Sista dag när insatsen avslutades i förtid."
    )
    malgrupp_text = models.TextField(
        "målgrupp", blank=True, help_text="Vilka insatsen vänder sig till."
    )
    alder_fran = models.PositiveSmallIntegerField(
        "ålder från", null=True, blank=True, validators=[MaxValueValidator(120)]
    )
    alder_till = models.PositiveSmallIntegerField(
        "ålder till", null=True, blank=True, validators=[MaxValueValidator(120)]
    )
    behovsgrupper = models.ManyToManyField(
        Behovsgrupp,
        blank=True,
        related_name="insatser",
        verbose_name="nationella behovsgrupper",
        help_text="Regeringens prioriterade behovsgrupper som insatsen riktar sig till.",
    )
    malgrupper = models.ManyToManyField(
        Malgrupp, blank=True, related_name="insatser", verbose_name="egna målgrupper"
    )
    planerat_antal_per_ar = models.PositiveIntegerField(
        "planerat antal deltagare per år", null=True, blank=True
    )
    max_tid_manader = models.PositiveSmallIntegerField(
        "längsta tid per deltagare (månader)",
        null=True,
        blank=True,
        validators=[MaxValueValidator(240)],
    )
    parter = models.ManyToManyField(
        Medlemskap,
        blank=True,
        related_name="insatser",
        verbose_name="samverkande parter",
        help_text="Förbundets medlemmar som deltar i insatsen.",
    )
    projektagare = models.CharField(
        "projektägare",
        max_length=200,
        blank=True,
        help_text="Organisationen som äger insatsen, t.ex. förbundet eller en av medlemmarna.",
    )
    handlaggare = models.ManyToManyField(
        Uppdrag,
        through="InsatsUppdrag",
        blank=True,
        related_name="insatser",
        verbose_name="handläggare",
    )
    skapad = models.DateTimeField("skapad", auto_now_add=True)
    andrad = models.DateTimeField("ändrad", auto_now=True)

    objects = InsatsQuerySet.as_manager()

    # Set by InsatsQuerySet.with_status; otherwise computed from the dates.
    _status: str | None = None

    class Meta:
        verbose_name = "insats"
        verbose_name_plural = "insatser"
        ordering = ["forbund", "kod"]
        constraints = [
            models.UniqueConstraint(
                fields=["forbund", "kod"],
                name="insats_kod_unik_i_forbundet",
                violation_error_message="Förbundet har redan en insats med den koden.",
            ),
            models.CheckConstraint(
                # "ny" is the create page's address (…/insatser/ny/).
                condition=Q(kod__regex=KOD_REGEX) & ~Q(kod__in=RESERVERADE_KODER),
                name="insats_kod_format",
            ),
            models.CheckConstraint(
                condition=(
                    Q(niva=Niva.INDIVID, typ__in=TYPER_PER_NIVA[Niva.INDIVID])
                    | Q(niva=Niva.STRUKTUR, typ__in=TYPER_PER_NIVA[Niva.STRUKTUR])
                ),
                name="insats_typ_enligt_niva",
                violation_error_message="Typen finns inte för den valda nivån.",
            ),
            models.CheckConstraint(
                condition=(
                    Q(niva=Niva.INDIVID, deltagarregistrering__in=Deltagarregistrering.values)
                    | Q(niva=Niva.STRUKTUR, deltagarregistrering="")
                ),
                name="insats_deltagarregistrering_endast_individ",
                violation_error_message=(
                    "Deltagarregistrering anges för individinriktade insatser och bara för dem."
                ),
            ),
            models.CheckConstraint(
                condition=Q(form__in=Insatsform.values), name="insats_form_giltig"
            ),
            models.CheckConstraint(
                condition=Q(slutdatum__isnull=True) | Q(slutdatum__gte=models.F("startdatum")),
                name="insats_slut_efter_start",
                violation_error_message="Slutdatum kan inte ligga före startdatum.",
            ),
            models.CheckConstraint(
                condition=Q(avslutad_datum__isnull=True)
                | (
                    Q(avslutad_datum__gte=models.F("startdatum"))
                    & (Q(slutdatum__isnull=True) | Q(avslutad_datum__lte=models.F("slutdatum")))
                ),
                name="insats_avslutad_inom_perioden",
                violation_error_message="Avslutsdatum måste ligga inom insatsens period.",
            ),
            models.CheckConstraint(
                condition=Q(alder_fran__isnull=True)
                | Q(alder_till__isnull=True)
                | Q(alder_till__gte=models.F("alder_fran")),
                name="insats_alder_ordning",
                violation_error_message="Åldern till kan inte vara lägre än åldern från.",
            ),
        ]
        indexes = [
            models.Index(fields=["forbund", "startdatum"], name="insats_forbund_start"),
        ]

    def __str__(self) -> str:
        return f"{self.kod} {self.namn}"

    def get_absolute_url(self) -> str:
        return reverse("insatser:detail", args=[self.forbund.organisationsnummer, self.kod])

    LAS_VAD = "Insatsen"
    # What the report shows of an insats (T1, T2, T14, T18, the insats catalogue).
    RAPPORTFALT = (
        "forbund_id", "kod", "namn", "niva", "typ", "deltagarregistrering", "startdatum",
        "slutdatum", "avslutad_datum", "malgrupp_text", "planerat_antal_per_ar",
    )  # fmt: skip

    def lock_forbund_id(self) -> int:
        return self.forbund_id

    def lock_spans(self, old: Insats | None) -> list[arslas.Span]:
        """The years the insats is active in, before and after the write, when anything
        the report shows of it changes."""
        new = arslas.span(self.startdatum, self.sista_dag)
        if old is None:
            return [new]
        if not arslas.changed(old, self, self.RAPPORTFALT):
            return []
        return [arslas.span(old.startdatum, old.sista_dag), new]

    @property
    def status(self) -> str:
        if self._status is not None:
            return self._status
        return self.status_on(timezone.localdate())

    @status.setter
    def status(self, value: str) -> None:
        self._status = value

    def get_status_display(self) -> str:
        return Status(self.status).label

    def status_on(self, day: dt.date) -> str:
        """The rule of `status_q`, for one insats in memory."""
        if (self.avslutad_datum and self.avslutad_datum <= day) or (
            self.slutdatum and self.slutdatum < day
        ):
            return Status.AVSLUTAD
        if self.startdatum > day:
            return Status.PLANERAD
        return Status.PAGAENDE

    @property
    def sista_dag(self) -> dt.date | None:
        """The last day of the insats: the early closing, else the planned end."""
        return self.avslutad_datum or self.slutdatum

    def years(self, until: int | None = None) -> range:
        """The calendar years the insats runs, up to its end (or `until` when open-ended)."""
        last = self.sista_dag.year if self.sista_dag else (until or timezone.localdate().year)
        return range(self.startdatum.year, max(last, self.startdatum.year) + 1)

    @property
    def is_individuell(self) -> bool:
        """Takes deltaganden one by one (`individuell_q`)."""
        return (
            self.niva == Niva.INDIVID
            and self.deltagarregistrering == Deltagarregistrering.INDIVIDUELL
        )

    @property
    def is_volyminsats(self) -> bool:
        return self.niva == Niva.INDIVID and self.deltagarregistrering == Deltagarregistrering.VOLYM

    @property
    def is_strukturinsats(self) -> bool:
        return self.niva == Niva.STRUKTUR

    def avslut_problem(self, day: dt.date) -> str | None:
        """Why the insats cannot be closed on the day, or None."""
        if day < self.startdatum:
            return f"Insatsen startar {self.startdatum:%Y-%m-%d}; den kan inte avslutas före det."
        if self.slutdatum and day > self.slutdatum:
            return f"Insatsen slutar redan {self.slutdatum:%Y-%m-%d} enligt planen."
        return None

    def clean(self) -> None:
        if errors := self.rule_problems():
            raise ValidationError(errors)
        if self.startdatum and self.forbund_id:
            self.check_lock()

    def rule_problems(self) -> dict[str, str]:
        """Why the insats's own values break its rules, by field, in Swedish (empty when
        they do not): what `clean` raises before the year lock, and what the import asks
        of each row."""
        errors: dict[str, str] = {}
        if self.niva in TYPER_PER_NIVA and self.typ and self.typ not in TYPER_PER_NIVA[self.niva]:
            errors["typ"] = (
                f"{Insatstyp(self.typ).label} är ingen typ för {Niva(self.niva).label.lower()}."
            )
        if self.niva == Niva.INDIVID and not self.deltagarregistrering:
            errors["deltagarregistrering"] = (
                "Ange hur deltagarna registreras i en individinriktad insats."
            )
        if self.niva == Niva.STRUKTUR and self.deltagarregistrering:
            errors["deltagarregistrering"] = (
                "Deltagarregistrering anges bara för individinriktade insatser."
            )
        if self.startdatum and self.slutdatum and self.slutdatum < self.startdatum:
            errors["slutdatum"] = "Slutdatum kan inte ligga före startdatum."
        elif self.startdatum and self.avslutad_datum:
            if self.avslutad_datum < self.startdatum:
                errors["startdatum"] = (
                    f"Insatsen avslutades {self.avslutad_datum:%Y-%m-%d}; "
                    "startdatum kan inte ligga efter det."
                )
            elif self.slutdatum and self.avslutad_datum > self.slutdatum:
                errors["slutdatum"] = (
                    f"Insatsen avslutades {self.avslutad_datum:%Y-%m-%d}; "
                    "slutdatum kan inte ligga före det."
                )
        if (
            self.alder_fran is not None
            and self.alder_till is not None
            and self.alder_till < self.alder_fran
        ):
            errors["alder_till"] = "Åldern till kan inte vara lägre än åldern från."
        return errors

    def registrering_problems(
        self, niva: str | None, registrering: str | None, *, registrerat: set[str]
    ) -> dict[str, str]:
        """Why the insats cannot take the level and registration, by field: what is
        registered in it keeps it what it was registered as. `registrerat` names what it
        has: `volym` (volume counts), `struktur` (strukturdeltagare), `individuell`
        (deltaganden one by one)."""
        errors: dict[str, str] = {}
        if "volym" in registrerat and (niva, registrering) != (
            Niva.INDIVID,
            Deltagarregistrering.VOLYM,
        ):
            errors["deltagarregistrering"] = (
                "Insatsen har antal deltagare registrerade: den förblir en volyminsats."
            )
        if "struktur" in registrerat and niva != Niva.STRUKTUR:
            errors["niva"] = (
                "Insatsen har strukturdeltagare registrerade: den förblir strukturinriktad."
            )
        if "individuell" in registrerat and (niva, registrering) != (
            Niva.INDIVID,
            Deltagarregistrering.INDIVIDUELL,
        ):
            errors["deltagarregistrering"] = (
                "Insatsen har deltagare registrerade var för sig: registreringen kan inte ändras."
            )
        return errors


class InsatsUppdrag(models.Model):
    """A handläggare assigned to an insats: the link from the assignment to its insatser."""

    insats = models.ForeignKey(
        Insats, on_delete=models.CASCADE, related_name="tilldelningar", verbose_name="insats"
    )
    uppdrag = models.ForeignKey(
        Uppdrag,
        on_delete=models.CASCADE,
        related_name="tilldelningar",
        verbose_name="handläggaruppdrag",
        limit_choices_to={"roll": Roll.HANDLAGGARE},
    )
    tilldelad = models.DateTimeField("tilldelad", auto_now_add=True)

    class Meta:
        verbose_name = "handläggare i insats"
        verbose_name_plural = "handläggare i insatser"
        ordering = ["insats", "uppdrag"]
        constraints = [
            models.UniqueConstraint(fields=["insats", "uppdrag"], name="insatsuppdrag_unikt"),
        ]

    def __str__(self) -> str:
        return f"{self.uppdrag.user} i {self.insats}"

    def clean(self) -> None:
        # The insats may be new and unsaved (an admin inline): test the objects, not ids.
        if not (_related(self, "insats") and _related(self, "uppdrag")):
            return
        if self.uppdrag.roll != Roll.HANDLAGGARE:
            raise ValidationError({"uppdrag": "Bara handläggare kan tilldelas en insats."})
        if self.uppdrag.forbund_id != self.insats.forbund_id:
            raise ValidationError(
                {"uppdrag": "Handläggaren har inget uppdrag i insatsens förbund."}
            )


class InsatsMal(models.Model):
    """A goal of an insats, e.g. 30 % in arbete eller studier 90 days after the end."""

    insats = models.ForeignKey(
        Insats, on_delete=models.CASCADE, related_name="mal", verbose_name="insats"
    )
    matt = models.CharField("mått", max_length=20, choices=Matt.choices)
    malvarde_procent = models.PositiveSmallIntegerField(
        "målvärde (%)", validators=[MaxValueValidator(100)]
    )
    matpunkt_dagar = models.PositiveSmallIntegerField(
        "mätpunkt", choices=Matpunkt.choices, default=Matpunkt.VID_AVSLUT
    )
    beskrivning = models.CharField(
        "beskrivning", max_length=200, blank=True, help_text="Behövs för måttet Annat mått."
    )

    class Meta:
        verbose_name = "mål"
        verbose_name_plural = "mål"
        ordering = ["insats", "matpunkt_dagar", "matt"]
        constraints = [
            models.CheckConstraint(
                condition=Q(malvarde_procent__lte=100), name="insatsmal_procent_hogst_100"
            ),
            models.CheckConstraint(
                condition=Q(matpunkt_dagar__in=Matpunkt.values), name="insatsmal_matpunkt_giltig"
            ),
            models.CheckConstraint(
                condition=Q(matt__in=Matt.values), name="insatsmal_matt_giltigt"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_matt_display()} {self.malvarde_procent} % ({self.get_matpunkt_dagar_display().lower()})"

    def clean(self) -> None:
        if self.matt == Matt.ANNAT and not self.beskrivning.strip():
            raise ValidationError({"beskrivning": "Beskriv måttet."})


class Ekonomirad(arslas.LastaAr, models.Model):
    """One budget line of a förbund's year: a cost (kostnadsslag) or an income (finansiering).

    Insats lines (`insats`, `insats_esf`) name their insats, which must belong to the
    förbund (checked in `clean` and by `services.ekonomirad_set`); other lines name none.
    The members' contributions are not here: they live in the förbund registry.
    """

    forbund = models.ForeignKey(
        Forbund, on_delete=models.CASCADE, related_name="ekonomirader", verbose_name="förbund"
    )
    ar = models.PositiveSmallIntegerField("år")
    rad = models.CharField("rad", max_length=20, choices=RAD_CHOICES)
    insats = models.ForeignKey(
        Insats,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="ekonomirader",
        verbose_name="insats",
    )
    budget = models.PositiveBigIntegerField("budget (kr)")
    utfall = models.PositiveBigIntegerField("utfall (kr)", null=True, blank=True)

    class Meta:
        verbose_name = "ekonomirad"
        verbose_name_plural = "ekonomirader"
        ordering = ["forbund", "ar", "rad", "insats"]
        constraints = [
            models.UniqueConstraint(
                fields=["forbund", "ar", "rad", "insats"],
                nulls_distinct=False,
                name="ekonomirad_unik",
                violation_error_message="Raden finns redan för året.",
            ),
            models.CheckConstraint(
                condition=Q(rad__in=INSATSRADER, insats__isnull=False)
                | Q(rad__in=[r for r in RADER if r not in INSATSRADER], insats__isnull=True),
                name="ekonomirad_insats_endast_insatsrader",
                violation_error_message=(
                    "Insatskostnader ska ange en insats; andra rader ska inte göra det."
                ),
            ),
            models.CheckConstraint(
                condition=Q(ar__gte=2004) & Q(ar__lte=2100), name="ekonomirad_rimligt_ar"
            ),
        ]

    def __str__(self) -> str:
        suffix = f" {self.insats.kod}" if self.insats_id and self.insats else ""
        return f"{self.forbund} {self.ar} {self.rad}{suffix}"

    def clean(self) -> None:
        if (
            self.insats_id
            and self.insats
            and self.forbund_id
            and self.insats.forbund_id != self.forbund_id
        ):
            raise ValidationError({"insats": "Insatsen hör till ett annat förbund."})
        if self.forbund_id and self.ar:
            self.check_lock()

    LAS_VAD = "Ekonomiraden"

    def lock_forbund_id(self) -> int:
        return self.forbund_id

    def lock_spans(self, old: Ekonomirad | None) -> list[arslas.Span]:
        """The years of `ekonomirad_span`, before and after."""
        if old is not None and not arslas.changed(
            old, self, ("ar", "rad", "insats_id", "budget", "utfall")
        ):
            return []
        return [ekonomirad_span(row.ar, row.rad) for row in (self, *([old] if old else []))]


def ekonomirad_span(ar: int, rad: str) -> arslas.Span:
    """The years a budget line counts in: its own (T13, T18); the eget kapital at a year's
    end is also the next year's ingående eget kapital."""
    return (ar, ar + 1 if rad == Balans.EGET_KAPITAL_UB else ar)


class Periodantal(arslas.LastaAr, models.Model):
    """A count of participants in an insats for one period (one row per insats and date)."""

    LAS_VAD = "Antalet deltagare"

    ANTAL: tuple[str, ...] = ()
    VOLYM = False

    # Each concrete count declares its own `insats`, for its own related name.
    insats: models.ForeignKey[Insats | Combinable, Insats]
    insats_id: int
    datum = models.DateField("datum", help_text="Dagen, eller sista dagen i perioden som räknats.")

    class Meta:
        abstract = True
        ordering = ["insats", "datum"]
        constraints = [
            models.UniqueConstraint(
                fields=["insats", "datum"],
                name="%(class)s_en_per_datum",
                violation_error_message="Det finns redan en registrering för datumet.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.insats} {self.datum:%Y-%m-%d}: {self.total}"

    @property
    def total(self) -> int:
        return sum(getattr(self, name) for name in self.ANTAL)

    def clean(self) -> None:
        if _related(self, "insats"):
            check_count_insats(self.insats, self.datum, volym=self.VOLYM)
            if self.datum:
                self.check_lock()

    def lock_forbund_id(self) -> int:
        return self.insats.forbund_id

    def lock_spans(self, old: Periodantal | None) -> list[arslas.Span]:
        """A count belongs to the year of its date (T2, T14, T18)."""
        if old is not None and not arslas.changed(old, self, ("datum", *self.ANTAL)):
            return []
        return [arslas.span(d, d) for d in {self.datum, *([old.datum] if old else [])}]


class Volymregistrering(Periodantal):
    """The number of participants in a volyminsats for a period, by kön."""

    ANTAL = ("kvinnor", "man", "okant")
    VOLYM = True

    insats = models.ForeignKey(
        Insats,
        on_delete=models.CASCADE,
        related_name="volymregistreringar",
        verbose_name="insats",
    )
    kvinnor = models.PositiveIntegerField("kvinnor", default=0)
    man = models.PositiveIntegerField("män", default=0)
    okant = models.PositiveIntegerField("kön ej angivet", default=0)

    class Meta(Periodantal.Meta):
        verbose_name = "volymregistrering"
        verbose_name_plural = "volymregistreringar"


class Strukturdeltagare(Periodantal):
    """The number of participants in a strukturinriktad insats for a period, by kind."""

    ANTAL = ("myndighetspersonal", "arbetsgivare", "ovriga")

    insats = models.ForeignKey(
        Insats,
        on_delete=models.CASCADE,
        related_name="strukturdeltagare",
        verbose_name="insats",
    )
    myndighetspersonal = models.PositiveIntegerField(
        "personal hos parterna och andra myndigheter", default=0
    )
    arbetsgivare = models.PositiveIntegerField("arbetsgivare", default=0)
    ovriga = models.PositiveIntegerField("övriga", default=0)

    class Meta(Periodantal.Meta):
        verbose_name = "strukturdeltagare"
        verbose_name_plural = "strukturdeltagare"


# The two kinds of count, as the views and services pick one by the insats's kind.
type AntalModel = type[Volymregistrering | Strukturdeltagare]


def _related(obj: models.Model, name: str) -> models.Model | None:
    """The related object, also when it is assigned but unsaved; None when unset."""
    try:
        return getattr(obj, name)
    except ObjectDoesNotExist:
        return None


def check_count_insats(insats: Insats, datum: dt.date | None, *, volym: bool) -> None:
    """Counts belong to the right kind of insats and not before its start.

    Volume counts need an individinriktad volyminsats; strukturdeltagare a
    strukturinriktad insats. Raises ValidationError in Swedish.
    """
    if volym and not insats.is_volyminsats:
        raise ValidationError(
            "Antal deltagare per period registreras bara för individinriktade volyminsatser."
        )
    if not volym and not insats.is_strukturinsats:
        raise ValidationError("Strukturdeltagare registreras bara för strukturinriktade insatser.")
    if datum and datum < insats.startdatum:
        raise ValidationError(
            {"datum": f"Insatsen startade {insats.startdatum:%Y-%m-%d}; ange ett senare datum."}
        )
