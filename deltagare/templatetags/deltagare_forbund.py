"""The förbundsadministratör's data-quality panel on the start page (no personal data)."""

from __future__ import annotations

from typing import Any

from django import template
from django.template.defaultfilters import urlencode
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import localize
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

from forbund import access
from forbund.choices import Roll
from forbund.models import Forbund

from .. import kvalitet
from ..models import Deltagande

register = template.Library()


@register.simple_tag
def kvalitet_forbund(user) -> list[dict]:
    """Per own förbund, per insats with problems: the counts (kvalitet.per_insats)."""
    ids = access.forbund_ids(user, Roll.FORBUNDSADMINISTRATOR)
    if not ids:
        return []
    today = timezone.localdate()
    ar = today.year
    insatser = Deltagande.objects.insatser_for_user(user, personal=False)
    rows = kvalitet.per_insats(insatser, ids, today=today)
    forbund = {f.pk: f for f in Forbund.objects.filter(pk__in=ids).order_by("namn")}
    panels: dict[int, dict[str, Any]] = {
        pk: {
            "forbund": f,
            "rader": [],
            "ar": ar,
            "problem": kvalitet.PROBLEM,
            "lista": reverse("deltagare_forbund:list", args=[f.organisationsnummer]),
        }
        for pk, f in forbund.items()
    }
    for values in rows:
        # A plain dict: the problem counts are annotated under names known only at runtime.
        row: dict[str, Any] = dict(values)
        row["andel"] = (
            round(100 * row["med_pnr_i_ar"] / row["aktiva_i_ar"]) if row["aktiva_i_ar"] else None
        )
        row["problem"] = [(p, row[p.kod]) for p in kvalitet.PROBLEM]
        panel = panels[row["insats__forbund"]]
        row["celler"] = _celler(panel["lista"], row["insats__kod"], row["problem"])
        panel["rader"].append(row)
    return list(panels.values())


def _celler(lista: str, kod: str, problem: list[tuple[kvalitet.Problem, int]]) -> SafeString:
    """A row's count cells, each linking to the pseudonymised list filtered to its insats and
    problem. Built here rather than in the template: a förbund's panel has a row per insats
    and a cell per problem, and rendering them with template tags cost more than the query."""
    cells = [
        format_html(
            '<td class="numeric"><a href="{}?insats={}&amp;status={}">{}'
            '<span class="visually-hidden"> – {} i {}</span></a></td>',
            lista,
            urlencode(kod),
            p.kod,
            localize(antal),
            p.label.lower(),
            kod,
        )
        if antal
        else _NOLL
        for p, antal in problem
    ]
    return mark_safe("".join(cells))  # noqa: S308 (each cell escaped by format_html)


_NOLL = mark_safe('<td class="numeric">0</td>')
