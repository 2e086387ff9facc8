"""The report as an object: its scope, its tables and their shares, and its stored form.

`tabeller` builds a `Rapport`; `disclosure` suppresses and audits it; the renderers write
it; an approved version keeps it as `state(rapport)` and reads it back with `from_state`.
Below all of them, so each can use it without importing the others.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import typing
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db.models import Q
from django.utils import timezone

from forbund.choices import LAN_NAMN
from forbund.models import Forbund

# ---------------------------------------------------------------- scope


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
            return LAN_NAMN[self.kod or ""]  # a län's scope always has its code
        return "Hela landet"


# ---------------------------------------------------------------- the table object


@dataclass(frozen=True)
class Bas:
    """The base of a row's shares: a row of a table (`rad` None: the row itself, with
    `kolumn` as the base of every column), column by column unless `kolumn` is given."""

    tabell: str
    rad: str | None
    kolumn: str | None = None
    kolumner: tuple[str, ...] | None = None  # the columns with shares; default every count

    def columns(self, t: Tabell) -> list[str]:
        wanted = self.kolumner or t.personkolumner
        return [c for c in t.kolumner if c in wanted and c != self.kolumn]


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
    # Row → the base of its shares (`andel`, spec version 2 "Shares"); base rows have none.
    andelsbas: dict[str, Bas] = field(default_factory=dict)
    # (row, column) of the shares withheld because their count or base is suppressed.
    andel_undertryckta: set[tuple[str, str]] = field(default_factory=set)
    # The header of the row's code where the rows are things (orgnr, insatskod), for the
    # PDF and XLSX; None where the code is the JSON's key only.
    kodrubrik: str | None = None
    # Rows that are sums, not things: no identifying code in the PDF and XLSX.
    summarader: set[str] = field(default_factory=set)
    # Columns holding codes → the row key of their label (the PDF and XLSX show labels).
    etiketter: dict[str, str] = field(default_factory=dict)
    # The true values of the suppressed cells, (row, column) → value: for the secondary
    # suppression and its audit only, never rendered.
    dolda: dict[tuple[str, str], Any] = field(default_factory=dict, repr=False)

    @property
    def andelskolumner(self) -> list[str]:
        """The columns that carry a share in some row, in column order."""
        keys = {k for row in self.rader for k in row.get("andel", {})}
        return [c for c in self.kolumner if c in keys]

    def rad(self, kod: str, etikett: str, **values: Any) -> None:
        row = {"kod": kod, "etikett": etikett}
        for column in self.kolumner:
            row[column] = values.get(column, 0)
            if column in self.etiketter:
                row[self.etiketter[column]] = values.get(self.etiketter[column], "")
        self.rader.append(row)

    def row(self, radkod: str) -> dict[str, Any]:
        for row in self.rader:
            if row["kod"] == radkod:
                return row
        raise KeyError(radkod)

    def varde(self, radkod: str, kolumn: str) -> Any:
        return self.row(radkod)[kolumn]

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
    # Per year whose deltagande facts the report read (its own and T19's): "lagrade" (the
    # worker's stored facts, rapporter/fakta.py) or "beraknade" (counted live).
    fakta: dict[int, str] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        extra = {"insatskatalog": self.insatskatalog.as_json()} if self.insatskatalog else {}
        return {
            "rapport": "aterrapportering",
            "version": 2,
            "ar": self.ar,
            "omfattning": {"typ": self.omfattning.typ, "kod": self.omfattning.kod},
            "undertryckt": self.undertryckt,
            "skapad": self.skapad.isoformat(timespec="seconds"),
            "tabeller": {kod: t.as_json() for kod, t in self.tabeller.items()},
            **extra,
            "fakta": {str(ar): kalla for ar, kalla in sorted(self.fakta.items())},
        }


def andel(part: int | None, base: int | None) -> int | None:
    """A share in promille, rounded half up; None where the base is 0 or the count or the
    base is suppressed."""
    if part is None or not base:
        return None
    return promille(part, base)


def add_shares(tabeller: dict[str, Tabell]) -> None:
    """Each row with a base gets `andel`: its counts' shares of the base, column by column
    (after suppression, so a share of a suppressed count or base is None)."""
    for t in tabeller.values():
        for row in t.rader:
            bas = t.andelsbas.get(row["kod"])
            if bas is None:
                continue
            base_row = row if bas.rad is None else tabeller[bas.tabell].row(bas.rad)
            row["andel"] = {}
            for c in bas.columns(t):
                part, base = row[c], base_row[bas.kolumn or c]
                row["andel"][c] = andel(part, base)
                if part is None or base is None:
                    t.andel_undertryckta.add((row["kod"], c))


@typing.overload
def promille(part: int, whole: int) -> int: ...
@typing.overload
def promille(part: int | None, whole: int | None) -> int | None: ...
def promille(part: int | None, whole: int | None) -> int | None:
    """part × 1000 / whole, rounded half up; 0 when whole is 0."""
    if part is None or whole is None:
        return None
    if not whole:
        return 0
    return int((Decimal(part) * 1000 / Decimal(whole)).quantize(Decimal(1), rounding=ROUND_HALF_UP))


# ---------------------------------------------------------------- the stored form


def encode(value: Any) -> Any:
    """Tables as JSON, keeping what JSON has no word for (sets, tuples, bases), so that
    the report written from the stored tables is the report that was approved."""
    if isinstance(value, Bas):
        return {"t": "bas", "v": encode(dataclasses.asdict(value))}
    if isinstance(value, Tabell):
        return {"t": "tabell", "v": {f.name: encode(getattr(value, f.name)) for f in dataclasses.fields(value)}}  # fmt: skip
    if isinstance(value, set | frozenset):
        return {"t": "set", "v": [encode(v) for v in sorted(value, key=repr)]}
    if isinstance(value, tuple):
        return {"t": "tuple", "v": [encode(v) for v in value]}
    if isinstance(value, list):
        return {"t": "list", "v": [encode(v) for v in value]}
    if isinstance(value, dict):
        return {"t": "dict", "v": [[encode(k), encode(v)] for k, v in value.items()]}
    if isinstance(value, dt.date):
        return {"t": "date", "v": value.isoformat()}
    return value


def decode(value: Any) -> Any:
    if not isinstance(value, dict):
        return value
    kind, inner = value["t"], value["v"]
    if kind == "bas":
        fields: dict[str, Any] = decode(inner)
        bas: dict[str, Any] = {k: tuple(v) if isinstance(v, list) else v for k, v in fields.items()}
        return Bas(**bas)
    if kind == "tabell":
        return Tabell(**{k: decode(v) for k, v in inner.items()})
    if kind == "set":
        return {decode(v) for v in inner}
    if kind == "tuple":
        return tuple(decode(v) for v in inner)
    if kind == "list":
        return [decode(v) for v in inner]
    if kind == "dict":
        return {decode(k): decode(v) for k, v in inner}
    if kind == "date":
        return dt.date.fromisoformat(inner)
    raise ValueError(f"unknown stored kind {kind!r}")


def state(rapport: Rapport) -> dict[str, Any]:
    return {
        "ar": rapport.ar,
        "omfattning": [rapport.omfattning.typ, rapport.omfattning.kod],
        "undertryckt": rapport.undertryckt,
        "skapad": rapport.skapad.isoformat(),
        "tabeller": {kod: encode(t) for kod, t in rapport.tabeller.items()},
        "insatskatalog": encode(rapport.insatskatalog) if rapport.insatskatalog else None,
        "fakta": {str(ar): kalla for ar, kalla in rapport.fakta.items()},
    }


def from_state(stored: dict[str, Any]) -> Rapport:
    typ, kod = stored["omfattning"]
    katalog = stored["insatskatalog"]
    return Rapport(
        ar=stored["ar"],
        omfattning=Omfattning(typ, kod),
        undertryckt=stored["undertryckt"],
        skapad=timezone.localtime(dt.datetime.fromisoformat(stored["skapad"])),
        tabeller={k: decode(v) for k, v in stored["tabeller"].items()},
        insatskatalog=decode(katalog) if katalog else None,
        fakta={int(ar): kalla for ar, kalla in stored.get("fakta", {}).items()},
    )
