"""`manage.py bench_rapport`: the report targets of spec/product.md, measured on this database.

Run it on the national-scale data set (`manage.py generate_data`). Prints:
- the national JSON report for one year against hand-written SQL that computes the same
  T2 table directly over the same rows (median of `--repeat` runs; target: within 2×),
  checking that both give the same T2 numbers;
- the number of queries of the report for one förbund, a län and the nation (it must not
  grow with the number of förbund or insatser);
- the disclosure audit of the suppressed national report (every suppressed cell's interval
  by linear programming, as the worker runs it before delivery) against the report's own
  time (target: the audit adds no more than the report takes);
- the PDF time for the largest förbund (target under 5 s) and for the nation (target under
  60 s, in the worker).
"""

from __future__ import annotations

import statistics
import time

from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.db.models import Count
from django.test.utils import CaptureQueriesContext

from deltagare.models import Deltagande
from forbund.models import Forbund
from rapporter.disclosure import audit
from rapporter.renderers import render, to_json
from rapporter.tabeller import Omfattning, build

# T2 by hand: the same counting rules (spec/aterrapportering.md, T2; individer by the
# personnummer's keyed hash, across förbund), straight SQL.
T2_SQL = """
WITH d AS (
    SELECT d.registreringsform, d.kon, COALESCE(p.pnr_hash, d.person_id::text) AS individ,
        d.startdatum, d.slutdatum
    FROM deltagare_deltagande d
    JOIN insatser_insats i ON i.id = d.insats_id
    LEFT JOIN deltagare_person p ON p.id = d.person_id
    WHERE i.niva = 'individ' AND i.deltagarregistrering = 'individuell'
), aktiva AS (
    SELECT * FROM d WHERE startdatum <= %(last)s AND (slutdatum IS NULL OR slutdatum >= %(first)s)
)
SELECT 'person_deltaganden', kon, count(*) FROM aktiva WHERE registreringsform = 'person' GROUP BY kon
UNION ALL
SELECT 'person_individer', kon, count(DISTINCT individ) FROM aktiva
    WHERE registreringsform = 'person' GROUP BY kon
UNION ALL
SELECT 'anonyma_deltaganden', kon, count(*) FROM aktiva WHERE registreringsform = 'anonym' GROUP BY kon
UNION ALL
SELECT 'nyinskrivna_person', kon, count(*) FROM d
    WHERE registreringsform = 'person' AND startdatum BETWEEN %(first)s AND %(last)s GROUP BY kon
UNION ALL
SELECT 'nyinskrivna_anonyma', kon, count(*) FROM d
    WHERE registreringsform = 'anonym' AND startdatum BETWEEN %(first)s AND %(last)s GROUP BY kon
UNION ALL
SELECT 'volym_kvinnor', 'kvinna', COALESCE(sum(kvinnor), 0) FROM insatser_volymregistrering
    WHERE datum BETWEEN %(first)s AND %(last)s
UNION ALL
SELECT 'volym_man', 'man', COALESCE(sum(man), 0) FROM insatser_volymregistrering
    WHERE datum BETWEEN %(first)s AND %(last)s
UNION ALL
SELECT 'strukturdeltagare', '', COALESCE(sum(myndighetspersonal + arbetsgivare + ovriga), 0)
    FROM insatser_strukturdeltagare WHERE datum BETWEEN %(first)s AND %(last)s
"""


def hand_written_t2(ar: int) -> dict[tuple[str, str], int]:
    with connection.cursor() as cursor:
        cursor.execute(T2_SQL, {"first": f"{ar}-01-01", "last": f"{ar}-12-31"})
        return {(row, kon): n for row, kon, n in cursor.fetchall()}


def median_time(fn, repeat: int) -> tuple[float, object]:
    times, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


