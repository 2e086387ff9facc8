"""The import/export framework of spec/import.md, shared by every kind.

An app registers its kinds (`register(MyKind())`) in its AppConfig.ready(). The
framework guarantees the common rules: unknown and missing columns are errors,
every error of every row is collected, a file with any error saves nothing, a dry
run validates fully and saves nothing, and the apply step runs in one transaction.
Kinds guarantee that re-importing the same file changes nothing (rows are matched
on their natural key and updated): every kind saves through `ImportKind.upsert`, which
sorts the file's rows into new, changed and unchanged against what is stored, records what
changes field by field (`Change`, the preview's list) and asks `ImportKind.check_row` about
every row that would write: the one hook for rules on the stored data (a locked year).
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable, Hashable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar

from django.db import models, transaction

from .maskering import maskera
from .tabular import Table, TabularError, read_table, write_table

if TYPE_CHECKING:
    from django.db.models.options import Options

Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class Column:
    name: str
    required: bool = False
    help: str = ""


@dataclass(frozen=True)
class RowError:
    """One error of a file. Its texts are masked (finsam.lib.maskering) as it is made, so
    that a personnummer in any cell, header or message reaches no page, file or output."""

    rad: int
    kolumn: str
    varde: str
    meddelande: str

    def __post_init__(self) -> None:
        for name in ("kolumn", "varde", "meddelande"):
            object.__setattr__(self, name, maskera(getattr(self, name)))

    def __str__(self) -> str:
        where = f"Rad {self.rad}"
        if self.kolumn:
            where += f", kolumn {self.kolumn}"
        if self.varde:
            where += f", värde '{self.varde}'"
        return f"{where}: {self.meddelande}"


NY = "skapade"
ANDRAD = "uppdaterade"
OFORANDRAD = "oforandrade"


@dataclass(frozen=True)
class Change:
    """One row of a file that creates or changes stored data, and how: for each field
    (name, stored value, value of the file), as text. Masked like RowError. `ref` is the
    primary key of the stored object, for the access log; it is never shown."""

    rad: int
    nyckel: str
    utfall: str
    falt: tuple[tuple[str, str, str], ...]
    ref: Any = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "nyckel", maskera(self.nyckel))

    @property
    def ny(self) -> bool:
        return self.utfall == NY

    def as_json(self) -> dict[str, Any]:
        return {
            "rad": self.rad,
            "nyckel": self.nyckel,
            "utfall": self.utfall,
            "falt": [list(f) for f in self.falt],
            "ref": self.ref,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Change:
        return cls(
            data["rad"],
            data["nyckel"],
            data["utfall"],
            tuple(tuple(f) for f in data["falt"]),
            data.get("ref"),
        )


def shown(value: Any) -> str:
    """A stored or imported value as the change list shows it (and as the file writes it)."""
    show = _shown_by_type.get(type(value))
    if show is None:
        # Which rule applies depends on the type alone: found once per type (an import
        # shows every value of every new row).
        show = next((rule for kind, rule in _SHOWN if isinstance(value, kind)), str)
        _shown_by_type[type(value)] = show
    return show(value)


# The first rule whose type the value has; anything else as str().
_SHOWN: tuple[tuple[Any, Callable[[Any], str]], ...] = (
    (str, maskera),
    (type(None), lambda value: ""),
    (bool, lambda value: "ja" if value else "nej"),
    (dt.date, lambda value: value.isoformat()),
    (list | tuple, lambda value: "|".join(map(str, value))),
    (set | frozenset, lambda value: "|".join(sorted(map(str, value)))),
)
_shown_by_type: dict[type, Callable[[Any], str]] = {}


@dataclass
class Counts:
    skapade: int = 0
    uppdaterade: int = 0
    oforandrade: int = 0
    andringar: list[Change] = field(default_factory=list)
    # Rows refused by ImportKind.check_row: the import then saves nothing.
    errors: list[RowError] = field(default_factory=list)

    def add(self, outcome: str) -> None:
        setattr(self, outcome, getattr(self, outcome) + 1)


@dataclass
class Upserted[R, M]:
    """What `ImportKind.upsert` found: the rows to create, and the stored objects to save
    (their changed fields already set) with their rows and changes."""

    new: list[R] = field(default_factory=list)
    changed: list[tuple[M, R, dict[str, tuple[Any, Any]]]] = field(default_factory=list)

    @property
    def changed_objects(self) -> list[M]:
        return [current for current, _, _ in self.changed]


@dataclass
class ImportResult:
    kind: str
    rader: int = 0
    skapade: int = 0
    uppdaterade: int = 0
    oforandrade: int = 0
    errors: list[RowError] = field(default_factory=list)
    dry_run: bool = False
    andringar: list[Change] = field(default_factory=list)

    def counted(self, counts: Counts) -> None:
        self.skapade, self.uppdaterade = counts.skapade, counts.uppdaterade
        self.oforandrade, self.andringar = counts.oforandrade, counts.andringar

    @property
    def ok(self) -> bool:
        return not self.errors

    def summary(self) -> str:
        if not self.ok:
            return f"{self.kind}: {len(self.errors)} fel i filen. Inget har sparats."
        text = (
            f"{self.kind}: {self.rader} rader, {self.skapade} nya, "
            f"{self.uppdaterade} ändrade, {self.oforandrade} oförändrade."
        )
        if self.dry_run:
            text += " Provkörning: inget har sparats."
        return text


class RowErrors:
    """Collects the errors of one row; a kind's validate() adds to it and goes on."""

    def __init__(self, rad: int, row: dict[str, str], sink: list[RowError]) -> None:
        self.rad = rad
        self.row = row
        self._sink = sink
        self.count = 0

    def add(self, kolumn: str, meddelande: str, varde: str | None = None) -> None:
        value = self.row.get(kolumn, "") if varde is None else varde
        self._sink.append(RowError(self.rad, kolumn, value, meddelande))
        self.count += 1

    # Parsers for the common cell types: each returns None and records the error on failure.

    def required(self, kolumn: str) -> str | None:
        value = self.row.get(kolumn, "")
        if not value:
            self.add(kolumn, "Värde saknas.")
            return None
        return value

    def date(self, kolumn: str, *, required: bool = False) -> dt.date | None:
        value = self.row.get(kolumn, "")
        if not value:
            if required:
                self.add(kolumn, "Datum saknas (ÅÅÅÅ-MM-DD).")
            return None
        try:
            return dt.date.fromisoformat(value) if len(value) == 10 else _bad_date()
        except ValueError:
            self.add(kolumn, "Ogiltigt datum. Skriv datum som ÅÅÅÅ-MM-DD.")
            return None

    def integer(
        self, kolumn: str, *, required: bool = False, minimum: int | None = 0
    ) -> int | None:
        value = self.row.get(kolumn, "").replace(" ", "").replace("\u00a0", "")
        if not value:
            if required:
                self.add(kolumn, "Värde saknas.")
            return None
        try:
            number = int(value)
        except ValueError:
            self.add(kolumn, "Ange ett heltal.")
            return None
        if minimum is not None and number < minimum:
            self.add(kolumn, f"Talet får inte vara mindre än {minimum}.")
            return None
        return number

    def choice(self, kolumn: str, choices: Any, *, required: bool = False) -> str | None:
        value = self.row.get(kolumn, "")
        if not value:
            if required:
                self.add(kolumn, "Värde saknas.")
            return None
        code = parse_choice(value, choices)
        if code is None:
            self.add(kolumn, f"Okänd kod. Tillåtna koder: {', '.join(map(str, choices.values))}.")
        return code

    def choices(self, kolumn: str, choices: Any) -> list[str] | None:
        """Several codes separated by `|`; None if any is unknown."""
        value = self.row.get(kolumn, "")
        codes: list[str] = []
        ok = True
        for part in split_multi(value):
            code = parse_choice(part, choices)
            if code is None:
                self.add(
                    kolumn,
                    f"Okänd kod '{part}'. Tillåtna koder: {', '.join(map(str, choices.values))}.",
                    varde=value,
                )
                ok = False
            elif code not in codes:
                codes.append(code)
        return codes if ok else None


