from __future__ import annotations

from django.apps import AppConfig


class RapporterConfig(AppConfig):
    name = "rapporter"
    verbose_name = "Rapporter"
