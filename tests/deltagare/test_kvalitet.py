"""The data-quality rules shared by the handläggare's and the förbundsadministratör's start
pages (deltagare.kvalitet), on a small hand-checked data set."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from deltagare import kvalitet
from deltagare.models import Deltagande, Uppfoljning
from insatser.models import Insats

from .handlaggare_data import NUMMER_2, NUMMER_3, anonym, assigned_insats, end, person_deltagande

pytestmark = pytest.mark.django_db

TODAY = dt.date(2016, 6, 30)


def _alla_insatser() -> list[int]:
    return list(Insats.objects.values_list("pk", flat=True))


@pytest.fixture
def data(forbund_a, handlaggare_a):
    insats = assigned_insats(forbund_a, handlaggare_a)
    ended_insats = assigned_insats(
        forbund_a, handlaggare_a, kod="IND-2", slutdatum=dt.date(2015, 12, 31)
    )
    # Ended 2015-09-30 with outcome: 90 (2015-12-29) and 180 (2016-03-28) are overdue,
    # 365 (2016-09-29) is not yet due. The 90-day follow-up is recorded.
    complete = end(person_deltagande(insats, handlaggare_a))
    Uppfoljning.objects.create(
        deltagande=complete,
        matpunkt=90,
        datum=dt.date(2016, 1, 5),
        sysselsattning=["arbete"],
        forsorjning=["ingen_offentlig"],
    )
    # Ended 2016-05-15 without sysselsättning at end: no follow-up due yet; outcome missing.
    no_outcome = end(
        person_deltagande(insats, handlaggare_a, nummer=NUMMER_2),
        slutdatum=dt.date(2016, 5, 15),
        sysselsattning_efter=[],
    )
    # Open in an insats that ended 2015-12-31, with an incomplete start profile.
    open_past_end = person_deltagande(ended_insats, handlaggare_a)
    Deltagande.objects.filter(pk=open_past_end.pk).update(utbildningsniva="")
    # Anonymous, ended without avslutsorsak: outcome missing, never followed up.
    anonymous = anonym(insats, slutdatum=dt.date(2015, 4, 1))
    # Ended 2016-03-01 in full: 90 days due on 2016-05-30, overdue only from 2016-06-29.
    due = end(
        person_deltagande(insats, handlaggare_a, nummer=NUMMER_3),
        slutdatum=dt.date(2016, 3, 1),
    )
    return {
        "complete": complete,
        "no_outcome": no_outcome,
        "open_past_end": open_past_end,
        "anonymous": anonymous,
        "due": due,
        "insats": insats,
        "ended_insats": ended_insats,
    }


def test_counts_by_kind(data):
    found = kvalitet.counts(Deltagande.objects.all(), TODAY)
    assert found["oppna_efter_slut"] == 1
    assert found["utan_utfall"] == 2  # no_outcome, anonymous
    assert found["ofullstandig_startprofil"] == 1
    # complete: 180; due: 90 (due since 2016-05-30, overdue since 2016-06-29).
    assert found["uppfoljningar"] == 2
    assert found["forsenade_uppfoljningar"] == 2
    assert found["ofullstandiga"] == 5


def test_ofullstandig_filter_names_the_rows(data):
    rows = set(Deltagande.objects.filter(kvalitet.ofullstandig_q(TODAY)))
    assert rows == {
        data["complete"],  # 180-day follow-up overdue
        data["no_outcome"],
        data["open_past_end"],
        data["anonymous"],
        data["due"],  # 90-day follow-up overdue since 2016-06-29
    }
    # As on the work list, a follow-up counts from its day (2016-05-30 for `due`).
    on_the_day = set(Deltagande.objects.filter(kvalitet.ofullstandig_q(dt.date(2016, 5, 30))))
    assert data["due"] in on_the_day
    the_day_before = Deltagande.objects.filter(kvalitet.ofullstandig_q(dt.date(2016, 5, 29)))
    assert data["due"] not in set(the_day_before)


@pytest.mark.parametrize(
    ("today", "forsenad"), [(dt.date(2016, 6, 28), False), (dt.date(2016, 6, 29), True)]
)
def test_overdue_on_the_same_day_in_sql_and_on_the_deltagande(data, today, forsenad):
    """`due` ended 2016-03-01: its 90-day follow-up is due 2016-05-30, overdue from 06-29."""
    fonster = data["due"].uppfoljningsfonster(90)
    assert (fonster.forsta, fonster.forsenad_fran) == (dt.date(2016, 5, 30), dt.date(2016, 6, 29))
    assert fonster.is_overdue(today) is forsenad
    in_sql = Deltagande.objects.filter(kvalitet.uppfoljning_due_q(90, today, forsenad=True))
    assert (data["due"] in set(in_sql)) is forsenad
    (item,) = [
        u
        for u in kvalitet.arbetslista(_alla_insatser(), today=today).uppfoljningar
        if u.deltagande == data["due"]
    ]
    assert item.forsenad is forsenad


def test_with_problems_labels(data):
    rows = {d.pk: d for d in kvalitet.with_problems(Deltagande.objects.all(), TODAY)}
    assert kvalitet.problems(rows[data["complete"].pk]) == [
        "Uppföljning 6 månader efter avslut är försenad"
    ]
    assert kvalitet.problems(rows[data["open_past_end"].pk]) == [
        "Pågår efter insatsens slut",
        "Startprofilen är ofullständig",
    ]
    assert kvalitet.problems(rows[data["anonymous"].pk]) == ["Utfall vid avslut saknas"]
    on_june_1 = kvalitet.with_problems(
        Deltagande.objects.filter(pk=data["due"].pk), dt.date(2016, 6, 1)
    )
    assert kvalitet.problems(on_june_1.get()) == ["Uppföljning 3 månader efter avslut ska göras"]


def test_work_list_items_and_shares(data, django_assert_max_num_queries):
    insatser = _alla_insatser()
    with django_assert_max_num_queries(6):
        lista = kvalitet.arbetslista(insatser, today=TODAY)
    assert lista.att_gora == 2 + 1 + 2 + 1
    assert [(u.deltagande, u.matpunkt, u.dag) for u in lista.uppfoljningar] == [
        (data["complete"], 180, dt.date(2016, 3, 28)),
        (data["due"], 90, dt.date(2016, 5, 30)),
    ]
    assert all(u.forsenad for u in lista.uppfoljningar)
    assert lista.oppna_efter_slut == [data["open_past_end"]]
    assert set(lista.utan_utfall) == {data["no_outcome"], data["anonymous"]}
    assert lista.ofullstandig_startprofil == [data["open_past_end"]]
    # Active in 2016: IND-1 has complete? no (ended 2015); no_outcome and due: 2 of 2.
    # IND-2: open_past_end, 1 of 1. The anonymous one ended 2015.
    shares = {a.kod: (a.med_personuppgifter, a.antal) for a in lista.andelar}
    assert shares == {"IND-1": (2, 2), "IND-2": (1, 1)}


def test_share_counts_anonymous_rows(data):
    shares = {a.kod: a for a in kvalitet.andel_personuppgifter(Deltagande.objects.all(), 2015)}
    # 2015: complete, anonymous (IND-1); open_past_end (IND-2). `due` and `no_outcome`
    # started 2015-03-01 too and were active in 2015.
    assert (shares["IND-1"].med_personuppgifter, shares["IND-1"].antal) == (3, 4)
    assert shares["IND-1"].procent == 75


def test_scoped_queryset_limits_everything(data, forbund_b):
    other = assigned_insats(forbund_b, kod="B-IND")
    anonym(other, slutdatum=dt.date(2015, 4, 1))
    mine = Deltagande.objects.filter(insats__forbund=data["insats"].forbund)
    assert kvalitet.counts(mine, TODAY)["utan_utfall"] == 2
    assert kvalitet.counts(Deltagande.objects.all(), TODAY)["utan_utfall"] == 3


def test_the_start_pages_counts_read_only_columns_the_index_carries():
    """The start pages' counts (the förbund panel's and the work list's) count an insats's
    deltaganden from the index `deltagande_insats_ordning` alone (an index-only scan) only
    while it carries every column of the table their conditions read."""
    index = next(i for i in Deltagande._meta.indexes if i.name == "deltagande_insats_ordning")
    fields = [f.lstrip("-") for f in index.fields] + list(index.include)
    carried = {Deltagande._meta.get_field(f).column for f in fields}
    for statement in (kvalitet._per_insats(TODAY), kvalitet._statements(TODAY, 10)["antal"]):
        read = set(re.findall(r'"deltagare_deltagande"\."(\w+)"', statement.sql))
        assert "uppfoljda" in read  # (the pattern finds the columns)
        assert read <= carried, read - carried
