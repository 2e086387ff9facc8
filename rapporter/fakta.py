# ruff: noqa: S608 -- every SQL text here is built from constants of this module, never input.
"""The report's deltagande facts, kept in PostgreSQL per scope and year.

The tables about deltaganden (T2–T12, T16–T19, the insats catalogue) are counted from one
statement (`tabeller._Fakta`): per year, a few thousand combinations of codes with their
counts. The worker keeps those rows for every förbund, län and the nation and every recent
year (`uppdatering.uppdatera`, every `FINSAM_RAPPORTFAKTA_SEKUNDER`), so a report reads a
handful of stored rows instead of counting the year's deltaganden again; the five years of
T19 cost five reads.

Currency. Every write that changes what a förbund's year counts takes a fresh number from
one sequence for that (förbund, year) in `Faktaversion`. PostgreSQL triggers do it (on
deltaganden, insatser and förbund, `create_sql`), so an import's COPY, a form, a withdrawn
consent and gallring all count, and no new write path can forget it. A deltagande counts
in the years from its start to the year after its end (T12 reads the year before). Stored
facts carry the stamp of the versions of their scope's förbund for the year (`stamp`); a
report uses them only while the stamp still matches and computes the year live otherwise,
and says which (`Rapport.fakta`).

Why per scope and not summed from förbund rows: each förbund has almost as many code
combinations as the nation, so adding 80 förbund's rows reads about as much as counting
the deltaganden; and distinct individer across förbund need a scope's own count anyway.
The cost of a stored report grows with the code combinations, not with the deltaganden.

The tables. With the deltagande facts the worker also stores the year's unsuppressed
tables, built from them by the same builders (`tabeller.lagras`), and the year's figures
for T19; an unsuppressed report whose years are all current reads those and builds nothing
(`tabeller._lagrad`), so its cost is a few reads whatever the size of the data. What else
the tables read (förbund, insatser and their behovsgrupper, ekonomi, medlemskap and
bidrag, volumes, structure participants, uppföljningar, folkmängd) has triggers of its own
that mark the förbund's versions of the years the row is read in (its year or date; an
ekonomirad also the next year, a folkmängd the later years; the förbund, a membership, an
insats and its behovsgrupper the years they are active in, `create_ovrigt_sql`). So a
bokslut, a volume or a follow-up makes the worker recount one or two years of its förbund,
län and the nation, and an insats edit the years of the insats, not twelve.
A suppressed report is built, over the stored deltagande facts; its T19 reads each earlier
year's figures as that year's suppressed report states them, which the worker also stores
(built from the same facts, with the threshold they were suppressed at), so a suppressed
report builds its own year only.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from django.db import connection

from insatser.choices import Balans

from .models import Rapportfakta

if TYPE_CHECKING:
    from .rapport import Omfattning

SEQUENCE = "rapporter_faktaversion_seq"

# Marks the (förbund, year) pairs of the deltaganden in `{source}` (insats_id, startdatum,
# slutdatum): from the start year to the year after the end, at most next year. In key
# order, so that concurrent writers lock the rows in the same order.
_MARK = f"""
INSERT INTO rapporter_faktaversion (forbund_id, ar, version)
SELECT forbund_id, ar, nextval('{SEQUENCE}') FROM (
    SELECT DISTINCT i.forbund_id, y.ar
    FROM ({{source}}) AS d
    JOIN insatser_insats i ON i.id = d.insats_id
    CROSS JOIN LATERAL generate_series(
        extract(year FROM d.startdatum)::int,
        least(COALESCE(extract(year FROM d.slutdatum)::int, 9999) + 1,
              extract(year FROM now())::int + 1)
    ) AS y(ar)
    ORDER BY 1, 2
) s
ON CONFLICT (forbund_id, ar) DO UPDATE SET version = EXCLUDED.version
"""

_COLUMNS = "insats_id, startdatum, slutdatum"
_DELTAGANDE_TRIGGERS = {
    "insert": ("INSERT", "NEW TABLE AS nya", f"SELECT {_COLUMNS} FROM nya"),
    "update": (
        "UPDATE",
        "OLD TABLE AS gamla NEW TABLE AS nya",
        f"SELECT {_COLUMNS} FROM nya UNION ALL SELECT {_COLUMNS} FROM gamla",
    ),
    "delete": ("DELETE", "OLD TABLE AS gamla", f"SELECT {_COLUMNS} FROM gamla"),
}
# What of an insats the deltagande facts read (scope, T16's open rows, which are counted).
_INSATS_FALT = ("forbund_id", "niva", "deltagarregistrering", "slutdatum", "avslutad_datum")


def create_sql() -> str:
    """The sequence, the triggers that mark changes, and the marks of the rows already there."""
    parts = [f"CREATE SEQUENCE IF NOT EXISTS {SEQUENCE};"]
    for name, (event, referencing, source) in _DELTAGANDE_TRIGGERS.items():
        parts.append(
            f"""
