from __future__ import annotations

from django.http import HttpRequest

from forbund import access
from insatser.access import can_open_insatser, can_write_insatser


def navigation(request: HttpRequest) -> dict[str, object]:
    """The main navigation: each entry shown to whom the access rules let reach it."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": []}
    if access.requires_two_factor(user) and not user.is_verified():
        # Until the second factor is verified (or enrolled) every page but the account's
        # is closed to the user (RequireTwoFactorMiddleware): no menu leads there.
        return {"nav_items": [], "user_roles": set()}
    entries = [
        ("forbund:list", "Förbund", access.can_read_registry),
        ("insatser:start", "Insatser", can_open_insatser),
        ("insatser:ekonomi_start", "Ekonomi", can_write_insatser),
        ("rapporter:index", "Återrapportering", access.can_order_reports),
        ("rapporter:godkannanden", "Godkända år", access.can_order_reports),
        ("konton:list", "Användare", access.can_manage_accounts),
        ("admin:index", "Administration", access.is_administrator),
    ]
    items = [("start", "Start")] + [(url, label) for url, label, may in entries if may(user)]
    return {"nav_items": items, "user_roles": access.roles(user)}
