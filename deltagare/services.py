"""Writes of the participant register. Each function states what it guarantees.

The clear personnummer enters only as a `pnr.Personnummer` in memory; what is stored
is the encrypted token and the keyed hash (deltagare.pnr).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Max, Q, QuerySet
from django.utils import timezone

from forbund import arslas
from forbund.models import Arshandelse, Forbund
from insatser.models import Insats

from . import pnr
from .choices import Registreringsform, Samtyckessyfte
from .models import (
    Atkomst,
    Atkomstlogg,
    Deltagande,
    Person,
    Samtycke,
    Uppfoljning,
    forsorjning_problem,
    samtycke_problem,
    slutdatum_problem,
)


@dataclass
class Startprofil:
    utbildningsniva: str = ""
    forsorjning_fore: list[str] = field(default_factory=list)
    tid_offentlig_forsorjning: str = ""
    sysselsattning_fore: list[str] = field(default_factory=list)


def find_person(*, forbund: Forbund, personnummer: pnr.Personnummer) -> Person | None:
    """The förbund's person with this number, found through the keyed hash only."""
    return Person.objects.filter(
        forbund=forbund, pnr_hash=pnr.lookup_hash(personnummer.nummer)
    ).first()


def insats_period(insats: Insats) -> str:
    end = insats.sista_dag
    return (
        f"{insats.startdatum:%Y-%m-%d}–{end:%Y-%m-%d}"
        if end
        else f"från {insats.startdatum:%Y-%m-%d}"
    )


def insats_start_problems(insats: Insats, startdatum: dt.date | None) -> dict[str, str]:
    """Why a deltagande cannot start in the insats on the day, by field (`insats`,
    `startdatum`): the insats takes deltagare one by one, and the day is in its period.
    Empty when it can; the form, the service and the import ask this."""
    errors: dict[str, str] = {}
    if not insats.is_individuell:
        errors["insats"] = (
            "Insatsen registrerar inte deltagare var för sig (den är strukturinriktad eller en "
            "volyminsats)."
        )
    end = insats.sista_dag
    if startdatum and (startdatum < insats.startdatum or (end and startdatum > end)):
        errors["startdatum"] = (
            f"Startdatumet ska ligga inom insatsens period ({insats_period(insats)})."
        )
    return errors


def check_insats_takes_individuals(insats: Insats, startdatum: dt.date) -> None:
    if errors := insats_start_problems(insats, startdatum):
        raise ValidationError(errors)


def check_forsorjning(codes: list[str], field_name: str) -> None:
    if problem := forsorjning_problem(codes):
        raise ValidationError({field_name: problem})


def _check_slutdatum(startdatum: dt.date, slutdatum: dt.date | None) -> None:
    if slutdatum and (problem := slutdatum_problem(startdatum, slutdatum)):
        raise ValidationError({"slutdatum": problem})


