"""Participants: persons (personal data encrypted), consent, deltaganden and follow-ups.

A Person belongs to one förbund: a person's earlier deltaganden in the förbund are
found through the keyed hash of the personnummer, never through the number itself.
URLs, logs and tasks name persons and deltaganden by their random public id.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import Q

from finsam.lib import period
from forbund import arslas
from forbund.models import Forbund
from insatser.models import Insats

from . import pnr
from .access import deltagande_insats_filter, registerutdrag_filter
from .choices import (
    Avslutsorsak,
    Forsorjning,
    Kon,
    Registreringsform,
    Samtyckessyfte,
    Sysselsattning,
    TidOffentligForsorjning,
    Uppfoljningspunkt,
    Utbildningsniva,
)

INGEN_OFFENTLIG = Forsorjning.INGEN_OFFENTLIG.value
INGEN_OFFENTLIG_ENSAM = "”Ingen offentlig försörjning” kan inte kombineras med andra val."
SAMTYCKE_SENAST_START = "Samtycket ska vara lämnat senast på startdagen."

# Age bands at start (T3, T12, the förbund's deltagande list): code → (label, highest age).
AGE_BANDS: dict[str, tuple[str, int | None]] = {
    "under_16": ("Under 16 år", 15),
    "16_29": ("16–29 år", 29),
    "30_44": ("30–44 år", 44),
    "45_59": ("45–59 år", 59),
    "60_": ("60 år och äldre", None),
}


def age_band(age: int) -> str:
    """The code of the band of `AGE_BANDS` the age falls in."""
    return next(kod for kod, (_, high) in AGE_BANDS.items() if high is None or age <= high)


# The single-row rules of a deltagande, each once, in the pattern of
# `Uppfoljningsfonster.problem`: why the values break the rule, in Swedish, or None. The
# forms, the services and the import all ask these.


def forsorjning_problem(codes: list[str]) -> str | None:
    """`ingen_offentlig` excludes every other försörjning code (spec/kodlistor.md); the
    database states the same in `_ingen_offentlig_alone`."""
    return INGEN_OFFENTLIG_ENSAM if INGEN_OFFENTLIG in codes and len(codes) > 1 else None


def samtycke_problem(samtycke: dt.date, startdatum: dt.date) -> str | None:
    """Consent must be given on or before the start day."""
    return SAMTYCKE_SENAST_START if samtycke > startdatum else None


def slutdatum_problem(startdatum: dt.date, slutdatum: dt.date) -> str | None:
    """A deltagande ends on or after its start (`deltagande_slut_efter_start`)."""
    if slutdatum < startdatum:
        return f"Slutdatumet kan inte ligga före startdatumet ({startdatum:%Y-%m-%d})."
    return None


def _codes(choices, verbose_name: str) -> ArrayField:
    return ArrayField(
        models.CharField(max_length=30, choices=choices.choices),
        verbose_name=verbose_name,
        default=list,
        blank=True,
    )


def _ingen_offentlig_alone(field: str, name: str) -> models.CheckConstraint:
    """`ingen_offentlig` excludes every other försörjning code (spec/kodlistor.md)."""
    return models.CheckConstraint(
        condition=~Q(**{f"{field}__contains": [INGEN_OFFENTLIG]}) | Q(**{f"{field}__len": 1}),
        name=name,
    )


class Person(models.Model):
    public_id = models.UUIDField("id", default=uuid.uuid4, unique=True, editable=False)
    forbund = models.ForeignKey(Forbund, on_delete=models.PROTECT, related_name="personer")
    # Fernet token of the 12-digit number and its keyed hash; NULL once erased, so that
    # erased persons do not collide in the unique (forbund, pnr_hash) constraint.
    pnr_krypterat = models.TextField(null=True, blank=True, editable=False)  # noqa: DJ001
    pnr_hash = models.CharField(max_length=64, null=True, blank=True, editable=False)  # noqa: DJ001
    samordningsnummer = models.BooleanField("samordningsnummer", default=False)
    kon = models.CharField("kön", max_length=10, choices=Kon.choices)
    fodelsedatum = models.DateField("födelsedatum", null=True, blank=True)
    skapad = models.DateTimeField("registrerad", auto_now_add=True)
    raderad = models.DateTimeField(
        "personuppgifter raderade", null=True, blank=True, help_text="Efter återkallat samtycke."
    )

    class Meta:
        verbose_name = "person"
        verbose_name_plural = "personer"
        constraints = [
            models.UniqueConstraint(fields=["forbund", "pnr_hash"], name="person_en_per_forbund"),
            models.CheckConstraint(
                condition=(
                    Q(pnr_krypterat__isnull=True, pnr_hash__isnull=True, fodelsedatum__isnull=True)
                    | Q(pnr_krypterat__isnull=False, pnr_hash__isnull=False, raderad__isnull=True)
                ),
                name="person_personuppgifter_hela_eller_raderade",
            ),
        ]

    def __str__(self) -> str:
        return f"Person {self.public_id}"

    # The fields the personnummer sets (`personnummer_values`), in that order.
    PERSONNUMMER_FIELDS = ("pnr_krypterat", "pnr_hash", "samordningsnummer", "kon", "fodelsedatum")

    def set_personnummer(self, parsed: pnr.Personnummer, *, pnr_hash: str | None = None) -> None:
        """`pnr_hash`: the number's `pnr.lookup_hash` when the caller already has it."""
        values = self.personnummer_values(parsed, pnr_hash=pnr_hash)
        for name, value in zip(self.PERSONNUMMER_FIELDS, values, strict=True):
            setattr(self, name, value)

    @staticmethod
    def personnummer_values(
        parsed: pnr.Personnummer, *, pnr_hash: str | None = None
    ) -> tuple[str, str, bool, str, dt.date]:
        """What the number sets, as `PERSONNUMMER_FIELDS`: the encrypted number, its keyed
        hash (computed unless given), and what the number tells (for a bulk insert)."""
        return (
            pnr.encrypt(parsed.nummer),
            pnr.lookup_hash(parsed.nummer) if pnr_hash is None else pnr_hash,
            parsed.samordningsnummer,
            parsed.kon,
            parsed.fodelsedatum,
        )

    def personnummer(self) -> str | None:
        """The clear number. Callers must log the read (deltagare.services.log_access)."""
        return pnr.decrypt(self.pnr_krypterat) if self.pnr_krypterat else None


