from __future__ import annotations

import datetime as dt
import uuid
from typing import TYPE_CHECKING

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone

from finsam.lib import period
from finsam.lib.jobs import Job

from .arslas import Arsgodkannande as Arsgodkannande  # models of the app, Django finds them here
from .arslas import Arshandelse as Arshandelse
from .arslas import LastaAr, Span, changed
from .choices import Arbetsgivartyp, Lan, Medlemstyp, Roll
from .sessions import Kontosession as Kontosession  # a model of the app, Django finds it here
from .validators import validate_organisationsnummer

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable

    from .access import Action


class Region(models.Model):
    """One of the 21 regions; its code is the län code (Region Gotland included)."""

    kod = models.CharField("kod", max_length=2, primary_key=True, choices=Lan.choices)
    namn = models.CharField("namn", max_length=100, unique=True)

    class Meta:
        verbose_name = "region"
        verbose_name_plural = "regioner"
        ordering = ["kod"]

    def __str__(self) -> str:
        return self.namn

    @property
    def lan(self) -> str:
        return self.kod


class Kommun(models.Model):
    kod = models.CharField(
        "kommunkod", max_length=4, primary_key=True, help_text="SCB:s fyrsiffriga kommunkod."
    )
    namn = models.CharField("namn", max_length=100)
    lan = models.CharField("län", max_length=2, choices=Lan.choices)

    class Meta:
        verbose_name = "kommun"
        verbose_name_plural = "kommuner"
        ordering = ["kod"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kod__regex=r"^\d{4}$"), name="kommun_kod_fyra_siffror"
            ),
            models.CheckConstraint(
                condition=Q(kod__startswith=models.F("lan")), name="kommun_kod_borjar_med_lan"
            ),
        ]

    def __str__(self) -> str:
        return self.namn


class Folkmangd(models.Model):
    """Population of a kommun on 31 December of a year (SCB)."""

    kommun = models.ForeignKey(Kommun, on_delete=models.CASCADE, related_name="folkmangder")
    ar = models.PositiveSmallIntegerField("år")
    folkmangd = models.PositiveIntegerField("folkmängd")

    class Meta:
        verbose_name = "folkmängd"
        verbose_name_plural = "folkmängder"
        ordering = ["kommun", "ar"]
        constraints = [
            models.UniqueConstraint(fields=["kommun", "ar"], name="folkmangd_en_per_kommun_och_ar"),
        ]

    def __str__(self) -> str:
        return f"{self.kommun} {self.ar}: {self.folkmangd}"


class ForbundQuerySet(models.QuerySet["Forbund"]):
    def for_user(self, user) -> ForbundQuerySet:
        """The förbund whose registry the user may read (see forbund.access)."""
        from .access import forbund_filter

        return self.filter(forbund_filter(user, "registry_read"))

    def editable_by(self, user) -> ForbundQuerySet:
        from .access import forbund_filter

        return self.filter(forbund_filter(user, "contributions_write"))

    def get_for_user(self, user, orgnr: str, action: Action = "registry_read") -> Forbund:
        """The förbund of the URL if `action` reaches it for the user, else 404: the one
        way a view gets the förbund it works in."""
        from .access import forbund_filter

        return get_object_or_404(
            self.filter(forbund_filter(user, action)), organisationsnummer=orgnr
        )

    def active_on(self, day: dt.date) -> ForbundQuerySet:
        return self.filter(bildad__lte=day).filter(Q(upphord__isnull=True) | Q(upphord__gt=day))

    def active_in_year(self, ar: int) -> ForbundQuerySet:
        return self.filter(forbund_active_in_year_q(ar))


def forbund_active_in_year_q(ar: int, prefix: str = "") -> Q:
    """Förbund verksamma under året: formed by 31 December, not ceased before 1 January."""
    return period.active_in_year_q(ar, start="bildad", ends=("upphord",), prefix=prefix)


def medlemskap_in_year_q(ar: int, prefix: str = "") -> Q:
    """Memberships in the year (spec "Active in Y"): joined by 31 December, not left before
    1 January; a membership ending on 1 January is a membership in that year."""
    return period.active_in_year_q(ar, start="intrade", ends=("uttrade",), prefix=prefix)


