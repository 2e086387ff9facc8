from __future__ import annotations

from django.apps import AppConfig


class ForbundConfig(AppConfig):
    name = "forbund"
    verbose_name = "Förbundsregister och konton"

    def ready(self) -> None:
        # Registered on import: the `forbund` import kind, and how an import job is enqueued.
        from . import importers, importjobb  # noqa: F401
