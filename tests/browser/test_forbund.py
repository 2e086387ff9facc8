"""A förbundsadministratör signs in, opens the förbund and edits a contribution in place."""

from __future__ import annotations

from playwright.sync_api import expect

from forbund.choices import Medlemstyp, Roll
from forbund.models import Medlemsbidrag

from ..factories import MedlemsbidragFactory, UppdragFactory, UserFactory, full_forbund
from .conftest import PASSWORD, assert_accessible, login


def test_forbundsadministrator_edits_a_contribution(page, live_server):
    forbund = full_forbund(kommuner=["0380", "0381"], lan="03", namn="Samordningsförbundet Test")
    user = UserFactory(username="chef", password=PASSWORD)
    UppdragFactory(user=user, roll=Roll.FORBUNDSADMINISTRATOR, forbund=forbund)
    fk = forbund.medlemskap.get(medlemstyp=Medlemstyp.FORSAKRINGSKASSAN)
    MedlemsbidragFactory(medlemskap=fk, ar=2025, beslutat=1_000_000)

    login(page, live_server, "chef")
    assert_accessible(page)
    page.get_by_role("link", name="Samordningsförbundet Test").first.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Samordningsförbundet Test")
    page.goto(f"{live_server.url}{forbund.get_absolute_url()}?ar=2025")
    assert_accessible(page)

    page.get_by_role("link", name="Ändra bidrag för Försäkringskassan").click()
    beslutat = page.get_by_label("Beslutat bidrag (kr)")
    expect(beslutat).to_be_focused()
    assert_accessible(page)
    beslutat.fill("1200000")
    page.get_by_label("Inbetalt (kr)").fill("1200000")
    page.get_by_role("button", name="Spara").click()

    expect(page.get_by_role("link", name="Ändra bidrag för Försäkringskassan")).to_be_visible()
    row = page.locator("#bidrag").get_by_role("row").filter(has_text="Försäkringskassan")
    expect(row).to_contain_text("1 200 000")
    assert_accessible(page)
    bidrag = Medlemsbidrag.objects.get(medlemskap=fk, ar=2025)
    assert (bidrag.beslutat, bidrag.inbetalt) == (1_200_000, 1_200_000)
    # The edit happened in place: the page was not reloaded to another address.
    assert page.url.endswith(f"{forbund.get_absolute_url()}?ar=2025")
