"""A requested report: its parameters, its state as the user sees it, and the file."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse

from forbund.choices import Lan


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


CONTENT_TYPES = {
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


class Rapportjobb(models.Model):
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
    format = models.CharField("format", max_length=5, choices=Format.choices)
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
    innehall = models.BinaryField("fil", null=True, blank=True, editable=False)
    felmeddelande = models.CharField("fel", max_length=300, blank=True)

    objects = RapportjobbQuerySet.as_manager()

    class Meta:
        verbose_name = "rapport"
        verbose_name_plural = "rapporter"
        ordering = ["-skapad"]
        constraints = [
            models.CheckConstraint(
                condition=Q(omfattning="nationell", kod="")
                | Q(omfattning="lan", kod__in=Lan.values)
                | Q(omfattning="forbund", kod__regex=r"^\d{10}$"),
                name="rapportjobb_kod_enligt_omfattning",
            ),
        ]

    def __str__(self) -> str:
        return f"Återrapportering {self.ar} ({self.get_omfattning_display()}, {self.get_format_display()})"

    def get_absolute_url(self) -> str:
        return reverse("rapporter:jobb", args=[self.pk])

    @property
    def filnamn(self) -> str:
        scope = self.kod or "riket"
        return f"aterrapportering-{self.ar}-{scope}.{self.format}"

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
        return self.status in (Status.VANTAR, Status.PAGAR)