@transaction.atomic
def register_person_deltagande(
    *,
    user,
    insats: Insats,
    personnummer: pnr.Personnummer,
    samtycke_datum: dt.date,
    startdatum: dt.date,
    profil: Startprofil | None = None,
    sekretess_samtycke: bool = False,
    formularversion: str = "",
    sprak: str = "svenska",
) -> Deltagande:
    """Registers a deltagande with personal data, its consent, and the person if new.

    Raises ValidationError (nothing saved) if the insats does not take individual
    registrations, the start is outside its period, or the person already has an
    open deltagande in it.
    """
    profil = profil or Startprofil()
    check_insats_takes_individuals(insats, startdatum)
    check_forsorjning(profil.forsorjning_fore, "forsorjning_fore")
    if problem := samtycke_problem(samtycke_datum, startdatum):
        raise ValidationError({"samtycke_datum": problem})
    person = find_person(forbund=insats.forbund, personnummer=personnummer)
    if person is None:
        person = Person(forbund=insats.forbund)
        person.set_personnummer(personnummer)
        person.save()
    elif Deltagande.objects.open().filter(person=person, insats=insats).exists():
        raise ValidationError(
            "Personen har redan ett pågående deltagande i insatsen. Avsluta det först."
        )
    syften = [Samtyckessyfte.REGISTRERING] + (
        [Samtyckessyfte.SEKRETESS] if sekretess_samtycke else []
    )
    for syfte in syften:
        Samtycke.objects.create(
            person=person,
            insats=insats,
            syfte=syfte,
            datum=samtycke_datum,
            formularversion=formularversion,
            sprak=sprak or "svenska",
            registrerad_av=user,
        )
    return Deltagande.objects.create(
        insats=insats,
        registreringsform=Registreringsform.PERSON,
        person=person,
        kon=person.kon,
        startdatum=startdatum,
        utbildningsniva=profil.utbildningsniva,
        forsorjning_fore=profil.forsorjning_fore,
        tid_offentlig_forsorjning=profil.tid_offentlig_forsorjning,
        sysselsattning_fore=profil.sysselsattning_fore,
    )


@transaction.atomic
def register_anonymous_deltagande(
    *, insats: Insats, kon: str, startdatum: dt.date, slutdatum: dt.date | None = None
) -> Deltagande:
    """An anonymous deltagande: only kön and dates (also for protected identities)."""
    check_insats_takes_individuals(insats, startdatum)
    _check_slutdatum(startdatum, slutdatum)
    return Deltagande.objects.create(
        insats=insats,
        registreringsform=Registreringsform.ANONYM,
        kon=kon,
        startdatum=startdatum,
        slutdatum=slutdatum,
    )


@transaction.atomic
def end_deltagande(
    *,
    deltagande: Deltagande,
    slutdatum: dt.date,
    avslutsorsak: str,
    sysselsattning_efter: list[str] | None = None,
    forsorjning_efter: list[str] | None = None,
) -> Deltagande:
    """Closes a deltagande with its outcome. Anonymous ones carry only the date and reason."""
    _check_slutdatum(deltagande.startdatum, slutdatum)
    deltagande.slutdatum = slutdatum
    deltagande.avslutsorsak = avslutsorsak
    if deltagande.registreringsform == Registreringsform.PERSON:
        check_forsorjning(forsorjning_efter or [], "forsorjning_efter")
        deltagande.sysselsattning_efter = sysselsattning_efter or []
        deltagande.forsorjning_efter = forsorjning_efter or []
    deltagande.save()
    return deltagande


@transaction.atomic
def update_startprofil(*, deltagande: Deltagande, profil: Startprofil) -> Deltagande:
    """Completes or corrects the start profile of a deltagande with personal data."""
    if deltagande.registreringsform != Registreringsform.PERSON:
        raise ValidationError("Ett anonymt deltagande har ingen startprofil.")
    check_forsorjning(profil.forsorjning_fore, "forsorjning_fore")
    deltagande.utbildningsniva = profil.utbildningsniva
    deltagande.forsorjning_fore = profil.forsorjning_fore
    deltagande.tid_offentlig_forsorjning = profil.tid_offentlig_forsorjning
    deltagande.sysselsattning_fore = profil.sysselsattning_fore
    deltagande.save()
    return deltagande


