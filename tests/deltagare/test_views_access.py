"""Every handläggare URL: only the insats's handläggare get in; everyone else gets 404 (and
never a personnummer), a wrong method 405, anonymous users the login page."""

from __future__ import annotations

import pytest
from django.urls import reverse

from deltagare.models import Atkomstlogg
from forbund.choices import Roll
from tests.conftest import _verified_client
from tests.factories import UppdragFactory

from .handlaggare_data import NUMMER, assigned_insats, end, person_deltagande

pytestmark = pytest.mark.django_db

PNR_FORMS = ("19900101-0017", "199001010017", "9001010017", "900101-0017")


@pytest.fixture
def coach(forbund_a):
    """The handläggare of the insats (handlaggare_a is not)."""
    return UppdragFactory(roll=Roll.HANDLAGGARE, forbund=forbund_a, user__username="coach_x").user


@pytest.fixture
def client_coach(coach):
    return _verified_client(coach)


@pytest.fixture
def urls(forbund_a, coach):
    insats = assigned_insats(forbund_a, coach)
    d = end(person_deltagande(insats, coach))
    base = [forbund_a.organisationsnummer, insats.kod]
    one = [*base, d.public_id]
    return [
        ("deltagare:list", base, {"GET"}),
        ("deltagare:create", base, {"GET", "POST"}),
        ("deltagare:pnr_check", base, {"POST"}),
        ("deltagare:create_anonym", base, {"GET", "POST"}),
        ("deltagare:detail", one, {"GET"}),
        ("deltagare:avsluta", one, {"GET", "POST"}),
        ("deltagare:startprofil", one, {"GET", "POST"}),
        ("deltagare:uppfoljning", [*one, 90], {"GET", "POST"}),
        ("deltagare:aterkalla", one, {"GET", "POST"}),
    ]


def _call(client, method: str, url: str):
    data = {"personnummer": NUMMER, "kon": "man", "startdatum": "2016-01-01"}
    return getattr(client, method.lower())(url, data if method == "POST" else None)


def _walk(urls):
    for name, args, methods in urls:
        url = reverse(name, args=args)
        for method in sorted(methods):
            yield name, url, method


def test_the_insats_handlaggare_reaches_every_page(client_coach, urls):
    for name, url, method in _walk(urls):
        response = _call(client_coach, method, url)
        assert response.status_code in (200, 302), (name, method)


@pytest.fixture
def client_handlaggare_b(forbund_b):
    user = UppdragFactory(roll=Roll.HANDLAGGARE, forbund=forbund_b, user__username="coach_b").user
    assigned_insats(forbund_b, user, kod="IND-1")  # same kod in another förbund
    return _verified_client(user)


@pytest.mark.parametrize(
    "who",
    [
        "client_handlaggare_a",  # a handläggare of the förbund, outside the insats
        "client_handlaggare_b",  # another förbund's handläggare
        "client_admin_a",  # the förbundsadministratör: pseudonymised pages only (h2)
        "client_admin_b",
        "client_radet",
        "client_administrator",
    ],
)
def test_everyone_else_gets_404_and_no_number(request, urls, who):
    client = request.getfixturevalue(who)
    for name, url, method in _walk(urls):
        response = _call(client, method, url)
        assert response.status_code == 404, (who, name, method)
        html = response.content.decode()
        for form in PNR_FORMS:
            assert form not in html
    assert not Atkomstlogg.objects.exists()


def test_a_forbundsadministrator_start_page_has_no_number(client_admin_a, urls):
    html = client_admin_a.get(reverse("start")).content.decode()
    for form in PNR_FORMS:
        assert form not in html


def test_pages_with_personal_data_are_not_cached(client_coach, urls):
    for name, url, method in _walk(urls):
        response = _call(client_coach, method, url)
        if response.status_code == 200:
            assert "no-store" in response["Cache-Control"], (name, method)


def test_wrong_method_is_405(client_coach, urls):
    for name, args, methods in urls:
        url = reverse(name, args=args)
        for method in {"GET", "POST", "PUT", "DELETE", "PATCH"} - methods:
            response = getattr(client_coach, method.lower())(url)
            assert response.status_code == 405, (name, method)


def test_anonymous_users_are_sent_to_login(client, urls):
    for name, url, method in _walk(urls):
        response = _call(client, method, url)
        assert response.status_code == 302, (name, method)
        assert "/konto/logga-in/" in response.url


def test_a_volume_insats_has_no_participant_pages(client_handlaggare_a, tilldelad_insats_a):
    args = [tilldelad_insats_a.forbund.organisationsnummer, tilldelad_insats_a.kod]
    assert client_handlaggare_a.get(reverse("deltagare:list", args=args)).status_code == 404
    assert client_handlaggare_a.get(reverse("deltagare:create", args=args)).status_code == 404


def test_insats_page_links_the_participant_list_for_its_handlaggare(
    client_coach, client_admin_a, forbund_a, coach
):
    insats = assigned_insats(forbund_a, coach, kod="IND-9")
    list_url = reverse("deltagare:list", args=[forbund_a.organisationsnummer, "IND-9"])
    assert list_url in client_coach.get(insats.get_absolute_url()).content.decode()
    assert list_url not in client_admin_a.get(insats.get_absolute_url()).content.decode()
