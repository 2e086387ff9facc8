"""Demo participants for the Uppsala förbund (called by `seed_demo` after the insatser).

- UPP-UNGA (ongoing, the demo handläggare `coach` works in it): participants registered
  with consent over the last year, a few anonymous ones, some ended with outcomes and
  follow-ups, and the kind of gaps the work list is for: follow-ups due, an ended
  deltagande without outcome, start profiles missing a field.
- UPP-REHAB and UPP-KART (closed 2016): deltaganden 2013–2016 with start profiles,
  outcomes and follow-ups, so the demo återrapportering for those years has numbers.

The personnummer are invented (valid check digits) and registered through the same
services as the pages, so they are stored encrypted with their keyed hash like any
other. Deterministic (fixed random seed, dates relative to today for UPP-UNGA).
Idempotent: an insats that already has deltaganden is left as it is.
"""

from __future__ import annotations

import datetime as dt
import random
from io import TextIOBase

from django.db import transaction
from django.utils import timezone

from deltagare import pnr, services
from deltagare.choices import (
    ARBETE_ELLER_STUDIER,
    Avslutsorsak,
    Forsorjning,
    Kon,
    Sysselsattning,
    TidOffentligForsorjning,
    Utbildningsniva,
)
from deltagare.models import Deltagande
from forbund.choices import Roll
from forbund.models import Uppdrag
from insatser.models import Insats

FORE: list[list[str]] = [
    [Forsorjning.FORSORJNINGSSTOD],
    [Forsorjning.AKTIVITETSERSATTNING],
    [Forsorjning.SJUKPENNING],
    [Forsorjning.AKTIVITETSSTOD],
    [Forsorjning.FORSORJNINGSSTOD, Forsorjning.AKTIVITETSSTOD],
    [Forsorjning.SJUKERSATTNING],
    [Forsorjning.INGEN_OFFENTLIG],
]
UTBILDNING = [
    Utbildningsniva.FORGYMNASIAL,
    Utbildningsniva.GYMNASIAL,
    Utbildningsniva.GYMNASIAL,
    Utbildningsniva.EFTERGYMNASIAL,
]
TID = [
    TidOffentligForsorjning.UPP_TILL_1,
    TidOffentligForsorjning.UPP_TILL_3,
    TidOffentligForsorjning.UPP_TILL_6,
    TidOffentligForsorjning.OVER_9,
]
SYSSELSATTNING_FORE: list[list[str]] = [
    [Sysselsattning.INGEN],
    [Sysselsattning.ARBETSSOKANDE],
    [Sysselsattning.REHABILITERING],
]


def _luhn(digits: str) -> int:
    total = 0
    for i, ch in enumerate(digits):
        d = int(ch) * (2 if i % 2 == 0 else 1)
        total += d - 9 if d > 9 else d
    return (10 - total % 10) % 10


def invented_personnummer(
    rng: random.Random, *, fodd: tuple[int, int], kon: str
) -> pnr.Personnummer:
    """A valid, invented personnummer (sometimes a samordningsnummer) born in the years."""
    birth = dt.date(rng.randint(*fodd), 1, 1) + dt.timedelta(days=rng.randint(0, 364))
    day = birth.day + (60 if rng.random() < 0.05 else 0)  # samordningsnummer
    serial = rng.randint(10, 99) * 10 + rng.choice(
        [1, 3, 5, 7, 9] if kon == Kon.MAN else [0, 2, 4, 6, 8]
    )
    short = f"{birth:%y%m}{day:02d}{serial:03d}"
    return pnr.parse(f"{birth.year}{short[2:4]}{short[4:6]}-{serial:03d}{_luhn(short)}")


def _outcome(rng: random.Random) -> tuple[list[str], list[str]]:
    if rng.random() < 0.45:
        return [rng.choice(ARBETE_ELLER_STUDIER)], [Forsorjning.INGEN_OFFENTLIG]
    return [rng.choice([Sysselsattning.ARBETSSOKANDE, Sysselsattning.REHABILITERING])], [
        rng.choice(
            [Forsorjning.FORSORJNINGSSTOD, Forsorjning.AKTIVITETSSTOD, Forsorjning.SJUKPENNING]
        )
    ]


def _profil(rng: random.Random, *, complete: bool = True) -> services.Startprofil:
    return services.Startprofil(
        utbildningsniva=rng.choice(UTBILDNING) if complete else "",
        forsorjning_fore=rng.choice(FORE),
        tid_offentlig_forsorjning=rng.choice(TID),
        sysselsattning_fore=rng.choice(SYSSELSATTNING_FORE),
    )


def _register(rng, *, user, insats, start: dt.date, fodd, complete=True) -> Deltagande:
    kon = rng.choice([Kon.KVINNA, Kon.MAN])
    return services.register_person_deltagande(
        user=user,
        insats=insats,
        personnummer=invented_personnummer(rng, fodd=fodd, kon=kon),
        samtycke_datum=start,
        startdatum=start,
        profil=_profil(rng, complete=complete),
        sekretess_samtycke=rng.random() < 0.7,
        formularversion="Samtycke 2024-01",
    )


