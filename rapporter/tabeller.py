"""The återrapportering: (year, scope) → the tables T0–T18 of spec/aterrapportering.md.

This module is the one place where the counting rules live. The tables about deltaganden
are counted from one statement (`_Fakta`: the year's rows materialised once, grouped by a
few codes per group of tables); the others by conditional aggregation in PostgreSQL
(`Count(..., filter=Q(...))`). The number of queries does not grow with the number of
förbund, insatser or deltaganden. The JSON, XLSX and PDF renderers all read the `Rapport`
built here.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import hashlib
import importlib
import json
import typing
from collections import Counter, defaultdict
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any, NamedTuple

from django.conf import settings
from django.db import connection, transaction
from django.db.models import (
    BooleanField,
    Case,
    Count,
    DateField,
    ExpressionWrapper,
    F,
    Func,
    Q,
    Sum,
    TextField,
    Value,
    When,
)
from django.db.models.functions import Coalesce, Least
from django.utils import timezone
from django.utils.functional import cached_property

from deltagare.choices import (
    ARBETE_ELLER_STUDIER,
    FORSORJNING_RAPPORTGRUPP,
    Avslutsorsak,
    Forsorjning,
    Kon,
    Registreringsform,
    Sysselsattning,
    TidOffentligForsorjning,
    Uppfoljningspunkt,
    Utbildningsniva,
)
from deltagare.models import AGE_BANDS, Deltagande, Uppfoljning
from finsam.lib import period
from forbund.choices import LAN_NAMN, Medlemstyp
from forbund.models import Folkmangd, Forbund, Medlemsbidrag, Medlemskap
from insatser.choices import (
    ADMINISTRATIONSRADER,
    INSATSRADER,
    NIVA_PLURAL,
    TYPER_PER_NIVA,
    Balans,
    BehovsgruppKod,
    Deltagarregistrering,
    Finansiering,
    Insatstyp,
    Kostnadsslag,
    Niva,
)
from insatser.models import (
    Ekonomirad,
    Insats,
    Strukturdeltagare,
    Volymregistrering,
    individuell_q,
)

from .disclosure import protect
from .fakta import lagrade
from .godkanda import approved_t19
from .rapport import Bas, Omfattning, Rapport, Tabell, add_shares, promille
from .relationer import Celler, Egen, Kopia, Kvot, Radsumma, Radvis, Relation, Summa, Tecken

KON = ("kvinnor", "man", "totalt")
RAPPORTGRUPPER = tuple(dict.fromkeys(FORSORJNING_RAPPORTGRUPP.values()))
AOS = list(ARBETE_ELLER_STUDIER)


# ---------------------------------------------------------------- scope and year


def _year(ar: int) -> tuple[dt.date, dt.date]:
    return dt.date(ar, 1, 1), dt.date(ar, 12, 31)


def _in_year(ar: int, field_name: str) -> Q:
    first, last = _year(ar)
    return Q(**{f"{field_name}__gte": first, f"{field_name}__lte": last})


class _PlusMonths(Func):
    """date + n calendar months, in PostgreSQL's calendar arithmetic."""

    output_field = DateField()

    def __init__(self, expression: Any, months: int) -> None:
        super().__init__(
            expression, template=f"(%(expressions)s + interval '{int(months)} months')::date"
        )


# ---------------------------------------------------------------- the computation


class _Underlag:
    """The scoped base querysets of one report, and the one pass over its deltaganden."""

    def __init__(self, ar: int, omfattning: Omfattning) -> None:
        self.ar = ar
        self.omfattning = omfattning
        self.forbund = Forbund.objects.filter(omfattning.forbund_q()).active_in_year(ar)
        forbund_scope = omfattning.forbund_q("forbund__")
        self.insatser = (
            Insats.objects.filter(forbund_scope)
            .active_in_year(ar)
            .annotate(slut=Coalesce("avslutad_datum", "slutdatum"))
        )
        self._deltaganden = Deltagande.objects.filter(
            omfattning.forbund_q("insats__forbund__"), individuell_q("insats__")
        )
        self.volym = Volymregistrering.objects.filter(
            omfattning.forbund_q("insats__forbund__"), _in_year(ar, "datum")
        )
        self.struktur = Strukturdeltagare.objects.filter(
            omfattning.forbund_q("insats__forbund__"), _in_year(ar, "datum")
        )
        self.ekonomi = Ekonomirad.objects.filter(forbund_scope, ar=ar)
        self._volym_per: dict[str, dict[int, tuple[int, int, int]]] = {}
        self.bidrag = Medlemsbidrag.objects.filter(
            omfattning.forbund_q("medlemskap__forbund__"), ar=ar
        )
        self.tabeller: dict[str, Tabell] = {}  # the tables built so far
        # Per year read: "lagrade" (the stored facts) or "beraknade" (counted live).
        self.kallor: dict[int, str] = {}

    def deltaganden_i(self, years: range, *, foregaende: bool = True) -> Any:
        """The deltaganden counted in any of the years (and, for T12, the year before the
        first): the window lets PostgreSQL drop older rows before joining."""
        first = years[0] - 1 if foregaende else years[0]
        return self._deltaganden.filter(period.active_in_year_q(first, until=years[-1]))

    @cached_property
    def fakta(self) -> _Fakta:
        return _Fakta.read(self, range(self.ar, self.ar + 1))[self.ar]

    def volym_per(self, key: str) -> dict[int, tuple[int, int, int]]:
        """Volume counts in the year per insats (key "insats") or förbund ("insats__forbund"):
        (kvinnor, man, okänt); read once per key for the whole report."""
        if key not in self._volym_per:
            self._volym_per[key] = {
                k: (kvinnor, man, okant)
                for k, kvinnor, man, okant in self.volym.values(key)
                .annotate(k=Sum("kvinnor"), m=Sum("man"), o=Sum("okant"))
                .values_list(key, "k", "m", "o")
            }
        return self._volym_per[key]

    @cached_property
    def forbund_lista(self) -> list[Forbund]:
        return list(self.forbund.order_by("namn"))


# ---------------------------------------------------------------- the deltagande facts
#
# Every table about deltaganden (T2–T12, T16–T19 and the insats catalogue) is counted from
# one SQL statement per report: the scoped rows of the window are materialised once, joined
# to the years they are counted in (the report's year; for T19 also the four before it),
# each with its flags for that year (active, new, ended, …), and one GROUP BY per branch
# over them gives counts per year and combination of a few codes. The counting rules then
# decide, for each combination (a named record below), which table rows it belongs to, so a
# deltagande with several codes counts once in each group it has. The combinations are few
# (codes, not people), so the Python side is small whatever the number of deltaganden.

# `deltagare.models.age_band` in SQL (T3, T12); tests/rapporter/test_boundaries.py holds
# the two to each other.
_BAND_SQL = (
    "CASE "
    + " ".join(
        f"WHEN alder <= {high} THEN '{kod}'"
        if high is not None
        else f"WHEN alder IS NOT NULL THEN '{kod}'"
        for kod, (_, high) in AGE_BANDS.items()
    )
    + " ELSE '' END"
)
KON_KOLUMN: dict[str | None, str] = {Kon.KVINNA: "kvinnor", Kon.MAN: "man"}  # by a row's kön


def _sql_codes(codes: Any) -> str:
    """A text array literal of code-list values (constants, never input)."""
    return "ARRAY[" + ", ".join(f"'{c}'" for c in codes) + "]::varchar[]"


# The behovsgrupper at individual level (T12, spec "Behovsgrupper at individual level"),
# as conditions on the materialised rows: code → (label, condition).
BEHOVSGRUPPER: dict[str, tuple[str, str]] = {
    "unga_16_29": ("Unga 16–29 år", f"({_BAND_SQL}) = '16_29'"),
    "unga_aktivitetsersattning": (
        "Unga med aktivitetsersättning",
        f"alder <= 29 AND '{Forsorjning.AKTIVITETSERSATTNING}' = ANY(forsorjning_fore)",
    ),
    "sjukskrivna": (
        "Sjukskrivna (sjuk- eller rehabiliteringspenning)",
        "forsorjning_fore && "
        + _sql_codes((Forsorjning.SJUKPENNING, Forsorjning.REHABILITERINGSPENNING)),
    ),
    # (spec: sjukpenning or rehabiliteringspenning at start, not the report group, which
    # is the same codes today but a separate rule.)
}


# The records a branch's combinations are read into. A field is read back from its SQL text
# by its type: bool (flag), str (code), frozenset (set of codes), int (id).
class Alla(NamedTuple):
    """T2, T4, T6, T7 (registrerade), T16: every deltagande counted in the year."""

    registreringsform: str
    aktiv: bool
    ny: bool
    oppen: bool
    utbildningsniva: str
    tid_offentlig_forsorjning: str


class Aktiva(NamedTuple):
    """T3, T5: deltaganden with personal data active in the year."""

    band: str
    forsorjning_fore: frozenset[str]  # the report groups (T5), derived on save


class Avslut(NamedTuple):
    """T7–T9, T11, T16: deltaganden with personal data ended in the year."""

    avslutsorsak: str
    manader: str
    aos_fore: bool  # arbete eller studier at start, derived on save
    sysselsattning_efter: frozenset[str]


class ForsorjningAvslut(NamedTuple):
    """T10 (and T16's försörjning at the end): the same deltaganden, the report groups of
    their support before and after (derived on save)."""

    fore: frozenset[str]
    efter: frozenset[str]


class PerInsats(NamedTuple):
    """T17, T18 and the insats catalogue."""

    insats: int | None
    forbund: int | None


class InsatsAntal(NamedTuple):
    """What the insatser branch counts per insats and kön."""

    aktiva: int  # deltaganden active in the year
    person: int  # … with personal data among them
    avslutade: int  # with personal data, ended in the year
    aos: int  # … among those, in work or studies at the end


class Personer(NamedTuple):
    """Per kön (and in total): distinct persons by personnummer (T2) and the behovsgrupper
    (T12): deltaganden this year and the year before, distinct persons this year."""

    individer: int
    grupper: dict[str, tuple[int, int, int]]  # code → (deltaganden, year before, individer)


@dataclass(frozen=True)
class _Gren:
    record: type[NamedTuple]
    sql: tuple[str, ...]  # one expression over the materialised rows per record field
    where: str
    raknare: tuple[str, ...] = ("true",)  # the conditions counted, one count(*) each
    # The fields the earlier years of T19 group by; the others read as empty (T19 reads
    # the branch only through its T2, T7, T9 and T10).
    tidigare: tuple[str, ...] | None = None