class Samtycke(models.Model):
    """A recorded consent, kept after withdrawal as the record of it."""

    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="samtycken")
    # A new consent is given for each insats; only that insats's handläggare see it.
    insats = models.ForeignKey(
        Insats, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    syfte = models.CharField("syfte", max_length=20, choices=Samtyckessyfte.choices)
    datum = models.DateField("datum för samtycket")
    formularversion = models.CharField("blankettversion", max_length=50, blank=True)
    sprak = models.CharField("språk", max_length=30, default="svenska")
    registrerad_av = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    registrerad = models.DateTimeField(auto_now_add=True)
    aterkallat = models.DateField("återkallat", null=True, blank=True)

    class Meta:
        verbose_name = "samtycke"
        verbose_name_plural = "samtycken"
        constraints = [
            models.CheckConstraint(
                condition=Q(aterkallat__isnull=True) | Q(aterkallat__gte=models.F("datum")),
                name="samtycke_aterkallat_efter_datum",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_syfte_display()} {self.datum:%Y-%m-%d}"


# The columns deltagare.kvalitet's conditions read (besides the insats, its start and pk).
KVALITETSKOLUMNER = [
    "slutdatum",
    "registreringsform",
    "avslutsorsak",
    "uppfoljda",
    "utbildningsniva",
    "tid_offentlig_forsorjning",
    "forsorjning_fore",
    "sysselsattning_fore",
    "forsorjning_efter",
    "sysselsattning_efter",
]


class DeltagandeQuerySet(models.QuerySet["Deltagande"]):
    def for_user(self, user, *, personal: bool) -> DeltagandeQuerySet:
        """What the user may see: with personal data (handläggare of the insats) or
        pseudonymised (also the förbundsadministratör). The rule: deltagare.access."""
        # A semi-join on the insats: the planner joins the few insatser instead of
        # looking every deltagande up again by its key.
        return self.filter(insats__in=self._insatser_for_user(user, personal=personal))

    def insatser_for_user(self, user, *, personal: bool) -> list[int]:
        """The ids of the insatser whose deltaganden `for_user` returns, looked up now:
        for statements scoped by them (the start page's work list, kvalitet.arbetslista)."""
        return list(self._insatser_for_user(user, personal=personal).values_list("pk", flat=True))

    def _insatser_for_user(self, user, *, personal: bool) -> models.QuerySet[Insats, Any]:
        q = deltagande_insats_filter(user, "personal" if personal else "pseudonym")
        return Insats.objects.filter(q).values("pk")

    def for_registerutdrag(self, user) -> DeltagandeQuerySet:
        """What a register extract by the user shows (deltagare.access.registerutdrag_filter)."""
        q = registerutdrag_filter(user)
        return self.filter(pk__in=Deltagande.objects.filter(q).values("pk"))

    def open(self) -> DeltagandeQuerySet:
        return self.filter(slutdatum__isnull=True)

    def active_in_year(self, ar: int) -> DeltagandeQuerySet:
        return self.filter(active_in_year_q(ar))


def active_in_year_q(ar: int, prefix: str = "") -> Q:
    """Deltaganden active in the year: started by 31 December, not ended before 1 January."""
    return period.active_in_year_q(ar, prefix=prefix)


class Deltagande(arslas.LastaAr, models.Model):
    # Set by the views for their templates: the personnummer as shown, the row's problems,
    # and (pseudonymised list) the age band at start.
    visat_pnr: str
    problem: list[str]
    aldersband: str

    public_id = models.UUIDField("id", default=uuid.uuid4, unique=True, editable=False)
    # (No index of its own: `deltagande_insats_ordning` begins with the insats.)
    insats = models.ForeignKey(
        Insats, on_delete=models.PROTECT, related_name="deltaganden", db_index=False
    )
    registreringsform = models.CharField(
        "registrering", max_length=10, choices=Registreringsform.choices
    )
    person = models.ForeignKey(
        Person, on_delete=models.PROTECT, null=True, blank=True, related_name="deltaganden"
    )
    kon = models.CharField("kön", max_length=10, choices=Kon.choices)
    startdatum = models.DateField("startdatum")
    slutdatum = models.DateField("slutdatum", null=True, blank=True)
    utbildningsniva = models.CharField(
        "utbildningsnivå", max_length=20, choices=Utbildningsniva.choices, blank=True
    )
    forsorjning_fore = _codes(Forsorjning, "försörjning före")
    tid_offentlig_forsorjning = models.CharField(
        "tid i offentlig försörjning",
        max_length=20,
        choices=TidOffentligForsorjning.choices,
        blank=True,
    )
    sysselsattning_fore = _codes(Sysselsattning, "sysselsättning före")
    avslutsorsak = models.CharField(
        "avslutsorsak", max_length=20, choices=Avslutsorsak.choices, blank=True
    )
    sysselsattning_efter = _codes(Sysselsattning, "sysselsättning vid avslut")
    forsorjning_efter = _codes(Forsorjning, "försörjning vid avslut")
    # For anonymous rows from an import file: the row number, part of their natural key
    # (spec/import.md), so that importing the same file twice does not double them.
    importrad = models.PositiveIntegerField(null=True, blank=True, editable=False)
    # Set when the participant's consent is withdrawn (services.withdraw_consent), so that
    # the withdrawal page can say what happened when it is sent again.
    samtycke_aterkallat = models.DateField(
        "samtycket återkallat", null=True, blank=True, editable=False
    )
    aterkallat_av = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
        verbose_name="återkallelsen registrerad av",
    )
    # The mätpunkter that have an Uppfoljning, kept by the database (triggers of migration
    # 0011 on both tables, so bulk inserts and COPY keep it too): the data-quality counts
    # read it from the row instead of probing the follow-ups of every deltagande in the
    # history (deltagare.kvalitet). Whatever a save writes here, the database recomputes.
    uppfoljda = ArrayField(
        models.SmallIntegerField(), verbose_name="uppföljda mätpunkter", default=list,
        blank=True, editable=False,
    )  # fmt: skip
    skapad = models.DateTimeField(auto_now_add=True)
    andrad = models.DateTimeField(auto_now=True)
    # Derived on every write by PostgreSQL (deltagare/harledda.py), for the report: what it
    # would otherwise join every person or unpack every code list for.
    alder = models.PositiveSmallIntegerField("ålder vid start", null=True, editable=False)
    individ = models.CharField(max_length=64, null=True, editable=False)  # noqa: DJ001
    forsorjning_grupper_fore = ArrayField(
        models.CharField(max_length=30), default=list, editable=False
    )
    forsorjning_grupper_efter = ArrayField(
        models.CharField(max_length=30), default=list, editable=False
    )
    aos_fore = models.BooleanField(default=False, editable=False)
    aos_efter = models.BooleanField(default=False, editable=False)

    objects = DeltagandeQuerySet.as_manager()

    class Meta:
        verbose_name = "deltagande"
        verbose_name_plural = "deltaganden"
        ordering = ["-startdatum", "pk"]
        indexes = [
            # The model's ordering within an insats, with the pk: the pseudonymised list
            # finds a page's rows from this index alone (index-only scan), then reads them.
            # With the columns the data-quality counts read (deltagare.kvalitet: the start
            # pages' panel and work list), so that those count an insats's deltaganden of
            # every year from the index too, not by reading each row of the table.
            models.Index(
                fields=["insats", "-startdatum", "id"],
                include=KVALITETSKOLUMNER,
                name="deltagande_insats_ordning",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(registreringsform=Registreringsform.PERSON, person__isnull=False)
                    | Q(
                        registreringsform=Registreringsform.ANONYM,
                        person__isnull=True,
                        utbildningsniva="",
                        tid_offentlig_forsorjning="",
                        forsorjning_fore__len=0,
                        sysselsattning_fore__len=0,
                        sysselsattning_efter__len=0,
                        forsorjning_efter__len=0,
                    )
                ),
                name="deltagande_registreringsform",
            ),
            models.CheckConstraint(
                condition=Q(slutdatum__isnull=True) | Q(slutdatum__gte=models.F("startdatum")),
                name="deltagande_slut_efter_start",
            ),
            models.CheckConstraint(
                condition=Q(slutdatum__isnull=False)
                | Q(avslutsorsak="", sysselsattning_efter__len=0, forsorjning_efter__len=0),
                name="deltagande_avslut_kraver_slutdatum",
            ),
            models.UniqueConstraint(
                fields=["person", "insats"],
                condition=Q(slutdatum__isnull=True),
                name="deltagande_ett_oppet_per_person_och_insats",
            ),
            models.UniqueConstraint(
                fields=["insats", "kon", "startdatum", "importrad"],
                condition=Q(registreringsform=Registreringsform.ANONYM, importrad__isnull=False),
                name="deltagande_anonym_importrad_unik",
            ),
            _ingen_offentlig_alone("forsorjning_fore", "deltagande_ingen_offentlig_fore"),
            _ingen_offentlig_alone("forsorjning_efter", "deltagande_ingen_offentlig_efter"),
        ]

    def __str__(self) -> str:
        return f"Deltagande {self.public_id}"

    LAS_VAD = "Deltagandet"
    # What an avslut sets; correcting only these changes the year of the end alone.
    UTFALL = ("avslutsorsak", "sysselsattning_efter", "forsorjning_efter")
    VARDEN = (
        "insats_id", "registreringsform", "person_id", "kon", "startdatum", "slutdatum",
        "utbildningsniva", "forsorjning_fore", "tid_offentlig_forsorjning",
        "sysselsattning_fore", *UTFALL,
    )  # fmt: skip

    def lock_forbund_id(self) -> int:
        return self.insats.forbund_id

    def lock_spans(self, old: Deltagande | None) -> list[arslas.Span]:
        """The years whose figures the write changes: those the deltagande is active in,
        before and after. Ending an open one changes the years from its end on (it is
        avslutad in that year and no longer active after it), and the years from its
        insats's end, where it counted as open past the insats's end (T16)."""
        new = arslas.span(self.startdatum, self.slutdatum)
        if old is None:
            return [new]
        if not arslas.changed(old, self, self.VARDEN):
            return []
        same_start = old.insats_id == self.insats_id and old.startdatum == self.startdatum
        if same_start and old.slutdatum is None and self.slutdatum is not None:
            first = self.slutdatum.year
            if (sista := self.insats.sista_dag) and sista.year < first:
                first = max(self.startdatum.year, sista.year)
            return [(first, None)]
        if (
            same_start
            and old.slutdatum == self.slutdatum is not None
            and not arslas.changed(old, self, set(self.VARDEN) - set(self.UTFALL))
        ):
            return [(self.slutdatum.year, self.slutdatum.year)]
        return [arslas.span(old.startdatum, old.slutdatum), new]

    def uppfoljningsfonster(self, matpunkt: int) -> Uppfoljningsfonster | None:
        """The follow-up window at the mätpunkt; None while the deltagande runs."""
        return Uppfoljningsfonster.of(self.slutdatum, matpunkt) if self.slutdatum else None


