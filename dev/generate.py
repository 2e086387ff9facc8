"""A realistic, deterministic synthetic data set at national scale (`manage.py generate_data`).

For benchmarks, the load test and demos: N förbund spread over the län with the 290
kommuner as members, their insatser (individ- and strukturinriktade, individual and
volume registration), money per year, volume and structural counts, and deltaganden with
persons (encrypted personnummer and keyed hash, as registered through the app), consent,
start profiles, outcomes and follow-ups. Some people take part more than once, some numbers
are samordningsnummer, some deltaganden are anonymous, and a few carry the gaps the
data-quality lists are for (open past the insats's end, ended without outcome).

Everything is drawn from one `random.Random(seed)`: the same arguments give the same data
(the encrypted numbers differ, as Fernet uses a random IV, but decrypt to the same).
Rows are written with PostgreSQL COPY through the models' own field conversion, so the
data satisfies every database constraint. Generated förbund have organisationsnummer
starting with 992 (`GENERATED_PREFIX`); nothing else is touched, and `replace()` removes
exactly those förbund and everything under them.
"""

from __future__ import annotations

import csv
import datetime as dt
import random
import uuid
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypedDict

from django.db import connection, models, transaction
from django.utils import timezone

from deltagare import pnr
from deltagare.choices import (
    ARBETE_ELLER_STUDIER,
    Avslutsorsak,
    Forsorjning,
    Kon,
    Registreringsform,
    Samtyckessyfte,
    Sysselsattning,
    TidOffentligForsorjning,
    Utbildningsniva,
)
from deltagare.models import Deltagande, Person, Samtycke, Uppfoljning
from finsam.lib.bulk import copy_insert
from forbund.choices import Lan, Medlemstyp
from forbund.models import Forbund, Kommun, Medlemsbidrag, Medlemskap
from forbund.services import split_by_population
from forbund.validators import with_check_digit
from insatser.choices import TYPER_PER_NIVA, Balans, Niva
from insatser.models import Ekonomirad, Insats, Strukturdeltagare, Volymregistrering

GENERATED_PREFIX = "992"  # a valid organisationsnummer has a third digit of at least 2
FOLKMANGD = Path(__file__).resolve().parents[1] / "forbund" / "data" / "folkmangd_2015.csv"
NEW_INSATSER_PER_FORBUND_AND_YEAR = 6
ADM_ANDEL = 0.12

Progress = Callable[[str], None]


@dataclass
class Counts:
    forbund: int = 0
    insatser: int = 0
    personer: int = 0
    deltaganden: int = 0
    uppfoljningar: int = 0
    ekonomirader: int = 0
    antal: int = 0
    per_ar: dict[int, int] = field(default_factory=dict)


class GenerateError(Exception):
    pass


class Medlemmar(TypedDict):
    """A generated förbund's memberships, and each kommun membership's weight (folkmängd)."""

    members: list[Medlemskap]
    weights: dict[int, int]


def generated_forbund() -> models.QuerySet[Forbund]:
    return Forbund.objects.filter(organisationsnummer__startswith=GENERATED_PREFIX)


def _reset_sequences(*model_list: type[models.Model]) -> None:
    with connection.cursor() as cursor:
        for model in model_list:
            table = model._meta.db_table
            quoted = connection.ops.quote_name(table)  # from the model, not from input
            sql = f"SELECT setval(pg_get_serial_sequence(%s, 'id'), (SELECT COALESCE(MAX(id), 1) FROM {quoted}))"  # noqa: S608
            cursor.execute(sql, [table])


def _next_ids(model: type[models.Model]) -> Callable[[], int]:
    start = (model._default_manager.aggregate(m=models.Max("id"))["m"] or 0) + 1
    counter = iter(range(start, 1 << 62))
    return lambda: next(counter)


