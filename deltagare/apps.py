from __future__ import annotations

from django.apps import AppConfig


class DeltagareConfig(AppConfig):
    name = "deltagare"
    verbose_name = "Deltagare"

    def ready(self) -> None:
        from . import importers  # noqa: F401  (registers `deltaganden` and `uppfoljningar`)
