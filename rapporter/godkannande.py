"""Year-end approval: the figures a förbund reported stay the figures.

A förbundsadministratör approves the förbund's year Y (`approve`): the report is built
once, with and without suppression, and stored as a `Rapportversion` (the tables in full
and the three files of the approved report byte for byte, with their SHA-256), and the
year is locked (forbund.arslas). From then on every report of the förbund for Y is
written from the stored tables (`rapport_for`), and T19 of later years reads Y from them
(`approved_t19`). A reopening (`reopen`) needs a reason; the next approval stores a new
version, and `skillnader` lists what changed between two versions cell by cell.

A report that is not from approved figures says so: "Preliminära uppgifter" (a förbund's
year not approved; a län or the nation while any of its förbund is not), and a län or
national report names how many of its förbund have approved the year and which have not.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from finsam.lib import period
from forbund.models import Arsgodkannande, Arshandelse, Forbund

from .godkanda import GODKANT, approved_version
from .models import Rapportversion
from .presentation import KOLUMNRUBRIKER, Bestallning
from .rapport import Omfattning, Rapport, decode, from_state, state
from .renderers import to_json, to_xlsx
from .status import Uppgiftsstatus
from .tabeller import build

# ---------------------------------------------------------------- what a report is built from


def _status_of(version: Rapportversion) -> Uppgiftsstatus:
    return Uppgiftsstatus(godkanda=True, godkand=version.godkand, version=version.version)


def active_forbund(ar: int, omfattning: Omfattning):
    """The förbund of the scope active in the year (formed by its end, not dissolved
    before it began: finsam.lib.period)."""
    return Forbund.objects.filter(omfattning.forbund_q()).filter(
        period.active_in_year_q(ar, start="bildad", ends=("upphord",))
    )


def scope_status(ar: int, omfattning: Omfattning) -> Uppgiftsstatus:
    """A län's or the nation's approval state for the year, in two queries."""
    forbund = list(active_forbund(ar, omfattning).order_by("namn"))
    approved = set(
        Arsgodkannande.objects.filter(forbund__in=forbund, ar=ar, status=GODKANT).values_list(
            "forbund_id", flat=True
        )
    )
    ej = tuple((f.organisationsnummer, f.namn) for f in forbund if f.pk not in approved)
    return Uppgiftsstatus(
        godkanda=bool(forbund) and not ej,
        aktiva=len(forbund),
        antal_godkanda=len(approved),
        ej_godkanda=ej,
    )


def rapport_for(
    *, ar: int, omfattning: Omfattning, undertryck: bool
) -> tuple[Rapport, Uppgiftsstatus]:
    """The report every form is written from: a förbund's approved year from its stored
    version, anything else computed now (and marked preliminary where not approved)."""
    if omfattning.typ == "forbund":
        version = approved_version(omfattning.kod or "", ar)
        if version is not None:
            stored = version.tabeller_undertryckta if undertryck else version.tabeller
            return from_state(stored), _status_of(version)
        return build(ar=ar, omfattning=omfattning, undertryck=undertryck), Uppgiftsstatus(False)
    rapport = build(ar=ar, omfattning=omfattning, undertryck=undertryck)
    return rapport, scope_status(ar, omfattning)


def report_json(*, ar: int, omfattning: Omfattning, undertryck: bool) -> dict[str, Any]:
    """The report for a scope and year as its JSON form (a dict), for the API and any other
    reader: a förbund's approved year is its approved version (the same bytes as the
    approved JSON file when not suppressed); otherwise the figures as registered now. The
    key `uppgifter` says which: `{"status": "godkanda", "version": 2, "godkand": ...}` or
    `{"status": "preliminara"}`; for `lan` and `nationell` also `forbund_aktiva`,
    `forbund_godkanda` and `ej_godkanda` (`[{"kod": orgnr, "namn": ...}]`).
    `omfattning` is a rapporter.rapport.Omfattning; pass `undertryck=True` for any reader
    without access to small counts (Nationella rådet always)."""

    rapport, status = rapport_for(ar=ar, omfattning=omfattning, undertryck=undertryck)
    return json.loads(to_json(rapport, status))


# ---------------------------------------------------------------- approving and reopening


def oppna_efter_insatsslut(rapport: Rapport) -> int:
    """Deltaganden of the year still open after their insats ended (T16)."""
    return rapport.tabeller["T16"].varde("oppna_efter_insatsslut", "antal") or 0


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@transaction.atomic
def approve(
    *,
    forbund: Forbund,
    ar: int,
    user=None,
    anledning: str = "",
    diarienummer: str = "",
    kommentar: str = "",
    today: dt.date | None = None,
) -> Rapportversion:
    """Approves the förbund's year: stores the report as it is now (the tables with and
    without suppression; JSON, XLSX and PDF byte for byte, with SHA-256) as the next
    version, records who and when, and locks the year. All or nothing.

    Raises ValidationError (Swedish) when the year has not ended, is approved already, or
    has deltaganden open past their insats's end and no `anledning` is given."""
    from .pdf import render_pdf

    today = today or timezone.localdate()
    if ar >= today.year:
        raise ValidationError(
            f"År {ar} är inte slut än; det kan godkännas från 1 januari {ar + 1}."
        )
    godkannande = Arsgodkannande.objects.select_for_update().filter(forbund=forbund, ar=ar).first()
    if godkannande and godkannande.status == GODKANT:
        raise ValidationError(
            f"År {ar} är redan godkänt (version {godkannande.version}). Öppna det igen först "
            "om uppgifterna ska ändras."
        )
    omfattning = Omfattning("forbund", forbund.organisationsnummer)
    rapport = build(ar=ar, omfattning=omfattning, undertryck=False)
    oppna = oppna_efter_insatsslut(rapport)
    if oppna and not anledning.strip():
        raise ValidationError(
            {
                "anledning": f"{oppna} deltaganden pågår fortfarande fast insatsen har slutat. "
                "Avsluta dem först, eller ange varför året ändå godkänns."
            }
        )
    undertryckt = build(ar=ar, omfattning=omfattning, undertryck=True)
    now = timezone.now()
    rapport.skapad = undertryckt.skapad = timezone.localtime(now)
    version = godkannande.version + 1 if godkannande else 1
    if godkannande is None:
        godkannande = Arsgodkannande(forbund=forbund, ar=ar)
    godkannande.status, godkannande.version = GODKANT, version
    godkannande.godkand, godkannande.godkand_av = now, user
    godkannande.save()
    status = Uppgiftsstatus(godkanda=True, godkand=now, version=version)
    bestallning = Bestallning(
        bestallare=user.display_name if user else "",
        diarienummer=diarienummer,
        kommentar=kommentar,
    )
    files = {
        "json": to_json(rapport, status),
        "xlsx": to_xlsx(rapport, bestallning, status),
        "pdf": render_pdf(rapport, bestallning=bestallning, status=status),
    }
    stored = Rapportversion.objects.create(
        godkannande=godkannande,
        version=version,
        godkand=now,
        godkand_av=user,
        tabeller=state(rapport),
        tabeller_undertryckta=state(undertryckt),
        **files,
        **{f"sha256_{f}": _sha(data) for f, data in files.items()},
    )
    Arshandelse.objects.create(
        godkannande=godkannande,
        handelse=Arshandelse.Handelse.GODKANT,
        tid=now,
        av=user,
        version=version,
        anledning=anledning.strip(),
        beskrivning=(f"{oppna} deltaganden pågick efter insatsens slut." if oppna else ""),
    )
    return stored


