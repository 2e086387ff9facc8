"""Login throttling per pair, per account and per address (forbund/throttle.py)."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.urls import reverse

from ..factories import UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "ett-langt-testlosenord"
LOGIN = reverse("konto:login")
NAT = "10.1.2.3"


def attempt(client, username, password, address):
    return client.post(LOGIN, {"username": username, "password": password}, REMOTE_ADDR=address)


def locked(response) -> bool:
    return "Inloggningen är tillfälligt spärrad" in response.text


def spray(client, address, count, prefix="offer"):
    """Failures for `count` accounts; as in axes, the failure that reaches a limit is
    answered with the lockout page already."""
    return [attempt(client, f"{prefix}{n}", "Sommar2026!", address) for n in range(count)]


def test_spraying_many_accounts_from_one_address_is_stopped(client):
    victim = UserFactory(username="offer_med_ratt_losenord")
    *before, last = spray(client, NAT, settings.AXES_IP_FAILURE_LIMIT)
    assert not any(locked(r) for r in before)
    assert locked(last)
    response = attempt(client, victim.username, PASSWORD, NAT)
    assert locked(response)
    assert "_auth_user_id" not in client.session


def test_below_the_address_limit_nothing_is_locked(client):
    victim = UserFactory(username="offer_med_ratt_losenord")
    spray(client, NAT, settings.AXES_IP_FAILURE_LIMIT - 1)
    assert attempt(client, victim.username, PASSWORD, NAT).status_code == 302


def test_the_address_lock_spares_accounts_that_signed_in_there_before(client):
    """A kommun's staff behind one NAT address keep working while a sprayer is stopped."""
    colleague = UserFactory(username="kollega")
    assert attempt(client, colleague.username, PASSWORD, NAT).status_code == 302
    client.post(reverse("konto:logout"))
    spray(client, NAT, settings.AXES_IP_FAILURE_LIMIT + 5)
    assert attempt(client, colleague.username, PASSWORD, NAT).status_code == 302
    # A new account on the same address is still refused, and so is the colleague
    # from an address the colleague never used.
    client.post(reverse("konto:logout"))
    newcomer = UserFactory(username="ny")
    assert locked(attempt(client, newcomer.username, PASSWORD, NAT))


def test_the_address_lock_does_not_reach_other_addresses(client):
    victim = UserFactory(username="offer_med_ratt_losenord")
    spray(client, NAT, settings.AXES_IP_FAILURE_LIMIT)
    assert attempt(client, victim.username, PASSWORD, "192.0.2.50").status_code == 302


def test_signing_in_to_an_own_account_does_not_reset_the_address_count(client):
    own = UserFactory(username="angriparens_eget_konto")
    victim = UserFactory(username="offer_med_ratt_losenord")
    spray(client, NAT, settings.AXES_IP_FAILURE_LIMIT - 1)
    assert attempt(client, own.username, PASSWORD, NAT).status_code == 302
    client.post(reverse("konto:logout"))
    spray(client, NAT, 1, prefix="fler")
    assert locked(attempt(client, victim.username, PASSWORD, NAT))


def test_one_account_guessed_from_many_addresses_is_locked(client):
    victim = UserFactory(username="offer_med_ratt_losenord")
    for n in range(settings.AXES_USERNAME_FAILURE_LIMIT - 1):
        response = attempt(client, victim.username, "fel-losenord", f"198.51.100.{n + 1}")
        assert not locked(response), n
    assert locked(attempt(client, victim.username, "fel-losenord", "198.51.100.200"))
    assert locked(attempt(client, victim.username, PASSWORD, "203.0.113.9"))


def test_the_account_limit_is_above_the_pair_limit():
    """A user mistyping at one address meets the pair's limit first; the lock per account
    is for guessing from many addresses, and the address limit is higher still."""
    assert (
        settings.AXES_FAILURE_LIMIT
        < settings.AXES_USERNAME_FAILURE_LIMIT
        < settings.AXES_IP_FAILURE_LIMIT
    )
