from __future__ import annotations

from django import template

from .. import services
from ..models import Insats

register = template.Library()


@register.filter
def procent(andel: float | None) -> str:
    return "–" if andel is None else services.procent(andel)


@register.simple_tag
def mina_insatser(user):
    """The insatser the user is assigned to as handläggare (for the start page, which
    lives in forbund and may not import this app)."""
    return (
        Insats.objects.for_user(user)
        .assigned_to(user)
        .with_status()
        .select_related("forbund")
        .order_by("forbund__namn", "kod")
    )