@transaction.atomic
def record_uppfoljning(
    *,
    deltagande: Deltagande,
    matpunkt: int,
    datum: dt.date,
    sysselsattning: list[str],
    forsorjning: list[str],
) -> Uppfoljning:
    """Records (or corrects) the follow-up at a mätpunkt of an ended deltagande with
    personal data, dated in the mätpunkt's window; the same rules as the uppfoljningar
    import."""
    errors: dict[str, str] = {}
    if deltagande.registreringsform != Registreringsform.PERSON:
        raise ValidationError("Anonyma deltaganden följs inte upp.")
    fonster = deltagande.uppfoljningsfonster(matpunkt)
    if fonster is None:
        raise ValidationError("Deltagandet är inte avslutat; uppföljning görs efter avslut.")
    if problem := fonster.problem(datum):
        errors["datum"] = problem
    if not sysselsattning:
        errors["sysselsattning"] = "Ange minst ett alternativ."
    if not forsorjning:
        errors["forsorjning"] = "Ange minst ett alternativ."
    if errors:
        raise ValidationError(errors)
    check_forsorjning(forsorjning, "forsorjning")
    uppfoljning, _ = Uppfoljning.objects.update_or_create(
        deltagande=deltagande,
        matpunkt=matpunkt,
        defaults={"datum": datum, "sysselsattning": sysselsattning, "forsorjning": forsorjning},
    )
    return uppfoljning


@dataclass(frozen=True)
class Aterkallelse:
    anonymiserade: int  # deltaganden turned anonymous
    raderad: bool  # the person's personal data are erased (no deltagande keeps them)


@transaction.atomic
def withdraw_consent(
    *, person: Person, deltaganden: list[Deltagande], datum: dt.date, av: Any = None
) -> Aterkallelse:
    """Withdraws the consent for the given deltaganden of the person, and only those: they
    turn anonymous (kön and dates kept; start and end profiles and follow-ups erased), and
    the consents given for their insatser are marked withdrawn once no deltagande of the
    person in that insats keeps personal data. Deltaganden not given (in insatser the
    caller does not reach) are not touched. When none of the person's deltaganden keeps
    personal data, the number and birth date are erased as well and every consent is
    marked withdrawn. The consent records stay as the record of the withdrawal; each
    deltagande keeps the date and who (`av`) registered it.

    Raises ValidationError if no deltagande is given or one is not the person's.
    """
    person = Person.objects.select_for_update().get(pk=person.pk)
    chosen = Deltagande.objects.filter(pk__in=[d.pk for d in deltaganden])
    if not deltaganden or chosen.exclude(person=person).exists():
        raise ValidationError("Välj vilka av personens deltaganden återkallelsen gäller.")
    insats_ids = set(chosen.values_list("insats_id", flat=True))
    chosen.update(samtycke_aterkallat=datum, aterkallat_av=av)
    count = _anonymise(chosen, handelse=Arshandelse.Handelse.ATERKALLELSE)
    remaining = Deltagande.objects.filter(person=person)
    still = set(remaining.values_list("insats_id", flat=True))
    consents = Samtycke.objects.filter(person=person, aterkallat__isnull=True)
    consents.filter(insats_id__in=insats_ids - still).update(aterkallat=datum)
    if still:
        return Aterkallelse(anonymiserade=count, raderad=False)
    consents.update(aterkallat=datum)
    _erase(person, handelse=Arshandelse.Handelse.ATERKALLELSE)
    return Aterkallelse(anonymiserade=count, raderad=True)


def _anonymise(deltaganden: QuerySet[Deltagande], *, handelse: str) -> int:
    """Turns the deltaganden anonymous. The law demands it also in an approved year: it
    passes the lock, and each approved year it touches lists it (the approved report
    stays as it was)."""
    spans: dict[int, list] = {}
    for forbund_id, start, end in deltaganden.filter(
        registreringsform=Registreringsform.PERSON
    ).values_list("insats__forbund_id", "startdatum", "slutdatum"):
        spans.setdefault(forbund_id, []).append(arslas.span(start, end))
    for forbund_id, touched in spans.items():
        arslas.record_exception(
            forbund_id=forbund_id,
            spans=touched,
            handelse=handelse,
            beskrivning=(
                "1 deltagande blev anonymt."
                if len(touched) == 1
                else f"{len(touched)} deltaganden blev anonyma."
            ),
        )
    Uppfoljning.objects.filter(deltagande__in=deltaganden).delete()
    return deltaganden.update(
        registreringsform=Registreringsform.ANONYM,
        person=None,
        utbildningsniva="",
        forsorjning_fore=[],
        tid_offentlig_forsorjning="",
        sysselsattning_fore=[],
        sysselsattning_efter=[],
        forsorjning_efter=[],
    )


