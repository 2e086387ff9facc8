"""Data quality at the point of work (spec/product.md, capability 4).

What is missing in a set of deltaganden: follow-ups that are due or overdue, deltaganden
still open after their insats ended, avslutade without outcome, incomplete start profiles,
and the share registered with personal data. Every function takes an already scoped
queryset (`Deltagande.objects.for_user(...)`), so the handläggare's start page and the
förbundsadministratör's use the same rules, each on what the user may see. The counts
come from one aggregate query and the items from one query per kind, whatever the data
size. Nothing here reads or returns personal data.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db.models import (
    BooleanField,
    Count,
    ExpressionWrapper,
    F,
    Q,
    QuerySet,
    Value,
)

from finsam.lib import prepared
from forbund.models import Forbund
from insatser.models import Insats

from .choices import Registreringsform, Uppfoljningspunkt
from .models import (
    OVERDUE_AFTER_DAYS,
    Deltagande,
    active_in_year_q,
    uppfoljning_offsets,
)

MATPUNKTER: tuple[int, ...] = tuple(Uppfoljningspunkt.values)

PERSON = Q(registreringsform=Registreringsform.PERSON)


def _har_uppfoljning(matpunkt: int) -> Q:
    """The deltagande has a follow-up at the mätpunkt: read from the row's `uppfoljda`
    (kept by the database from the Uppfoljning rows), not probed per row."""
    return Q(uppfoljda__contains=[matpunkt])


def uppfoljning_due_q(matpunkt: int, today: dt.date, *, forsenad: bool = False) -> Q:
    """Deltaganden whose follow-up at the mätpunkt is due (or, with `forsenad`, overdue)
    and not recorded: `Uppfoljningsfonster.is_due` / `is_overdue` in SQL. Only deltaganden
    with personal data are followed up."""
    first, _ = uppfoljning_offsets(matpunkt)
    last_end = today - dt.timedelta(days=first + (OVERDUE_AFTER_DAYS if forsenad else 0))
    return PERSON & Q(slutdatum__lte=last_end) & ~_har_uppfoljning(matpunkt)


def uppfoljning_saknas_q(today: dt.date, *, forsenad: bool = False) -> Q:
    q = Q(pk__in=[])
    for matpunkt in MATPUNKTER:
        q |= uppfoljning_due_q(matpunkt, today, forsenad=forsenad)
    return q


def startprofil_saknas_q() -> Q:
    """Deltaganden with personal data whose start profile lacks an item."""
    return PERSON & (
        Q(utbildningsniva="")
        | Q(tid_offentlig_forsorjning="")
        | Q(forsorjning_fore__len=0)
        | Q(sysselsattning_fore__len=0)
    )


def utfall_saknas_q() -> Q:
    """Avslutade without outcome: no avslutsorsak, or (with personal data) no sysselsättning
    or försörjning at the end."""
    return Q(slutdatum__isnull=False) & (
        Q(avslutsorsak="")
        | (PERSON & (Q(sysselsattning_efter__len=0) | Q(forsorjning_efter__len=0)))
    )


def oppen_efter_slut_q(today: dt.date) -> Q:
    """Open deltaganden whose insats has ended (its early closing or planned end passed)."""
    return Q(slutdatum__isnull=True) & (
        Q(insats__avslutad_datum__lt=today) | Q(insats__slutdatum__lt=today)
    )


def ofullstandig_q(today: dt.date) -> Q:
    """Everything the work list asks to fix, for one deltagande: the list filter
    `ofullständiga`. A follow-up counts from the day it is due, as on the work list."""
    return (
        startprofil_saknas_q()
        | utfall_saknas_q()
        | oppen_efter_slut_q(today)
        | uppfoljning_saknas_q(today)
    )


@dataclass(frozen=True)
class Problem:
    """A kind of problem: its list filter value, its Swedish label and its condition.
    The förbundsadministratör's panel counts each with the condition its link filters on."""

    kod: str
    label: str
    condition: Callable[[dt.date], Q]

    def q(self, today: dt.date) -> Q:
        return self.condition(today)


PROBLEM: tuple[Problem, ...] = (
    Problem("oppna_efter_slut", "Pågår efter insatsens slut", oppen_efter_slut_q),
    Problem("utan_utfall", "Avslutade utan utfall", lambda today: utfall_saknas_q()),
    Problem("uppfoljning_att_gora", "Uppföljning att göra", uppfoljning_saknas_q),
    Problem(
        "uppfoljning_forsenad",
        "Uppföljning försenad",
        lambda today: uppfoljning_saknas_q(today, forsenad=True),
    ),
    Problem("startprofil_saknas", "Ofullständig startprofil", lambda today: startprofil_saknas_q()),
)
PROBLEM_BY_KOD = {p.kod: p for p in PROBLEM}


