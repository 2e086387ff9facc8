"""Disclosure control across the whole report (spec/aterrapportering.md, version 2).

The rule: in a suppressed report, every suppressed count's smallest and largest possible
value, given every published cell, the relations of `tabeller.RELATIONER` and that a
suppressed count is at least 1 (0 is always shown, so a reader knows a hidden count is not
0), differ by at least `BREDD`.

- `audit` computes each suppressed count's interval by linear programming (HiGHS, through highspy),
  one small problem per group of linked suppressed cells; the bounds are rounded inwards
  to whole numbers, since counts are whole.
- `protect` is the secondary suppression, run after version 1's primary and complementary
  suppression: while the audit finds a cell it can narrow, it hides the cheapest set of
  published cells that lets that cell move by `BREDD` (a linear programme in which every
  published count may move away from its value at a cost of its value per unit, while
  cells already hidden move for free, and every relation must still hold); the cells that
  moved are hidden. So small cells go first, and cells already hidden are used first. A
  derived value (a share, a ratio, T19's copy of a cell) is withheld with its inputs.
- `verify` is the audit as the worker runs it before a suppressed report is saved.
Every step is deterministic: cells are visited in the report's order.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, cast

import highspy
import numpy as np

from .rapport import Rapport, Tabell, add_shares
from .relationer import Celler, Egen, Kopia, Kvot, Radsumma, Radvis, Relation, Summa, Tecken

BREDD = 3  # a suppressed count must keep at least BREDD + 1 possible whole values
EPS = 1e-6
MINST_DOLD = 1  # 0 is always shown, so a suppressed count is at least 1

Ref = tuple[str, str, str]  # table, row, column
Grans = tuple[float, float | None]  # a variable's lower and upper bound (None: unbounded)


@dataclass(frozen=True)
class Fynd:
    """A suppressed cell the published report narrows to fewer than BREDD + 1 values."""

    cell: Ref
    minst: float
    mest: float

    def __str__(self) -> str:
        tabell, rad, kolumn = self.cell
        return f"{tabell} {rad}.{kolumn}"


class DisclosureError(Exception):
    """The report would let a reader narrow a suppressed cell; the message names the cells
    (never a count)."""

    def __init__(self, fynd: Sequence[Fynd]) -> None:
        self.fynd = list(fynd)
        super().__init__(", ".join(str(f) for f in self.fynd))


@dataclass
class _Villkor:
    """Σ coefficient × cell ≤ 0 (or = 0)."""

    termer: dict[Ref, float]
    lika: bool


@dataclass
class _Kvot:
    """A published ratio: `varde` = round(skala × Σ taljare / Σ namnare)."""

    utfall: Ref | None  # the ratio's cell; None for a share (`andel`) of a row …
    andel: Ref | None  # … of this count
    taljare: tuple[Ref, ...]
    namnare: tuple[Ref, ...]
    skala: int


class _Rapport:
    """The cells of one report: its tables (the insats catalogue included) by code."""

    def __init__(self, rapport: Rapport) -> None:
        self.rapport = rapport
        self.tabeller: dict[str, Tabell] = dict(rapport.tabeller)
        if rapport.insatskatalog is not None:
            self.tabeller["insatskatalog"] = rapport.insatskatalog
        self.rader = {k: {r["kod"]: r for r in t.rader} for k, t in self.tabeller.items()}
        self.ordning: dict[Ref, tuple[int, int, int]] = {}
        for i, (k, t) in enumerate(self.tabeller.items()):
            for j, row in enumerate(t.rader):
                for m, c in enumerate(t.kolumner):
                    self.ordning[(k, row["kod"], c)] = (i, j, m)
        self._cache: dict[int, tuple[list[_Villkor], list[_Kvot]]] = {}

    def varde(self, ref: Ref) -> Any:
        return self.rader[ref[0]][ref[1]][ref[2]]

    def dold(self, ref: Ref) -> bool:
        return self.varde(ref) is None

    def sanning(self, ref: Ref) -> int | None:
        """The cell's true value where the report knows it (published, or hidden by it)."""
        value = self.varde(ref)
        if value is None:
            value = self.tabeller[ref[0]].dolda.get((ref[1], ref[2]))
        return value if isinstance(value, int) and not isinstance(value, bool) else None

    def key(self, ref: Ref) -> tuple[int, int, int]:
        return self.ordning.get(ref, (len(self.tabeller), 0, 0))

    # -------------------------------------------------- relations → constraints

    def _rows(self, c: Celler) -> list[str]:
        t = self.tabeller[c.tabell]
        if c.rader is None:
            return [r["kod"] for r in t.rader if r["kod"] not in t.summarader]
        if callable(c.rader):
            return [r["kod"] for r in t.rader if c.rader(r)]
        for kod in c.rader:
            if kod not in self.rader[c.tabell]:
                raise KeyError(f"{c.tabell} {kod}")
        return list(c.rader)

    def refs(self, celler: Iterable[Celler], kolumn: str) -> list[Ref]:
        out = []
        for c in celler:
            column = (
                kolumn
                if c.kolumn is None
                else c.kolumn
                if isinstance(c.kolumn, str)
                else c.kolumn[kolumn]
            )
            out += [(c.tabell, r, column) for r in self._rows(c)]
        return out

    def _tables_of(self, relation: Relation) -> set[str]:
        if isinstance(relation, Summa):
            return {c.tabell for c in (*relation.delar, *relation.helhet)}
        if isinstance(relation, Radsumma):
            return set(relation.tabeller)
        if isinstance(relation, Radvis):
            return {relation.tabell, relation.mot}
        if isinstance(relation, Kvot):
            return {c.tabell for c in (relation.utfall, *relation.taljare, *relation.namnare)}
        if isinstance(relation, Kopia):
            return {relation.cell[0], relation.kalla[0]}
        return set()

    def villkor(self, relationer: Sequence[Relation]) -> tuple[list[_Villkor], list[_Kvot]]:
        """The relations as constraints over cells (published or not), and the ratios: the
        declared ones and every share (`andel`) of the tables. They depend only on the rows
        and the true values, so they are made once per set of relations."""
        key = id(relationer)
        if key not in self._cache:
            linjara = [
                v
                for relation in self._expand(relationer)
                if not isinstance(relation, Kvot)
                for termer, tecken in self._linjara(relation)
                if (v := self._villkor(termer, tecken)).termer
            ]
            kvoter = [
                k
                for relation in self._expand(relationer)
                if isinstance(relation, Kvot)
                for k in self._kvoter(relation)
            ]
            for kod, t in self.tabeller.items():
                for row in t.rader:
                    bas = t.andelsbas.get(row["kod"])
                    if bas is None:
                        continue
                    for c in bas.columns(t):
                        base = (bas.tabell, bas.rad or row["kod"], bas.kolumn or c)
                        count = (kod, row["kod"], c)
                        kvoter.append(_Kvot(None, count, (count,), (base,), 1000))
            self._cache[key] = (linjara, kvoter)
        return self._cache[key]

    def kvotvarde(self, k: _Kvot) -> Any:
        """A ratio's published value (None where withheld)."""
        if k.utfall is not None:
            return self.varde(k.utfall)
        # Without its own cell a ratio is a share, which names its count (`villkor`).
        tabell, rad, kolumn = cast(Ref, k.andel)
        return self.rader[tabell][rad].get("andel", {}).get(kolumn)

    def _expand(self, relationer: Iterable[Relation]) -> Iterator[Relation]:
        for relation in relationer:
            if isinstance(relation, Egen):
                yield from self._expand(relation.skapa(self.tabeller))
            elif self._tables_of(relation) <= self.tabeller.keys():
                yield relation

    def _linjara(self, r: Relation) -> Iterator[tuple[dict[Ref, float], Tecken]]:
        def summa(parts: list[Ref], whole: list[Ref]) -> dict[Ref, float]:
            termer: dict[Ref, float] = {}
            for ref, coef in [(p, 1.0) for p in parts] + [(w, -1.0) for w in whole]:
                termer[ref] = termer.get(ref, 0.0) + coef
            return {k: v for k, v in termer.items() if v}

        if isinstance(r, Summa):
            for k in r.kolumner:
                parts, whole = self.refs(r.delar, k), self.refs(r.helhet, k)
                for group in [[p] for p in parts] if r.var_for_sig else [parts]:
                    yield summa(group, whole), r.tecken
        elif isinstance(r, Radsumma):
            for tabell in r.tabeller:
                for kod in self._rows(Celler(tabell, r.rader)):
                    parts = [(tabell, kod, c) for c in r.delar]
                    yield summa(parts, [(tabell, kod, r.helhet)]), r.tecken
        elif isinstance(r, Radvis):
            for kod in self._rows(Celler(r.tabell)):
                if kod in self.rader[r.mot]:
                    parts = [(r.tabell, kod, c) for c in r.delar]
                    yield summa(parts, [(r.mot, kod, c) for c in r.helhet]), r.tecken
        elif isinstance(r, Kopia):
            yield summa([r.cell], [r.kalla]), Tecken.LIKA

    def _villkor(self, termer: dict[Ref, float], tecken: Tecken) -> _Villkor:
        if tecken == Tecken.SUMMA:
            values = [self.sanning(ref) for ref in termer]
            known = [v for v in values if v is not None]
            exact = len(known) == len(values) and not sum(
                c * v for c, v in zip(termer.values(), known, strict=True)
            )
            return _Villkor(termer, exact)
        return _Villkor(termer, tecken == Tecken.LIKA)

    def _kvoter(self, r: Kvot) -> list[_Kvot]:
        out = []
        for k in r.kolumner:
            (utfall,) = self.refs([r.utfall], k)
            taljare = tuple(self.refs(r.taljare, k))
            namnare = tuple(self.refs(r.namnare, k))
            out.append(_Kvot(utfall, None, taljare, namnare, r.skala))
        return out

    def harledda(self, relationer: Iterable[Relation]) -> list[tuple[Ref, tuple[Ref, ...]]]:
        """The derived cells (ratios, copies) and the cells they are computed from."""
        out: list[tuple[Ref, tuple[Ref, ...]]] = []
        for relation in self._expand(relationer):
            if isinstance(relation, Kopia):
                out.append((relation.cell, (relation.kalla,)))
            elif isinstance(relation, Kvot):
                # A declared ratio's _Kvot always has its cell (`utfall`).
                out += [
                    (k.utfall, k.taljare + k.namnare)
                    for k in self._kvoter(relation)
                    if k.utfall is not None
                ]
        return out

    # -------------------------------------------------- hiding

    def hide(self, ref: Ref) -> None:
        tabell, rad, kolumn = ref
        t = self.tabeller[tabell]
        row = self.rader[tabell][rad]
        t.dolda[(rad, kolumn)] = row[kolumn]
        row[kolumn] = None

    def withhold_derived(self, relationer: Sequence[Relation]) -> None:
        """Withholds every ratio and copy one of whose inputs is hidden, and every share of
        a hidden count or base (until nothing changes), then lists every hidden cell."""
        changed = True
        while changed:
            changed = False
            for utfall, inputs in self.harledda(relationer):
                if not self.dold(utfall) and any(self.dold(i) for i in inputs):
                    self.hide(utfall)
                    changed = True
        add_shares(self.rapport.tabeller)
        for t in self.tabeller.values():
            listed = set(t.undertryckta)
            hidden = [
                (r["kod"], c)
                for r in t.rader
                for c in t.kolumner
                if r[c] is None and f"{r['kod']}.{c}" not in listed
            ]
            if hidden:
                order = {row["kod"]: i for i, row in enumerate(t.rader)}
                cells = [tuple(u.split(".", 1)) for u in t.undertryckta] + hidden
                t.undertryckta = [
                    f"{r}.{c}"
                    for r, c in sorted(cells, key=lambda x: (order[x[0]], t.kolumner.index(x[1])))
                ]


