"""manage.py export_data KIND [--forbund ORGNR] [--format csv|xlsx] [--out PATH]."""

from __future__ import annotations

import sys
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from finsam.lib.importing import export_file, get_kind_or_command_error
from forbund.models import Forbund
from forbund.validators import normalize_organisationsnummer


class Command(BaseCommand):
    help = "Exporterar i importformatet (spec/import.md), så att filen kan importeras tillbaka."

    def add_arguments(self, parser) -> None:
        parser.add_argument("kind")
        parser.add_argument("--forbund", metavar="ORGNR", help="Bara detta förbund.")
        parser.add_argument("--format", choices=["csv", "xlsx"], default="csv")
        parser.add_argument("--out", type=Path, help="Fil att skriva till (standard: stdout).")

    def handle(
        self, *args, kind: str, forbund: str | None, format: str, out: Path | None, **options
    ):
        get_kind_or_command_error(kind)
        selected = None
        if forbund:
            try:
                selected = Forbund.objects.get(
                    organisationsnummer=normalize_organisationsnummer(forbund)
                )
            except (ValidationError, Forbund.DoesNotExist):
                raise CommandError(f"Inget förbund med organisationsnummer {forbund}.") from None
        data = export_file(kind, format=format, forbund=selected)
        if out:
            out.write_bytes(data)
            self.stderr.write(f"Skrev {out}.")
        elif format == "csv":
            self.stdout.write(data.decode("utf-8"), ending="")
        else:
            sys.stdout.buffer.write(data)
