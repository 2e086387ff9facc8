"""A statement compiled once returns, for each set of values, what the queryset would."""

from __future__ import annotations

import pytest
from django.db.models import Count, F

from finsam.lib import prepared
from insatser.models import Insats
from tests.factories import InsatsFactory

pytestmark = pytest.mark.django_db

INSATSER = prepared.Parameter("insatser")


def _kods(ids: list[int]) -> list[str]:
    return list(Insats.objects.filter(pk__in=ids).order_by("kod").values_list("kod", flat=True))


def test_one_statement_answers_each_set_of_values_as_its_queryset(forbund_a):
    a, b, c = (InsatsFactory(forbund=forbund_a, kod=kod) for kod in ("A", "B", "C"))
    statement = prepared.prepare(
        Insats.objects.filter(prepared.AnyOf(F("pk"), INSATSER)).order_by("kod").values("pk", "kod")
    )
    for ids in ([a.pk], [a.pk, c.pk], [a.pk, b.pk, c.pk], []):
        rows = statement.dicts({"insatser": ids})
        assert [row["kod"] for row in rows] == _kods(ids)
        assert [row["pk"] for row in rows] == sorted(ids, key=lambda pk: _kods([pk]))


def test_columns_follow_fields_then_annotations(forbund_a):
    InsatsFactory(forbund=forbund_a, kod="A")
    statement = prepared.prepare(
        Insats.objects.filter(prepared.AnyOf(F("forbund_id"), INSATSER))
        .order_by()
        .values("forbund_id")
        .annotate(antal=Count("pk"))
    )
    assert statement.columns == ("forbund_id", "antal")
    assert statement.dicts({"insatser": [forbund_a.pk]}) == [
        {"forbund_id": forbund_a.pk, "antal": 1}
    ]


def test_a_plain_list_compares_as_any_of(forbund_a):
    a = InsatsFactory(forbund=forbund_a, kod="A")
    InsatsFactory(forbund=forbund_a, kod="B")
    assert list(Insats.objects.filter(prepared.AnyOf(F("pk"), [a.pk]))) == [a]


def test_a_missing_value_runs_nothing():
    statement = prepared.prepare(
        Insats.objects.filter(prepared.AnyOf(F("pk"), INSATSER)).values("pk")
    )
    with pytest.raises(KeyError):
        statement.run({})


def test_only_values_querysets_are_prepared():
    """Model rows would need Django's conversion into instances, which run() skips."""
    with pytest.raises(ValueError, match="values"):
        prepared.prepare(Insats.objects.all())
