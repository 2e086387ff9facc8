"""The återrapportering: (year, scope) → the tables T0–T18 of spec/aterrapportering.md.

This module is the one place where the counting rules live. The tables about deltaganden
are counted from one statement (`_Fakta`: the year's rows materialised once, grouped by a
few codes per group of tables); the others by conditional aggregation in PostgreSQL
(`Count(..., filter=Q(...))`). The number of queries does not grow with the number of
förbund, insatser or deltaganden. The JSON, XLSX and PDF renderers all read the `Rapport`
built here.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.conf import settings
from django.db import connection
from django.db.models import (
    BooleanField,
    Case,
    Count,
    DateField,
    ExpressionWrapper,
    F,
    Func,
    IntegerField,
    Q,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce
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
from deltagare.models import Deltagande, Uppfoljning
from forbund.choices import Lan, Medlemstyp
from forbund.models import Forbund, Medlemsbidrag, Medlemskap
from insatser.choices import (
    ADMINISTRATIONSRADER,
    INSATSRADER,
    TYPER_PER_NIVA,
    BehovsgruppKod,
    Deltagarregistrering,
    Finansiering,
    Niva,
)
from insatser.models import Ekonomirad, Insats, Strukturdeltagare, Volymregistrering

KON = ("kvinnor", "man", "totalt")
RAPPORTGRUPPER = tuple(dict.fromkeys(FORSORJNING_RAPPORTGRUPP.values()))
AOS = list(ARBETE_ELLER_STUDIER)


# ---------------------------------------------------------------- scope and year


@dataclass(frozen=True)
class Omfattning:
    typ: str  # "forbund" | "lan" | "nationell"
    kod: str | None = None  # organisationsnummer, län code, or None

    def forbund_q(self, prefix: str = "") -> Q:
        if self.typ == "forbund":
            return Q(**{f"{prefix}organisationsnummer": self.kod})
        if self.typ == "lan":
            return Q(**{f"{prefix}lan": self.kod})
        return Q()

    def label(self) -> str:
        if self.typ == "forbund":
            forbund = Forbund.objects.filter(organisationsnummer=self.kod).first()
            return forbund.namn if forbund else self.kod or ""
        if self.typ == "lan":
            return f"{Lan(self.kod).label} län"
        return "Hela landet"


def _year(ar: int) -> tuple[dt.date, dt.date]:
    return dt.date(ar, 1, 1), dt.date(ar, 12, 31)


def _active(ar: int, start: str, end: str) -> Q:
    """Active in Y: start ≤ 31 Dec Y and (end empty or end ≥ 1 Jan Y)."""
    first, last = _year(ar)
    return Q(**{f"{start}__lte": last}) & (
        Q(**{f"{end}__isnull": True}) | Q(**{f"{end}__gte": first})
    )


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


class _Age(Func):
    """Whole years between two dates (birth date, start date)."""

    output_field = IntegerField()
    template = "date_part('year', age(%(expressions)s))::int"
    arg_joiner = ", "


# ---------------------------------------------------------------- the table object


@dataclass
class Tabell:
    kod: str
    rubrik: str
    kolumner: list[str]
    regel: str  # the counting rule in one sentence, for the PDF
    rader: list[dict[str, Any]] = field(default_factory=list)
    # Columns holding counts of persons or deltaganden (suppressed); shares derived from them.
    personkolumner: set[str] = field(default_factory=set)
    andelar: dict[str, str] = field(default_factory=dict)  # share column -> count column
    radsummor: list[tuple[tuple[str, ...], str]] = field(default_factory=list)
    kolumnsummor: list[tuple[tuple[str, ...], str]] = field(default_factory=list)
    undertryckta: list[str] = field(default_factory=list)

    def rad(self, kod: str, etikett: str, **values: Any) -> None:
        row = {"kod": kod, "etikett": etikett}
        for column in self.kolumner:
            row[column] = values.get(column, 0)
        self.rader.append(row)

    def varde(self, radkod: str, kolumn: str) -> Any:
        for row in self.rader:
            if row["kod"] == radkod:
                return row[kolumn]
        raise KeyError(radkod)

    def as_json(self) -> dict[str, Any]:
        return {
            "rubrik": self.rubrik,
            "kolumner": self.kolumner,
            "rader": self.rader,
            "undertryckta": self.undertryckta,
        }


@dataclass
class Rapport:
    ar: int
    omfattning: Omfattning
    undertryckt: bool
    skapad: dt.datetime
    tabeller: dict[str, Tabell]
    # Scope `forbund` only: the förbund's insatser with their figures for the year (PDF annex).
    insatskatalog: Tabell | None = None

    def as_json(self) -> dict[str, Any]:
        extra = {"insatskatalog": self.insatskatalog.as_json()} if self.insatskatalog else {}
        return {
            "rapport": "aterrapportering",
            "version": 1,
            "ar": self.ar,
            "omfattning": {"typ": self.omfattning.typ, "kod": self.omfattning.kod},
            "undertryckt": self.undertryckt,
            "skapad": self.skapad.isoformat(timespec="seconds"),
            "tabeller": {kod: t.as_json() for kod, t in self.tabeller.items()},
            **extra,
        }


def promille(part: int | None, whole: int | None) -> int | None:
    """part × 1000 / whole, rounded half up; 0 when whole is 0."""
    if part is None or whole is None:
        return None
    if not whole:
        return 0
    return int((Decimal(part) * 1000 / Decimal(whole)).quantize(Decimal(1), rounding=ROUND_HALF_UP))


# ---------------------------------------------------------------- the computation


class _Underlag:
    """The scoped base querysets of one report, and the one pass over its deltaganden."""

    def __init__(self, ar: int, omfattning: Omfattning) -> None:
        self.ar = ar
        self.omfattning = omfattning
        self.forbund = Forbund.objects.filter(omfattning.forbund_q()).filter(
            _active(ar, "bildad", "upphord")
        )
        forbund_scope = omfattning.forbund_q("forbund__")
        self.insatser = (
            Insats.objects.filter(forbund_scope)
            .annotate(slut=Coalesce("avslutad_datum", "slutdatum"))
            .filter(_active(ar, "startdatum", "slut"))
        )
        # Every deltagande table counts within Y and Y−1 (active, new, ended in Y; active
        # in Y−1 for T12): the window lets PostgreSQL drop older rows before joining.
        self.deltaganden = Deltagande.objects.filter(
            omfattning.forbund_q("insats__forbund__"),
            Q(slutdatum__isnull=True) | Q(slutdatum__gte=dt.date(ar - 1, 1, 1)),
            startdatum__lte=dt.date(ar, 12, 31),
            insats__niva=Niva.INDIVID,
            insats__deltagarregistrering=Deltagarregistrering.INDIVIDUELL,
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

    def active(self, ar: int | None = None) -> Q:
        return _active(ar or self.ar, "startdatum", "slutdatum")

    def avslutade(self) -> Q:
        return _in_year(self.ar, "slutdatum")

    @cached_property
    def fakta(self) -> _Fakta:
        return _Fakta.read(self)

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
# Every table about deltaganden (T2–T12, T16–T18 and the insats catalogue) is counted from
# one SQL statement: the scoped rows of the window, each with its flags for the year
# (active, new, ended, …), are materialised once, and one GROUP BY per group of tables
# over them gives counts per combination of a few codes. The counting rules then decide,
# for each combination, which table rows it belongs to (the `test` functions below), so a
# deltagande with several codes counts once in each group it has. The combinations are few
# (codes, not people), so the Python side is small whatever the number of deltaganden.

# Age bands at start (T3, T12): code → (label, highest age in the band).
AGE_BANDS = {
    "under_16": ("Under 16 år", 15),
    "16_29": ("16–29 år", 29),
    "30_44": ("30–44 år", 44),
    "45_59": ("45–59 år", 59),
    "60_": ("60 år och äldre", None),
}
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
KON_KOLUMN = {Kon.KVINNA: "kvinnor", Kon.MAN: "man"}

# A branch: the columns (or expressions over them) it groups by beside kön, each with how
# its text is read back (b: flag, s: code, a: set of codes, i: id), and which rows it counts.
_GRENAR: dict[str, tuple[tuple[tuple[str, str], ...], str]] = {
    # T2, T4, T6, T7 (registrerade), T16
    "alla": (
        (
            ("registreringsform", "s"),
            ("f_aktiv", "b"),
            ("f_ny", "b"),
            ("f_oppen", "b"),
            ("utbildningsniva", "s"),
            ("tid_offentlig_forsorjning", "s"),
        ),
        "true",
    ),
    # T3, T5, T12 (this year and the year before)
    "aktiva": (
        (("f_aktiv", "b"), ("f_aktiv_fg", "b"), (_BAND_SQL, "s"), ("forsorjning_fore", "a")),
        "f_person AND (f_aktiv OR f_aktiv_fg)",
    ),
    # T7–T9, T11, T16
    "avslut": (
        (
            ("avslutsorsak", "s"),
            ("f_manader", "s"),
            ("sysselsattning_fore", "a"),
            ("sysselsattning_efter", "a"),
        ),
        "f_person AND f_avslutad",
    ),
    # T10 (and T16's försörjning at end)
    "forsorjning_avslut": (
        (("forsorjning_fore", "a"), ("forsorjning_efter", "a")),
        "f_person AND f_avslutad",
    ),
    # T17, T18 and the insats catalogue
    "insatser": ((("insats", "i"), ("f_forbund", "i")), "f_aktiv OR f_avslutad"),
}
# What a branch counts: every row, except for the insatser, where one row per insats and kön
# holds the deltaganden active in the year, those with personal data among them, those with
# personal data ended in the year and, among those, in work or studies at the end.
_RAKNARE: dict[str, tuple[str, ...]] = {
    "insatser": (
        "f_aktiv",
        "f_aktiv AND f_person",
        "f_avslutad AND f_person",
        "f_avslutad AND f_person AND f_aos",
    ),
}
# The columns of the materialised rows.
_KOLUMNER = (
    "person",
    "kon",
    "insats",
    "registreringsform",
    "utbildningsniva",
    "tid_offentlig_forsorjning",
    "avslutsorsak",
    "forsorjning_fore",
    "forsorjning_efter",
    "sysselsattning_fore",
    "sysselsattning_efter",
    "alder",
    "f_person",
    "f_aktiv",
    "f_aktiv_fg",
    "f_ny",
    "f_avslutad",
    "f_oppen",
    "f_aos",
    "f_manader",
    "f_forbund",
)
_DIMENSIONER = max(len(dims) for dims, _ in _GRENAR.values())
_ANTAL = max(len(counts) for counts in _RAKNARE.values())


def _grenar_sql() -> str:
    """One SELECT per branch over the materialised rows `b`, and the distinct persons (T2);
    every name comes from the constants above, never from input."""
    selects = []
    for gren, (dims, where) in _GRENAR.items():
        columns = [
            f"array_to_string({name}, ',')" if kind == "a" else f"({name})::text"
            for name, kind in dims
        ]
        columns += ["NULL"] * (_DIMENSIONER - len(dims))
        counts = [f"count(*) FILTER (WHERE {c})" for c in _RAKNARE.get(gren, ())] or ["count(*)"]
        columns += counts + ["NULL::bigint"] * (_ANTAL - len(counts))
        group = ", ".join(["kon", *(name for name, _ in dims)])
        selects.append(
            f"SELECT '{gren}', kon, {', '.join(columns)} FROM b "  # noqa: S608
            f"WHERE {where} GROUP BY {group}"
        )
    nulls = ", ".join(["NULL"] * _DIMENSIONER + ["NULL::bigint"] * (_ANTAL - 1))
    selects.append(
        f"SELECT 'individer', kon, {nulls}, count(DISTINCT person) FROM b "  # noqa: S608
        "WHERE f_person AND f_aktiv GROUP BY GROUPING SETS ((kon), ())"
    )
    return " UNION ALL ".join(selects)


_GRENAR_SQL = _grenar_sql()


def _flag(q: Q) -> ExpressionWrapper:
    return ExpressionWrapper(q, output_field=BooleanField())


class _Fakta:
    """Counts per branch and combination: `grenar[branch]` is a list of (kön, dims, n)."""

    def __init__(self, grenar: dict[str, list[tuple[str, tuple, int]]], individer: dict) -> None:
        self.grenar = grenar
        self.individer = individer

    @classmethod
    def read(cls, u: _Underlag) -> _Fakta:
        first, last = _year(u.ar)
        six = _PlusMonths(F("startdatum"), 6)
        twelve = _PlusMonths(F("startdatum"), 12)
        ended_insats = Q(insats__slutdatum__lte=last) | Q(insats__avslutad_datum__lte=last)
        rows = (
            u.deltaganden.annotate(
                alder=_Age(F("startdatum"), F("person__fodelsedatum")),
                f_person=_flag(PERSON),
                f_aktiv=_flag(u.active()),
                f_aktiv_fg=_flag(u.active(u.ar - 1)),
                f_ny=_flag(Q(startdatum__gte=first, startdatum__lte=last)),
                f_avslutad=_flag(Q(slutdatum__isnull=False) & u.avslutade()),
                f_oppen=_flag(u.active() & Q(slutdatum__isnull=True) & ended_insats),
                f_aos=_flag(Q(sysselsattning_efter__overlap=AOS)),
                f_manader=Case(
                    When(slutdatum__lte=six, then=Value("upp_till_6")),
                    When(slutdatum__lte=twelve, then=Value("upp_till_12")),
                    default=Value("over_12"),
                ),
                f_forbund=F("insats__forbund_id"),
            )
            .order_by()
            .values_list(*_KOLUMNER)
        )
        base_sql, params = rows.query.sql_with_params()
        sql = f"WITH b AS MATERIALIZED ({base_sql}) {_GRENAR_SQL}"
        grenar: dict[str, list[tuple[str, tuple, tuple[int, ...]]]] = defaultdict(list)
        individer = dict.fromkeys(KON, 0)
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            for gren, kon, *values in cursor.fetchall():
                counts = tuple(n for n in values[_DIMENSIONER:] if n is not None)
                if gren == "individer":
                    if kon is None or kon in KON_KOLUMN:
                        individer[KON_KOLUMN.get(kon, "totalt")] = counts[-1]
                    continue
                dims = _GRENAR[gren][0]
                grenar[gren].append(
                    (
                        kon,
                        tuple(_read(kind, v) for (_, kind), v in zip(dims, values, strict=False)),
                        counts,
                    )
                )
        return cls(grenar, individer)

    def count(self, gren: str, test: Callable[..., bool] = lambda *dims: True) -> dict[str, int]:
        """kvinnor, man, totalt of the combinations of a branch that pass the test."""
        out = dict.fromkeys(KON, 0)
        for kon, dims, (n, *_) in self.grenar[gren]:
            if test(*dims):
                if kon in KON_KOLUMN:  # a kön outside the code list counts in totalt only
                    out[KON_KOLUMN[kon]] += n
                out["totalt"] += n
        return out


def _read(kind: str, value: str | None) -> Any:
    if kind == "b":
        return value == "true"
    if kind == "a":
        return frozenset(value.split(",")) - {""} if value else frozenset()
    if kind == "i":
        return int(value) if value is not None else None
    return value or ""


PERSON = Q(registreringsform=Registreringsform.PERSON)
ANONYM = Q(registreringsform=Registreringsform.ANONYM)


def _label(choices: Any, value: str) -> str:
    return str(choices(value).label)


def build(*, ar: int, omfattning: Omfattning, undertryck: bool) -> Rapport:
    """The whole report for one year and scope. Suppressed when `undertryck` is set."""
    u = _Underlag(ar, omfattning)
    tabeller: dict[str, Tabell] = {}
    builders = [_t0, _t1, _t2, _t3, _t4, _t5, _t6, _t7, _t8, _t9, _t10, _t11, _t12, _t13]
    builders += [_t14, _t15, _t16, _t17, _t18]
    for builder in builders:
        tabell = builder(u)
        if tabell is not None:
            tabeller[tabell.kod] = tabell
    katalog = _insatskatalog(u) if omfattning.typ == "forbund" else None
    if undertryck:
        for tabell in [*tabeller.values(), *([katalog] if katalog else [])]:
            suppress(tabell, settings.FINSAM_UNDERTRYCK_GRANS)
    return Rapport(ar, omfattning, undertryck, timezone.localtime(), tabeller, katalog)


def _per_insats(u: _Underlag, key: str) -> dict[int, dict[str, int]]:
    """Per insats (key "insats") or förbund (key "forbund"): deltaganden active in the year
    (aktiva, and by kön aktiva_kvinnor, aktiva_man), with and without personal data (person,
    anonyma), avslutade with personal data and those among them in work or studies (aos)."""
    out: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for kon, (insats, forbund), (aktiva, person, avslutade, aos) in u.fakta.grenar["insatser"]:
        row = out[insats if key == "insats" else forbund]
        row["aktiva"] += aktiva
        row[f"aktiva_{KON_KOLUMN.get(kon, 'okant')}"] += aktiva
        row["person"] += person
        row["anonyma"] += aktiva - person
        row["avslutade"] += avslutade
        row["aos"] += aos
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
    )
    d = _per_insats(u, "insats")
    volym = {k: sum(v) for k, v in u.volym_per("insats").items()}
    for insats in u.insatser.order_by("kod"):
        row = d.get(insats.pk, {})
        t.rad(
            insats.kod,
            insats.namn,
            niva=insats.niva,
            typ=insats.typ,
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
    members = Medlemskap.objects.filter(forbund__in=u.forbund, kommun__isnull=False).filter(
        _active(u.ar, "intrade", "uttrade")
    )
    kommuner = dict(
        members.values("forbund__lan")
        .annotate(n=Count("kommun", distinct=True))
        .values_list("forbund__lan", "n")
    )
    for lan in sorted(per_lan):
        t.rad(lan, f"{Lan(lan).label} län", forbund=per_lan[lan], kommuner=kommuner.get(lan, 0))
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
    from insatser.choices import Insatstyp

    labels = {}
    for niva, typer in TYPER_PER_NIVA.items():
        for typ in typer:
            labels[f"{niva}_{typ}"] = f"{Niva(niva).label}: {Insatstyp(typ).label}"
        labels[str(niva)] = f"{Niva(niva).label}er, totalt"
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
        "individer = olika personer; volym och strukturdeltagare = antal registrerade under året.",
        personkolumner=set(KON),
        radsummor=[(("kvinnor", "man"), "totalt")],
    )
    fakta = u.fakta
    counts = {
        f"{rad}_{'person' if form == Registreringsform.PERSON else 'anonyma'}": fakta.count(
            "alla",
            lambda f, aktiv, ny, *_, form=form, rad=rad: (
                f == form and (aktiv if rad == "aktiva" else ny)
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
    t.rad("person_individer", "Individer med personuppgifter", **fakta.individer)
    t.rad("anonyma_deltaganden", "Anonyma deltaganden", **counts["aktiva_anonyma"])
    t.rad("volym", "Deltagare i volyminsatser", **volym_row)
    t.rad("individinriktade_totalt", "Deltagare i individinriktade insatser, totalt", **total)
    t.rad("nyinskrivna_person", "Nyinskrivna med personuppgifter", **counts["nya_person"])
    t.rad("nyinskrivna_anonyma", "Nyinskrivna anonyma", **counts["nya_anonyma"])
    t.rad("strukturdeltagare", "Deltagare i strukturinriktade insatser", totalt=struktur)
    t.kolumnsummor = [
        (("person_deltaganden", "anonyma_deltaganden", "volym"), "individinriktade_totalt")
    ]
    return t


Test = Callable[..., bool]


def _person_table(
    u: _Underlag, kod: str, rubrik: str, regel: str, gren: str, rows: dict[str, tuple[str, Test]]
) -> Tabell:
    """A table of kvinnor, man, totalt; each row counts the combinations of the branch that
    pass its test."""
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
    return t


def _t3(u: _Underlag) -> Tabell:
    rows = {
        band: (label, lambda aktiv, _fg, b, _f, band=band: aktiv and b == band)
        for band, (label, _) in AGE_BANDS.items()
    }
    return _person_table(
        u,
        "T3",
        "Ålder vid start",
        "Deltaganden med personuppgifter verksamma under året, efter ålder på startdagen.",
        "aktiva",
        rows,
    )


def _profil(form: str, aktiv: bool) -> bool:
    """The start profile tables (T4, T6): deltaganden with personal data active in the year."""
    return form == Registreringsform.PERSON and aktiv


def _coded(code: str, value: str) -> bool:
    """One row per code; a missing value counts as `okand`."""
    return value == code or (code == "okand" and value == "")


def _t4(u: _Underlag) -> Tabell:
    rows = {
        code: (
            str(label),
            lambda f, aktiv, _ny, _oppen, utb, _tid, code=code: (
                _profil(f, aktiv) and _coded(code, utb)
            ),
        )
        for code, label in Utbildningsniva.choices
    }
    return _person_table(
        u,
        "T4",
        "Utbildningsnivå",
        "Deltaganden med personuppgifter verksamma under året; saknad uppgift räknas som uppgift saknas.",
        "alla",
        rows,
    )


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


@functools.cache
def forsorjningsgrupper(codes: frozenset[str]) -> frozenset[str]:
    """The report groups a set of försörjning codes belongs to, each once (a code outside the
    code list belongs to none)."""
    grupper = {FORSORJNING_RAPPORTGRUPP[c] for c in codes if c in FORSORJNING_RAPPORTGRUPP}
    if grupper - {"ingen_offentlig"}:
        grupper.add("nagon_offentlig")
    return frozenset(grupper)


def _t5(u: _Underlag) -> Tabell:
    rows = {
        g: (label, lambda aktiv, _fg, _b, fore, g=g: aktiv and g in forsorjningsgrupper(fore))
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
    )


def _t6(u: _Underlag) -> Tabell:
    rows = {
        code: (
            str(label),
            lambda f, aktiv, _ny, _oppen, _utb, tid, code=code: (
                _profil(f, aktiv) and _coded(code, tid)
            ),
        )
        for code, label in TidOffentligForsorjning.choices
    }
    return _person_table(
        u,
        "T6",
        "Tid i offentlig försörjning före insats",
        "Deltaganden med personuppgifter verksamma under året; saknad uppgift räknas som uppgift saknas.",
        "alla",
        rows,
    )


def _t7(u: _Underlag) -> Tabell:
    t = _person_table(
        u,
        "T7",
        "Avslut",
        "Deltaganden med personuppgifter: registrerade = verksamma under året; avslutade = "
        "slutdatum under året, fördelade efter avslutsorsak.",
        "avslut",
        {
            "avslutade": ("Avslutade deltaganden", lambda *_: True),
            **{
                code: (
                    str(label),
                    lambda orsak, *_, code=code: _coded(code, orsak),
                )
                for code, label in Avslutsorsak.choices
            },
        },
    )
    registrerade = u.fakta.count(
        "alla", lambda form, aktiv, *_: aktiv and form == Registreringsform.PERSON
    )
    t.rader.insert(
        0, {"kod": "registrerade", "etikett": "Registrerade deltaganden", **registrerade}
    )
    t.kolumnsummor = [(tuple(Avslutsorsak.values), "avslutade")]
    return t


def _sysselsattning(code: str, codes: frozenset[str]) -> bool:
    """A code row of sysselsättning: the deltagande has the code; none at all counts as okänd."""
    return code in codes or (code == Sysselsattning.OKAND and not codes)


def _t8(u: _Underlag) -> Tabell:
    rows = {
        "avslutade": ("Avslutade deltaganden", lambda *_: True),
        "arbete_eller_studier": (
            "Arbete eller studier",
            lambda _o, _m, _fore, efter: not efter.isdisjoint(ARBETE_ELLER_STUDIER),
        ),
        **{
            code: (str(label), lambda _o, _m, _fore, efter, code=code: _sysselsattning(code, efter))
            for code, label in Sysselsattning.choices
        },
    }
    return _person_table(
        u,
        "T8",
        "Sysselsättning efter avslut",
        "Deltaganden med personuppgifter avslutade under året; ett deltagande kan räknas i flera "
        "rader, ett utan uppgift räknas som uppgift saknas.",
        "avslut",
        rows,
    )


def _t9(u: _Underlag) -> Tabell:
    rows = {
        "avslutade": ("Avslutade deltaganden", lambda *_: True),
        "fore": (
            "Arbete eller studier vid start",
            lambda _o, _m, fore, _efter: not fore.isdisjoint(ARBETE_ELLER_STUDIER),
        ),
        "efter": (
            "Arbete eller studier vid avslut",
            lambda _o, _m, _fore, efter: not efter.isdisjoint(ARBETE_ELLER_STUDIER),
        ),
    }
    return _person_table(
        u,
        "T9",
        "Arbete eller studier före och efter",
        "Deltaganden med personuppgifter avslutade under året.",
        "avslut",
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
    for kon, (fore, efter), (n, *_) in u.fakta.grenar["forsorjning_avslut"]:
        suffix = KON_KOLUMN.get(kon)
        for when, codes in (("fore", fore), ("efter", efter)):
            for kod in ("avslutade", *forsorjningsgrupper(codes)):
                counts[kod][when] += n
                if suffix:
                    counts[kod][f"{when}_{suffix}"] += n
    labels = {"avslutade": "Avslutade deltaganden", **FORSORJNINGSGRUPPER}
    for kod, label in labels.items():
        t.rad(kod, label, **{c: counts[kod][c] for c in columns})
    return t


def _t11(u: _Underlag) -> Tabell:
    rows = {
        kod: (label, lambda _o, manader, *_, kod=kod: manader == kod)
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
    )


def _t12(u: _Underlag) -> Tabell:
    t = Tabell(
        "T12",
        "Behovsgrupper bland deltagarna",
        [*KON, "foregaende_ar"],
        "Deltaganden med personuppgifter verksamma under året; unga med aktivitetsersättning = "
        "högst 29 år med aktivitetsersättning vid start; sjukskrivna = sjuk- eller "
        "rehabiliteringspenning vid start; föregående år = totalt året före.",
        personkolumner={*KON, "foregaende_ar"},
        radsummor=[(("kvinnor", "man"), "totalt")],
    )
    sjuk = {Forsorjning.SJUKPENNING, Forsorjning.REHABILITERINGSPENNING}
    groups: dict[str, tuple[str, Callable[[str, frozenset[str]], bool]]] = {
        "unga_16_29": ("Unga 16–29 år", lambda band, fore: band == "16_29"),
        "unga_aktivitetsersattning": (
            "Unga med aktivitetsersättning",
            lambda band, fore: (
                band in ("under_16", "16_29") and Forsorjning.AKTIVITETSERSATTNING in fore
            ),
        ),
        "sjukskrivna": (
            "Sjukskrivna (sjuk- eller rehabiliteringspenning)",
            lambda band, fore: bool(fore & sjuk),
        ),
    }
    for kod, (label, test) in groups.items():
        now = u.fakta.count(
            "aktiva", lambda aktiv, _fg, band, fore, test=test: aktiv and test(band, fore)
        )
        before = u.fakta.count(
            "aktiva", lambda _a, fg, band, fore, test=test: fg and test(band, fore)
        )
        t.rad(kod, label, **now, foregaende_ar=before["totalt"])
    return t


def _t13(u: _Underlag) -> Tabell:
    t = Tabell(
        "T13",
        "Ekonomi",
        ["budget", "utfall"],
        "Medlemsbidrag för året ur förbundsregistret (beslutat som budget, inbetalt som utfall), "
        "övrig finansiering och kostnader; administrationens andel i promille av kostnaderna.",
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
    }
    for kod, label in labels.items():
        t.rad(kod, label, **values[kod])
    return t


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
    from insatser.choices import Insatstyp

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
    active = fakta.count("alla", lambda _f, aktiv, *_: aktiv)["totalt"]
    person = fakta.count(
        "alla", lambda form, aktiv, *_: aktiv and form == Registreringsform.PERSON
    )["totalt"]
    oppna = fakta.count("alla", lambda _f, aktiv, _n, oppen, *_: aktiv and oppen)["totalt"]
    avslutade = fakta.count("avslut")["totalt"]
    utan_syss = fakta.count(
        "avslut",
        lambda _o, _m, _fore, efter: efter in (frozenset(), frozenset({Sysselsattning.OKAND})),
    )["totalt"]
    utan_fors = fakta.count("forsorjning_avslut", lambda _fore, efter: not efter)["totalt"]
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


def _t18(u: _Underlag) -> Tabell:
    columns = [
        "niva",
        "typ",
        "budget",
        "utfall",
        "planerat_antal",
        "deltagare_kvinnor",
        "deltagare_man",
        "deltagare_okant",
        "strukturdeltagare",
    ]
    t = Tabell(
        "T18",
        "Uppföljning Finsam",
        columns,
        "Siffrorna som Uppföljning Finsam frågar efter: per insats (per förbund för län och "
        "riket) budget och utfall, planerat antal, deltagare (med personuppgifter, anonyma och "
        "volym) och strukturdeltagare under året.",
        personkolumner={
            "deltagare_kvinnor",
            "deltagare_man",
            "deltagare_okant",
            "strukturdeltagare",
        },
    )
    per_forbund = u.omfattning.typ != "forbund"
    prefix = "insats__forbund" if per_forbund else "insats"
    money_key = "forbund" if per_forbund else "insats"
    money = defaultdict(lambda: {"budget": 0, "utfall": 0})
    for key, budget, utfall in (
        u.ekonomi.filter(rad__in=INSATSRADER)
        .values(money_key)
        .annotate(b=Sum("budget"), f=Coalesce(Sum("utfall"), 0))
        .values_list(money_key, "b", "f")
    ):
        money[key] = {"budget": budget, "utfall": utfall}
    people = _per_insats(u, "forbund" if per_forbund else "insats")
    volym = u.volym_per(prefix)
    struktur = dict(
        u.struktur.values(prefix)
        .annotate(n=Sum(F("myndighetspersonal") + F("arbetsgivare") + F("ovriga")))
        .values_list(prefix, "n")
    )
    if per_forbund:
        planned = dict(
            u.insatser.values("forbund")
            .annotate(n=Coalesce(Sum("planerat_antal_per_ar"), 0))
            .values_list("forbund", "n")
        )
        keys = [
            (f.pk, f.organisationsnummer, f.namn, "", "", planned.get(f.pk, 0))
            for f in u.forbund_lista
        ]
    else:
        keys = [
            (i.pk, i.kod, i.namn, i.niva, i.typ, i.planerat_antal_per_ar or 0)
            for i in u.insatser.order_by("kod")
        ]
    for pk, kod, namn, niva, typ, planerat in keys:
        k, m, o = volym.get(pk, (0, 0, 0))
        t.rad(
            kod,
            namn,
            niva=niva,
            typ=typ,
            **money[pk],
            planerat_antal=planerat,
            deltagare_kvinnor=people[pk]["aktiva_kvinnor"] + k,
            deltagare_man=people[pk]["aktiva_man"] + m,
            deltagare_okant=o,
            strukturdeltagare=struktur.get(pk, 0),
        )
    bidrag = u.bidrag.aggregate(b=Coalesce(Sum("beslutat"), 0), f=Coalesce(Sum("inbetalt"), 0))
    adm = u.ekonomi.filter(rad__in=ADMINISTRATIONSRADER).aggregate(
        b=Coalesce(Sum("budget"), 0), f=Coalesce(Sum("utfall"), 0)
    )
    t.rad(
        "tilldelade_medel",
        "Tilldelade medel (medlemsbidrag)",
        niva="",
        typ="",
        budget=bidrag["b"],
        utfall=bidrag["f"],
    )
    t.rad("administration", "Administration", niva="", typ="", budget=adm["b"], utfall=adm["f"])
    return t


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
        rows[kod][column] = None
    order = {row["kod"]: i for i, row in enumerate(t.rader)}
    t.undertryckta = [
        f"{kod}.{column}"
        for kod, column in sorted(hidden, key=lambda c: (order[c[0]], t.kolumner.index(c[1])))
    ]
