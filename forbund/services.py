"""Rules of the förbund registry that span several rows: the 5 § check and the proposed splits."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Hashable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

from django.db import transaction
from django.db.models import Max

from .choices import Medlemstyp
from .models import Folkmangd, Forbund, Medlemsbidrag, Medlemskap

if TYPE_CHECKING:
    from collections.abc import Iterable

Belopp = Literal["beslutat", "inbetalt"]


def split_by_population[K: Hashable](total: int, weights: dict[K, int]) -> dict[K, int]:
    """Split whole kronor in proportion to the weights; the parts sum exactly to `total`.

    Largest remainder: every part gets its floor, the kronor left over go to the
    largest fractions (ties by order of the keys). Zero weights everywhere mean
    an equal split.
    """
    if not weights:
        return {}
    if sum(weights.values()) <= 0:
        weights = dict.fromkeys(weights, 1)
    weight_sum = sum(weights.values())
    floors = {key: total * w // weight_sum for key, w in weights.items()}
    remainders = sorted(
        weights, key=lambda key: (-(total * weights[key] % weight_sum), list(weights).index(key))
    )
    for key in remainders[: total - sum(floors.values())]:
        floors[key] += 1
    return floors


def _procent(andel: float) -> str:
    """Swedish style: decimal comma and a space before the sign (50,1 %)."""
    return f"{andel * 100:.1f}".replace(".", ",") + "\u00a0%"


@dataclass(frozen=True)
class Fordelning:
    """The members' contributions for one year summed by party, against lag (2003:1210) 5 §.

    The state (through Försäkringskassan) pays half, the regions a quarter and the
    kommuner a quarter. Arbetsförmedlingen has no share of its own. A difference of
    at most one krona per party is rounding, not a breach.
    """

    ar: int
    belopp: Belopp
    staten: int
    arbetsformedlingen: int
    regioner: int
    kommuner: int

    @property
    def total(self) -> int:
        return self.staten + self.arbetsformedlingen + self.regioner + self.kommuner

    @property
    def ok(self) -> bool:
        t = self.total
        return (
            t > 0
            and self.arbetsformedlingen == 0
            and abs(2 * self.staten - t) <= 2
            and abs(4 * self.regioner - t) <= 4
            and abs(4 * self.kommuner - t) <= 4
        )

    @property
    def andelar(self) -> dict[str, float]:
        t = self.total or 1
        return {
            "staten": self.staten / t,
            "regioner": self.regioner / t,
            "kommuner": self.kommuner / t,
        }

    def forslag_behall_staten(self) -> dict[str, int]:
        """Keep the state's amount; regions and kommuner each pay half of it."""
        kvart = self.staten // 2
        return {
            "staten": self.staten,
            "regioner": kvart,
            "kommuner": kvart,
            "total": self.staten + 2 * kvart,
        }

    def forslag_lagsta_niva(self) -> dict[str, int]:
        """The party that contributes least sets the level (the practice described in 002:L953)."""
        kvart = min(self.staten // 2, self.regioner, self.kommuner)
        return {"staten": 2 * kvart, "regioner": kvart, "kommuner": kvart, "total": 4 * kvart}

    def problem(self) -> list[str]:
        if self.total == 0:
            return ["Inga bidrag är registrerade för året."]
        found = []
        if self.arbetsformedlingen:
            found.append(
                "Arbetsförmedlingen har ingen egen andel: statens hälft betalas av Försäkringskassan."
            )
        if abs(2 * self.staten - self.total) > 2:
            found.append(
                f"Staten (Försäkringskassan) står för {_procent(self.andelar['staten'])} i stället för 50 %."
            )
        if abs(4 * self.regioner - self.total) > 4:
            found.append(
                f"Regionerna står för {_procent(self.andelar['regioner'])} i stället för 25 %."
            )
        if abs(4 * self.kommuner - self.total) > 4:
            found.append(
                f"Kommunerna står för {_procent(self.andelar['kommuner'])} i stället för 25 %."
            )
        return found


@dataclass(frozen=True)
class Kontroll5:
    """A year's verdict under 5 §, the one every page shows: the decided contributions and,
    once anything is paid, the paid ones must both follow it. A year without contributions
    has no verdict yet (a new förbund is not in breach)."""

    beslutat: Fordelning
    inbetalt: Fordelning

    @property
    def har_inbetalt(self) -> bool:
        return self.inbetalt.total > 0

    @property
    def registrerat(self) -> bool:
        return self.beslutat.total > 0 or self.har_inbetalt

    @property
    def ok(self) -> bool:
        return self.registrerat and self.beslutat.ok and (not self.har_inbetalt or self.inbetalt.ok)

    @property
    def label(self) -> str:
        if not self.registrerat:
            return "Inga bidrag registrerade"
        if self.ok:
            return "Följer 5 §"
        avviker = [
            namn
            for namn, f, checked in (
                ("beslutat", self.beslutat, True),
                ("inbetalt", self.inbetalt, self.har_inbetalt),
            )
            if checked and not f.ok
        ]
        return f"Avviker från 5 § ({' och '.join(avviker)})"


# Keyed by the stored code (`Medlemskap.medlemstyp` is text).
_PARTY_OF_TYPE: dict[str, str] = {
    Medlemstyp.FORSAKRINGSKASSAN: "staten",
    Medlemstyp.ARBETSFORMEDLINGEN: "arbetsformedlingen",
    Medlemstyp.REGION: "regioner",
    Medlemstyp.KOMMUN: "kommuner",
}


def fordelning(bidrag: Iterable[Medlemsbidrag], *, ar: int, belopp: Belopp) -> Fordelning:
    """Sum contributions (with their medlemskap loaded) by party for the 5 § check."""
    sums: dict[str, int] = defaultdict(int)
    for b in bidrag:
        if b.ar == ar:
            sums[_PARTY_OF_TYPE[b.medlemskap.medlemstyp]] += getattr(b, belopp) or 0
    return Fordelning(ar=ar, belopp=belopp, **{p: sums[p] for p in _PARTY_OF_TYPE.values()})


def folkmangd_for_year(kommun_koder: Iterable[str], ar: int) -> dict[str, int]:
    """Each kommun's population for the year, or the latest earlier year (else the earliest known)."""
    koder = list(kommun_koder)
    rows = Folkmangd.objects.filter(kommun_id__in=koder).values_list("kommun_id", "ar", "folkmangd")
    best: dict[str, tuple[tuple[int, int], int]] = {}
    for kod, year, value in rows:
        rank = _rank(year, ar)
        if kod not in best or rank > best[kod][0]:
            best[kod] = (rank, value)
    return {kod: best[kod][1] for kod in koder if kod in best}


def _rank(year: int, ar: int) -> tuple[int, int]:
    # The latest year up to `ar` wins; failing that, the closest later year.
    return (0, -year) if year > ar else (1, year)


@dataclass
class Bidragsrad:
    medlemskap: Medlemskap
    bidrag: Medlemsbidrag | None
    forslag: int | None = None
    folkmangd: int | None = None


@dataclass
class Bidragsar:
    """Everything the förbund page shows for one year's contributions."""

    forbund: Forbund
    ar: int
    rader: list[Bidragsrad]
    beslutat: Fordelning
    inbetalt: Fordelning
    folkmangd: dict[str, int] = field(default_factory=dict)

    @property
    def kontroll(self) -> Kontroll5:
        return Kontroll5(self.beslutat, self.inbetalt)

    @property
    def avvikelser(self) -> list[dict]:
        """Members whose paid amount differs from the decided one (what to chase up)."""
        found = []
        for rad in self.rader:
            b = rad.bidrag
            if b and b.inbetalt is not None and b.inbetalt != b.beslutat:
                found.append(
                    {
                        "namn": rad.medlemskap.part_namn,
                        "beslutat": b.beslutat,
                        "inbetalt": b.inbetalt,
                        "skillnad": b.beslutat - b.inbetalt,
                        "overskott": b.inbetalt - b.beslutat,
                    }
                )
        return found

    @property
    def forslag_basis(self) -> dict[str, int]:
        return self.beslutat.forslag_behall_staten()


def bidragsar(forbund: Forbund, ar: int) -> Bidragsar:
    """The year's members and contributions, the 5 § check, and the proposed splits by population.

    Runs a fixed number of queries whatever the size of the förbund.
    """
    medlemskap = list(
        forbund.medlemskap.active_in_year(ar)
        .select_related("kommun", "region")
        .order_by("medlemstyp", "kommun__namn", "region__namn")
    )
    bidrag = {
        b.medlemskap_id: b
        for b in Medlemsbidrag.objects.filter(medlemskap__forbund=forbund, ar=ar).select_related(
            "medlemskap"
        )
    }
    order = list(_PARTY_OF_TYPE)
    medlemskap.sort(key=lambda m: (order.index(m.medlemstyp), str(m)))
    rader = [Bidragsrad(medlemskap=m, bidrag=bidrag.get(m.pk)) for m in medlemskap]
    # Contributions of members that left before the year still count if registered.
    listed = {m.pk for m in medlemskap}
    rader += [
        Bidragsrad(medlemskap=b.medlemskap, bidrag=b)
        for pk, b in bidrag.items()
        if pk not in listed
    ]

    folkmangd = folkmangd_for_year([m.kommun_id for m in medlemskap if m.kommun_id], ar)
    for rad in rader:
        kommun_id = rad.medlemskap.kommun_id
        rad.folkmangd = folkmangd.get(kommun_id) if kommun_id else None
    result = Bidragsar(
        forbund=forbund,
        ar=ar,
        rader=rader,
        beslutat=fordelning(bidrag.values(), ar=ar, belopp="beslutat"),
        inbetalt=fordelning(bidrag.values(), ar=ar, belopp="inbetalt"),
        folkmangd=folkmangd,
    )
    _propose(result)
    return result


def _propose(year: Bidragsar) -> None:
    """Fill in each member's proposed amount: the state's half kept, the quarters split by population."""
    basis = year.forslag_basis
    kommuner = [r for r in year.rader if r.medlemskap.medlemstyp == Medlemstyp.KOMMUN]
    regioner = [r for r in year.rader if r.medlemskap.medlemstyp == Medlemstyp.REGION]
    for r in year.rader:
        if r.medlemskap.medlemstyp == Medlemstyp.FORSAKRINGSKASSAN:
            r.forslag = basis["staten"]
        elif r.medlemskap.medlemstyp == Medlemstyp.ARBETSFORMEDLINGEN:
            r.forslag = 0

    def invanare(rad: Bidragsrad) -> int:
        kommun_id = rad.medlemskap.kommun_id
        return year.folkmangd.get(kommun_id, 0) if kommun_id else 0

    kommun_split = split_by_population(
        basis["kommuner"], {r.medlemskap.pk: invanare(r) for r in kommuner}
    )
    region_weight = {
        r.medlemskap.pk: sum(
            invanare(k)
            for k in kommuner
            if k.medlemskap.kommun and k.medlemskap.kommun.lan == r.medlemskap.region_id
        )
        for r in regioner
    }
    region_split = split_by_population(basis["regioner"], region_weight)
    for r in kommuner:
        r.forslag = kommun_split.get(r.medlemskap.pk)
    for r in regioner:
        r.forslag = region_split.get(r.medlemskap.pk)


def bidrag_years(forbund: Forbund) -> list[int]:
    """Years with contributions, plus the current year and the next (for budgeting)."""
    this_year = dt.date.today().year  # noqa: DTZ011
    years = set(
        Medlemsbidrag.objects.filter(medlemskap__forbund=forbund)
        .values_list("ar", flat=True)
        .distinct()
    )
    years |= {this_year, this_year + 1}
    return sorted((y for y in years if y >= forbund.bildad.year), reverse=True)


def default_year(forbund: Forbund) -> int:
    latest = Medlemsbidrag.objects.filter(medlemskap__forbund=forbund).aggregate(m=Max("ar"))["m"]
    return latest or dt.date.today().year  # noqa: DTZ011


@transaction.atomic
def medlemsbidrag_set(
    *, medlemskap: Medlemskap, ar: int, beslutat: int | None, inbetalt: int | None
) -> Medlemsbidrag | None:
    """Set (or with no amounts, remove) a member's contribution for a year."""
    if beslutat is None and inbetalt is None:
        for bidrag in Medlemsbidrag.objects.filter(medlemskap=medlemskap, ar=ar):
            bidrag.delete()  # one by one: the lock of an approved year is asked per row
        return None
    bidrag, _ = Medlemsbidrag.objects.update_or_create(
        medlemskap=medlemskap, ar=ar, defaults={"beslutat": beslutat or 0, "inbetalt": inbetalt}
    )
    return bidrag
