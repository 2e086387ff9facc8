from __future__ import annotations

from django.apps import AppConfig


class ForbundConfig(AppConfig):
    name = "forbund"
    verbose_name = "Förbundsregister och konton"

    def ready(self) -> None:
        from . import importers  # noqa: F401  (registers the `forbund` import kind)
