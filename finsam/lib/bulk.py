"""Bulk inserts with PostgreSQL COPY, for imports and generated data.

`bulk_create` builds one INSERT per batch with every value as a parameter; for tens of
thousands of rows that is most of an import's time. COPY streams the same rows in one
statement. Values go through each field's own conversion (`pre_save`,
`get_db_prep_save`), so what lands is what `save()` would have written; `auto_now_add`
and defaults are honoured. Primary keys are taken from the table's sequence before the
COPY (no query may run while a COPY is in progress), so the instances can be referred to
by other rows at once — and concurrent inserts elsewhere never collide with them.

`copy_insert` takes model instances; `copy_insert_values` takes plain tuples of values
for some fields, for imports of tens of thousands of rows, where building an instance per
row costs more than the COPY itself. Both write every column as `save()` would: the
columns' types are given to psycopg once (no type guessed per value), and arrays of text
or integers are written as PostgreSQL's array literal, which the server parses by the
column's type.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable, Iterable, Sequence
from operator import attrgetter
from typing import Any, cast

from django.contrib.postgres.fields import ArrayField
from django.db import DEFAULT_DB_ALIAS, connections, models
from django.utils import timezone

# Fields whose conversion leaves a value of the listed type as it is, on PostgreSQL:
# `get_prep_value` is `to_python`, which returns such a value unchanged, and the backend's
# `adapt_*_value` is the identity. Only these exact classes (a subclass may convert), and
# only a value of exactly that type; anything else goes through the field's own methods.
_UNCHANGED: dict[type[models.Field], tuple[type, ...]] = {
    models.CharField: (str,),
    models.TextField: (str,),
    models.DateField: (dt.date,),
    models.BooleanField: (bool,),
    models.IntegerField: (int,),
    models.SmallIntegerField: (int,),
    models.BigIntegerField: (int,),
    models.PositiveIntegerField: (int,),
    models.PositiveSmallIntegerField: (int,),
    models.AutoField: (int,),
    models.BigAutoField: (int,),
    models.UUIDField: (uuid.UUID,),
}


def reserve_ids(model: type[models.Model], n: int) -> list[int]:
    """`n` fresh primary keys from `model`'s sequence."""
    if n <= 0:
        return []
    with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
            [model._meta.db_table, model._meta.pk.column, n],
        )
        return [row[0] for row in cursor.fetchall()]


def copy_insert(model: type[models.Model], objs: Iterable[models.Model]) -> int:
    """Insert the (new) instances with COPY; instances without a pk get one from the
    sequence first. Returns the number of rows written."""
    objs = list(objs)
    if not objs:
        return 0
    if _sequenced(model):
        missing = [obj for obj in objs if obj.pk is None]
        for obj, value in zip(missing, reserve_ids(model, len(missing)), strict=True):
            obj.pk = value
    for obj in objs:
        # As save() and bulk_create() do: a related instance saved after it was assigned
        # gives its new key to the foreign key column (and an unsaved one is refused).
        # Django's own step (private, so not in django-stubs).
        obj._prepare_related_fields_for_save(operation_name="copy_insert")  # type: ignore[attr-defined]
    # The connection itself, not django.db.connection: that proxy costs a lookup on every
    # attribute access, and there are a dozen per row.
    connection = connections[DEFAULT_DB_ALIAS]
    fields = list(model._meta.concrete_fields)
    _copy(model, fields, [_column_values(f, objs, connection) for f in fields], connection)
    for obj in objs:
        obj._state.adding = False
        obj._state.db = connection.alias
    return len(objs)


