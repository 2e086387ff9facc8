"""manage.py halsa [--del beat|worker ...]: the checks of /halsa/, for container health checks."""

from __future__ import annotations

import json

from django.core.management.base import BaseCommand, CommandError

from finsam.lib import health


class Command(BaseCommand):
    help = (
        "Visar om PostgreSQL och Redis svarar och om Celery beat och en worker lever "
        "(samma svar som /halsa/). Avslutar med kod 1 om någon av de kontrollerade delarna fallerar."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--del",
            dest="delar",
            action="append",
            choices=["beat", "worker"],
            default=[],
            help="Kräv också hjärtslag från beat eller en worker (kan anges flera gånger).",
        )

    def handle(self, *args, delar: list[str], **options) -> None:
        result = health.checks()
        self.stdout.write(json.dumps(result, ensure_ascii=False))
        failing = [p for p in (*health.OWN, *delar) if result[p] != "ok"]
        if failing:
            raise CommandError(f"Fungerar inte: {', '.join(failing)}.")
