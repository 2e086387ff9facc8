"""The user's page "API-nycklar" (forbund/views_konto.py): make a key (shown once), see and
revoke one's own keys."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from forbund.account_services import create_api_nyckel
from forbund.models import ApiNyckel

pytestmark = pytest.mark.django_db

PAGE = reverse("konto:api_nycklar")
KEY_RE = re.compile(r'id="ny-nyckel" type="text" readonly value="(finsam_[^"]+)"')


def _aterkalla(nyckel: ApiNyckel) -> str:
    return reverse("konto:api_nyckel_aterkalla", args=[nyckel.pk])


def _api(token: str):
    return Client().get("/api/v1/forbund", headers={"Authorization": f"Bearer {token}"})


def test_the_page_explains_the_keys_in_swedish(client_admin_a):
    response = client_admin_a.get(PAGE)
    assert response.status_code == 200
    text = response.text
    assert "<h1>API-nycklar</h1>" in text
    assert "aldrig några personuppgifter" in text
    assert "Du har inga API-nycklar." in text
    assert 'href="/api/v1/openapi.json"' in text
    assert "Skapa nyckel" in text


def test_mitt_konto_leads_to_the_keys(client_admin_a):
    text = client_admin_a.get(reverse("konto:mitt_konto")).text
    assert f'href="{PAGE}"' in text and "0 giltiga nycklar" in text


def test_a_new_key_is_shown_once_and_works(client_admin_a, admin_a):
    response = client_admin_a.post(PAGE, {"namn": "Ekonomisystemet", "giltig_till": ""})
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    assert "visas bara den här gången" in response.text
    token = KEY_RE.search(response.text).group(1)
    nyckel = ApiNyckel.objects.get()
    assert (nyckel.user, nyckel.namn, nyckel.giltig_till) == (admin_a, "Ekonomisystemet", None)
    assert token not in nyckel.nyckel_hash and nyckel.prefix in token
    assert _api(token).status_code == 200
    again = client_admin_a.get(PAGE).text
    assert token not in again
    assert "Ekonomisystemet" in again and f"{nyckel.prefix}…" in again and "Tills vidare" in again


def test_a_key_with_a_last_day(client_admin_a):
    day = timezone.localdate() + dt.timedelta(days=30)
    client_admin_a.post(PAGE, {"namn": "Kalkylark", "giltig_till": day.isoformat()})
    assert ApiNyckel.objects.get().giltig_till == day
    assert day.isoformat() in client_admin_a.get(PAGE).text


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"namn": "", "giltig_till": ""}, "Detta fält måste fyllas i."),
        ({"namn": "   ", "giltig_till": ""}, "Detta fält måste fyllas i."),
        ({"namn": "Gammal", "giltig_till": "2020-01-01"}, "Dagen har redan passerat."),
        ({"namn": "Fel datum", "giltig_till": "2025-13-45"}, "Fyll i ett giltigt datum."),
    ],
)
def test_errors_are_shown_and_nothing_is_saved(client_admin_a, data, message):
    response = client_admin_a.post(PAGE, data)
    assert response.status_code == 200
    assert "Formuläret innehåller fel" in response.text and message in response.text
    assert not KEY_RE.search(response.text)
    assert not ApiNyckel.objects.exists()


def test_revoking_the_own_key(client_admin_a, admin_a):
    token = create_api_nyckel(user=admin_a, namn="Gammalt skript", giltig_till=None)
    nyckel = ApiNyckel.objects.get()
    response = client_admin_a.post(_aterkalla(nyckel))
    assert response.status_code == 302 and response["Location"] == PAGE
    nyckel.refresh_from_db()
    assert nyckel.aterkallad is not None
    assert _api(token).status_code == 401
    page = client_admin_a.get(PAGE).text
    assert "Nyckeln ”Gammalt skript” är återkallad" in page and "Återkallad" in page
    assert client_admin_a.post(_aterkalla(nyckel)).status_code == 302  # again: no change


def test_someone_elses_key_is_404(client_admin_b, admin_a):
    create_api_nyckel(user=admin_a, namn="A:s nyckel", giltig_till=None)
    nyckel = ApiNyckel.objects.get()
    assert client_admin_b.post(_aterkalla(nyckel)).status_code == 404
    assert "A:s nyckel" not in client_admin_b.get(PAGE).text
    nyckel.refresh_from_db()
    assert nyckel.aterkallad is None


def test_wrong_methods(client_admin_a, admin_a):
    create_api_nyckel(user=admin_a, namn="Nyckel", giltig_till=None)
    assert client_admin_a.get(_aterkalla(ApiNyckel.objects.get())).status_code == 405
    assert client_admin_a.put(PAGE).status_code == 405


def test_a_role_without_reports_gets_no_key(client_handlaggare_a):
    page = client_handlaggare_a.get(PAGE)
    assert page.status_code == 200
    assert "Ditt konto har ingen roll som API:et ger uppgifter till" in page.text
    assert "Skapa nyckel" not in page.text
    assert client_handlaggare_a.post(PAGE, {"namn": "X"}).status_code == 404
    assert not ApiNyckel.objects.exists()
    assert "API-nycklar" not in client_handlaggare_a.get(reverse("konto:mitt_konto")).text


def test_anonymous_visitors_are_sent_to_login(client):
    response = client.get(PAGE)
    assert response.status_code == 302 and response["Location"].startswith("/konto/logga-in/")
