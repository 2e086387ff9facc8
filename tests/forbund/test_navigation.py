"""The main navigation by role (forbund/context_processors.py, templates/base.html)."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def nav_links(response) -> dict[str, str]:
    """The main menu's links, label to href."""
    nav = re.search(r'<nav aria-label="Huvudmeny">(.*?)</nav>', response.text, re.S)
    assert nav, "no main navigation"
    return {
        label: href for href, label in re.findall(r'<a href="([^"]+)"[^>]*>([^<]+)</a>', nav[1])
    }


@pytest.mark.parametrize(
    ("who", "forbund", "administration"),
    [
        ("client_admin_a", True, False),
        ("client_radet", True, False),
        ("client_administrator", True, True),
        ("client_handlaggare_a", False, False),
    ],
)
def test_menu_by_role(request, who, forbund, administration):
    response = request.getfixturevalue(who).get(reverse("start"))
    assert response.status_code == 200
    links = nav_links(response)
    assert links["Start"] == reverse("start")
    assert (links.get("Förbund") == reverse("forbund:list")) is forbund
    assert (links.get("Administration") == reverse("admin:index")) is administration


def test_current_page_is_marked(client_radet):
    response = client_radet.get(reverse("forbund:list"))
    assert f'<a href="{reverse("forbund:list")}" aria-current="page">Förbund</a>' in response.text


def test_no_menu_before_sign_in(client):
    response = client.get(reverse("konto:login"))
    assert 'aria-label="Huvudmeny"' not in response.text
    assert response.context["nav_items"] == []


def test_no_menu_while_the_second_factor_is_being_enrolled(client, handlaggare_a):
    """A handläggare must enrol TOTP before anything else: the header offers no pages the
    middleware would refuse, only the account (log out). Enrolment happens in the session
    that used an activation link (forbund/views_konto.py), as set up here."""
    from forbund.sessions import ENROL_SESSION_KEY

    client.force_login(handlaggare_a)
    session = client.session
    session[ENROL_SESSION_KEY] = handlaggare_a.pk
    session.save()
    response = client.get(reverse("konto:otp_setup"))
    assert response.status_code == 200
    assert 'aria-label="Huvudmeny"' not in response.text
    assert "Logga ut" in response.text
    assert client.get(reverse("start")).status_code == 302  # still closed
