"""Periods of time as query conditions: the one statement of "active in year Y"."""

from __future__ import annotations

import datetime as dt

from django.db.models import Q


def active_in_year_q(
    ar: int,
    *,
    start: str = "startdatum",
    ends: tuple[str, ...] = ("slutdatum",),
    prefix: str = "",
    until: int | None = None,
) -> Q:
    """Rows whose period touches the year: start ≤ 31 December Y and no end (each of `ends`,
    when set) before 1 January Y. An end on 1 January still touches the year. With
    `until`, rows touching any of the years from `ar` to `until`."""
    q = Q(**{f"{prefix}{start}__lte": dt.date(until or ar, 12, 31)})
    for end in ends:
        q &= ~Q(**{f"{prefix}{end}__lt": dt.date(ar, 1, 1)})
    return q


def is_active_in_year(start: dt.date, end: dt.date | None, ar: int) -> bool:
    """`active_in_year_q` for one row: start ≤ 31 December Y and no end before 1 January Y."""
    return start <= dt.date(ar, 12, 31) and (end is None or end >= dt.date(ar, 1, 1))


def years_active(start: dt.date, end: dt.date | None) -> tuple[int, int | None]:
    """The first and last year a period is active in (the rule of `active_in_year_q` for one
    row in memory); a last year of None means every later year as well."""
    return start.year, (end.year if end else None)
