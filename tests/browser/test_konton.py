"""The administratör creates a handläggare with an assignment; the new user activates the
account from the mail in the local SMTP server, enrols the authenticator and registers a
participant. axe on every page."""

from __future__ import annotations

import datetime as dt

from playwright.sync_api import expect

from deltagare.models import Deltagande
from forbund.choices import Roll
from forbund.models import User

from ..factories import InsatsFactory, UppdragFactory, UserFactory, full_forbund
from ..smtp import link_in, text_part
from .conftest import PASSWORD, assert_accessible, field, login, totp_code, totp_device
from .test_deltagare_handlaggare import tick

NEW_PASSWORD = "Ett-eget-langt-losenord-4"


def test_a_new_handlaggare_from_account_to_participant(page, live_server, mailbox):
    forbund = full_forbund(kommuner=["0380"], lan="03", namn="Samordningsförbundet Test")
    start = dt.date.today() - dt.timedelta(days=100)
    InsatsFactory(forbund=forbund, kod="IND-1", namn="Vägen till arbete", startdatum=start)
    admin = UserFactory(username="admin", password=PASSWORD)
    UppdragFactory(user=admin, roll=Roll.ADMINISTRATOR, forbund=None)
    login(page, live_server, "admin", device=totp_device(admin))

    # --- The administratör: a new account with its assignment, in Finsam's own pages.
    page.get_by_role("link", name="Användare", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Användare och behörigheter")
    assert_accessible(page)
    page.get_by_role("link", name="Nytt konto").click()
    assert_accessible(page)
    page.get_by_role("button", name="Skapa kontot").click()
    expect(page.get_by_role("heading", name="Formuläret innehåller fel")).to_be_visible()
    assert_accessible(page)
    field(page, "Förnamn").fill("Nora")
    field(page, "Efternamn").fill("Nyström")
    field(page, "E-postadress").fill("nora@exempel.se")
    field(page, "Användarnamn").fill("nora")
    page.locator("#id_konto-arbetsgivartyp").select_option("kommun")
    page.locator("#id_konto-arbetsgivare").fill("Uppsala kommun")
    field(page, "Roll").select_option("handlaggare")
    field(page, "Förbund").select_option(label="Samordningsförbundet Test")
    page.get_by_role("button", name="Skapa kontot").click()

    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Handläggare i Samordningsförbundet Test"
    )
    expect(page.get_by_text("En aktiveringslänk är skickad till nora@exempel.se")).to_be_visible()
    assert_accessible(page)
    tick(page, "Insatser", "IND-1 Vägen till arbete")
    page.get_by_role("button", name="Spara").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Nora Nyström")
    expect(page.get_by_role("cell", name="IND-1 Vägen till arbete", exact=True)).to_be_visible()
    assert_accessible(page)
    page.get_by_role("link", name="Användare och behörigheter").click()
    page.get_by_role("link", name="Logg över ändringar").click()
    expect(page.get_by_text("Tillagd i IND-1 Vägen till arbete")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("button", name="Logga ut").click()

    # --- The new user: the link from the mail in the local SMTP server.
    [mail] = mailbox.to("nora@exempel.se")
    assert "Hej Nora Nyström!" in text_part(mail)
    page.goto(live_server.url + link_in(mail))
    expect(page.get_by_role("heading", level=1)).to_have_text("Aktivera ditt konto")
    assert_accessible(page)
    page.get_by_label("Nytt lösenord").fill(NEW_PASSWORD)
    page.get_by_label("Upprepa lösenordet").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Fortsätt").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Aktivera tvåfaktorsinloggning")
    assert_accessible(page)
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.get(user__username="nora")
    page.get_by_label("Engångskod").fill(totp_code(device))
    page.get_by_role("button", name="Aktivera").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Spara dina reservkoder")
    expect(page.locator(".recovery-codes li")).to_have_count(10)
    assert_accessible(page)
    page.get_by_role("link", name="Jag har sparat koderna").click()
    assert_accessible(page)

    # --- ... and registers a participant in the insats the administratör gave.
    page.get_by_role("link", name="IND-1 Vägen till arbete").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Vägen till arbete")
    assert_accessible(page)
    page.get_by_role("link", name="Registrera deltagare").click()
    assert_accessible(page)
    field(page, "Personnummer eller samordningsnummer").fill("19900101-0017")
    expect(page.locator("#pnr-status")).to_contain_text("Giltigt personnummer")
    tick(page, "Samtycket gäller", "Registrering i Finsam")
    datum = (start + dt.timedelta(days=10)).isoformat()
    field(page, "Datum för samtycket").fill(datum)
    field(page, "Startdatum").fill(datum)
    field(page, "Utbildningsnivå").select_option("gymnasial")
    field(page, "Tid i offentlig försörjning").select_option("upp_till_1")
    tick(page, "Försörjning före insatsen", "Aktivitetsstöd")
    tick(page, "Sysselsättning före insatsen", "Inskriven som arbetssökande")
    page.get_by_role("button", name="Registrera deltagandet").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Deltagande i Vägen till arbete")
    assert_accessible(page)
    deltagande = Deltagande.objects.get()
    assert deltagande.person.samtycken.get().registrerad_av == User.objects.get(username="nora")

    # --- The own page: password, sessions and recovery codes, keyboard-reachable.
    page.get_by_role("link", name="Nora Nyström – mitt konto").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Mitt konto")
    expect(page.get_by_text("10 oanvända reservkoder kvar")).to_be_visible()
    assert_accessible(page)
