"""Writes that span several rows, and the economy of a förbund's year."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, F, IntegerField, Max, OuterRef, Q, Subquery, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone

from finsam.lib import period
from forbund import arslas
from forbund.account_services import log_behorighet
from forbund.choices import Roll
from forbund.models import Behorighetslogg, Forbund, Medlemsbidrag, Medlemskap, Uppdrag
from forbund.services import Fordelning, Kontroll5, fordelning

from .choices import (
    ADMINISTRATIONSRADER,
    INSATSRADER,
    NIVA_PLURAL,
    Balans,
    Finansiering,
    Kostnadsslag,
    Niva,
    rad_label,
)
from .models import (
    AntalModel,
    Ekonomirad,
    Insats,
    InsatsMal,
    InsatsUppdrag,
    Malgrupp,
    Strukturdeltagare,
    Volymregistrering,
    active_in_year_q,
    check_count_insats,
)

# The rule of thumb for administration: at most a fifth of the costs (SUS, 002:L1847).
ADMINISTRATION_TAK = 0.20


# --- Insatser -------------------------------------------------------------------------


@transaction.atomic
def insats_save(
    *,
    insats: Insats,
    behovsgrupper: Iterable[str] = (),
    malgrupper: Iterable[Malgrupp] = (),
    nya_malgrupper: Iterable[str] = (),
    parter: Iterable[Medlemskap] = (),
    mal: Iterable[dict] | None = None,
) -> Insats:
    """Save an insats with its target groups, parties and (if given) its goals, all or nothing.

    New target group names become the förbund's own målgrupper (an existing name is
    reused). Målgrupper and parties must belong to the insats's förbund; `mal`
    replaces the goals. Raises ValidationError otherwise.
    """
    malgrupper, parter, behovsgrupper = list(malgrupper), list(parter), list(behovsgrupper)
    if any(m.forbund_id != insats.forbund_id for m in malgrupper):
        raise ValidationError({"malgrupper": "Målgruppen hör till ett annat förbund."})
    if any(p.forbund_id != insats.forbund_id for p in parter):
        raise ValidationError({"parter": "Parten är inte medlem i insatsens förbund."})
    insats.full_clean()
    if insats.pk and _groups_change(insats, behovsgrupper, malgrupper, nya_malgrupper):
        arslas.assert_open(
            forbund_id=insats.forbund_id,
            spans=[arslas.span(insats.startdatum, insats.sista_dag)],
            vad="Insatsens målgrupper",
        )
    insats.save()
    for namn in {n.strip() for n in nya_malgrupper if n.strip()}:
        malgrupp, _ = Malgrupp.objects.get_or_create(forbund_id=insats.forbund_id, namn=namn)
        malgrupper.append(malgrupp)
    # django-stubs takes pks to be ints; Behovsgrupp's pk is its kod.
    insats.behovsgrupper.set(list(behovsgrupper))  # type: ignore[arg-type]
    insats.malgrupper.set(malgrupper)
    insats.parter.set(parter)
    if mal is not None:
        insats.mal.all().delete()
        goals = [InsatsMal(insats=insats, **values) for values in mal]
        for goal in goals:
            goal.full_clean(exclude=["insats"])
        InsatsMal.objects.bulk_create(goals)
    return insats


def _groups_change(
    insats: Insats,
    behovsgrupper: Iterable[str],
    malgrupper: Iterable[Malgrupp],
    nya_malgrupper: Iterable[str],
) -> bool:
    """Whether the target groups the report shows (T1, T18) change."""
    now_b = set(insats.behovsgrupper.values_list("pk", flat=True))
    now_m = set(insats.malgrupper.values_list("pk", flat=True))
    return (
        now_b != {getattr(b, "pk", b) for b in behovsgrupper}
        or now_m != {m.pk for m in malgrupper}
        or any(n.strip() for n in nya_malgrupper)
    )


def insats_close(*, insats: Insats, datum: dt.date) -> Insats:
    """Close an insats early on the day (its last day). Raises ValidationError in Swedish."""
    if insats.avslutad_datum:
        raise ValidationError(f"Insatsen avslutades redan {insats.avslutad_datum:%Y-%m-%d}.")
    if datum > timezone.localdate():
        raise ValidationError(
            {"datum": "Ett avslut kan inte ligga i framtiden; ändra slutdatum i stället."}
        )
    if problem := insats.avslut_problem(datum):
        raise ValidationError({"datum": problem})
    insats.avslutad_datum = datum
    insats.save(update_fields=["avslutad_datum", "andrad"])
    return insats


def handlaggare_choices(forbund: Forbund):
    """The assignments that may be linked to the förbund's insatser: its handläggare whose
    assignment has not ended."""
    today = timezone.localdate()
    return (
        Uppdrag.objects.filter(forbund=forbund, roll=Roll.HANDLAGGARE)
        .filter(Q(slutdatum__isnull=True) | Q(slutdatum__gt=today))
        .select_related("user")
        .order_by("user__last_name", "user__first_name", "user__username")
    )


def _log_tilldelningar(*, by, uppdrag: Uppdrag, added: Iterable[Insats], removed: Iterable[Insats]):
    parts = [f"Tillagd i {i.kod} {i.namn}" for i in added]
    parts += [f"Borttagen från {i.kod} {i.namn}" for i in removed]
    if parts:
        log_behorighet(
            by=by,
            anvandare=uppdrag.user,
            forbund=uppdrag.forbund,
            handelse=Behorighetslogg.Handelse.INSATSER_ANDRADE,
            beskrivning=f"{uppdrag}: " + "; ".join(parts) + ".",
        )


@transaction.atomic
def insats_set_handlaggare(*, by, insats: Insats, uppdrag: Iterable[Uppdrag]) -> None:
    """Make exactly these handläggare assignments the insats's; they must be in its förbund.
    Each handläggare whose insatser change gets a line in the access log."""
    wanted = {u.pk: u for u in uppdrag}
    for u in wanted.values():
        InsatsUppdrag(insats=insats, uppdrag=u).clean()
    leaving = list(
        insats.tilldelningar.exclude(uppdrag__in=list(wanted)).select_related(
            "uppdrag__user", "uppdrag__forbund"
        )
    )
    insats.tilldelningar.filter(pk__in=[t.pk for t in leaving]).delete()
    present = set(insats.tilldelningar.values_list("uppdrag_id", flat=True))
    arriving = [u for pk, u in wanted.items() if pk not in present]
    InsatsUppdrag.objects.bulk_create(InsatsUppdrag(insats=insats, uppdrag=u) for u in arriving)
    for t in leaving:
        _log_tilldelningar(by=by, uppdrag=t.uppdrag, added=[], removed=[insats])
    for u in arriving:
        _log_tilldelningar(by=by, uppdrag=u, added=[insats], removed=[])


@transaction.atomic
def uppdrag_set_insatser(*, by, uppdrag: Uppdrag, insatser: Iterable[Insats]) -> None:
    """Make exactly these insatser the handläggare assignment's (all in its förbund), logged."""
    wanted = {i.pk: i for i in insatser}
    for i in wanted.values():
        InsatsUppdrag(insats=i, uppdrag=uppdrag).clean()
    leaving = list(uppdrag.tilldelningar.exclude(insats__in=list(wanted)).select_related("insats"))
    uppdrag.tilldelningar.filter(pk__in=[t.pk for t in leaving]).delete()
    present = set(uppdrag.tilldelningar.values_list("insats_id", flat=True))
    arriving = [i for pk, i in wanted.items() if pk not in present]
    InsatsUppdrag.objects.bulk_create(InsatsUppdrag(insats=i, uppdrag=uppdrag) for i in arriving)
    _log_tilldelningar(by=by, uppdrag=uppdrag, added=arriving, removed=[t.insats for t in leaving])


