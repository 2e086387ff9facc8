"""A förbundsadministratör creates an insats, enters its budget and finds it in the filtered list."""

from __future__ import annotations

import datetime as dt

from playwright.sync_api import expect

from forbund.choices import Roll
from insatser.models import Ekonomirad, Insats

from ..factories import InsatsFactory, UppdragFactory, UserFactory, full_forbund
from .conftest import PASSWORD, assert_accessible, field, login


def test_create_insats_enter_budget_and_find_it(page, live_server):
    forbund = full_forbund(kommuner=["0380"], lan="03", namn="Samordningsförbundet Test")
    user = UserFactory(username="chef", password=PASSWORD)
    UppdragFactory(user=user, roll=Roll.FORBUNDSADMINISTRATOR, forbund=forbund)
    ar = dt.date.today().year
    InsatsFactory(forbund=forbund, kod="ANNAN-1", namn="Annan insats", startdatum=dt.date(ar, 1, 1))
    login(page, live_server, "chef")

    page.goto(f"{live_server.url}/forbund/{forbund.organisationsnummer}/insatser/")
    assert_accessible(page)
    page.get_by_role("link", name="Ny insats").click()
    assert_accessible(page)
    field(page, "Kod").fill("WEBB-1")
    field(page, "Namn").fill("Webbtestinsats")
    field(page, "Nivå").select_option("individ")
    # The typ options follow the nivå (htmx swaps the field).
    typ = field(page, "Typ")
    expect(typ.locator("option[value=rehabilitering]")).to_have_count(1)
    expect(typ.locator("option[value=dialog]")).to_have_count(0)
    typ.select_option("rehabilitering")
    field(page, "Deltagarregistrering").select_option("individuell")
    field(page, "Startdatum").fill(f"{ar}-01-15")
    page.get_by_role("button", name="Spara").click()

    expect(page.get_by_role("heading", level=1)).to_contain_text("Webbtestinsats")
    assert_accessible(page)
    insats = Insats.objects.get(forbund=forbund, kod="WEBB-1")
    assert (insats.niva, insats.typ, insats.deltagarregistrering) == (
        "individ",
        "rehabilitering",
        "individuell",
    )

    page.goto(f"{live_server.url}/forbund/{forbund.organisationsnummer}/ekonomi/{ar}/")
    assert_accessible(page)
    page.get_by_role("link", name="Ändra WEBB-1").click()
    assert_accessible(page)
    page.get_by_role("group", name="Insatskostnad", exact=True).get_by_label("Budget (kr)").fill(
        "450000"
    )
    page.get_by_role("button", name="Spara").click()
    row = page.locator("#ekonomi").get_by_role("row").filter(has_text="WEBB-1")
    expect(row).to_contain_text("450 000")
    assert_accessible(page)
    line = Ekonomirad.objects.get(forbund=forbund, ar=ar, insats=insats)
    assert (line.rad, line.budget, line.utfall) == ("insats", 450_000, None)

    page.goto(f"{live_server.url}/forbund/{forbund.organisationsnummer}/insatser/")
    table = page.locator("#insats-tabell")
    expect(table).to_contain_text("Annan insats")
    page.get_by_label("Status").select_option("pagaende")
    page.get_by_label("Sök").press_sequentially("webb")
    expect(table).not_to_contain_text("Annan insats")
    expect(table.get_by_role("link", name="Webbtestinsats")).to_be_visible()
    assert "q=webb" in page.url  # the filter is in the address, so it can be shared
    assert_accessible(page)
