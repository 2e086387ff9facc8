from __future__ import annotations

from django.apps import AppConfig


class InsatserConfig(AppConfig):
    name = "insatser"
    verbose_name = "Insatser"
