"""`manage.py bench_aktuell`: how soon the report's stored facts follow each kind of write.

Issue 18: the facts per förbund and year (rapporter/fakta.py) must be current within a
minute of any write that changes them. For each kind of write (a deltagande ended through
its service, an import of a few rows, a consent withdrawal, an insats edit, a förbund and
a membership edit, a gallring run, and a burst of edits in many förbund) the command does
the write the way the application does it, then runs the worker's task
(`rapporter.tasks.uppdatera_fakta`, synchronously, as the worker runs it) and prints

- the task's wall and CPU time and how many scope-years it recounted (and rebuilt from
  stored deltagande facts, when only what else the tables read changed),
- that every scope-year is current afterwards (none left stale),
- the latest the facts can be current after the write: the worker picks a write up with
  its next run (`FINSAM_RAPPORTFAKTA_SEKUNDER` at the latest, or the debounce delay of a
  committed write), plus the task's time. The target is 60 s.

Each write runs in a transaction that is rolled back with the task's work, so the
database is left as it was; the facts are first brought up to date (committed: the state a
running worker keeps). Timings are noisy on a shared machine: the load (`uptime`) is
printed with them.
"""

from __future__ import annotations

import datetime as dt
import os
import random
import time
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.db.models import Count
from django.utils import timezone

from deltagare.models import Deltagande
from deltagare.services import end_deltagande, gallra, withdraw_consent
from dev.management.commands.bench_import import synthetic_personnummer
from finsam.lib.importing import import_file
from finsam.lib.tabular import write_table
from forbund.models import Forbund, Medlemskap
from insatser.models import Insats
from insatser.services import insats_save
from rapporter import fakta, uppdatering
from rapporter.models import Rapportfakta
from rapporter.tabeller import FAKTA_LAYOUT
from rapporter.tasks import uppdatera_fakta

TARGET_S = 60


class _Rollback(Exception):
    pass


@dataclass
class Resultat:
    namn: str
    vad: str
    sekunder: float
    cpu: float
    raknade: int
    inaktuella: int


def _end(d: Deltagande) -> None:
    """Ends the deltagande today through its service, as the form does."""
    end_deltagande(
        deltagande=d,
        slutdatum=timezone.localdate(),
        avslutsorsak="fullfoljd",
        sysselsattning_efter=["arbete"],
        forsorjning_efter=["ingen_offentlig"],
    )


def _load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"{one:.2f} {five:.2f} {fifteen:.2f}"


def _stale(years: range) -> int:
    """Scope-years of `years` whose stored facts do not match their current stamp."""
    current = fakta.stamps(years, FAKTA_LAYOUT)
    empty = fakta.stamp(FAKTA_LAYOUT, [])
    stored = {
        ((typ, kod), ar): s
        for typ, kod, ar, s in Rapportfakta.objects.filter(
            ar__gte=years[0], ar__lte=years[-1]
        ).values_list("omfattning", "kod", "ar", "stampel")
    }
    scopes = uppdatering.all_scopes()
    return sum(
        1
        for scope in scopes
        for ar in years
        if stored.get((scope, ar)) != current.get((scope, ar), empty)
    )


