"""Bulk inserts with PostgreSQL COPY, for imports and generated data.

`bulk_create` builds one INSERT per batch with every value as a parameter; for tens of
thousands of rows that is most of an import's time. COPY streams the same rows in one
statement. Values go through each field's own conversion (`pre_save`,
`get_db_prep_save`), so what lands is what `save()` would have written; `auto_now_add`
and defaults are honoured. Primary keys are taken from the table's sequence before the
COPY (no query may run while a COPY is in progress), so the instances can be referred to
by other rows at once — and concurrent inserts elsewhere never collide with them.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable, Iterable
from operator import attrgetter
from typing import Any, cast

from django.db import DEFAULT_DB_ALIAS, connections, models

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
    pk = model._meta.pk
    if isinstance(pk, models.AutoField | models.BigAutoField | models.SmallAutoField):
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
    # A concrete field is one with a column: `column` is never None here.
    columns = ", ".join(connection.ops.quote_name(cast("str", f.column)) for f in fields)
    table = connection.ops.quote_name(model._meta.db_table)
    values = [_column_value(f, connection) for f in fields]
    with (
        connection.cursor() as cursor,
        cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy,
    ):
        for obj in objs:
            copy.write_row([value(obj) for value in values])
    for obj in objs:
        obj._state.adding = False
        obj._state.db = connection.alias
    return len(objs)


def _column_value(field: models.Field, connection: Any) -> Callable[[models.Model], Any]:
    """What the field writes for an instance: `get_db_prep_save(pre_save(obj, add=True))`,
    as save() does, with the steps that change nothing for this field skipped (plain
    attribute read for the base `pre_save`; no conversion for None or a value of a type
    `_UNCHANGED` lists for the field, or for a foreign key's target)."""
    convert = field.get_db_prep_save
    plain_read = type(field).pre_save is models.Field.pre_save or (
        type(field) is models.DateField and not (field.auto_now or field.auto_now_add)
    )
    if not plain_read:

        def written(obj: models.Model) -> Any:
            return convert(field.pre_save(obj, add=True), connection)

        return written
    read = attrgetter(field.attname)
    target = field.target_field if isinstance(field, models.ForeignKey) else field
    kinds = _UNCHANGED.get(type(target))
    if kinds is None:
        return lambda obj: convert(read(obj), connection)

    def value(obj: models.Model) -> Any:
        v = read(obj)
        return v if v is None or type(v) in kinds else convert(v, connection)

    return value
