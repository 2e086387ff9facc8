"""Every URL pattern of the project with control characters in its parameters: 404, never 500.

The patterns come from the URL resolver (tests/urlwalk.py), so a new URL is fuzzed as soon as
it exists. A NUL byte used to reach PostgreSQL, which refuses it in text (a 500).
"""

from __future__ import annotations

from urllib.parse import quote

import pytest
from django.urls import get_resolver
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ..conftest import _verified_client
from ..urlwalk import _fill, build_world, parameters, routes

pytestmark = pytest.mark.django_db

CONTROL = st.characters(min_codepoint=0, max_codepoint=0x1F) | st.just("\x7f")
# Text with at least one control character, anywhere in the segment.
HOSTILE = st.tuples(
    st.text(max_size=4, alphabet=st.characters(exclude_characters="/?#%")),
    CONTROL,
    st.text(max_size=4, alphabet=CONTROL | st.characters(exclude_characters="/?#%")),
).map("".join)


@pytest.fixture
def insiders(forbund_a, admin_a, insats_a, tilldelad_insats_a, administrator):
    world = build_world(forbund_a=forbund_a, admin_a=admin_a, insats_a=insats_a)
    clients = [_verified_client(u) for u in (administrator, admin_a, world.inne)]
    return world, clients


def test_a_nul_byte_in_a_forbund_address_is_404(client_administrator, forbund_a):
    assert client_administrator.get("/forbund/%00/").status_code == 404
    assert client_administrator.get(f"/forbund/{forbund_a.organisationsnummer}/").status_code == 200


def test_control_characters_in_any_url_parameter_are_404(insiders):
    world, clients = insiders
    targets = [
        (route, name) for route in routes(get_resolver().url_patterns) for name in parameters(route)
    ]
    assert len(targets) > 50  # the resolver's patterns, the admin's included

    @settings(
        max_examples=300, deadline=None, database=None, suppress_health_check=list(HealthCheck)
    )
    @given(target=st.sampled_from(targets), text=HOSTILE, who=st.sampled_from(clients))
    def request(target, text, who):
        route, name = target
        url = _fill(route, world, {name: quote(text, safe="")})
        for response in (who.get(url), who.post(url)):
            assert response.status_code == 404, (route.key, url, response.status_code)

    request()
