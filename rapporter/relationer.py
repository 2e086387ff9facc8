"""How the cells of one report hang together, in words a reader could use to work out a
suppressed cell (spec/aterrapportering.md, version 2, "Disclosure control across the whole
report").

The report module declares its relations next to its tables (`tabeller.RELATIONER`, one
place to add a relation when a table or column is added); `rapporter.disclosure` turns
them into linear constraints for the secondary suppression and for the audit. This module
holds only the vocabulary, so that both can import it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Protocol


class Tecken(StrEnum):
    LIKA = "="  # equal by the counting rules, always
    HOGST = "<="  # at most
    # At most, and equal unless some deltaganden fall outside the parts (a kön or a code
    # outside the code lists, a deltagande whose insats or förbund is not active in the
    # year): a reader may assume it is equal, so it is audited as equal wherever the data
    # make it so.
    SUMMA = "<=="


class Radtest(Protocol):
    """A test on a table's row. A protocol, not a Callable, so that mypy infers a lambda
    that binds a loop variable as a default."""

    def __call__(self, rad: dict[str, Any], /) -> bool: ...


# Rows of a table: codes, a test on the row, or None for every row that is not a sum row.
Radval = tuple[str, ...] | Radtest | None


@dataclass(frozen=True)
class Celler:
    """Cells of one table: the rows `rader` in the relation's column, or in `kolumn` (one
    fixed column, or a map from the relation's columns to this table's)."""

    tabell: str
    rader: Radval = None
    kolumn: str | Mapping[str, str] | None = None


@dataclass(frozen=True)
class Summa:
    """For each column of `kolumner`: the cells of `delar` add up to those of `helhet`
    (`tecken`); with `var_for_sig`, each cell of `delar` on its own."""

    delar: tuple[Celler, ...]
    helhet: tuple[Celler, ...]
    kolumner: tuple[str, ...] = ("",)
    tecken: Tecken = Tecken.LIKA
    var_for_sig: bool = False


@dataclass(frozen=True)
class Radsumma:
    """In each row `rader` of each of `tabeller`: the columns `delar` add up to `helhet`."""

    tabeller: tuple[str, ...]
    delar: tuple[str, ...]
    helhet: str
    tecken: Tecken = Tecken.LIKA
    rader: Radval = None


@dataclass(frozen=True)
class Radvis:
    """Row by row, matched by the row code: the columns `delar` of `tabell` add up to the
    columns `helhet` of `mot` (`tecken`)."""

    tabell: str
    delar: tuple[str, ...]
    mot: str
    helhet: tuple[str, ...]
    tecken: Tecken = Tecken.SUMMA


@dataclass(frozen=True)
class Kvot:
    """A published ratio: for each column of `kolumner`, the cell `utfall` is
    round(skala × täljare / nämnare). It is withheld where a suppressed cell goes into it;
    where it is published, it and a published base pin the count to within base/skala."""

    utfall: Celler
    taljare: tuple[Celler, ...]
    namnare: tuple[Celler, ...]
    kolumner: tuple[str, ...] = ("",)
    skala: int = 1000


@dataclass(frozen=True)
class Kopia:
    """The cell `cell` repeats `kalla` (table, row, column each): withheld with it."""

    cell: tuple[str, str, str]
    kalla: tuple[str, str, str]


@dataclass(frozen=True)
class Egen:
    """Relations that depend on the report itself (e.g. T19's year columns): `skapa` gets
    the report's tables and gives the relations."""

    skapa: Callable[[Mapping[str, Any]], Iterable[Relation]]


Relation = Summa | Radsumma | Radvis | Kvot | Kopia | Egen
