"""Demo data: the 80 samordningsförbund of April 2015 and a user for each role.

`seed()` (run by `manage.py seed_demo`) loads

- the förbund registry from `data/forbund_2015.csv` through the `forbund` import kind,
  the same path an administratör's file takes. The list is Riksdagens uppföljning
  2014/15:RFR13, bilaga 4 (seeds/002). The organisationsnummer and formation dates are
  invented (the check digit is valid); the four Göteborg förbund each have Göteborg
  kommun as member, as the stadsdelar they cover are not kommuner;
- kommun populations 2013–2016 from `data/folkmangd_2015.csv` (rounded 2015 figures,
  the other years scaled from them);
- members' contributions 2013–2016 that satisfy 5 §: the state half paid by
  Försäkringskassan (Arbetsförmedlingen's share reaches the förbund through it), the
  regions a quarter, the kommuner a quarter split by population. One kommun in the
  Uppsala förbund has paid less than decided for the latest year, so the 5 § warning
  shows with real amounts;
- the demo users of the README, one per role;
- then the demo insatser (`dev.demo.insatser`) and participants (`dev.demo.deltagare`).

Running it again changes nothing: rows are matched on their natural keys, and
existing users keep their passwords.
"""

from __future__ import annotations

import csv
from io import TextIOBase
from pathlib import Path

from django.db import transaction

from finsam.lib.importing import import_file
from forbund.choices import Arbetsgivartyp, Medlemstyp, Roll
from forbund.models import Folkmangd, Forbund, Kommun, Medlemsbidrag, Medlemskap, Uppdrag, User
from forbund.services import split_by_population

DATA = Path(__file__).resolve().parents[2] / "forbund" / "data"
FORBUND_FILE = DATA / "forbund_2015.csv"
FOLKMANGD_FILE = DATA / "folkmangd_2015.csv"

AR = range(2013, 2017)
# Population relative to 2015 (Sweden grew about 1 % a year in these years).
FOLKMANGD_SKALA = {2013: 0.979, 2014: 0.989, 2015: 1.0, 2016: 1.013}
# Total contributions per inhabitant covered, and how the members' decisions moved.
KR_PER_INVANARE = 50
BIDRAG_SKALA = {2013: 0.92, 2014: 0.96, 2015: 1.0, 2016: 1.04}
UPPSALA = "Samordningsförbundet i Uppsala län"
SEN_BETALARE = ("0330", 2016, 20_000)  # Knivsta paid 20 000 kr short in 2016

# username, password (README), role, förbund (by name) or None, employer type, employer
USERS = [
    ("admin", "Finsam-demo-admin1", Roll.ADMINISTRATOR, None, Arbetsgivartyp.ANNAN, "Finsam"),
    (
        "chef",
        "Finsam-demo-chef1",
        Roll.FORBUNDSADMINISTRATOR,
        UPPSALA,
        Arbetsgivartyp.FORBUND,
        UPPSALA,
    ),
    (
        "coach",
        "Finsam-demo-coach1",
        Roll.HANDLAGGARE,
        UPPSALA,
        Arbetsgivartyp.KOMMUN,
        "Uppsala kommun",
    ),
    (
        "pua",
        "Finsam-demo-pua1",
        Roll.PERSONUPPGIFTSANSVARIG,
        UPPSALA,
        Arbetsgivartyp.FORBUND,
        UPPSALA,
    ),
    (
        "radet",
        "Finsam-demo-radet1",
        Roll.NATIONELLA_RADET,
        None,
        Arbetsgivartyp.ANNAN,
        "Nationella rådet",
    ),
]
# Addresses on exempel.se: the demo's mail goes to its own SMTP server (scripts/demo_mail.py).
EMAILS = {
    "admin": "ada.administrator@exempel.se",
    "chef": "cecilia.forbundschef@exempel.se",
    "coach": "kim.coach@exempel.se",
    "pua": "per.personuppgiftsansvarig@exempel.se",
    "radet": "rut.radet@exempel.se",
}

NAMES = {
    "admin": ("Ada", "Administratör"),
    "chef": ("Cecilia", "Förbundschef"),
    "coach": ("Kim", "Coach"),
    "pua": ("Per", "Personuppgiftsansvarig"),
    "radet": ("Rut", "Rådet"),
}


class DemoError(Exception):
    pass


def seed(*, stdout: TextIOBase | None = None) -> None:
    from dev.demo import deltagare as deltagare_demo
    from dev.demo import insatser as insatser_demo

    with transaction.atomic():
        _registry(stdout)
        _folkmangd()
        _bidrag()
        _users()
    if stdout:
        stdout.write(f"Medlemsbidrag {AR[0]}–{AR[-1]} enligt 5 §, demoanvändare för varje roll.\n")
    insatser_demo.seed(stdout=stdout)
    deltagare_demo.seed(stdout=stdout)