@transaction.atomic
def reopen(*, forbund: Forbund, ar: int, user=None, anledning: str) -> Arsgodkannande:
    """Opens an approved year again for changes, with the reason recorded; the approved
    versions stay. Raises ValidationError (Swedish) without a reason or an approval."""
    if not anledning.strip():
        raise ValidationError({"anledning": "Ange varför året öppnas igen."})
    godkannande = Arsgodkannande.objects.select_for_update().filter(forbund=forbund, ar=ar).first()
    if godkannande is None or godkannande.status != GODKANT:
        raise ValidationError(f"År {ar} är inte godkänt för {forbund}; det finns inget att öppna.")
    godkannande.status = Arsgodkannande.Status.ATEROPPNAT
    godkannande.save(update_fields=["status"])
    Arshandelse.objects.create(
        godkannande=godkannande,
        handelse=Arshandelse.Handelse.ATEROPPNAT,
        av=user,
        version=godkannande.version,
        anledning=anledning.strip(),
    )
    return godkannande


# ---------------------------------------------------------------- two versions compared


@dataclass(frozen=True)
class Skillnad:
    tabell: str
    rad: str
    etikett: str
    kolumn: str
    fore: Any
    efter: Any

    @property
    def kolumn_rubrik(self) -> str:
        return KOLUMNRUBRIKER.get(self.kolumn, self.kolumn)