_GRENAR: dict[str, _Gren] = {
    "alla": _Gren(
        Alla,
        (
            "registreringsform",
            "f_aktiv",
            "f_ny",
            "f_oppen",
            "utbildningsniva",
            "tid_offentlig_forsorjning",
        ),
        "f_aktiv",
        tidigare=("registreringsform", "aktiv", "ny"),
    ),
    "aktiva": _Gren(Aktiva, (_BAND_SQL, "forsorjning_grupper_fore"), "f_person AND f_aktiv"),
    "avslut": _Gren(
        Avslut,
        ("avslutsorsak", "f_manader", "aos_fore", "sysselsattning_efter"),
        "f_person AND f_avslutad",
        tidigare=("avslutsorsak", "aos_fore", "sysselsattning_efter"),
    ),
    "forsorjning_avslut": _Gren(
        ForsorjningAvslut,
        ("forsorjning_grupper_fore", "forsorjning_grupper_efter"),
        "f_person AND f_avslutad",
        tidigare=("fore", "efter"),
    ),
    "insatser": _Gren(
        PerInsats,
        ("insats", "f_forbund"),
        "f_aktiv OR f_avslutad",
        raknare=(
            "f_aktiv",
            "f_aktiv AND f_person",
            "f_avslutad AND f_person",
            "f_avslutad AND f_person AND aos_efter",
        ),
    ),
}
# Distinct persons and the behovsgrupper, per kön and in total (GROUPING SETS).
_PERSONER_RAKNARE = (
    "count(DISTINCT individ) FILTER (WHERE f_person AND f_aktiv)",
    *(
        count
        for _, villkor in BEHOVSGRUPPER.values()
        for count in (
            f"count(*) FILTER (WHERE f_person AND f_aktiv AND {villkor})",
            f"count(*) FILTER (WHERE f_person AND f_aktiv_fg AND {villkor})",
            f"count(DISTINCT individ) FILTER (WHERE f_person AND f_aktiv AND {villkor})",
        )
    ),
)
# The flags of a row for the year `ar` it is joined to ("active in Y" and the others of
# the spec's terms); `slut` is the deltagande's end, `insats_slut` its insats's last day.
_FIRST, _LAST = "make_date(ar, 1, 1)", "make_date(ar, 12, 31)"
# `finsam.lib.period.active_in_year_q` in SQL; tests/rapporter/test_boundaries.py holds the
# two to each other.
_ACTIVE_SQL = "(startdatum <= {last} AND (slutdatum IS NULL OR slutdatum >= {first}))"
_FLAGGOR = {
    "f_aktiv": _ACTIVE_SQL.format(first=_FIRST, last=_LAST),
    "f_aktiv_fg": _ACTIVE_SQL.format(
        first="make_date(ar - 1, 1, 1)", last="make_date(ar - 1, 12, 31)"
    ),
    "f_ny": f"(startdatum BETWEEN {_FIRST} AND {_LAST})",
    "f_avslutad": f"(slutdatum BETWEEN {_FIRST} AND {_LAST})",
    "f_oppen": (
        f"({_ACTIVE_SQL.format(first=_FIRST, last=_LAST)} AND slutdatum IS NULL "
        f"AND insats_slut <= {_LAST})"
    ),
}
_ANTAL = max(len(_PERSONER_RAKNARE), *(len(g.raknare) for g in _GRENAR.values()))
_DIMENSIONER = max(len(g.sql) for g in _GRENAR.values())


_B_MATERIALISERAD = {False: "MATERIALIZED", True: "MATERIALIZED"}


def _fakta_sql(*, tidigare: bool) -> str:
    """The statement after the materialised rows `r` (the ORM's SQL, placeholders first):
    one SELECT per branch and one for the persons, grouped by year. For the report's year
    (`tidigare` false) every branch; for T19's earlier years only what T19 reads. Every
    name comes from the constants above, never from input."""
    wanted = ("f_aktiv", "f_ny", "f_avslutad") if tidigare else _FLAGGOR
    flags = ", ".join(f"{_FLAGGOR[name]} AS {name}" for name in wanted)
    # T12 counts the year before as well; the earlier years of T19 only their own year.
    joined = _FLAGGOR["f_aktiv"] + ("" if tidigare else f" OR {_FLAGGOR['f_aktiv_fg']}")
    base = f"b AS {_B_MATERIALISERAD[tidigare]} (SELECT r.*, y.ar, {flags} FROM r JOIN generate_series(%s, %s) AS y(ar) ON {joined})"  # noqa: S608
    selects = []
    for gren, g in _GRENAR.items():
        if tidigare and g.tidigare is None:
            continue
        fields = g.record._fields
        dims = [
            expr if not tidigare or name in (g.tidigare or ()) else "NULL"
            for name, expr in zip(fields, g.sql, strict=True)
        ]
        columns = [
            f"array_to_string({d}, ',')" if _kinds(g.record)[f] == "a" else f"({d})::text"
            for f, d in zip(fields, dims, strict=True)
        ]
        columns += ["NULL"] * (_DIMENSIONER - len(dims))
        counts = [f"count(*) FILTER (WHERE {c})" for c in g.raknare]
        columns += counts + ["NULL::bigint"] * (_ANTAL - len(counts))
        group = ", ".join(["ar", "kon", *(d for d in dims if d != "NULL")])
        selects.append(
            f"SELECT '{gren}', ar, kon, {', '.join(columns)} FROM b "  # noqa: S608
            f"WHERE {g.where} GROUP BY {group}"
        )
    if tidigare:
        # Only the distinct persons: each set made distinct by hashing, then counted, which
        # is much cheaper over five years than count(DISTINCT) per grouping set.
        pad = ", ".join(["NULL"] * (_DIMENSIONER - 1) + ["NULL::bigint"] * (_ANTAL - 1))
        for total, keys in (("false", "ar, kon"), ("true", "ar")):
            kon = "kon" if total == "false" else "NULL"
            selects.append(
                f"SELECT 'personer', ar, {kon}, '{total}', {pad}, count(*) FROM "  # noqa: S608
                f"(SELECT DISTINCT {keys}, individ FROM b WHERE f_person AND f_aktiv) p "
                f"GROUP BY {keys}"
            )
    else:
        columns = ["(GROUPING(kon) = 1)::text", *["NULL"] * (_DIMENSIONER - 1)]
        columns += [*_PERSONER_RAKNARE, *["NULL::bigint"] * (_ANTAL - len(_PERSONER_RAKNARE))]
        selects.append(
            f"SELECT 'personer', ar, kon, {', '.join(columns)} FROM b "  # noqa: S608
            "WHERE f_person GROUP BY GROUPING SETS ((ar, kon), (ar))"
        )
    return f"), {base} " + " UNION ALL ".join(selects)


def _flag(q: Q) -> ExpressionWrapper:
    return ExpressionWrapper(q, output_field=BooleanField())


@functools.cache
def _kinds(record: type) -> dict[str, str]:
    """How each field of a record is read back from its SQL text, by its type: b (flag),
    a (set of codes), i (id), s (code)."""
    kinds = {bool: "b", frozenset[str]: "a", int | None: "i", str: "s"}
    return {name: kinds[hint] for name, hint in typing.get_type_hints(record).items()}


def _read(kind: str, value: str | None) -> Any:
    if kind == "b":
        return value == "true"
    if kind == "a":
        return frozenset(value.split(",")) - {""} if value else frozenset()
    if kind == "i":
        return int(value) if value is not None else None
    return value or ""


_FAKTA_SQL = {tidigare: _fakta_sql(tidigare=tidigare) for tidigare in (False, True)}
# The code the stored tables are built by: the counting rules here, the code lists and the
# models' year rules they read.
_TABELLKOD = (
    __name__,
    "deltagare.choices",
    "deltagare.models",
    "insatser.choices",
    "insatser.models",
    "forbund.choices",
    "forbund.models",
    "finsam.lib.period",
    # The suppressed figures stored for T19 (`lagras`): the disclosure control and the
    # shares it hides by.
    "rapporter.rapport",
    "rapporter.disclosure",
    "rapporter.relationer",
)
# The shape of the statement's rows and the code of the tables: stored facts of another
# shape or older code are not used.
FAKTA_LAYOUT = hashlib.md5(
    repr((_FAKTA_SQL, [(g, r.record._fields) for g, r in _GRENAR.items()])).encode()
    + b"".join(Path(str(importlib.import_module(m).__file__)).read_bytes() for m in _TABELLKOD),
    usedforsecurity=False,
).hexdigest()


Rad = tuple[str | None, Any, tuple[int, ...]]  # kön, record, counts


class _Fakta:
    """One year's counts per branch and combination: `grenar[branch]` is a list of
    (kön, record, counts); `personer[column]` the distinct persons and behovsgrupper."""

    def __init__(self, grenar: dict[str, list[Rad]], personer: dict[str, Personer]) -> None:
        self.grenar = grenar
        self.personer = personer

    @classmethod
    def read(cls, u: _Underlag, years: range, *, tidigare: bool = False) -> dict[int, _Fakta]:
        """The facts of each year of `years` (consecutive): the stored rows where they are
        current (rapporter/fakta.py), the others counted live in one statement; `u.kallor`
        records which for each year."""
        stored = (
            {y: rader for y, (rader,) in lagrade(u.omfattning, years, FAKTA_LAYOUT).items()}
            if settings.FINSAM_RAPPORTFAKTA
            else {}
        )
        missing = [ar for ar in years if ar not in stored]
        # T19's earlier years read only the branches their tables count (`_Gren.tidigare`).
        wanted = {g for g, b in _GRENAR.items() if not tidigare or b.tidigare} | {"personer"}
        rows = [row for ar in years for row in stored.get(ar, []) if row[0] in wanted]
        if missing:
            live = cls.query(u, range(missing[0], missing[-1] + 1), tidigare=tidigare)
            rows += [row for row in live if row[1] not in stored]
        for ar in years:
            u.kallor[ar] = "lagrade" if ar in stored else "beraknade"
        return cls.parse(rows, years)

    @classmethod
    def query(cls, u: _Underlag, years: range, *, tidigare: bool = False) -> list[list[Any]]:
        """The rows of the one statement for the years (consecutive): (branch, year, kön,
        the fields of its record as text, the counts), as the worker stores them."""
        six = _PlusMonths(F("startdatum"), 6)
        twelve = _PlusMonths(F("startdatum"), 12)
        rows = (
            u.deltaganden_i(years, foregaende=not tidigare)
            .annotate(
                f_person=_flag(PERSON),
                f_manader=Case(
                    When(slutdatum__lte=six, then=Value("upp_till_6")),
                    When(slutdatum__lte=twelve, then=Value("upp_till_12")),
                    default=Value("over_12"),
                ),
                f_forbund=F("insats__forbund_id"),
                insats_slut=Least("insats__slutdatum", "insats__avslutad_datum"),
            )
            .order_by()
            .values_list(*_KOLUMNER)
        )
        if tidigare:  # only what T19's tables read: narrower rows for five years
            rows = rows.values_list(*(k for k in _KOLUMNER if k not in _BARA_I_ARET))
        base_sql, params = rows.query.sql_with_params()
        # The ORM's placeholders come first (inside r), then the years.
        sql = f"WITH r AS MATERIALIZED ({base_sql}" + _FAKTA_SQL[tidigare]
        with transaction.atomic(), connection.cursor() as cursor:
            # The materialised rows of a national report fit in memory with this, instead
            # of going to temporary files (the setting ends with the transaction).
            cursor.execute("SET LOCAL work_mem = '64MB'")
            cursor.execute(sql, (*params, years[0], years[-1]))
            return [list(row) for row in cursor.fetchall()]

    @classmethod
    def parse(cls, result: list[list[Any]], years: range) -> dict[int, _Fakta]:
        grenar: dict[int, dict[str, list[Rad]]] = {ar: defaultdict(list) for ar in years}
        personer: dict[int, dict[str, Personer]] = {ar: {} for ar in years}
        readers: dict[str, tuple[Callable[..., Any], list[str]]] = {
            gren: (g.record, [_kinds(g.record)[f] for f in g.record._fields])
            for gren, g in _GRENAR.items()
        }
        for gren, ar, kon, *values in result:
            counts = tuple(n for n in values[_DIMENSIONER:] if n is not None)
            if gren == "personer":
                column = "totalt" if values[0] == "true" else KON_KOLUMN.get(kon)
                if column:  # a kön outside the code list counts in totalt only
                    personer[ar][column] = _personer(counts)
                continue
            record, kinds = readers[gren]
            grenar[ar][gren].append((kon, record(*map(_read, kinds, values[: len(kinds)])), counts))
        return {ar: cls(grenar[ar], personer[ar]) for ar in years}

    def count(self, gren: str, test: Test = lambda r: True) -> dict[str, int]:
        """kvinnor, man, totalt of the combinations of a branch that pass the test."""
        out = dict.fromkeys(KON, 0)
        for kon, record, (n, *_) in self.grenar[gren]:
            if test(record):
                if kon in KON_KOLUMN:  # a kön outside the code list counts in totalt only
                    out[KON_KOLUMN[kon]] += n
                out["totalt"] += n
        return out

    def individer(self) -> dict[str, int]:
        return {k: self.personer[k].individer if k in self.personer else 0 for k in KON}


