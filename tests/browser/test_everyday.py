"""Everyday work in the browser: Back after filtering, searching within filters, focus after
a form error, and no sideways scrolling on a narrow or zoomed screen."""

from __future__ import annotations

import datetime as dt
import re

from playwright.sync_api import expect

from forbund.choices import Roll

from ..factories import InsatsFactory, UppdragFactory, UserFactory, full_forbund
from .conftest import PASSWORD, assert_accessible, field, login


def _forbund_with_admin():
    forbund = full_forbund(kommuner=["0380"], lan="03", namn="Samordningsförbundet Test")
    user = UserFactory(username="chef", password=PASSWORD)
    UppdragFactory(user=user, roll=Roll.FORBUNDSADMINISTRATOR, forbund=forbund)
    return forbund


def _focused_class(page) -> str:
    return page.evaluate("() => document.activeElement.className")


def test_back_after_filtering_keeps_the_controls_and_a_search_keeps_the_filters(page, live_server):
    forbund = _forbund_with_admin()
    ar = dt.date.today().year
    InsatsFactory(forbund=forbund, kod="IND-1", namn="Rehab", startdatum=dt.date(ar, 1, 1))
    InsatsFactory(
        forbund=forbund,
        kod="STR-1",
        namn="Samverkan",
        niva="struktur",
        typ="dialog",
        startdatum=dt.date(ar, 1, 1),
    )
    InsatsFactory(
        forbund=forbund,
        kod="STR-2",
        namn="Dialog",
        niva="struktur",
        typ="dialog",
        startdatum=dt.date(ar, 1, 1),
    )
    login(page, live_server, "chef")
    page.goto(f"{live_server.url}/forbund/{forbund.organisationsnummer}/insatser/")
    field(page, "Nivå").select_option("struktur")
    expect(page).to_have_url(re.compile(r"niva=struktur"))
    expect(page.locator("#insats-tabell")).not_to_contain_text("IND-1")
    field(page, "Status").select_option("pagaende")
    expect(page).to_have_url(re.compile(r"status=pagaende"))

    page.get_by_role("link", name="Samverkan").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Samverkan")
    page.go_back()
    expect(page).to_have_url(re.compile(r"niva=struktur.*status=pagaende"))
    # The controls say what the address and the results say.
    expect(field(page, "Nivå")).to_have_value("struktur")
    expect(field(page, "Status")).to_have_value("pagaende")
    assert_accessible(page)

    # One step further back, before the status was chosen: the status control follows.
    page.go_back()
    expect(page).not_to_have_url(re.compile(r"status=pagaende"))
    expect(field(page, "Status")).to_have_value("")
    expect(field(page, "Nivå")).to_have_value("struktur")

    # A search typed now keeps the nivå filter.
    page.get_by_label(re.compile("^Sök")).fill("Dialog")
    expect(page).to_have_url(re.compile(r"niva=struktur.*q=Dialog"))
    table = page.locator("#insats-tabell")
    expect(table).to_contain_text("STR-2")
    expect(table).not_to_contain_text("STR-1")
    expect(table).not_to_contain_text("IND-1")


def test_back_keeps_the_controls_on_the_forbund_list(page, live_server):
    radet = UserFactory(username="radet", password=PASSWORD)
    UppdragFactory(user=radet, roll=Roll.NATIONELLA_RADET, forbund=None)
    uppsala = full_forbund(kommuner=["0380"], lan="03", namn="Förbund i Uppsala")
    full_forbund(kommuner=["1280"], lan="12", namn="Förbund i Skåne")
    login(page, live_server, "radet")
    page.goto(f"{live_server.url}/forbund/")
    field(page, "Län").select_option("03")
    expect(page).to_have_url(re.compile(r"lan=03"))
    page.get_by_role("link", name=uppsala.namn).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(uppsala.namn)
    page.go_back()
    expect(field(page, "Län")).to_have_value("03")
    page.get_by_label(re.compile("^Sök")).fill("Förbund")
    expect(page).to_have_url(re.compile(r"lan=03.*q=F"))
    expect(page.locator("#forbund-table")).not_to_contain_text("Skåne")