# ------------------------------------------------------------------ the audit


def _ratio_constraints(k: _Kvot, varde: Any) -> list[_Villkor]:
    """(q − ½)·nämnare ≤ skala·täljare ≤ (q + ½)·nämnare, for a published ratio q > 0
    (q = 0 also fits a nämnare of 0, which no linear constraint says)."""
    if not isinstance(varde, int) or isinstance(varde, bool) or varde <= 0:
        return []
    out = []
    for low in (True, False):
        q = varde - 0.5 if low else varde + 0.5
        termer: dict[Ref, float] = {}
        for ref in k.namnare:
            termer[ref] = termer.get(ref, 0.0) + (q if low else -q)
        for ref in k.taljare:
            termer[ref] = termer.get(ref, 0.0) + (-k.skala if low else k.skala)
        out.append(_Villkor(termer, False))
    return out


@dataclass
class _Problem:
    """Constraints over the hidden cells only (published cells folded into constants)."""

    celler: list[Ref]
    rader: list[tuple[dict[int, float], float, bool]]  # coefficients, constant, equality


def _problems(r: _Rapport, relationer: Sequence[Relation]) -> list[_Problem]:
    linjara, kvoter = r.villkor(relationer)
    linjara = list(linjara)
    for k in kvoter:
        linjara += _ratio_constraints(k, r.kvotvarde(k))
    reduced: list[tuple[dict[Ref, float], float, bool]] = []
    for v in linjara:
        termer, konstant = {}, 0.0
        for ref, coef in v.termer.items():
            value = r.varde(ref)
            if value is None:
                termer[ref] = coef
            elif isinstance(value, int | float) and not isinstance(value, bool):
                konstant += coef * value
        if termer:
            reduced.append((termer, konstant, v.lika))
    # Groups of hidden cells linked by a constraint: one small problem each.
    parent: dict[Ref, Ref] = {}

    def find(x: Ref) -> Ref:
        while parent.setdefault(x, x) != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for termer, _, _ in reduced:
        first, *rest = termer
        for ref in rest:
            parent[find(ref)] = find(first)
    groups: dict[Ref, list[int]] = {}
    for i, (termer, _, _) in enumerate(reduced):
        groups.setdefault(find(next(iter(termer))), []).append(i)
    problems = []
    for rows in groups.values():
        celler = sorted({ref for i in rows for ref in reduced[i][0]}, key=r.key)
        index = {ref: j for j, ref in enumerate(celler)}
        problems.append(
            _Problem(
                celler,
                [
                    (
                        {index[ref]: c for ref, c in reduced[i][0].items()},
                        reduced[i][1],
                        reduced[i][2],
                    )
                    for i in rows
                ],
            )
        )
    return sorted(problems, key=lambda p: r.key(p.celler[0]))