def _flag(q: Q) -> ExpressionWrapper:
    return ExpressionWrapper(q, output_field=BooleanField())


def with_problems(deltaganden: QuerySet[Deltagande], today: dt.date) -> QuerySet[Deltagande]:
    """Annotate each row with what it lacks, for lists: `startprofil_saknas`,
    `utfall_saknas`, `oppen_efter_slut`, and per mätpunkt `uppfoljning_<m>` (recorded) and
    `uppfoljning_<m>_due` / `uppfoljning_<m>_forsenad` (missing and due / overdue)."""
    flags = {
        "startprofil_saknas": _flag(startprofil_saknas_q()),
        "utfall_saknas": _flag(utfall_saknas_q()),
        "oppen_efter_slut": _flag(oppen_efter_slut_q(today)),
    }
    for m in MATPUNKTER:
        flags[f"uppfoljning_{m}"] = _flag(_har_uppfoljning(m))
    return deltaganden.annotate(**flags, **_due_flags(today))


def _due_flags(today: dt.date) -> dict[str, ExpressionWrapper]:
    """Per mätpunkt `uppfoljning_<m>_due` / `uppfoljning_<m>_forsenad` (see with_problems)."""
    flags = {}
    for m in MATPUNKTER:
        flags[f"uppfoljning_{m}_due"] = _flag(uppfoljning_due_q(m, today))
        flags[f"uppfoljning_{m}_forsenad"] = _flag(uppfoljning_due_q(m, today, forsenad=True))
    return flags


def problems(deltagande: Deltagande) -> list[str]:
    """The Swedish labels of what an annotated row (`with_problems`) lacks."""
    found = []
    if getattr(deltagande, "oppen_efter_slut", False):
        found.append("Pågår efter insatsens slut")
    if getattr(deltagande, "startprofil_saknas", False):
        found.append("Startprofilen är ofullständig")
    if getattr(deltagande, "utfall_saknas", False):
        found.append("Utfall vid avslut saknas")
    for m in MATPUNKTER:
        label = Uppfoljningspunkt(m).label
        if getattr(deltagande, f"uppfoljning_{m}_forsenad", False):
            found.append(f"Uppföljning {label} är försenad")
        elif getattr(deltagande, f"uppfoljning_{m}_due", False):
            found.append(f"Uppföljning {label} ska göras")
    return found


@dataclass(frozen=True)
class UppfoljningAttGora:
    deltagande: Deltagande
    matpunkt: int
    dag: dt.date  # the day the follow-up became due
    forsenad: bool

    @property
    def label(self) -> str:
        return Uppfoljningspunkt(self.matpunkt).label


@dataclass(frozen=True)
class Andel:
    """The share of deltaganden registered with personal data in one insats."""

    insats_id: int
    orgnr: str
    kod: str
    namn: str
    antal: int
    med_personuppgifter: int

    @property
    def andel(self) -> float:
        return self.med_personuppgifter / self.antal if self.antal else 0.0

    @property
    def procent(self) -> int:
        return round(100 * self.andel)


@dataclass
class Arbetslista:
    """What to fix, with the total count of each kind and the first `limit` items."""

    today: dt.date
    antal_uppfoljningar: int = 0
    antal_forsenade_uppfoljningar: int = 0
    antal_oppna_efter_slut: int = 0
    antal_utan_utfall: int = 0
    antal_ofullstandig_startprofil: int = 0
    uppfoljningar: list[UppfoljningAttGora] = field(default_factory=list)
    oppna_efter_slut: list[Deltagande] = field(default_factory=list)
    utan_utfall: list[Deltagande] = field(default_factory=list)
    ofullstandig_startprofil: list[Deltagande] = field(default_factory=list)
    andelar: list[Andel] = field(default_factory=list)

    @property
    def att_gora(self) -> int:
        return (
            self.antal_uppfoljningar
            + self.antal_oppna_efter_slut
            + self.antal_utan_utfall
            + self.antal_ofullstandig_startprofil
        )


def _due_pairs_count(today: dt.date, *, forsenad: bool = False) -> dict[str, Count]:
    return {
        f"u{m}{'f' if forsenad else ''}": Count(
            "pk", filter=uppfoljning_due_q(m, today, forsenad=forsenad)
        )
        for m in MATPUNKTER
    }


def _count_aggregates(today: dt.date, ofullstandiga: bool) -> dict[str, Count]:
    return {
        "oppna_efter_slut": Count("pk", filter=oppen_efter_slut_q(today)),
        "utan_utfall": Count("pk", filter=utfall_saknas_q()),
        "ofullstandig_startprofil": Count("pk", filter=startprofil_saknas_q()),
        **({"ofullstandiga": Count("pk", filter=ofullstandig_q(today))} if ofullstandiga else {}),
        **_due_pairs_count(today),
        **_due_pairs_count(today, forsenad=True),
    }