def _end(rng, deltagande: Deltagande, slut: dt.date, *, outcome: bool = True) -> None:
    sysselsattning, forsorjning = _outcome(rng) if outcome else ([], [])
    services.end_deltagande(
        deltagande=deltagande,
        slutdatum=slut,
        avslutsorsak=Avslutsorsak.FULLFOLJD if rng.random() < 0.7 else Avslutsorsak.AVBRUTET_OVRIGT,
        sysselsattning_efter=sysselsattning,
        forsorjning_efter=forsorjning,
    )


def _follow_up(rng, deltagande: Deltagande, today: dt.date) -> None:
    if deltagande.slutdatum is None:  # follow-ups count from the end
        return
    for matpunkt in (90, 180, 365):
        datum = deltagande.slutdatum + dt.timedelta(days=matpunkt)
        if datum > today:
            return
        sysselsattning, forsorjning = _outcome(rng)
        services.record_uppfoljning(
            deltagande=deltagande,
            matpunkt=matpunkt,
            datum=datum,
            sysselsattning=sysselsattning,
            forsorjning=forsorjning,
        )


def _ongoing(insats: Insats, user, today: dt.date) -> int:
    rng = random.Random("UPP-UNGA")  # noqa: S311 (demo data, not security)
    count = 0
    # Active participants started over the last ten months; two lack their education level.
    for n in range(14):
        start = today - dt.timedelta(days=rng.randint(10, 300))
        _register(rng, user=user, insats=insats, start=start, fodd=(1997, 2008), complete=n >= 2)
        count += 1
    # Ended: with outcomes and the follow-ups already made; two follow-ups are now due,
    # and one deltagande ended without its outcome registered.
    for n in range(8):
        start = today - dt.timedelta(days=rng.randint(400, 700))
        d = _register(rng, user=user, insats=insats, start=start, fodd=(1997, 2006))
        slut = start + dt.timedelta(days=rng.randint(120, 300))
        if n < 2:
            slut = today - dt.timedelta(days=95 + n * 10)  # the 90-day follow-up is due
        _end(rng, d, slut, outcome=n != 7)
        if n >= 2:
            _follow_up(rng, d, today)
        count += 1
    for _ in range(3):
        services.register_anonymous_deltagande(
            insats=insats,
            kon=rng.choice([Kon.KVINNA, Kon.MAN]),
            startdatum=today - dt.timedelta(days=rng.randint(10, 200)),
        )
        count += 1
    return count


def _historical(insats: Insats, user, today: dt.date, per_year: int) -> int:
    rng = random.Random(insats.kod)  # noqa: S311
    count = 0
    last = insats.avslutad_datum or insats.slutdatum or dt.date(2016, 12, 31)
    for ar in range(insats.startdatum.year, last.year + 1):
        for _ in range(per_year):
            start = max(insats.startdatum, dt.date(ar, 1, 1)) + dt.timedelta(
                days=rng.randint(0, 200)
            )
            if start >= last:
                continue
            d = _register(rng, user=user, insats=insats, start=start, fodd=(1960, 1998))
            slut = min(last, start + dt.timedelta(days=rng.randint(90, 400)))
            _end(rng, d, slut)
            _follow_up(rng, d, today)
            count += 1
        for _ in range(per_year // 6):
            anonym = services.register_anonymous_deltagande(
                insats=insats,
                kon=rng.choice([Kon.KVINNA, Kon.MAN]),
                startdatum=max(insats.startdatum, dt.date(ar, 3, 1)),
            )
            services.end_deltagande(
                deltagande=anonym,
                slutdatum=min(last, dt.date(ar, 9, 30)),
                avslutsorsak=Avslutsorsak.FULLFOLJD,
            )
            count += 1
    return count


@transaction.atomic
def seed(*, stdout: TextIOBase | None = None) -> None:
    coach = (
        Uppdrag.objects.filter(user__username="coach", roll=Roll.HANDLAGGARE)
        .select_related("user", "forbund")
        .first()
    )
    if coach is None or coach.forbund is None:
        return
    today = timezone.localdate()
    insatser = {
        i.kod: i
        for i in Insats.objects.filter(
            forbund=coach.forbund, kod__in=["UPP-UNGA", "UPP-REHAB", "UPP-KART"]
        )
    }
    added = 0
    for kod, insats in insatser.items():
        if insats.deltaganden.exists():
            continue
        if kod == "UPP-UNGA":
            added += _ongoing(insats, coach.user, today)
        else:
            added += _historical(
                insats, coach.user, today, per_year=30 if kod == "UPP-REHAB" else 18
            )
    if stdout:
        stdout.write(
            f"Deltagare: {added} nya deltaganden i {coach.forbund.namn} "
            f"({'inga nya: redan inlagda' if not added else 'med samtycke, avslut och uppföljningar'}).\n"
        )
