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

from collections.abc import Iterable
from typing import cast

from django.db import DEFAULT_DB_ALIAS, connections, models


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
    with (
        connection.cursor() as cursor,
        cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy,
    ):
        for obj in objs:
            copy.write_row(
                [f.get_db_prep_save(f.pre_save(obj, add=True), connection) for f in fields]
            )
    for obj in objs:
        obj._state.adding = False
        obj._state.db = connection.alias
    return len(objs)
