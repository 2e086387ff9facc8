"""Closing an insats early: a confirmation page, then a POST with the last day."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

pytestmark = pytest.mark.django_db


def close_url(insats):
    return reverse("insatser:close", args=[insats.forbund.organisationsnummer, insats.kod])


def test_get_asks_for_confirmation(client_admin_a, insats_a):
    response = client_admin_a.get(close_url(insats_a))
    assert response.status_code == 200
    assert "Vill du avsluta insatsen i förtid?" in response.text
    insats_a.refresh_from_db()
    assert insats_a.avslutad_datum is None


def test_post_closes_the_insats(client_admin_a, insats_a):
    response = client_admin_a.post(close_url(insats_a), {"datum": "2016-03-31"})
    assert response.status_code == 302
    assert response["Location"] == insats_a.get_absolute_url()
    insats_a.refresh_from_db()
    assert insats_a.avslutad_datum == dt.date(2016, 3, 31)
    assert insats_a.status == "avslutad"
    page = client_admin_a.get(insats_a.get_absolute_url())
    assert "är avslutad från 2016-03-31" in page.text
    assert close_url(insats_a) not in page.text


@pytest.mark.parametrize(
    ("datum", "message"),
    [
        ("2014-12-31", "Insatsen startar 2015-01-01; den kan inte avslutas före det."),
        ("", "Detta fält måste fyllas i."),
        ("31/12", "Fyll i ett giltigt datum."),
    ],
)
def test_invalid_date_is_explained(client_admin_a, insats_a, datum, message):
    response = client_admin_a.post(close_url(insats_a), {"datum": datum})
    assert response.status_code == 200
    assert message in response.text
    insats_a.refresh_from_db()
    assert insats_a.avslutad_datum is None


def test_future_date_is_refused(client_admin_a, insats_a):
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    response = client_admin_a.post(close_url(insats_a), {"datum": tomorrow.isoformat()})
    assert "kan inte ligga i framtiden" in response.text


def test_closing_twice_is_refused(client_admin_a, insats_a):
    insats_a.avslutad_datum = dt.date(2016, 1, 31)
    insats_a.save()
    response = client_admin_a.post(close_url(insats_a), {"datum": "2016-03-31"})
    assert response.status_code == 200
    insats_a.refresh_from_db()
    assert insats_a.avslutad_datum == dt.date(2016, 1, 31)


def test_assigned_handlaggare_cannot_close(client_handlaggare_a, tilldelad_insats_a):
    response = client_handlaggare_a.post(close_url(tilldelad_insats_a), {"datum": "2016-03-31"})
    assert response.status_code == 404
    tilldelad_insats_a.refresh_from_db()
    assert tilldelad_insats_a.avslutad_datum is None


def test_wrong_method(client_admin_a, insats_a):
    assert client_admin_a.put(close_url(insats_a)).status_code == 405
