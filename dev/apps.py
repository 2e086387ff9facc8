from __future__ import annotations

from django.apps import AppConfig


class DevConfig(AppConfig):
    """Demo data, the generated national data set, the benchmarks and the load test:
    tools for development, not installed in production (FINSAM_PRODUCTION=1)."""

    name = "dev"
    verbose_name = "Utvecklingsverktyg"
