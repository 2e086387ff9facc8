"""manage.py aterrapportering --ar Y [--forbund ORGNR | --lan KOD] [--format json|pdf|xlsx]
[--undertryck] [--out PATH] — the same computation as the web reports."""

from __future__ import annotations

import sys
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from forbund.choices import Lan
from forbund.models import Forbund
from forbund.validators import normalize_organisationsnummer
from rapporter.rapport import Omfattning
from rapporter.services import render


class Command(BaseCommand):
    help = "Tar fram återrapporteringen för ett år: ett förbund, ett län eller hela landet."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--ar", type=int, required=True)
        scope = parser.add_mutually_exclusive_group()
        scope.add_argument("--forbund", metavar="ORGNR")
        scope.add_argument("--lan", metavar="KOD")
        parser.add_argument("--format", choices=["json", "pdf", "xlsx"], default="json")
        parser.add_argument("--undertryck", action="store_true", help="Undertryck små tal.")
        parser.add_argument("--out", type=Path)

    def handle(self, *args, ar, forbund, lan, format, undertryck, out, **options) -> None:
        if not 2004 <= ar <= 2100:
            raise CommandError("Ange ett år mellan 2004 och 2100.")
        if forbund:
            try:
                orgnr = normalize_organisationsnummer(forbund)
            except ValidationError as error:
                raise CommandError(error.messages[0]) from None
            if not Forbund.objects.filter(organisationsnummer=orgnr).exists():
                raise CommandError(f"Inget förbund med organisationsnummer {forbund}.")
            omfattning = Omfattning("forbund", orgnr)
        elif lan:
            kod = lan.zfill(2)
            if kod not in Lan.values:
                raise CommandError(f"Okänd länskod {lan}. Ange 01–25.")
            omfattning = Omfattning("lan", kod)
        else:
            omfattning = Omfattning("nationell")
        data = render(ar=ar, omfattning=omfattning, undertryck=undertryck, format=format)
        if out:
            out.write_bytes(data)
            self.stderr.write(f"Skrev {out}.")
        elif format == "json":
            self.stdout.write(data.decode("utf-8"))
        else:
            sys.stdout.buffer.write(data)