def _registry(stdout: TextIOBase | None) -> None:
    result = import_file("forbund", FORBUND_FILE.read_bytes(), filename=FORBUND_FILE.name)
    if not result.ok:
        raise DemoError("; ".join(str(e) for e in result.errors))
    if stdout:
        stdout.write(result.summary() + "\n")


def _population_2015() -> dict[str, int]:
    with FOLKMANGD_FILE.open(encoding="utf-8") as f:
        return {row["kod"]: int(row["folkmangd"]) for row in csv.DictReader(f, delimiter=";")}


def _folkmangd() -> None:
    base = _population_2015()
    known = set(Kommun.objects.values_list("kod", flat=True))
    rows = [
        Folkmangd(kommun_id=kod, ar=ar, folkmangd=round(value * FOLKMANGD_SKALA[ar]))
        for kod, value in base.items()
        if kod in known
        for ar in AR
    ]
    Folkmangd.objects.bulk_create(
        rows,
        update_conflicts=True,
        unique_fields=["kommun", "ar"],
        update_fields=["folkmangd"],
    )


def _bidrag() -> None:
    """Contributions for every demo förbund and year, consistent with 5 §."""
    population = _population_2015()
    orgnrs = _demo_orgnrs()
    members = list(
        Medlemskap.objects.filter(forbund__organisationsnummer__in=orgnrs).select_related(
            "forbund", "kommun", "region"
        )
    )
    by_forbund: dict[int, list[Medlemskap]] = {}
    for m in members:
        by_forbund.setdefault(m.forbund_id, []).append(m)
    # How many förbund share each kommun (the Göteborg stadsdelar): each gets its share.
    sharing: dict[str, int] = {}
    for m in members:
        if m.medlemstyp == Medlemstyp.KOMMUN and m.kommun_id is not None:
            sharing[m.kommun_id] = sharing.get(m.kommun_id, 0) + 1

    rows: list[Medlemsbidrag] = []
    for group in by_forbund.values():
        # A kommun's membership names its kommun (a constraint of Medlemskap).
        kommuner = [
            (m, m.kommun)
            for m in group
            if m.medlemstyp == Medlemstyp.KOMMUN and m.kommun is not None
        ]
        regioner = [m for m in group if m.medlemstyp == Medlemstyp.REGION]
        weights = {m.pk: population.get(k.kod, 0) // sharing[k.kod] for m, k in kommuner}
        covered = sum(weights.values())
        region_weights = {
            r.pk: sum(weights[m.pk] for m, k in kommuner if k.lan == r.region_id) for r in regioner
        }
        for ar in AR:
            # A multiple of 4 000 kr, so the halves and quarters are whole kronor.
            total = max(4, round(covered * KR_PER_INVANARE * BIDRAG_SKALA[ar] / 4000)) * 4000
            amounts = {m.pk: 0 for m in group}
            for m in group:
                if m.medlemstyp == Medlemstyp.FORSAKRINGSKASSAN:
                    amounts[m.pk] = total // 2
            amounts |= split_by_population(total // 4, region_weights)
            amounts |= split_by_population(total // 4, weights)
            for m in group:
                if m.medlemstyp == Medlemstyp.ARBETSFORMEDLINGEN:
                    continue
                inbetalt = amounts[m.pk]
                if (m.forbund.namn, m.kommun_id, ar) == (UPPSALA, *SEN_BETALARE[:2]):
                    inbetalt -= SEN_BETALARE[2]
                rows.append(
                    Medlemsbidrag(medlemskap=m, ar=ar, beslutat=amounts[m.pk], inbetalt=inbetalt)
                )
    Medlemsbidrag.objects.bulk_create(
        rows,
        update_conflicts=True,
        unique_fields=["medlemskap", "ar"],
        update_fields=["beslutat", "inbetalt"],
    )


def _demo_orgnrs() -> list[str]:
    with FORBUND_FILE.open(encoding="utf-8") as f:
        return [row["organisationsnummer"] for row in csv.DictReader(f, delimiter=";")]


def _users() -> None:
    forbund = {f.namn: f for f in Forbund.objects.filter(namn=UPPSALA)}
    for username, password, roll, forbund_namn, arbetsgivartyp, arbetsgivare in USERS:
        first, last = NAMES[username]
        user = User.objects.filter(username=username).first()
        if user is None:
            user = User(
                username=username,
                first_name=first,
                last_name=last,
                email=EMAILS[username],
                arbetsgivartyp=arbetsgivartyp,
                arbetsgivare=arbetsgivare,
            )
            user.set_password(password)
            user.save()
        elif not user.email:
            # Demo databases from before the accounts had addresses.
            user.email = EMAILS[username]
            user.save(update_fields=["email"])
        Uppdrag.objects.get_or_create(
            user=user, roll=roll, forbund=forbund.get(forbund_namn) if forbund_namn else None
        )