def copy_insert_values(
    model: type[models.Model], fieldnames: Sequence[str], rows: Iterable[Sequence[Any]]
) -> int:
    """Insert rows given as tuples of values for `fieldnames` (attribute names: `insats_id`
    for a foreign key), in that order, without building model instances. Every other column
    gets what `save()` of a new instance writes: the field's default (a callable one called
    per row: each row its own `uuid4`), for `auto_now`/`auto_now_add` one timestamp for
    the whole call, and an auto primary key not listed its value from the table's sequence,
    as the database assigns it (a caller that must refer to the rows gives the keys of
    `reserve_ids`). Values are converted as the fields convert them. Returns the number of
    rows written."""
    rows = list(rows)
    if not rows:
        return 0
    connection = connections[DEFAULT_DB_ALIAS]
    meta = model._meta
    by_attname = {f.attname: f for f in meta.concrete_fields}
    given: dict[str, int] = {}
    for index, name in enumerate(fieldnames):
        field = by_attname.get(name)
        if field is None:
            raise ValueError(f"{meta.label} has no concrete field with attname {name!r}")
        if _auto_timestamp(field):
            raise ValueError(f"{meta.label}.{name} is set on save (auto_now/auto_now_add)")
        if not _plain_pre_save(field):
            raise ValueError(f"{meta.label}.{name} converts on save: use copy_insert")
        if name in given:
            raise ValueError(f"{meta.label}.{name} is given twice")
        given[name] = index
    for row in rows:
        if len(row) != len(fieldnames):
            raise ValueError(f"a row of {len(row)} values for {len(fieldnames)} fields")
    pk = meta.pk
    # The sequence's own default assigns the key: no round trip for keys nobody reads.
    database_key = pk is not None and pk.attname not in given and _sequenced(model)
    now = timezone.now()
    n = len(rows)
    fields = [f for f in meta.concrete_fields if not (database_key and f is pk)]
    columns: list[Sequence[Any]] = []
    for field in fields:
        if field.attname in given:
            index = given[field.attname]
            columns.append(_converted(field, [row[index] for row in rows], connection))
        elif _auto_timestamp(field):
            columns.append(_same(field.get_db_prep_save(_stamp(field, now), connection), n))
        elif field.has_default() and callable(field.default):
            make = field.default
            columns.append(_converted(field, [make() for _ in range(n)], connection))
        else:
            columns.append(_same(field.get_db_prep_save(field.get_default(), connection), n))
    _copy(model, fields, columns, connection)
    return n


def _sequenced(model: type[models.Model]) -> bool:
    return isinstance(
        model._meta.pk, models.AutoField | models.BigAutoField | models.SmallAutoField
    )


def _auto_timestamp(field: models.Field) -> bool:
    return isinstance(field, models.DateField | models.TimeField) and bool(
        field.auto_now or field.auto_now_add
    )


def _stamp(field: models.Field, now: dt.datetime) -> Any:
    """What `pre_save` of the auto timestamp field sets: `now` for a DateTimeField (one
    time for every such field of the write), Django's own clock for the other kinds (a
    DateField's and a TimeField's are the server's local ones)."""
    if isinstance(field, models.DateTimeField):
        return now
    if isinstance(field, models.DateField):
        return dt.date.today()  # noqa: DTZ011
    return dt.datetime.now().time()  # noqa: DTZ005


def _plain_pre_save(field: models.Field) -> bool:
    """Whether `pre_save` of a new instance only reads the attribute (an auto timestamp
    aside): Field's own, or DateField's and DateTimeField's, which otherwise do so."""
    return type(field).pre_save in (
        models.Field.pre_save,
        models.DateField.pre_save,
        models.DateTimeField.pre_save,
    )


def _same(value: Any, n: int) -> Sequence[Any]:
    return [value] * n


_NONE = type(None)


def _converted(field: models.Field, values: list[Any], connection: Any) -> list[Any]:
    """`get_db_prep_save` of each value, skipped for None and for a value the field leaves
    as it is (a type `_UNCHANGED` lists; a list of str for an array of CharField/TextField):
    checked for the whole column at once, the common case of an import."""
    convert = field.get_db_prep_save
    target = field.target_field if isinstance(field, models.ForeignKey) else field
    kinds = _UNCHANGED.get(type(target))
    if kinds is not None:
        if set(map(type, values)) <= {_NONE, *kinds}:
            return values
        return [v if v is None or type(v) in kinds else convert(v, connection) for v in values]
    if (
        isinstance(field, ArrayField)
        and type(field.base_field) in (models.CharField, models.TextField)
        and set(map(type, values)) <= {_NONE, list}
        and {type(e) for v in values if v for e in v} <= {str}
    ):
        return values
    return [convert(v, connection) for v in values]