def replace() -> int:
    """Delete the generated förbund and everything under them (raw, in dependency order)."""
    ids = list(generated_forbund().values_list("id", flat=True))
    if not ids:
        return 0
    statements = [
        "DELETE FROM deltagare_uppfoljning WHERE deltagande_id IN (SELECT d.id FROM deltagare_deltagande d JOIN insatser_insats i ON d.insats_id = i.id WHERE i.forbund_id = ANY(%s))",
        "DELETE FROM deltagare_atkomstlogg WHERE forbund_id = ANY(%s)",
        "DELETE FROM deltagare_deltagande WHERE insats_id IN (SELECT id FROM insatser_insats WHERE forbund_id = ANY(%s))",
        "DELETE FROM deltagare_samtycke WHERE person_id IN (SELECT id FROM deltagare_person WHERE forbund_id = ANY(%s))",
        "DELETE FROM deltagare_person WHERE forbund_id = ANY(%s)",
    ]
    with transaction.atomic(), connection.cursor() as cursor:
        for sql in statements:
            cursor.execute(sql, [ids])
        # The rest cascades through the ORM (insatser, money, counts, members, users' uppdrag).
        Forbund.objects.filter(id__in=ids).delete()
    return len(ids)


class Generator:
    def __init__(
        self,
        *,
        forbund: int,
        ar_fran: int,
        ar_till: int,
        per_ar: int,
        seed: int,
        today: dt.date | None = None,
        progress: Progress | None = None,
    ) -> None:
        self.n_forbund = forbund
        self.years = range(ar_fran, ar_till + 1)
        self.per_ar = per_ar
        self.rng = random.Random(seed)  # noqa: S311 (synthetic data, not security)
        self.today = today or timezone.localdate()
        self.progress = progress or (lambda _: None)
        self.counts = Counts()
        self.now = timezone.now()

    def uuid(self) -> uuid.UUID:
        return uuid.UUID(int=self.rng.getrandbits(128), version=4)

    # --- Förbund and members -----------------------------------------------------------

    def make_forbund(self) -> list[tuple[Forbund, Medlemmar]]:
        population = {}
        with FOLKMANGD.open(encoding="utf-8") as f:
            for row in csv.DictReader(f, delimiter=";"):
                population[row["kod"]] = int(row["folkmangd"])
        kommuner = list(Kommun.objects.order_by("kod"))
        by_lan: dict[str, list[Kommun]] = defaultdict(list)
        for k in kommuner:
            by_lan[k.lan].append(k)
        lans = sorted(by_lan)
        # Förbund per län in proportion to its number of kommuner, at least one each.
        n = self.n_forbund
        share = (
            split_by_population(n, {lan: len(by_lan[lan]) for lan in lans})
            if n >= len(lans)
            else {}
        )
        if not share:
            share = {lan: 1 if i < n else 0 for i, lan in enumerate(lans)}
        for lan in lans:
            share[lan] = min(share[lan], len(by_lan[lan]))
        missing = n - sum(share.values())
        for lan in sorted(lans, key=lambda lan: -len(by_lan[lan])):
            while missing > 0 and share[lan] < len(by_lan[lan]):
                share[lan] += 1
                missing -= 1
        result: list[tuple[Forbund, Medlemmar]] = []
        number = 0
        for lan in lans:
            members = by_lan[lan]
            for i in range(share[lan]):
                number += 1
                group = members[i :: share[lan]]
                forbund = Forbund.objects.create(
                    organisationsnummer=with_check_digit(f"{GENERATED_PREFIX}{number:06d}"),
                    namn=f"Syntetiskt samordningsförbund {number:02d} ({Lan(lan).label})",
                    lan=lan,
                    bildad=dt.date(self.years[0] - 1 - self.rng.randint(0, 8), 1, 1),
                )
                memberships = [
                    Medlemskap(
                        forbund=forbund,
                        medlemstyp=Medlemstyp.FORSAKRINGSKASSAN,
                        intrade=forbund.bildad,
                    ),
                    Medlemskap(
                        forbund=forbund,
                        medlemstyp=Medlemstyp.ARBETSFORMEDLINGEN,
                        intrade=forbund.bildad,
                    ),
                    Medlemskap(
                        forbund=forbund,
                        medlemstyp=Medlemstyp.REGION,
                        region_id=lan,
                        intrade=forbund.bildad,
                    ),
                    *[
                        Medlemskap(
                            forbund=forbund,
                            medlemstyp=Medlemstyp.KOMMUN,
                            kommun=k,
                            intrade=forbund.bildad,
                        )
                        for k in group
                    ],
                ]
                Medlemskap.objects.bulk_create(memberships)
                weights = {
                    m.pk: population.get(m.kommun_id, 1000) for m in memberships if m.kommun_id
                }
                result.append((forbund, {"members": memberships, "weights": weights}))
        self.counts.forbund = len(result)
        return result

    # --- Insatser, money and counts ------------------------------------------------------

    def make_insatser(self, forbund: Forbund, index: int) -> list[Insats]:
        rng = self.rng
        insatser = []
        k = 0
        for ar in self.years:
            for _ in range(NEW_INSATSER_PER_FORBUND_AND_YEAR):
                k += 1
                niva = Niva.INDIVID if rng.random() < 0.75 else Niva.STRUKTUR
                start = dt.date(ar, rng.choice([1, 1, 3, 8]), 1)
                years = rng.choice([1, 2, 2, 3, 3, 5])
                slut = None if rng.random() < 0.1 else dt.date(ar + years - 1, 12, 31)
                registrering = ""
                if niva == Niva.INDIVID:
                    registrering = "volym" if rng.random() < 0.15 else "individuell"
                insatser.append(
                    Insats(
                        forbund=forbund,
                        kod=f"G{index:02d}-{ar}-{k:03d}",
                        namn=f"Insats {k} ({ar})",
                        niva=niva,
                        typ=rng.choice(TYPER_PER_NIVA[niva]),
                        deltagarregistrering=registrering,
                        form="projekt" if slut else "verksamhet",
                        startdatum=start,
                        slutdatum=slut,
                        avslutad_datum=(
                            min(slut, dt.date(ar + years - 1, 6, 30))
                            if slut
                            and rng.random() < 0.05
                            and dt.date(ar + years - 1, 6, 30) >= start
                            else None
                        ),
                        malgrupp_text="",
                        planerat_antal_per_ar=rng.choice([20, 40, 60, 100])
                        if niva == Niva.INDIVID
                        else None,
                        projektagare=forbund.namn,
                    )
                )
        created = Insats.objects.bulk_create(insatser)
        self.counts.insatser += len(created)
        return created

    def _active_years(self, insats: Insats) -> list[int]:
        last = insats.avslutad_datum or insats.slutdatum or dt.date(self.years[-1], 12, 31)
        return [ar for ar in self.years if insats.startdatum.year <= ar <= last.year]

    def make_money_and_counts(
        self, forbund: Forbund, insatser: list[Insats], info: Medlemmar
    ) -> None:
        rng = self.rng
        rows: list[Ekonomirad] = []
        antal: list[models.Model] = []
        total_per_year: dict[int, int] = defaultdict(int)
        for insats in insatser:
            for ar in self._active_years(insats):
                budget = rng.randrange(200_000, 3_000_000, 1000)
                utfall = (
                    round(budget * rng.uniform(0.8, 1.1), -3)
                    if dt.date(ar, 12, 31) < self.today
                    else None
                )
                rows.append(
                    Ekonomirad(
                        forbund=forbund,
                        ar=ar,
                        rad="insats",
                        insats=insats,
                        budget=budget,
                        utfall=utfall,
                    )
                )
                total_per_year[ar] += budget
                if insats.deltagarregistrering == "volym":
                    for q in (3, 6, 9, 12):
                        datum = dt.date(ar, q, 28)
                        if insats.startdatum <= datum <= self.today:
                            antal.append(
                                Volymregistrering(
                                    insats=insats,
                                    datum=datum,
                                    kvinnor=rng.randint(0, 25),
                                    man=rng.randint(0, 25),
                                    okant=rng.randint(0, 3),
                                )
                            )
                elif insats.niva == Niva.STRUKTUR:
                    for q in (6, 12):
                        datum = dt.date(ar, q, 28)
                        if insats.startdatum <= datum <= self.today:
                            antal.append(
                                Strukturdeltagare(
                                    insats=insats,
                                    datum=datum,
                                    myndighetspersonal=rng.randint(5, 60),
                                    arbetsgivare=rng.randint(0, 20),
                                    ovriga=rng.randint(0, 15),
                                )
                            )
        for ar in self.years:
            adm = int(total_per_year[ar] * ADM_ANDEL) // 1000 * 1000
            for rad, andel in (("adm_personal", 0.7), ("adm_lokaler", 0.15), ("adm_ovrigt", 0.15)):
                budget = int(adm * andel) // 1000 * 1000
                utfall = (
                    round(budget * rng.uniform(0.9, 1.05), -3)
                    if dt.date(ar, 12, 31) < self.today
                    else None
                )
                rows.append(
                    Ekonomirad(
                        forbund=forbund, ar=ar, rad=rad, insats=None, budget=budget, utfall=utfall
                    )
                )
            total_per_year[ar] += adm
        # Eget kapital at each year's end, from its own random stream so that adding it
        # leaves every other generated figure as it was.
        eget_rng = random.Random(f"{forbund.organisationsnummer}-eget-kapital")  # noqa: S311
        for ar in self.years:
            budget = int(total_per_year[ar] * eget_rng.uniform(0.05, 0.15)) // 1000 * 1000
            utfall = (
                round(budget * eget_rng.uniform(0.9, 1.1), -3)
                if dt.date(ar, 12, 31) < self.today
                else None
            )
            rows.append(
                Ekonomirad(
                    forbund=forbund,
                    ar=ar,
                    rad=Balans.EGET_KAPITAL_UB,
                    insats=None,
                    budget=budget,
                    utfall=utfall,
                )
            )
        Ekonomirad.objects.bulk_create(rows, batch_size=5000)
        Volymregistrering.objects.bulk_create(
            [a for a in antal if isinstance(a, Volymregistrering)], batch_size=5000
        )
        Strukturdeltagare.objects.bulk_create(
            [a for a in antal if isinstance(a, Strukturdeltagare)], batch_size=5000
        )
        self.counts.ekonomirader += len(rows)
        self.counts.antal += len(antal)
        # Members' contributions that pay for it, by 5 §.
        members = info["members"]
        bidrag = []
        for ar in self.years:
            total = max(4000, round(total_per_year[ar] / 4000) * 4000)
            amounts = split_by_population(total // 4, info["weights"])
            for m in members:
                if m.medlemstyp == Medlemstyp.FORSAKRINGSKASSAN:
                    belopp = total // 2
                elif m.medlemstyp == Medlemstyp.REGION:
                    belopp = total // 4
                elif m.medlemstyp == Medlemstyp.KOMMUN:
                    belopp = amounts[m.pk]
                else:
                    continue
                bidrag.append(
                    Medlemsbidrag(
                        medlemskap=m,
                        ar=ar,
                        beslutat=belopp,
                        inbetalt=belopp if ar < self.today.year else None,
                    )
                )
        Medlemsbidrag.objects.bulk_create(bidrag, batch_size=5000)

    # --- Deltaganden ----------------------------------------------------------------------

    def _personnummer(self, kon: str, start: dt.date, used: set[str]) -> tuple[str, dt.date, bool]:
        rng = self.rng
        while True:
            age = rng.choices(
                [rng.randint(16, 29), rng.randint(30, 49), rng.randint(50, 64)], weights=[4, 4, 2]
            )[0]
            birth = dt.date(start.year - age, 1, 1) + dt.timedelta(days=rng.randint(0, 364))
            samordning = rng.random() < 0.04
            day = birth.day + (60 if samordning else 0)
            serial = rng.randint(10, 99) * 10 + rng.choice(
                [1, 3, 5, 7, 9] if kon == Kon.MAN else [0, 2, 4, 6, 8]
            )
            short = f"{birth:%y%m}{day:02d}{serial:03d}"
            nummer = f"{birth.year}{short[2:]}{_luhn(short)}"
            if nummer not in used:
                used.add(nummer)
                return nummer, birth, samordning

    def make_deltaganden(self, all_insatser: dict[int, list[Insats]]) -> None:
        rng = self.rng
        individual = [i for insatser in all_insatser.values() for i in insatser if i.is_individuell]
        persons: list[Person] = []
        samtycken: list[Samtycke] = []
        deltaganden: list[Deltagande] = []
        uppfoljningar: list[Uppfoljning] = []
        person_id = _next_ids(Person)
        deltagande_id = _next_ids(Deltagande)
        used: dict[int, set[str]] = defaultdict(set)
        known: dict[int, list[Person]] = defaultdict(list)  # per förbund, for repeat participants
        open_in: dict[int, set[int]] = defaultdict(
            set
        )  # person id -> insatser with an open deltagande
        for ar in self.years:
            year_start, year_end = dt.date(ar, 1, 1), dt.date(ar, 12, 31)
            active = [
                i
                for i in individual
                if i.startdatum <= year_end
                and (i.avslutad_datum or i.slutdatum or year_end) >= year_start
            ]
            weights = [i.planerat_antal_per_ar or 20 for i in active]
            chosen = rng.choices(active, weights=weights, k=self.per_ar)
            for insats in chosen:
                last = insats.avslutad_datum or insats.slutdatum
                first_day = max(insats.startdatum, year_start)
                last_day = min(last or year_end, year_end, self.today)
                if last_day < first_day:
                    continue
                start = first_day + dt.timedelta(days=rng.randint(0, (last_day - first_day).days))
                planned = start + dt.timedelta(days=rng.randint(30, 500))
                slut: dt.date | None = planned
                if last and planned > last:
                    slut = last if rng.random() > 0.03 else None  # a few left open past the end
                if slut and slut > self.today:
                    slut = None
                anonym = rng.random() < 0.3
                kon = rng.choice([Kon.KVINNA, Kon.MAN])
                d = Deltagande(
                    id=deltagande_id(),
                    public_id=self.uuid(),
                    insats=insats,
                    registreringsform=Registreringsform.ANONYM
                    if anonym
                    else Registreringsform.PERSON,
                    kon=kon,
                    startdatum=start,
                    slutdatum=slut,
                    skapad=self.now,
                    andrad=self.now,
                )
                if slut:
                    d.avslutsorsak = rng.choice(
                        [Avslutsorsak.FULLFOLJD] * 6
                        + [
                            Avslutsorsak.ANNAN_INSATS,
                            Avslutsorsak.SJUKDOM,
                            Avslutsorsak.AVBRUTET_OVRIGT,
                            Avslutsorsak.FLYTT,
                        ]
                    )
                if not anonym:
                    person = None
                    pool = known[insats.forbund_id]
                    if pool and rng.random() < 0.2:
                        candidate = pool[rng.randrange(len(pool))]
                        if insats.pk not in open_in[candidate.id]:
                            person = candidate
                    if person is None:
                        nummer, birth, samordning = self._personnummer(
                            kon, start, used[insats.forbund_id]
                        )
                        person = Person(
                            id=person_id(),
                            public_id=self.uuid(),
                            forbund_id=insats.forbund_id,
                            pnr_krypterat=pnr.encrypt(nummer),
                            pnr_hash=pnr.lookup_hash(nummer),
                            samordningsnummer=samordning,
                            kon=kon,
                            fodelsedatum=birth,
                            skapad=self.now,
                        )
                        persons.append(person)
                        pool.append(person)
                    d.person = person
                    d.kon = person.kon
                    if slut is None:
                        open_in[person.id].add(insats.pk)
                    samtycken.append(
                        Samtycke(
                            person=person,
                            insats=insats,
                            syfte=Samtyckessyfte.REGISTRERING,
                            datum=start,
                            formularversion="FK 9443",
                            registrerad=self.now,
                        )
                    )
                    if rng.random() < 0.7:
                        samtycken.append(
                            Samtycke(
                                person=person,
                                insats=insats,
                                syfte=Samtyckessyfte.SEKRETESS,
                                datum=start,
                                formularversion="FK 9443",
                                registrerad=self.now,
                            )
                        )
                    d.utbildningsniva = rng.choice(list(Utbildningsniva.values))
                    d.forsorjning_fore = _forsorjning(rng)
                    d.tid_offentlig_forsorjning = rng.choice(list(TidOffentligForsorjning.values))
                    d.sysselsattning_fore = [
                        rng.choice(
                            [
                                Sysselsattning.INGEN,
                                Sysselsattning.ARBETSSOKANDE,
                                Sysselsattning.REHABILITERING,
                            ]
                        )
                    ]
                    if slut and rng.random() < 0.93:
                        d.sysselsattning_efter, d.forsorjning_efter = _outcome(rng)
                        for matpunkt, chance in ((90, 0.6), (180, 0.5), (365, 0.4)):
                            datum = slut + dt.timedelta(days=matpunkt)
                            if datum <= self.today and rng.random() < chance:
                                s, f = _outcome(rng)
                                uppfoljningar.append(
                                    Uppfoljning(
                                        deltagande=d,
                                        matpunkt=matpunkt,
                                        datum=datum,
                                        sysselsattning=s,
                                        forsorjning=f,
                                    )
                                )
                deltaganden.append(d)
            self.counts.per_ar[ar] = len(chosen)
            self.progress(f"{ar}: {len(chosen)} deltaganden")
        self.progress(
            f"Skriver {len(persons)} personer, {len(deltaganden)} deltaganden, {len(uppfoljningar)} uppföljningar…"
        )
        self.counts.personer = copy_insert(Person, persons)
        copy_insert(Samtycke, _with_ids(samtycken, Samtycke))
        self.counts.deltaganden = copy_insert(Deltagande, deltaganden)
        self.counts.uppfoljningar = copy_insert(Uppfoljning, _with_ids(uppfoljningar, Uppfoljning))
        _reset_sequences(Person, Samtycke, Deltagande, Uppfoljning)

    def run(self) -> Counts:
        forbund = self.make_forbund()
        self.progress(f"{len(forbund)} förbund med medlemmar.")
        all_insatser = {}
        for index, (f, info) in enumerate(forbund, start=1):
            insatser = self.make_insatser(f, index)
            self.make_money_and_counts(f, insatser, info)
            all_insatser[f.pk] = insatser
        self.progress(
            f"{self.counts.insatser} insatser, {self.counts.ekonomirader} ekonomirader, {self.counts.antal} antalsregistreringar."
        )
        self.make_deltaganden(all_insatser)
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        return self.counts


def _with_ids[M: models.Model](objs: Sequence[M], model: type[M]) -> Sequence[M]:
    """Ids given up front (no query may run while a COPY is in progress)."""
    next_id = _next_ids(model)
    for obj in objs:
        obj.pk = next_id()
    return objs


def _luhn(digits: str) -> int:
    total = 0
    for i, ch in enumerate(digits):
        d = int(ch) * (2 if i % 2 == 0 else 1)
        total += d - 9 if d > 9 else d
    return (10 - total % 10) % 10


def _forsorjning(rng: random.Random) -> list[str]:
    if rng.random() < 0.1:
        return [Forsorjning.INGEN_OFFENTLIG]
    options = [f for f in Forsorjning.values if f != Forsorjning.INGEN_OFFENTLIG]
    return sorted(set(rng.sample(options, k=rng.choice([1, 1, 1, 2]))))


def _outcome(rng: random.Random) -> tuple[list[str], list[str]]:
    if rng.random() < 0.4:
        return [rng.choice(ARBETE_ELLER_STUDIER)], [Forsorjning.INGEN_OFFENTLIG]
    return [
        rng.choice(
            [Sysselsattning.ARBETSSOKANDE, Sysselsattning.REHABILITERING, Sysselsattning.INGEN]
        )
    ], _forsorjning(rng)


def generate(
    *,
    forbund: int,
    ar_fran: int,
    ar_till: int,
    per_ar: int,
    seed: int = 1,
    replace_existing: bool = False,
    today: dt.date | None = None,
    progress: Progress | None = None,
) -> Counts:
    if ar_till < ar_fran:
        raise GenerateError("Slutåret ligger före startåret.")
    if not 1 <= forbund <= 290:
        raise GenerateError("Antalet förbund ska vara 1–290 (ett förbund behöver minst en kommun).")
    with transaction.atomic():
        if generated_forbund().exists():
            if not replace_existing:
                raise GenerateError(
                    "Det finns redan genererade förbund. Ange --replace för att ersätta dem."
                )
            replace()
        counts = Generator(
            forbund=forbund,
            ar_fran=ar_fran,
            ar_till=ar_till,
            per_ar=per_ar,
            seed=seed,
            today=today,
            progress=progress,
        ).run()
    if not connection.in_atomic_block:
        # As autovacuum would in time: the visibility map that index-only scans need (a
        # page's COUNT and its ids read from an index alone), so benchmarks on fresh data
        # see what a database in use sees. VACUUM cannot run inside a transaction.
        with connection.cursor() as cursor:
            cursor.execute("VACUUM (ANALYZE)")
    return counts
