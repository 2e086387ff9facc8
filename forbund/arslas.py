"""The lock of an approved year: the one place that decides whether a write may change a
figure of a förbund's year.

Once a förbund has approved year Y (`Arsgodkannande` with status godkänt), every write that
would change a figure of Y's report is refused with a Swedish `ValidationError` naming the
approval. The models of insatser and deltagare call `assert_open` from `clean()` (forms and
the admin show the message at the field) and from `save()`/`delete()` (services), with the
years the row is active in before and after the write (finsam.lib.period). Imports, which
write in bulk, check each row with one `Lasregister` loaded once per file.

The exceptions the law demands (gallring, withdrawn consent) go through; `record_exception`
lists them on the approval page while the approved report stays as it was.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone

from finsam.lib import period

if TYPE_CHECKING:
    # The mixin below is only ever mixed into models; the type checker must know it.
    _ModelMixinBase = models.Model
else:
    _ModelMixinBase = object

Span = tuple[int, int | None]  # first and last year touched; None: every later year


class Arsgodkannande(models.Model):
    """A förbund's approval of its year: while approved the year is locked (forbund.arslas),
    and its reports are the stored approved version (rapporter.godkannande). One row per
    förbund and year; its history (approvals, reopenings, the exceptions the law demands)
    in Arshandelse."""

    class Status(models.TextChoices):
        GODKANT = "godkant", "Godkänt"
        ATEROPPNAT = "ateroppnat", "Återöppnat"

    forbund = models.ForeignKey(
        "forbund.Forbund",
        on_delete=models.CASCADE,
        related_name="arsgodkannanden",
        verbose_name="förbund",
    )
    ar = models.PositiveSmallIntegerField("år")
    status = models.CharField("status", max_length=12, choices=Status.choices)
    version = models.PositiveSmallIntegerField("senaste godkända version")
    godkand = models.DateTimeField("godkänt")
    godkand_av = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name="godkänt av",
    )

    class Meta:
        verbose_name = "årsgodkännande"
        verbose_name_plural = "årsgodkännanden"
        ordering = ["forbund", "-ar"]
        constraints = [
            models.UniqueConstraint(fields=["forbund", "ar"], name="arsgodkannande_ett_per_ar"),
            models.CheckConstraint(
                condition=Q(ar__gte=2004) & Q(ar__lte=2100), name="arsgodkannande_rimligt_ar"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.forbund} {self.ar}: {self.get_status_display()}"

    @property
    def last(self) -> bool:
        return self.status == self.Status.GODKANT


class Arshandelse(models.Model):
    """What happened to an approved year: who approved or reopened it, when and why, and the
    changes the law lets through a lock (gallring, withdrawn consent). Never edited."""

    class Handelse(models.TextChoices):
        GODKANT = "godkant", "Godkänt"
        ATEROPPNAT = "ateroppnat", "Återöppnat"
        GALLRING = "gallring", "Gallring"
        ATERKALLELSE = "aterkallelse", "Återkallat samtycke"

    godkannande = models.ForeignKey(
        Arsgodkannande, on_delete=models.CASCADE, related_name="handelser"
    )
    handelse = models.CharField("händelse", max_length=12, choices=Handelse.choices)
    tid = models.DateTimeField("tid", default=timezone.now)
    av = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name="av",
    )
    version = models.PositiveSmallIntegerField("version", null=True, blank=True)
    anledning = models.TextField("anledning", blank=True)
    beskrivning = models.CharField("beskrivning", max_length=300, blank=True)

    class Meta:
        verbose_name = "händelse för godkänt år"
        verbose_name_plural = "händelser för godkända år"
        ordering = ["-tid", "-pk"]

    def __str__(self) -> str:
        return f"{self.godkannande} – {self.get_handelse_display()} {self.tid:%Y-%m-%d}"


def span(start: dt.date, end: dt.date | None) -> Span:
    """The years a period with these dates is active in."""
    return period.years_active(start, end)


def lock_message(godkannande: Arsgodkannande, vad: str = "") -> str:
    """The Swedish refusal, naming the approval."""
    av = godkannande.godkand_av.display_name if godkannande.godkand_av else "okänd"
    what = f"{vad} kan därför inte ändras" if vad else "ändringen skulle ändra årets uppgifter"
    return (
        f"År {godkannande.ar} är godkänt för {godkannande.forbund} "
        f"({timezone.localtime(godkannande.godkand):%Y-%m-%d} av {av}, version "
        f"{godkannande.version}) och låst: {what}. Öppna året igen med en anledning "
        f"på sidan Godkänn år om uppgifterna måste rättas."
    )


def _locked(forbund_id: int, spans: Iterable[Span]) -> Arsgodkannande | None:
    spans = list(spans)
    if not spans or not forbund_id:
        return None
    first = min(s[0] for s in spans)
    years = Arsgodkannande.objects.filter(
        forbund_id=forbund_id, status=Arsgodkannande.Status.GODKANT, ar__gte=first
    ).select_related("forbund", "godkand_av")
    for g in years.order_by("ar"):
        if any(_touches(s, g.ar) for s in spans):
            return g
    return None


def _touches(s: Span, ar: int) -> bool:
    return s[0] <= ar and (s[1] is None or ar <= s[1])


def assert_open(*, forbund_id: int, spans: Iterable[Span], vad: str = "") -> None:
    """Raises ValidationError (Swedish, naming the approval) when a span touches an
    approved year of the förbund."""
    if godkannande := _locked(forbund_id, spans):
        raise ValidationError(lock_message(godkannande, vad))


def assert_year_open(forbund, ar: int, vad: str = "") -> None:
    """Raises ValidationError when the förbund's year `ar` is approved and locked."""
    assert_open(forbund_id=getattr(forbund, "pk", forbund), spans=[(ar, ar)], vad=vad)


