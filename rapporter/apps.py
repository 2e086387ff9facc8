from __future__ import annotations

from django.apps import AppConfig


class RapporterConfig(AppConfig):
    name = "rapporter"
    verbose_name = "Rapporter"

    def ready(self) -> None:
        from . import services  # noqa: F401  (registers how a report job is enqueued)
