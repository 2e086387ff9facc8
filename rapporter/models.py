"""A requested report: its parameters, its state as the user sees it, and the file."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import Q
from django.urls import reverse

from finsam.lib.jobs import Job
from forbund.choices import LAN_NAMN, Lan


class Omfattningstyp(models.TextChoices):
    FORBUND = "forbund", "Ett förbund"
    LAN = "lan", "Ett län"
    NATIONELL = "nationell", "Hela landet"


class Format(models.TextChoices):
    PDF = "pdf", "PDF"
    XLSX = "xlsx", "Excel (XLSX)"
    JSON = "json", "JSON"


class Status(models.TextChoices):
    VANTAR = "vantar", "Väntar på att starta"
    PAGAR = "pagar", "Tas fram"
    KLAR = "klar", "Klar"
    FEL = "fel", "Misslyckades"


AVBRUTEN = (
    "Rapporten kunde inte tas fram: arbetet avbröts två gånger utan att bli klart. "
    "Försök igen; kvarstår felet, kontakta Finsams administratör."
)

CONTENT_TYPES: dict[str, str] = {
    Format.PDF: "application/pdf",
    Format.XLSX: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    Format.JSON: "application/json",
}


class RapportjobbQuerySet(models.QuerySet["Rapportjobb"]):
    def for_user(self, user) -> RapportjobbQuerySet:
        """A user sees the reports they asked for; the administratör sees all."""
        from forbund import access

        if access.is_administrator(user):
            return self.all()
        return self.filter(bestalld_av=user) if user.is_authenticated else self.none()


KOMMENTAR_MAX = 5000


class Rapportjobb(Job):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    bestalld_av = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name="beställd av",
    )
    ar = models.PositiveSmallIntegerField("år")
    omfattning = models.CharField("omfattning", max_length=10, choices=Omfattningstyp.choices)
    kod = models.CharField(
        "förbund eller län",
        max_length=10,
        blank=True,
        help_text="Organisationsnummer eller länskod.",
    )
    # One order, several files from one computation of the tables (in Format's order).
    formats = ArrayField(
        models.CharField(max_length=5, choices=Format.choices), verbose_name="format", size=3
    )
    undertryck = models.BooleanField("små tal undertryckta", default=True)
    diarienummer = models.CharField(
        "diarienummer",
        max_length=50,
        blank=True,
        help_text="Mottagarens eller förbundets diarienummer; tryckt på försättsbladet.",
    )
    kommentar = models.TextField(
        "förbundets kommentar",
        max_length=KOMMENTAR_MAX,
        blank=True,
        help_text="Tryckt som ett eget avsnitt efter sammanfattningen.",
    )
    status = models.CharField(
        "status", max_length=10, choices=Status.choices, default=Status.VANTAR
    )
    skapad = models.DateTimeField("beställd", auto_now_add=True)
    startad = models.DateTimeField("startad", null=True, blank=True)
    klar = models.DateTimeField("klar", null=True, blank=True)
    data_tidpunkt = models.DateTimeField(
        "uppgifter t.o.m.",
        null=True,
        blank=True,
        help_text="Tidpunkten för uppgifterna rapporten bygger på.",
    )
    felmeddelande = models.CharField("fel", max_length=300, blank=True)

    objects = RapportjobbQuerySet.as_manager()

    ACTIVE = (Status.VANTAR, Status.PAGAR)

    class Meta:
        verbose_name = "rapport"
        verbose_name_plural = "rapporter"
        ordering = ["-skapad"]
        constraints = [
            models.CheckConstraint(
                condition=Q(formats__len__gte=1) & Q(formats__contained_by=Format.values),
                name="rapportjobb_formats",
            ),
            models.CheckConstraint(
                condition=Q(omfattning="nationell", kod="")
                | Q(omfattning="lan", kod__in=Lan.values)
                | Q(omfattning="forbund", kod__regex=r"^\d{10}$"),
                name="rapportjobb_kod_enligt_omfattning",
            ),
        ]

    def __str__(self) -> str:
        return (
            f"Återrapportering {self.ar} ({self.get_omfattning_display()}, {self.format_display})"
        )

    def get_absolute_url(self) -> str:
        return reverse("rapporter:jobb", args=[self.pk])

    def omfattning_namn(self, forbund_namn: str | None = None) -> str:
        """The scope as the user reads it: "Hela landet", "Uppsala län" or the förbund."""
        if self.omfattning == Omfattningstyp.LAN:
            return LAN_NAMN[self.kod]
        if self.omfattning == Omfattningstyp.FORBUND:
            return forbund_namn or f"Förbund {self.kod}"
        return Omfattningstyp.NATIONELL.label

    @property
    def format_display(self) -> str:
        return ", ".join(Format(f).label for f in self.formats)

    def filnamn(self, format: str) -> str:
        scope = self.kod or "riket"
        return f"aterrapportering-{self.ar}-{scope}.{format}"

    @property
    def bestallning(self):
        """What the orderer gave, for the PDF's title page and the XLSX's first sheet."""
        from .presentation import Bestallning

        user = self.bestalld_av
        return Bestallning(
            bestallare=user.get_full_name() or user.username,
            diarienummer=self.diarienummer,
            kommentar=self.kommentar,
        )

    @property
    def pagaende(self) -> bool:
        return self.status in self.ACTIVE

    @classmethod
    def failed_fields(cls) -> dict[str, object]:
        return {"status": Status.FEL, "felmeddelande": AVBRUTEN}


class Rapportfil(models.Model):
    """One format of a finished report."""

    jobb = models.ForeignKey(Rapportjobb, on_delete=models.CASCADE, related_name="filer")
    format = models.CharField("format", max_length=5, choices=Format.choices)
    innehall = models.BinaryField("fil", editable=False)

    class Meta:
        verbose_name = "rapportfil"
        verbose_name_plural = "rapportfiler"
        constraints = [
            models.UniqueConstraint(fields=["jobb", "format"], name="rapportfil_en_per_format"),
        ]

    def __str__(self) -> str:
        return self.filnamn

    def get_absolute_url(self) -> str:
        return reverse("rapporter:download_format", args=[self.jobb_id, self.format])

    @property
    def filnamn(self) -> str:
        return self.jobb.filnamn(self.format)


class Faktaversion(models.Model):
    """The version of one förbund's deltagande data in one year: a fresh number from one
    sequence whenever a write changes what that year's report counts from it. PostgreSQL
    triggers keep it (rapporter/fakta.py), so no write path can forget it."""

    # No foreign key: a förbund's rows are removed with it, and its deltaganden's triggers
    # must not fail while the förbund's removal is under way.
    forbund_id = models.IntegerField()
    ar = models.PositiveSmallIntegerField()
    version = models.BigIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["forbund_id", "ar"], name="faktaversion_unik")
        ]

    def __str__(self) -> str:
        return f"Faktaversion {self.forbund_id}/{self.ar}: {self.version}"


class Rapportfakta(models.Model):
    """The facts of one scope and year: the deltagande counts (the rows of the report's one
    statement) and the tables built from them, kept by the worker; current while `stampel`
    matches the versions of the scope's förbund for the year (rapporter/fakta.py)."""

    omfattning = models.CharField(max_length=10, choices=Omfattningstyp.choices)
    kod = models.CharField(max_length=10, blank=True)  # orgnr, län code, "" for nationell
    ar = models.PositiveSmallIntegerField()
    stampel = models.CharField(max_length=32)
    rader = models.JSONField()
    # The year's unsuppressed tables as the report states them (JSON text, in the order of
    # its keys), and T19's figures of the year: an unsuppressed report reads these.
    tabeller = models.TextField(blank=True, default="")
    nyckeltal = models.JSONField(default=dict)
    # T19's figures of the year's suppressed report, and the threshold it was suppressed
    # at ({"grans": 5, "nyckeltal": {...}}): a suppressed report of a later year reads these.
    nyckeltal_undertryckta = models.JSONField(default=dict)
    beraknad = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["omfattning", "kod", "ar"], name="rapportfakta_en_per_omfattning_och_ar"
            )
        ]

    def __str__(self) -> str:
        return f"Rapportfakta {self.omfattning} {self.kod} {self.ar}"


