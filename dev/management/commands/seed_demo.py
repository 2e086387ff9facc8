"""`manage.py seed_demo`: the demo registry, users and insatser (see dev/demo/forbund.py)."""

from __future__ import annotations

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from dev.demo.forbund import DemoError, seed


class Command(BaseCommand):
    help = (
        "Lägger in demodata: de 80 samordningsförbunden i april 2015 med medlemmar och "
        "medlemsbidrag, en demoanvändare per roll och demoinsatser. Kan köras flera gånger."
    )

    def handle(self, *args, **options) -> None:
        if settings.PRODUCTION:
            # The demo accounts' passwords stand in the README: on a production server
            # anyone could sign in with them.
            raise CommandError(
                "seed_demo körs inte i produktion (FINSAM_PRODUCTION=1): demokontonas lösenord "
                "står i README och vem som helst skulle kunna logga in med dem. Skapa den första "
                "administratören med manage.py createsuperuser."
            )
        try:
            seed(stdout=self.stdout)
        except DemoError as error:
            raise CommandError(f"Demodatan kunde inte läsas in: {error}") from error
        self.stdout.write(self.style.SUCCESS("Demodata klar."))
