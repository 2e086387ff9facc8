"""The `deltaganden` and `uppfoljningar` kinds of spec/import.md.

Built for 50 000 rows in one go: every look-up is one query for the whole file
(insatser, persons by keyed hash, existing deltaganden), and the apply step uses
bulk operations. The personnummer is parsed, hashed and encrypted in memory only;
error messages name the row and column, never the number.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError

from finsam.lib.bulk import copy_insert_values, reserve_ids
from finsam.lib.importing import (
    Column,
    CommandReader,
    Counts,
    ImportKind,
    Progress,
    RowErrors,
    register,
)
from finsam.lib.tabular import Table
from forbund import arslas
from forbund.validators import normalize_organisationsnummer
from insatser.models import Insats

from . import models, pnr, services
from .access import can_import_deltaganden, can_see_personal_data, import_insats_filter
from .choices import (
    Avslutsorsak,
    Forsorjning,
    Kon,
    Registreringsform,
    Samtyckessyfte,
    Sysselsattning,
    TidOffentligForsorjning,
    Uppfoljningspunkt,
    Utbildningsniva,
)
from .models import Deltagande, Person, Samtycke, Uppfoljning

FORBUND_INSATS = (
    Column("forbund", True, "Förbundets organisationsnummer."),
    Column("insats", True, "Insatskoden."),
)
PERSON_ONLY = (
    "utbildningsniva",
    "forsorjning_fore",
    "tid_offentlig_forsorjning",
    "sysselsattning_fore",
    "sysselsattning_efter",
    "forsorjning_efter",
)
CODE_FIELDS = (
    "forsorjning_fore",
    "sysselsattning_fore",
    "sysselsattning_efter",
    "forsorjning_efter",
)
VALUE_FIELDS = (
    "kon",
    "slutdatum",
    "utbildningsniva",
    "forsorjning_fore",
    "tid_offentlig_forsorjning",
    "sysselsattning_fore",
    "avslutsorsak",
    "sysselsattning_efter",
    "forsorjning_efter",
)


def _insatser_for_file(table: Table, user: Any) -> dict[tuple[str, str], Insats]:
    """The file's insatser by (organisationsnummer, kod), in one query."""
    orgnrs = set()
    for _, row in table:
        with contextlib.suppress(ValidationError):
            orgnrs.add(normalize_organisationsnummer(row.get("forbund", "")))
    insatser = Insats.objects.filter(forbund__organisationsnummer__in=orgnrs).select_related(
        "forbund"
    )
    return {(i.forbund.organisationsnummer, i.kod): i for i in insatser}


class _Rows:
    """Shared cell checks of the two kinds."""

    @staticmethod
    def insats(check: RowErrors, insatser: dict, user: Any, writable: set[int] | None):
        orgnr = None
        if value := check.required("forbund"):
            try:
                orgnr = normalize_organisationsnummer(value)
            except ValidationError as error:
                check.add("forbund", error.messages[0])
        kod = check.required("insats")
        if not (orgnr and kod):
            return None
        insats = insatser.get((orgnr, kod))
        if insats is None:
            check.add("insats", f"Förbundet {orgnr} har ingen insats med koden {kod}.")
            return None
        if writable is not None and insats.pk not in writable:
            check.add("insats", "Du har inte behörighet att registrera deltagare i insatsen.")
            return None
        return insats

    @staticmethod
    def personnummer(check: RowErrors) -> pnr.Personnummer | None:
        value = check.row.get("personnummer", "")
        if not value:
            check.add("personnummer", "Personnummer saknas.", varde="")
            return None
        try:
            return pnr.parse(value)
        except pnr.OgiltigtPersonnummer as error:
            # The cell is not repeated in the message: it may be a real number with a typo.
            check.add("personnummer", str(error), varde="(dolt)")
            return None


def _writable_insatser(user: Any, *, personal: bool) -> set[int] | None:
    """Insatser whose deltaganden the user may import (None = a command: all)."""
    if user is None:
        return None
    q = import_insats_filter(user, personal=personal)
    return set(Insats.objects.filter(q).values_list("pk", flat=True))


@dataclass
class _Deltagande:
    rad: int
    insats: Insats
    registreringsform: str
    startdatum: dt.date
    values: dict[str, Any]
    personnummer: pnr.Personnummer | None = None
    samtycke_datum: dt.date | None = None
    pnr_hash: str | None = None  # the personnummer's keyed hash, once looked up