CREATE OR REPLACE FUNCTION rapporter_fakta_deltagande_{name}() RETURNS trigger
LANGUAGE plpgsql AS $$ BEGIN {_MARK.format(source=source)}; RETURN NULL; END $$;
CREATE TRIGGER fakta_deltagande_{name} AFTER {event} ON deltagare_deltagande
    REFERENCING {referencing} FOR EACH STATEMENT
    EXECUTE FUNCTION rapporter_fakta_deltagande_{name}();"""
        )
    changed = " OR ".join(f"OLD.{f} IS DISTINCT FROM NEW.{f}" for f in _INSATS_FALT)
    parts.append(
        f"""
CREATE OR REPLACE FUNCTION rapporter_fakta_insats() RETURNS trigger
LANGUAGE plpgsql AS $$ BEGIN
    INSERT INTO rapporter_faktaversion (forbund_id, ar, version)
    SELECT f, y, nextval('{SEQUENCE}') FROM (
        SELECT DISTINCT f, y FROM unnest(ARRAY[OLD.forbund_id, NEW.forbund_id]) AS f
        CROSS JOIN generate_series(
            (SELECT extract(year FROM min(startdatum))::int FROM deltagare_deltagande
             WHERE insats_id = NEW.id),
            extract(year FROM now())::int + 1) AS y
        ORDER BY 1, 2
    ) s
    ON CONFLICT (forbund_id, ar) DO UPDATE SET version = EXCLUDED.version;
    RETURN NULL;
END $$;
CREATE TRIGGER fakta_insats AFTER UPDATE ON insatser_insats FOR EACH ROW
    WHEN ({changed}) EXECUTE FUNCTION rapporter_fakta_insats();

CREATE OR REPLACE FUNCTION rapporter_fakta_forbund() RETURNS trigger
LANGUAGE plpgsql AS $$ BEGIN
    UPDATE rapporter_faktaversion SET version = nextval('{SEQUENCE}') WHERE forbund_id = NEW.id;
    RETURN NULL;
END $$;
CREATE TRIGGER fakta_forbund AFTER UPDATE ON forbund_forbund FOR EACH ROW
    WHEN (OLD.lan IS DISTINCT FROM NEW.lan
          OR OLD.organisationsnummer IS DISTINCT FROM NEW.organisationsnummer)
    EXECUTE FUNCTION rapporter_fakta_forbund();
