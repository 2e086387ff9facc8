"""Template helpers of the handläggare's pages and the work list on the start page (which
lives in forbund and may not import this app)."""

from __future__ import annotations

from django import template
from django.utils import timezone

from deltagare.access import can_see_personal_data

from .. import kvalitet
from ..choices import Forsorjning, Sysselsattning
from ..models import Deltagande

register = template.Library()

_KODLISTOR = {"forsorjning": Forsorjning, "sysselsattning": Sysselsattning}


@register.filter
def kodetikett(code: str, kind: str) -> str:
    """The label of a code of the försörjning or sysselsättning list."""
    choices = _KODLISTOR.get(kind)
    if choices is None or code not in choices.values:
        return code
    return choices(code).label


@register.simple_tag
def arbetslista_handlaggare(user) -> kvalitet.Arbetslista | None:
    """What the handläggare has to fix in their insatser, or None for other users."""
    if not can_see_personal_data(user):
        return None
    insatser = Deltagande.objects.insatser_for_user(user, personal=True)
    return kvalitet.arbetslista(insatser, today=timezone.localdate())