def _personer(counts: tuple[int, ...]) -> Personer:
    grupper = {kod: tuple(counts[1 + 3 * i : 4 + 3 * i]) for i, kod in enumerate(BEHOVSGRUPPER)}
    return Personer(counts[0], {k: v for k, v in grupper.items() if len(v) == 3})


# The columns of the materialised rows.
_KOLUMNER = (
    "individ",
    "kon",
    "insats",
    "startdatum",
    "slutdatum",
    "insats_slut",
    "registreringsform",
    "utbildningsniva",
    "tid_offentlig_forsorjning",
    "avslutsorsak",
    "forsorjning_fore",
    "forsorjning_grupper_fore",
    "forsorjning_grupper_efter",
    "aos_fore",
    "sysselsattning_efter",
    "alder",
    "f_person",
    "aos_efter",
    "f_manader",
    "f_forbund",
)


# Columns only the report's own year reads (T3, T4, T6, T11, T12, T16–T18).
_BARA_I_ARET = {
    "insats",
    "insats_slut",
    "utbildningsniva",
    "tid_offentlig_forsorjning",
    "alder",
    "aos_efter",
    "f_manader",
    "f_forbund",
}

PERSON = Q(registreringsform=Registreringsform.PERSON)
ANONYM = Q(registreringsform=Registreringsform.ANONYM)


def _label(choices: Any, value: str) -> str:
    return str(choices(value).label)


T19_AR = 5  # T19 shows the report's year and the four before it


def _tables(u: _Underlag, builders: list, undertryck: bool) -> dict[str, Tabell]:
    """The tables of `builders` in order, each suppressed as soon as it is built (a later
    table may derive a value from an earlier one: T13 from T2), then the shares."""
    for builder in builders:
        tabell = builder(u)
        if tabell is None:
            continue
        if undertryck:
            suppress(tabell, settings.FINSAM_UNDERTRYCK_GRANS)
        u.tabeller[tabell.kod] = tabell
    add_shares(u.tabeller)
    return u.tabeller


BUILDERS: list[Callable[[_Underlag], Tabell | None]] = []  # filled below, after the builders


def build(
    *,
    ar: int,
    omfattning: Omfattning,
    undertryck: bool,
    relationer: tuple[Relation, ...] | None = None,
    med_t19: bool = True,
) -> Rapport:
    """The whole report for one year and scope. Suppressed when `undertryck` is set: each
    table on its own, then across the report over `relationer` (default `RELATIONER`).
    `med_t19=False` leaves out T19 (for T19's own reading of an earlier year's report)."""
    if not undertryck and settings.FINSAM_RAPPORTFAKTA:
        rapport = _lagrad(ar, omfattning, med_t19)
        if rapport is not None:
            return rapport
    return _build(_Underlag(ar, omfattning), undertryck, relationer, med_t19)


def _build(
    u: _Underlag, undertryck: bool, relationer: tuple[Relation, ...] | None, med_t19: bool
) -> Rapport:
    """`build` over `u` (whose facts `lagras` may already have set)."""
    ar, omfattning = u.ar, u.omfattning
    tabeller = _tables(u, BUILDERS, undertryck)
    if med_t19:
        tabeller["T19"] = _t19(u, undertryck, relationer)
    katalog = _insatskatalog(u) if omfattning.typ == "forbund" else None
    if katalog and undertryck:
        suppress(katalog, settings.FINSAM_UNDERTRYCK_GRANS)
    rapport = Rapport(ar, omfattning, undertryck, timezone.localtime(), tabeller, katalog)
    rapport.fakta = u.kallor
    if undertryck:
        protect(rapport, RELATIONER if relationer is None else relationer)
    return rapport


# T19's rows: code → (label, table, row, column, read the share instead of the count).
T19_RADER: dict[str, tuple[str, str, str, str, bool]] = {
    "forbund": ("Förbund", "T0", "totalt", "forbund", False),
    "kommuner": ("Kommuner", "T0", "totalt", "kommuner", False),
    "insatser_individ": ("Individinriktade insatser", "T1", "individ", "antal", False),
    "insatser_struktur": ("Strukturinriktade insatser", "T1", "struktur", "antal", False),
    "person_deltaganden": (
        "Deltaganden med personuppgifter",
        "T2",
        "person_deltaganden",
        "totalt",
        False,
    ),
    "person_individer": (
        "Individer med personuppgifter",
        "T2",
        "person_individer",
        "totalt",
        False,
    ),
    "anonyma_deltaganden": (
        "Anonyma deltaganden",
        "T2",
        "anonyma_deltaganden",
        "totalt",
        False,
    ),
    "volym": ("Deltagare i volyminsatser", "T2", "volym", "totalt", False),
    "strukturdeltagare": (
        "Deltagare i strukturinriktade insatser",
        "T2",
        "strukturdeltagare",
        "totalt",
        False,
    ),
    "avslutade": ("Avslutade deltaganden", "T7", "avslutade", "totalt", False),
    "arbete_eller_studier_fore_promille": (
        "Arbete eller studier vid start (promille av avslutade)",
        "T9",
        "fore",
        "totalt",
        True,
    ),
    "arbete_eller_studier_efter_promille": (
        "Arbete eller studier vid avslut (promille av avslutade)",
        "T9",
        "efter",
        "totalt",
        True,
    ),
    "nagon_offentlig_fore_promille": (
        "Någon offentlig försörjning före (promille av avslutade)",
        "T10",
        "nagon_offentlig",
        "fore",
        True,
    ),
    "nagon_offentlig_efter_promille": (
        "Någon offentlig försörjning efter (promille av avslutade)",
        "T10",
        "nagon_offentlig",
        "efter",
        True,
    ),
    "kostnader_utfall": ("Kostnader, utfall (kr)", "T13", "kostnader", "utfall", False),
    "administration_andel_promille": (
        "Administrationens andel av kostnaderna, utfall (promille)",
        "T13",
        "administration_andel_promille",
        "utfall",
        False,
    ),
}


def _t19_value(tabeller: dict[str, Tabell], kod: str) -> int | None:
    _, tabell, rad, kolumn, share = T19_RADER[kod]
    row = tabeller[tabell].row(rad)
    return row["andel"][kolumn] if share else row[kolumn]


def _t19(u: _Underlag, undertryck: bool, relationer: tuple[Relation, ...] | None) -> Tabell:
    """The key figures of the year and the four before it, each value as that year's own
    report states it. Unsuppressed, an earlier year's figures come from the same builders
    as its own report, over facts read for all four years in one statement (and the few
    small aggregates of T0, T1, T2, T13 per year). Suppressed, an earlier year's report is
    built whole (without its own T19), because what its disclosure control hides depends
    on every table of that report: the worker stores the figures of that build with the
    year's facts (`lagras`), read while they are current; a förbund's approved years are
    read from their approved version instead."""
    years = range(u.ar - T19_AR + 1, u.ar)
    approved = _approved_t19(u.omfattning, years, undertryck)
    figures: dict[str, dict[str, Any]] = {}
    if undertryck:
        wanted = {kod for kod, (_, tabell, *_) in T19_RADER.items() if tabell in u.tabeller}
        # The worker's stored figures hold for the default relations only.
        stored = _lagrade_undertryckta(u.omfattning, years) if relationer is None else {}
        for ar in years:
            if wanted <= approved.get(str(ar), {}).keys():
                figures[str(ar)] = {}
            elif ar in stored:
                figures[str(ar)] = stored[ar]
                u.kallor[ar] = "lagrade"
            else:
                earlier_report = build(
                    ar=ar,
                    omfattning=u.omfattning,
                    undertryck=True,
                    relationer=relationer,
                    med_t19=False,
                )
                u.kallor.update(earlier_report.fakta)
                figures[str(ar)] = _t19_values(earlier_report.tabeller)
    else:
        fakta = _Fakta.read(u, years, tidigare=True)
        for ar in years:
            earlier = _Underlag(ar, u.omfattning)
            earlier.__dict__["fakta"] = fakta[ar]
            figures[str(ar)] = _t19_values(_tables(earlier, T19_BUILDERS, undertryck))
    figures[str(u.ar)] = _t19_values(u.tabeller)
    return _t19_tabell(u.ar, figures, approved, set(u.tabeller))


def _lagrade_undertryckta(omfattning: Omfattning, years: range) -> dict[int, dict[str, Any]]:
    """The T19 figures of the suppressed reports of `years` as the worker stored them
    (`lagras`), for the years whose facts are current and whose suppression threshold is
    today's. Two queries."""
    if not settings.FINSAM_RAPPORTFAKTA:
        return {}
    grans = settings.FINSAM_UNDERTRYCK_GRANS
    stored = lagrade(omfattning, years, FAKTA_LAYOUT, "nyckeltal_undertryckta")
    return {
        ar: value["nyckeltal"]
        for ar, (value,) in stored.items()
        if value and value.get("grans") == grans
    }


def _approved_t19(omfattning: Omfattning, years: range, undertryck: bool) -> dict[str, Any]:
    """A förbund's approved earlier years, as their approved report states them."""
    if omfattning.typ != "forbund":
        return {}
    return approved_t19(omfattning.kod or "", years, undertryck)


def _t19_values(tables: dict[str, Tabell]) -> dict[str, Any]:
    """T19's figures of one year, from that year's tables (those of them there are)."""
    return {
        kod: _t19_value(tables, kod)
        for kod, (_, tabell, *_) in T19_RADER.items()
        if tabell in tables
    }


def _t19_tabell(
    ar: int, figures: dict[str, dict[str, Any]], approved: dict[str, Any], present: set[str]
) -> Tabell:
    """T19 from each year's figures (an approved year's from its approved version; a row
    newer than the stored version as computed); rows of the tables `present` only (T0:
    län and nationell only)."""
    t = Tabell(
        "T19",
        "Nyckeltal över tid",
        [str(y) for y in range(ar - T19_AR + 1, ar + 1)],
        "Nyckeltalen för året och de fyra åren före, räknade som i varje års egen rapport "
        "(promille av avslutade under året; kostnader och administrationens andel ur T13).",
    )
    for kod, (label, tabell, *_) in T19_RADER.items():
        if tabell not in present:
            continue
        values = {}
        for year in t.kolumner:
            stored = approved.get(year, {})
            values[year] = stored[kod] if kod in stored else figures[year][kod]
        t.rad(kod, label, **values)
    return t


# ---------------------------------------------------------------- the stored tables
#
# The worker stores, per scope and year, the unsuppressed tables as the builders above made
# them (`lagras`); an unsuppressed report whose years are all current reads them (and each
# earlier year's T19 figures) instead of building them. A suppressed report is built, over
# the stored deltagande facts: what its disclosure control hides depends on every cell. Its
# earlier years' T19 figures are stored too, from the year's suppressed report (`lagras`).


def _tabell_json(t: Tabell) -> dict[str, Any]:
    """Every field of an unsuppressed table, as JSON values."""
    assert not t.dolda, "only unsuppressed tables are stored"  # noqa: S101
    out = {f.name: getattr(t, f.name) for f in dataclasses.fields(t) if f.name != "dolda"}
    for name in ("personkolumner", "summarader"):
        out[name] = sorted(out[name])
    out["andel_undertryckta"] = sorted(out["andel_undertryckta"])
    out["andelsbas"] = {k: dataclasses.astuple(b) for k, b in t.andelsbas.items()}
    return out


