"""Redis stopped: every page that does not enqueue still answers; ordering a report fails
fast with a clear Swedish message and can be retried once Redis is back.

Runs against a private redis-server that the test starts and stops (never the shared one):
the cache, the health check and the Celery broker of this process all point at it.
"""

from __future__ import annotations

import json
import time

import pytest
from django.core.cache import cache
from django.test import Client

from rapporter import services
from rapporter.models import Rapportjobb, Status

from ..celery_broker import celery_broker
from ..conftest import _verified_client
from ..urlwalk import World, build_world, walk_urls
from .servers import redis_server

pytestmark = [pytest.mark.django_db, pytest.mark.faults]

# A stopped Redis must cost a request seconds, not minutes; this bound only catches a hang.
HANG = 15.0


@pytest.fixture
def private_redis(tmp_path, settings):
    with redis_server(tmp_path) as server, celery_broker(server.url):
        settings.REDIS_URL = server.url
        settings.CACHES = {
            "default": {**settings.CACHES["default"], "LOCATION": server.url},
        }
        yield server


@pytest.fixture
def world(forbund_a, admin_a, insats_a, tilldelad_insats_a) -> World:
    return build_world(forbund_a=forbund_a, admin_a=admin_a, insats_a=insats_a)


def _queued(server) -> list[dict]:
    client = server.client()
    return [json.loads(raw) for raw in client.lrange("celery", 0, -1)]


def test_every_page_answers_while_redis_is_down(
    private_redis, world, admin_a, radet, administrator
):
    cache.set("finsam-test", 1)
    assert cache.get("finsam-test") == 1  # the cache really is the private Redis
    private_redis.stop()

    assert cache.get("finsam-test") is None  # a miss, not an error
    cache.set("finsam-test", 2)

    health = Client().get("/halsa/")
    assert health.status_code == 503
    checks = health.json()["checks"]
    assert (checks["postgresql"], checks["redis"], checks["worker"]) == ("ok", "fel", "fel")

    admin_client = Client()
    admin_client.force_login(admin_a)
    radet_client = Client()
    radet_client.force_login(radet)
    clients = {
        "forbundsadministrator": admin_client,
        "handlaggare": _verified_client(world.inne),
        "radet": radet_client,
        "administrator": _verified_client(administrator),
    }
    failed = []
    for role, client in clients.items():
        for key, url in walk_urls(world):
            if key in ("konto:logout", "health"):  # health: 503 by design, checked above
                continue
            status = client.get(url).status_code
            if status >= 500:
                failed.append(f"{role}: GET {url} ({key}) answered {status}")
    assert not failed, "\n".join(failed)


def test_signing_in_works_while_redis_is_down(private_redis, admin_a):
    private_redis.stop()
    client = Client()
    response = client.post(
        "/konto/logga-in/", {"username": admin_a.username, "password": "ett-langt-testlosenord"}
    )
    assert response.status_code == 302, response.content.decode()[:500]
    assert client.get("/").status_code == 200


def test_the_personnummer_check_and_registration_work_while_redis_is_down(
    private_redis, settings, forbund_a, handlaggare_a
):
    """The check's rate limit counts in Redis; with Redis stopped the count is lost and the
    check answers as usual (never "too many", never 500), and registering works."""
    from django.urls import reverse

    from deltagare.views import PNR_CHECK_RATES

    from ..deltagare.handlaggare_data import NUMMER, assigned_insats, registration_post

    settings.RATELIMIT_USE_CACHE = "default"  # the private Redis, not the test's own cache
    insats = assigned_insats(forbund_a, handlaggare_a)
    client = _verified_client(handlaggare_a)
    args = [forbund_a.organisationsnummer, insats.kod]
    private_redis.stop()
    over_the_limit = int(PNR_CHECK_RATES[0].split("/")[0]) + 5
    for _ in range(over_the_limit):
        started = time.monotonic()
        response = client.post(reverse("deltagare:pnr_check", args=args), {"personnummer": NUMMER})
        assert time.monotonic() - started < HANG
        assert response.status_code == 200 and response.context["status"] == "giltigt"
    response = client.post(reverse("deltagare:create", args=args), registration_post())
    assert response.status_code == 302
    assert insats.deltaganden.count() == 1


def test_a_report_order_fails_fast_and_is_retried_when_redis_is_back(
    private_redis, client_radet, radet
):
    def order():
        return client_radet.post(
            "/rapporter/", {"ar": 2015, "omfattning": "nationell", "format": "json"}, follow=True
        )

    order()  # Redis up: the job waits in the queue
    first = Rapportjobb.objects.get()
    assert first.status == Status.VANTAR
    assert [m["headers"]["argsrepr"] for m in _queued(private_redis)] == [f"('{first.pk}',)"]

    private_redis.stop()
    started = time.monotonic()
    page = order()
    assert time.monotonic() - started < HANG
    jobb = Rapportjobb.objects.exclude(pk=first.pk).get()
    assert jobb.status == Status.FEL and jobb.felmeddelande == services.KO_FEL
    text = page.content.decode()
    assert page.redirect_chain[-1][0] == jobb.get_absolute_url()
    assert services.KO_FEL in text and "Försök igen" in text

    started = time.monotonic()
    still_down = client_radet.post(f"/rapporter/{jobb.pk}/forsok-igen/", follow=True)
    assert time.monotonic() - started < HANG
    assert services.KO_FEL in still_down.content.decode()
    jobb.refresh_from_db()
    assert jobb.status == Status.FEL

    private_redis.start()  # same port, empty
    client_radet.post(f"/rapporter/{jobb.pk}/forsok-igen/")
    jobb.refresh_from_db()
    assert jobb.status == Status.VANTAR and jobb.felmeddelande == ""
    assert [m["headers"]["argsrepr"] for m in _queued(private_redis)] == [f"('{jobb.pk}',)"]
    page = client_radet.get(jobb.get_absolute_url()).content.decode()
    assert "Väntar på att starta" in page


def test_the_cache_answers_as_empty_when_redis_is_unreachable(settings):
    from .servers import free_port

    settings.CACHES = {
        "default": {
            **settings.CACHES["default"],
            "LOCATION": f"redis://127.0.0.1:{free_port()}/0",  # nothing listens there
        }
    }
    assert cache.get("k", "standard") == "standard"
    assert cache.get_many(["k", "l"]) == {}
    assert cache.get_or_set("k", 3) == 3
    assert cache.add("k", 1) is False
    assert cache.has_key("k") is False
    assert cache.delete("k") is False
    assert cache.touch("k") is False
    cache.set("k", 1)
    cache.set_many({"k": 1})
    cache.delete_many(["k"])
    cache.clear()
    with pytest.raises(ValueError, match="not found"):
        cache.incr("k")