def _lp(
    n: int, rows: Iterable[tuple[dict[int, float], float, bool]], bounds: Sequence[Grans]
) -> highspy.Highs:
    """A HiGHS model over n variables with Σ coef·x + constant ≤ 0 (or = 0) per row."""
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    h.setOptionValue("threads", 1)
    inf = highspy.kHighsInf
    lower = np.array([b[0] for b in bounds], dtype=float)
    upper = np.array([inf if b[1] is None else b[1] for b in bounds], dtype=float)
    h.addVars(n, lower, upper)
    for coefs, konstant, lika in rows:
        if not coefs:
            continue
        index = np.array(list(coefs), dtype=np.int32)
        values = np.array(list(coefs.values()), dtype=float)
        h.addRow(-konstant if lika else -inf, -konstant, len(index), index, values)
    return h


def _solve(h: highspy.Highs, costs: np.ndarray, maximize: bool = False) -> float:
    """The optimum of Σ cost·x; inf when unbounded, nan when infeasible."""
    h.changeColsCost(len(costs), np.arange(len(costs), dtype=np.int32), costs)
    h.changeObjectiveSense(highspy.ObjSense.kMaximize if maximize else highspy.ObjSense.kMinimize)
    h.clearSolver()  # each bound from scratch: a warm start once gave a stale bound
    h.run()
    status = h.getModelStatus()
    if status == highspy.HighsModelStatus.kOptimal:
        return float(h.getInfo().objective_function_value)
    if status in (
        highspy.HighsModelStatus.kUnbounded,
        highspy.HighsModelStatus.kUnboundedOrInfeasible,
    ):
        return math.inf if maximize else -math.inf
    return math.nan