def _erase(person: Person, *, handelse: str) -> int:
    """Turns every deltagande of the person anonymous and erases the personal data."""
    count = _anonymise(Deltagande.objects.filter(person=person), handelse=handelse)
    person.pnr_krypterat = None
    person.pnr_hash = None
    person.fodelsedatum = None
    person.raderad = timezone.now()
    person.save()
    return count


def gallring_candidates(*, ar: int, today: dt.date) -> QuerySet[Person]:
    """Persons with personal data whose every deltagande ended more than `ar` years ago
    (or who were registered that long ago and have none)."""
    try:
        cutoff = today.replace(year=today.year - ar)
    except ValueError:  # 29 February
        cutoff = today.replace(year=today.year - ar, day=28)
    return (
        Person.objects.filter(raderad__isnull=True)
        .annotate(
            oppna=Count("deltaganden", filter=Q(deltaganden__slutdatum__isnull=True)),
            antal=Count("deltaganden"),
            senast=Max("deltaganden__slutdatum"),
        )
        .filter(oppna=0)
        .filter(Q(senast__lt=cutoff) | Q(antal=0, skapad__date__lt=cutoff))
        .select_related("forbund")
        .order_by("forbund__namn", "senast")
    )


def gallra(*, ar: int, today: dt.date, dry_run: bool = False) -> list[Person]:
    """Erases the personal data of every candidate (as a withdrawal does, without the
    consent being marked withdrawn). A dry run only returns who would be erased."""
    candidates = list(gallring_candidates(ar=ar, today=today))
    if not dry_run:
        with transaction.atomic():
            for person in candidates:
                _erase(person, handelse=Arshandelse.Handelse.GALLRING)
    return candidates


def log_access(
    *, user, person: Person, sida: str, anledning: str, deltagande: Deltagande | None = None
) -> Atkomstlogg:
    """Records one view of a person's personal data (who, when, which person, which page)."""
    return _log_view(user=user, shown=[(person, deltagande)], sida=sida, anledning=anledning)


def log_access_many(
    *,
    user=None,
    os_anvandare: str = "",
    deltaganden: list[Deltagande],
    sida: str,
    anledning: str,
) -> Atkomstlogg | None:
    """Records one page view (or one file written) listing every deltagande with personal
    data it showed, in a fixed number of queries per förbund. The reader is a user, or for a
    command on the server the operating system's user. A file covering several förbund gets
    one entry in each förbund's log (each förbund reviews its own). The deltaganden need
    `person` loaded (select_related). Returns the (first) entry, None if nothing was shown."""
    if user is None and not os_anvandare:
        raise ValueError("log_access_many needs the user or the OS user")
    by_forbund: dict[int, list[tuple[Person, Deltagande | None]]] = {}
    for d in deltaganden:
        if d.person is not None:
            by_forbund.setdefault(d.person.forbund_id, []).append((d.person, d))
    entries = [
        _log_view(user=user, os_anvandare=os_anvandare, shown=shown, sida=sida, anledning=anledning)
        for shown in by_forbund.values()
    ]
    return entries[0] if entries else None


def _log_view(
    *,
    user,
    os_anvandare: str = "",
    shown: list[tuple[Person, Deltagande | None]],
    sida: str,
    anledning: str,
) -> Atkomstlogg:
    entry = Atkomstlogg.objects.create(
        user=user,
        os_anvandare=os_anvandare[:150],
        forbund_id=shown[0][0].forbund_id,
        sida=sida[:200],
        anledning=anledning[:200],
    )
    Atkomst.objects.bulk_create(
        Atkomst(logg=entry, person=person, deltagande=deltagande) for person, deltagande in shown
    )
    return entry
