"""manage.py import_data KIND PATH [--dry-run] — the same code as the web upload."""

from __future__ import annotations

import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from finsam.lib.importing import get_kind_or_command_error, import_file


class Command(BaseCommand):
    help = "Importerar en fil (CSV eller XLSX) enligt spec/import.md. Allt eller inget."

    def add_arguments(self, parser) -> None:
        parser.add_argument("kind", help="forbund, insatser, deltaganden, volym, ...")
        parser.add_argument("path", type=Path)
        parser.add_argument("--dry-run", action="store_true", help="Kontrollera utan att spara.")

    def handle(self, *args, kind: str, path: Path, dry_run: bool, **options) -> None:
        get_kind_or_command_error(kind)
        try:
            data = path.read_bytes()
        except OSError as error:
            raise CommandError(f"Filen {path} kan inte läsas: {error.strerror}.") from None
        total = 0

        def progress(done: int, of: int) -> None:
            nonlocal total
            total = of

        result = import_file(kind, data, filename=path.name, dry_run=dry_run, progress=progress)
        if not result.ok:
            for row_error in result.errors:
                self.stderr.write(str(row_error))
            self.stderr.write(result.summary())
            sys.exit(1)
        self.stdout.write(result.summary())