class Forbund(models.Model):
    organisationsnummer = models.CharField(
        "organisationsnummer",
        max_length=10,
        unique=True,
        validators=[validate_organisationsnummer],
        help_text="Tio siffror utan bindestreck.",
    )
    namn = models.CharField("namn", max_length=200)
    lan = models.CharField("län", max_length=2, choices=Lan.choices, db_index=True)
    bildad = models.DateField("bildat")
    upphord = models.DateField("upphört", null=True, blank=True)
    foregangare = models.ManyToManyField(
        "self",
        symmetrical=False,
        related_name="eftertradare",
        blank=True,
        verbose_name="föregångare",
        help_text="Förbund som gick upp i detta förbund vid en sammanslagning.",
    )

    objects = ForbundQuerySet.as_manager()

    class Meta:
        verbose_name = "samordningsförbund"
        verbose_name_plural = "samordningsförbund"
        ordering = ["namn"]
        constraints = [
            models.CheckConstraint(
                condition=Q(organisationsnummer__regex=r"^\d{10}$"),
                name="forbund_orgnr_tio_siffror",
            ),
            models.CheckConstraint(
                condition=Q(upphord__isnull=True) | Q(upphord__gte=models.F("bildad")),
                name="forbund_upphord_efter_bildad",
            ),
        ]

    def __str__(self) -> str:
        return self.namn

    def get_absolute_url(self) -> str:
        return reverse("forbund:detail", args=[self.organisationsnummer])

    @property
    def organisationsnummer_display(self) -> str:
        return f"{self.organisationsnummer[:6]}-{self.organisationsnummer[6:]}"

    def missing_medlemstyper(self, day: dt.date | None = None) -> list[str]:
        """Member kinds (5 § requires all four) that have no membership active on the day."""
        day = day or max(self.bildad, dt.date.today())  # noqa: DTZ011
        if self.upphord and day >= self.upphord:
            day = self.bildad
        present = set(self.medlemskap.active_on(day).values_list("medlemstyp", flat=True))
        return [label for value, label in Medlemstyp.choices if value not in present]


class MedlemskapQuerySet(models.QuerySet["Medlemskap"]):
    def active_on(self, day: dt.date) -> MedlemskapQuerySet:
        return self.filter(intrade__lte=day).filter(Q(uttrade__isnull=True) | Q(uttrade__gt=day))

    def active_in_year(self, ar: int) -> MedlemskapQuerySet:
        return self.filter(medlemskap_in_year_q(ar))


