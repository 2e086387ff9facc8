"""manage.py gallra [--ar N] [--dry-run] — erase personal data past the retention period."""

from __future__ import annotations

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from deltagare.services import gallra


class Command(BaseCommand):
    help = (
        "Gallrar personuppgifter: personer vars senaste deltagande avslutades för mer än N år "
        "sedan görs anonyma (kön och datum behålls). Standard: FINSAM_GALLRING_AR."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--ar", type=int, help="Antal år efter sista avslut.")
        parser.add_argument(
            "--dry-run", action="store_true", help="Visa vad som skulle gallras utan att ändra."
        )

    def handle(self, *args, ar: int | None, dry_run: bool, **options) -> None:
        ar = settings.FINSAM_GALLRING_AR if ar is None else ar
        if ar is None or ar <= 0:
            if ar is not None and ar < 0:
                raise CommandError("--ar måste vara ett positivt antal år.")
            self.stdout.write(
                "Gallring är avstängd (FINSAM_GALLRING_AR=0). Ange --ar för att köra."
            )
            return
        persons = gallra(ar=ar, today=timezone.localdate(), dry_run=dry_run)
        verb = "skulle gallras" if dry_run else "gallrades"
        for person in persons:
            self.stdout.write(f"{person.forbund.namn}: person {person.public_id}")
        self.stdout.write(f"{len(persons)} personer {verb} (äldre än {ar} år efter sista avslut).")
