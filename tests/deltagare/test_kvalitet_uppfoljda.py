"""The data-quality counts read the follow-ups from `Deltagande.uppfoljda`, which PostgreSQL
keeps from the Uppfoljning rows (migration 0011). Whichever way follow-ups are written —
the handläggare's form, a bulk insert, COPY as the import makes, an update, a delete, a stale
deltagande saved afterwards — the counts equal a recount made here, row by row, from the
Uppfoljning table and the follow-up windows (`Deltagande.uppfoljningsfonster`)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from deltagare import kvalitet
from deltagare.choices import Uppfoljningspunkt
from deltagare.models import Deltagande, Uppfoljning
from finsam.lib.bulk import copy_insert

from .handlaggare_data import assigned_insats, end, make_nummer, person_deltagande

pytestmark = pytest.mark.django_db

DAYS = [dt.date(2015, 10, 1), dt.date(2016, 1, 20), dt.date(2016, 6, 30), dt.date(2019, 1, 1)]


def recount(today: dt.date) -> dict[str, int]:
    """Due and overdue follow-ups, one per missing mätpunkt, from the Uppfoljning rows."""
    recorded = set(Uppfoljning.objects.values_list("deltagande_id", "matpunkt"))
    due = overdue = 0
    for d in Deltagande.objects.filter(registreringsform="person", slutdatum__isnull=False):
        for m in Uppfoljningspunkt.values:
            window = d.uppfoljningsfonster(m)
            if (d.pk, m) not in recorded and window.is_due(today):
                due += 1
                overdue += window.is_overdue(today)
    return {"uppfoljningar": due, "forsenade_uppfoljningar": overdue}


def assert_counts_match() -> None:
    for today in DAYS:
        found = kvalitet.counts(Deltagande.objects.all(), today)
        assert {k: found[k] for k in ("uppfoljningar", "forsenade_uppfoljningar")} == recount(
            today
        ), today
        flags = kvalitet.with_problems(Deltagande.objects.all(), today)
        recorded = set(Uppfoljning.objects.values_list("deltagande_id", "matpunkt"))
        for d in flags:
            for m in Uppfoljningspunkt.values:
                assert getattr(d, f"uppfoljning_{m}") == ((d.pk, m) in recorded)


def follow_up(deltagande: Deltagande, matpunkt: int) -> Uppfoljning:
    return Uppfoljning(
        deltagande=deltagande,
        matpunkt=matpunkt,
        datum=deltagande.uppfoljningsfonster(matpunkt).forsta,
        sysselsattning=["arbete"],
        forsorjning=["ingen_offentlig"],
    )


@pytest.fixture
def ended(forbund_a, handlaggare_a):
    insats = assigned_insats(forbund_a, handlaggare_a)
    return [
        end(
            person_deltagande(insats, handlaggare_a, nummer=make_nummer(i)),
            slutdatum=dt.date(2015, 3, 1) + dt.timedelta(days=40 * i),
        )
        for i in range(6)
    ]


def test_counts_follow_every_way_of_writing_follow_ups(ended):
    assert_counts_match()
    Uppfoljning.objects.create(**{f: getattr(follow_up(ended[0], 90), f) for f in (
        "deltagande", "matpunkt", "datum", "sysselsattning", "forsorjning"
    )})  # fmt: skip
    assert_counts_match()
    # As the import writes them: many rows in one statement.
    Uppfoljning.objects.bulk_create(
        [follow_up(d, m) for d in ended[1:4] for m in (90, 180)] + [follow_up(ended[5], 365)]
    )
    assert Deltagande.objects.get(pk=ended[1].pk).uppfoljda == [90, 180]
    assert_counts_match()
    # With COPY, as the deltagande import and generate_data write them.
    copy_insert(Uppfoljning, [follow_up(ended[0], 180), follow_up(ended[4], 365)])
    assert Deltagande.objects.get(pk=ended[0].pk).uppfoljda == [90, 180]
    assert_counts_match()
    # A correction that moves a follow-up to another mätpunkt, and one to another deltagande.
    Uppfoljning.objects.filter(deltagande=ended[2], matpunkt=180).update(matpunkt=365)
    Uppfoljning.objects.filter(deltagande=ended[3], matpunkt=90).update(deltagande=ended[4])
    assert Deltagande.objects.get(pk=ended[3].pk).uppfoljda == [180]
    assert Deltagande.objects.get(pk=ended[4].pk).uppfoljda == [90, 365]
    assert_counts_match()
    # Deleted one at a time and in bulk.
    Uppfoljning.objects.get(deltagande=ended[0], matpunkt=90).delete()
    Uppfoljning.objects.filter(deltagande__in=ended[1:3]).delete()
    assert_counts_match()
    assert Deltagande.objects.get(pk=ended[1].pk).uppfoljda == []


def test_a_stale_deltagande_saved_after_a_follow_up_keeps_it(ended):
    stale = Deltagande.objects.get(pk=ended[0].pk)  # read before the follow-up is made
    follow_up(ended[0], 90).save()
    stale.avslutsorsak = "arbete"
    stale.save()  # writes the whole row, its `uppfoljda` as read: []
    assert Deltagande.objects.get(pk=stale.pk).uppfoljda == [90]
    Deltagande.objects.filter(pk=stale.pk).update(uppfoljda=[180, 365])
    assert Deltagande.objects.get(pk=stale.pk).uppfoljda == [90]
    assert_counts_match()


def test_the_form_lowers_the_start_page_count(client_handlaggare_a, ended):
    """The handläggare's path: recording a follow-up takes it off the work list's count."""
    d = Deltagande.objects.get(pk=ended[5].pk)  # ended in 2015: every mätpunkt overdue today
    start = client_handlaggare_a.get(reverse("start")).content.decode()
    before = kvalitet.counts(Deltagande.objects.all(), dt.date.today())["uppfoljningar"]
    assert f"Uppföljningar att göra ({before}, varav {before} försenade)" in start
    url = reverse(
        "deltagare:uppfoljning",
        args=[d.insats.forbund.organisationsnummer, d.insats.kod, d.public_id, 90],
    )
    window = d.uppfoljningsfonster(90)
    response = client_handlaggare_a.post(
        url,
        {
            "datum": window.forsta.isoformat(),
            "sysselsattning": ["arbete"],
            "forsorjning": ["a_kassa"],
        },
    )
    assert response.status_code == 302
    start = client_handlaggare_a.get(reverse("start")).content.decode()
    after = before - 1
    assert f"Uppföljningar att göra ({after}, varav {after} försenade)" in start
    assert_counts_match()
