"""manage.py export_data KIND [--forbund ORGNR] [--format csv|xlsx] [--out PATH] [--anledning TEXT].

Kinds with personnummer (deltaganden, uppfoljningar) need `--anledning`: every person in
the file is logged in the access log with the server user who ran the command and the reason.
"""

from __future__ import annotations

import getpass
import os
import sys
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from finsam.lib.importing import CommandReader, export_file, get_kind_or_command_error
from forbund.models import Forbund
from forbund.validators import normalize_organisationsnummer


class Command(BaseCommand):
    help = "Exporterar i importformatet (spec/import.md), så att filen kan importeras tillbaka."

    def add_arguments(self, parser) -> None:
        parser.add_argument("kind")
        parser.add_argument("--forbund", metavar="ORGNR", help="Bara detta förbund.")
        parser.add_argument("--format", choices=["csv", "xlsx"], default="csv")
        parser.add_argument("--out", type=Path, help="Fil att skriva till (standard: stdout).")
        parser.add_argument(
            "--anledning",
            default="",
            help="Varför personuppgifterna tas ut (krävs för deltaganden och uppfoljningar; "
            "loggas i åtkomstloggen för varje person i filen).",
        )

    def handle(
        self,
        *args,
        kind: str,
        forbund: str | None,
        format: str,
        out: Path | None,
        anledning: str,
        **options,
    ):
        reader = None
        if get_kind_or_command_error(kind).personal_data:
            if not anledning.strip():
                raise CommandError(
                    f"Exporten av {kind} innehåller personnummer. Ange varför med "
                    '--anledning "…"; varje person i filen loggas i åtkomstloggen med '
                    "anledningen och din användare på servern."
                )
            command = " ".join(
                ["manage.py export_data", kind, *(["--forbund", forbund] if forbund else [])]
            )
            reader = CommandReader(
                os_anvandare=_os_user(), anledning=anledning.strip(), sida=command
            )
        selected = None
        if forbund:
            try:
                selected = Forbund.objects.get(
                    organisationsnummer=normalize_organisationsnummer(forbund)
                )
            except (ValidationError, Forbund.DoesNotExist):
                raise CommandError(f"Inget förbund med organisationsnummer {forbund}.") from None
        data = export_file(kind, format=format, forbund=selected, reader=reader)
        if out:
            out.write_bytes(data)
            self.stderr.write(f"Skrev {out}.")
        elif format == "csv":
            self.stdout.write(data.decode("utf-8"), ending="")
        else:
            sys.stdout.buffer.write(data)


def _os_user() -> str:
    """The person at the keyboard: through sudo, the one who ran sudo."""
    try:
        return os.environ.get("SUDO_USER") or getpass.getuser()
    except OSError:  # no user name for this uid (a bare container)
        return f"uid {os.getuid()}"