def _tabell(d: dict[str, Any]) -> Tabell:
    """A table from `_tabell_json`, field for field as it was."""
    return Tabell(
        **{
            **d,
            "personkolumner": set(d["personkolumner"]),
            "summarader": set(d["summarader"]),
            "andel_undertryckta": {tuple(c) for c in d["andel_undertryckta"]},
            "radsummor": [(tuple(p), total) for p, total in d["radsummor"]],
            "kolumnsummor": [(tuple(p), total) for p, total in d["kolumnsummor"]],
            "andelsbas": {
                k: Bas(tabell, rad, kolumn, tuple(kolumner) if kolumner else None)
                for k, (tabell, rad, kolumn, kolumner) in d["andelsbas"].items()
            },
        }
    )


def lagras(ar: int, omfattning: Omfattning) -> dict[str, Any]:
    """What the worker stores for a scope and year (the fields of `Rapportfakta`): the
    deltagande facts' rows, the year's unsuppressed tables built from them (JSON text),
    its figures for T19, and the figures for T19 of the year's suppressed report (with
    the threshold it was suppressed at): a suppressed report of a later year reads them
    instead of building this year's suppressed report whole, as `_t19` does otherwise."""
    u = _Underlag(ar, omfattning)
    rader = _Fakta.query(u, range(ar, ar + 1))
    fakta = _Fakta.parse(rader, range(ar, ar + 1))[ar]
    u.__dict__["fakta"] = fakta
    tabeller = _tables(u, BUILDERS, undertryck=False)
    dold = _Underlag(ar, omfattning)
    dold.__dict__["fakta"] = fakta
    undertryckt = _build(dold, undertryck=True, relationer=None, med_t19=False)
    katalog = _insatskatalog(u) if omfattning.typ == "forbund" else None
    text = json.dumps(
        {
            "tabeller": {kod: _tabell_json(t) for kod, t in tabeller.items()},
            "insatskatalog": _tabell_json(katalog) if katalog else None,
        },
        ensure_ascii=False,
    )
    return {
        "rader": rader,
        "tabeller": text,
        "nyckeltal": _t19_values(tabeller),
        "nyckeltal_undertryckta": {
            "grans": settings.FINSAM_UNDERTRYCK_GRANS,
            "nyckeltal": _t19_values(undertryckt.tabeller),
        },
    }


def _lagrad(ar: int, omfattning: Omfattning, med_t19: bool) -> Rapport | None:
    """The unsuppressed report from the stored tables; None unless every year it reads
    (its own and T19's) is current. Three queries (four for a förbund: its approved years)."""
    years = range(ar - T19_AR + 1, ar + 1) if med_t19 else range(ar, ar + 1)
    # The tables of the report's own year only; the figures of every year.
    own = Case(When(ar=ar, then=F("tabeller")), default=Value(""), output_field=TextField())
    current = lagrade(omfattning, years, FAKTA_LAYOUT, "nyckeltal", own)
    if len(current) < len(years) or not current[ar][1]:
        return None
    figures = {y: nyckeltal for y, (nyckeltal, _) in current.items()}
    stored = json.loads(current[ar][1])
    tabeller = {kod: _tabell(d) for kod, d in stored["tabeller"].items()}
    if med_t19:
        earlier = range(ar - T19_AR + 1, ar)
        approved = _approved_t19(omfattning, earlier, False)
        figures_per = {str(y): figures[y] for y in years}
        tabeller["T19"] = _t19_tabell(ar, figures_per, approved, set(tabeller))
    katalog = stored["insatskatalog"]
    rapport = Rapport(
        ar,
        omfattning,
        False,
        timezone.localtime(),
        tabeller,
        _tabell(katalog) if katalog else None,
    )
    rapport.fakta = dict.fromkeys(years, "lagrade")
    return rapport


def _per_insats(u: _Underlag, key: str) -> dict[int, dict[str, int]]:
    """Per insats (key "insats") or förbund (key "forbund"): deltaganden active in the year (aktiva, and by kön aktiva_kvinnor,
    aktiva_man), with and without personal data (person, anonyma), avslutade with personal
    data and those among them in work or studies (aos)."""
    out: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for kon, where, counts in u.fakta.grenar["insatser"]:
        n = InsatsAntal(*counts)
        row = out[getattr(where, key)]
        row["aktiva"] += n.aktiva
        row[f"aktiva_{KON_KOLUMN.get(kon, 'okant')}"] += n.aktiva
        row["person"] += n.person
        row["anonyma"] += n.aktiva - n.person
        row["avslutade"] += n.avslutade
        row["aos"] += n.aos
    return out


def _insatskatalog(u: _Underlag) -> Tabell:
    columns = [
        "niva",
        "typ",
        "startdatum",
        "slutdatum",
        "deltagare",
        "avslutade",
        "arbete_eller_studier",
    ]
    t = Tabell(
        "insatskatalog",
        "Förbundets insatser",
        columns,
        "Insatser verksamma under året; deltagare = deltaganden verksamma under året och volym "
        "under året; avslutade och arbete eller studier vid avslut avser deltaganden med "
        "personuppgifter avslutade under året.",
        personkolumner={"deltagare", "avslutade", "arbete_eller_studier"},
        kodrubrik="Insatskod",
        etiketter={"niva": "niva_etikett", "typ": "typ_etikett"},
    )
    d = _per_insats(u, "insats")
    volym = {k: sum(v) for k, v in u.volym_per("insats").items()}
    for insats in u.insatser.order_by("kod"):
        row = d.get(insats.pk, {})
        t.rad(
            insats.kod,
            insats.namn,
            niva=insats.niva,
            niva_etikett=str(Niva(insats.niva).label),
            typ=insats.typ,
            typ_etikett=str(Insatstyp(insats.typ).label),
            startdatum=insats.startdatum.isoformat(),
            slutdatum=insats.slut.isoformat() if insats.slut else "",
            deltagare=row.get("aktiva", 0) + volym.get(insats.pk, 0),
            avslutade=row.get("avslutade", 0),
            arbete_eller_studier=row.get("aos", 0),
        )
    return t


def _t0(u: _Underlag) -> Tabell | None:
    if u.omfattning.typ == "forbund":
        return None
    t = Tabell(
        "T0",
        "Förbund och kommuner",
        ["forbund", "kommuner"],
        "Förbund verksamma under året, per län; kommuner som var medlemmar i ett verksamt förbund.",
    )
    per_lan = dict(u.forbund.values("lan").annotate(n=Count("pk")).values_list("lan", "n"))
    members = Medlemskap.objects.filter(forbund__in=u.forbund, kommun__isnull=False).active_in_year(
        u.ar
    )
    kommuner = dict(
        members.values("forbund__lan")
        .annotate(n=Count("kommun", distinct=True))
        .values_list("forbund__lan", "n")
    )
    for lan in sorted(per_lan):
        t.rad(lan, LAN_NAMN[lan], forbund=per_lan[lan], kommuner=kommuner.get(lan, 0))
    t.rad(
        "totalt",
        "Totalt",
        forbund=sum(per_lan.values()),
        kommuner=members.aggregate(n=Count("kommun", distinct=True))["n"],
    )
    return t


def _t1(u: _Underlag) -> Tabell:
    t = Tabell(
        "T1",
        "Insatser",
        ["antal", "nya", "forbund"],
        "Insatser verksamma under året; nya = startade under året; förbund = antal förbund med "
        "minst en sådan insats.",
    )
    first, last = _year(u.ar)
    rows: dict[str, Q] = {}
    for niva, typer in TYPER_PER_NIVA.items():
        for typ in typer:
            rows[f"{niva}_{typ}"] = Q(niva=niva, typ=typ)
        rows[str(niva)] = Q(niva=niva)
    rows["totalt"] = Q()
    for kod in BehovsgruppKod.values:
        rows[f"behovsgrupp_{kod}"] = Q(behovsgrupper__kod=kod)
    rows["volyminsatser"] = Q(niva=Niva.INDIVID, deltagarregistrering=Deltagarregistrering.VOLYM)
    aggregates = {}
    for kod, q in rows.items():
        aggregates[f"{kod}__antal"] = Count("pk", filter=q, distinct=True)
        aggregates[f"{kod}__nya"] = Count(
            "pk", filter=q & Q(startdatum__gte=first, startdatum__lte=last), distinct=True
        )
        aggregates[f"{kod}__forbund"] = Count("forbund", filter=q, distinct=True)
    result = u.insatser.aggregate(**aggregates)
    labels = _t1_labels()
    for kod in rows:
        t.rad(kod, labels[kod], **{c: result[f"{kod}__{c}"] for c in t.kolumner})
    return t


def _t1_labels() -> dict[str, str]:
    labels = {}
    for niva, typer in TYPER_PER_NIVA.items():
        for typ in typer:
            labels[f"{niva}_{typ}"] = f"{Niva(niva).label}: {Insatstyp(typ).label}"
        labels[str(niva)] = f"{NIVA_PLURAL[Niva(niva)]}, totalt"
    labels["totalt"] = "Insatser totalt"
    for kod, label in BehovsgruppKod.choices:
        labels[f"behovsgrupp_{kod}"] = f"Riktade till {str(label).lower()}"
    labels["volyminsatser"] = "Volyminsatser"
    return labels


def _t2(u: _Underlag) -> Tabell:
    t = Tabell(
        "T2",
        "Deltagare i individinriktade insatser",
        list(KON),
        "Deltaganden verksamma under året (start senast 31 december och inget slut före 1 januari); "
        "individer = olika personer (efter personnummer, också över förbundsgränser); volym och "
        "strukturdeltagare = antal registrerade under året.",
        personkolumner=set(KON),
        radsummor=[(("kvinnor", "man"), "totalt")],
    )
    fakta = u.fakta
    counts = {
        f"{rad}_{'person' if form == Registreringsform.PERSON else 'anonyma'}": fakta.count(
            "alla",
            lambda r, form=form, rad=rad: (
                r.registreringsform == form and (r.aktiv if rad == "aktiva" else r.ny)
            ),
        )
        for rad in ("aktiva", "nya")
        for form in Registreringsform.values
    }
    volym = u.volym.aggregate(
        kvinnor=Coalesce(Sum("kvinnor"), 0),
        man=Coalesce(Sum("man"), 0),
        okant=Coalesce(Sum("okant"), 0),
    )
    volym_row = {"kvinnor": volym["kvinnor"], "man": volym["man"]}
    volym_row["totalt"] = volym["kvinnor"] + volym["man"] + volym["okant"]
    struktur = u.struktur.aggregate(
        n=Coalesce(Sum(F("myndighetspersonal") + F("arbetsgivare") + F("ovriga")), 0)
    )["n"]
    total = {
        k: counts["aktiva_person"][k] + counts["aktiva_anonyma"][k] + volym_row[k] for k in KON
    }
    t.rad("person_deltaganden", "Deltaganden med personuppgifter", **counts["aktiva_person"])
    t.rad("person_individer", "Individer med personuppgifter", **fakta.individer())
    t.rad("anonyma_deltaganden", "Anonyma deltaganden", **counts["aktiva_anonyma"])
    t.rad("volym", "Deltagare i volyminsatser", **volym_row)
    t.rad("individinriktade_totalt", "Deltagare i individinriktade insatser, totalt", **total)
    t.rad("nyinskrivna_person", "Nyinskrivna med personuppgifter", **counts["nya_person"])
    t.rad("nyinskrivna_anonyma", "Nyinskrivna anonyma", **counts["nya_anonyma"])
    t.rad("strukturdeltagare", "Deltagare i strukturinriktade insatser", totalt=struktur)
    t.kolumnsummor = [
        (("person_deltaganden", "anonyma_deltaganden", "volym"), "individinriktade_totalt")
    ]
    alla = Bas("T2", "individinriktade_totalt")
    person = Bas("T2", "person_deltaganden")
    t.andelsbas = {
        "person_deltaganden": alla,
        "anonyma_deltaganden": alla,
        "volym": alla,
        "nyinskrivna_person": person,
        "person_individer": person,
    }
    return t


