from __future__ import annotations

from django.contrib.admin.apps import AdminConfig


class FinsamAdminConfig(AdminConfig):
    """django.contrib.admin with Finsam's site (Django's way to replace the default site)."""

    default_site = "finsam.admin.FinsamAdminSite"
