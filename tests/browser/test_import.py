"""Import in the browser (issue 16 item 8): the preview lists what changes, field by
field; after "Bekräfta import", Back and Bekräfta again show what happened instead of an
error; every page passes axe."""

from __future__ import annotations

import datetime as dt

import pytest
from playwright.sync_api import expect

from finsam.celery import app
from forbund.choices import Roll
from insatser.models import Insats

from ..factories import InsatsFactory, UppdragFactory, UserFactory, full_forbund
from .conftest import PASSWORD, assert_accessible, login


@pytest.fixture
def eager():
    """The live server's thread runs the worker's task in the request that enqueues it."""
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = False


def test_preview_confirm_back_and_confirm_again(page, live_server, tmp_path, eager):
    forbund = full_forbund(kommuner=["0380"], lan="03", namn="Samordningsförbundet Test")
    InsatsFactory(
        forbund=forbund,
        kod="A-1",
        namn="Gammalt namn",
        niva="individ",
        typ="rehabilitering",
        deltagarregistrering="individuell",
        startdatum=dt.date(2024, 1, 1),
        slutdatum=None,
    )
    user = UserFactory(username="chef", password=PASSWORD, first_name="Chef", last_name="Test")
    UppdragFactory(user=user, roll=Roll.FORBUNDSADMINISTRATOR, forbund=forbund)
    o = forbund.organisationsnummer
    fil = tmp_path / "insatser.csv"
    fil.write_text(
        "forbund;kod;namn;niva;typ;deltagarregistrering;startdatum\n"
        f"{o};A-1;Nytt namn;individ;rehabilitering;individuell;2024-01-01\n"
        f"{o};NY-1;Ny insats;struktur;dialog;;2024-03-01\n",
        encoding="utf-8",
    )
    login(page, live_server, "chef")
    page.goto(f"{live_server.url}/forbund/{o}/import/")
    assert_accessible(page)
    page.get_by_role("radio", name="Insatser", exact=True).check()
    page.locator("input[type=file]").set_input_files(fil)
    page.get_by_role("button", name="Ladda upp och kontrollera").click()

    expect(page.get_by_text("Filen är felfri.")).to_be_visible()
    table = page.get_by_role("table", name="Rader som ändras")
    expect(table.get_by_role("row")).to_have_count(3)
    changed = table.get_by_role("row").nth(1)
    expect(changed).to_contain_text("A-1 Nytt namn")
    expect(changed).to_contain_text("Ändrad")
    expect(changed.locator("del")).to_contain_text("Gammalt namn")
    expect(changed.locator("ins")).to_contain_text("Nytt namn")
    expect(table.get_by_role("row").nth(2)).to_contain_text("NY-1 Ny insats")
    expect(page.get_by_role("link", name="ändringar.csv")).to_be_visible()
    assert_accessible(page)
    preview_url = page.url
    # The same preview in a second tab, as a page left open (or kept in the history).
    stale = page.context.new_page()
    stale.goto(preview_url)
    expect(stale.get_by_role("button", name="Bekräfta import")).to_be_visible()

    page.get_by_role("button", name="Bekräfta import").click()
    expect(page.get_by_text("Importen är klar.")).to_be_visible()
    expect(page.get_by_role("heading", name="Det här ändrades")).to_be_visible()
    assert_accessible(page)
    assert Insats.objects.get(kod="A-1").namn == "Nytt namn"

    # Back: the preview's address again, now showing the result (the page is not cached).
    page.go_back()
    assert page.url == preview_url
    expect(page.get_by_text("Importen är klar.")).to_be_visible()
    # Bekräfta on the old page: what happened, not an error.
    stale.get_by_role("button", name="Bekräfta import").click()
    expect(stale.get_by_text("Importen är redan genomförd")).to_be_visible()
    expect(stale.get_by_text("av Chef Test: 1 nya, 1 ändrade")).to_be_visible()
    expect(stale.get_by_text("Importen är klar.")).to_be_visible()
    assert_accessible(stale)
    assert Insats.objects.filter(kod__in=["A-1", "NY-1"]).count() == 2