class Test(typing.Protocol):
    """A row's test of a combination (a record of its branch). A protocol, not a Callable,
    so that mypy infers the rows' lambdas that bind a loop variable as a default."""

    def __call__(self, record: Any, /) -> bool: ...


# The base of the shares of the start-profile tables (T3–T6, T12).
PERSONBAS = Bas("T2", "person_deltaganden")


def _person_table(
    u: _Underlag,
    kod: str,
    rubrik: str,
    regel: str,
    gren: str,
    rows: Mapping[str, tuple[str, Test]],
    bas: Bas | None,
) -> Tabell:
    """A table of kvinnor, man, totalt; each row counts the combinations of the branch that
    pass its test; every row's shares are of `bas` (when given)."""
    t = Tabell(
        kod,
        rubrik,
        list(KON),
        regel,
        personkolumner=set(KON),
        radsummor=[(("kvinnor", "man"), "totalt")],
    )
    for row_kod, (label, test) in rows.items():
        t.rad(row_kod, label, **u.fakta.count(gren, test))
    if bas:
        t.andelsbas = dict.fromkeys(rows, bas)
    return t


def _t3(u: _Underlag) -> Tabell:
    rows = {
        band: (label, lambda r, band=band: r.band == band) for band, (label, _) in AGE_BANDS.items()
    }
    return _person_table(
        u,
        "T3",
        "Ålder vid start",
        "Deltaganden med personuppgifter verksamma under året, efter ålder på startdagen.",
        "aktiva",
        rows,
        PERSONBAS,
    )


def _coded(code: str, value: str) -> bool:
    """One row per code; a missing value counts as `okand`."""
    return value == code or (code == "okand" and value == "")


def _profile_table(u: _Underlag, kod: str, rubrik: str, choices: Any, field_name: str) -> Tabell:
    """A start-profile table with one row per code of a code list (T4, T6): deltaganden with
    personal data active in the year, by the code registered at start."""
    rows = {
        code: (
            str(label),
            lambda r, code=code: (
                r.registreringsform == Registreringsform.PERSON
                and r.aktiv
                and _coded(code, getattr(r, field_name))
            ),
        )
        for code, label in choices.choices
    }
    return _person_table(
        u,
        kod,
        rubrik,
        "Deltaganden med personuppgifter verksamma under året; saknad uppgift räknas som "
        "uppgift saknas.",
        "alla",
        rows,
        PERSONBAS,
    )


def _t4(u: _Underlag) -> Tabell:
    return _profile_table(u, "T4", "Utbildningsnivå", Utbildningsniva, "utbildningsniva")


FORSORJNINGSGRUPPER = {
    "forsorjningsstod": "Försörjningsstöd",
    "aktivitetsstod": "Aktivitetsstöd",
    "sjuk_rehabpenning": "Sjuk- eller rehabiliteringspenning",
    "sjuk_aktivitetsersattning": "Sjuk- eller aktivitetsersättning",
    "studiestod": "Studiestöd",
    "a_kassa": "Arbetslöshetsersättning",
    "annan_offentlig": "Annan offentlig försörjning",
    "ingen_offentlig": "Ingen offentlig försörjning",
    "nagon_offentlig": "Någon offentlig försörjning",
}


def _t5(u: _Underlag) -> Tabell:
    rows = {
        g: (label, lambda r, g=g: g in r.forsorjning_fore)
        for g, label in FORSORJNINGSGRUPPER.items()
    }
    return _person_table(
        u,
        "T5",
        "Försörjning före insats",
        "Deltaganden med personuppgifter verksamma under året; ett deltagande räknas en gång i "
        "varje grupp det har, så raderna kan summera till mer än antalet deltaganden.",
        "aktiva",
        rows,
        PERSONBAS,
    )


def _t6(u: _Underlag) -> Tabell:
    return _profile_table(
        u,
        "T6",
        "Tid i offentlig försörjning före insats",
        TidOffentligForsorjning,
        "tid_offentlig_forsorjning",
    )


AVSLUTADE = ("avslutade", ("Avslutade deltaganden", lambda r: True))


def _t7(u: _Underlag) -> Tabell:
    orsaker = {
        code: (str(label), lambda r, code=code: _coded(code, r.avslutsorsak))
        for code, label in Avslutsorsak.choices
    }
    t = _person_table(
        u,
        "T7",
        "Avslut",
        "Deltaganden med personuppgifter: registrerade = verksamma under året; avslutade = "
        "slutdatum under året, fördelade efter avslutsorsak.",
        "avslut",
        dict([AVSLUTADE]) | orsaker,
        None,
    )
    registrerade = u.fakta.count(
        "alla", lambda r: r.aktiv and r.registreringsform == Registreringsform.PERSON
    )
    t.rader.insert(
        0, {"kod": "registrerade", "etikett": "Registrerade deltaganden", **registrerade}
    )
    t.kolumnsummor = [(tuple(Avslutsorsak.values), "avslutade")]
    t.andelsbas = dict.fromkeys(orsaker, Bas("T7", "avslutade"))
    return t


def _sysselsattning(code: str, codes: frozenset[str]) -> bool:
    """A code row of sysselsättning: the deltagande has the code; none at all counts as okänd."""
    return code in codes or (code == Sysselsattning.OKAND and not codes)


def _aos(codes: frozenset[str]) -> bool:
    """Arbete eller studier: any of its codes, once per deltagande."""
    return not codes.isdisjoint(ARBETE_ELLER_STUDIER)


def _avslut_table(
    u: _Underlag, kod: str, rubrik: str, regel: str, rows: dict[str, tuple[str, Test]]
) -> Tabell:
    """A table of the deltaganden ended in the year: the row `avslutade` first, every other
    row with its share of it."""
    t = _person_table(u, kod, rubrik, regel, "avslut", dict([AVSLUTADE]) | rows, None)
    t.andelsbas = dict.fromkeys(rows, Bas(kod, "avslutade"))
    return t


def _t8(u: _Underlag) -> Tabell:
    rows: dict[str, tuple[str, Test]] = {
        "arbete_eller_studier": (
            "Arbete eller studier",
            lambda r: _aos(r.sysselsattning_efter),
        ),
        **{
            code: (
                str(label),
                lambda r, code=code: _sysselsattning(code, r.sysselsattning_efter),
            )
            for code, label in Sysselsattning.choices
        },
    }
    return _avslut_table(
        u,
        "T8",
        "Sysselsättning efter avslut",
        "Deltaganden med personuppgifter avslutade under året; ett deltagande kan räknas i flera "
        "rader, ett utan uppgift räknas som uppgift saknas.",
        rows,
    )


def _t9(u: _Underlag) -> Tabell:
    rows: dict[str, tuple[str, Test]] = {
        "fore": ("Arbete eller studier vid start", lambda r: r.aos_fore),
        "efter": ("Arbete eller studier vid avslut", lambda r: _aos(r.sysselsattning_efter)),
    }
    return _avslut_table(
        u,
        "T9",
        "Arbete eller studier före och efter",
        "Deltaganden med personuppgifter avslutade under året.",
        rows,
    )


def _t10(u: _Underlag) -> Tabell:
    columns = ["fore_kvinnor", "fore_man", "fore", "efter_kvinnor", "efter_man", "efter"]
    t = Tabell(
        "T10",
        "Försörjning före och efter",
        columns,
        "Deltaganden med personuppgifter avslutade under året, försörjning vid start och vid avslut.",
        personkolumner=set(columns),
        radsummor=[
            (("fore_kvinnor", "fore_man"), "fore"),
            (("efter_kvinnor", "efter_man"), "efter"),
        ],
    )
    # One pass over the (före, efter) combinations: each adds to every group it has.
    counts: dict[str, Counter] = defaultdict(Counter)
    for kon, r, (n, *_) in u.fakta.grenar["forsorjning_avslut"]:
        suffix = KON_KOLUMN.get(kon)
        for when, codes in (("fore", r.fore), ("efter", r.efter)):
            for kod in ("avslutade", *codes):
                counts[kod][when] += n
                if suffix:
                    counts[kod][f"{when}_{suffix}"] += n
    labels = {"avslutade": "Avslutade deltaganden", **FORSORJNINGSGRUPPER}
    for kod, label in labels.items():
        t.rad(kod, label, **{c: counts[kod][c] for c in columns})
    t.andelsbas = dict.fromkeys(FORSORJNINGSGRUPPER, Bas("T10", "avslutade"))
    return t


def _t11(u: _Underlag) -> Tabell:
    rows = {
        kod: (label, lambda r, kod=kod: r.manader == kod)
        for kod, label in (
            ("upp_till_6", "Upp till 6 månader"),
            ("upp_till_12", "Mer än 6 och upp till 12 månader"),
            ("over_12", "Mer än 12 månader"),
        )
    }
    return _person_table(
        u,
        "T11",
        "Tid i insats",
        "Deltaganden med personuppgifter avslutade under året, efter tid från start till avslut "
        "(kalendermånader).",
        "avslut",
        rows,
        Bas("T7", "avslutade"),
    )


def _t12(u: _Underlag) -> Tabell:
    t = Tabell(
        "T12",
        "Behovsgrupper bland deltagarna",
        [*KON, "individer", "foregaende_ar"],
        "Deltaganden med personuppgifter verksamma under året; unga med aktivitetsersättning = "
        "högst 29 år med aktivitetsersättning vid start; sjukskrivna = sjuk- eller "
        "rehabiliteringspenning vid start; individer = olika personer i gruppen; föregående år "
        "= totalt året före.",
        personkolumner={*KON, "individer", "foregaende_ar"},
        radsummor=[(("kvinnor", "man"), "totalt")],
    )
    personer = u.fakta.personer
    for kod, (label, _) in BEHOVSGRUPPER.items():
        values = {
            column: personer[column].grupper[kod][0] if column in personer else 0 for column in KON
        }
        total = personer.get("totalt")
        t.rad(
            kod,
            label,
            **values,
            individer=total.grupper[kod][2] if total else 0,
            foregaende_ar=total.grupper[kod][1] if total else 0,
        )
    t.andelsbas = dict.fromkeys(BEHOVSGRUPPER, Bas("T2", "person_deltaganden", kolumner=KON))
    return t


