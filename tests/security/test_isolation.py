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
import hashlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.contrib.admin import ModelAdmin
from django.contrib.contenttypes.models import ContentType
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, resolve
from django.utils.regex_helper import normalize

from forbund.choices import Roll
from forbund.models import Forbund
from insatser.models import InsatsUppdrag

from ..conftest import _verified_client
from ..factories import (
    EkonomiradFactory,
    InsatsFactory,
    MedlemsbidragFactory,
    UppdragFactory,
)

pytestmark = pytest.mark.django_db

LOGIN_URL = "/konto/logga-in/"

# --- What each outsider may reach (any answer below 500). Everything else: 404 or 405. ---

# Signing in and out and the health check are for everyone.
COMMON = {"start", "health", "konto:login", "konto:logout", "konto:otp_verify", "konto:otp_setup"}
ALLOWED: dict[str, set[str]] = {
    # Förbundsadministratör of förbund B: the registry list (shows only B), the entry
    # pages that lead to the own förbund, and the own report orders.
    "forbundsadministrator_b": COMMON
    | {"forbund:list", "insatser:start", "insatser:ekonomi_start", "rapporter:index"},
    # Handläggare of förbund B: the entry page of the own insatser.
    "handlaggare_b": COMMON | {"insatser:start"},
    # Handläggare of förbund A, assigned to another insats: the förbund's insats list,
    # which shows only the insatser they are assigned to.
    "handlaggare_utanfor": COMMON | {"insatser:start", "insatser:list"},
    # Nationella rådet reads the registry of every förbund and orders aggregated reports;
    # it reaches no insats, deltagande or someone else's report.
    "radet": COMMON | {"forbund:list", "forbund:detail", "rapporter:index"},
}
# Pages an anonymous visitor gets; everything else sends them to the login page.
ANONYMOUS = {"health", "konto:login", "konto:logout", "konto:otp_verify", "konto:otp_setup"}

# URLs no insider can answer with the walker's parameters (the positive control skips them).
NO_POSITIVE_CONTROL = {
    # Admin's catch-all answers 404 for an unknown admin path, by design.
    "admin/(?P<url>.*)$",
}

# Logging out ends the session: walk it last.
LAST = {"konto:logout"}


@dataclass
class World:
    """One object of each kind, all in förbund A, and the users around them."""

    forbund: Forbund
    values: dict[str, Any] = field(default_factory=dict)
    # Values per URL name where one parameter name means another object.
    overrides: dict[str, dict[str, Any]] = field(default_factory=dict)
    post_data: dict[str, dict[str, Any]] = field(default_factory=dict)
    # Texts that only someone reaching the objects can see.
    secrets: list[str] = field(default_factory=list)
    admin_objects: dict[type, Any] = field(default_factory=dict)


@pytest.fixture
def world(forbund_a, forbund_b, admin_a, insats_a, tilldelad_insats_a) -> World:
    from deltagare import pnr, services
    from insatser.models import Importfil
    from rapporter.models import Rapportjobb, Status

    insats_a.namn = "Hemlig insats A-1"
    insats_a.save()
    volym = InsatsFactory(
        forbund=forbund_a, kod="A-V", namn="Hemlig volyminsats A-V", deltagarregistrering="volym"
    )
    inne = UppdragFactory(roll=Roll.HANDLAGGARE, forbund=forbund_a, user__username="inne_a")
    for insats in (insats_a, volym):
        InsatsUppdrag.objects.create(insats=insats, uppdrag=inne)
    medlemskap = forbund_a.medlemskap.order_by("pk").first()
    MedlemsbidragFactory(medlemskap=medlemskap, ar=2015)
    EkonomiradFactory(forbund=forbund_a, ar=2015, rad="adm_personal")
    EkonomiradFactory(forbund=forbund_a, ar=2015, rad="insats", insats=insats_a)
    jobb = Rapportjobb.objects.create(
        bestalld_av=admin_a,
        ar=2015,
        omfattning="forbund",
        kod=forbund_a.organisationsnummer,
        format="json",
        status=Status.KLAR,
        innehall=b"{}",
    )
    deltagande = services.register_person_deltagande(
        user=inne.user,
        insats=insats_a,
        personnummer=pnr.parse("19900101-0017"),
        samtycke_datum=dt.date(2015, 3, 1),
        startdatum=dt.date(2015, 3, 1),
    )
    anonym = services.register_anonymous_deltagande(
        insats=insats_a, kon="kvinna", startdatum=dt.date(2015, 3, 1)
    )
    data = b"kod;namn\n"
    importfil = Importfil.objects.create(
        user=admin_a,
        forbund=forbund_a,
        kind="insatser",
        filename="insatser.csv",
        data=data,
        sha256=hashlib.sha256(data).hexdigest(),
    )
    w = World(forbund=forbund_a)
    w.values = {
        "orgnr": forbund_a.organisationsnummer,
        "kod": insats_a.kod,
        "ar": 2015,
        "medlemskap_id": medlemskap.pk,
        "jobb_id": jobb.pk,
        "kind": "insatser",
        "format": "csv",
        "rad": "adm_personal",
        # Admin site parameters (the admin answers 404 to everyone but the administratör).
        "app_label": "forbund",
        "content_type_id": ContentType.objects.get_for_model(Forbund).pk,
        "url": "finns-inte/",
        # django.views.static.serve, present only with DEBUG.
        "path": "finns-inte.txt",
    }
    w.overrides = {"insatser:antal_add": {"kod": volym.kod}}
    w.post_data = {"insatser:import_confirm": {"fil": str(importfil.pk)}}
    w.secrets = [
        insats_a.namn,
        volym.namn,
        str(deltagande.public_id),
        str(deltagande.person.public_id),
        str(anonym.public_id),
        str(jobb.pk),
    ]
    w.admin_objects = {
        Forbund: forbund_a,
        type(deltagande): deltagande,
        type(deltagande.person): deltagande.person,
        type(insats_a): insats_a,
        type(jobb): jobb,
        type(importfil): importfil,
        type(inne): inne,
        type(inne.user): inne.user,
    }
    w.inne = inne.user  # type: ignore[attr-defined]
    return w