def _counted(raw: dict[str, int]) -> dict[str, int]:
    found = {
        "oppna_efter_slut": raw["oppna_efter_slut"],
        "utan_utfall": raw["utan_utfall"],
        "ofullstandig_startprofil": raw["ofullstandig_startprofil"],
        "uppfoljningar": sum(raw[f"u{m}"] for m in MATPUNKTER),
        "forsenade_uppfoljningar": sum(raw[f"u{m}f"] for m in MATPUNKTER),
    }
    if "ofullstandiga" in raw:
        found["ofullstandiga"] = raw["ofullstandiga"]
    return found


def counts(
    deltaganden: QuerySet[Deltagande], today: dt.date, *, ofullstandiga: bool = True
) -> dict[str, int]:
    """The number of problems of each kind, in one query. Follow-ups count one per
    missing mätpunkt. Without `ofullstandiga` the deltaganden with any problem are not
    counted (the work list does not show that figure, and its condition, the union of all
    the others, is the largest expression Django builds for the query)."""
    return _counted(deltaganden.aggregate(**_count_aggregates(today, ofullstandiga)))


def _andelar(deltaganden: QuerySet[Deltagande], ar: int) -> QuerySet[Any, Any]:
    active = deltaganden.filter(active_in_year_q(ar))
    return (
        active.order_by()
        .values("insats_id", "insats__forbund__organisationsnummer", "insats__kod", "insats__namn")
        .annotate(antal=Count("pk"), med=Count("pk", filter=PERSON))
        .order_by("insats__forbund__organisationsnummer", "insats__kod")
    )


def _andel(row: dict) -> Andel:
    return Andel(
        insats_id=row["insats_id"],
        orgnr=row["insats__forbund__organisationsnummer"],
        kod=row["insats__kod"],
        namn=row["insats__namn"],
        antal=row["antal"],
        med_personuppgifter=row["med"],
    )


def andel_personuppgifter(deltaganden: QuerySet[Deltagande], ar: int) -> list[Andel]:
    """Per insats, the deltaganden active in the year and how many carry personal data."""
    return [_andel(row) for row in _andelar(deltaganden, ar)]


# What a work list item shows and links with (templates/deltagare/_arbetslista.html): the
# rest of a deltagande's and its insats's columns would only be read and converted.
_ITEM_FIELDS = (
    "pk",
    "public_id",
    "kon",
    "startdatum",
    "slutdatum",
    "insats__kod",
    "insats__slutdatum",
    "insats__avslutad_datum",
    "insats__forbund__organisationsnummer",
)
_DUE_FLAGS = tuple(f"uppfoljning_{m}_{kind}" for m in MATPUNKTER for kind in ("due", "forsenad"))

INSATSER = prepared.Parameter("insatser")


def _items(deltaganden: QuerySet[Deltagande], q: Q, limit: int, *order: str) -> QuerySet:
    return deltaganden.filter(q).order_by(*order).values(*_ITEM_FIELDS)[:limit]


def _item(row: dict) -> Deltagande:
    """A work list item's deltagande, with its insats and förbund, from its columns."""
    insats = Insats(
        kod=row["insats__kod"],
        slutdatum=row["insats__slutdatum"],
        avslutad_datum=row["insats__avslutad_datum"],
        forbund=Forbund(organisationsnummer=row["insats__forbund__organisationsnummer"]),
    )
    return Deltagande(
        pk=row["pk"],
        public_id=row["public_id"],
        kon=row["kon"],
        startdatum=row["startdatum"],
        slutdatum=row["slutdatum"],
        insats=insats,
    )


@functools.lru_cache(maxsize=4)
def _statements(today: dt.date, limit: int) -> dict[str, prepared.Statement]:
    """The work list's statements for a day, compiled once (finsam.lib.prepared): building
    and compiling them took three times as long as running them. Scoped by `INSATSER`."""
    scoped = Deltagande.objects.filter(prepared.AnyOf(F("insats_id"), INSATSER))
    due = scoped.annotate(**_due_flags(today))
    return {
        "antal": prepared.prepare(
            scoped.order_by()
            .annotate(_en=Value(1))
            .values("_en")
            .annotate(**_count_aggregates(today, ofullstandiga=False))
        ),
        # Only the flags read below: building the others' SQL costs more than running it.
        "uppfoljningar": prepared.prepare(
            due.filter(uppfoljning_saknas_q(today))
            .order_by("slutdatum", "pk")
            .values(*_ITEM_FIELDS, *_DUE_FLAGS)[:limit]
        ),
        "oppna_efter_slut": prepared.prepare(
            _items(scoped, oppen_efter_slut_q(today), limit, "startdatum", "pk")
        ),
        "utan_utfall": prepared.prepare(
            _items(scoped, utfall_saknas_q(), limit, "slutdatum", "pk")
        ),
        "ofullstandig_startprofil": prepared.prepare(
            _items(scoped, startprofil_saknas_q(), limit, "-startdatum", "pk")
        ),
        "andelar": prepared.prepare(_andelar(scoped, today.year)),
    }


