"""`manage.py seed_demo`: the demo registry, users and insatser (see forbund/demo.py)."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from forbund.demo import DemoError, seed


class Command(BaseCommand):
    help = (
        "Lägger in demodata: de 80 samordningsförbunden i april 2015 med medlemmar och "
        "medlemsbidrag, en demoanvändare per roll och demoinsatser. Kan köras flera gånger."
    )

    def handle(self, *args, **options) -> None:
        try:
            seed(stdout=self.stdout)
        except DemoError as error:
            raise CommandError(f"Demodatan kunde inte läsas in: {error}") from error
        self.stdout.write(self.style.SUCCESS("Demodata klar."))
