"""Every URL of the project with its parameters filled from real objects of förbund A.

Used by the isolation walk (tests/security/test_isolation.py) and the Redis fault test
(tests/reliability/test_redis_down.py). The URLs come from the URL resolver, so a new view
is walked as soon as it has a URL; a parameter this module cannot fill fails the test that
walks it, naming the pattern: give it a real object in `build_world`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.contrib.admin import ModelAdmin
from django.contrib.contenttypes.models import ContentType
from django.urls import URLPattern, URLResolver, get_resolver, resolve
from django.utils.regex_helper import normalize

from forbund.choices import Roll
from forbund.models import Forbund
from insatser.models import InsatsUppdrag

from .factories import EkonomiradFactory, InsatsFactory, MedlemsbidragFactory, UppdragFactory

# The personnummer of the walked deltagande in insats A-1.
SHARED_PNR = "19900101-0017"

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
    # A handläggare assigned to the insatser the URLs name.
    inne: Any = None
    # The names of the walked insatser: a förbund's report lists them (its insats annex).
    insats_names: list[str] = field(default_factory=list)


def with_api_key(client, user):
    """The client sends an API key of the user's with every request: the report API
    (rapporter/api.py) signs in by key, not by session; other views ignore the header."""
    from forbund.account_services import create_api_nyckel

    token = create_api_nyckel(user=user, namn="Urlwalk", giltig_till=None)
    client.defaults["HTTP_AUTHORIZATION"] = f"Bearer {token}"
    return client


def build_world(*, forbund_a, admin_a, insats_a) -> World:
    """Förbund A's objects; the caller's fixtures give the förbund, its administrator
    and the insats (handläggare outside it come from `tilldelad_insats_a`)."""
    from deltagare import pnr, services
    from rapporter.models import Rapportfil, Rapportjobb, Status

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
        formats=["json"],
        status=Status.KLAR,
    )
    Rapportfil.objects.create(jobb=jobb, format="json", innehall=b"{}")
    # An approved year 2014 of förbund A, with its stored version (the approval page and
    # its files); 2015, the year the other objects are in, stays open.
    from rapporter import godkannande

    godkannande.approve(forbund=forbund_a, ar=2014, user=admin_a)
    deltagande = services.register_person_deltagande(
        user=inne.user,
        insats=insats_a,
        personnummer=pnr.parse(SHARED_PNR),
        samtycke_datum=dt.date(2015, 3, 1),
        startdatum=dt.date(2015, 3, 1),
    )
    avslutad = services.register_person_deltagande(
        user=inne.user,
        insats=insats_a,
        personnummer=pnr.parse("19851231-0213"),
        samtycke_datum=dt.date(2015, 2, 1),
        startdatum=dt.date(2015, 2, 1),
    )
    services.end_deltagande(
        deltagande=avslutad, slutdatum=dt.date(2015, 6, 1), avslutsorsak="fullfoljd"
    )
    anonym = services.register_anonymous_deltagande(
        insats=insats_a, kon="kvinna", startdatum=dt.date(2015, 3, 1)
    )
    from forbund.models import Importjobb

    importjobb = Importjobb.objects.create(
        user=inne.user,
        kind="deltaganden",
        filnamn="d.csv",
        sida="/deltagare/import/",
        status="granskad",
        data=None,
    )
    from forbund.account_services import create_api_nyckel

    create_api_nyckel(user=admin_a, namn="Hemlig nyckel A", giltig_till=None)
    nyckel = admin_a.api_nycklar.get(namn="Hemlig nyckel A")
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
        "public_id": deltagande.public_id,
        "matpunkt": 90,
        "importjobb_id": importjobb.pk,
        # The report API: förbund A's län; the API key of förbund A's administrator.
        "lan": forbund_a.lan,
        "nyckel_id": nyckel.pk,
        "rest": "finns-inte",  # the API's answer for a path it has no route for
        # Account pages: the handläggare of förbund A and their assignment.
        "user_id": inne.user.pk,
        "uppdrag_id": inne.pk,
        # One-time links: an unknown secret (the page says the link does not work).
        "token": "okand-lank",
        # Admin site parameters (the admin answers 404 to everyone but the administratör).
        "app_label": "forbund",
        "content_type_id": ContentType.objects.get_for_model(Forbund).pk,
        "url": "finns-inte/",
        # django.views.static.serve, present only with DEBUG.
        "path": "finns-inte.txt",
    }
    w.overrides = {
        "insatser:antal_add": {"kod": volym.kod},
        # Follow-ups exist for ended deltaganden only.
        "deltagare:uppfoljning": {"public_id": avslutad.public_id},
        "rapporter:download_format": {"format": "json"},
        "rapporter:godkannande_fil": {"ar": 2014, "version": 1, "format": "json"},
        "rapporter:godkannande_oppna": {"ar": 2014},
    }
    w.post_data = {
        # The number of the deltagande above: an outsider who knows it (and may have
        # registered it in an insats of their own) must still learn nothing of insats A-1.
        "deltagare_forbund:registerutdrag": {"personnummer": SHARED_PNR},
    }
    w.secrets = [
        insats_a.namn,
        volym.namn,
        str(deltagande.public_id),
        str(deltagande.person.public_id),
        str(anonym.public_id),
        str(avslutad.public_id),
        str(jobb.pk),
        str(importjobb.pk),
        nyckel.namn,
    ]
    w.insats_names = [insats_a.namn, volym.namn]
    w.admin_objects = {
        Forbund: forbund_a,
        type(deltagande): deltagande,
        type(deltagande.person): deltagande.person,
        type(insats_a): insats_a,
        type(jobb): jobb,
        type(inne): inne,
        type(inne.user): inne.user,
    }
    w.inne = inne.user
    return w


# --- Generating the URLs -------------------------------------------------------------


@dataclass
class Route:
    key: str  # the URL name, or the pattern for an unnamed one
    chain: list[Any]  # the patterns from the root to this one
    callback: Callable


def routes(patterns, chain=(), namespace="") -> Iterator[Route]:
    for p in patterns:
        if isinstance(p, URLResolver):
            ns = f"{namespace}{p.namespace}:" if p.namespace else namespace
            yield from routes(p.url_patterns, (*chain, p), ns)
        elif isinstance(p, URLPattern):
            full = (*chain, p)
            key = f"{namespace}{p.name}" if p.name else "".join(str(q.pattern) for q in full)
            yield Route(key=key, chain=list(full), callback=p.callback)


def _fill(route: Route, world: World, replaced: dict[str, str] | None = None) -> str:
    """The URL of the route with its parameters taken from the world; fails loudly.

    `replaced` puts other (already quoted) text in the named parameters, as an attacker
    would; that URL need not resolve."""
    parts = []
    for pattern in route.chain:
        fmt, params = normalize(pattern.pattern.regex.pattern)[0]
        values = {}
        for name in params:
            values[name] = (replaced or {}).get(name) or _value(route, name, world)
        parts.append(fmt % values)
    url = "/" + "".join(parts)
    if replaced is None:
        match = resolve(url)
        assert match.func == route.callback, f"{url} resolves to another view than {route.key}"
    return url


def parameters(route: Route) -> list[str]:
    """The names of the route's URL parameters, from the root down."""
    return [name for p in route.chain for name in normalize(p.pattern.regex.pattern)[0][1]]


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
        "tests/urlwalk.py (build_world), so that the new view is walked too."
    )


def _model_admin(callback):
    """The ModelAdmin behind an admin view (Django marks its own; a custom view is wrapped)."""
    while callback is not None:
        found = getattr(callback, "model_admin", None) or getattr(callback, "__self__", None)
        if isinstance(found, ModelAdmin):
            return found
        callback = getattr(callback, "__wrapped__", None)
    return None


def walk_urls(world: World) -> list[tuple[str, str]]:
    """(key, URL) of every URL pattern of the project, logging out last."""
    built = [(r.key, _fill(r, world)) for r in routes(get_resolver().url_patterns)]
    built.sort(key=lambda item: item[0] in LAST)
    return built