def _intervals(p: _Problem, only: Ref | None = None) -> Iterator[tuple[Ref, float, float]]:
    """Each cell's smallest and largest value (nan if the published cells contradict the
    relations)."""
    n = len(p.celler)
    h = _lp(n, p.rader, [(MINST_DOLD, None)] * n)
    for j, ref in enumerate(p.celler):
        if only is not None and ref != only:
            continue
        c = np.zeros(n)
        c[j] = 1.0
        yield ref, _solve(h, c), _solve(h, c, maximize=True)


def _narrow(lo: float, hi: float) -> bool:
    if math.isnan(lo) or math.isnan(hi):
        return True
    return math.isfinite(hi) and math.floor(hi + EPS) - math.ceil(lo - EPS) < BREDD


def _audit(r: _Rapport, relationer: Sequence[Relation], only: Ref | None = None) -> list[Fynd]:
    fynd = []
    for p in _problems(r, relationer):
        if only is not None and only not in p.celler:
            continue
        for ref, lo, hi in _intervals(p, only):
            if _narrow(lo, hi):
                fynd.append(Fynd(ref, lo, hi))
    return fynd


def audit(rapport: Rapport, relationer: Sequence[Relation]) -> list[Fynd]:
    """Every suppressed cell the report lets a reader narrow to fewer than BREDD + 1 whole
    values, given the `relationer` its tables keep (`tabeller.RELATIONER`); empty: the
    report keeps the rule."""
    return _audit(_Rapport(rapport), relationer)


