"""Statements compiled once: a queryset's SQL kept and run again with new values.

Django builds and compiles a queryset's SQL each time it is evaluated. For a statement
with a large condition (the start page's work list: a dozen filtered counts, each a
union of conditions) that costs several times what PostgreSQL takes to run it, and the
cost is the same on every request. `prepare` compiles a queryset once and keeps its text
and parameters; `Statement.run` executes it with the values of its `Parameter`s, which
stand where the values differ between runs (a user's insatser).

A parameter that is a list is compared with `AnyOf` (`column = ANY(%s)`), so that the
statement's text does not depend on the number of values.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.db import connection
from django.db.models import Lookup, QuerySet


@dataclass(frozen=True)
class Parameter:
    """A value given when the statement runs, by name."""

    name: str


class AnyOf(Lookup):
    """`lhs = ANY(rhs)`: membership in an array passed as one parameter (a list, or a
    `Parameter` standing for one). Used as an expression: `.filter(AnyOf(F("x"), ids))`."""

    lookup_name = "any_of"
    prepare_rhs = False

    def get_db_prep_lookup(self, value: Any, connection: Any) -> tuple[str, tuple[Any, ...]]:
        return "%s", (value,)

    def as_sql(self, compiler: Any, connection: Any) -> tuple[str, tuple[Any, ...]]:
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        return f"{lhs} = ANY({rhs})", (*lhs_params, *rhs_params)


@dataclass(frozen=True)
class Statement:
    """A compiled queryset: its SQL, its parameters, and the names of its columns."""

    sql: str
    params: tuple[Any, ...]
    columns: tuple[str, ...]

    def run(self, values: Mapping[str, Any]) -> list[tuple[Any, ...]]:
        """The rows, with each `Parameter` replaced by its value. A missing value raises
        KeyError before anything runs."""
        params = [values[p.name] if isinstance(p, Parameter) else p for p in self.params]
        with connection.cursor() as cursor:
            cursor.execute(self.sql, params)
            return cursor.fetchall()

    def dicts(self, values: Mapping[str, Any]) -> list[dict[str, Any]]:
        return [dict(zip(self.columns, row, strict=True)) for row in self.run(values)]


def prepare(queryset: QuerySet[Any]) -> Statement:
    """Compile a `values()` or `values_list()` queryset once: its rows are plain columns
    (no model instances, no converters), named as the queryset names them."""
    query = queryset.query
    if not (query.values_select or query.annotation_select) or query.default_cols:
        raise ValueError("prepare() takes a values() or values_list() queryset.")
    sql, params = query.sql_with_params()
    columns = (*query.extra_select, *query.values_select, *query.annotation_select)
    return Statement(sql, tuple(params), columns)
