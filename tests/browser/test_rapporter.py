"""Reports in the browser, built by a real Celery worker (in-memory broker, worker thread).

A förbundsadministratör orders the förbund's report and watches its status change from
waiting to ready without reloading (htmx polling), then downloads it. Nationella rådet
orders the national PDF, which is always suppressed, and downloads it.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import io

import pytest
from playwright.sync_api import expect
from pypdf import PdfReader

from deltagare.services import register_anonymous_deltagande
from forbund.choices import Roll
from rapporter.models import Rapportjobb, Status

from ..celery_broker import celery_broker
from ..factories import InsatsFactory, UppdragFactory, UserFactory, full_forbund
from .conftest import PASSWORD, assert_accessible, field, login

AR = 2024


@pytest.fixture
def celery_app():
    """The project's Celery app on an in-memory broker, shared by the live server thread
    (which enqueues) and the worker thread started by `worker()`."""
    from finsam.celery import app

    with celery_broker("memory://", transport_options={}):
        yield app


@contextlib.contextmanager
def worker(app):
    from celery.contrib.testing.worker import start_worker

    with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=30):
        yield


@pytest.fixture
def world(db):
    forbund = full_forbund(kommuner=["0380"], lan="03", namn="Samordningsförbundet Test")
    insats = InsatsFactory(forbund=forbund, kod="IND-1", startdatum=dt.date(AR, 1, 1))
    for i in range(7):
        register_anonymous_deltagande(
            insats=insats,
            kon="kvinna" if i % 3 else "man",
            startdatum=dt.date(AR, 2, 1 + i),
        )
    chef = UserFactory(username="chef", password=PASSWORD)
    UppdragFactory(user=chef, roll=Roll.FORBUNDSADMINISTRATOR, forbund=forbund)
    radet = UserFactory(username="radet", password=PASSWORD)
    UppdragFactory(user=radet, roll=Roll.NATIONELLA_RADET, forbund=None)
    return forbund


def download(page) -> bytes:
    with page.expect_download() as info:
        page.get_by_role("link", name="Hämta").click()
    return open(info.value.path(), "rb").read()


def pdf_text(data: bytes) -> str:
    return "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(data)).pages)


def test_forbundsadministrator_watches_the_status_change(page, live_server, world, celery_app):
    login(page, live_server, "chef")
    page.get_by_role("link", name="Återrapportering").click()
    assert_accessible(page)
    field(page, "År").fill(str(AR))
    field(page, "Förbund").select_option(label="Samordningsförbundet Test")
    # Tick by the labels, as a user does (FKUI hides the inputs themselves).
    page.get_by_text("PDF", exact=True).click()  # the format checkbox, not a help text
    page.locator("label", has_text="JSON").click()
    expect(page.get_by_label("JSON", exact=True)).to_be_checked()
    expect(page.get_by_label("PDF", exact=True)).not_to_be_checked()
    page.get_by_role("button", name="Ta fram rapporten").click()

    # Queued: no worker runs yet, so the page shows the waiting state and keeps polling.
    status = page.locator("#status")
    expect(status).to_contain_text("Väntar på att starta")
    assert_accessible(page)
    jobb = Rapportjobb.objects.get()
    assert (jobb.omfattning, jobb.kod, jobb.status) == (
        "forbund",
        world.organisationsnummer,
        Status.VANTAR,
    )

    with worker(celery_app):
        expect(status).to_contain_text("Rapporten är klar", timeout=60_000)
    assert_accessible(page)
    url = page.url
    data = download(page)
    assert b'"T2"' in data and world.organisationsnummer.encode() in data
    page.goto(url)  # polling has stopped: the page stays as it is
    expect(status).not_to_have_attribute("hx-get", url)

    page.get_by_role("link", name="Återrapportering").first.click()
    expect(page.locator("table")).to_contain_text("Klar")


def test_nationella_radet_downloads_the_suppressed_national_pdf(
    page, live_server, world, celery_app
):
    login(page, live_server, "radet")
    page.get_by_role("link", name="Återrapportering").click()
    field(page, "År").fill(str(AR))
    field(page, "Omfattning").select_option(label="Hela landet")
    expect(page.get_by_label("PDF", exact=True)).to_be_checked()  # the default
    # Nationella rådet cannot turn suppression off.
    expect(page.get_by_label("Undertryck små tal", exact=False)).to_be_disabled()
    expect(page.get_by_label("Undertryck små tal", exact=False)).to_be_checked()
    with worker(celery_app):
        page.get_by_role("button", name="Ta fram rapporten").click()
        expect(page.locator("#status")).to_contain_text("Rapporten är klar", timeout=90_000)
    assert_accessible(page)
    data = download(page)
    assert data.startswith(b"%PDF")
    text = pdf_text(data)
    assert "Hela landet" in text
    # Two of the seven participants are men: a count of 1–4 is shown as "..".
    assert ".." in text
    assert Rapportjobb.objects.get().undertryck is True