class Medlemskap(models.Model):
    """A member party's membership of a förbund, with dates (notice period three years, 27 §)."""

    UPPSAGNINGSTID_AR = 3

    forbund = models.ForeignKey(Forbund, on_delete=models.CASCADE, related_name="medlemskap")
    medlemstyp = models.CharField("medlemstyp", max_length=20, choices=Medlemstyp.choices)
    kommun = models.ForeignKey(
        Kommun, on_delete=models.PROTECT, null=True, blank=True, related_name="medlemskap"
    )
    region = models.ForeignKey(
        Region, on_delete=models.PROTECT, null=True, blank=True, related_name="medlemskap"
    )
    intrade = models.DateField("inträde")
    uppsagd = models.DateField(
        "uppsagt", null=True, blank=True, help_text="Dag då medlemskapet sades upp."
    )
    uttrade = models.DateField("utträde", null=True, blank=True)

    objects = MedlemskapQuerySet.as_manager()

    class Meta:
        verbose_name = "medlemskap"
        verbose_name_plural = "medlemskap"
        ordering = ["forbund", "medlemstyp", "kommun", "region", "intrade"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(medlemstyp=Medlemstyp.KOMMUN, kommun__isnull=False, region__isnull=True)
                    | Q(medlemstyp=Medlemstyp.REGION, region__isnull=False, kommun__isnull=True)
                    | Q(
                        medlemstyp__in=[
                            Medlemstyp.FORSAKRINGSKASSAN,
                            Medlemstyp.ARBETSFORMEDLINGEN,
                        ],
                        kommun__isnull=True,
                        region__isnull=True,
                    )
                ),
                name="medlemskap_part_stammer_med_typ",
            ),
            models.CheckConstraint(
                condition=Q(uttrade__isnull=True) | Q(uttrade__gt=models.F("intrade")),
                name="medlemskap_uttrade_efter_intrade",
            ),
            models.CheckConstraint(
                condition=Q(uppsagd__isnull=True) | Q(uppsagd__gte=models.F("intrade")),
                name="medlemskap_uppsagd_efter_intrade",
            ),
            models.UniqueConstraint(
                fields=["forbund", "medlemstyp", "kommun", "region", "intrade"],
                nulls_distinct=False,
                name="medlemskap_unik_per_intrade",
            ),
        ]

    def __str__(self) -> str:
        return self.part_namn

    @property
    def part_namn(self) -> str:
        # No query for an empty key: the descriptor answers None from the id.
        if self.kommun is not None:
            # Official names vary ("Uppsala kommun", "Malmö stad"): show the kommun's name.
            return self.kommun.namn
        if self.region is not None:
            return self.region.namn
        return self.get_medlemstyp_display()

    def clean(self) -> None:
        from django.core.exceptions import ValidationError

        errors: dict[str, str] = {}
        if self.uttrade and self.intrade and self.uttrade <= self.intrade:
            errors["uttrade"] = "Utträdet måste ligga efter inträdet."
        if self.uppsagd and self.intrade and self.uppsagd < self.intrade:
            errors["uppsagd"] = "Uppsägningen kan inte ligga före inträdet."
        if self.uppsagd and self.uttrade and self.uttrade < self.earliest_uttrade():
            errors["uttrade"] = (
                f"Uppsägningstiden är {self.UPPSAGNINGSTID_AR} år: utträde tidigast "
                f"{self.earliest_uttrade():%Y-%m-%d}."
            )
        if self.medlemstyp == Medlemstyp.KOMMUN and not self.kommun_id:
            errors["kommun"] = "Ange vilken kommun som är medlem."
        if self.medlemstyp == Medlemstyp.REGION and not self.region_id:
            errors["region"] = "Ange vilken region som är medlem."
        if errors:
            raise ValidationError(errors)

    def earliest_uttrade(self) -> dt.date:
        """A notice takes effect three years after it was given (lag 2003:1210, 27 §)."""
        if self.uppsagd is None:
            raise ValueError("earliest_uttrade needs a notice date")
        try:
            return self.uppsagd.replace(year=self.uppsagd.year + self.UPPSAGNINGSTID_AR)
        except ValueError:  # 29 February
            return self.uppsagd.replace(year=self.uppsagd.year + self.UPPSAGNINGSTID_AR, day=28)

    def is_active_in_year(self, ar: int) -> bool:
        """`medlemskap_in_year_q` for this membership."""
        return period.is_active_in_year(self.intrade, self.uttrade, ar)

    def is_active_on(self, day: dt.date) -> bool:
        return self.intrade <= day and (self.uttrade is None or self.uttrade > day)


