"""Every insatser URL: outsiders get 404, a wrong method 405, anonymous users the login page."""

from __future__ import annotations

import pytest
from django.urls import reverse

from ..factories import InsatsFactory

pytestmark = pytest.mark.django_db

# (url name, arguments after the organisationsnummer, allowed methods). Each names
# insats A-1 (not assigned to handlaggare_a) or the volyminsats A-V (neither).
INSATS_URLS = [
    ("insatser:detail", ["A-1"], {"GET"}),
    ("insatser:edit", ["A-1"], {"GET", "POST"}),
    ("insatser:close", ["A-1"], {"GET", "POST"}),
    ("insatser:handlaggare", ["A-1"], {"GET", "POST"}),
    ("insatser:antal_add", ["A-V"], {"POST"}),
]
FORBUND_URLS = [
    ("insatser:list", [], {"GET"}),
    ("insatser:create", [], {"GET", "POST"}),
    ("insatser:ekonomi_current", [], {"GET"}),
    ("insatser:ekonomi", [2015], {"GET"}),
    ("insatser:ekonomi_insats_edit", [2015, "A-1"], {"GET", "POST"}),
    ("insatser:ekonomi_rad_edit", [2015, "adm_personal"], {"GET", "POST"}),
]
# The list is open to the förbund's handläggare (it shows only their insatser).
HANDLAGGARE_MAY_OPEN = {"insatser:list"}


@pytest.fixture
def urls(forbund_a, insats_a):
    InsatsFactory(forbund=forbund_a, kod="A-V", deltagarregistrering="volym")
    orgnr = forbund_a.organisationsnummer
    return [
        (name, reverse(name, args=[orgnr, *args]), methods)
        for name, args, methods in INSATS_URLS + FORBUND_URLS
    ]


def call(client, method, url):
    return getattr(client, method.lower())(
        url, {"datum": "2015-05-31"} if method == "POST" else None
    )


@pytest.mark.parametrize("who", ["client_admin_b", "client_radet", "client_handlaggare_a"])
def test_outsiders_get_404(request, urls, who):
    client = request.getfixturevalue(who)
    for name, url, methods in urls:
        if who == "client_handlaggare_a" and name in HANDLAGGARE_MAY_OPEN:
            continue
        for method in methods:
            assert call(client, method, url).status_code == 404, (who, method, url)


def test_wrong_method_is_405(client_admin_a, urls):
    for _, url, methods in urls:
        for method in {"GET", "POST", "PUT", "DELETE"} - methods:
            assert call(client_admin_a, method, url).status_code == 405, (method, url)


def test_anonymous_is_sent_to_login(client, urls):
    for _, url, methods in urls:
        response = call(client, next(iter(methods)), url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("konto:login"))


def test_administrator_reaches_every_page(client_administrator, urls):
    for name, url, methods in urls:
        if "GET" in methods:
            assert client_administrator.get(url).status_code in {200, 302}, name


def test_unknown_forbund_and_insats_are_404(client_admin_a, forbund_a):
    orgnr = forbund_a.organisationsnummer
    assert client_admin_a.get(reverse("insatser:list", args=["0000000000"])).status_code == 404
    assert (
        client_admin_a.get(reverse("insatser:detail", args=[orgnr, "FINNS-EJ"])).status_code == 404
    )


def test_insats_of_another_forbund_is_404_under_own_forbund(client_admin_a, forbund_a, insats_b):
    orgnr = forbund_a.organisationsnummer
    for name, args in [
        ("insatser:detail", [orgnr, insats_b.kod]),
        ("insatser:ekonomi_insats_edit", [orgnr, 2015, insats_b.kod]),
    ]:
        assert client_admin_a.get(reverse(name, args=args)).status_code == 404
