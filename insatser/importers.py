"""The `insatser`, `volym`, `strukturdeltagare` and `ekonomi` kinds of spec/import.md.

Every rule that the models' constraints (and the forms' rules on existing data)
would enforce is checked in validate(), so a file that passes saves without an
IntegrityError. Look-ups are one query per table for the whole file; apply() uses
bulk operations and compares with what is stored, so a second import of the same
file reports every row unchanged and writes nothing.

Who may import: a management command (user None), an administratör, or a
förbundsadministratör for the rows of their own förbund; a row for another förbund
is an error on that row.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any, cast

from django.core.exceptions import ValidationError
from django.db.models import Field, Model, Q
from django.utils import timezone

from finsam.lib.importing import Column, Counts, ImportKind, Progress, RowErrors, register
from finsam.lib.tabular import Table
from forbund import access, arslas
from forbund.models import Forbund
from forbund.validators import normalize_organisationsnummer

from .access import can_write_insatser, insats_write_forbund_filter
from .choices import (
    INSATSRADER,
    RADER,
    Balans,
    BehovsgruppKod,
    Deltagarregistrering,
    Finansiering,
    Insatsform,
    Insatstyp,
    Kostnadsslag,
    Niva,
)
from .models import (
    Ekonomirad,
    Insats,
    Strukturdeltagare,
    Volymregistrering,
    check_count_insats,
    ekonomirad_span,
)

MAX_INT = 2_147_483_647  # PositiveIntegerField
MAX_BIGINT = 9_223_372_036_854_775_807  # PositiveBigIntegerField
BATCH = 2000
FORBUND_COLUMN = Column(
    "forbund", True, "Förbundets organisationsnummer, med eller utan bindestreck."
)
INSATS_COLUMN = Column("insats", True, "Insatskoden inom förbundet.")

# An Ekonomirad's `rad`: a kostnadsslag or a finansiering code (by code or label).
RAD = SimpleNamespace(
    choices=[*Kostnadsslag.choices, *Finansiering.choices, *Balans.choices], values=list(RADER)
)


def _orgnr(value: str) -> str | None:
    try:
        return normalize_organisationsnummer(value)
    except ValidationError:
        return None


def _file_orgnrs(table: Table) -> set[str]:
    return {o for _, row in table if (o := _orgnr(row.get("forbund", "")))}


def _writable_forbund(user: Any) -> set[int] | None:
    """Ids of the förbund whose insatser and economy the user may write (None = all)."""
    if user is None or access.is_administrator(user):
        return None
    return set(
        Forbund.objects.filter(insats_write_forbund_filter(user)).values_list("pk", flat=True)
    )


def _allowed(user: Any) -> bool:
    return user is None or can_write_insatser(user)


class _Scope:
    """The förbund (and their insatser) that a file names, loaded once for the file."""

    def __init__(self, table: Table, user: Any, *, insatser: bool) -> None:
        orgnrs = _file_orgnrs(table)
        self.forbund = {
            f.organisationsnummer: f for f in Forbund.objects.filter(organisationsnummer__in=orgnrs)
        }
        self.writable = _writable_forbund(user)
        self.insatser: dict[tuple[int, str], Insats] = {}
        if insatser:
            for insats in Insats.objects.filter(forbund__organisationsnummer__in=orgnrs):
                self.insatser[insats.forbund_id, insats.kod] = insats

    def forbund_of(self, check: RowErrors) -> Forbund | None:
        value = check.required("forbund")
        if not value:
            return None
        try:
            orgnr = normalize_organisationsnummer(value)
        except ValidationError as error:
            check.add("forbund", error.messages[0])
            return None
        forbund = self.forbund.get(orgnr)
        if self.writable is not None and (forbund is None or forbund.pk not in self.writable):
            # The same answer whether or not the förbund exists: nothing leaks.
            check.add("forbund", f"Du har inte behörighet till förbundet {orgnr}.")
            return None
        if forbund is None:
            check.add("forbund", f"Det finns inget förbund med organisationsnumret {orgnr}.")
        return forbund

    def insats_of(self, check: RowErrors, forbund: Forbund | None, *, required: bool = True):
        kod = check.required("insats") if required else check.row.get("insats", "")
        if not (kod and forbund):
            return None
        insats = self.insatser.get((forbund.pk, kod))
        if insats is None:
            check.add("insats", f"Förbundet har ingen insats med koden {kod}.")
        return insats


def _bounded(check: RowErrors, kolumn: str, maximum: int, *, required: bool = True) -> int | None:
    number = check.integer(kolumn, required=required)
    if number is not None and number > maximum:
        check.add(kolumn, f"Talet är för stort (högst {maximum}).")
        return None
    return number


def _save(model: type[Model], new: list, changed: list, fields: Iterable[str]) -> None:
    model._default_manager.bulk_create(new, batch_size=BATCH)
    if changed:
        model._default_manager.bulk_update(changed, list(fields), batch_size=BATCH)


def _model_field(model: type[Model], name: str) -> Field:
    """A concrete field of the model (never a reverse relation: the names are the model's)."""
    return cast(Field, model._meta.get_field(name))


# --- insatser ---------------------------------------------------------------------------

INSATS_FIELDS = ("namn", "niva", "typ", "deltagarregistrering", "form", "startdatum", "slutdatum")


@dataclass
class _Insats:
    rad: int
    forbund: Forbund
    kod: str
    values: dict[str, Any]
    behovsgrupper: set[str]


class InsatserKind(ImportKind):
    name = "insatser"
    label = "Insatser"
    columns = [
        FORBUND_COLUMN,
        Column("kod", True, "Insatsens korta kod, unik inom förbundet."),
        Column("namn", True, "Insatsens namn."),
        Column("niva", True, "individ eller struktur."),
        Column("typ", True, "Insatstyp för nivån."),
        Column("deltagarregistrering", False, "individuell eller volym; bara för individ."),
        Column("form", False, "projekt eller verksamhet (standard projekt)."),
        Column("startdatum", True, "ÅÅÅÅ-MM-DD."),
        Column("slutdatum", False, "ÅÅÅÅ-MM-DD, inte före startdatum."),
        Column("behovsgrupper", False, "Behovsgruppskoder åtskilda med |."),
    ]
    key_columns = ["forbund", "kod"]

    def allowed(self, user: Any) -> bool:
        return _allowed(user)

    def validate(self, table: Table, *, user: Any) -> tuple[list[_Insats], list]:
        errors: list = []
        scope = _Scope(table, user, insatser=True)
        registrerat = Insats.objects.filter(
            pk__in=[i.pk for i in scope.insatser.values()]
        ).registrerat()
        prepared: list[_Insats] = []
        lock = arslas.Lasregister()
        seen: dict[tuple[int, str], int] = {}
        for rad, row in table:
            check = RowErrors(rad, row, errors)
            forbund = scope.forbund_of(check)
            kod = self._kod(check)
            namn = self._field(check, "namn", check.required("namn"))
            niva = check.choice("niva", Niva, required=True)
            typ = check.choice("typ", Insatstyp, required=True)
            registrering = check.choice("deltagarregistrering", Deltagarregistrering)
            form = check.choice("form", Insatsform) or Insatsform.PROJEKT
            start = check.date("startdatum", required=True)
            end = check.date("slutdatum")
            behovsgrupper = check.choices("behovsgrupper", BehovsgruppKod)
            values = {
                "namn": namn,
                "niva": niva,
                "typ": typ,
                "deltagarregistrering": registrering or "",
                "form": form,
                "startdatum": start,
                "slutdatum": end,
            }
            current = scope.insatser.get((forbund.pk, kod)) if forbund and kod else None
            if registrering or not row.get("deltagarregistrering"):  # else: an unknown code
                self._check_rules(check, current, values, registrerat)
            if check.count or forbund is None or kod is None or start is None:
                continue
            if (forbund.pk, kod) in seen:
                check.add(
                    "kod", f"Samma insats som rad {seen[forbund.pk, kod]}: en rad per insats."
                )
                continue
            seen[forbund.pk, kod] = rad
            if current is None or any(
                getattr(current, k) != v for k, v in values.items() if k in Insats.RAPPORTFALT
            ):
                spans = [arslas.span(start, end)]
                if current:
                    spans.append(arslas.span(current.startdatum, current.sista_dag))
                lock.refuse_row(check, "startdatum", forbund.pk, spans, "Insatsen")
            if not check.count:
                prepared.append(_Insats(rad, forbund, kod, values, set(behovsgrupper or [])))
        return prepared, errors

    @staticmethod
    def _check_rules(
        check: RowErrors,
        current: Insats | None,
        values: dict[str, Any],
        registrerat: dict[int, set[str]],
    ) -> None:
        """The rules the model states, asked of the insats as the row would leave it."""
        candidate = Insats(avslutad_datum=current.avslutad_datum if current else None, **values)
        problems = candidate.rule_problems()
        if current:
            problems |= current.registrering_problems(
                values["niva"],
                values["deltagarregistrering"],
                registrerat=registrerat.get(current.pk, set()),
            )
        for kolumn, problem in problems.items():
            check.add(kolumn, problem)

    @classmethod
    def _kod(cls, check: RowErrors) -> str | None:
        return cls._field(check, "kod", check.required("kod"))

    @staticmethod
    def _field(check: RowErrors, name: str, value: str | None) -> str | None:
        """The value if the model field's validators (length, pattern) take it."""
        if value is None:
            return None
        try:
            _model_field(Insats, name).run_validators(value)
        except ValidationError as error:
            check.add(name, error.messages[0])
            return None
        return value

    def describe(self, row: _Insats) -> str:
        return f"{row.kod} {row.values['namn']}"

    def apply(self, prepared: list[_Insats], *, progress: Progress | None = None) -> Counts:
        counts = Counts()
        forbund_ids = {r.forbund.pk for r in prepared}
        existing = {
            (i.forbund_id, i.kod): i for i in Insats.objects.filter(forbund_id__in=forbund_ids)
        }
        Through = Insats.behovsgrupper.through
        groups: dict[int, set[str]] = {}
        for insats_id, kod in Through.objects.filter(
            insats_id__in=[i.pk for i in existing.values()]
        ).values_list("insats_id", "behovsgrupp_id"):
            groups.setdefault(insats_id, set()).add(kod)
        done = self.upsert(
            prepared,
            existing,
            counts,
            key=lambda r: (r.forbund.pk, r.kod),
            values=lambda r: {**r.values, "behovsgrupper": r.behovsgrupper},
            stored=lambda i: {
                **{k: getattr(i, k) for k in INSATS_FIELDS},
                "behovsgrupper": groups.get(i.pk, set()),
            },
            progress=progress,
        )
        add: list = []
        remove = Q(pk__in=[])
        now = timezone.now()
        for current, r, _ in done.changed:
            current.andrad = now  # bulk_update does not run auto_now
            have = groups.get(current.pk, set())
            add += [Through(insats_id=current.pk, behovsgrupp_id=k) for k in r.behovsgrupper - have]
            if gone := have - r.behovsgrupper:
                remove |= Q(insats_id=current.pk, behovsgrupp_id__in=gone)
        created = Insats.objects.bulk_create(
            [Insats(forbund=r.forbund, kod=r.kod, **r.values) for r in done.new], batch_size=BATCH
        )
        add += [
            Through(insats_id=i.pk, behovsgrupp_id=k)
            for i, r in zip(created, done.new, strict=True)
            for k in r.behovsgrupper
        ]
        _save(Insats, [], done.changed_objects, [*INSATS_FIELDS, "andrad"])
        Through.objects.filter(remove).delete()
        Through.objects.bulk_create(add, batch_size=BATCH)
        return counts

    def export_rows(self, *, forbund: Any = None, user: Any = None, reader: Any = None):
        queryset = Insats.objects.all() if user is None else Insats.objects.for_user(user)
        if forbund is not None:
            queryset = queryset.filter(forbund=forbund)
        for i in (
            queryset.select_related("forbund")
            .prefetch_related("behovsgrupper")
            .order_by("forbund__organisationsnummer", "kod")
        ):
            yield {
                "forbund": i.forbund.organisationsnummer,
                "kod": i.kod,
                "namn": i.namn,
                "niva": i.niva,
                "typ": i.typ,
                "deltagarregistrering": i.deltagarregistrering,
                "form": i.form,
                "startdatum": i.startdatum.isoformat(),
                "slutdatum": i.slutdatum.isoformat() if i.slutdatum else "",
                "behovsgrupper": "|".join(sorted(b.kod for b in i.behovsgrupper.all())),
            }


# --- volym and strukturdeltagare --------------------------------------------------------


@dataclass
class _Antal:
    rad: int
    insats: Insats
    datum: Any
    antal: dict[str, int | None]  # each an int once the row has no errors


class _AntalKind(ImportKind):
    """Counts per insats and day: Volymregistrering or Strukturdeltagare."""

    model: type[Volymregistrering] | type[Strukturdeltagare]
    key_columns = ["forbund", "insats", "datum"]

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls.columns = [
            FORBUND_COLUMN,
            INSATS_COLUMN,
            Column("datum", True, "Dagen, eller sista dagen i perioden som räknats."),
            *(
                Column(name, True, f"Antal: {_model_field(cls.model, name).verbose_name}.")
                for name in cls.model.ANTAL
            ),
        ]

    def allowed(self, user: Any) -> bool:
        return _allowed(user)

    def validate(self, table: Table, *, user: Any) -> tuple[list[_Antal], list]:
        errors: list = []
        scope = _Scope(table, user, insatser=True)
        prepared: list[_Antal] = []
        lock = arslas.Lasregister()
        seen: dict[tuple[int, Any], int] = {}
        for rad, row in table:
            check = RowErrors(rad, row, errors)
            insats = scope.insats_of(check, scope.forbund_of(check))
            datum = check.date("datum", required=True)
            antal = {name: _bounded(check, name, MAX_INT) for name in self.model.ANTAL}
            if insats is not None:
                try:
                    check_count_insats(insats, datum, volym=self.model.VOLYM)
                except ValidationError as error:
                    kolumn = "datum" if hasattr(error, "error_dict") else "insats"
                    check.add(kolumn, error.messages[0])
            if check.count or insats is None or datum is None:
                continue
            if lock.refuse_row(
                check, "datum", insats.forbund_id, [arslas.span(datum, datum)], "Antalet deltagare"
            ):
                continue
            if (insats.pk, datum) in seen:
                check.add("datum", f"Samma insats och datum som rad {seen[insats.pk, datum]}.")
                continue
            seen[insats.pk, datum] = rad
            prepared.append(_Antal(rad, insats, datum, antal))
        return prepared, errors

    def describe(self, row: _Antal) -> str:
        return f"{row.insats.kod} {row.datum:%Y-%m-%d}"

    def apply(self, prepared: list[_Antal], *, progress: Progress | None = None) -> Counts:
        counts = Counts()
        existing = {
            (r.insats_id, r.datum): r
            for r in self.model._default_manager.filter(
                insats_id__in={p.insats.pk for p in prepared}
            )
        }
        done = self.upsert(
            prepared,
            existing,
            counts,
            key=lambda p: (p.insats.pk, p.datum),
            values=lambda p: p.antal,
            progress=progress,
        )
        new = [self.model(insats=p.insats, datum=p.datum, **p.antal) for p in done.new]
        _save(self.model, new, done.changed_objects, self.model.ANTAL)
        return counts

    def export_rows(self, *, forbund: Any = None, user: Any = None, reader: Any = None):
        insatser = Insats.objects.all() if user is None else Insats.objects.for_user(user)
        queryset = self.model._default_manager.filter(insats__in=insatser)
        if forbund is not None:
            queryset = queryset.filter(insats__forbund=forbund)
        for r in queryset.select_related("insats__forbund").order_by(
            "insats__forbund__organisationsnummer", "insats__kod", "datum"
        ):
            yield {
                "forbund": r.insats.forbund.organisationsnummer,
                "insats": r.insats.kod,
                "datum": r.datum.isoformat(),
                **{name: getattr(r, name) for name in self.model.ANTAL},
            }


class VolymKind(_AntalKind):
    name = "volym"
    label = "Antal deltagare i volyminsatser"
    model = Volymregistrering


class StrukturdeltagareKind(_AntalKind):
    name = "strukturdeltagare"
    label = "Strukturdeltagare"
    model = Strukturdeltagare


# --- ekonomi ----------------------------------------------------------------------------


@dataclass
class _Ekonomirad:
    rad: int
    forbund: Forbund
    ar: int
    kod: str  # Ekonomirad.rad: a kostnadsslag or finansiering
    insats: Insats | None
    budget: int
    utfall: int | None


class EkonomiKind(ImportKind):
    name = "ekonomi"
    label = "Budget och utfall"
    columns = [
        FORBUND_COLUMN,
        Column("ar", True, "År, t.ex. 2024."),
        Column("rad", True, "Kostnadsslag eller finansiering."),
        Column("insats", False, "Insatskoden; bara för raderna insats och insats_esf."),
        Column("budget", True, "Hela kronor."),
        Column("utfall", True, "Hela kronor; tomt tills året är avslutat."),
    ]
    key_columns = ["forbund", "ar", "rad", "insats"]

    def allowed(self, user: Any) -> bool:
        return _allowed(user)

    def validate(self, table: Table, *, user: Any) -> tuple[list[_Ekonomirad], list]:
        errors: list = []
        scope = _Scope(table, user, insatser=True)
        prepared: list[_Ekonomirad] = []
        lock = arslas.Lasregister()
        seen: dict[tuple, int] = {}
        for rad_nr, row in table:
            check = RowErrors(rad_nr, row, errors)
            forbund = scope.forbund_of(check)
            ar = check.integer("ar", required=True)
            if ar is not None and not 2004 <= ar <= 2100:
                check.add("ar", "Ange ett år mellan 2004 och 2100.")
            rad = check.choice("rad", RAD, required=True)
            insats = None
            if rad in INSATSRADER:
                insats = scope.insats_of(check, forbund)
            elif rad and row.get("insats"):
                check.add("insats", "Ska vara tomt för andra rader än insats och insats_esf.")
            budget = _bounded(check, "budget", MAX_BIGINT)
            utfall = _bounded(check, "utfall", MAX_BIGINT, required=False)
            if check.count or forbund is None or rad is None or ar is None or budget is None:
                continue
            if lock.refuse_row(check, "ar", forbund.pk, [ekonomirad_span(ar, rad)], "Ekonomiraden"):
                continue
            key = (forbund.pk, ar, rad, insats.pk if insats else None)
            if key in seen:
                check.add("rad", f"Samma rad som rad {seen[key]}: en rad per år, rad och insats.")
                continue
            seen[key] = rad_nr
            prepared.append(_Ekonomirad(rad_nr, forbund, ar, rad, insats, budget, utfall))
        return prepared, errors

    def describe(self, row: _Ekonomirad) -> str:
        insats = f" {row.insats.kod}" if row.insats else ""
        return f"{row.ar} {row.kod}{insats}"

    def apply(self, prepared: list[_Ekonomirad], *, progress: Progress | None = None) -> Counts:
        counts = Counts()
        existing = {
            (e.forbund_id, e.ar, e.rad, e.insats_id): e
            for e in Ekonomirad.objects.filter(forbund_id__in={p.forbund.pk for p in prepared})
        }
        done = self.upsert(
            prepared,
            existing,
            counts,
            key=lambda p: (p.forbund.pk, p.ar, p.kod, p.insats.pk if p.insats else None),
            values=lambda p: {"budget": p.budget, "utfall": p.utfall},
            progress=progress,
        )
        new = [
            Ekonomirad(
                forbund=p.forbund,
                ar=p.ar,
                rad=p.kod,
                insats=p.insats,
                budget=p.budget,
                utfall=p.utfall,
            )
            for p in done.new
        ]
        _save(Ekonomirad, new, done.changed_objects, ["budget", "utfall"])
        return counts

    def export_rows(self, *, forbund: Any = None, user: Any = None, reader: Any = None):
        queryset = Ekonomirad.objects.all()
        if user is not None:
            queryset = queryset.filter(insats_write_forbund_filter(user, "forbund"))
        if forbund is not None:
            queryset = queryset.filter(forbund=forbund)
        for e in queryset.select_related("forbund", "insats").order_by(
            "forbund__organisationsnummer", "ar", "rad", "insats__kod"
        ):
            yield {
                "forbund": e.forbund.organisationsnummer,
                "ar": e.ar,
                "rad": e.rad,
                "insats": e.insats.kod if e.insats else "",
                "budget": e.budget,
                "utfall": e.utfall,
            }


KINDS = [register(k) for k in (InsatserKind(), VolymKind(), StrukturdeltagareKind(), EkonomiKind())]
