"""The förbundsadministratör assigns and unassigns handläggare on an insats."""

from __future__ import annotations

import pytest
from django.urls import reverse

from forbund.choices import Roll

from ..factories import UppdragFactory

pytestmark = pytest.mark.django_db


def url(insats):
    return reverse("insatser:handlaggare", args=[insats.forbund.organisationsnummer, insats.kod])


def test_lists_the_forbunds_handlaggare_only(client_admin_a, insats_a, handlaggare_a, forbund_b):
    UppdragFactory(roll=Roll.HANDLAGGARE, forbund=forbund_b, user__username="coach_b")
    response = client_admin_a.get(url(insats_a))
    assert response.status_code == 200
    assert "coach_a" in response.text
    assert "coach_b" not in response.text
    assert "chef_a" not in response.text


def test_assigning_gives_the_handlaggare_the_insats(
    client_admin_a, client_handlaggare_a, insats_a, handlaggare_a
):
    assert client_handlaggare_a.get(insats_a.get_absolute_url()).status_code == 404
    uppdrag = handlaggare_a.uppdrag.get()
    response = client_admin_a.post(url(insats_a), {"uppdrag": [uppdrag.pk]})
    assert response.status_code == 302
    assert list(insats_a.handlaggare.all()) == [uppdrag]
    assert client_handlaggare_a.get(insats_a.get_absolute_url()).status_code == 200


def test_unassigning_takes_the_insats_away(
    client_admin_a, client_handlaggare_a, tilldelad_insats_a
):
    response = client_admin_a.post(url(tilldelad_insats_a), {})
    assert response.status_code == 302
    assert not tilldelad_insats_a.handlaggare.exists()
    assert client_handlaggare_a.get(tilldelad_insats_a.get_absolute_url()).status_code == 404


def test_current_handlaggare_are_checked(client_admin_a, tilldelad_insats_a, handlaggare_a):
    response = client_admin_a.get(url(tilldelad_insats_a))
    uppdrag = handlaggare_a.uppdrag.get()
    assert f'value="{uppdrag.pk}" id="id_uppdrag_0" checked' in response.text


def test_handlaggare_of_another_forbund_cannot_be_assigned(client_admin_a, insats_a, forbund_b):
    outsider = UppdragFactory(roll=Roll.HANDLAGGARE, forbund=forbund_b)
    response = client_admin_a.post(url(insats_a), {"uppdrag": [outsider.pk]})
    assert response.status_code == 200
    assert "Välj ett av alternativen i listan" in response.text
    assert not insats_a.handlaggare.exists()


def test_assigned_handlaggare_cannot_assign(client_handlaggare_a, tilldelad_insats_a):
    assert client_handlaggare_a.get(url(tilldelad_insats_a)).status_code == 404
    assert client_handlaggare_a.post(url(tilldelad_insats_a), {}).status_code == 404
    assert tilldelad_insats_a.handlaggare.exists()


def test_wrong_method(client_admin_a, insats_a):
    assert client_admin_a.delete(url(insats_a)).status_code == 405