# --- Money and counts -----------------------------------------------------------------


@transaction.atomic
def ekonomirad_set(
    *,
    forbund: Forbund,
    ar: int,
    rad: str,
    insats: Insats | None = None,
    budget: int | None,
    utfall: int | None,
) -> Ekonomirad | None:
    """Set one budget line of the year, or with no amounts remove it.

    Insats lines name an insats of the förbund; other lines none. Utfall needs a
    budget (0 when nothing was budgeted). Raises ValidationError in Swedish.
    """
    if (rad in INSATSRADER) != (insats is not None):
        raise ValidationError("Insatskostnader ska ange en insats; andra rader ska inte göra det.")
    if insats is not None and insats.forbund_id != forbund.pk:
        raise ValidationError("Insatsen hör till ett annat förbund.")
    key = {"forbund": forbund, "ar": ar, "rad": rad, "insats": insats}
    if budget is None and utfall is None:
        for row in Ekonomirad.objects.filter(**key):
            row.delete()  # one by one: the lock of an approved year is asked per row
        return None
    if budget is None:
        raise ValidationError({"budget": "Ange budget (0 om inget budgeterades) när utfall finns."})
    row = Ekonomirad.objects.filter(**key).first() or Ekonomirad(**key)
    row.budget, row.utfall = budget, utfall
    row.full_clean()
    row.save()
    return row