def _t13(u: _Underlag) -> Tabell:
    t = Tabell(
        "T13",
        "Ekonomi",
        ["budget", "utfall"],
        "Medlemsbidrag för året ur förbundsregistret (beslutat som budget, inbetalt som utfall), "
        "övrig finansiering och kostnader; administrationens andel i promille av kostnaderna; "
        "eget kapital in (fjolårets utgående) och ut, i promille av medlemsbidragen; kostnad per "
        "deltagare (T2, totalt) och per invånare i medlemskommunerna (senaste folkmängd).",
    )
    bidrag = u.bidrag.aggregate(
        **{
            f"{typ}__{col}": Coalesce(Sum(src, filter=Q(medlemskap__medlemstyp=typ)), 0)
            for typ in (Medlemstyp.FORSAKRINGSKASSAN, Medlemstyp.REGION, Medlemstyp.KOMMUN)
            for col, src in (("budget", "beslutat"), ("utfall", "inbetalt"))
        }
    )
    lines = {
        "finansiering_esf": Q(rad=Finansiering.ESF),
        "finansiering_annan_extern": Q(rad=Finansiering.ANNAN_EXTERN),
        "finansiering_eget_kapital": Q(rad=Finansiering.EGET_KAPITAL),
        "kostnad_individ": Q(rad__in=INSATSRADER, insats__niva=Niva.INDIVID),
        "kostnad_struktur": Q(rad__in=INSATSRADER, insats__niva=Niva.STRUKTUR),
        "kostnad_administration": Q(rad__in=ADMINISTRATIONSRADER),
        "eget_kapital_utgaende": Q(rad=Balans.EGET_KAPITAL_UB),
    }
    ekonomi = u.ekonomi.aggregate(
        **{
            f"{kod}__{col}": Coalesce(Sum(col, filter=q), 0)
            for kod, q in lines.items()
            for col in ("budget", "utfall")
        }
    )
    values: dict[str, dict[str, int]] = {}
    for typ, kod in (
        ("forsakringskassan", "bidrag_forsakringskassan"),
        ("region", "bidrag_region"),
        ("kommun", "bidrag_kommun"),
    ):
        values[kod] = {c: bidrag[f"{typ}__{c}"] for c in ("budget", "utfall")}
    for kod in lines:
        values[kod] = {c: ekonomi[f"{kod}__{c}"] for c in ("budget", "utfall")}
    intakter = (
        "bidrag_forsakringskassan",
        "bidrag_region",
        "bidrag_kommun",
        "finansiering_esf",
        "finansiering_annan_extern",
        "finansiering_eget_kapital",
    )
    kostnader = ("kostnad_individ", "kostnad_struktur", "kostnad_administration")
    values["intakter"] = {c: sum(values[k][c] for k in intakter) for c in ("budget", "utfall")}
    values["kostnader"] = {c: sum(values[k][c] for k in kostnader) for c in ("budget", "utfall")}
    values["administration_andel_promille"] = {
        c: promille(values["kostnad_administration"][c], values["kostnader"][c])
        for c in ("budget", "utfall")
    }
    # The ingående balans of Y is the utgående (utfall) of Y−1, in both columns.
    ingaende = Ekonomirad.objects.filter(
        u.omfattning.forbund_q("forbund__"), ar=u.ar - 1, rad=Balans.EGET_KAPITAL_UB
    ).aggregate(n=Coalesce(Sum("utfall"), 0))["n"]
    values["eget_kapital_ingaende"] = {"budget": ingaende, "utfall": ingaende}
    bidrag_summa = {
        c: sum(values[k][c] for k in ("bidrag_forsakringskassan", "bidrag_region", "bidrag_kommun"))
        for c in ("budget", "utfall")
    }
    values["eget_kapital_andel_promille"] = {
        c: promille(values["eget_kapital_utgaende"][c], bidrag_summa[c])
        for c in ("budget", "utfall")
    }
    # Per participant: of T2's individinriktade_totalt (suppressed there → suppressed here,
    # or the count could be worked out from the cost).
    deltagare = u.tabeller["T2"].varde("individinriktade_totalt", "totalt")
    per_deltagare = {
        c: None if deltagare is None else _divide(values["kostnad_individ"][c], deltagare)
        for c in ("budget", "utfall")
    }
    invanare = _invanare(u)
    values["kronor_per_invanare_ore"] = {
        c: _divide(values["kostnader"][c] * 100, invanare) for c in ("budget", "utfall")
    }
    labels = {
        "bidrag_forsakringskassan": "Bidrag från Försäkringskassan (staten)",
        "bidrag_region": "Bidrag från regioner",
        "bidrag_kommun": "Bidrag från kommuner",
        "finansiering_esf": "Europeiska socialfonden",
        "finansiering_annan_extern": "Annan extern finansiering",
        "finansiering_eget_kapital": "Ianspråktaget eget kapital",
        "intakter": "Intäkter totalt",
        "kostnad_individ": "Kostnader för individinriktade insatser",
        "kostnad_struktur": "Kostnader för strukturinriktade insatser",
        "kostnad_administration": "Kostnader för administration",
        "kostnader": "Kostnader totalt",
        "administration_andel_promille": "Administrationens andel av kostnaderna (promille)",
        "eget_kapital_ingaende": "Eget kapital vid årets början (ingående balans)",
        "eget_kapital_utgaende": "Eget kapital vid årets slut (utgående balans)",
        "eget_kapital_andel_promille": "Eget kapital vid årets slut av medlemsbidragen (promille)",
        "kostnad_per_deltagare": "Kostnad per deltagare i individinriktade insatser (kr)",
        "kronor_per_invanare_ore": "Kostnader per invånare i medlemskommunerna (öre)",
    }
    # The amounts, and the one row that is None where T2 withholds its count.
    rader: dict[str, Mapping[str, int | None]] = {**values, "kostnad_per_deltagare": per_deltagare}
    for kod, label in labels.items():
        t.rad(kod, label, **rader[kod])
    return t


