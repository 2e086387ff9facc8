"""The förbundsadministratör's data-quality panel on the start page (no personal data)."""

from __future__ import annotations

from typing import Any

from django import template
from django.db.models import Count
from django.utils import timezone

from forbund import access
from forbund.choices import Roll
from forbund.models import Forbund

from .. import kvalitet
from ..models import Deltagande, active_in_year_q

register = template.Library()


@register.simple_tag
def kvalitet_forbund(user) -> list[dict]:
    """Per own förbund, per insats with problems: the counts, in one query per förbund set."""
    ids = access.forbund_ids(user, Roll.FORBUNDSADMINISTRATOR)
    if not ids:
        return []
    today = timezone.localdate()
    ar = today.year
    rows = (
        Deltagande.objects.for_user(user, personal=False)
        .filter(insats__forbund__in=ids)
        .order_by()
        .values("insats__forbund", "insats__kod", "insats__namn")
        .annotate(
            **{p.kod: Count("pk", filter=p.q(today)) for p in kvalitet.PROBLEM},
            aktiva_i_ar=Count("pk", filter=active_in_year_q(ar)),
            med_pnr_i_ar=Count("pk", filter=active_in_year_q(ar) & kvalitet.PERSON),
        )
        .order_by("insats__kod")
    )
    forbund = {f.pk: f for f in Forbund.objects.filter(pk__in=ids).order_by("namn")}
    panels: dict[int, dict[str, Any]] = {
        pk: {"forbund": f, "rader": [], "ar": ar, "problem": kvalitet.PROBLEM}
        for pk, f in forbund.items()
    }
    for values in rows:
        # A plain dict: the problem counts are annotated under names known only at runtime.
        row: dict[str, Any] = dict(values)
        row["andel"] = (
            round(100 * row["med_pnr_i_ar"] / row["aktiva_i_ar"]) if row["aktiva_i_ar"] else None
        )
        row["problem"] = [(p, row[p.kod]) for p in kvalitet.PROBLEM]
        panels[row["insats__forbund"]]["rader"].append(row)
    return list(panels.values())