def test_a_form_error_moves_focus_to_the_summary_and_marks_the_title(page, live_server):
    forbund = _forbund_with_admin()
    login(page, live_server, "chef")
    page.goto(f"{live_server.url}/forbund/{forbund.organisationsnummer}/insatser/ny/")
    title = page.title()
    assert not title.startswith("Fel: ")
    page.get_by_role("button", name="Spara").click()
    summary = page.locator(".error-summary")
    expect(summary).to_be_focused()
    expect(page).to_have_title(f"Fel: {title}")
    assert_accessible(page)

    # A form swapped in place by htmx: the contributions of a member.
    page.goto(f"{live_server.url}{forbund.get_absolute_url()}?ar=2015")
    page.get_by_role("link", name=re.compile("^Ändra")).first.click()
    beslutat = field(page, "Beslutat")
    beslutat.fill("-5")
    page.get_by_role("button", name="Spara").click()
    expect(page.locator("#bidrag .error-summary")).to_be_focused()
    assert page.title().startswith("Fel: ")
    beslutat = field(page, "Beslutat")
    beslutat.fill("1000")
    page.get_by_role("button", name="Spara").click()
    expect(page.locator("#bidrag")).to_contain_text("har sparats")
    # The title is put right when htmx has settled the swap: wait for it, do not race it.
    expect(page).not_to_have_title(re.compile("^Fel: "))


# 320 CSS pixels is a phone (WCAG 1.4.10); 640 is a 1280 px window at 200 % zoom.
NARROW = [320, 640]


def _check_narrow(page, url: str) -> None:
    for width in NARROW:
        page.set_viewport_size({"width": width, "height": 800})
        page.goto(url)
        page.wait_for_load_state("networkidle")
        assert_accessible(page)
        # Each wide table scrolls in a labelled region the keyboard reaches.
        for region in page.locator(".table-scroll").all():
            assert region.get_attribute("role") == "region"
            assert region.get_attribute("tabindex") == "0"
            assert region.get_attribute("aria-label")


def test_forbundsadministrator_pages_at_320_px_and_200_percent_zoom(page, live_server):
    from ..factories import EkonomiradFactory, MedlemsbidragFactory

    forbund = _forbund_with_admin()
    ar = dt.date.today().year
    for n in range(4):
        insats = InsatsFactory(
            forbund=forbund,
            kod=f"ARBETSLIVSINRIKTAD-REHAB-{n}",
            namn="Arbetslivsinriktad rehabilitering med ett långt namn",
            startdatum=dt.date(ar - 1, 1, 1),
        )
        EkonomiradFactory(
            forbund=forbund, ar=ar, rad="insats", insats=insats, budget=12_345_678, utfall=None
        )
    for m in forbund.medlemskap.all():
        MedlemsbidragFactory(medlemskap=m, ar=ar, beslutat=1_234_567, inbetalt=1_234_567)
    login(page, live_server, "chef")
    o = forbund.organisationsnummer
    for path in (
        "/",
        f"/forbund/{o}/",
        f"/forbund/{o}/insatser/",
        f"/forbund/{o}/ekonomi/{ar}/",
        f"/forbund/{o}/deltaganden/",
        f"/forbund/{o}/insatser/ARBETSLIVSINRIKTAD-REHAB-0/",
    ):
        _check_narrow(page, f"{live_server.url}{path}")


def test_handlaggare_pages_at_320_px_and_200_percent_zoom(page, live_server):
    from ..deltagare.handlaggare_data import assigned_insats, end, person_deltagande
    from .conftest import totp_device

    forbund = full_forbund(kommuner=["0380"], lan="03", namn="Samordningsförbundet Test")
    user = UserFactory(username="coach", password=PASSWORD)
    UppdragFactory(user=user, roll=Roll.HANDLAGGARE, forbund=forbund)
    insats = assigned_insats(forbund, user)
    deltagande = end(person_deltagande(insats, user))
    login(page, live_server, "coach", device=totp_device(user))
    base = f"/forbund/{forbund.organisationsnummer}/insatser/{insats.kod}/deltagare/"
    for path in ("/", base, f"{base}{deltagande.public_id}/", f"{base}ny/"):
        _check_narrow(page, f"{live_server.url}{path}")


def test_nationella_radet_and_administrator_at_320_px_and_200_percent_zoom(page, live_server):
    from .conftest import totp_device

    full_forbund(kommuner=["0380"], lan="03", namn="Samordningsförbundet i Uppsala län")
    radet = UserFactory(username="radet", password=PASSWORD)
    UppdragFactory(user=radet, roll=Roll.NATIONELLA_RADET, forbund=None)
    login(page, live_server, "radet")
    for path in ("/", "/forbund/", "/rapporter/"):
        _check_narrow(page, f"{live_server.url}{path}")
    page.context.clear_cookies()
    admin = UserFactory(username="admin", password=PASSWORD, is_staff=True)
    UppdragFactory(user=admin, roll=Roll.ADMINISTRATOR, forbund=None)
    login(page, live_server, "admin", device=totp_device(admin))
    for path in ("/", "/forbund/"):
        _check_narrow(page, f"{live_server.url}{path}")