# --- Generating the URLs -------------------------------------------------------------


@dataclass
class Route:
    key: str  # the URL name, or the pattern for an unnamed one
    chain: list[Any]  # the patterns from the root to this one
    callback: Callable


def _routes(patterns, chain=(), namespace="") -> Iterator[Route]:
    for p in patterns:
        if isinstance(p, URLResolver):
            ns = f"{namespace}{p.namespace}:" if p.namespace else namespace
            yield from _routes(p.url_patterns, (*chain, p), ns)
        elif isinstance(p, URLPattern):
            full = (*chain, p)
            key = f"{namespace}{p.name}" if p.name else "".join(str(q.pattern) for q in full)
            yield Route(key=key, chain=list(full), callback=p.callback)


def _fill(route: Route, world: World) -> str:
    """The URL of the route with its parameters taken from the world; fails loudly."""
    parts = []
    for pattern in route.chain:
        fmt, params = normalize(pattern.pattern.regex.pattern)[0]
        values = {}
        for name in params:
            values[name] = _value(route, name, world)
        parts.append(fmt % values)
    url = "/" + "".join(parts)
    match = resolve(url)
    assert match.func == route.callback, f"{url} resolves to another view than {route.key}"
    return url


def _value(route: Route, name: str, world: World) -> str:
    override = world.overrides.get(route.key, {})
    if name in override:
        return str(override[name])
    model_admin = _model_admin(route.callback)
    if name in ("object_id", "id") and model_admin is not None:
        obj = world.admin_objects.get(model_admin.model)
        if obj is None:
            obj = model_admin.model._default_manager.order_by("pk").first()
        return str(obj.pk) if obj is not None else "0"
    if name == "object_id" and route.key == "admin:view_on_site":
        return str(world.forbund.pk)
    if name in world.values:
        return str(world.values[name])
    pytest.fail(
        f"The URL pattern {route.key!r} has the parameter {name!r} that the isolation walker "
        "cannot fill. Add a real object of förbund A for it to `world` in "
        "tests/security/test_isolation.py (PARAMS), so that the new view is walked too."
    )


def _model_admin(callback):
    """The ModelAdmin behind an admin view (Django marks its own; a custom view is wrapped)."""
    while callback is not None:
        found = getattr(callback, "model_admin", None) or getattr(callback, "__self__", None)
        if isinstance(found, ModelAdmin):
            return found
        callback = getattr(callback, "__wrapped__", None)
    return None


@pytest.fixture
def urls(world) -> list[tuple[str, str]]:
    routes = list(_routes(get_resolver().url_patterns))
    built = [(r.key, _fill(r, world)) for r in routes]
    built.sort(key=lambda item: item[0] in LAST)
    return built


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
def outsiders(world, forbund_b, insats_b, admin_b, radet, handlaggare_a) -> dict[str, Client]:
    handlaggare_b = UppdragFactory(
        roll=Roll.HANDLAGGARE, forbund=forbund_b, user__username="coach_b"
    )
    InsatsUppdrag.objects.create(insats=insats_b, uppdrag=handlaggare_b)
    admin_client = Client()
    admin_client.force_login(admin_b)
    radet_client = Client()
    radet_client.force_login(radet)
    return {
        "forbundsadministrator_b": admin_client,
        "handlaggare_b": _verified_client(handlaggare_b.user),
        "handlaggare_utanfor": _verified_client(handlaggare_a),
        "radet": radet_client,
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
                for secret in world.secrets:
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
        "forbundsadministrator_a": admin_client,
        "handlaggare_inne": _verified_client(world.inne),
        "administrator": _verified_client(administrator),
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
    keys = {r.key for r in _routes(get_resolver().url_patterns)}
    assert {"start", "insatser:detail", "rapporter:jobb", "admin:index"} <= keys
