from __future__ import annotations

from django.http import HttpRequest

from .access import requires_two_factor, roles
from .choices import Roll


def navigation(request: HttpRequest) -> dict[str, object]:
    """The main navigation, by role. Apps add their entries here as they arrive."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": []}
    if requires_two_factor(user) and not user.is_verified():
        # Until the second factor is verified (or enrolled) every page but the account's
        # is closed to the user (RequireTwoFactorMiddleware): no menu leads there.
        return {"nav_items": [], "user_roles": set()}
    user_roles = roles(user)
    items: list[tuple[str, str]] = [("start", "Start")]
    if user_roles & {Roll.ADMINISTRATOR, Roll.NATIONELLA_RADET, Roll.FORBUNDSADMINISTRATOR}:
        items.append(("forbund:list", "Förbund"))
    if user_roles & {Roll.ADMINISTRATOR, Roll.FORBUNDSADMINISTRATOR, Roll.HANDLAGGARE}:
        items.append(("insatser:start", "Insatser"))
    if user_roles & {Roll.ADMINISTRATOR, Roll.FORBUNDSADMINISTRATOR}:
        items.append(("insatser:ekonomi_start", "Ekonomi"))
    if user_roles & {Roll.ADMINISTRATOR, Roll.NATIONELLA_RADET, Roll.FORBUNDSADMINISTRATOR}:
        items.append(("rapporter:index", "Återrapportering"))
        items.append(("rapporter:godkannanden", "Godkända år"))
    if user_roles & {Roll.ADMINISTRATOR, Roll.FORBUNDSADMINISTRATOR}:
        items.append(("konton:list", "Användare"))
    if Roll.ADMINISTRATOR in user_roles:
        items.append(("admin:index", "Administration"))
    return {"nav_items": items, "user_roles": user_roles}