def antal_set(
    *, model: AntalModel, insats: Insats, datum: dt.date, antal: dict[str, int]
) -> Volymregistrering | Strukturdeltagare:
    """Enter the counts for the insats and period (the day); an earlier entry for the day
    is replaced. Volume counts need a volyminsats, strukturdeltagare a strukturinriktad insats."""
    if set(antal) != set(model.ANTAL):
        raise ValueError(f"{model.__name__} counts {model.ANTAL}, got {sorted(antal)}")
    check_count_insats(insats, datum, volym=model.VOLYM)
    row, _ = model.objects.update_or_create(insats=insats, datum=datum, defaults=antal)
    return row


# --- The economy of a year ------------------------------------------------------------


def ekonomi_default_year(forbund: Forbund) -> int:
    """The latest year with budget lines (up to next year), else the current year."""
    this_year = timezone.localdate().year
    latest = forbund.ekonomirader.filter(ar__lte=this_year + 1).aggregate(m=Max("ar"))["m"]
    return latest or this_year


@dataclass(frozen=True)
class Belopp:
    """Budget and utfall of one or more lines; utfall counts only the lines that have one."""

    budget: int = 0
    utfall: int = 0
    rader: int = 0
    saknar_utfall: int = 0

    def __add__(self, other: Belopp) -> Belopp:
        return Belopp(
            self.budget + other.budget,
            self.utfall + other.utfall,
            self.rader + other.rader,
            self.saknar_utfall + other.saknar_utfall,
        )

    @property
    def har_utfall(self) -> bool:
        return self.rader > self.saknar_utfall


def _summa(belopp: Iterable[Belopp]) -> Belopp:
    return sum(belopp, Belopp())


def _andel(del_: int, helhet: int) -> float | None:
    return del_ / helhet if helhet else None


@dataclass
class Insatsrad:
    insats: Insats
    kostnad: Belopp
    esf: Belopp
    antal_deltagare: int

    @property
    def total(self) -> Belopp:
        return self.kostnad + self.esf

    @property
    def kostnad_underlag(self) -> int:
        """The cost shared among participants: the utfall, or the budget while there is none."""
        total = self.total
        return total.utfall if total.har_utfall else total.budget

    @property
    def kostnad_per_deltagare(self) -> int | None:
        if not self.antal_deltagare:
            return None
        return round(self.kostnad_underlag / self.antal_deltagare)


@dataclass
class Nivasumma:
    niva: str
    rader: list[Insatsrad]

    @property
    def rubrik(self) -> str:
        return NIVA_PLURAL[self.niva]

    @property
    def belopp(self) -> Belopp:
        return _summa(r.total for r in self.rader)

    @property
    def esf(self) -> Belopp:
        return _summa(r.esf for r in self.rader)

    @property
    def antal_deltagare(self) -> int:
        return sum(r.antal_deltagare for r in self.rader)

    @property
    def kostnad_per_deltagare(self) -> int | None:
        """Over the insatser that have participants, on the same basis as each row."""
        counted = [r for r in self.rader if r.antal_deltagare]
        if not counted:
            return None
        return round(sum(r.kostnad_underlag for r in counted) / self.antal_deltagare)


@dataclass
class Rad:
    kod: str
    belopp: Belopp

    @property
    def label(self) -> str:
        return rad_label(self.kod)


