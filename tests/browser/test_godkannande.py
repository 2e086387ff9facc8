"""Year-end approval in the browser: a förbundsadministratör checks the year's data
quality and approves it; Nationella rådet then sees the förbund as approved in the
overview of the year. axe on every page, at desktop width and at 320 px."""

from __future__ import annotations

import datetime as dt

import pytest
from playwright.sync_api import expect

from deltagare.services import register_anonymous_deltagande
from forbund.choices import Roll
from rapporter.models import Rapportversion

from ..factories import InsatsFactory, UppdragFactory, UserFactory, full_forbund
from .conftest import PASSWORD, assert_accessible, field, login

AR = 2024


@pytest.fixture
def world(db):
    forbund = full_forbund(kommuner=["0380"], lan="03", namn="Samordningsförbundet Test")
    full_forbund(kommuner=["1280"], lan="12", namn="Samordningsförbundet Syd")
    insats = InsatsFactory(forbund=forbund, kod="IND-1", startdatum=dt.date(AR, 1, 1))
    for i in range(7):
        register_anonymous_deltagande(
            insats=insats, kon="kvinna" if i % 3 else "man", startdatum=dt.date(AR, 2, 1 + i)
        )
    chef = UserFactory(username="chef", password=PASSWORD, first_name="Cecilia", last_name="Chef")
    UppdragFactory(user=chef, roll=Roll.FORBUNDSADMINISTRATOR, forbund=forbund)
    radet = UserFactory(username="radet", password=PASSWORD)
    UppdragFactory(user=radet, roll=Roll.NATIONELLA_RADET, forbund=None)
    return forbund


def _both_widths(page) -> None:
    assert_accessible(page)
    page.set_viewport_size({"width": 320, "height": 800})
    assert_accessible(page)
    page.set_viewport_size({"width": 1280, "height": 800})


def test_forbundsadministrator_approves_and_radet_sees_it(page, live_server, world, browser):
    login(page, live_server, "chef")
    page.get_by_role("link", name="Godkända år").click()
    expect(page.get_by_role("heading", name="Godkända år", level=1)).to_be_visible()
    _both_widths(page)
    page.get_by_label("År").fill(str(AR))
    page.get_by_role("button", name="Visa").click()
    expect(page.get_by_text("Inte påbörjat")).to_be_visible()
    page.get_by_role("link", name="Samordningsförbundet Test").click()
    expect(page.get_by_role("heading", name=f"Godkänn år {AR}", level=1)).to_be_visible()
    expect(page.get_by_text("Året är inte godkänt.")).to_be_visible()
    expect(page.get_by_role("table", name="T16 Datakvalitet")).to_be_visible()
    _both_widths(page)
    field(page, "Diarienummer").fill("FK 2025/123")
    # Approving writes the PDF, Excel and JSON in the request: allow it time on a busy machine.
    page.get_by_role("button", name=f"Godkänn år {AR}").click(timeout=120_000)
    expect(page.get_by_text(f"År {AR} är godkänt (version 1).")).to_be_visible(timeout=60_000)
    expect(page.get_by_text("Året är godkänt och låst")).to_be_visible()
    version = Rapportversion.objects.get()
    expect(page.get_by_text(version.sha256_pdf)).to_be_visible()
    _both_widths(page)
    with page.expect_download() as download:
        page.get_by_role("link", name="Ladda ner PDF").click()
    assert download.value.suggested_filename.endswith("-godkand-v1.pdf")

    radet = browser.new_context(locale="sv-SE", timezone_id="Europe/Stockholm").new_page()
    radet.set_default_timeout(15_000)
    login(radet, live_server, "radet")
    radet.get_by_role("link", name="Godkända år").click()
    radet.get_by_label("År").fill(str(AR))
    radet.get_by_role("button", name="Visa").click()
    expect(
        radet.get_by_text(f"Rapporteringsgrad 50 %: 1 av 2 aktiva förbund har godkänt {AR}.")
    ).to_be_visible()
    row = radet.get_by_role("row", name="Samordningsförbundet Test")
    expect(row).to_contain_text(f"Godkänt {version.godkand.astimezone().date():%Y-%m-%d}")
    expect(radet.get_by_role("row", name="Samordningsförbundet Syd")).to_contain_text(
        "Inte påbörjat"
    )
    _both_widths(radet)
    radet.get_by_label("Län").select_option(label="Uppsala")
    radet.get_by_role("button", name="Visa").click()
    expect(radet.get_by_text("1 av 1 aktiva förbund")).to_be_visible()
    expect(radet.get_by_text("Samordningsförbundet Syd")).to_have_count(0)
    assert_accessible(radet)


def test_the_overview_form_shows_the_year_it_lists(page, live_server, world):
    """Without a year in the address the page lists last year; its År field says so (the
    filter script once blanked every control the address did not name), also after Back."""
    default = str(dt.date.today().year - 1)
    login(page, live_server, "radet")
    page.get_by_role("link", name="Godkända år").click()
    expect(page.get_by_role("heading", name=default, exact=True)).to_be_visible()
    expect(page.get_by_label("År")).to_have_value(default)
    page.get_by_label("År").fill(str(AR))
    page.get_by_role("button", name="Visa").click()
    expect(page.get_by_role("heading", name=str(AR), exact=True)).to_be_visible()
    page.go_back()
    expect(page.get_by_role("heading", name=default, exact=True)).to_be_visible()
    expect(page.get_by_label("År")).to_have_value(default)
    page.go_forward()
    expect(page.get_by_label("År")).to_have_value(str(AR))
