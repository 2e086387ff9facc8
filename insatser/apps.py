from __future__ import annotations

from django.apps import AppConfig


class InsatserConfig(AppConfig):
    name = "insatser"
    verbose_name = "Insatser"

    def ready(self) -> None:
        from . import importers  # noqa: F401  (registers the insatser, volym, ... import kinds)
