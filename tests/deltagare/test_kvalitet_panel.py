"""The förbundsadministratör's data-quality panel: each count equals the length of the
list its link opens, and the follow-ups it counts are the work list's."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from deltagare import kvalitet
from deltagare.models import Deltagande
from deltagare.templatetags.deltagare_forbund import kvalitet_forbund

from .handlaggare_data import NUMMER_2, NUMMER_3, assigned_insats, end, person_deltagande

pytestmark = pytest.mark.django_db


@pytest.fixture
def insats(forbund_a, handlaggare_a):
    insats = assigned_insats(forbund_a, handlaggare_a)
    today = timezone.localdate()
    # 90-day follow-up due 10 days ago, not yet overdue (the work list lists it).
    end(person_deltagande(insats, handlaggare_a), slutdatum=today - dt.timedelta(days=100))
    # Every follow-up overdue, and the start profile incomplete.
    old = end(person_deltagande(insats, handlaggare_a, nummer=NUMMER_2))
    # Open with an incomplete start profile only.
    fresh = person_deltagande(insats, handlaggare_a, nummer=NUMMER_3)
    Deltagande.objects.filter(pk__in=[old.pk, fresh.pk]).update(utbildningsniva="")
    return insats


def test_every_count_is_the_length_of_the_list_it_links_to(client_admin_a, admin_a, insats):
    (panel,) = kvalitet_forbund(admin_a)
    (row,) = panel["rader"]
    counts = {problem.kod: antal for problem, antal in row["problem"]}
    assert counts == {
        "oppna_efter_slut": 0,
        "utan_utfall": 0,
        "uppfoljning_att_gora": 2,
        "uppfoljning_forsenad": 1,
        "startprofil_saknas": 2,
    }
    start = client_admin_a.get("/").content.decode()
    base = reverse("deltagare_forbund:list", args=[insats.forbund.organisationsnummer])
    for kod, antal in counts.items():
        if not antal:
            continue
        link = f"{base}?insats={insats.kod}&amp;status={kod}"
        assert re.search(re.escape(f'href="{link}">{antal}<'), start), kod
        listed = client_admin_a.get(link.replace("&amp;", "&")).context["page_obj"]
        assert listed.paginator.count == antal, kod


def test_follow_ups_to_do_are_the_work_lists(admin_a, handlaggare_a, insats):
    (panel,) = kvalitet_forbund(admin_a)
    counts = {problem.kod: antal for problem, antal in panel["rader"][0]["problem"]}
    lista = kvalitet.arbetslista(
        Deltagande.objects.insatser_for_user(handlaggare_a, personal=True),
        today=timezone.localdate(),
    )
    deltaganden = {u.deltagande for u in lista.uppfoljningar}
    assert counts["uppfoljning_att_gora"] == len(deltaganden) == 2
    overdue = {u.deltagande for u in lista.uppfoljningar if u.forsenad}
    assert counts["uppfoljning_forsenad"] == len(overdue) == 1


def test_the_panel_counts_only_the_users_own_forbund(admin_a, admin_b, handlaggare_a, insats):
    """The other förbund's administrator sees a panel of their own förbund, without the
    insats of förbund A; a handläggare (no administrator) sees no panel."""
    (panel,) = kvalitet_forbund(admin_b)
    assert panel["forbund"] != insats.forbund
    assert panel["rader"] == []
    assert kvalitet_forbund(handlaggare_a) == []
    (own,) = kvalitet_forbund(admin_a)
    assert [row["insats__kod"] for row in own["rader"]] == [insats.kod]