"""
    )
    parts.append(_MARK.format(source=f"SELECT {_COLUMNS} FROM deltagare_deltagande") + ";")
    return "\n".join(parts)


# What else the report reads of a förbund (the tables beyond the deltagande facts: T0, T1,
# T13–T15, T17, T18, the insats catalogue, the volumes of T2). Table → the (förbund, year)
# pairs a write to the rows of `{rows}` (a transition table) changes: the years the tables
# read the row in. The förbund, its members and its insatser (with their behovsgrupper)
# are read in the years they are active in (`finsam.lib.period.active_in_year_q`: from the
# start's year to the end's, at most next year), and through the rows that refer to them
# (bidrag, ekonomirader, registrations) in those rows' years.
_NASTA_AR = "extract(year FROM now())::int + 1"


def _active_years(start: str, *ends: str) -> str:
    """The years a period is active in, as a set-returning SQL expression: from the start's
    year to the earliest end's (an end on 1 January still touches its year), at most next
    year (the marks of the deltaganden stop there too)."""
    last = " ".join(f"COALESCE(extract(year FROM {e})::int, 9999)," for e in ends)
    return f"generate_series(extract(year FROM {start})::int, least({last} {_NASTA_AR}))"


_YEAR_OF_DATUM = "extract(year FROM x.datum)::int"
_VIA_INSATS = "FROM {rows} x JOIN insatser_insats i ON i.id = x.insats_id"
_INSATS_AR = _active_years("{p}.startdatum", "{p}.slutdatum", "{p}.avslutad_datum")
_OVRIGT: dict[str, str] = {
    # The förbund in the years it is active (T0, T17, T18 list it; its scope's rows
    # follow a change of län or organisationsnummer through `rapporter_fakta_forbund`).
    "forbund_forbund": (
        "SELECT x.id, y.ar FROM {rows} x CROSS JOIN LATERAL "
        + _active_years("x.bildad", "x.upphord")
        + " AS y(ar)"
    ),
    # A membership in its years (T0, T13's kommuner and population), and in the years of
    # its bidrag (T13, T18 read the bidrag by the membership's type and förbund).
    "forbund_medlemskap": (
        "SELECT x.forbund_id, y.ar FROM {rows} x CROSS JOIN LATERAL ("
        f"SELECT {_active_years('x.intrade', 'x.uttrade')} UNION "
        "SELECT b.ar FROM forbund_medlemsbidrag b WHERE b.medlemskap_id = x.id) AS y(ar)"
    ),
    # T13 and the catalogue read the year's bidrag.
    "forbund_medlemsbidrag": (
        "SELECT m.forbund_id, x.ar FROM {rows} x "
        "JOIN forbund_medlemskap m ON m.id = x.medlemskap_id"
    ),
    # An insats in its years (T1, T14, T18, the catalogue), and in the years of what is
    # read through it: its ekonomirader (T13's costs by its nivå), volumes and structure
    # participants (T2, T14 by its förbund, nivå and typ). (Its deltaganden follow what
    # the deltagande facts read of it through `rapporter_fakta_insats`.)
    "insatser_insats": (
        "SELECT x.forbund_id, y.ar FROM {rows} x CROSS JOIN LATERAL ("
        f"SELECT {_INSATS_AR.format(p='x')} "
        "UNION SELECT e.ar FROM insatser_ekonomirad e WHERE e.insats_id = x.id "
        "UNION SELECT extract(year FROM v.datum)::int FROM insatser_volymregistrering v "
        "WHERE v.insats_id = x.id "
        "UNION SELECT extract(year FROM s.datum)::int FROM insatser_strukturdeltagare s "
        "WHERE s.insats_id = x.id) AS y(ar)"
    ),
    # T1 and T18 read an insats's behovsgrupper in the years it is active.
    "insatser_insats_behovsgrupper": (
        "SELECT i.forbund_id, y.ar "
        + _VIA_INSATS
        + f" CROSS JOIN LATERAL {_INSATS_AR.format(p='i')} AS y(ar)"
    ),
    # The years of `ekonomirad_span`: its own, and the next for the eget kapital at the end.
    "insatser_ekonomirad": (
        "SELECT x.forbund_id, y.ar FROM {rows} x CROSS JOIN LATERAL (VALUES (x.ar), "
        f"(CASE WHEN x.rad = '{Balans.EGET_KAPITAL_UB.value}' THEN x.ar + 1 ELSE x.ar END)) "
        "AS y(ar)"
    ),
    # T2, T14, T18 and the catalogue read the registrations dated in the year.
    "insatser_volymregistrering": f"SELECT i.forbund_id, {_YEAR_OF_DATUM} " + _VIA_INSATS,
    "insatser_strukturdeltagare": f"SELECT i.forbund_id, {_YEAR_OF_DATUM} " + _VIA_INSATS,
    # T15 reads the follow-ups dated in the year.
    "deltagare_uppfoljning": (
        f"SELECT i.forbund_id, {_YEAR_OF_DATUM} FROM {{rows}} x "
        "JOIN deltagare_deltagande d ON d.id = x.deltagande_id "
        "JOIN insatser_insats i ON i.id = d.insats_id"
    ),
    # The population of a kommun counts in the förbund it is a member of (every förbund),
    # in its year and the later ones up to the next (T13 reads the latest up to the year).
    "forbund_folkmangd": (
        "SELECT f.id, y.ar FROM forbund_forbund f CROSS JOIN (SELECT DISTINCT generate_series("
        f"x.ar, greatest(x.ar, {_NASTA_AR})) FROM {{rows}} x) AS y(ar)"
    ),
}
_MARK_OVRIGT = f"""
INSERT INTO rapporter_faktaversion (forbund_id, ar, version)
SELECT forbund_id, ar, nextval('{SEQUENCE}') FROM (
    SELECT DISTINCT s.forbund_id, s.ar FROM ({{source}}) AS s(forbund_id, ar)
    WHERE s.forbund_id IS NOT NULL ORDER BY 1, 2
) s
ON CONFLICT (forbund_id, ar) DO UPDATE SET version = EXCLUDED.version
"""
_EVENTS = {
    "insert": ("INSERT", "NEW TABLE AS nya", ("nya",)),
    "update": ("UPDATE", "OLD TABLE AS gamla NEW TABLE AS nya", ("nya", "gamla")),
    "delete": ("DELETE", "OLD TABLE AS gamla", ("gamla",)),
}


def create_ovrigt_sql(
    ovrigt: dict[str, str] | None = None,
    marks: tuple[str, ...] = ("forbund_forbund", "forbund_medlemskap", "insatser_insats"),
) -> str:
    """The triggers that mark a förbund's versions of the years a write to what else the
    report reads changes, and the marks of the rows there (of every förbund, membership and
    insats). `ovrigt` instead of `_OVRIGT` for the triggers of an earlier migration."""
    ovrigt = _OVRIGT if ovrigt is None else ovrigt
    parts = []
    for table, select in ovrigt.items():
        for name, (event, referencing, rows) in _EVENTS.items():
            source = " UNION ALL ".join(select.format(rows=r) for r in rows)
            parts.append(
                f"""