def _divide(part: int, whole: int | None) -> int:
    """part / whole in whole units, rounded half up; 0 where there is nothing to divide by."""
    if not whole:
        return 0
    return int((Decimal(part) / Decimal(whole)).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def _invanare(u: _Underlag) -> int:
    """The population of the kommuner that are members of a förbund of the scope in Y, each
    from Y or the latest year before Y that has one."""
    kommuner = (
        Medlemskap.objects.filter(forbund__in=u.forbund, kommun__isnull=False)
        .active_in_year(u.ar)
        .values("kommun")
    )
    latest = (
        Folkmangd.objects.filter(kommun__in=kommuner, ar__lte=u.ar)
        .order_by("kommun_id", "-ar")
        .distinct("kommun_id")
        .values_list("folkmangd", flat=True)
    )
    return sum(latest)


def _t14(u: _Underlag) -> Tabell:
    columns = ["insatser", "myndighetspersonal", "arbetsgivare", "ovriga", "totalt"]
    t = Tabell(
        "T14",
        "Strukturinriktade insatser",
        columns,
        "Strukturinriktade insatser verksamma under året och deras deltagare registrerade under året.",
        personkolumner={"myndighetspersonal", "arbetsgivare", "ovriga", "totalt"},
        radsummor=[(("myndighetspersonal", "arbetsgivare", "ovriga"), "totalt")],
    )
    typer = TYPER_PER_NIVA[Niva.STRUKTUR]
    insatser = u.insatser.filter(niva=Niva.STRUKTUR).aggregate(
        **{t_: Count("pk", filter=Q(typ=t_)) for t_ in typer}, totalt=Count("pk")
    )
    kategorier = ("myndighetspersonal", "arbetsgivare", "ovriga")
    aggregates = {
        f"{t_}__{c}": Coalesce(Sum(c, filter=Q(insats__typ=t_)), 0)
        for t_ in typer
        for c in kategorier
    }
    aggregates |= {f"totalt__{c}": Coalesce(Sum(c), 0) for c in kategorier}
    deltagare = u.struktur.filter(insats__niva=Niva.STRUKTUR).aggregate(**aggregates)
    for kod in (*typer, "totalt"):
        parts = {c: deltagare[f"{kod}__{c}"] for c in kategorier}
        label = "Totalt" if kod == "totalt" else str(Insatstyp(kod).label)
        t.rad(kod, label, insatser=insatser[kod], **parts, totalt=sum(parts.values()))
    t.kolumnsummor = [(tuple(typer), "totalt")]
    return t


def _t15(u: _Underlag) -> Tabell:
    t = Tabell(
        "T15",
        "Uppföljning efter avslut",
        ["uppfoljda", "arbete_eller_studier", "ingen_offentlig"],
        "Uppföljningar med uppföljningsdatum under året, per mätpunkt.",
        personkolumner={"uppfoljda", "arbete_eller_studier", "ingen_offentlig"},
    )
    base = Uppfoljning.objects.filter(
        u.omfattning.forbund_q("deltagande__insats__forbund__"), _in_year(u.ar, "datum")
    )
    # Grouped by mätpunkt and the two flags: a handful of rows, added up per mätpunkt here.
    counts: dict[int, Counter] = defaultdict(Counter)
    for matpunkt, aos, ingen, n in (
        base.order_by()
        .annotate(
            aos=_flag(Q(sysselsattning__overlap=AOS)),
            ingen=_flag(Q(forsorjning__contains=[Forsorjning.INGEN_OFFENTLIG])),
        )
        .values("matpunkt", "aos", "ingen")
        .annotate(n=Count("pk"))
        .values_list("matpunkt", "aos", "ingen", "n")
    ):
        counts[matpunkt].update(
            uppfoljda=n, arbete_eller_studier=n * aos, ingen_offentlig=n * ingen
        )
    for m, label in Uppfoljningspunkt.choices:
        t.rad(str(m), str(label), **{c: counts[m][c] for c in t.kolumner})
    t.andelsbas = {str(m): Bas("T15", None, "uppfoljda") for m in Uppfoljningspunkt.values}
    return t


def _t16(u: _Underlag) -> Tabell:
    t = Tabell(
        "T16",
        "Datakvalitet",
        ["antal", "andel_promille"],
        "Andelar i promille av radens nämnare: personuppgifter av alla deltaganden verksamma under "
        "året; öppna efter insatsens slut av alla verksamma; avslutade utan uppgift av avslutade.",
        personkolumner={"antal"},
        andelar={"andel_promille": "antal"},
    )
    fakta = u.fakta
    active = fakta.count("alla", lambda r: r.aktiv)["totalt"]
    person = fakta.count(
        "alla", lambda r: r.aktiv and r.registreringsform == Registreringsform.PERSON
    )["totalt"]
    oppna = fakta.count("alla", lambda r: r.aktiv and r.oppen)["totalt"]
    avslutade = fakta.count("avslut")["totalt"]
    utan_syss = fakta.count(
        "avslut",
        lambda r: r.sysselsattning_efter in (frozenset(), frozenset({Sysselsattning.OKAND})),
    )["totalt"]
    utan_fors = fakta.count("forsorjning_avslut", lambda r: not r.efter)["totalt"]
    rows = [
        ("personuppgifter", "Deltaganden med personuppgifter", person, active),
        ("oppna_efter_insatsslut", "Öppna deltaganden efter insatsens slut", oppna, active),
        (
            "avslutade_utan_sysselsattning",
            "Avslutade utan sysselsättning vid avslut",
            utan_syss,
            avslutade,
        ),
        (
            "avslutade_utan_forsorjning",
            "Avslutade utan försörjning vid avslut",
            utan_fors,
            avslutade,
        ),
    ]
    for kod, label, part, whole in rows:
        t.rad(kod, label, antal=part, andel_promille=promille(part, whole))
    return t


def _t17(u: _Underlag) -> Tabell | None:
    if u.omfattning.typ == "forbund":
        return None
    columns = [
        "person_deltaganden",
        "anonyma_deltaganden",
        "volym",
        "avslutade",
        "arbete_eller_studier",
        "personuppgifter_promille",
        "insatser",
    ]
    t = Tabell(
        "T17",
        "Förbund jämförda",
        columns,
        "Per förbund: deltaganden verksamma under året, volym under året, avslutade under året "
        "och andelen med arbete eller studier vid avslut, andel med personuppgifter, insatser.",
        personkolumner={
            "person_deltaganden",
            "anonyma_deltaganden",
            "volym",
            "avslutade",
            "arbete_eller_studier",
        },
        andelar={"personuppgifter_promille": "person_deltaganden"},
        kodrubrik="Organisationsnummer",
    )
    d = _per_insats(u, "forbund")
    volym = {k: sum(v) for k, v in u.volym_per("insats__forbund").items()}
    insatser = dict(
        u.insatser.values("forbund").annotate(n=Count("pk")).values_list("forbund", "n")
    )
    for f in u.forbund_lista:
        row = d.get(f.pk, defaultdict(int))
        t.rad(
            f.organisationsnummer,
            f.namn,
            person_deltaganden=row["person"],
            anonyma_deltaganden=row["anonyma"],
            volym=volym.get(f.pk, 0),
            avslutade=row["avslutade"],
            arbete_eller_studier=row["aos"],
            personuppgifter_promille=promille(row["person"], row["person"] + row["anonyma"]),
            insatser=insatser.get(f.pk, 0),
        )
    return t


UPPFOLJNINGSMETOD = {"individuell": "Individuell", "volym": "Volym", "struktur": "Struktur"}
BIDRAGSTYPER = (Medlemstyp.FORSAKRINGSKASSAN, Medlemstyp.REGION, Medlemstyp.KOMMUN)


def _uppfoljningsmetod(insats: Insats) -> str:
    """How Uppföljning Finsam follows the insats up: one by one, by volume or as structure."""
    if insats.niva == Niva.STRUKTUR:
        return "struktur"
    return "volym" if insats.is_volyminsats else "individuell"


def _malgrupp(insats: Insats) -> str:
    behovsgrupper = [str(b.get_kod_display()) for b in insats.behovsgrupper.all()]
    return "; ".join(p for p in (insats.malgrupp_text.strip(), ", ".join(behovsgrupper)) if p)


def _t18(u: _Underlag) -> Tabell:
    columns = [
        "niva",
        "typ",
        "uppfoljningsmetod",
        "malgrupp",
        "esf",
        "budget",
        "utfall",
        "varav_esf_budget",
        "varav_esf_utfall",
        "planerat_antal",
        "deltagare_kvinnor",
        "deltagare_man",
        "deltagare_okant",
        "strukturdeltagare",
        *BIDRAGSTYPER,
    ]
    per_forbund = u.omfattning.typ != "forbund"
    t = Tabell(
        "T18",
        "Uppföljning Finsam",
        columns,
        "Fält för fält det Uppföljning Finsam frågar efter: per insats verksam under året (för län "
        "och riket per förbund, summan av dess insatser) budget och utfall för insatsens "
        "kostnader och varav ESF, planerat antal, deltagare (med personuppgifter, anonyma och "
        "volym) och strukturdeltagare under året; tilldelade medel = beslutade medlemsbidrag per "
        "part; eget kapital = utgående balans.",
        personkolumner={
            "deltagare_kvinnor",
            "deltagare_man",
            "deltagare_okant",
            "strukturdeltagare",
        },
        kodrubrik="Organisationsnummer" if per_forbund else "Insatskod",
        etiketter={
            "niva": "niva_etikett",
            "typ": "typ_etikett",
            "uppfoljningsmetod": "uppfoljningsmetod_etikett",
        },
    )
    money: dict[int, Counter] = defaultdict(Counter)
    for insats, rad, budget, utfall in (
        u.ekonomi.filter(rad__in=INSATSRADER)
        .values("insats", "rad")
        .annotate(b=Sum("budget"), f=Coalesce(Sum("utfall"), 0))
        .values_list("insats", "rad", "b", "f")
    ):
        money[insats].update(budget=budget, utfall=utfall)
        if rad == Kostnadsslag.INSATS_ESF:
            money[insats].update(varav_esf_budget=budget, varav_esf_utfall=utfall, esf=1)
    people = _per_insats(u, "insats")
    volym = u.volym_per("insats")
    struktur = dict(
        u.struktur.values("insats")
        .annotate(n=Sum(F("myndighetspersonal") + F("arbetsgivare") + F("ovriga")))
        .values_list("insats", "n")
    )
    insats_rows: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for i in u.insatser.prefetch_related("behovsgrupper").order_by("kod"):
        k, m, o = volym.get(i.pk, (0, 0, 0))
        metod = _uppfoljningsmetod(i)
        insats_rows[i.forbund_id].append(
            {
                "kod": i.kod,
                "namn": i.namn,
                "niva": i.niva,
                "niva_etikett": str(Niva(i.niva).label),
                "typ": i.typ,
                "typ_etikett": str(Insatstyp(i.typ).label),
                "uppfoljningsmetod": metod,
                "uppfoljningsmetod_etikett": UPPFOLJNINGSMETOD[metod],
                "malgrupp": _malgrupp(i),
                "esf": bool(money[i.pk]["esf"]),
                **{c: money[i.pk][c] for c in T18_PENGAR},
                "planerat_antal": i.planerat_antal_per_ar or 0,
                "deltagare_kvinnor": people[i.pk]["aktiva_kvinnor"] + k,
                "deltagare_man": people[i.pk]["aktiva_man"] + m,
                "deltagare_okant": o,
                "strukturdeltagare": struktur.get(i.pk, 0),
            }
        )
    # Cells that do not apply to a row are empty text (None would read as suppressed).
    empty = dict.fromkeys(("niva", "typ", "uppfoljningsmetod", "malgrupp", "esf"), "")
    empty |= dict.fromkeys(BIDRAGSTYPER, "")
    if per_forbund:
        for f in u.forbund_lista:
            own = insats_rows.get(f.pk, [])
            sums = {c: sum(r[c] for r in own) for c in (*T18_PENGAR, *T18_ANTAL)}
            esf = any(r["esf"] for r in own)
            t.rad(f.organisationsnummer, f.namn, **(empty | sums | {"esf": esf}))
    else:
        for rows in insats_rows.values():
            for row in rows:
                kod, namn = row.pop("kod"), row.pop("namn")
                t.rad(kod, namn, **(dict.fromkeys(BIDRAGSTYPER, "") | row))
    bidrag = u.bidrag.aggregate(
        b=Coalesce(Sum("beslutat"), 0),
        f=Coalesce(Sum("inbetalt"), 0),
        **{
            typ: Coalesce(Sum("beslutat", filter=Q(medlemskap__medlemstyp=typ)), 0)
            for typ in BIDRAGSTYPER
        },
    )
    lines = u.ekonomi.aggregate(
        **{
            f"{kod}_{col}": Coalesce(Sum(col, filter=q), 0)
            for kod, q in (
                ("adm", Q(rad__in=ADMINISTRATIONSRADER)),
                ("ek", Q(rad=Balans.EGET_KAPITAL_UB)),
            )
            for col in ("budget", "utfall")
        }
    )
    t.rad(
        "tilldelade_medel",
        "Tilldelade medel (medlemsbidrag)",
        **(empty | {typ: bidrag[typ] for typ in BIDRAGSTYPER}),
        budget=bidrag["b"],
        utfall=bidrag["f"],
    )
    t.rad(
        "administration",
        "Administration",
        **empty,
        budget=lines["adm_budget"],
        utfall=lines["adm_utfall"],
    )
    t.rad(
        "eget_kapital",
        "Eget kapital vid årets slut (utgående balans)",
        **empty,
        budget=lines["ek_budget"],
        utfall=lines["ek_utfall"],
    )
    for row in t.rader:
        for label in t.etiketter.values():
            row.setdefault(label, "")
    t.summarader = {"tilldelade_medel", "administration", "eget_kapital"}
    return t


T18_PENGAR = ("budget", "utfall", "varav_esf_budget", "varav_esf_utfall")
T18_ANTAL = (
    "planerat_antal",
    "deltagare_kvinnor",
    "deltagare_man",
    "deltagare_okant",
    "strukturdeltagare",
)


BUILDERS += [_t0, _t1, _t2, _t3, _t4, _t5, _t6, _t7, _t8, _t9, _t10, _t11, _t12, _t13]
BUILDERS += [_t14, _t15, _t16, _t17, _t18]
# What T19 reads of an earlier year.
T19_BUILDERS = [_t0, _t1, _t2, _t7, _t9, _t10, _t13]


# ---------------------------------------------------------------- suppression


def suppress(t: Tabell, threshold: int) -> None:
    """Primary suppression of counts 1..threshold-1, then complementary suppression along
    every stated row or column total, then shares computed from suppressed counts."""
    hidden: set[tuple[str, str]] = set()
    for row in t.rader:
        for column in t.personkolumner:
            value = row[column]
            if isinstance(value, int) and 0 < value < threshold:
                hidden.add((row["kod"], column))
    rows = {row["kod"]: row for row in t.rader}
    changed = True
    while changed:
        changed = False
        groups: list[list[tuple[str, str]]] = []
        for parts, total in t.radsummor:
            for kod in rows:
                groups.append([(kod, c) for c in (*parts, total)])
        for parts, total in t.kolumnsummor:
            for column in t.personkolumner:
                groups.append([(r, column) for r in (*parts, total) if r in rows])
        for cells in groups:
            in_group = [c for c in cells if c in hidden]
            if len(in_group) != 1:
                continue
            candidates = [
                c
                for c in cells
                if c not in hidden and isinstance(rows[c[0]][c[1]], int) and rows[c[0]][c[1]] > 0
            ]
            if candidates:
                hidden.add(min(candidates, key=lambda c: rows[c[0]][c[1]]))
                changed = True
    for share, count in t.andelar.items():
        for kod in rows:
            if (kod, count) in hidden:
                hidden.add((kod, share))
    for kod, column in hidden:
        t.dolda[(kod, column)] = rows[kod][column]
        rows[kod][column] = None
    order = {row["kod"]: i for i, row in enumerate(t.rader)}
    t.undertryckta = [
        f"{kod}.{column}"
        for kod, column in sorted(hidden, key=lambda c: (order[c[0]], t.kolumner.index(c[1])))
    ]


# ---------------------------------------------------------------- relations between the cells
#
# What a reader can use to work out one cell from others of the same report (spec version 2,
# "Disclosure control across the whole report"): the secondary suppression and its audit
# (rapporter/disclosure.py) hold every suppressed cell against all of them. A new table or
# column adds its relations here, in table order. The shares (`andel`) of every table come
# from its `andelsbas` and need no line here.

_K = {c: c for c in KON}
_T2_PERSONRADER = (
    "person_deltaganden",
    "person_individer",
    "anonyma_deltaganden",
    "nyinskrivna_person",
    "nyinskrivna_anonyma",
)
_GRUPPER = tuple(g for g in FORSORJNINGSGRUPPER if g not in ("ingen_offentlig", "nagon_offentlig"))
_FORE = {"kvinnor": "fore_kvinnor", "man": "fore_man", "totalt": "fore"}
_EFTER = {"kvinnor": "efter_kvinnor", "man": "efter_man", "totalt": "efter"}


def _cell(tabell: str, rad: str, kolumn: str | dict[str, str] | None = None) -> tuple[Celler]:
    return (Celler(tabell, (rad,), kolumn),)


def _at_most(delar: tuple[Celler, ...], helhet: tuple[Celler, ...], kolumner=KON) -> Summa:
    """Each cell of `delar` on its own is at most `helhet`."""
    return Summa(delar, helhet, kolumner, Tecken.HOGST, var_for_sig=True)


def _t17_relationer(tabeller: Mapping[str, Tabell]) -> list[Relation]:
    """T17's share with personal data, per förbund: person of person + anonyma."""
    if "T17" not in tabeller:
        return []
    return [
        Kvot(
            Celler("T17", (kod,), "personuppgifter_promille"),
            (Celler("T17", (kod,), "person_deltaganden"),),
            (
                Celler("T17", (kod,), "person_deltaganden"),
                Celler("T17", (kod,), "anonyma_deltaganden"),
            ),
        )
        for kod in (r["kod"] for r in tabeller["T17"].rader)
    ]


def _t19_relationer(tabeller: Mapping[str, Tabell]) -> list[Relation]:
    """T19's column Y repeats the cells it reads (a share: the same count of the same
    base); the earlier years: individer at most deltaganden; T12's year before at most
    T19's deltaganden of that year. None in a report built without T19."""
    if "T19" not in tabeller:
        return []
    t19 = tabeller["T19"]
    ar, rows = t19.kolumner[-1], {r["kod"] for r in t19.rader}
    out: list[Relation] = []
    for kod, (_, tabell, rad, kolumn, share) in T19_RADER.items():
        if kod not in rows or kolumn not in tabeller[tabell].personkolumner:
            continue
        if share:
            bas = tabeller[tabell].andelsbas[rad]
            base = (Celler(bas.tabell, (bas.rad or rad,), bas.kolumn or kolumn),)
            out.append(Kvot(Celler("T19", (kod,), ar), _cell(tabell, rad, kolumn), base))
        else:
            out.append(Kopia(("T19", kod, ar), (tabell, rad, kolumn)))
    for year in t19.kolumner[:-1]:
        out.append(
            _at_most(_cell("T19", "person_individer"), _cell("T19", "person_deltaganden"), (year,))
        )
    out.append(
        _at_most(
            (Celler("T12", None, "foregaende_ar"),),
            _cell("T19", "person_deltaganden", t19.kolumner[-2]),
        )
    )
    return out


RELATIONER: tuple[Relation, ...] = (
    # T2: kön columns; the person rows, the total, and their bounds.
    Radsumma(("T2",), ("kvinnor", "man"), "totalt", Tecken.SUMMA, rader=_T2_PERSONRADER),
    Radsumma(
        ("T2",), ("kvinnor", "man"), "totalt", Tecken.HOGST, ("volym", "individinriktade_totalt")
    ),
    Summa(
        (Celler("T2", ("person_deltaganden", "anonyma_deltaganden", "volym")),),
        _cell("T2", "individinriktade_totalt"),
        KON,
    ),
    _at_most(
        (Celler("T2", ("person_individer", "nyinskrivna_person")),),
        _cell("T2", "person_deltaganden"),
    ),
    _at_most(_cell("T2", "nyinskrivna_anonyma"), _cell("T2", "anonyma_deltaganden")),
    # T3–T12: kvinnor + man = totalt.
    Radsumma(
        ("T3", "T4", "T5", "T6", "T7", "T8", "T9", "T11", "T12"),
        ("kvinnor", "man"),
        "totalt",
        Tecken.SUMMA,
    ),
    Radsumma(("T10",), ("fore_kvinnor", "fore_man"), "fore", Tecken.SUMMA),
    Radsumma(("T10",), ("efter_kvinnor", "efter_man"), "efter", Tecken.SUMMA),
    # T3, T4, T6: the rows sum to T2's deltaganden with personal data.
    *(
        Summa((Celler(t),), _cell("T2", "person_deltaganden"), KON, Tecken.SUMMA)
        for t in ("T3", "T4", "T6")
    ),
    # T5: each group at most the deltaganden; någon offentlig covers the groups.
    _at_most((Celler("T5"),), _cell("T2", "person_deltaganden")),
    _at_most((Celler("T5", _GRUPPER),), _cell("T5", "nagon_offentlig")),
    Summa(_cell("T5", "nagon_offentlig"), (Celler("T5", _GRUPPER),), KON, Tecken.HOGST),
    # T7: registrerade are T2's; avslutade of them, by avslutsorsak.
    Summa(_cell("T7", "registrerade"), _cell("T2", "person_deltaganden"), KON),
    _at_most(_cell("T7", "avslutade"), _cell("T7", "registrerade")),
    Summa((Celler("T7", tuple(Avslutsorsak.values)),), _cell("T7", "avslutade"), KON, Tecken.SUMMA),
    # T8–T11: the same avslutade.
    *(Summa(_cell(t, "avslutade"), _cell("T7", "avslutade"), KON) for t in ("T8", "T9")),
    Summa(_cell("T10", "avslutade", _FORE), _cell("T7", "avslutade"), KON),
    Summa(_cell("T10", "avslutade", _EFTER), _cell("T7", "avslutade"), KON),
    _at_most((Celler("T8", lambda r: r["kod"] != "avslutade"),), _cell("T8", "avslutade")),
    _at_most((Celler("T8", tuple(ARBETE_ELLER_STUDIER)),), _cell("T8", "arbete_eller_studier")),
    Summa(
        _cell("T8", "arbete_eller_studier"),
        (Celler("T8", tuple(ARBETE_ELLER_STUDIER)),),
        KON,
        Tecken.HOGST,
    ),
    _at_most((Celler("T9", ("fore", "efter")),), _cell("T9", "avslutade")),
    Summa(_cell("T9", "efter"), _cell("T8", "arbete_eller_studier"), KON),
    *(
        _at_most(
            (Celler("T10", lambda r: r["kod"] != "avslutade", m),), _cell("T10", "avslutade", m)
        )
        for m in (_FORE, _EFTER)
    ),
    *(
        _at_most((Celler("T10", _GRUPPER, m),), _cell("T10", "nagon_offentlig", m))
        for m in (_FORE, _EFTER)
    ),
    Summa((Celler("T11"),), _cell("T7", "avslutade"), KON),
    # T12: of T2's deltaganden; unga 16–29 is T3's band, sjukskrivna T5's group.
    _at_most((Celler("T12"),), _cell("T2", "person_deltaganden")),
    Summa(_cell("T12", "unga_16_29"), _cell("T3", "16_29"), KON),
    Summa(_cell("T12", "sjukskrivna"), _cell("T5", "sjuk_rehabpenning"), KON),
    _at_most(_cell("T12", "unga_aktivitetsersattning"), _cell("T5", "sjuk_aktivitetsersattning")),
    Radsumma(("T12",), ("individer",), "totalt", Tecken.HOGST),
    _at_most((Celler("T12", None, "individer"),), _cell("T2", "person_individer", "totalt"), ("",)),
    # T13: the cost per participant is of T2's total.
    Kvot(
        Celler("T13", ("kostnad_per_deltagare",)),
        _cell("T13", "kostnad_individ"),
        _cell("T2", "individinriktade_totalt", "totalt"),
        ("budget", "utfall"),
        skala=1,
    ),
    # T14: categories add up to totalt, types to the totalt row, which T2 repeats.
    Radsumma(("T14",), ("myndighetspersonal", "arbetsgivare", "ovriga"), "totalt"),
    Summa(
        (Celler("T14", TYPER_PER_NIVA[Niva.STRUKTUR]),),
        _cell("T14", "totalt"),
        ("myndighetspersonal", "arbetsgivare", "ovriga", "totalt"),
        Tecken.SUMMA,
    ),
    Summa(
        _cell("T14", "totalt", "totalt"),
        _cell("T2", "strukturdeltagare", "totalt"),
        tecken=Tecken.SUMMA,
    ),
    # T15: of the followed up.
    Radsumma(("T15",), ("arbete_eller_studier",), "uppfoljda", Tecken.HOGST),
    Radsumma(("T15",), ("ingen_offentlig",), "uppfoljda", Tecken.HOGST),
    # T16: counts of T2, T7 and T8, and their shares.
    Summa(_cell("T16", "personuppgifter", "antal"), _cell("T2", "person_deltaganden", "totalt")),
    Summa(
        _cell("T16", "oppna_efter_insatsslut", "antal"),
        (Celler("T2", ("person_deltaganden", "anonyma_deltaganden"), "totalt"),),
        tecken=Tecken.HOGST,
    ),
    Summa(
        _cell("T16", "avslutade_utan_sysselsattning", "antal"),
        _cell("T8", "okand", "totalt"),
        tecken=Tecken.HOGST,
    ),
    Summa(
        _cell("T16", "avslutade_utan_forsorjning", "antal"),
        _cell("T7", "avslutade", "totalt"),
        tecken=Tecken.HOGST,
    ),
    *(
        Kvot(
            _cell("T16", rad, "andel_promille")[0],
            _cell("T16", rad, "antal"),
            (Celler("T2", ("person_deltaganden", "anonyma_deltaganden"), "totalt"),),
        )
        for rad in ("personuppgifter", "oppna_efter_insatsslut")
    ),
    *(
        Kvot(
            _cell("T16", rad, "andel_promille")[0],
            _cell("T16", rad, "antal"),
            _cell("T7", "avslutade", "totalt"),
        )
        for rad in ("avslutade_utan_sysselsattning", "avslutade_utan_forsorjning")
    ),
    # T17 (län, riket): the förbund add up to the report's totals.
    *(
        Summa((Celler("T17", None, kolumn),), _cell(tabell, rad, "totalt"), tecken=Tecken.SUMMA)
        for kolumn, tabell, rad in (
            ("person_deltaganden", "T2", "person_deltaganden"),
            ("anonyma_deltaganden", "T2", "anonyma_deltaganden"),
            ("volym", "T2", "volym"),
            ("avslutade", "T7", "avslutade"),
            ("arbete_eller_studier", "T8", "arbete_eller_studier"),
        )
    ),
    Radsumma(("T17",), ("avslutade",), "person_deltaganden", Tecken.HOGST),
    Radsumma(("T17",), ("arbete_eller_studier",), "avslutade", Tecken.HOGST),
    Egen(_t17_relationer),
    # T18: the deltagare columns add up to T2's, struktur to T2's and by type to T14's; each
    # row is at most its förbund in T17 (län, riket) or its insats in the catalogue.
    *(
        Summa(
            (Celler("T18", None, f"deltagare_{kon}"),),
            (Celler("T2", ("person_deltaganden", "anonyma_deltaganden", "volym"), kolumn),),
            tecken=Tecken.SUMMA,
        )
        for kon, kolumn in (("kvinnor", "kvinnor"), ("man", "man"))
    ),
    Summa(
        (
            Celler("T18", None, "deltagare_okant"),
            Celler("T2", ("volym",), "kvinnor"),
            Celler("T2", ("volym",), "man"),
        ),
        _cell("T2", "volym", "totalt"),
        tecken=Tecken.SUMMA,
    ),
    Summa(
        (Celler("T18", None, "strukturdeltagare"),),
        _cell("T2", "strukturdeltagare", "totalt"),
        tecken=Tecken.SUMMA,
    ),
    *(
        Summa(
            (
                Celler(
                    "T18",
                    lambda r, typ=typ: r["niva"] == Niva.STRUKTUR and r["typ"] == typ,
                    "strukturdeltagare",
                ),
            ),
            _cell("T14", typ, "totalt"),
            tecken=Tecken.SUMMA,
        )
        for typ in TYPER_PER_NIVA[Niva.STRUKTUR]
    ),
    Radvis(
        "T18",
        ("deltagare_kvinnor", "deltagare_man", "deltagare_okant"),
        "T17",
        ("person_deltaganden", "anonyma_deltaganden", "volym"),
    ),
    Radvis(
        "T18",
        ("deltagare_kvinnor", "deltagare_man", "deltagare_okant"),
        "insatskatalog",
        ("deltagare",),
    ),
    # The insats catalogue (förbund): the insatser add up to the report's totals.
    *(
        Summa(
            (Celler("insatskatalog", None, kolumn),),
            _cell(tabell, rad, "totalt"),
            tecken=Tecken.SUMMA,
        )
        for kolumn, tabell, rad in (
            ("deltagare", "T2", "individinriktade_totalt"),
            ("avslutade", "T7", "avslutade"),
            ("arbete_eller_studier", "T8", "arbete_eller_studier"),
        )
    ),
    Radsumma(("insatskatalog",), ("avslutade",), "deltagare", Tecken.HOGST),
    Radsumma(("insatskatalog",), ("arbete_eller_studier",), "avslutade", Tecken.HOGST),
    # T19: column Y repeats the year's cells.
    Egen(_t19_relationer),
)
