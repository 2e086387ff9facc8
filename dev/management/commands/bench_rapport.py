"""`manage.py bench_rapport`: the report targets of spec/product.md, measured on this database.

Run it on the national-scale data set (`manage.py generate_data`). Prints:
- the national JSON report for one year (with T19) against hand-written SQL that computes
  the same T2 table directly over the same rows (median of `--repeat` runs; target: within
  2×), checking that both give the same T2 numbers, and against a plain count(*) of the
  year's deltaganden (target: within 3×); on the worker's stored facts (rapporter/fakta.py,
  brought up to date first) and counted live;
- one förbund's JSON report against a count(*) of its own deltaganden of the year (3×);
  these JSON reports are unsuppressed (on stored facts they read the worker's stored
  tables); the suppressed national report's time is printed beside them, without target;
- the number of queries of the report for one förbund, a län and the nation (it must not
  grow with the number of förbund or insatser);
- the disclosure audit of the suppressed national report (every suppressed cell's interval
  by linear programming, as the worker runs it before delivery) against the report's own
  time (target: the audit adds no more than the report takes);
- the PDF time for the largest förbund (target under 2.5 s) and for the nation (target
  under 8 s), as a job in the worker takes it: the tables and the PDF, with WeasyPrint and
  matplotlib imported beforehand as the worker does when it starts (rapporter.pdf.warm_up);
  the median of `--pdf-repeat` jobs, with the fastest and slowest (`--bara-pdf`: only these).
"""

from __future__ import annotations

import json
import statistics
import time
from collections.abc import Callable

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, reset_queries
from django.db.models import Count
from django.test.utils import CaptureQueriesContext

from deltagare.models import Deltagande
from forbund.models import Forbund
from rapporter.disclosure import audit
from rapporter.pdf import warm_up
from rapporter.renderers import to_json
from rapporter.services import render
from rapporter.tabeller import RELATIONER, T19_AR, Omfattning, build
from rapporter.uppdatering import uppdatera

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


COUNT_SQL = """
SELECT count(*) FROM deltagare_deltagande d {join}
WHERE d.startdatum <= %(last)s AND (d.slutdatum IS NULL OR d.slutdatum >= %(first)s) {where}
"""


def plain_count(ar: int, forbund_id: int | None = None) -> int:
    """count(*) of the deltaganden active in the year (of one förbund): the floor."""
    join, where = "", ""
    if forbund_id is not None:
        join = "JOIN insatser_insats i ON i.id = d.insats_id"
        where = "AND i.forbund_id = %(forbund)s"
    with connection.cursor() as cursor:
        cursor.execute(
            COUNT_SQL.format(join=join, where=where),
            {"first": f"{ar}-01-01", "last": f"{ar}-12-31", "forbund": forbund_id},
        )
        return cursor.fetchone()[0]


def paired(a, b, repeat: int) -> tuple[float, float, list[float]]:
    """Interleaved (a, b) runs, so that a slow moment of the machine hits both sides:
    the medians and the sorted ratios a/b."""
    a(), b()  # warm both up once
    a_times, b_times = [], []
    for _ in range(repeat):
        a_times.append(median_time(a, 1)[0])
        b_times.append(median_time(b, 1)[0])
    ratios = sorted(x / y for x, y in zip(a_times, b_times, strict=True))
    return statistics.median(a_times), statistics.median(b_times), ratios


def hand_written_t2(ar: int) -> dict[tuple[str, str], int]:
    with connection.cursor() as cursor:
        cursor.execute(T2_SQL, {"first": f"{ar}-01-01", "last": f"{ar}-12-31"})
        return {(row, kon): n for row, kon, n in cursor.fetchall()}


