"""The worker's keeping of the report's stored facts (rapporter/fakta.py tells what they
are and how a report knows they are current): every `FINSAM_RAPPORTFAKTA_SEKUNDER` it
recounts the scope-years whose stamp has changed (`uppdatera_om_andrat`).

Above `tabeller`, whose builders it runs; `fakta`, which `tabeller` reads, stays below.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from forbund.choices import Lan
from forbund.models import Forbund

from . import fakta
from .fakta import Scope
from .models import Rapportfakta
from .rapport import Omfattning
from .tabeller import FAKTA_LAYOUT, lagras


def all_scopes() -> set[Scope]:
    scopes: set[Scope] = {("nationell", ""), *(("lan", kod) for kod in Lan.values)}
    for orgnr, lan in Forbund.objects.values_list("organisationsnummer", "lan"):
        scopes |= {("forbund", orgnr), ("lan", lan)}
    return scopes


def fakta_ar(today: Any = None) -> range:
    """The years the worker keeps facts for: this year and the ones before it."""
    year = (today or timezone.localdate()).year
    return range(year - settings.FINSAM_RAPPORTFAKTA_AR + 1, year + 1)


def uppdatera(years: range | None = None, omfattning: Omfattning | None = None) -> int:
    """Brings the stored facts of every scope (or of `omfattning` only) and year of `years`
    (default `fakta_ar()`) up to date and returns how many scope-years it counted. Each
    year in one transaction that reads the versions and counts in the same snapshot, so facts are never stamped
    with a version they do not include; a second run at the same time skips the year."""
    return _uppdatera(years, omfattning)[0]


def _uppdatera(years: range | None, omfattning: Omfattning | None) -> tuple[int, bool]:
    """`uppdatera`, and whether it went through every year (none skipped for another run)."""
    empty = fakta.stamp(FAKTA_LAYOUT, [])
    counted, complete = 0, True
    for ar in years or fakta_ar():
        outermost = not connection.in_atomic_block
        with transaction.atomic(), connection.cursor() as cursor:
            if outermost:  # (inside a test's transaction the snapshot is already its own)
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
            cursor.execute("SELECT pg_try_advisory_xact_lock(%s, %s)", [7315, ar])
            if not cursor.fetchone()[0]:
                complete = False
                continue
            current = {
                scope: s for (scope, _), s in fakta.stamps(range(ar, ar + 1), FAKTA_LAYOUT).items()
            }
            stored = {
                (typ, kod): s
                for typ, kod, s in Rapportfakta.objects.filter(ar=ar).values_list(
                    "omfattning", "kod", "stampel"
                )
            }
            for scope in stored.keys() - all_scopes():  # a förbund removed, a län emptied
                Rapportfakta.objects.filter(omfattning=scope[0], kod=scope[1], ar=ar).delete()
            # Every scope, also one without data in the year (its facts are the empty rows,
            # the same for every such scope of the year: built once).
            utan_data: dict[str, Any] | None = None
            scopes = all_scopes() if omfattning is None else {fakta.scope_of(omfattning)}
            for scope in sorted(scopes):
                stamp = current.get(scope, empty)
                if stored.get(scope) == stamp:
                    continue
                typ, kod = scope
                if stamp != empty or utan_data is None:
                    values = lagras(ar, Omfattning(typ, kod or None))
                    if stamp == empty and typ != "forbund":  # (a förbund has its catalogue)
                        utan_data = values
                else:
                    values = utan_data
                Rapportfakta.objects.update_or_create(
                    omfattning=typ, kod=kod, ar=ar, defaults={"stampel": stamp, **values}
                )
                counted += 1
    return counted, complete


# What the worker's last complete run saw, per process (`uppdatera_om_andrat`).
_SEDD: dict[str, Any] = {}
# Everything the stamps and the scopes are made of, and the stored facts there are: the
# versions of existing förbund (a version only grows; a förbund removed drops its rows),
# each förbund's scopes, and the stored rows (ids are never reused).
_AVTRYCK_SQL = """
SELECT (SELECT count(*) || ':' || COALESCE(sum(v.version), 0) FROM rapporter_faktaversion v
        JOIN forbund_forbund f ON f.id = v.forbund_id),
       (SELECT md5(string_agg(id || ':' || organisationsnummer || ':' || lan, ',' ORDER BY id))
        FROM forbund_forbund),
       (SELECT count(*) || ':' || COALESCE(sum(id), 0) FROM rapporter_rapportfakta)
"""


def _avtryck() -> tuple[Any, ...]:
    with connection.cursor() as cursor:
        cursor.execute(_AVTRYCK_SQL)
        versioner, omfattningar, lagrade = cursor.fetchone()
    return versioner, omfattningar, lagrade, FAKTA_LAYOUT, fakta_ar()


def uppdatera_om_andrat() -> int | None:
    """The worker's run (`tasks.uppdatera_fakta`, every `FINSAM_RAPPORTFAKTA_SEKUNDER`):
    `uppdatera` unless nothing it reads has changed since this process's last complete
    run, so that polling often costs one query while nobody writes. One run at a time:
    while another process's run is under way this one returns None and leaves the writes
    to the next, so a burst of writes is counted by one run after it, not by one run per
    write. Returns how many scope-years were counted."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s, %s)", [7315, 0])
        if not cursor.fetchone()[0]:
            return None
        try:
            fore = _avtryck()
            if _SEDD.get("avtryck") == fore:
                return 0
            counted, complete = _uppdatera(None, None)
            efter = _avtryck()
            # Nothing written meanwhile (the stored rows are this run's): what it saw holds.
            if complete and efter[:2] == fore[:2] and efter[3:] == fore[3:]:
                _SEDD["avtryck"] = efter
            return counted
        finally:
            cursor.execute("SELECT pg_advisory_unlock(%s, %s)", [7315, 0])