# A follow-up at a mätpunkt is made from its day (slutdatum + the mätpunkt's days) up to
# the day before the next mätpunkt's day, the last one within LAST_WINDOW_DAYS; it is
# overdue (försenad) from OVERDUE_AFTER_DAYS after its day while not recorded.
OVERDUE_AFTER_DAYS = 30
LAST_WINDOW_DAYS = 180


def uppfoljning_offsets(matpunkt: int) -> tuple[int, int]:
    """The first and last day of the mätpunkt's window, in days after slutdatum."""
    later = [m for m in Uppfoljningspunkt.values if m > matpunkt]
    return matpunkt, (min(later) - 1 if later else matpunkt + LAST_WINDOW_DAYS - 1)


@dataclass(frozen=True)
class Uppfoljningsfonster:
    """When the follow-up at a mätpunkt of an ended deltagande is made, and when it is late.
    `kvalitet.uppfoljning_due_q` states `is_due` and `is_overdue` in SQL."""

    matpunkt: int
    forsta: dt.date
    sista: dt.date

    @classmethod
    def of(cls, slutdatum: dt.date, matpunkt: int) -> Uppfoljningsfonster:
        first, last = uppfoljning_offsets(matpunkt)
        return cls(
            matpunkt,
            slutdatum + dt.timedelta(days=first),
            slutdatum + dt.timedelta(days=last),
        )

    @property
    def forsenad_fran(self) -> dt.date:
        return self.forsta + dt.timedelta(days=OVERDUE_AFTER_DAYS)

    def __contains__(self, day: dt.date) -> bool:
        return self.forsta <= day <= self.sista

    def __str__(self) -> str:
        return f"{self.forsta:%Y-%m-%d}–{self.sista:%Y-%m-%d}"

    def is_due(self, today: dt.date) -> bool:
        return today >= self.forsta

    def is_overdue(self, today: dt.date) -> bool:
        return today >= self.forsenad_fran

    def problem(self, datum: dt.date) -> str | None:
        """Why a follow-up on the day does not belong to this mätpunkt, in Swedish."""
        if datum in self:
            return None
        label = Uppfoljningspunkt(self.matpunkt).label
        return f"Uppföljningen {label} ska göras {self}; {datum:%Y-%m-%d} ligger utanför."