@dataclass
class Ekonomiar:
    """A förbund's year: costs by level and administration, income, shares and warnings."""

    forbund: Forbund
    ar: int
    individ: Nivasumma
    struktur: Nivasumma
    administration: list[Rad]
    finansiering: list[Rad]
    medlemsbidrag_beslutat: Fordelning
    medlemsbidrag_inbetalt: Fordelning
    # Eget kapital at the year's end (the `eget_kapital_ub` line) and at its start (the
    # utfall of the year before; None when that year has no such line).
    eget_kapital: list[Rad] = field(default_factory=list)
    eget_kapital_ingaende: int | None = None
    varningar: list[str] = field(default_factory=list)

    @property
    def eget_kapital_utgaende(self) -> Belopp:
        return _summa(r.belopp for r in self.eget_kapital)

    @property
    def eget_kapital_andel_budget(self) -> float | None:
        """Eget kapital at the year's end as a share of the members' contributions."""
        return _andel(self.eget_kapital_utgaende.budget, self.medlemsbidrag_beslutat.total)

    @property
    def eget_kapital_andel_utfall(self) -> float | None:
        if not self.eget_kapital_utgaende.har_utfall:
            return None
        return _andel(self.eget_kapital_utgaende.utfall, self.medlemsbidrag_inbetalt.total)

    @property
    def administration_summa(self) -> Belopp:
        return _summa(r.belopp for r in self.administration)

    @property
    def kostnader(self) -> Belopp:
        return self.individ.belopp + self.struktur.belopp + self.administration_summa

    @property
    def kontroll5(self) -> Kontroll5:
        return Kontroll5(self.medlemsbidrag_beslutat, self.medlemsbidrag_inbetalt)

    @property
    def medlemsbidrag(self) -> Belopp:
        has_paid = self.medlemsbidrag_inbetalt.total > 0
        return Belopp(
            budget=self.medlemsbidrag_beslutat.total,
            utfall=self.medlemsbidrag_inbetalt.total,
            rader=1,
            saknar_utfall=0 if has_paid else 1,
        )

    @property
    def intakter(self) -> Belopp:
        return self.medlemsbidrag + _summa(r.belopp for r in self.finansiering)

    @property
    def resultat_budget(self) -> int:
        return self.intakter.budget - self.kostnader.budget

    @property
    def administration_andel_budget(self) -> float | None:
        return _andel(self.administration_summa.budget, self.kostnader.budget)

    @property
    def administration_andel_utfall(self) -> float | None:
        if not self.kostnader.har_utfall:
            return None
        return _andel(self.administration_summa.utfall, self.kostnader.utfall)

    @property
    def saknar_utfall(self) -> int:
        """Cost and income lines of the year without utfall (contributions not included)."""
        return (
            self.kostnader.saknar_utfall + _summa(r.belopp for r in self.finansiering).saknar_utfall
        )


def procent(andel: float) -> str:
    """A share as Swedish text: 0.2274 -> "22,7 %"."""
    return f"{andel * 100:.1f}".replace(".", ",") + " %"


def _warnings(year: Ekonomiar, today: dt.date) -> list[str]:
    found = []
    for andel, slag in (
        (year.administration_andel_budget, "budgeterade"),
        (year.administration_andel_utfall, "redovisade"),
    ):
        if andel is not None and andel > ADMINISTRATION_TAK:
            found.append(
                f"Administrationen är {procent(andel)} av de {slag} kostnaderna {year.ar}. "
                f"Tumregeln är högst {ADMINISTRATION_TAK * 100:.0f} %."
            )
    if year.ar < today.year and year.saknar_utfall:
        rader = "rad" if year.saknar_utfall == 1 else "rader"
        found.append(
            f"Utfall saknas för {year.saknar_utfall} {rader} trots att {year.ar} är avslutat."
        )
    return found


def _summed(lines, *keys: str):
    """Budget lines summed per key, with how many lines lack utfall."""
    return (
        lines.values(*keys)
        .annotate(
            sum_budget=Sum("budget"),
            sum_utfall=Sum("utfall"),
            rader=Count("pk"),
            saknar_utfall=Count("pk", filter=Q(utfall__isnull=True)),
        )
        .order_by()
    )


def _belopp(row: dict) -> Belopp:
    return Belopp(
        budget=row["sum_budget"] or 0,
        utfall=row["sum_utfall"] or 0,
        rader=row["rader"],
        saknar_utfall=row["saknar_utfall"],
    )


def _antal_subquery(model: AntalModel, ar: int) -> Coalesce:
    total = sum((F(name) for name in model.ANTAL[1:]), F(model.ANTAL[0]))
    per_insats = (
        model.objects.filter(insats=OuterRef("pk"), datum__year=ar)
        .order_by()
        .values("insats")
        .annotate(n=Sum(total))
        .values("n")
    )
    return Coalesce(Subquery(per_insats, output_field=IntegerField()), 0)


