from __future__ import annotations

from django.apps import AppConfig


class PortalConfig(AppConfig):
    """The start page, the navigation and the health check: the one app that may know
    every other app (forbund ← insatser ← deltagare ← rapporter)."""

    name = "portal"
    verbose_name = "Start och navigering"