class Medlemsbidrag(LastaAr, models.Model):
    """A member's contribution for one year: decided (beslutat) and paid (inbetalt), whole kronor."""

    medlemskap = models.ForeignKey(Medlemskap, on_delete=models.CASCADE, related_name="bidrag")
    ar = models.PositiveSmallIntegerField("år")
    beslutat = models.PositiveBigIntegerField("beslutat bidrag (kr)")
    inbetalt = models.PositiveBigIntegerField("inbetalt (kr)", null=True, blank=True)

    class Meta:
        verbose_name = "medlemsbidrag"
        verbose_name_plural = "medlemsbidrag"
        ordering = ["medlemskap__forbund", "ar", "medlemskap"]
        constraints = [
            models.UniqueConstraint(fields=["medlemskap", "ar"], name="medlemsbidrag_ett_per_ar"),
            models.CheckConstraint(
                condition=Q(ar__gte=2004) & Q(ar__lte=2100), name="medlemsbidrag_rimligt_ar"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.medlemskap} {self.ar}"

    LAS_VAD = "Medlemsbidraget"

    def lock_forbund_id(self) -> int:
        return self.medlemskap.forbund_id

    def lock_spans(self, old: Medlemsbidrag | None) -> list[Span]:
        """A contribution counts in its year (T13, T18)."""
        if old is not None and not changed(old, self, ("ar", "beslutat", "inbetalt")):
            return []
        return [(ar, ar) for ar in {self.ar, *([old.ar] if old else [])}]


class User(AbstractUser):
    arbetsgivartyp = models.CharField(
        "arbetsgivare (typ)", max_length=20, choices=Arbetsgivartyp.choices, blank=True
    )
    arbetsgivare = models.CharField(
        "arbetsgivare",
        max_length=200,
        blank=True,
        help_text="Organisationen där användaren är anställd.",
    )

    # Not a field: django-otp's OTPMiddleware sets it on the user of every request.
    is_verified: Callable[[], bool]

    class Meta(AbstractUser.Meta):
        verbose_name = "användare"
        verbose_name_plural = "användare"

    @property
    def display_name(self) -> str:
        return self.get_full_name() or self.username

    def roller(self) -> set[str]:
        return {u.roll for u in self.active_uppdrag()}

    def active_uppdrag(self) -> Iterable[Uppdrag]:
        """The assignments in force today: started, and not yet at their end date."""
        # Cached per request object: the user instance lives for one request.
        cached = getattr(self, "_uppdrag_cache", None)
        if cached is None:
            cached = list(self.uppdrag.active_on(timezone.localdate()).select_related("forbund"))
            self._uppdrag_cache = cached
        return cached


class UppdragQuerySet(models.QuerySet["Uppdrag"]):
    def active_on(self, day: dt.date) -> UppdragQuerySet:
        return self.filter(startdatum__lte=day).filter(
            Q(slutdatum__isnull=True) | Q(slutdatum__gt=day)
        )


class Uppdrag(models.Model):
    """An assignment: a role, in a förbund where the role belongs to one.

    A handläggare's assignment names the förbund; the insatser they work in are
    linked to the assignment by the insatser app.
    """

    FORBUND_ROLES = (Roll.FORBUNDSADMINISTRATOR, Roll.HANDLAGGARE, Roll.PERSONUPPGIFTSANSVARIG)

    user = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="uppdrag", verbose_name="användare"
    )
    roll = models.CharField("roll", max_length=30, choices=Roll.choices)
    forbund = models.ForeignKey(
        Forbund,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="uppdrag",
        verbose_name="förbund",
    )
    startdatum = models.DateField("startdatum", default=timezone.localdate)
    slutdatum = models.DateField(
        "slutdatum",
        null=True,
        blank=True,
        help_text="Från och med den dagen har användaren inte längre uppdraget. Lämna tomt "
        "för tills vidare.",
    )
    skapad = models.DateTimeField("skapad", auto_now_add=True)

    objects = UppdragQuerySet.as_manager()

    class Meta:
        verbose_name = "uppdrag"
        verbose_name_plural = "uppdrag"
        ordering = ["user", "roll", "forbund"]
        constraints = [
            models.CheckConstraint(
                condition=Q(slutdatum__isnull=True) | Q(slutdatum__gte=models.F("startdatum")),
                name="uppdrag_slut_efter_start",
            ),
            models.CheckConstraint(
                condition=(
                    Q(
                        roll__in=["forbundsadministrator", "handlaggare", "personuppgiftsansvarig"],
                        forbund__isnull=False,
                    )
                    | Q(roll__in=["administrator", "nationella_radet"], forbund__isnull=True)
                ),
                name="uppdrag_forbund_enligt_roll",
            ),
            models.UniqueConstraint(
                fields=["user", "roll", "forbund"], nulls_distinct=False, name="uppdrag_unikt"
            ),
        ]

    def __str__(self) -> str:
        if self.forbund_id:
            return f"{self.get_roll_display()} i {self.forbund}"
        return self.get_roll_display()

    def is_active_on(self, day: dt.date) -> bool:
        return self.startdatum <= day and (self.slutdatum is None or self.slutdatum > day)

    @property
    def is_active(self) -> bool:
        return self.is_active_on(timezone.localdate())


