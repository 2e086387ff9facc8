"""manage.py bench_import [--rader N] — time the import of N deltaganden (default 50 000).

Runs inside a transaction that is rolled back, so the database is left as it was; the
time includes the foreign keys' checks that PostgreSQL defers to the commit.
Target: 50 000 deltaganden in under 15 s (issue 18; spec/product.md asks for 60 s).
"""

from __future__ import annotations

import datetime as dt
import random
import time

from django.core.management.base import BaseCommand
from django.db import connection, transaction

from finsam.lib.importing import import_file
from finsam.lib.tabular import write_table
from forbund.validators import luhn_ok, with_check_digit


class _Rollback(Exception):
    pass


def synthetic_personnummer(rng: random.Random) -> str:
    """A valid 12-digit personnummer for test data (random date and serial, Luhn digit)."""
    while True:
        born = dt.date(1960, 1, 1) + dt.timedelta(days=rng.randrange(0, 40 * 365))
        nine = f"{born:%y%m%d}{rng.randrange(1, 1000):03d}"
        ten = with_check_digit(nine)
        if luhn_ok(ten):
            return f"{born:%Y}"[:2] + ten


class Command(BaseCommand):
    help = "Mäter importen av N deltaganden (standard 50 000) och rullar tillbaka allt."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--rader", type=int, default=50_000)
        parser.add_argument("--seed", type=int, default=1)

    def handle(self, *args, rader: int, seed: int, **options) -> None:
        from deltagare.models import Deltagande
        from forbund.choices import Medlemstyp
        from forbund.models import Forbund, Medlemskap, Region
        from insatser.models import Insats

        rng = random.Random(seed)
        try:
            with transaction.atomic():
                forbund = Forbund.objects.create(
                    organisationsnummer=with_check_digit("222999999"),
                    namn="Benchmarkförbundet",
                    lan="03",
                    bildad=dt.date(2010, 1, 1),
                )
                Medlemskap.objects.create(
                    forbund=forbund,
                    medlemstyp=Medlemstyp.REGION,
                    region=Region.objects.get(kod="03"),
                    intrade=forbund.bildad,
                )
                insatser = [
                    Insats.objects.create(
                        forbund=forbund,
                        kod=f"B{i}",
                        namn=f"Benchmarkinsats {i}",
                        niva="individ",
                        typ="rehabilitering",
                        deltagarregistrering="individuell",
                        startdatum=dt.date(2010, 1, 1),
                    )
                    for i in range(20)
                ]
                rows: list[dict[str, object]] = []
                for i in range(rader):
                    start = dt.date(2011, 1, 1) + dt.timedelta(days=rng.randrange(0, 3000))
                    end = start + dt.timedelta(days=rng.randrange(30, 400))
                    person = i % 5 != 0
                    rows.append(
                        {
                            "forbund": forbund.organisationsnummer,
                            "insats": insatser[i % len(insatser)].kod,
                            "registreringsform": "person" if person else "anonym",
                            "personnummer": synthetic_personnummer(rng) if person else "",
                            "samtycke_datum": start.isoformat() if person else "",
                            "kon": "" if person else rng.choice(["kvinna", "man"]),
                            "startdatum": start.isoformat(),
                            "slutdatum": end.isoformat(),
                            "utbildningsniva": "gymnasial" if person else "",
                            "forsorjning_fore": "aktivitetsstod|a_kassa" if person else "",
                            "sysselsattning_fore": "arbetssokande" if person else "",
                            "avslutsorsak": "fullfoljd",
                            "sysselsattning_efter": "arbete" if person else "",
                            "forsorjning_efter": "ingen_offentlig" if person else "",
                        }
                    )
                from deltagare.importers import DeltagandenKind

                data = write_table(DeltagandenKind().column_names, rows, format="csv")
                started = time.perf_counter()
                result = import_file("deltaganden", data, filename="bench.csv")
                with connection.cursor() as cursor:
                    # The foreign keys' checks, deferred to the commit the rollback skips.
                    cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
                elapsed = time.perf_counter() - started
                saved = Deltagande.objects.filter(insats__forbund=forbund).count()
                self.stdout.write(f"rader: {rader}")
                self.stdout.write(f"fel: {len(result.errors)}")
                for error in result.errors[:5]:
                    self.stdout.write(f"  {error}")
                self.stdout.write(f"sparade deltaganden: {saved}")
                self.stdout.write(f"tid: {elapsed:.1f} s ({rader / elapsed:.0f} rader/s)")
                self.stdout.write(
                    f"mål: under 15 s för 50 000 rader (issue 18; spec: 60 s); "
                    f"{'uppfyllt' if result.ok and elapsed < 15 * rader / 50_000 else 'EJ uppfyllt'}"
                )
                raise _Rollback
        except _Rollback:
            pass