class Uppfoljning(arslas.LastaAr, models.Model):
    LAS_VAD = "Uppföljningen"

    deltagande = models.ForeignKey(
        Deltagande, on_delete=models.CASCADE, related_name="uppfoljningar"
    )
    matpunkt = models.PositiveSmallIntegerField("mätpunkt", choices=Uppfoljningspunkt.choices)
    datum = models.DateField("datum")
    sysselsattning = _codes(Sysselsattning, "sysselsättning")
    forsorjning = _codes(Forsorjning, "försörjning")

    class Meta:
        verbose_name = "uppföljning"
        verbose_name_plural = "uppföljningar"
        ordering = ["deltagande", "matpunkt"]
        # The återrapportering counts the follow-ups of one year (T15).
        indexes = [models.Index(fields=["datum"], name="uppfoljning_datum")]
        constraints = [
            models.UniqueConstraint(
                fields=["deltagande", "matpunkt"], name="uppfoljning_en_per_matpunkt"
            ),
            _ingen_offentlig_alone("forsorjning", "uppfoljning_ingen_offentlig"),
        ]

    def __str__(self) -> str:
        return f"{self.deltagande} {self.get_matpunkt_display()}"

    def lock_forbund_id(self) -> int:
        return self.deltagande.insats.forbund_id

    def lock_spans(self, old: Uppfoljning | None) -> list[arslas.Span]:
        """A follow-up counts in the year of its date (T15)."""
        if old is not None and not arslas.changed(
            old, self, ("deltagande_id", "matpunkt", "datum", "sysselsattning", "forsorjning")
        ):
            return []
        dates = [self.datum] + ([old.datum] if old else [])
        return [arslas.span(d, d) for d in dates]