def _cells(stored: dict[str, Any]) -> dict[tuple[str, str, str], tuple[str, Any]]:
    cells = {}
    for kod, encoded in stored["tabeller"].items():
        t = decode(encoded)
        for row in t.rader:
            for kolumn in t.kolumner:
                cells[kod, row["kod"], kolumn] = (row["etikett"], row.get(kolumn))
    return cells


def skillnader(fore: Rapportversion, efter: Rapportversion) -> list[Skillnad]:
    """Every cell (table, row, column) whose value differs between two versions, in the
    report's order; a row only in one version shows "–" in the other."""
    old, new = _cells(fore.tabeller), _cells(efter.tabeller)
    found = []
    for key in dict.fromkeys([*new, *old]):
        a, b = old.get(key), new.get(key)
        va, vb = (a[1] if a else "–"), (b[1] if b else "–")
        if va != vb:
            # The key is in one of the two versions: the newer's label where it has the row.
            found.append(Skillnad(*key[:2], (b or old[key])[0], key[2], va, vb))
    return found


# ---------------------------------------------------------------- Nationella rådet's overview


@dataclass(frozen=True)
class Forbundsstatus:
    forbund: Forbund
    godkannande: Arsgodkannande | None

    @property
    def tillstand(self) -> str:
        if self.godkannande is None:
            return "Inte påbörjat"
        if self.godkannande.status == GODKANT:
            return f"Godkänt {timezone.localtime(self.godkannande.godkand):%Y-%m-%d}"
        return "Återöppnat"

    @property
    def kod(self) -> str:
        return self.godkannande.status if self.godkannande else "inte_paborjat"


@dataclass(frozen=True)
class Oversikt:
    ar: int
    rader: list[Forbundsstatus]

    @property
    def godkanda(self) -> int:
        return sum(1 for r in self.rader if r.kod == GODKANT)

    @property
    def rapporteringsgrad(self) -> int | None:
        """Godkända av aktiva förbund, whole percent."""
        if not self.rader:
            return None
        return round(100 * self.godkanda / len(self.rader))


def oversikt(ar: int, lan: str | None = None, *, scope: Q | None = None) -> Oversikt:
    """Every förbund active in the year (in the län, if given; among `scope`, a filter on
    Forbund from forbund.access) with its approval state, in two queries."""
    omfattning = Omfattning("lan", lan) if lan else Omfattning("nationell")
    forbund = list(active_forbund(ar, omfattning).filter(scope or Q()).order_by("namn"))
    by_forbund = {
        g.forbund_id: g for g in Arsgodkannande.objects.filter(forbund__in=forbund, ar=ar)
    }
    return Oversikt(ar, [Forbundsstatus(f, by_forbund.get(f.pk)) for f in forbund])