def median_time[T](fn: Callable[[], T], repeat: int) -> tuple[float, T]:
    """The median time of `repeat` runs (at least one) and the last run's result."""
    times: list[float] = []
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
        parser.add_argument("--bara-pdf", action="store_true", help="Bara PDF-mätningarna.")
        parser.add_argument(
            "--pdf-repeat", type=int, default=5, help="PDF-jobb per omfattning (median)."
        )
        parser.add_argument(
            "--skala",
            action="store_true",
            help="Bara hela landets JSON mot count(*), som en rad JSON (för bench_skala).",
        )

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
        started = time.perf_counter()
        if options["skala"]:  # the nation's facts only: the report measured reads no others
            uppdatera(range(ar - T19_AR + 1, ar + 1), nationell)
            self._skala(ar, n_deltaganden, time.perf_counter() - started, repeat)
            return
        counted = uppdatera(range(ar - T19_AR + 1, ar + 1))
        biggest = (
            Forbund.objects.annotate(n=Count("insatser__deltaganden")).order_by("-n", "pk").first()
        )
        if biggest is None:
            raise CommandError("Databasen har inga förbund. Kör först `manage.py generate_data`.")
        if options["bara_pdf"]:
            self._pdf(ar, biggest, nationell, options["pdf_repeat"])
            return
        self.stdout.write(
            f"Lagrade fakta uppdaterade (som arbetaren gör): {counted} omfattningar och år "
            f"räknade på {time.perf_counter() - started:.1f} s.\n"
        )
        by_hand = hand_written_t2(ar)
        self._check_t2(ar, by_hand)
        self.stdout.write("T2 stämmer med den handskrivna SQL:en.")
        largest_lan = (
            Forbund.objects.values("lan").annotate(n=Count("id")).order_by("-n", "lan").first()
        )
        if largest_lan is None:  # cannot happen once `biggest` exists; mypy needs the check
            raise CommandError("Databasen har inga förbund. Kör först `manage.py generate_data`.")
        for lagrade in (True, False):
            settings.FINSAM_RAPPORTFAKTA = lagrade
            self._measure(ar, nationell, biggest, repeat)
        settings.FINSAM_RAPPORTFAKTA = True
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
            # (With DEBUG every query is logged; a full log of 9 000 would count none.)
            reset_queries()
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
        if not options["utan_pdf"]:
            self._pdf(ar, biggest, nationell, options["pdf_repeat"])

    def _pdf(self, ar: int, biggest: Forbund, nationell: Omfattning, repeat: int) -> None:
        # As in the worker, which imports WeasyPrint and matplotlib when it starts: each
        # time is one job's work, the year's tables and the PDF.
        warm_up()
        forbund = Omfattning("forbund", biggest.organisationsnummer)
        for label, omfattning, target in (
            (f"PDF, ett förbund ({biggest.namn})", forbund, 2.5),
            ("PDF, hela landet", nationell, 8),
        ):
            times = []
            for _ in range(max(repeat, 1)):
                start = time.perf_counter()
                pdf = render(ar=ar, omfattning=omfattning, undertryck=True, format="pdf")
                times.append(time.perf_counter() - start)
            median = statistics.median(times)
            self.stdout.write(
                f"{label}, i workern: {median:.1f} s (median av {len(times)}; "
                f"{min(times):.1f}–{max(times):.1f} s), {len(pdf) // 1024} kB "
                f"(mål: under {target} s: {'uppfyllt' if median < target else 'EJ uppfyllt'})"
            )

    def _skala(self, ar: int, n_deltaganden: int, uppdatera_s: float, repeat: int) -> None:
        settings.FINSAM_RAPPORTFAKTA = True

        def json_report() -> None:
            to_json(build(ar=ar, omfattning=Omfattning("nationell"), undertryck=False))

        json_time, count_time, _ = paired(json_report, lambda: plain_count(ar), repeat)
        result = {
            "ar": ar,
            "deltaganden": n_deltaganden,
            "json_ms": json_time * 1000,
            "count_ms": count_time * 1000,
            "uppdatera_s": uppdatera_s,
        }
        self.stdout.write(json.dumps(result))

    def _measure(self, ar: int, nationell: Omfattning, biggest: Forbund, repeat: int) -> None:
        kalla = {}

        def json_report(omfattning: Omfattning = nationell) -> None:
            rapport = build(ar=ar, omfattning=omfattning, undertryck=False)
            kalla.update(rapport.fakta)
            to_json(rapport)

        vag = "lagrade fakta" if settings.FINSAM_RAPPORTFAKTA else "räknat direkt"
        self.stdout.write(f"\n{vag.capitalize()} (JSON utan undertryckning):")
        json_time, sql_time, ratios = paired(json_report, lambda: hand_written_t2(ar), repeat)
        kallor = ", ".join(f"{y}: {k}" for y, k in sorted(kalla.items()))
        self.stdout.write(
            f"  JSON, hela landet (T0–T19, T19 över fem år; fakta {kallor}): "
            f"{json_time * 1000:.0f} ms; handskriven SQL för T2: {sql_time * 1000:.0f} ms; "
            f"kvot (median av {repeat} par) {statistics.median(ratios):.2f}, spridning "
            f"{ratios[0]:.2f}–{ratios[-1]:.2f} (mål: högst 2,0: "
            f"{'uppfyllt' if statistics.median(ratios) <= 2 else 'EJ uppfyllt'})."
        )
        json_time, count_time, ratios = paired(json_report, lambda: plain_count(ar), repeat)
        self.stdout.write(
            f"  JSON, hela landet: {json_time * 1000:.0f} ms; count(*) av årets deltaganden: "
            f"{count_time * 1000:.0f} ms; kvot {statistics.median(ratios):.2f}, spridning "
            f"{ratios[0]:.2f}–{ratios[-1]:.2f} (mål: högst 3,0: "
            f"{'uppfyllt' if statistics.median(ratios) <= 3 else 'EJ uppfyllt'})."
        )
        omfattning = Omfattning("forbund", biggest.organisationsnummer)
        json_time, count_time, ratios = paired(
            lambda: json_report(omfattning), lambda: plain_count(ar, biggest.pk), repeat
        )
        self.stdout.write(
            f"  JSON, ett förbund ({biggest.namn}): {json_time * 1000:.0f} ms; count(*) av "
            f"förbundets deltaganden: {count_time * 1000:.1f} ms; kvot "
            f"{statistics.median(ratios):.1f} (mål: högst 3,0: "
            f"{'uppfyllt' if statistics.median(ratios) <= 3 else 'EJ uppfyllt'})."
        )
        # The suppressed report (Nationella rådet's) runs the disclosure control over every
        # year of T19: its time, against the same count(*); no target.
        n = max(1, repeat // 3)
        suppressed_time, _ = median_time(
            lambda: to_json(build(ar=ar, omfattning=nationell, undertryck=True)), n
        )
        self.stdout.write(
            f"  JSON undertryckt (röjandekontroll), hela landet: {suppressed_time * 1000:.0f} ms; "
            f"kvot mot count(*) {suppressed_time / count_time:.1f} (median av {n}; inget mål)."
        )

    def _audit(self, ar: int, nationell: Omfattning, repeat: int) -> None:
        n = max(1, repeat // 3)
        report_time, rapport = median_time(
            lambda: build(ar=ar, omfattning=nationell, undertryck=True), n
        )
        v1_time, _ = median_time(
            lambda: build(ar=ar, omfattning=nationell, undertryck=True, relationer=()), n
        )
        audit_time, fynd = median_time(lambda: audit(rapport, RELATIONER), n)
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
