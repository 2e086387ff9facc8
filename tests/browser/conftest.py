"""Browser tests: Playwright on Debian's chromium against pytest-django's live server.

Every test in this folder is marked `browser` and runs with a transactional database
(the migration-loaded reference data is put back by tests/conftest.py). Helpers:

- `login(page, live_server, username, password)` signs in through the real login page,
  typing the TOTP code when the account has a confirmed device (`totp_device(user)`).
- `assert_accessible(page)` runs axe and fails with a readable report on any
  WCAG 2.1 A/AA violation.
"""

from __future__ import annotations

import os
import re
import shutil
from contextlib import contextmanager

import pytest
from axe_playwright_python.sync_playwright import Axe

# Playwright's sync API runs an event loop in the test thread; the ORM calls in the
# tests themselves are still synchronous and safe.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
PASSWORD = "Webbtest-lösen-1"

_axe = Axe()


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items):
    here = os.path.dirname(__file__)
    for item in items:
        if str(item.path).startswith(here):
            item.add_marker(pytest.mark.browser)
            item.add_marker(pytest.mark.django_db(transaction=True))


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": CHROMIUM_ARGS,
        "headless": True,
    }


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    return {**browser_context_args, "locale": "sv-SE", "timezone_id": "Europe/Stockholm"}


@pytest.fixture
def page(page):
    page.set_default_timeout(15_000)
    return page


def totp_device(user):
    """A confirmed TOTP device for `user`, as after the setup step."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    return TOTPDevice.objects.create(user=user, name="Webbtest", confirmed=True)


def totp_code(device) -> str:
    from django_otp.oath import totp

    device.refresh_from_db()
    return f"{totp(device.bin_key, device.step, device.t0, device.digits, device.drift):06d}"


def login(page, live_server, username: str, password: str = PASSWORD, device=None) -> None:
    page.goto(f"{live_server.url}/konto/logga-in/")
    assert_accessible(page)
    page.get_by_label("Användarnamn").fill(username)
    page.get_by_label("Lösenord").fill(password)
    page.get_by_role("button", name="Logga in").click()
    if device is not None:
        page.get_by_label("Engångskod").fill(totp_code(device))
        assert_accessible(page)
        page.get_by_role("button", name="Fortsätt").click()
    page.wait_for_load_state()


@contextmanager
def htmx_settled(page):
    """Wait, after the block, until htmx has swapped and settled the answer it caused.

    Waiting for the response alone races the swap: a field filled between the response
    and the swap is put back to what the answer holds (CI once searched the old value).
    """
    page.evaluate(
        """() => { window.__htmxSettled = false;
            document.body.addEventListener('htmx:afterSettle',
                () => { window.__htmxSettled = true }, {once: true}); }"""
    )
    yield
    page.wait_for_function("() => window.__htmxSettled === true")


def field(page, label: str):
    """The control whose label starts with `label` (labels carry help text and errors too)."""
    return page.get_by_label(re.compile(rf"^{re.escape(label)}(\s|$)", re.IGNORECASE))


def assert_accessible(page) -> None:
    """No WCAG 2.1 A/AA violations on the page as it is now."""
    results = _axe.run(
        page,
        options={"runOnly": {"type": "tag", "values": WCAG_TAGS}, "resultTypes": ["violations"]},
    )
    assert results.violations_count == 0, f"axe på {page.url}:\n{results.generate_report()}"
    # Nothing wider than the window (WCAG 1.4.10 reflow; a hidden table caption once was).
    # A wide table scrolls inside its own labelled region (.table-scroll), never the page.
    too_wide = page.evaluate(
        """() => [...document.querySelectorAll('body *')]
            .filter(el => !el.parentElement.closest('.table-scroll'))
            .filter(el => el.getBoundingClientRect().right > document.documentElement.clientWidth + 1)
            .slice(0, 5).map(el => `${el.tagName}.${el.className}`)"""
    )
    assert not too_wide, f"bredare än fönstret på {page.url}: {too_wide}"
    scroll = page.evaluate(
        "() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]"
    )
    assert scroll[0] <= scroll[1], f"sidan rullar i sidled på {page.url}: {scroll}"
