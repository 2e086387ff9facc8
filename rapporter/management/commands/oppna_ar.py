"""manage.py oppna_ar --forbund ORGNR --ar Y --anledning TEXT — the same code as the
approval page's reopening."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from rapporter import godkannande

from ._godkannande import forbund_or_exit, run


class Command(BaseCommand):
    help = "Öppnar ett godkänt år igen för ändringar; anledningen sparas."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--forbund", required=True, help="Förbundets organisationsnummer.")
        parser.add_argument("--ar", required=True, type=int)
        parser.add_argument("--anledning", required=True)

    def handle(self, *args, forbund: str, ar: int, anledning: str, **options) -> None:
        found = forbund_or_exit(self, forbund)
        g = run(self, lambda: godkannande.reopen(forbund=found, ar=ar, anledning=anledning))
        self.stdout.write(f"{found.namn} {ar}: återöppnat (senast godkänd version {g.version}).")
