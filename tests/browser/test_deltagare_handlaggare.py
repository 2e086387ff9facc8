"""A handläggare signs in, registers a participant (the number checked as it is typed),
ends the deltagande from the work list and sees the data-quality item disappear."""

from __future__ import annotations

import datetime as dt

from playwright.sync_api import expect

from deltagare.models import Atkomstlogg, Deltagande, Samtycke
from forbund.choices import Roll
from insatser.models import InsatsUppdrag

from ..factories import InsatsFactory, UppdragFactory, UserFactory, full_forbund
from ..pnr import assert_no_pnr
from .conftest import PASSWORD, assert_accessible, field, htmx_settled, login, totp_device


def tick(page, group: str, label: str) -> None:
    """Tick a checkbox by its label, as a user does (FKUI hides the input itself)."""
    box = page.get_by_role("group", name=group).get_by_label(label)
    page.locator(f"label[for='{box.get_attribute('id')}']").click()
    expect(box).to_be_checked()


def test_handlaggare_registers_and_ends_a_deltagande(page, live_server):
    def search(value: str) -> None:
        """Search the participant list and wait for the answer (an htmx POST)."""
        field(page, "Sök deltagare").fill(value)
        with htmx_settled(page), page.expect_response(lambda r: r.url.endswith("/sok/")):
            page.get_by_role("button", name="Sök", exact=True).click()

    forbund = full_forbund(kommuner=["0380"], lan="03", namn="Samordningsförbundet Test")
    user = UserFactory(username="coach", password=PASSWORD)
    uppdrag = UppdragFactory(user=user, roll=Roll.HANDLAGGARE, forbund=forbund)
    today = dt.date.today()
    # The insats ended yesterday: a deltagande still open in it is a data-quality item.
    start = today - dt.timedelta(days=200)
    insats = InsatsFactory(
        forbund=forbund,
        kod="IND-1",
        namn="Vägen till arbete",
        startdatum=start,
        slutdatum=today - dt.timedelta(days=1),
    )
    InsatsUppdrag.objects.create(insats=insats, uppdrag=uppdrag)
    login(page, live_server, "coach", device=totp_device(user))
    assert_accessible(page)

    page.get_by_role("link", name="IND-1 Vägen till arbete").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Vägen till arbete")
    assert_accessible(page)
    page.get_by_role("link", name="Registrera deltagare").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Registrera deltagare")
    assert_accessible(page)

    # The number is checked as it is typed (htmx POST): first invalid, then valid.
    pnr = field(page, "Personnummer eller samordningsnummer")
    pnr.fill("19900101-0018")
    expect(page.locator("#pnr-status")).to_contain_text("inte ett giltigt personnummer")
    pnr.fill("19900101-0017")
    expect(page.locator("#pnr-status")).to_contain_text("Giltigt personnummer (man)")
    assert_accessible(page)

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
    expect(page.get_by_text("19900101-0017")).to_be_visible()
    expect(page.get_by_text("Insatsen har slutat men deltagandet pågår")).to_be_visible()
    assert_accessible(page)
    deltagande = Deltagande.objects.get()
    assert deltagande.registreringsform == "person"
    assert Samtycke.objects.filter(person=deltagande.person).count() == 1
    assert str(deltagande.public_id) in page.url
    assert_no_pnr(page.url)

    # The start page's work list names the deltagande, without the number.
    page.get_by_role("link", name="Finsam", exact=True).click()
    expect(page.get_by_role("heading", name="Pågår efter insatsens slut (1)")).to_be_visible()
    expect(page.get_by_text("19900101-0017")).to_have_count(0)
    assert_accessible(page)

    page.get_by_role("link", name="Avsluta deltagandet").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Avsluta deltagandet")
    assert_accessible(page)
    field(page, "Slutdatum").fill((today - dt.timedelta(days=1)).isoformat())
    field(page, "Avslutsorsak").select_option("fullfoljd")
    tick(page, "Sysselsättning vid avslut", "Studier")
    tick(page, "Försörjning vid avslut", "Studiestöd")
    page.get_by_role("button", name="Avsluta deltagandet").click()

    expect(page.get_by_text("Deltagandet är avslutat.")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("link", name="Finsam", exact=True).click()
    expect(page.get_by_role("heading", name="Att göra i dina insatser")).to_be_visible()
    expect(page.get_by_text("Pågår efter insatsens slut")).to_have_count(0)
    expect(page.get_by_text("Inget saknas")).to_be_visible()
    assert_accessible(page)

    deltagande.refresh_from_db()
    assert deltagande.slutdatum == today - dt.timedelta(days=1)
    # The deltagande page (twice) and the end form (GET and POST) showed personal data.
    assert Atkomstlogg.objects.filter(user=user, visningar__deltagande=deltagande).count() == 4

    # The participant list's search: by personnummer (htmx POST, the URL unchanged) and by
    # the start of the id; a typo is explained next to the field.
    page.goto(f"{live_server.url}/forbund/{forbund.organisationsnummer}/insatser/IND-1/deltagare/")
    list_url = page.url
    search("199001010017")
    expect(page.get_by_text("1 deltagande hittade")).to_be_visible()
    expect(page.get_by_role("table", name="Sökresultat")).to_contain_text("19900101-0017")
    assert page.url == list_url
    assert_accessible(page)
    logged = Atkomstlogg.objects.filter(user=user, anledning__startswith="Sökning på personnummer")
    assert logged.count() == 1
    search(str(deltagande.public_id)[:8])
    expect(page.get_by_role("table", name="Sökresultat")).to_contain_text("19900101-0017")
    search("19900101-0018")
    expect(page.locator("#deltagare-sok")).to_contain_text("inte ett giltigt personnummer")
    assert_accessible(page)


def test_a_person_known_in_another_insats_stays_there(page, live_server):
    """The number of a person in someone else's insats: the check, the register extract and
    the withdrawal of consent show and touch only the handläggare's own insats; the
    personuppgiftsansvarig's full extract shows both."""
    from deltagare import pnr, services

    forbund = full_forbund(kommuner=["0380"], lan="03", namn="Samordningsförbundet Test")
    start = dt.date.today() - dt.timedelta(days=100)
    other = UppdragFactory(roll=Roll.HANDLAGGARE, forbund=forbund, user__username="annan")
    elsewhere = InsatsFactory(forbund=forbund, kod="IND-B", namn="Hemlig insats", startdatum=start)
    InsatsUppdrag.objects.create(insats=elsewhere, uppdrag=other)
    theirs = services.register_person_deltagande(
        user=other.user,
        insats=elsewhere,
        personnummer=pnr.parse("19900101-0017"),
        samtycke_datum=start,
        startdatum=start,
    )
    user = UserFactory(username="coach", password=PASSWORD)
    uppdrag = UppdragFactory(user=user, roll=Roll.HANDLAGGARE, forbund=forbund)
    insats = InsatsFactory(forbund=forbund, kod="IND-1", namn="Vägen till arbete", startdatum=start)
    InsatsUppdrag.objects.create(insats=insats, uppdrag=uppdrag)
    login(page, live_server, "coach", device=totp_device(user))

    page.goto(
        f"{live_server.url}/forbund/{forbund.organisationsnummer}/insatser/IND-1/deltagare/ny/"
    )
    field(page, "Personnummer eller samordningsnummer").fill("19900101-0017")
    status = page.locator("#pnr-status")
    expect(status).to_contain_text("Inga tidigare deltaganden i dina insatser")
    expect(status).not_to_contain_text("Hemlig")
    assert_accessible(page)
    tick(page, "Samtycket gäller", "Registrering i Finsam")
    datum = (start + dt.timedelta(days=10)).isoformat()
    field(page, "Datum för samtycket").fill(datum)
    field(page, "Startdatum").fill(datum)
    page.get_by_role("button", name="Registrera deltagandet").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Deltagande i Vägen till arbete")

    page.goto(f"{live_server.url}/registerutdrag/")
    assert_accessible(page)
    field(page, "Personnummer eller samordningsnummer").fill("199001010017")
    page.get_by_role("button", name="Ta fram registerutdrag").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Utdrag ur dina insatser")
    expect(page.get_by_text("19900101-0017")).to_be_visible()
    expect(page.get_by_text("Hemlig insats")).to_have_count(0)
    assert_accessible(page)

    page.go_back()
    page.go_back()
    page.get_by_role("link", name="Återkalla samtycke").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Återkalla samtycke")
    expect(
        page.get_by_role("group", name="Återkallelsen gäller").get_by_role("checkbox")
    ).to_have_count(1)
    assert_accessible(page)
    field(page, "Datum då samtycket återkallades").fill(datum)
    page.get_by_role("button", name="Återkalla och radera personuppgifterna").click()
    expect(page.get_by_text("Samtycket är återkallat för 1 deltagande")).to_be_visible()
    assert_accessible(page)
    theirs.refresh_from_db()
    assert theirs.person is not None

    pua = UserFactory(username="pua", password=PASSWORD)
    UppdragFactory(user=pua, roll=Roll.PERSONUPPGIFTSANSVARIG, forbund=forbund)
    page.context.clear_cookies()
    login(page, live_server, "pua", device=totp_device(pua))
    page.get_by_role("link", name="fullständigt registerutdrag").click()
    field(page, "Personnummer eller samordningsnummer").fill("19900101-0017")
    page.get_by_role("button", name="Ta fram registerutdrag").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Registerutdrag")
    expect(page.get_by_text("Hemlig insats").first).to_be_visible()
    assert_accessible(page)