class Atkomstlogg(models.Model):
    """One page view that showed personal data: who, when, from which page and why, and
    every person (with the deltagande) it showed (Atkomst). A list page is one entry
    listing its rows, so the log reads as what users did and still names everyone seen.

    Written by deltagare.services only; the application offers no way to change it.
    """

    tid = models.DateTimeField("tid", auto_now_add=True, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="användare",
    )
    # A read outside the web (manage.py export_data): the operating system's user name.
    os_anvandare = models.CharField("användare på servern", max_length=150, blank=True)
    forbund = models.ForeignKey(Forbund, on_delete=models.PROTECT, related_name="+")
    sida = models.CharField("sida", max_length=200)
    anledning = models.CharField("anledning", max_length=200)
    personer = models.ManyToManyField(
        Person, through="Atkomst", related_name="atkomster", verbose_name="personer"
    )

    class Meta:
        verbose_name = "åtkomst till personuppgifter"
        verbose_name_plural = "åtkomstlogg"
        ordering = ["-tid"]
        indexes = [models.Index(fields=["forbund", "tid"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(user__isnull=False) | ~Q(os_anvandare=""),
                name="atkomstlogg_vem",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.vem} {self.tid:%Y-%m-%d %H:%M} {self.sida}"

    @property
    def vem(self) -> str:
        """Who read the data, as the log shows it."""
        if self.user is not None:
            return self.user.get_full_name() or self.user.username
        return f"{self.os_anvandare} (på servern)"


class Atkomst(models.Model):
    """A person (and the deltagande) shown in one page view of the access log."""

    logg = models.ForeignKey(Atkomstlogg, on_delete=models.PROTECT, related_name="visningar")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    deltagande = models.ForeignKey(
        Deltagande, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = "visad person"
        verbose_name_plural = "visade personer"
        constraints = [
            models.UniqueConstraint(
                fields=["logg", "person", "deltagande"],
                nulls_distinct=False,
                name="atkomst_en_per_visning",
            )
        ]

    def __str__(self) -> str:
        return f"{self.person} i {self.logg}"
