"""Demo insatser, budgets, utfall and counts for the demo förbund (called by `seed_demo`).

The Uppsala förbund, where the demo users `chef` (förbundsadministratör) and `coach`
(handläggare) work, gets a full portfolio: individ- and strukturinriktade insatser,
volyminsatser, projects and long-term activities, one closed early and one planned,
with budget and utfall 2013–2016 sized from the members' contributions, and volume
and strukturdeltagare counts. `coach` is assigned to two of them. Every other förbund
gets three insatser with the same kind of money and counts.

Idempotent: rows are found by their natural keys and updated, never doubled.
Deterministic: the amounts depend only on the förbund's organisationsnummer and the year.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field
from io import TextIOBase

from django.db import transaction
from django.utils import timezone

from forbund.choices import Medlemstyp, Roll
from forbund.models import Forbund, Medlemsbidrag, Uppdrag
from forbund.services import fordelning
from insatser.choices import Balans, Finansiering, Kostnadsslag, Niva
from insatser.models import (
    Behovsgrupp,
    Ekonomirad,
    Insats,
    InsatsMal,
    InsatsUppdrag,
    Malgrupp,
    Strukturdeltagare,
    Volymregistrering,
)

AR = range(2013, 2017)  # the years the demo registry has members' contributions for
BUDGET_UTAN_BIDRAG = 6_000_000
# How a förbund's administration splits (kansli and personal the most; 002:L1845).
ADM_ANDELAR = {
    "adm_personal": 0.62,
    "adm_styrelse": 0.08,
    "adm_revision": 0.04,
    "adm_lokaler": 0.12,
    "adm_utvardering": 0.1,
    "adm_ovrigt": 0.04,
}


@dataclass
class Plan:
    kod: str
    namn: str
    niva: str
    typ: str
    start: dt.date
    slut: dt.date | None = None
    registrering: str = ""
    form: str = "projekt"
    andel: float = 0.1  # of the year's insats budget for its level, when it runs
    behovsgrupper: list[str] = field(default_factory=list)
    malgrupper: list[str] = field(default_factory=list)
    malgrupp_text: str = ""
    alder: tuple[int, int] | None = None
    planerat_antal: int | None = None
    max_manader: int | None = None
    mal: tuple[str, int, int] | None = None  # (mått, procent, mätpunkt)
    parter: tuple[str, ...] = ()  # member kinds taking part
    avslutad: dt.date | None = None
    esf: float = 0.0  # ESF-financed share of its cost
    beskrivning: str = ""


def _uppsala_plans(today: dt.date) -> list[Plan]:
    alla = (Medlemstyp.FORSAKRINGSKASSAN, Medlemstyp.ARBETSFORMEDLINGEN, Medlemstyp.REGION)
    return [
        Plan(
            "UPP-REHAB",
            "Vägen till arbete",
            Niva.INDIVID,
            "rehabilitering",
            dt.date(2013, 1, 1),
            dt.date(2016, 12, 31),
            "individuell",
            andel=0.35,
            behovsgrupper=["langtidssjukskrivna"],
            malgrupper=["Långvarigt sjukskrivna"],
            malgrupp_text="Personer med långvarig sjukskrivning som behöver stöd från flera parter.",
            alder=(20, 64),
            planerat_antal=40,
            max_manader=12,
            mal=("arbete_studier", 40, 90),
            parter=(*alla, Medlemstyp.KOMMUN),
            esf=0.3,
            beskrivning="Gruppverksamhet och individuellt stöd av coach, med en plan per deltagare.",
        ),
        Plan(
            "UPP-UNGA",
            "Unga in",
            Niva.INDIVID,
            "forberedande",
            dt.date(2014, 3, 1),
            None,
            "individuell",
            form="verksamhet",
            andel=0.3,
            behovsgrupper=["unga_aktivitetsersattning", "unga_funktionsnedsattning"],
            malgrupper=["Unga 16–29 år"],
            malgrupp_text="Unga som varken arbetar eller studerar.",
            alder=(16, 29),
            planerat_antal=30,
            max_manader=18,
            mal=("arbete_studier", 30, 180),
            parter=(Medlemstyp.ARBETSFORMEDLINGEN, Medlemstyp.KOMMUN),
        ),
        Plan(
            "UPP-KART",
            "Kartläggning och arbetsförmågebedömning",
            Niva.INDIVID,
            "kartlaggning",
            dt.date(2015, 1, 1),
            dt.date(2016, 12, 31),
            "individuell",
            andel=0.15,
            avslutad=dt.date(2016, 3, 31),
            malgrupp_text="Personer med oklar arbetsförmåga, aktuella hos minst två parter.",
            alder=(18, 64),
            planerat_antal=60,
            max_manader=3,
            parter=(Medlemstyp.FORSAKRINGSKASSAN, Medlemstyp.REGION),
        ),
        Plan(
            "UPP-VAGLED",
            "Vägledningscentrum",
            Niva.INDIVID,
            "forebyggande",
            dt.date(2013, 1, 1),
            None,
            "volym",
            form="verksamhet",
            andel=0.12,
            malgrupper=["Försörjningsstöd"],
            malgrupp_text="Alla som söker vägledning mot arbete eller studier; endast antal registreras.",
            alder=(16, 64),
            parter=(Medlemstyp.ARBETSFORMEDLINGEN, Medlemstyp.KOMMUN),
        ),
        Plan(
            "UPP-PO",
            "Personligt ombud",
            Niva.INDIVID,
            "annan",
            dt.date(2013, 1, 1),
            None,
            "volym",
            form="verksamhet",
            andel=0.08,
            malgrupp_text="Personer med psykisk funktionsnedsättning.",
            alder=(18, 64),
            parter=(Medlemstyp.REGION, Medlemstyp.KOMMUN),
        ),
        Plan(
            "UPP-NYA",
            "Språk och arbete för nyanlända",
            Niva.INDIVID,
            "rehabilitering",
            dt.date(today.year + 1, 1, 1),
            dt.date(today.year + 2, 12, 31),
            "individuell",
            malgrupper=["Nyanlända"],
            malgrupp_text="Nyanlända med behov av samordnat stöd till arbete.",
            alder=(18, 64),
            planerat_antal=25,
            max_manader=12,
            mal=("arbete_studier", 35, 90),
            parter=(Medlemstyp.ARBETSFORMEDLINGEN, Medlemstyp.KOMMUN),
        ),
        Plan(
            "UPP-SAMVERK",
            "Samverkansdagar för parternas personal",
            Niva.STRUKTUR,
            "dialog",
            dt.date(2013, 1, 1),
            None,
            form="verksamhet",
            andel=0.5,
            parter=(*alla, Medlemstyp.KOMMUN),
        ),
        Plan(
            "UPP-MI",
            "Utbildning i motiverande samtal",
            Niva.STRUKTUR,
            "utbildning",
            dt.date(2015, 1, 1),
            dt.date(2015, 12, 31),
            andel=0.3,
            parter=(Medlemstyp.FORSAKRINGSKASSAN, Medlemstyp.KOMMUN),
        ),
        Plan(
            "UPP-ARBGIV",
            "Arbetsgivarnätverket",
            Niva.STRUKTUR,
            "annan",
            dt.date(2014, 1, 1),
            dt.date(2016, 12, 31),
            andel=0.3,
            parter=(Medlemstyp.ARBETSFORMEDLINGEN,),
        ),
    ]


def _compact_plans() -> list[Plan]:
    return [
        Plan(
            "IND-1",
            "Samordnad rehabilitering",
            Niva.INDIVID,
            "rehabilitering",
            dt.date(2013, 1, 1),
            None,
            "individuell",
            form="verksamhet",
            andel=0.7,
            behovsgrupper=["langtidssjukskrivna"],
            alder=(18, 64),
            planerat_antal=30,
            max_manader=12,
        ),
        Plan(
            "VOL-1",
            "Öppen vägledning",
            Niva.INDIVID,
            "forebyggande",
            dt.date(2014, 1, 1),
            dt.date(2016, 12, 31),
            "volym",
            andel=0.3,
        ),
        Plan(
            "STR-1",
            "Kompetensutveckling i samverkan",
            Niva.STRUKTUR,
            "utbildning",
            dt.date(2013, 1, 1),
            None,
            form="verksamhet",
            andel=1.0,
        ),
    ]


def _runs_in(plan: Plan, ar: int) -> bool:
    end = plan.avslutad or plan.slut
    return plan.start.year <= ar and (end is None or end.year >= ar)


def _insats(forbund: Forbund, plan: Plan) -> Insats:
    values = {
        "namn": plan.namn,
        "beskrivning": plan.beskrivning,
        "niva": plan.niva,
        "typ": plan.typ,
        "deltagarregistrering": plan.registrering,
        "form": plan.form,
        "startdatum": plan.start,
        "slutdatum": plan.slut,
        "avslutad_datum": plan.avslutad,
        "malgrupp_text": plan.malgrupp_text,
        "alder_fran": plan.alder[0] if plan.alder else None,
        "alder_till": plan.alder[1] if plan.alder else None,
        "planerat_antal_per_ar": plan.planerat_antal,
        "max_tid_manader": plan.max_manader,
        "projektagare": forbund.namn,
    }
    # Saved only when something differs, so a second run leaves even `andrad` alone.
    insats = Insats.objects.filter(forbund=forbund, kod=plan.kod).first()
    if insats is None:
        insats = Insats.objects.create(forbund=forbund, kod=plan.kod, **values)
    elif changed := [k for k, v in values.items() if getattr(insats, k) != v]:
        for k in changed:
            setattr(insats, k, values[k])
        insats.save()
    # The demo never sets these otherwise, so a plan without them needs no write.
    if plan.behovsgrupper:
        insats.behovsgrupper.set(Behovsgrupp.objects.filter(pk__in=plan.behovsgrupper))
    if plan.malgrupper:
        insats.malgrupper.set(
            [Malgrupp.objects.get_or_create(forbund=forbund, namn=n)[0] for n in plan.malgrupper]
        )
    if plan.parter:
        insats.parter.set(
            forbund.medlemskap.filter(medlemstyp__in=plan.parter, uttrade__isnull=True)
        )
    if plan.mal:
        matt, procent, dagar = plan.mal
        InsatsMal.objects.update_or_create(
            insats=insats,
            matt=matt,
            matpunkt_dagar=dagar,
            defaults={"malvarde_procent": procent},
        )
    return insats


def _upsert(model, rows: list, unique: list[str], update: list[str]) -> None:
    """Insert the rows, or update them where their natural key exists (one query)."""
    model.objects.bulk_create(
        rows, update_conflicts=True, unique_fields=unique, update_fields=update
    )


def _money(forbund: Forbund, plans: dict[str, Plan], insatser: dict[str, Insats]) -> None:
    lines: list[Ekonomirad] = []

    def _line(ar, rad, budget, utfall, insats=None) -> None:
        lines.append(
            Ekonomirad(forbund=forbund, ar=ar, rad=rad, insats=insats, budget=budget, utfall=utfall)
        )

    """Budgets sized from the year's contributions: administration 13–19 %, the rest to the
    insatser running that year (individ about 80 %, struktur 20 %), ESF-financed costs on
    top with ESF as their income, so budgeted income and costs balance; utfall within ±12 %."""
    bidrag = list(
        Medlemsbidrag.objects.filter(medlemskap__forbund=forbund, ar__in=AR).select_related(
            "medlemskap"
        )
    )
    for ar in AR:
        rng = random.Random(f"{forbund.organisationsnummer}-{ar}")  # noqa: S311 - demo data
        total = fordelning(bidrag, ar=ar, belopp="beslutat").total or BUDGET_UTAN_BIDRAG

        # round(x, -3) of a float is a float: the amounts are whole thousands as floats.
        def utfall(budget: float, rng: random.Random = rng) -> float:
            return round(budget * rng.uniform(0.88, 1.12), -3)

        adm = round(total * rng.uniform(0.13, 0.19), -3)
        rader = ADM_ANDELAR if len(plans) > 3 else {"adm_personal": 0.8, "adm_ovrigt": 0.2}
        for rad, andel in rader.items():
            budget = round(adm * andel, -3)
            # The last year's evaluation is not yet invoiced: the page warns about it.
            missing = ar == AR[-1] and rad == "adm_utvardering"
            _line(ar, rad, budget, None if missing else utfall(budget))
        esf_total: float = 0
        for niva, share in ((Niva.INDIVID, 0.8), (Niva.STRUKTUR, 0.2)):
            running = [p for p in plans.values() if p.niva == niva and _runs_in(p, ar)]
            weight = sum(p.andel for p in running)
            for plan in running:
                budget = round((total - adm) * share * plan.andel / weight, -3)
                esf = round(budget * plan.esf, -3)
                insats = insatser[plan.kod]
                _line(ar, Kostnadsslag.INSATS, budget, utfall(budget), insats)
                if esf:
                    _line(ar, Kostnadsslag.INSATS_ESF, esf, utfall(esf), insats)
                    esf_total += esf
        if esf_total:
            _line(ar, Finansiering.ESF, esf_total, esf_total)
        # Eget kapital at the year's end: a tenth or so of the year's contributions.
        eget = round(total * rng.uniform(0.06, 0.14), -3)
        _line(ar, Balans.EGET_KAPITAL_UB, eget, utfall(eget))
    _upsert(Ekonomirad, lines, ["forbund", "ar", "rad", "insats"], ["budget", "utfall"])


def _counts(insats: Insats, plan: Plan, seed: str) -> None:
    rng = random.Random(seed)  # noqa: S311 - demo data
    end = min(filter(None, [plan.avslutad, plan.slut, dt.date(AR[-1], 12, 31)]))
    model = Volymregistrering if insats.is_volyminsats else Strukturdeltagare
    rows = []
    for ar in AR:
        for month in (3, 6, 9, 12) if insats.is_volyminsats else (6, 12):
            datum = dt.date(ar, month, 30 if month in (6, 9) else 31)
            if insats.startdatum <= datum <= end:
                ranges = (
                    ((15, 45), (10, 35), (0, 3)) if model.VOLYM else ((10, 60), (0, 15), (0, 8))
                )
                values = {n: rng.randint(*r) for n, r in zip(model.ANTAL, ranges, strict=True)}
                rows.append(model(insats=insats, datum=datum, **values))
    _upsert(model, rows, ["insats", "datum"], list(model.ANTAL))


def _seed_forbund(forbund: Forbund, plans: list[Plan]) -> dict[str, Insats]:
    by_kod = {p.kod: p for p in plans}
    insatser = {p.kod: _insats(forbund, p) for p in plans}
    _money(forbund, by_kod, insatser)
    for kod, insats in insatser.items():
        if insats.is_volyminsats or insats.is_strukturinsats:
            _counts(insats, by_kod[kod], f"{forbund.organisationsnummer}-{kod}")
    return insatser


def _uppdrag(username: str, roll: str) -> Uppdrag | None:
    return (
        Uppdrag.objects.filter(user__username=username, roll=roll).select_related("forbund").first()
    )


@transaction.atomic
def seed(*, stdout: TextIOBase | None = None) -> None:
    """Add the demo insatser to the demo förbund (see the module docstring)."""
    chef = _uppdrag("chef", Roll.FORBUNDSADMINISTRATOR)
    if chef is None or chef.forbund is None:
        if stdout:
            stdout.write("Insatser: ingen demoanvändare chef, inga insatser skapades.\n")
        return
    uppsala = chef.forbund
    insatser = _seed_forbund(uppsala, _uppsala_plans(timezone.localdate()))
    coach = _uppdrag("coach", Roll.HANDLAGGARE)
    if coach and coach.forbund_id == uppsala.pk:
        for kod in ("UPP-UNGA", "UPP-VAGLED"):
            InsatsUppdrag.objects.get_or_create(insats=insatser[kod], uppdrag=coach)
    others = Forbund.objects.exclude(pk=uppsala.pk).filter(upphord__isnull=True)
    count = 0
    for forbund in others:
        count += len(_seed_forbund(forbund, _compact_plans()))
    if stdout:
        stdout.write(
            f"Insatser: {len(insatser)} i {uppsala.namn} (coach handlägger två), "
            f"{count} i {others.count()} andra förbund, med budget och utfall {AR[0]}–{AR[-1]}.\n"
        )