@dataclass
class _Prepared:
    rows: list[_Deltagande] = field(default_factory=list)
    persons: dict[tuple[int, str | None], Person] = field(default_factory=dict)  # (forbund, hash)


def _log_export(
    deltaganden: list[Deltagande], *, kind: ImportKind, user: Any, reader: CommandReader | None
) -> None:
    """Every person whose number an export writes is in the access log before it is written."""
    if reader is not None:
        services.log_access_many(
            os_anvandare=reader.os_anvandare,
            deltaganden=deltaganden,
            sida=reader.sida,
            anledning=reader.anledning,
        )
    elif user is not None:
        services.log_access_many(
            user=user,
            deltaganden=deltaganden,
            sida=f"Export: {kind.label.lower()}",
            anledning="Export i importformatet",
        )


def _log_read(deltaganden: Any, *, user: Any, sida: str) -> None:
    """The stored values of these deltaganden were shown in an import's change list."""
    services.log_access_many(
        user=user,
        deltaganden=list(deltaganden.select_related("person")),
        sida=sida,
        anledning="Import: ändringar i förhandsgranskningen",
    )


class DeltagandenKind(ImportKind):
    name = "deltaganden"
    label = "Deltaganden"
    personal_data = True
    columns = [
        *FORBUND_INSATS,
        Column("registreringsform", True, "person eller anonym."),
        Column("personnummer", False, "För person: 10 eller 12 siffror."),
        Column("samtycke_datum", False, "För person: dag då samtycket lämnades."),
        Column("kon", False, "För anonym: kvinna eller man."),
        Column("startdatum", True, "ÅÅÅÅ-MM-DD, inom insatsens period."),
        Column("slutdatum", False, "ÅÅÅÅ-MM-DD, inte före startdatum."),
        Column("utbildningsniva", False, ""),
        Column("forsorjning_fore", False, "Koder åtskilda med |."),
        Column("tid_offentlig_forsorjning", False, ""),
        Column("sysselsattning_fore", False, "Koder åtskilda med |."),
        Column("avslutsorsak", False, "Kräver slutdatum."),
        Column("sysselsattning_efter", False, "Kräver slutdatum."),
        Column("forsorjning_efter", False, "Kräver slutdatum."),
    ]
    key_columns = ["forbund", "insats", "personnummer", "startdatum"]

    def allowed(self, user: Any) -> bool:
        return user is None or can_import_deltaganden(user)

    def validate(self, table: Table, *, user: Any) -> tuple[_Prepared, list]:
        errors: list = []
        insatser = _insatser_for_file(table, user)
        personal_ok = _writable_insatser(user, personal=True)
        anonymous_ok = _writable_insatser(user, personal=False)
        prepared = _Prepared()
        lock = arslas.Lasregister()
        seen: dict[tuple, int] = {}
        open_in_file: dict[tuple[int, str], int] = {}
        for rad, row in table:
            check = RowErrors(rad, row, errors)
            form = check.choice("registreringsform", Registreringsform, required=True)
            writable = personal_ok if form == Registreringsform.PERSON else anonymous_ok
            insats = _Rows.insats(check, insatser, user, writable)
            start = check.date("startdatum", required=True)
            end = check.date("slutdatum")
            values: dict[str, Any] = {
                "slutdatum": end,
                "avslutsorsak": check.choice("avslutsorsak", Avslutsorsak) or "",
                "utbildningsniva": check.choice("utbildningsniva", Utbildningsniva) or "",
                "tid_offentlig_forsorjning": (
                    check.choice("tid_offentlig_forsorjning", TidOffentligForsorjning) or ""
                ),
                "forsorjning_fore": check.choices("forsorjning_fore", Forsorjning) or [],
                "sysselsattning_fore": check.choices("sysselsattning_fore", Sysselsattning) or [],
                "sysselsattning_efter": check.choices("sysselsattning_efter", Sysselsattning) or [],
                "forsorjning_efter": check.choices("forsorjning_efter", Forsorjning) or [],
            }
            kon = check.choice("kon", Kon)
            for name in ("forsorjning_fore", "forsorjning_efter"):
                if problem := models.forsorjning_problem(values[name]):
                    check.add(name, problem)
            if not end:
                for name in ("avslutsorsak", "sysselsattning_efter", "forsorjning_efter"):
                    if row.get(name):
                        check.add(name, "Kräver slutdatum.")
            if start and end and (problem := models.slutdatum_problem(start, end)):
                check.add("slutdatum", problem)
            if insats is not None:
                for kolumn, problem in services.insats_start_problems(insats, start).items():
                    check.add(kolumn, problem)
            parsed = samtycke = None
            if form == Registreringsform.PERSON:
                parsed = _Rows.personnummer(check)
                samtycke = check.date("samtycke_datum", required=True)
                if samtycke and start and (problem := models.samtycke_problem(samtycke, start)):
                    check.add("samtycke_datum", problem)
                if parsed and kon and kon != parsed.kon:
                    check.add("kon", "Könet stämmer inte med personnumret.")
                kon = parsed.kon if parsed else kon
            elif form == Registreringsform.ANONYM:
                if row.get("personnummer"):
                    check.add(
                        "personnummer", "Ska vara tomt för anonym registrering.", varde="(dolt)"
                    )
                if row.get("samtycke_datum"):
                    check.add("samtycke_datum", "Ska vara tomt för anonym registrering.")
                if not kon:
                    check.add("kon", "Kön krävs för anonym registrering.")
                for name in PERSON_ONLY:
                    if row.get(name):
                        check.add(
                            name, "Uppgiften registreras bara för deltagare med personuppgifter."
                        )
            if check.count or insats is None or start is None or form is None:
                continue
            if lock.refuse_row(
                check, "startdatum", insats.forbund_id, [arslas.span(start, end)], "Deltagandet"
            ):
                continue
            values["kon"] = kon
            key: tuple[Any, ...]
            if parsed:
                key = (insats.pk, parsed.nummer, start)
                if not end:
                    if (insats.pk, parsed.nummer) in open_in_file:
                        check.add(
                            "slutdatum",
                            f"Personen har redan ett pågående deltagande i insatsen på rad "
                            f"{open_in_file[insats.pk, parsed.nummer]}.",
                        )
                    open_in_file[insats.pk, parsed.nummer] = rad
            else:
                key = (insats.pk, "anonym", kon, start, rad)
            if key in seen:
                check.add("startdatum", f"Samma deltagande som rad {seen[key]}.")
                continue
            seen[key] = rad
            prepared.rows.append(_Deltagande(rad, insats, form, start, values, parsed, samtycke))
        self._check_against_database(prepared, errors)
        return prepared, errors

    def _check_against_database(self, prepared: _Prepared, errors: list) -> None:
        """Persons are found by keyed hash; an open deltagande elsewhere in the insats blocks."""
        from finsam.lib.importing import RowError

        hashes: defaultdict[int, set[str]] = defaultdict(set)
        for r in prepared.rows:
            if r.personnummer:
                r.pnr_hash = pnr.lookup_hash(r.personnummer.nummer)
                hashes[r.insats.forbund_id].add(r.pnr_hash)
        for forbund_id, wanted in hashes.items():
            for person in Person.objects.filter(forbund_id=forbund_id, pnr_hash__in=wanted):
                prepared.persons[forbund_id, person.pnr_hash] = person
        person_ids = [p.pk for p in prepared.persons.values()]
        open_elsewhere: defaultdict[tuple[int, int], set[dt.date]] = defaultdict(set)
        for person_id, insats_id, start in Deltagande.objects.filter(
            person_id__in=person_ids, slutdatum__isnull=True
        ).values_list("person_id", "insats_id", "startdatum"):
            open_elsewhere[person_id, insats_id].add(start)
        for r in prepared.rows:
            known = prepared.persons.get((r.insats.forbund_id, r.pnr_hash)) if r.pnr_hash else None
            if known and r.values["slutdatum"] is None:
                others = open_elsewhere.get((known.pk, r.insats.pk), set())
                if others - {r.startdatum}:
                    errors.append(
                        RowError(
                            r.rad,
                            "startdatum",
                            r.startdatum.isoformat(),
                            "Personen har redan ett annat pågående deltagande i insatsen.",
                        )
                    )

    def apply(self, prepared: _Prepared, *, progress: Progress | None = None) -> Counts:
        counts = Counts()
        # Persons by (förbund, hash) → key: the stored ones, then the file's new ones, each
        # encrypted once, with the hash the check against the database made.
        person_ids: dict[tuple[int, str | None], int | None] = {
            key: p.pk for key, p in prepared.persons.items()
        }
        new_persons: list[tuple[tuple[int, str | None], pnr.Personnummer, str]] = []
        for r in prepared.rows:
            if r.personnummer is None or r.pnr_hash is None:
                continue
            person_key = (r.insats.forbund_id, r.pnr_hash)
            if person_key not in person_ids:
                person_ids[person_key] = None
                new_persons.append((person_key, r.personnummer, r.pnr_hash))
        created = reserve_ids(Person, len(new_persons))
        copy_insert_values(
            Person,
            ("id", "forbund_id", *Person.PERSONNUMMER_FIELDS),
            [
                (pk, forbund_id, *Person.personnummer_values(parsed, pnr_hash=digest))
                for pk, ((forbund_id, _), parsed, digest) in zip(created, new_persons, strict=True)
            ],
        )
        person_ids.update(zip([k for k, _, _ in new_persons], created, strict=True))
        existing = self._existing(prepared)
        consents = self._existing_consents(prepared)
        new_consents: list[tuple[int, int, str, dt.date]] = []
        person_of: dict[int, int | None] = {}
        for r in prepared.rows:
            person: int | None = None
            if r.pnr_hash is not None:
                person = person_ids[r.insats.forbund_id, r.pnr_hash]
            if person and r.samtycke_datum:
                consent = (person, r.insats.pk, r.samtycke_datum)
                if consent not in consents:
                    consents.add(consent)
                    new_consents.append(
                        (person, r.insats.pk, Samtyckessyfte.REGISTRERING.value, r.samtycke_datum)
                    )
            person_of[r.rad] = person

        def key(r: _Deltagande) -> tuple:
            person = person_of[r.rad]
            if person is not None:
                return (r.insats.pk, person, r.startdatum)
            return (r.insats.pk, r.values["kon"], r.startdatum, r.rad)

        done = self.upsert(
            prepared.rows,
            existing,
            counts,
            key=key,
            values=lambda r: r.values,
            progress=progress,
        )
        copy_insert_values(Samtycke, ("person_id", "insats_id", "syfte", "datum"), new_consents)
        Deltagande.objects.bulk_update(done.changed_objects, VALUE_FIELDS, batch_size=2000)
        copy_insert_values(
            Deltagande,
            ("insats_id", "registreringsform", "person_id", "startdatum", "importrad",
             *VALUE_FIELDS),
            [
                (
                    r.insats.pk,
                    r.registreringsform,
                    person_of[r.rad],
                    r.startdatum,
                    r.rad if person_of[r.rad] is None else None,
                    *(r.values[name] for name in VALUE_FIELDS),
                )
                for r in done.new
            ],
        )  # fmt: skip
        return counts

    def describe(self, row: _Deltagande) -> str:
        return f"{row.insats.kod}, {row.registreringsform}, start {row.startdatum:%Y-%m-%d}"

    def log_read(self, user: Any, refs: list[Any], *, sida: str) -> None:
        _log_read(Deltagande.objects.filter(pk__in=refs), user=user, sida=sida)

    @staticmethod
    def _existing(prepared: _Prepared) -> dict[tuple, Deltagande]:
        insats_ids = {r.insats.pk for r in prepared.rows}
        found: dict[tuple, Deltagande] = {}
        for d in Deltagande.objects.filter(insats_id__in=insats_ids).filter(
            person__isnull=False
        ) | Deltagande.objects.filter(insats_id__in=insats_ids, importrad__isnull=False):
            if d.person_id:
                found[d.insats_id, d.person_id, d.startdatum] = d
            else:
                found[d.insats_id, d.kon, d.startdatum, d.importrad] = d
        return found

    @staticmethod
    def _existing_consents(prepared: _Prepared) -> set[tuple[int, int, dt.date]]:
        ids = [p.pk for p in prepared.persons.values()]
        return set(
            Samtycke.objects.filter(
                person_id__in=ids, syfte=Samtyckessyfte.REGISTRERING
            ).values_list("person_id", "insats_id", "datum")
        )

    def export_rows(self, *, forbund: Any = None, user: Any = None, reader: Any = None):
        personal = user is None or can_see_personal_data(user)
        queryset = (
            Deltagande.objects.all()
            if user is None
            else Deltagande.objects.for_user(user, personal=False)
        )
        if forbund is not None:
            queryset = queryset.filter(insats__forbund=forbund)
        visible = (
            None
            if user is None
            else set(Deltagande.objects.for_user(user, personal=True).values_list("pk", flat=True))
        )
        # The consent given for the row's insats (each insats asks for its own).
        consent: dict[tuple[int | None, int], dt.date] = {}
        for person_id, insats_id, datum in (
            Samtycke.objects.filter(
                syfte=Samtyckessyfte.REGISTRERING, person__deltaganden__in=queryset
            )
            .values_list("person_id", "insats_id", "datum")
            .order_by("datum")
        ):
            consent.setdefault((person_id, insats_id), datum)
        rows = list(
            queryset.select_related("insats__forbund", "person").order_by(
                "insats_id", "startdatum", "pk"
            )
        )
        shown = {
            d.pk for d in rows if d.person_id and personal and (visible is None or d.pk in visible)
        }
        _log_export([d for d in rows if d.pk in shown], kind=self, user=user, reader=reader)
        for d in rows:
            show_person = d.pk in shown
            if d.person_id and not show_person:
                continue  # a person's row without the number cannot be imported back
            samtycke = consent.get((d.person_id, d.insats_id))
            yield {
                "forbund": d.insats.forbund.organisationsnummer,
                "insats": d.insats.kod,
                "registreringsform": d.registreringsform,
                "personnummer": d.person.personnummer() if show_person and d.person else "",
                "samtycke_datum": samtycke.isoformat() if show_person and samtycke else "",
                "kon": d.kon,
                "startdatum": d.startdatum.isoformat(),
                "slutdatum": d.slutdatum.isoformat() if d.slutdatum else "",
                "utbildningsniva": d.utbildningsniva,
                "forsorjning_fore": "|".join(d.forsorjning_fore),
                "tid_offentlig_forsorjning": d.tid_offentlig_forsorjning,
                "sysselsattning_fore": "|".join(d.sysselsattning_fore),
                "avslutsorsak": d.avslutsorsak,
                "sysselsattning_efter": "|".join(d.sysselsattning_efter),
                "forsorjning_efter": "|".join(d.forsorjning_efter),
            }


