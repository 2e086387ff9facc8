"""`manage.py generate_data`: a synthetic data set at national scale (see dev/generate.py)."""

from __future__ import annotations

import re
import time

from django.core.management.base import BaseCommand, CommandError

from dev.generate import GenerateError, generate


def year_range(value: str) -> tuple[int, int]:
    match = re.fullmatch(r"(\d{4})(?:-(\d{4}))?", value.strip())
    if not match:
        raise CommandError(f"Ange år som ÅÅÅÅ eller ÅÅÅÅ-ÅÅÅÅ, inte '{value}'.")
    start = int(match.group(1))
    return start, int(match.group(2) or start)


class Command(BaseCommand):
    help = (
        "Genererar syntetiska förbund med insatser, ekonomi, antal och deltaganden "
        "(deterministiskt för ett givet --seed). Rör bara genererade förbund "
        "(organisationsnummer som börjar med 992)."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--forbund", type=int, default=80)
        parser.add_argument("--ar", default="2016-2025", help="ÅÅÅÅ-ÅÅÅÅ (standard 2016-2025).")
        parser.add_argument("--deltaganden-per-ar", type=int, default=40_000)
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument(
            "--replace", action="store_true", help="Ersätt tidigare genererade förbund."
        )

    def handle(self, *args, **options) -> None:
        ar_fran, ar_till = year_range(options["ar"])
        started = time.perf_counter()
        try:
            counts = generate(
                forbund=options["forbund"],
                ar_fran=ar_fran,
                ar_till=ar_till,
                per_ar=options["deltaganden_per_ar"],
                seed=options["seed"],
                replace_existing=options["replace"],
                progress=lambda message: self.stdout.write(f"  {message}"),
            )
        except GenerateError as error:
            raise CommandError(str(error)) from error
        elapsed = time.perf_counter() - started
        self.stdout.write(
            self.style.SUCCESS(
                f"Klart på {elapsed:.0f} s: {counts.forbund} förbund, {counts.insatser} insatser, "
                f"{counts.deltaganden} deltaganden ({counts.personer} personer), "
                f"{counts.uppfoljningar} uppföljningar, {counts.ekonomirader} ekonomirader, "
                f"{counts.antal} antalsregistreringar."
            )
        )