class Behorighetslogg(models.Model):
    """Every change to an account or its access: who, when, what. Never edited or deleted."""

    class Handelse(models.TextChoices):
        KONTO_SKAPAT = "konto_skapat", "Konto skapat"
        KONTO_ANDRAT = "konto_andrat", "Konto ändrat"
        KONTO_AVAKTIVERAT = "konto_avaktiverat", "Konto avaktiverat"
        KONTO_AKTIVERAT = "konto_aktiverat", "Konto aktiverat igen"
        UPPDRAG_TILLAGT = "uppdrag_tillagt", "Uppdrag tillagt"
        UPPDRAG_ANDRAT = "uppdrag_andrat", "Uppdrag ändrat"
        UPPDRAG_AVSLUTAT = "uppdrag_avslutat", "Uppdrag avslutat"
        INSATSER_ANDRADE = "insatser_andrade", "Insatser ändrade"
        AKTIVERINGSLANK_SKICKAD = "aktiveringslank_skickad", "Aktiveringslänk skickad"
        KONTO_AKTIVERAT_AV_ANVANDAREN = "aktiverat_av_anvandaren", "Aktiverat av användaren"
        AUTENTISERING_ATERSTALLD = "autentisering_aterstalld", "Autentiseringsapp återställd"

    tid = models.DateTimeField("tid", default=timezone.now, db_index=True)
    utford_av = models.ForeignKey(
        User,
        on_delete=models.SET_NULL,
        null=True,
        related_name="utforda_behorighetsandringar",
        verbose_name="utförd av",
    )
    anvandare = models.ForeignKey(
        User, on_delete=models.PROTECT, related_name="behorighetslogg", verbose_name="användare"
    )
    forbund = models.ForeignKey(
        Forbund,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="förbund",
    )
    handelse = models.CharField("händelse", max_length=30, choices=Handelse.choices)
    beskrivning = models.TextField("beskrivning", blank=True)

    class Meta:
        verbose_name = "behörighetsändring"
        verbose_name_plural = "behörighetslogg"
        ordering = ["-tid", "-pk"]

    def __str__(self) -> str:
        return f"{self.tid:%Y-%m-%d %H:%M} {self.get_handelse_display()}: {self.anvandare}"


class EngangslankQuerySet(models.QuerySet["Engangslank"]):
    def usable(self) -> EngangslankQuerySet:
        return self.filter(anvand__isnull=True, giltig_till__gt=timezone.now())


class Engangslank(models.Model):
    """A one-time link sent by e-mail: activating an account (choose a password and enrol the
    authenticator) or choosing a new password. Only a hash of the link's secret is stored;
    a link works once and until `giltig_till`, and a newer link of the same kind replaces it."""

    class Syfte(models.TextChoices):
        AKTIVERING = "aktivering", "Aktivering"
        NYTT_LOSENORD = "nytt_losenord", "Nytt lösenord"

    user = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="engangslankar", verbose_name="användare"
    )
    syfte = models.CharField("syfte", max_length=20, choices=Syfte.choices)
    token_hash = models.CharField("hash av länken", max_length=64, unique=True)
    skapad = models.DateTimeField("skapad", default=timezone.now)
    giltig_till = models.DateTimeField("giltig till")
    anvand = models.DateTimeField("använd", null=True, blank=True)

    objects = EngangslankQuerySet.as_manager()

    class Meta:
        verbose_name = "engångslänk"
        verbose_name_plural = "engångslänkar"
        ordering = ["-skapad"]

    def __str__(self) -> str:
        return f"{self.get_syfte_display()} för {self.user}, skapad {self.skapad:%Y-%m-%d %H:%M}"


class Importjobb(Job):
    """An uploaded file of any import kind (finsam.lib.importing), checked and imported by
    the worker (forbund/importjobb.py).

    The file may hold personnummer, so its bytes are stored only encrypted (finsam.lib.crypto)
    and are removed when the import is done or refused, and after a day; so is the full
    change list. Only the uploader reaches the job; the worker gets only its id.
    """

    class Status(models.TextChoices):
        GRANSKAS = "granskas", "Filen kontrolleras"
        GRANSKAD = "granskad", "Kontrollerad – väntar på bekräftelse"
        AVVISAD = "avvisad", "Filen har fel – inget har sparats"
        IMPORTERAS = "importeras", "Importeras"
        KLAR = "klar", "Klar"
        FEL = "fel", "Misslyckades"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="+", verbose_name="användare"
    )
    kind = models.CharField("typ av fil", max_length=30)
    filnamn = models.CharField("filnamn", max_length=255)
    sida = models.CharField("uppladdad från", max_length=200, help_text="Sidan med formuläret.")
    data = models.BinaryField("innehåll (krypterat)", null=True)
    status = models.CharField(
        "status", max_length=12, choices=Status.choices, default=Status.GRANSKAS
    )
    rader = models.PositiveIntegerField("rader", default=0)
    klara = models.PositiveIntegerField("importerade rader", default=0)
    skapade = models.PositiveIntegerField(default=0)
    uppdaterade = models.PositiveIntegerField(default=0)
    oforandrade = models.PositiveIntegerField(default=0)
    antal_fel = models.PositiveIntegerField(default=0)
    fel = models.JSONField("fel", default=list)
    andringar = models.JSONField("ändringar (de första)", default=list)
    alla_andringar = models.BinaryField("alla ändringar (krypterade)", null=True)
    meddelande = models.CharField("meddelande", max_length=300, blank=True)
    skapad = models.DateTimeField("uppladdad", auto_now_add=True)
    andrad = models.DateTimeField("ändrad", auto_now=True)
    bekraftad = models.DateTimeField("bekräftad", null=True, blank=True)
    klar = models.DateTimeField("importerad", null=True, blank=True)

    ACTIVE = (Status.GRANSKAS, Status.IMPORTERAS)

    class Meta:
        verbose_name = "importjobb"
        verbose_name_plural = "importjobb"
        indexes = [models.Index(fields=["skapad"], name="forbund_importjobb_skapad")]

    def __str__(self) -> str:
        return f"{self.filnamn} ({self.kind})"

    def get_absolute_url(self) -> str:
        return reverse("importjobb:jobb", args=[self.pk])

    @property
    def pagaende(self) -> bool:
        return self.status in self.ACTIVE

    @classmethod
    def failed_fields(cls) -> dict[str, object]:
        return {
            "status": cls.Status.FEL,
            "data": None,
            "alla_andringar": None,
            "meddelande": "Filen kunde inte läsas eller importeras: arbetet avbröts två "
            "gånger utan att bli klart. Inget har sparats. Kontrollera att filen bara "
            "innehåller tabellen och ladda upp den igen, eller kontakta Finsams administratör.",
        }

    @property
    def procent(self) -> int:
        return round(100 * self.klara / self.rader) if self.rader else 0