@dataclass
class _Uppfoljning:
    rad: int
    deltagande: Deltagande
    matpunkt: int
    datum: dt.date
    sysselsattning: list[str]
    forsorjning: list[str]


class UppfoljningarKind(ImportKind):
    name = "uppfoljningar"
    label = "Uppföljningar"
    personal_data = True
    columns = [
        *FORBUND_INSATS,
        Column("personnummer", True, "Deltagarens personnummer."),
        Column("startdatum", True, "Deltagandets startdatum."),
        Column("matpunkt", True, "90, 180 eller 365."),
        Column(
            "datum",
            True,
            "Dag för uppföljningen, inom mätpunktens fönster: från slutdatum + matpunkt dagar "
            "till dagen före nästa mätpunkt (365: inom 180 dagar).",
        ),
        Column("sysselsattning", True, "Koder åtskilda med |."),
        Column("forsorjning", True, "Koder åtskilda med |."),
    ]
    key_columns = ["forbund", "insats", "personnummer", "startdatum", "matpunkt"]

    def allowed(self, user: Any) -> bool:
        return user is None or can_see_personal_data(user)

    def validate(self, table: Table, *, user: Any) -> tuple[list[_Uppfoljning], list]:
        errors: list = []
        insatser = _insatser_for_file(table, user)
        writable = _writable_insatser(user, personal=True)
        parsed_rows: list[
            tuple[RowErrors, Insats, str, dt.date, int, dt.date, list[str], list[str]]
        ] = []
        hashes: dict[int, set[str]] = defaultdict(set)
        for rad, row in table:
            check = RowErrors(rad, row, errors)
            insats = _Rows.insats(check, insatser, user, writable)
            parsed = _Rows.personnummer(check)
            start = check.date("startdatum", required=True)
            punkt = check.choice("matpunkt", Uppfoljningspunkt, required=True)
            datum = check.date("datum", required=True)
            sysselsattning = check.choices("sysselsattning", Sysselsattning)
            forsorjning = check.choices("forsorjning", Forsorjning)
            for name, codes in (("sysselsattning", sysselsattning), ("forsorjning", forsorjning)):
                if codes == []:
                    check.add(name, "Ange minst en kod.")
            if forsorjning and (problem := models.forsorjning_problem(forsorjning)):
                check.add("forsorjning", problem)
            if check.count or not (
                insats and parsed and start and punkt and datum and sysselsattning and forsorjning
            ):
                continue
            digest = pnr.lookup_hash(parsed.nummer)
            hashes[insats.forbund_id].add(digest)
            parsed_rows.append(
                (check, insats, digest, start, int(punkt), datum, sysselsattning, forsorjning)
            )
        found: dict[tuple, Deltagande] = {}
        for forbund_id, wanted in hashes.items():
            for d in Deltagande.objects.filter(
                insats__forbund_id=forbund_id, person__pnr_hash__in=wanted
            ).select_related("person", "insats"):
                if d.person:  # always: the filter is on the person's hash
                    found[d.insats_id, d.person.pnr_hash, d.startdatum] = d
        prepared = []
        lock = arslas.Lasregister()
        seen: dict[tuple, int] = {}
        for (
            check,
            insats,
            digest,
            start,
            matpunkt,
            datum,
            sysselsattning,
            forsorjning,
        ) in parsed_rows:
            deltagande = found.get((insats.pk, digest, start))
            if deltagande is None:
                check.add(
                    "startdatum",
                    "Inget deltagande med detta personnummer och startdatum i insatsen.",
                )
                continue
            fonster = deltagande.uppfoljningsfonster(matpunkt)
            if fonster is None:  # the deltagande runs
                check.add(
                    "startdatum", "Deltagandet är inte avslutat; uppföljning görs efter avslut."
                )
                continue
            if problem := fonster.problem(datum):
                check.add("datum", problem)
                continue
            if lock.refuse_row(
                check, "datum", insats.forbund_id, [arslas.span(datum, datum)], "Uppföljningen"
            ):
                continue
            key = (deltagande.pk, matpunkt)
            if key in seen:
                check.add("matpunkt", f"Samma uppföljning som rad {seen[key]}.")
                continue
            seen[key] = check.rad
            prepared.append(
                _Uppfoljning(check.rad, deltagande, matpunkt, datum, sysselsattning, forsorjning)
            )
        return prepared, errors

    def apply(self, prepared: list[_Uppfoljning], *, progress: Progress | None = None) -> Counts:
        counts = Counts()
        existing = {
            (u.deltagande_id, u.matpunkt): u
            for u in Uppfoljning.objects.filter(deltagande__in=[p.deltagande for p in prepared])
        }
        done = self.upsert(
            prepared,
            existing,
            counts,
            key=lambda p: (p.deltagande.pk, p.matpunkt),
            values=lambda p: {
                "datum": p.datum,
                "sysselsattning": p.sysselsattning,
                "forsorjning": p.forsorjning,
            },
            progress=progress,
        )
        copy_insert_values(
            Uppfoljning,
            ("deltagande_id", "matpunkt", "datum", "sysselsattning", "forsorjning"),
            [
                (p.deltagande.pk, p.matpunkt, p.datum, p.sysselsattning, p.forsorjning)
                for p in done.new
            ],
        )
        Uppfoljning.objects.bulk_update(
            done.changed_objects, ["datum", "sysselsattning", "forsorjning"], batch_size=2000
        )
        return counts

    def describe(self, row: _Uppfoljning) -> str:
        d = row.deltagande
        return f"{d.insats.kod}, start {d.startdatum:%Y-%m-%d}, {row.matpunkt} dagar"

    def log_read(self, user: Any, refs: list[Any], *, sida: str) -> None:
        _log_read(
            Deltagande.objects.filter(uppfoljningar__pk__in=refs).distinct(), user=user, sida=sida
        )

    def export_rows(self, *, forbund: Any = None, user: Any = None, reader: Any = None):
        queryset = Uppfoljning.objects.filter(deltagande__person__isnull=False)
        if user is not None:
            queryset = queryset.filter(
                deltagande__in=Deltagande.objects.for_user(user, personal=True)
            )
        if forbund is not None:
            queryset = queryset.filter(deltagande__insats__forbund=forbund)
        rows = list(
            queryset.select_related("deltagande__insats__forbund", "deltagande__person").order_by(
                "deltagande_id", "matpunkt"
            )
        )
        read = {u.deltagande_id: u.deltagande for u in rows}
        _log_export(list(read.values()), kind=self, user=user, reader=reader)
        for u in rows:
            d = u.deltagande
            yield {
                "forbund": d.insats.forbund.organisationsnummer,
                "insats": d.insats.kod,
                "personnummer": d.person.personnummer() if d.person else "",
                "startdatum": d.startdatum.isoformat(),
                "matpunkt": u.matpunkt,
                "datum": u.datum.isoformat(),
                "sysselsattning": "|".join(u.sysselsattning),
                "forsorjning": "|".join(u.forsorjning),
            }


register(DeltagandenKind())
register(UppfoljningarKind())