class Command(BaseCommand):
    help = "Mäter hur snart rapportens lagrade fakta är aktuella efter varje slags skrivning."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument(
            "--bara", nargs="*", default=None, help="Bara dessa skrivningar (namnen nedan)."
        )

    def handle(self, *args, seed: int, bara: list[str] | None, **options) -> None:
        self.rng = random.Random(seed)
        years = uppdatering.fakta_ar()
        self.years = years
        forbund = (
            Forbund.objects.annotate(n=Count("insatser__deltaganden"))
            .filter(n__gt=0)
            .order_by("-n")
            .first()
        )
        if forbund is None:
            raise CommandError("Inga deltaganden: kör `make data` först.")
        self.forbund = forbund
        self.stdout.write(
            f"data: {Deltagande.objects.count()} deltaganden, {Forbund.objects.count()} förbund; "
            f"år {years[0]}–{years[-1]}; skrivningar i {forbund.namn} ({forbund.n} deltaganden)"
        )
        self.stdout.write(f"belastning (uptime): {_load()}")
        started = time.perf_counter()
        counted = uppdatera_fakta()
        self.stdout.write(
            f"fakta aktuella först: {counted} omfattning-år räknade på "
            f"{time.perf_counter() - started:.1f} s (sparas)"
        )
        writes: dict[str, tuple[str, Callable[[], str]]] = {
            "deltagande": ("avslut av ett deltagande (end_deltagande)", self._deltagande),
            "import": ("import av 5 deltaganden (import_file)", self._import),
            "aterkallelse": ("återkallat samtycke (withdraw_consent)", self._aterkallelse),
            "insats": ("insatsens namn ändras (insats_save)", self._insats),
            "forbund": ("förbundets namn ändras", self._forbund),
            "medlemskap": ("ett medlemskap sägs upp", self._medlemskap),
            "gallring": ("gallring (gallra), de äldsta", self._gallring),
            "skur": ("skur: ett avslut i vart och ett av 20 förbund", self._skur),
        }
        unknown = set(bara or ()) - writes.keys()
        if unknown:
            raise CommandError(f"Okända skrivningar: {', '.join(sorted(unknown))}")
        delay = settings.FINSAM_RAPPORTFAKTA_SEKUNDER
        results = []
        for namn, (vad, write) in writes.items():
            if bara and namn not in bara:
                continue
            results.append(self._measure(namn, vad, write))
            r = results[-1]
            worst = delay + r.sekunder
            self.stdout.write(
                f"{r.namn:<13} {r.sekunder:6.1f} s (CPU {r.cpu:5.1f} s) "
                f"{r.raknade:4d} omfattning-år räknade, {r.inaktuella} kvar inaktuella; "
                f"aktuellt senast {worst:5.1f} s efter skrivningen "
                f"({'OK' if worst <= TARGET_S and not r.inaktuella else 'EJ OK'}) — {r.vad}"
            )
        self.stdout.write(
            f"mål: varje skrivning aktuell inom {TARGET_S} s (arbetarens nästa körning "
            f"inom {delay:g} s + uppdateringen); belastning (uptime): {_load()}"
        )

    def _measure(self, namn: str, vad: str, write: Callable[[], str]) -> Resultat:
        try:
            with transaction.atomic():
                detail = write()
                wall, cpu = time.perf_counter(), time.process_time()
                counted = uppdatera_fakta()
                wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
                stale = _stale(self.years)
                result = Resultat(namn, f"{vad}: {detail}", wall, cpu, counted, stale)
                raise _Rollback
        except _Rollback:
            pass
        return result

    # ------------------------------------------------------------ the writes

    def _open_deltagande(self, forbund: Forbund) -> Deltagande:
        today = timezone.localdate()
        d = (
            Deltagande.objects.filter(
                insats__forbund=forbund,
                slutdatum__isnull=True,
                registreringsform="person",
                startdatum__lt=today,
            )
            .order_by("-startdatum")
            .first()
        )
        if d is None:
            raise CommandError(f"{forbund} har inget pågående deltagande.")
        return d

    def _deltagande(self) -> str:
        d = self._open_deltagande(self.forbund)
        _end(d)
        return f"start {d.startdatum}"

    def _import(self) -> str:
        from deltagare.importers import DeltagandenKind

        today = timezone.localdate()
        insats = (
            Insats.objects.filter(
                forbund=self.forbund,
                niva="individ",
                deltagarregistrering="individuell",
                avslutad_datum__isnull=True,
                startdatum__lte=today.replace(month=1, day=1),
            )
            .exclude(slutdatum__lt=today)
            .order_by("kod")
            .first()
        )
        if insats is None:
            raise CommandError(f"{self.forbund} har ingen pågående individinsats.")
        start = today.replace(month=1, day=2)
        rows = []
        for i in range(5):
            person = i % 2 == 0
            rows.append(
                {
                    "forbund": self.forbund.organisationsnummer,
                    "insats": insats.kod,
                    "registreringsform": "person" if person else "anonym",
                    "personnummer": synthetic_personnummer(self.rng) if person else "",
                    "samtycke_datum": start.isoformat() if person else "",
                    "kon": "" if person else "kvinna",
                    "startdatum": start.isoformat(),
                    "slutdatum": "",
                    "utbildningsniva": "gymnasial" if person else "",
                    "forsorjning_fore": "a_kassa" if person else "",
                    "sysselsattning_fore": "arbetssokande" if person else "",
                    "avslutsorsak": "",
                    "sysselsattning_efter": "",
                    "forsorjning_efter": "",
                }
            )
        data = write_table(DeltagandenKind().column_names, rows, format="csv")
        result = import_file("deltaganden", data, filename="bench_aktuell.csv")
        if not result.ok:
            raise CommandError(f"Importen misslyckades: {result.errors[:3]}")
        return f"insats {insats.kod}"

    def _aterkallelse(self) -> str:
        d = self._open_deltagande(self.forbund)
        assert d.person is not None  # noqa: S101 -- (a deltagande with personal data)
        withdraw_consent(person=d.person, deltaganden=[d], datum=timezone.localdate())
        return f"start {d.startdatum}"

    def _insats(self) -> str:
        # A typical insats: the one of median length among those with deltaganden.
        insatser = sorted(
            Insats.objects.filter(forbund=self.forbund, deltaganden__isnull=False).distinct(),
            key=lambda i: (i.startdatum, i.pk),
        )
        insats = insatser[len(insatser) // 2]
        behovsgrupper = list(insats.behovsgrupper.values_list("pk", flat=True))
        insats.namn = insats.namn + " (ändrad)"
        insats_save(
            insats=insats,
            behovsgrupper=behovsgrupper,
            malgrupper=list(insats.malgrupper.all()),
            parter=list(insats.parter.all()),
        )
        slut = insats.avslutad_datum or insats.slutdatum
        return f"{insats.kod}, {insats.startdatum}–{slut or ''}"

    def _forbund(self) -> str:
        forbund = Forbund.objects.get(pk=self.forbund.pk)
        forbund.namn = forbund.namn + " (ändrat)"
        forbund.save()
        return f"bildat {forbund.bildad}"

    def _medlemskap(self) -> str:
        medlemskap = (
            Medlemskap.objects.filter(forbund=self.forbund, uttrade__isnull=True)
            .order_by("intrade", "pk")
            .first()
        )
        if medlemskap is None:
            raise CommandError(f"{self.forbund} har inget pågående medlemskap.")
        today = timezone.localdate()
        medlemskap.uppsagd = today
        medlemskap.save()
        return f"inträde {medlemskap.intrade}"

    def _gallring(self) -> str:
        # The first day a gallring finds anyone: the persons whose last deltagande ended
        # first (a daily run's share), found by setting `today` just after it.
        ar = settings.FINSAM_GALLRING_AR or 3
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT min(s) FROM (SELECT max(d.slutdatum) AS s FROM deltagare_person p "
                "JOIN deltagare_deltagande d ON d.person_id = p.id WHERE p.raderad IS NULL "
                "GROUP BY p.id HAVING count(*) FILTER (WHERE d.slutdatum IS NULL) = 0) x"
            )
            (first,) = cursor.fetchone()
        if first is None:
            raise CommandError("Ingen att gallra.")
        today = first.replace(year=first.year + ar) + dt.timedelta(days=1)
        erased = gallra(ar=ar, today=today)
        return f"{len(erased)} personer, sista avslut {first}"

    def _skur(self) -> str:
        forbund = (
            Forbund.objects.annotate(n=Count("insatser__deltaganden")).filter(n__gt=0)
        ).order_by("-n")[:20]
        for f in forbund:
            _end(self._open_deltagande(f))
        return f"{len(forbund)} förbund"
