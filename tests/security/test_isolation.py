"""Every URL of the project, walked by users who must not reach förbund A's data.

The URLs are generated from the URL resolver, so a new view cannot escape this test. Their
parameters are filled from real objects of förbund A (one of each kind, built in `world`);
a parameter the walker cannot fill fails the test, naming the pattern, so that whoever adds
a view adds its parameter to PARAMS below.

Each outsider (a user of another förbund, a handläggare of förbund A outside the insats,
Nationella rådet) sends GET and POST to every URL. Outside the role's explicit allow-list
the only answers accepted are 404 (outside the user's reach) and 405 (wrong method). Pages a
role may open must not show anything of the objects it does not reach.

A positive control makes the 404s mean something: for every URL some insider (förbund A's
förbundsadministratör, the insats's handläggare, the administratör) gets an answer other
than 404, so the parameters name real objects.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.urls import get_resolver

from deltagare import pnr, services
from forbund.choices import Roll
from insatser.models import InsatsUppdrag

from ..conftest import _verified_client
from ..factories import InsatsFactory, UppdragFactory
from ..urlwalk import SHARED_PNR, World, build_world, routes, walk_urls, with_api_key

pytestmark = pytest.mark.django_db

LOGIN_URL = "/konto/logga-in/"

# --- What each outsider may reach (any answer below 500). Everything else: 404 or 405. ---

# Signing in and out, activation and recovery, the own account page and the health check
# are for everyone.
ACCOUNT = {
    "konto:login",
    "konto:logout",
    "konto:otp_verify",
    "konto:otp_setup",
    "konto:ingen_app",
    "konto:aktivera",
    "konto:nytt_losenord_begar",
    "konto:nytt_losenord",
}
COMMON = {
    "start",
    "health",
    *ACCOUNT,
    "konto:mitt_konto",
    "konto:byt_losenord",
    "konto:avsluta_sessioner",
    "konto:nya_reservkoder",
    "konto:api_nycklar",
    # The report API's schema and root say nothing of anyone's data.
    *{"api:openapi-json", "api:api-root"},
}
# The report API signs in by key (each client below sends one of its user's keys); without
# a key it answers 401.
API_KEYED = {"api:forbund_list", "api:rapport_forbund", "api:rapport_lan", "api:rapport_nationell"}
ALLOWED: dict[str, set[str]] = {
    # Förbundsadministratör of förbund B: the registry list (shows only B), the entry
    # pages that lead to the own förbund, and the own report orders.
    "forbundsadministrator_b": COMMON
    | {
        "forbund:list",
        "insatser:start",
        "insatser:ekonomi_start",
        "rapporter:index",
        "rapporter:godkannanden",  # the overview of approved years: the own förbund only
        "deltagare_forbund:import",  # the upload form; rows are checked against their rights
        # The accounts with assignments in the own förbund, and their log.
        "konton:list",
        "konton:logg",
        "api:forbund_list",  # lists förbund B only
    },
    # Handläggare of förbund B: the entry page of the own insatser, and the register
    # extract form (it finds only persons in the handläggare's own insatser).
    "handlaggare_b": COMMON
    | {"insatser:start", "deltagare_forbund:registerutdrag", "deltagare_forbund:import"},
    # Handläggare of förbund A, assigned to other insatser, one of which has the same
    # person as insats A-1: the förbund's insats list, which shows only the insatser they
    # are assigned to, and the register extract, which shows only their own insats.
    "handlaggare_utanfor": COMMON
    | {
        "insatser:start",
        "insatser:list",
        "deltagare_forbund:registerutdrag",
        "deltagare_forbund:import",
    },
    # Förbund B's personuppgiftsansvarig takes full register extracts, of B's persons only.
    "personuppgiftsansvarig_b": COMMON | {"deltagare_forbund:registerutdrag"},
    # Nationella rådet reads the registry of every förbund and orders aggregated reports;
    # it reaches no insats, deltagande or someone else's report. Through the API it fetches
    # every scope's report, suppressed. It sees the overview of every förbund's approved
    # years, not the approval pages.
    "radet": COMMON
    | {"forbund:list", "forbund:detail", "rapporter:index", "rapporter:godkannanden"}
    | API_KEYED,
}
# A förbund's report lists its insatser by name (the insats annex), and Nationella rådet may
# have every förbund's report: the names are no secret there.
NAMES_INSATSER = {("radet", "api:rapport_forbund")}
# Pages an anonymous visitor gets; everything else sends them to the login page.
ANONYMOUS = {"health", *ACCOUNT, "api:openapi-json", "api:api-root"}

# URLs no insider can answer with the walker's parameters (the positive control skips them).
NO_POSITIVE_CONTROL = {
    # Admin's catch-all answers 404 for an unknown admin path, by design.
    "admin/(?P<url>.*)$",
    # The API's answer (JSON 404) for a path under it that matches none of its routes.
    "api:no_route",
}


@pytest.fixture
def world(forbund_a, forbund_b, admin_a, insats_a, tilldelad_insats_a) -> World:
    return build_world(forbund_a=forbund_a, admin_a=admin_a, insats_a=insats_a)


@pytest.fixture
def urls(world) -> list[tuple[str, str]]:
    return walk_urls(world)


def _call(client: Client, method: str, key: str, url: str, world: World):
    if method == "GET":
        return client.get(url)
    return client.post(url, world.post_data.get(key, {}))


def _text(response) -> str:
    if getattr(response, "streaming", False):
        return ""
    return response.content.decode(errors="replace")


# --- The tests ---------------------------------------------------------------------------


@pytest.fixture
def outsiders(
    world, forbund_a, forbund_b, insats_b, admin_b, radet, handlaggare_a
) -> dict[str, Client]:
    handlaggare_b = UppdragFactory(
        roll=Roll.HANDLAGGARE, forbund=forbund_b, user__username="coach_b"
    )
    InsatsUppdrag.objects.create(insats=insats_b, uppdrag=handlaggare_b)
    # handlaggare_a registers the person of insats A-1 in an insats of their own.
    egen = InsatsFactory(forbund=forbund_a, kod="A-3", namn="Egen insats")
    InsatsUppdrag.objects.create(insats=egen, uppdrag=handlaggare_a.uppdrag.get())
    services.register_person_deltagande(
        user=handlaggare_a,
        insats=egen,
        personnummer=pnr.parse(SHARED_PNR),
        samtycke_datum=dt.date(2016, 1, 4),
        startdatum=dt.date(2016, 1, 4),
    )
    pua_b = UppdragFactory(roll=Roll.PERSONUPPGIFTSANSVARIG, forbund=forbund_b).user
    admin_client = Client()
    admin_client.force_login(admin_b)
    radet_client = Client()
    radet_client.force_login(radet)
    return {
        "forbundsadministrator_b": with_api_key(admin_client, admin_b),
        "handlaggare_b": with_api_key(_verified_client(handlaggare_b.user), handlaggare_b.user),
        "handlaggare_utanfor": with_api_key(_verified_client(handlaggare_a), handlaggare_a),
        "personuppgiftsansvarig_b": with_api_key(_verified_client(pua_b), pua_b),
        "radet": with_api_key(radet_client, radet),
    }


def test_allow_lists_name_existing_urls(urls):
    keys = {key for key, _ in urls}
    for role, allowed in [*ALLOWED.items(), ("anonym", ANONYMOUS)]:
        assert allowed <= keys, (role, allowed - keys)
    assert keys >= NO_POSITIVE_CONTROL


@pytest.mark.parametrize("role", sorted(ALLOWED))
def test_outsiders_get_404_for_everything_outside_their_reach(urls, world, outsiders, role):
    client = outsiders[role]
    wrong = []
    for key, url in urls:
        for method in ("GET", "POST"):
            response = _call(client, method, key, url, world)
            status = response.status_code
            if key in ALLOWED[role]:
                if status >= 500:
                    wrong.append(f"{method} {url} ({key}): {status}")
                secrets = world.secrets
                if (role, key) in NAMES_INSATSER:
                    secrets = [s for s in secrets if s not in world.insats_names]
                for secret in secrets:
                    if secret in _text(response):
                        wrong.append(f"{method} {url} ({key}) shows {secret!r}")
            elif status not in (404, 405):
                wrong.append(f"{method} {url} ({key}): {status}, expected 404")
    assert not wrong, f"{role} reaches:\n" + "\n".join(wrong)


def test_anonymous_visitors_are_sent_to_the_login_page(urls, world, client):
    wrong = []
    for key, url in urls:
        for method in ("GET", "POST"):
            response = _call(client, method, key, url, world)
            status = response.status_code
            if key in ANONYMOUS:
                ok = status < 500
            elif key in API_KEYED:
                ok = status in (401, 405)
            elif status == 302:
                ok = response["Location"].startswith(LOGIN_URL) or _is_admin_login(response)
            else:
                ok = status in (404, 405)
            if not ok:
                wrong.append(f"{method} {url} ({key}): {status}")
    assert not wrong, "\n".join(wrong)


def _is_admin_login(response) -> bool:
    """The admin sends anonymous visitors to its own login URL, which redirects to ours."""
    return response["Location"].startswith("/admin/login/")


def test_every_url_answers_an_insider(urls, world, admin_a, administrator):
    """The positive control: the walker's parameters name objects someone may reach."""
    admin_client = Client()
    admin_client.force_login(admin_a)
    insiders = {
        "forbundsadministrator_a": with_api_key(admin_client, admin_a),
        "handlaggare_inne": with_api_key(_verified_client(world.inne), world.inne),
        "administrator": with_api_key(_verified_client(administrator), administrator),
    }
    unanswered = []
    for key, url in urls:
        if key in NO_POSITIVE_CONTROL:
            continue
        answers = []
        for name, client in insiders.items():
            status = _call(client, "GET", key, url, world).status_code
            if status == 405:
                status = _call(client, "POST", key, url, world).status_code
            answers.append((name, status))
            if status not in (404, 405):
                break
        else:
            unanswered.append(f"{url} ({key}): {answers}")
    assert not unanswered, (
        "No insider reaches these URLs with the walker's parameters; give them real "
        "objects in `world`:\n" + "\n".join(unanswered)
    )


def test_the_walk_sees_new_patterns():
    """Guards the generator itself: it reaches into included URLconfs and the admin."""
    keys = {r.key for r in routes(get_resolver().url_patterns)}
    assert {"start", "insatser:detail", "rapporter:jobb", "admin:index"} <= keys