def _uppfoljningar(rows: list[dict], limit: int) -> list[UppfoljningAttGora]:
    """The due follow-ups, oldest first: one item per missing mätpunkt."""
    items = [
        UppfoljningAttGora(
            deltagande=d,
            matpunkt=m,
            dag=fonster.forsta,
            forsenad=row[f"uppfoljning_{m}_forsenad"],
        )
        for row in rows
        for d in (_item(row),)
        for m in MATPUNKTER
        # A due follow-up's deltagande has ended, so it has the window.
        if row[f"uppfoljning_{m}_due"] and (fonster := d.uppfoljningsfonster(m))
    ]
    return sorted(items, key=lambda item: item.dag)[:limit]


FORBUND = prepared.Parameter("forbund")


@functools.lru_cache(maxsize=2)
def _per_insats(today: dt.date) -> prepared.Statement:
    """`per_insats`'s counts for a day, compiled once (finsam.lib.prepared). Grouped by the
    insats's id alone (its kod and namn are read apart), which PostgreSQL groups without
    sorting every deltagande by text; counted from the index that carries the columns the
    conditions read (`KVALITETSKOLUMNER`)."""
    ar = today.year
    return prepared.prepare(
        Deltagande.objects.filter(
            prepared.AnyOf(F("insats_id"), INSATSER),
            # (So that the insatser joined are read by their förbund, not all of them.)
            prepared.AnyOf(F("insats__forbund_id"), FORBUND),
        )
        .order_by()
        .values("insats_id")
        .annotate(
            **{p.kod: Count("pk", filter=p.q(today)) for p in PROBLEM},
            aktiva_i_ar=Count("pk", filter=active_in_year_q(ar)),
            med_pnr_i_ar=Count("pk", filter=active_in_year_q(ar) & PERSON),
        )
    )


def per_insats(insatser: Iterable[int], forbund: Iterable[int], *, today: dt.date) -> list[dict]:
    """Per insats of `insatser` (ids; the caller has scoped them) in `forbund` (ids) with
    deltaganden, by kod: the count of each `PROBLEM` (under its kod), the deltaganden
    active this year (`aktiva_i_ar`) and those among them with personal data
    (`med_pnr_i_ar`), with the insats's `insats__forbund`, `insats__kod` and
    `insats__namn`. In two queries."""
    forbund = list(forbund)
    valda = list(
        Insats.objects.filter(pk__in=list(insatser), forbund__in=forbund)
        .order_by("kod", "pk")
        .values_list("pk", "forbund_id", "kod", "namn")
    )
    values = {INSATSER.name: [pk for pk, *_ in valda], FORBUND.name: list(forbund)}
    counts = {row.pop("insats_id"): row for row in _per_insats(today).dicts(values)}
    return [
        {"insats__forbund": forbund_id, "insats__kod": kod, "insats__namn": namn, **counts[pk]}
        for pk, forbund_id, kod, namn in valda
        if pk in counts
    ]


def arbetslista(insatser: Sequence[int], *, today: dt.date, limit: int = 10) -> Arbetslista:
    """The work list of the deltaganden of the insatser (ids; the caller has scoped them,
    `Deltagande.objects.insatser_for_user`), in six queries whatever their size."""
    statements = _statements(today, limit)
    values = {INSATSER.name: list(insatser)}

    def rows(name: str) -> list[dict]:
        return statements[name].dicts(values)

    found = _counted(rows("antal")[0])
    return Arbetslista(
        today=today,
        antal_uppfoljningar=found["uppfoljningar"],
        antal_forsenade_uppfoljningar=found["forsenade_uppfoljningar"],
        antal_oppna_efter_slut=found["oppna_efter_slut"],
        antal_utan_utfall=found["utan_utfall"],
        antal_ofullstandig_startprofil=found["ofullstandig_startprofil"],
        uppfoljningar=_uppfoljningar(rows("uppfoljningar"), limit),
        oppna_efter_slut=[_item(row) for row in rows("oppna_efter_slut")],
        utan_utfall=[_item(row) for row in rows("utan_utfall")],
        ofullstandig_startprofil=[_item(row) for row in rows("ofullstandig_startprofil")],
        andelar=[_andel(row) for row in rows("andelar")],
    )