def _deltaganden_count(ar: int) -> Count:
    """The insats's deltaganden (with and without personal data) active in the year.

    The deltagare app imports this one, so the count reads the reverse relation by its
    related name; the condition is the one `Deltagande.objects.active_in_year` uses
    (finsam.lib.period), and tests/insatser/test_services.py checks the two agree.
    """
    return Count("deltaganden", filter=period.active_in_year_q(ar, prefix="deltaganden__"))


def ekonomiar(forbund: Forbund, ar: int, *, today: dt.date | None = None) -> Ekonomiar:
    """The year's budget against utfall for individ- and strukturinriktade insatser and
    administration, income, the administration share and the rule-of-thumb warnings.

    Runs four queries whatever the number of insatser: the year's lines summed per line
    and insats, the insatser of the year with their participants (volume counts,
    strukturdeltagare and deltaganden active in the year, as the report's insats
    catalogue counts them), the members' contributions, and last year's eget kapital.
    """
    today = today or timezone.localdate()
    lines: dict[tuple[str, int | None], Belopp] = {
        (row["rad"], row["insats_id"]): _belopp(row)
        for row in _summed(Ekonomirad.objects.filter(forbund=forbund, ar=ar), "rad", "insats_id")
    }
    with_money = {insats_id for _, insats_id in lines if insats_id}
    insatser = (
        forbund.insatser.filter(active_in_year_q(ar) | Q(pk__in=with_money))
        .annotate(
            antal_volym=_antal_subquery(Volymregistrering, ar),
            antal_struktur=_antal_subquery(Strukturdeltagare, ar),
            antal_deltaganden=_deltaganden_count(ar),
        )
        .order_by("niva", "kod")
    )
    per_niva: dict[str, list[Insatsrad]] = {Niva.INDIVID: [], Niva.STRUKTUR: []}
    for insats in insatser:
        per_niva[insats.niva].append(
            Insatsrad(
                insats=insats,
                kostnad=lines.get((Kostnadsslag.INSATS, insats.pk), Belopp()),
                esf=lines.get((Kostnadsslag.INSATS_ESF, insats.pk), Belopp()),
                antal_deltagare=insats.antal_volym
                + insats.antal_struktur
                + insats.antal_deltaganden,
            )
        )
    bidrag = list(
        Medlemsbidrag.objects.filter(medlemskap__forbund=forbund, ar=ar).select_related(
            "medlemskap"
        )
    )
    year = Ekonomiar(
        forbund=forbund,
        ar=ar,
        individ=Nivasumma(Niva.INDIVID, per_niva[Niva.INDIVID]),
        struktur=Nivasumma(Niva.STRUKTUR, per_niva[Niva.STRUKTUR]),
        administration=[Rad(k, lines.get((k, None), Belopp())) for k in ADMINISTRATIONSRADER],
        finansiering=[Rad(k, lines.get((k, None), Belopp())) for k in Finansiering.values],
        medlemsbidrag_beslutat=fordelning(bidrag, ar=ar, belopp="beslutat"),
        medlemsbidrag_inbetalt=fordelning(bidrag, ar=ar, belopp="inbetalt"),
        eget_kapital=[Rad(k, lines.get((k, None), Belopp())) for k in Balans.values],
        eget_kapital_ingaende=Ekonomirad.objects.filter(
            forbund=forbund, ar=ar - 1, rad=Balans.EGET_KAPITAL_UB
        )
        .values_list("utfall", flat=True)
        .first(),
    )
    year.varningar = _warnings(year, today)
    return year


@dataclass
class InsatsAr:
    ar: int
    kostnad: Belopp
    esf: Belopp

    @property
    def total(self) -> Belopp:
        return self.kostnad + self.esf


def insats_ekonomi(insats: Insats) -> list[InsatsAr]:
    """The insats's budget and utfall per year, latest first: every year of its period and
    any year with lines, in one query."""
    lines: dict[tuple[int, str], Belopp] = {
        (row["ar"], row["rad"]): _belopp(row)
        for row in _summed(insats.ekonomirader.all(), "ar", "rad")
    }
    # Every year of the insats's period (an open-ended one up to next year, whose budget
    # is set in the autumn), and any other year with lines.
    years = set(insats.years(until=timezone.localdate().year + 1)) | {ar for ar, _ in lines}
    return [
        InsatsAr(
            ar=ar,
            kostnad=lines.get((ar, Kostnadsslag.INSATS), Belopp()),
            esf=lines.get((ar, Kostnadsslag.INSATS_ESF), Belopp()),
        )
        for ar in sorted(years, reverse=True)
    ]
