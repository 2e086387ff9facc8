"""Every response with personal or unsuppressed data says `Cache-Control: no-store`: the
participant register's pages and files (the deltagande pages, the pseudonymised list and
its CSV/XLSX, the access log, the register extract, the import pages and fel.csv) and the
report downloads. The URLs come from the resolver (tests/urlwalk.py): a new view of the
register is checked as soon as it has a URL."""

from __future__ import annotations

import pytest

from ..conftest import _verified_client
from ..urlwalk import build_world, walk_urls

pytestmark = pytest.mark.django_db

PERSONAL = ("deltagare:", "deltagare_forbund:", "importjobb:")
EXPECTED = {
    "deltagare:list",
    "deltagare:detail",
    "deltagare:avsluta",
    "deltagare:uppfoljning",
    "deltagare_forbund:list",
    "deltagare_forbund:atkomstlogg",
    "deltagare_forbund:registerutdrag",
    "importjobb:jobb",
    "importjobb:fel",
    "importjobb:andringar",
    "rapporter:download",
}


@pytest.fixture
def insiders(forbund_a, admin_a, insats_a, tilldelad_insats_a, administrator):
    world = build_world(forbund_a=forbund_a, admin_a=admin_a, insats_a=insats_a)
    return world, [_verified_client(u) for u in (world.inne, admin_a, administrator)]


def test_personal_data_is_never_stored_by_a_browser_or_proxy(insiders):
    world, clients = insiders
    urls = [(k, u) for k, u in walk_urls(world) if k.startswith(PERSONAL)]
    urls += [(k, u) for k, u in walk_urls(world) if k == "rapporter:download"]
    forbund = world.forbund.organisationsnummer
    urls += [
        ("deltagare_forbund:list", f"/forbund/{forbund}/deltaganden/?format={fmt}")
        for fmt in ("csv", "xlsx")
    ]
    answered = set()
    for key, url in urls:
        for client in clients:
            response = client.get(url)
            if response.status_code == 405:
                response = client.post(url, world.post_data.get(key, {}))
            if response.status_code < 400:
                assert "no-store" in response.get("Cache-Control", ""), (key, url)
                answered.add(key)
    assert answered >= EXPECTED, EXPECTED - answered