CREATE OR REPLACE FUNCTION rapporter_fakta_{table}_{name}() RETURNS trigger
LANGUAGE plpgsql AS $$ BEGIN {_MARK_OVRIGT.format(source=source)}; RETURN NULL; END $$;
CREATE TRIGGER fakta_ovrigt_{name} AFTER {event} ON {table}
    REFERENCING {referencing} FOR EACH STATEMENT
    EXECUTE FUNCTION rapporter_fakta_{table}_{name}();"""
            )
    for table in marks:
        parts.append(_MARK_OVRIGT.format(source=ovrigt[table].format(rows=table)) + ";")
    return "\n".join(parts)


DROP_OVRIGT_SQL = (
    "".join(
        f"DROP TRIGGER IF EXISTS fakta_ovrigt_{name} ON {table}; "
        f"DROP FUNCTION IF EXISTS rapporter_fakta_{table}_{name}(); "
        for table in _OVRIGT
        for name in _EVENTS
    )
    + "DELETE FROM rapporter_faktaversion WHERE ar = 0;"
)


DROP_SQL = f"""
DROP TRIGGER IF EXISTS fakta_forbund ON forbund_forbund;
DROP FUNCTION IF EXISTS rapporter_fakta_forbund();
DROP TRIGGER IF EXISTS fakta_insats ON insatser_insats;
DROP FUNCTION IF EXISTS rapporter_fakta_insats();
{
    "".join(
        f"DROP TRIGGER IF EXISTS fakta_deltagande_{n} ON deltagare_deltagande; "
        f"DROP FUNCTION IF EXISTS rapporter_fakta_deltagande_{n}(); "
        for n in _DELTAGANDE_TRIGGERS
    )
}
DROP SEQUENCE IF EXISTS {SEQUENCE};
"""

# ---------------------------------------------------------------- stamps

Scope = tuple[str, str]  # (typ, kod): ("forbund", orgnr), ("lan", kod), ("nationell", "")
_VERSIONS_SQL = """
SELECT v.ar, f.organisationsnummer, f.lan, v.forbund_id, v.version
FROM rapporter_faktaversion v JOIN forbund_forbund f ON f.id = v.forbund_id
WHERE (v.ar BETWEEN %s AND %s OR v.ar = 0)
"""


def scope_of(omfattning: Omfattning) -> Scope:
    return omfattning.typ, omfattning.kod or ""


def stamp(layout: str, versions: Iterable[tuple[int, int]]) -> str:
    """The identity of a scope's (förbund, version) pairs and of the rows' layout: any
    write in any of its förbund, a förbund joining or leaving the scope, a new version of
    the statement, changes it."""
    text = layout + ";" + ",".join(f"{f}:{v}" for f, v in sorted(versions))
    return hashlib.md5(text.encode(), usedforsecurity=False).hexdigest()


def stamps(
    years: range, layout: str, omfattning: Omfattning | None = None
) -> dict[tuple[Scope, int], str]:
    """The current stamp of every scope of the förbund with versions in the years (or of
    one scope only). A scope-year without any version has the stamp of no versions."""
    sql = _VERSIONS_SQL
    params: list[int | str | None] = [years[0], years[-1]]
    if omfattning is not None and omfattning.typ != "nationell":
        column = "organisationsnummer" if omfattning.typ == "forbund" else "lan"
        sql += f" AND f.{column} = %s"
        params.append(omfattning.kod)
    per: dict[tuple[Scope, int], list[tuple[int, int]]] = defaultdict(list)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        for ar, orgnr, lan, forbund_id, version in cursor.fetchall():
            # A version of "every year" (ar 0, what the triggers wrote for the förbund, its
            # members and insatser before migration 0008; back if it is reversed) counts in
            # each year, apart from the year's.
            for year in years if ar == 0 else (ar,):
                for scope in (("forbund", orgnr), ("lan", lan), ("nationell", "")):
                    per[(scope, year)].append((-forbund_id if ar == 0 else forbund_id, version))
    return {key: stamp(layout, versions) for key, versions in per.items()}


# ---------------------------------------------------------------- reading and keeping


def lagrade(
    omfattning: Omfattning, years: range, layout: str, *falt: Any
) -> dict[int, tuple[Any, ...]]:
    """The stored, current facts of the scope per year (years without current facts are
    left out): the values of `falt` of their rows (field names or expressions; `rader`,
    the deltagande facts, where none are given; `tabeller`, the year's unsuppressed tables;
    `nyckeltal`, its figures for T19). Two queries."""
    typ, kod = scope_of(omfattning)
    current = stamps(years, layout, omfattning)
    empty = stamp(layout, [])
    out = {}
    for ar, stampel, *values in Rapportfakta.objects.filter(
        omfattning=typ, kod=kod, ar__gte=years[0], ar__lte=years[-1]
    ).values_list("ar", "stampel", *(falt or ("rader",))):
        if stampel == current.get(((typ, kod), ar), empty):
            out[ar] = tuple(values)
    return out