def is_locked(forbund, ar: int) -> bool:
    return Arsgodkannande.objects.filter(
        forbund=forbund, ar=ar, status=Arsgodkannande.Status.GODKANT
    ).exists()


class Lasregister:
    """The approved years of a set of förbund, read once, for the per-row check of an
    import: `problem(forbund_id, spans)` is the refusal for a row, or None."""

    def __init__(self) -> None:
        self._by_forbund: dict[int, list[Arsgodkannande]] = defaultdict(list)
        # Every approved year of every förbund: a few hundred rows at most.
        for g in (
            Arsgodkannande.objects.filter(status=Arsgodkannande.Status.GODKANT)
            .select_related("forbund", "godkand_av")
            .order_by("ar")
        ):
            self._by_forbund[g.forbund_id].append(g)

    def problem(self, forbund_id: int, spans: Iterable[Span], vad: str = "") -> str | None:
        spans = list(spans)
        for g in self._by_forbund.get(forbund_id, ()):
            if any(_touches(s, g.ar) for s in spans):
                return lock_message(g, vad)
        return None

    def refuse_row(
        self, check, kolumn: str, forbund_id: int, spans: Iterable[Span], vad: str
    ) -> bool:
        """The per-row check of every import kind: records the refusal on the row (an
        importing.RowErrors) and returns True when the row touches an approved year."""
        if message := self.problem(forbund_id, spans, vad):
            check.add(kolumn, message)
            return True
        return False


def record_exception(
    *, forbund_id: int, spans: Iterable[Span], handelse: str, beskrivning: str, av=None
) -> int:
    """Lists a change the law lets through the lock (gallring, withdrawn consent) on the
    approval page of every approved year it touches. Returns how many years it touched."""
    spans = list(spans)
    touched = [
        g
        for g in Arsgodkannande.objects.filter(
            forbund_id=forbund_id, status=Arsgodkannande.Status.GODKANT
        )
        if any(_touches(s, g.ar) for s in spans)
    ]
    Arshandelse.objects.bulk_create(
        Arshandelse(
            godkannande=g, handelse=handelse, av=av, version=g.version, beskrivning=beskrivning
        )
        for g in touched
    )
    return len(touched)


class LastaAr(_ModelMixinBase):
    """Model mixin: a row of a förbund's year that the lock guards.

    A model states whose förbund it belongs to (`lock_forbund_id`) and which years a write
    touches given the row as stored (`lock_spans(old)`, `old` None for a new row); `clean`
    (forms, the admin), `save` and `delete` (services) refuse a write touching an approved
    year. `LAS_VAD` names the thing in the message ("Deltagandet")."""

    LAS_VAD = "Uppgiften"

    def lock_forbund_id(self) -> int:
        raise NotImplementedError

    def lock_spans(self, old) -> list[Span]:
        raise NotImplementedError

    def _stored(self):
        if self.pk is None:
            return None
        return type(self)._base_manager.filter(pk=self.pk).first()

    def _dates_as_dates(self) -> None:
        """Date fields given as ISO text (`create(startdatum="2020-01-01")`, as Django
        allows) read as dates, as the save would store them, so the years can be told."""
        for f in self._meta.concrete_fields:
            value = getattr(self, f.attname)
            if isinstance(f, models.DateField) and isinstance(value, str):
                setattr(self, f.attname, f.to_python(value))

    def check_lock(self, *, deleting: bool = False) -> None:
        self._dates_as_dates()
        old = self._stored()
        spans = (old or self).lock_spans(None) if deleting else self.lock_spans(old)
        if spans:
            assert_open(forbund_id=self.lock_forbund_id(), spans=spans, vad=self.LAS_VAD)

    def save(self, *args, **kwargs) -> None:
        try:
            self.check_lock()
        except ValidationError:
            # Nothing half-changed, not even in memory: a page showing the object after
            # the refusal shows it as stored.
            if self.pk is not None and not self._state.adding:
                self.refresh_from_db()
            raise
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        self.check_lock(deleting=True)
        return super().delete(*args, **kwargs)


def changed(old, new, fields: Iterable[str]) -> bool:
    """Whether any of the fields differ between the stored row and the new one."""
    return any(getattr(old, f) != getattr(new, f) for f in fields)
