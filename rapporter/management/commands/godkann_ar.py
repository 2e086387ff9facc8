"""manage.py godkann_ar --forbund ORGNR --ar Y [--anledning TEXT] — the same code as the
approval page: stores the approved report and locks the year."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from rapporter import godkannande

from ._godkannande import forbund_or_exit, run


class Command(BaseCommand):
    help = "Godkänner ett förbunds år: sparar den godkända rapporten och låser året."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--forbund", required=True, help="Förbundets organisationsnummer.")
        parser.add_argument("--ar", required=True, type=int)
        parser.add_argument(
            "--anledning",
            default="",
            help="Krävs när deltaganden pågår efter insatsens slut.",
        )

    def handle(self, *args, forbund: str, ar: int, anledning: str, **options) -> None:
        found = forbund_or_exit(self, forbund)
        version = run(self, lambda: godkannande.approve(forbund=found, ar=ar, anledning=anledning))
        self.stdout.write(
            f"{found.namn} {ar}: godkänt, version {version.version} "
            f"(SHA-256 JSON {version.sha256_json[:16]}…)."
        )
