"""A förbundsadministratör follows the start page's data-quality panel to the pseudonymised
deltaganden, sees what is missing without any personal data, and opens the access log."""

from __future__ import annotations

import datetime as dt

from playwright.sync_api import expect

from deltagare import pnr, services
from forbund.choices import Roll
from insatser.models import InsatsUppdrag

from ..factories import InsatsFactory, UppdragFactory, UserFactory, full_forbund
from .conftest import PASSWORD, assert_accessible, login


def test_forbundsadministrator_follows_the_panel(page, live_server):
    forbund = full_forbund(kommuner=["0380"], lan="03", namn="Samordningsförbundet Test")
    chef = UserFactory(username="chef", password=PASSWORD)
    UppdragFactory(user=chef, roll=Roll.FORBUNDSADMINISTRATOR, forbund=forbund)
    coach = UserFactory(username="coach", password=PASSWORD)
    uppdrag = UppdragFactory(user=coach, roll=Roll.HANDLAGGARE, forbund=forbund)
    insats = InsatsFactory(
        forbund=forbund, kod="IND-1", namn="Vägen till arbete", startdatum=dt.date(2024, 1, 1)
    )
    InsatsUppdrag.objects.create(insats=insats, uppdrag=uppdrag)
    ended = services.register_person_deltagande(
        user=coach,
        insats=insats,
        personnummer=pnr.parse("19900101-0017"),
        samtycke_datum=dt.date(2024, 3, 1),
        startdatum=dt.date(2024, 3, 1),
    )
    services.end_deltagande(
        deltagande=ended, slutdatum=dt.date(2024, 9, 1), avslutsorsak="fullfoljd"
    )
    services.register_anonymous_deltagande(
        insats=insats, kon="kvinna", startdatum=dt.date(2024, 4, 1)
    )
    services.log_access(user=coach, person=ended.person, sida="/test/", anledning="Uppföljning")
    other = services.register_person_deltagande(
        user=coach,
        insats=insats,
        personnummer=pnr.parse("19850615-1227"),
        samtycke_datum=dt.date(2024, 5, 1),
        startdatum=dt.date(2024, 5, 1),
    )
    services.log_access_many(
        user=coach,
        deltaganden=[ended, other],
        sida="/forbund/lista/",
        anledning="Deltagarlistan i IND-1",
    )

    login(page, live_server, "chef")
    panel = page.get_by_role("region", name="Datakvalitet i Samordningsförbundet Test")
    expect(panel).to_contain_text("IND-1")
    assert_accessible(page)
    # One deltagande ended without its outcome: the count links to exactly that one.
    panel.get_by_role("row").filter(has_text="IND-1").get_by_role("link", name="1").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Deltaganden")
    expect(page.get_by_text("1 deltaganden.")).to_be_visible()
    expect(page.locator("table")).to_contain_text("Utfall vid avslut saknas")
    assert_accessible(page)
    for secret in ("19900101", "900101-0017", "1990-01-01"):
        assert secret not in page.content()

    page.get_by_role("link", name="Åtkomstlogg").click()
    expect(page.locator("table")).to_contain_text("Uppföljning")
    # The list page is one row naming both persons; a person's id filters the log.
    expect(page.get_by_role("row").filter(has_text="Deltagarlistan i IND-1")).to_contain_text(
        "2 personer:"
    )
    assert_accessible(page)
    page.get_by_label("Person (id)").fill(str(other.person.public_id)[:8])
    page.get_by_role("button", name="Filtrera").click()
    expect(page.get_by_text("1 sidvisning.")).to_be_visible()
    expect(page.locator("table")).to_contain_text("Deltagarlistan i IND-1")
    assert_accessible(page)
