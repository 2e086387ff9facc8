"""The approved years as a report reads them: a förbund's approved version of a year, and
the key figures T19 takes from its approved earlier years.

Below `tabeller` (whose T19 reads it) and `godkannande` (which approves and reopens).
"""

from __future__ import annotations

from typing import Any

from forbund.models import Arsgodkannande

from .models import Rapportversion
from .rapport import decode

GODKANT = Arsgodkannande.Status.GODKANT


def approved_version(orgnr: str, ar: int) -> Rapportversion | None:
    """The förbund's approved version of the year while the year is approved, else None."""
    return (
        Rapportversion.objects.filter(
            godkannande__forbund__organisationsnummer=orgnr,
            godkannande__ar=ar,
            godkannande__status=GODKANT,
        )
        .select_related("godkannande__forbund")
        .order_by("-version")
        .first()
    )


def approved_t19(orgnr: str, years: range, undertryck: bool) -> dict[str, dict[str, Any]]:
    """For T19 of a förbund's report: each approved year among `years` with its key figures
    as its approved version states them ({"2024": {row code: value}})."""
    versions = (
        Rapportversion.objects.filter(
            godkannande__forbund__organisationsnummer=orgnr,
            godkannande__ar__in=list(years),
            godkannande__status=GODKANT,
        )
        .order_by("godkannande__ar", "version")
        .values_list("godkannande__ar", "tabeller_undertryckta" if undertryck else "tabeller")
    )
    found: dict[str, dict[str, Any]] = {}
    for ar, state in versions:  # the latest version of a year comes last and wins
        t19 = decode(state["tabeller"]["T19"])
        found[str(ar)] = {row["kod"]: row[str(ar)] for row in t19.rader}
    return found