class ApiNyckelQuerySet(models.QuerySet["ApiNyckel"]):
    def usable(self) -> ApiNyckelQuerySet:
        """Keys that open the API today: not revoked, not past their last day, of an
        active account."""
        return self.filter(
            Q(giltig_till__isnull=True) | Q(giltig_till__gte=timezone.localdate()),
            aterkallad__isnull=True,
            user__is_active=True,
        )


class ApiNyckel(models.Model):
    """A user's key to the read-only report API (rapporter/api.py). The API answers with
    what the user's roles of the day allow (forbund/access.py), never more. Only a hash of
    the key is stored: the key itself is shown once, when it is made."""

    user = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="api_nycklar", verbose_name="användare"
    )
    namn = models.CharField(
        "namn",
        max_length=100,
        help_text="Vad nyckeln används till, t.ex. ”Förbundets ekonomisystem”.",
    )
    # The first characters of the key, for the user to tell keys apart (not a secret).
    prefix = models.CharField("början av nyckeln", max_length=16)
    nyckel_hash = models.CharField("hash av nyckeln", max_length=64, unique=True)
    skapad = models.DateTimeField("skapad", default=timezone.now)
    giltig_till = models.DateField(
        "giltig till och med",
        null=True,
        blank=True,
        help_text="Lämna tomt för en nyckel som gäller tills du återkallar den.",
    )
    aterkallad = models.DateTimeField("återkallad", null=True, blank=True)
    senast_anvand = models.DateTimeField("senast använd", null=True, blank=True)

    objects = ApiNyckelQuerySet.as_manager()

    class Meta:
        verbose_name = "API-nyckel"
        verbose_name_plural = "API-nycklar"
        ordering = ["-skapad", "-pk"]

    def __str__(self) -> str:
        return f"{self.namn} ({self.prefix}…)"

    @property
    def status(self) -> str:
        if self.aterkallad:
            return "Återkallad"
        if self.giltig_till and self.giltig_till < timezone.localdate():
            return "Har gått ut"
        return "Gäller"


class Apianrop(models.Model):
    """Every call to the API: who, with which key, the path and the answer's status. The
    path holds years, organisationsnummer and län codes only (the API's URL converters
    match nothing else); a call to a path that matched no route is kept without it."""

    tid = models.DateTimeField("tid", default=timezone.now, db_index=True)
    user = models.ForeignKey(
        User,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="användare",
    )
    nyckel = models.ForeignKey(
        ApiNyckel,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="anrop",
        verbose_name="API-nyckel",
    )
    metod = models.CharField("metod", max_length=10)
    sokvag = models.CharField("sökväg", max_length=200, blank=True)
    status = models.PositiveSmallIntegerField("status")

    class Meta:
        verbose_name = "API-anrop"
        verbose_name_plural = "API-anrop"
        ordering = ["-tid", "-pk"]

    def __str__(self) -> str:
        return f"{self.tid:%Y-%m-%d %H:%M} {self.metod} {self.sokvag} {self.status}"