class Rapportversion(models.Model):
    """One approved version of a förbund's report for a year, kept as it was approved: the
    tables in full (with and without suppression, so every form can be written from them
    again), the three files of the approved report byte for byte, and their SHA-256."""

    godkannande = models.ForeignKey(
        "forbund.Arsgodkannande",
        on_delete=models.PROTECT,
        related_name="versioner",
        verbose_name="årsgodkännande",
    )
    version = models.PositiveSmallIntegerField("version")
    godkand = models.DateTimeField("godkänd")
    godkand_av = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name="godkänd av",
    )
    tabeller = models.JSONField("tabeller", editable=False)
    tabeller_undertryckta = models.JSONField("tabeller, små tal undertryckta", editable=False)
    json = models.BinaryField("JSON", editable=False)
    xlsx = models.BinaryField("XLSX", editable=False)
    pdf = models.BinaryField("PDF", editable=False)
    sha256_json = models.CharField("SHA-256 (JSON)", max_length=64)
    sha256_xlsx = models.CharField("SHA-256 (XLSX)", max_length=64)
    sha256_pdf = models.CharField("SHA-256 (PDF)", max_length=64)

    class Meta:
        verbose_name = "godkänd rapportversion"
        verbose_name_plural = "godkända rapportversioner"
        ordering = ["godkannande", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["godkannande", "version"], name="rapportversion_unik_version"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.godkannande.forbund} {self.godkannande.ar}, version {self.version}"

    def get_absolute_url(self) -> str:
        g = self.godkannande
        return reverse("rapporter:godkannande", args=[g.forbund.organisationsnummer, g.ar])

    def fil(self, format: str) -> bytes:
        return bytes(getattr(self, format))

    def sha256(self, format: str) -> str:
        return getattr(self, f"sha256_{format}")

    def filnamn(self, format: str) -> str:
        g = self.godkannande
        return (
            f"aterrapportering-{g.ar}-{g.forbund.organisationsnummer}-godkand-v{self.version}"
            f".{format}"
        )