def _bad_date() -> dt.date:
    raise ValueError


def split_multi(value: str) -> list[str]:
    return [part.strip() for part in value.split("|") if part.strip()]


def parse_choice(value: str, choices: Any) -> str | None:
    """A code of a TextChoices by value or by its Swedish label, case-insensitively."""
    key = choices if isinstance(choices, type) else tuple(choices.choices)
    return _choice_lookup(key).get(value.strip().casefold())


@functools.cache
def _choice_lookup(key: Any) -> dict[str, str]:
    # Built once per code list: an import asks for tens of thousands of codes, and
    # TextChoices builds `.choices` anew on every access. Codes win over labels.
    pairs = key.choices if isinstance(key, type) and issubclass(key, models.Choices) else key
    lookup = {str(label).casefold(): code for code, label in reversed(pairs)}
    lookup.update({str(code).casefold(): code for code, _ in pairs})
    return lookup


@dataclass(frozen=True)
class CommandReader:
    """Who reads personal data through a command on the server, and why (the access log)."""

    os_anvandare: str
    anledning: str
    sida: str


class ImportKind:
    """One kind of file. Subclasses set the class attributes and implement the three steps."""

    name: ClassVar[str]
    label: ClassVar[str]
    columns: ClassVar[list[Column]]
    key_columns: ClassVar[list[str]]
    # The export holds personnummer: a command must say who reads it and why.
    personal_data: ClassVar[bool] = False

    def validate(self, table: Table, *, user: Any) -> tuple[Any, list[RowError]]:
        """Check every row and return what apply() needs; collect every error."""
        raise NotImplementedError

    def apply(self, prepared: Any, *, progress: Progress | None = None) -> Counts:
        """Save the prepared rows; runs inside a transaction."""
        raise NotImplementedError

    def export_rows(
        self, *, forbund: Any = None, user: Any = None, reader: CommandReader | None = None
    ) -> Iterable[dict[str, Any]]:
        """The rows in the import format. A kind with `personal_data` logs every person
        whose number it writes, as read by `user` or, for a command, by `reader`."""
        raise NotImplementedError

    def allowed(self, user: Any) -> bool:
        """Whether the user may import this kind at all (None = a management command)."""
        return user is None

    # --- the generic upsert -------------------------------------------------------------

    def describe(self, row: Any) -> str:
        """The row as the change list names it, beside its row number (no personnummer)."""
        return ""

    def check_row(
        self, row: Any, current: Any | None, changes: dict[str, tuple[Any, Any]]
    ) -> list[RowError]:
        """Rules on the stored data for a row that would create (`current` None) or change
        something; an error refuses the whole file. The one place for such rules (a locked
        year): every kind's rows pass here through `upsert`."""
        return []

    def log_read(self, user: Any, refs: list[Any], *, sida: str) -> None:
        """A kind whose change list shows stored personal data logs who read it."""

    def upsert[R, M: models.Model, K: Hashable](
        self,
        rows: Iterable[R],
        existing: Mapping[K, M],
        counts: Counts,
        *,
        key: Callable[[R], K],
        values: Callable[[R], dict[str, Any]],
        stored: Callable[[M], dict[str, Any]] | None = None,
        progress: Progress | None = None,
    ) -> Upserted[R, M]:
        """Sorts rows into new, changed and unchanged against `existing` (stored objects by
        the rows' natural `key`), counting them and recording each change in `counts`.
        `values` are a row's fields, compared with `stored` (default: the object's
        attributes of the same names); a changed object gets its changed model fields set
        and is left to the kind to save, in bulk, with the new rows."""
        done = Upserted[R, M]()
        rows = list(rows)
        total = len(rows)
        for index, row in enumerate(rows, start=1):
            current = existing.get(key(row))
            wanted = values(row)
            if current is None:
                diff = {k: (None, v) for k, v in wanted.items() if v not in (None, "", [], set())}
                outcome = NY
            else:
                have = stored(current) if stored else {k: getattr(current, k) for k in wanted}
                diff = {k: (have.get(k), v) for k, v in wanted.items() if have.get(k) != v}
                outcome = ANDRAD if diff else OFORANDRAD
            counts.add(outcome)
            if outcome != OFORANDRAD:
                counts.errors += self.check_row(row, current, diff)
                counts.andringar.append(
                    Change(
                        row.rad,  # type: ignore[attr-defined]
                        self.describe(row),
                        outcome,
                        tuple((k, shown(old), shown(new)) for k, (old, new) in diff.items()),
                        None if current is None else current.pk,
                    )
                )
            if current is None:
                done.new.append(row)
            elif diff:
                fields = _field_names(current._meta)
                for name, (_, new) in diff.items():
                    if name in fields:
                        setattr(current, name, new)
                done.changed.append((current, row, diff))
            if progress and (index % 1000 == 0 or index == total):
                progress(index, total)
        return done

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]

    def check_columns(self, table: Table) -> list[RowError]:
        errors = []
        known = set(self.column_names)
        for name in table.columns:
            if name not in known:
                errors.append(
                    RowError(
                        1,
                        name,
                        "",
                        f"Okänd kolumn. Kolumnerna för {self.name} är: "
                        f"{', '.join(self.column_names)}.",
                    )
                )
        for column in self.columns:
            if column.required and column.name not in table.columns:
                errors.append(RowError(1, column.name, "", "Kolumnen saknas i filen."))
        duplicates = {n for n in table.columns if table.columns.count(n) > 1}
        errors += [RowError(1, n, "", "Kolumnen finns flera gånger.") for n in sorted(duplicates)]
        return errors

    def extra_cells(self, table: Table) -> list[RowError]:
        return [
            RowError(rad, "", row["\x00extra"], "Raden har fler celler än rubrikraden.")
            for rad, row in table
            if "\x00extra" in row
        ]

    def duplicate_keys(self, table: Table, key: Callable[[dict[str, str]], Any]) -> list[RowError]:
        """Rows whose natural key repeats an earlier row of the same file."""
        seen: dict[Any, int] = {}
        errors = []
        for rad, row in table:
            value = key(row)
            if value is None:
                continue
            if value in seen:
                errors.append(
                    RowError(
                        rad,
                        ", ".join(self.key_columns),
                        " / ".join(row.get(c, "") for c in self.key_columns),
                        f"Samma nyckel som rad {seen[value]}: en rad per nyckel.",
                    )
                )
            else:
                seen[value] = rad
        return errors


