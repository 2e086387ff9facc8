"""A förbundsadministratör meets the import limits in the browser: an XLSX bomb is refused
by the worker with a Swedish message on the job's page, and a file over 20 MB gets the
"Filen är för stor" page; both pages pass axe."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import expect

from finsam.celery import app
from forbund.choices import Roll
from forbund.models import Importjobb
from insatser.models import Insats

from ..factories import UppdragFactory, UserFactory, full_forbund
from .conftest import PASSWORD, assert_accessible, login

FILES = Path(__file__).resolve().parent.parent / "files"


@pytest.fixture
def eager():
    """The live server's thread runs the worker's task in the request that enqueues it."""
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = False


def test_hostile_and_too_large_files_get_swedish_pages(page, live_server, tmp_path, eager):
    forbund = full_forbund(kommuner=["0380"], lan="03", namn="Samordningsförbundet Test")
    user = UserFactory(username="chef", password=PASSWORD)
    UppdragFactory(user=user, roll=Roll.FORBUNDSADMINISTRATOR, forbund=forbund)
    login(page, live_server, "chef")
    url = f"{live_server.url}/forbund/{forbund.organisationsnummer}/import/"

    page.goto(url)
    page.get_by_role("radio", name="Insatser", exact=True).check()
    page.locator("input[type=file]").set_input_files(FILES / "bomb_a1_xfd1048576.xlsx")
    page.get_by_role("button", name="Ladda upp och kontrollera").click()
    expect(page.get_by_text("Excel-filen är för stor: bladet når kolumn XFD")).to_be_visible()
    expect(page.get_by_text("Inget har sparats.")).to_be_visible()
    assert_accessible(page)

    large = tmp_path / "stor.csv"
    large.write_bytes(b"x" * (22 * 1024 * 1024))
    page.goto(url)
    page.get_by_role("radio", name="Insatser", exact=True).check()
    page.locator("input[type=file]").set_input_files(large)
    page.get_by_role("button", name="Ladda upp och kontrollera").click()
    expect(page.get_by_role("heading", name="Filen är för stor")).to_be_visible()
    expect(page.get_by_text("högst 20 MB")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("link", name="Tillbaka till uppladdningen").click()
    expect(
        page.get_by_role("heading", name="Importera insatser, antal och ekonomi")
    ).to_be_visible()
    assert Importjobb.objects.get().data is None and not Insats.objects.exists()