class Command(BaseCommand):
    help = "Mäter återrapporteringen mot målen i spec/product.md på den här databasen."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--ar", type=int, help="Året (standard: senaste hela året med data).")
        parser.add_argument("--repeat", type=int, default=9)
        parser.add_argument("--utan-pdf", action="store_true", help="Hoppa över PDF-mätningarna.")

    def handle(self, *args, **options) -> None:
        ar = options["ar"] or self._default_year()
        repeat = options["repeat"]
        n_forbund = Forbund.objects.count()
        n_deltaganden = Deltagande.objects.count()
        self.stdout.write(
            f"Databasen: {n_forbund} förbund, {n_deltaganden} deltaganden. År {ar}, "
            f"median av {repeat} körningar.\n"
        )
        nationell = Omfattning("nationell")

        def json_report():
            return to_json(build(ar=ar, omfattning=nationell, undertryck=False))

        # Interleaved (JSON, SQL) pairs, so that a slow moment of the machine hits both sides.
        json_report()
        by_hand = hand_written_t2(ar)  # warm both up once
        json_times, sql_times = [], []
        for _ in range(repeat):
            json_times.append(median_time(json_report, 1)[0])
            sql_times.append(median_time(lambda: hand_written_t2(ar), 1)[0])
        self._check_t2(ar, by_hand)
        json_time, sql_time = statistics.median(json_times), statistics.median(sql_times)
        ratios = sorted(j / s for j, s in zip(json_times, sql_times, strict=True))
        ratio = statistics.median(ratios)
        self.stdout.write(
            f"JSON, hela landet (T0–T19, T19 över fem år): {json_time * 1000:.0f} ms; handskriven SQL för T2: "
            f"{sql_time * 1000:.0f} ms; kvot (median av {repeat} par) {ratio:.2f}, "
            f"spridning {ratios[0]:.2f}–{ratios[-1]:.2f} (mål: högst 2,0: "
            f"{'uppfyllt' if ratio <= 2 else 'EJ uppfyllt'}). T2 stämmer med den handskrivna SQL:en."
        )

        biggest = (
            Forbund.objects.annotate(n=Count("insatser__deltaganden")).order_by("-n", "pk").first()
        )
        largest_lan = (
            Forbund.objects.values("lan").annotate(n=Count("id")).order_by("-n", "lan").first()
        )
        scopes = [
            (f"ett förbund ({biggest.namn})", Omfattning("forbund", biggest.organisationsnummer)),
            (
                f"ett län ({largest_lan['n']} förbund)",
                Omfattning("lan", largest_lan["lan"]),
            ),
            (f"hela landet ({n_forbund} förbund)", nationell),
        ]
        counts = []
        for label, omfattning in scopes:
            with CaptureQueriesContext(connection) as captured:
                build(ar=ar, omfattning=omfattning, undertryck=True)
            counts.append(len(captured))
            self.stdout.write(f"Frågor, {label}: {len(captured)}")
        same = counts[1] == counts[2] and counts[0] <= counts[2]
        self.stdout.write(
            "Antalet frågor växer inte med antalet förbund: "
            + ("uppfyllt." if same else "EJ uppfyllt.")
            + " (Förbundets rapport har delvis andra tabeller, och insatskatalogen.)"
        )
        self._audit(ar, nationell, repeat)
        if options["utan_pdf"]:
            return
        for label, omfattning, target in (
            (f"PDF, ett förbund ({biggest.namn})", scopes[0][1], 5),
            ("PDF, hela landet", nationell, 60),
        ):
            start = time.perf_counter()
            pdf = render(ar=ar, omfattning=omfattning, undertryck=True, format="pdf")
            elapsed = time.perf_counter() - start
            self.stdout.write(
                f"{label}: {elapsed:.1f} s, {len(pdf) // 1024} kB (mål: under {target} s: "
                f"{'uppfyllt' if elapsed < target else 'EJ uppfyllt'})"
            )

    def _audit(self, ar: int, nationell: Omfattning, repeat: int) -> None:
        n = max(1, repeat // 3)
        report_time, rapport = median_time(
            lambda: build(ar=ar, omfattning=nationell, undertryck=True), n
        )
        v1_time, _ = median_time(
            lambda: build(ar=ar, omfattning=nationell, undertryck=True, relationer=()), n
        )
        audit_time, fynd = median_time(lambda: audit(rapport), n)
        hidden = sum(len(t.undertryckta) for t in rapport.tabeller.values())
        self.stdout.write(
            f"Röjandekontroll, hela landet: granskningen {audit_time * 1000:.0f} ms mot "
            f"rapportens {report_time * 1000:.0f} ms (undertryckt; varav sekundär "
            f"undertryckning ungefär {max(0.0, report_time - v1_time) * 1000:.0f} ms); kvot "
            f"{audit_time / report_time:.2f} (mål: högst 1,0: "
            f"{'uppfyllt' if audit_time <= report_time else 'EJ uppfyllt'}). {hidden} "
            f"undertryckta celler; granskningen fann "
            + ("inget." if not fynd else f"{len(fynd)} som kan räknas fram (FEL).")
        )

    def _default_year(self) -> int:
        latest = Deltagande.objects.order_by("-startdatum").values_list("startdatum", flat=True)
        first = latest.first()
        if first is None:
            raise CommandError(
                "Databasen har inga deltaganden. Kör först `manage.py generate_data`."
            )
        return first.year - 1

    def _check_t2(self, ar: int, by_hand: dict[tuple[str, str], int]) -> None:
        t2 = build(ar=ar, omfattning=Omfattning("nationell"), undertryck=False).tabeller["T2"]
        rows = {r["kod"]: r for r in t2.rader}
        expected = {
            (row, kon): rows[row][column]
            for row in (
                "person_deltaganden",
                "person_individer",
                "anonyma_deltaganden",
                "nyinskrivna_person",
                "nyinskrivna_anonyma",
            )
            for kon, column in (("kvinna", "kvinnor"), ("man", "man"))
        }
        expected[("volym_kvinnor", "kvinna")] = rows["volym"]["kvinnor"]
        expected[("volym_man", "man")] = rows["volym"]["man"]
        expected[("strukturdeltagare", "")] = rows["strukturdeltagare"]["totalt"]
        got = {key: by_hand.get(key, 0) for key in expected}
        if got != expected:
            diff = {k: (got[k], expected[k]) for k in expected if got[k] != expected[k]}
            raise CommandError(f"T2 skiljer sig från den handskrivna SQL:en: {diff}")