@functools.cache
def _field_names(meta: Options[Any]) -> frozenset[str]:
    return frozenset(f.name for f in meta.concrete_fields)


class Refused(Exception):
    """Rows refused by check_row: the import's transaction is undone."""

    def __init__(self, counts: Counts) -> None:
        self.counts = counts


_REGISTRY: dict[str, ImportKind] = {}


def register(kind: ImportKind) -> ImportKind:
    _REGISTRY[kind.name] = kind
    return kind


def get_kind(name: str) -> ImportKind:
    try:
        return _REGISTRY[name]
    except KeyError:
        raise KeyError(f"Okänd typ '{name}'. Kända typer: {', '.join(kind_names())}.") from None


def get_kind_or_command_error(name: str) -> ImportKind:
    """For the management commands: an unknown kind is a CommandError listing the kinds."""
    from django.core.management.base import CommandError

    try:
        return get_kind(name)
    except KeyError as error:
        raise CommandError(error.args[0]) from None


def kind_names() -> list[str]:
    return sorted(_REGISTRY)


def import_file(
    kind_name: str,
    data: bytes,
    *,
    filename: str,
    user: Any = None,
    dry_run: bool = False,
    progress: Progress | None = None,
) -> ImportResult:
    kind = get_kind(kind_name)
    result = ImportResult(kind=kind.name, dry_run=dry_run)
    if not kind.allowed(user):
        result.errors.append(RowError(0, "", "", "Du har inte behörighet att importera detta."))
        return result
    try:
        table = read_table(data, filename=filename)
    except TabularError as error:
        result.errors.append(RowError(0, "", "", str(error)))
        return result
    result.rader = len(table)
    result.errors = kind.check_columns(table) + kind.extra_cells(table)
    if result.errors:
        return result
    prepared, errors = kind.validate(table, user=user)
    result.errors = _sorted(errors)
    if result.errors:
        return result
    # A dry run applies and rolls back: the preview is what the import will do.
    try:
        with transaction.atomic():
            counts = kind.apply(prepared, progress=None if dry_run else progress)
            if counts.errors or dry_run:
                raise Refused(counts)
    except Refused as refused:
        counts = refused.counts
    if counts.errors:
        result.errors = _sorted(counts.errors)
    else:
        result.counted(counts)
    return result


def _sorted(errors: list[RowError]) -> list[RowError]:
    return sorted(errors, key=lambda e: (e.rad, e.kolumn))


def export_file(
    kind_name: str,
    *,
    format: str = "csv",
    forbund: Any = None,
    user: Any = None,
    reader: CommandReader | None = None,
) -> bytes:
    kind = get_kind(kind_name)
    if kind.personal_data and user is None and reader is None:
        raise ValueError(f"exporting {kind_name} without a user needs a CommandReader")
    rows = kind.export_rows(forbund=forbund, user=user, reader=reader)
    return write_table(kind.column_names, rows, format=format)
