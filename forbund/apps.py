from __future__ import annotations

from django.apps import AppConfig


class ForbundConfig(AppConfig):
    name = "forbund"
    verbose_name = "Förbundsregister och konton"