def _column_values(field: models.Field, objs: list[models.Model], connection: Any) -> list[Any]:
    """What the field writes for each instance: `get_db_prep_save(pre_save(obj, add=True))`,
    as save() does, with the steps that change nothing for this field skipped (plain
    attribute read for the base `pre_save`; the conversions `_converted` skips)."""
    plain_read = type(field).pre_save is models.Field.pre_save or (
        type(field) is models.DateField and not (field.auto_now or field.auto_now_add)
    )
    if not plain_read:
        convert = field.get_db_prep_save
        return [convert(field.pre_save(obj, add=True), connection) for obj in objs]
    return _converted(field, list(map(attrgetter(field.attname), objs)), connection)


# The type psycopg is told for a column, by the field's internal type: values reach the
# COPY as the field's conversion left them, which for these is a value psycopg dumps as
# that type. A column of another kind leaves psycopg to choose per value.
_COPY_TYPES = {
    "AutoField": "int8",
    "BigAutoField": "int8",
    "SmallAutoField": "int8",
    "IntegerField": "int8",
    "BigIntegerField": "int8",
    "SmallIntegerField": "int8",
    "PositiveIntegerField": "int8",
    "PositiveBigIntegerField": "int8",
    "PositiveSmallIntegerField": "int8",
    "CharField": "text",
    "TextField": "text",
    "BooleanField": "bool",
    "DateField": "date",
    "DateTimeField": "timestamptz",
    "UUIDField": "uuid",
}


def _copy_column(field: models.Field, connection: Any) -> tuple[str | None, Callable | None]:
    """The type to give psycopg for the column, and how its converted value is written
    (None: as it is). An array of text or integers goes as its literal, typed text."""
    target = field.target_field if isinstance(field, models.ForeignKey) else field
    if isinstance(target, ArrayField):
        base = target.base_field.get_internal_type()
        if not isinstance(target.base_field, ArrayField) and _COPY_TYPES.get(base) in (
            "text",
            "int8",
        ):
            return "text", _array_literal
        return None, None
    return _COPY_TYPES.get(target.get_internal_type()), None


def _array_literal(value: Any) -> Any:
    """A one-dimensional list of str or int as PostgreSQL's array literal; anything else
    (None, a value psycopg must dump itself) as it is."""
    if type(value) is not list:
        return value
    parts = []
    for element in value:
        if element is None:
            parts.append("NULL")
        elif isinstance(element, str):  # a code list's member too (TextChoices are str)
            text = str.__str__(element)  # its characters, whatever its own __str__ says
            parts.append('"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"')
        elif isinstance(element, int) and not isinstance(element, bool):
            parts.append(int.__repr__(element))
        else:
            raise TypeError(f"cannot write {type(element).__name__} in an array literal")
    return "{" + ",".join(parts) + "}"


def _copy(
    model: type[models.Model],
    fields: list[models.Field],
    columns: list[Sequence[Any]],
    connection: Any,
) -> None:
    """COPY the rows into the table: `columns` holds each field's converted values, in
    the order of `fields`, one per row."""
    # A concrete field is one with a column: `column` is never None here.
    names = ", ".join(connection.ops.quote_name(cast("str", f.column)) for f in fields)
    table = connection.ops.quote_name(model._meta.db_table)
    kinds = [_copy_column(f, connection) for f in fields]
    types = [t for t, _ in kinds]
    columns = [
        column if written is None else _written(written, column)
        for column, (_, written) in zip(columns, kinds, strict=True)
    ]
    with (
        connection.cursor() as cursor,
        cursor.cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy,
    ):
        if None not in types:
            copy.set_types(cast("list[str | int]", types))
        write = copy.write_row
        for row in zip(*columns, strict=True):
            write(row)


def _written(write: Callable[[Any], Any], column: Sequence[Any]) -> list[Any]:
    """The column's values as written; equal lists (an import's few code lists, over and
    over) are written once each."""
    done: dict[tuple[Any, ...], Any] = {}
    out = []
    for value in column:
        if type(value) is list:
            key = tuple(value)
            if (literal := done.get(key)) is None:
                literal = done[key] = write(value)
            out.append(literal)
        else:
            out.append(write(value))
    return out
