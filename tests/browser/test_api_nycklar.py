"""Nationella rådet makes an API key on its own page, copies it, fetches the national report
with it (suppressed, marked preliminary), and revokes it. axe on every page."""

from __future__ import annotations

import datetime as dt
import urllib.request

from playwright.sync_api import expect

from deltagare.services import register_anonymous_deltagande
from forbund.choices import Roll

from ..factories import InsatsFactory, UppdragFactory, UserFactory, full_forbund
from .conftest import PASSWORD, assert_accessible, field, login

AR = 2024


def _fetch(url: str, token: str) -> tuple[int, bytes]:
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"})  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310  # live server
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def test_radet_makes_a_key_fetches_the_national_report_and_revokes_it(page, live_server, tmp_path):
    import json

    forbund = full_forbund(kommuner=["0380"], lan="03", namn="Samordningsförbundet Test")
    insats = InsatsFactory(forbund=forbund, kod="IND-1", startdatum=dt.date(AR, 1, 1))
    for _ in range(3):
        register_anonymous_deltagande(insats=insats, kon="kvinna", startdatum=dt.date(AR, 3, 1))
    radet = UserFactory(username="radet", password=PASSWORD, first_name="Rut", last_name="Råd")
    UppdragFactory(user=radet, roll=Roll.NATIONELLA_RADET, forbund=None)
    login(page, live_server, "radet")

    page.get_by_role("link", name="mitt konto").click()
    expect(page.get_by_role("heading", name="API-nycklar")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("link", name="Hantera API-nycklar").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("API-nycklar")
    expect(page.get_by_text("Du har inga API-nycklar.")).to_be_visible()
    assert_accessible(page)

    # A day that has passed: an error next to the field, nothing made.
    page.get_by_role("button", name="Skapa nyckel").click()
    expect(page.get_by_role("heading", name="Formuläret innehåller fel")).to_be_visible()
    assert_accessible(page)
    field(page, "Vad ska nyckeln användas till?").fill("Rådets kalkylark")
    field(page, "Giltig till och med").fill("2020-01-01")
    page.get_by_role("button", name="Skapa nyckel").click()
    expect(page.get_by_text("Dagen har redan passerat.").first).to_be_visible()
    assert_accessible(page)

    field(page, "Giltig till och med").fill("")
    page.get_by_role("button", name="Skapa nyckel").click()
    expect(page.get_by_role("heading", name="Din nya nyckel")).to_be_visible()
    assert_accessible(page)
    token = page.get_by_label("Nyckel", exact=True).input_value()
    assert token.startswith("finsam_")
    expect(page.get_by_role("cell", name="Rådets kalkylark", exact=True)).to_be_visible()
    page.screenshot(path=tmp_path / "ny.png", full_page=True)

    status, body = _fetch(
        f"{live_server.url}/api/v1/rapporter/{AR}/nationell?undertryck=false", token
    )
    assert status == 200
    report = json.loads(body)
    assert report["undertryckt"] is True and report["status"] == "preliminar"
    rows = {r["kod"]: r for r in report["tabeller"]["T2"]["rader"]}
    assert rows["anonyma_deltaganden"]["totalt"] is None  # 3 is a small count

    page.goto(f"{live_server.url}/konto/api-nycklar/")  # the key is never shown again
    expect(page.get_by_role("heading", name="Din nya nyckel")).to_have_count(0)
    assert token not in page.content()
    page.get_by_role("button", name="Återkalla Rådets kalkylark").click()
    expect(page.get_by_text("Nyckeln ”Rådets kalkylark” är återkallad")).to_be_visible()
    expect(page.get_by_role("cell", name="Återkallad", exact=False)).to_be_visible()
    assert_accessible(page)
    page.screenshot(path=tmp_path / "aterkallad.png", full_page=True)
    status, _ = _fetch(f"{live_server.url}/api/v1/rapporter/{AR}/nationell", token)
    assert status == 401