def verify(rapport: Rapport, relationer: Sequence[Relation]) -> None:
    """The audit of a suppressed report before it is delivered; raises DisclosureError."""
    if rapport.undertryckt and (fynd := audit(rapport, relationer)):
        raise DisclosureError(fynd)


# ------------------------------------------------------------------ secondary suppression


def _cover(r: _Rapport, relationer: Sequence[Relation], f: Fynd) -> list[Ref]:
    """The published cells to hide so that f's cell can move by BREDD: the cheaper of
    moving it up from its lowest value and down from its highest."""
    linjara, _ = r.villkor(relationer)  # ratios are withheld with their inputs
    refs = sorted({ref for v in linjara for ref in v.termer}, key=r.key)
    # Per cell: a free variable (hidden), or moves up (p) and down (n) at a cost of its
    # value per unit (published; a published 0 cannot become a hidden count).
    columns: list[tuple[Ref, float]] = []  # (cell, +1/−1), cost
    costs: list[float] = []
    bounds: list[Grans] = []
    base: dict[Ref, int] = {}
    for ref in refs:
        truth = r.sanning(ref)
        if r.dold(ref):
            columns.append((ref, 1.0))
            costs.append(0.0)
            bounds.append((MINST_DOLD, None))
        elif truth:
            base[ref] = truth
            for sign, bound in ((1.0, (0, None)), (-1.0, (0, truth - MINST_DOLD))):
                columns.append((ref, sign))
                costs.append(float(truth))
                bounds.append(bound)
        else:
            base[ref] = truth or 0
    where: dict[Ref, list[int]] = {}
    for j, (ref, _) in enumerate(columns):
        where.setdefault(ref, []).append(j)
    rows = []
    for v in linjara:
        coefs: dict[int, float] = {}
        konstant = 0.0
        for ref, c in v.termer.items():
            konstant += c * base.get(ref, 0)
            for j in where.get(ref, []):
                coefs[j] = c * columns[j][1]
        rows.append((coefs, konstant, v.lika))
    target = where[f.cell][0]
    options: list[tuple[int, Grans]] = [(target, (math.ceil(f.minst - EPS) + BREDD, None))]
    if math.isfinite(f.mest) and math.floor(f.mest + EPS) - BREDD >= MINST_DOLD:
        options.append((target, (MINST_DOLD, math.floor(f.mest + EPS) - BREDD)))
    best: tuple[float, list[Ref]] | None = None
    h = _lp(len(columns), rows, bounds)
    inf = highspy.kHighsInf
    for j, (low, high) in options:
        h.changeColBounds(j, float(low), inf if high is None else float(high))
        cost = _solve(h, np.array(costs))
        if not math.isfinite(cost):
            continue
        x = h.getSolution().col_value
        moved = sorted(
            {columns[i][0] for i in range(len(columns)) if x[i] > EPS and costs[i] > 0},
            key=r.key,
        )
        if best is None or cost < best[0] - EPS:
            best = (cost, moved)
    if not best or not best[1]:
        raise DisclosureError([f])
    return best[1]


def protect(rapport: Rapport, relationer: Sequence[Relation]) -> None:
    """Secondary suppression of a report after its primary and complementary suppression,
    until the audit (over `relationer`) finds nothing. Deterministic."""
    r = _Rapport(rapport)
    r.withhold_derived(relationer)
    for _ in range(len(r.ordning) + 1):
        fynd = _audit(r, relationer)
        if not fynd:
            return
        for f in fynd:
            still = _audit(r, relationer, only=f.cell)
            if still:
                for ref in _cover(r, relationer, still[0]):
                    r.hide(ref)
                r.withhold_derived(relationer)
    raise DisclosureError(_audit(r, relationer))
