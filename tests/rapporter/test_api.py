"""The read-only report API (rapporter/api.py): schema, keys, who gets which report, the
rate limit and the call log."""

from __future__ import annotations

import datetime as dt
import hashlib
import json

import pytest
from django.test import Client
from openapi_spec_validator import validate

from deltagare import services as deltagare_services
from forbund.account_services import create_api_nyckel
from forbund.choices import Roll
from forbund.models import Apianrop, ApiNyckel
from rapporter import godkannande
from rapporter.renderers import to_json
from rapporter.tabeller import Omfattning

from ..factories import UppdragFactory

pytestmark = pytest.mark.django_db

SCHEMA = "/api/v1/openapi.json"
AR = 2015


def _key(user, **kwargs) -> str:
    return create_api_nyckel(user=user, namn="Skript", giltig_till=kwargs.get("giltig_till"))


def _get(url: str, token: str | None = None, **extra):
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return Client().get(url, headers=headers, **extra)


def _forbund_url(forbund, ar: int = AR) -> str:
    return f"/api/v1/rapporter/{ar}/forbund/{forbund.organisationsnummer}"


@pytest.fixture
def two_anonymous(insats_a):
    """Two deltaganden in förbund A in 2015: a count of 2, suppressed where suppression holds."""
    for _ in range(2):
        deltagare_services.register_anonymous_deltagande(
            insats=insats_a, kon="kvinna", startdatum=dt.date(AR, 3, 1)
        )


def _anonyma(report: dict) -> int | None:
    rows = report["tabeller"]["T2"]["rader"]
    return next(r for r in rows if r["kod"] == "anonyma_deltaganden")["totalt"]


# --- The schema -------------------------------------------------------------------------


def test_the_schema_is_served_without_a_key_and_is_valid_openapi():
    response = Client().get(SCHEMA)
    assert response.status_code == 200
    schema = response.json()
    validate(schema)
    assert schema["openapi"].startswith("3.")
    paths = schema["paths"]
    assert {
        "/api/v1/forbund",
        "/api/v1/rapporter/{ar}/nationell",
        "/api/v1/rapporter/{ar}/lan/{lan}",
        "/api/v1/rapporter/{ar}/forbund/{orgnr}",
    } <= set(paths)
    operation = paths["/api/v1/rapporter/{ar}/forbund/{orgnr}"]["get"]
    assert {"200", "401", "404", "429"} <= set(operation["responses"])
    assert schema["components"]["securitySchemes"]["Nyckel"]["scheme"] == "bearer"


def test_the_api_root_says_where_the_schema_is():
    response = Client().get("/api/v1/")
    assert response.status_code == 200 and response.json()["schema"] == SCHEMA


# --- Keys -----------------------------------------------------------------------------------


def test_a_call_without_a_key_is_refused_in_swedish(forbund_a):
    response = _get(_forbund_url(forbund_a))
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Bearer"
    assert "API-nyckel saknas" in response.json()["detail"]


@pytest.mark.parametrize("header", ["Bearer finsam_fel", "Bearer annat", "Basic dXNlcjpwdw=="])
def test_an_unknown_key_is_refused(forbund_a, admin_a, header):
    _key(admin_a)
    response = Client().get(_forbund_url(forbund_a), headers={"Authorization": header})
    assert response.status_code == 401
    assert "API-nyckeln gäller inte" in response.json()["detail"]


def test_a_revoked_key_stops_working(forbund_a, admin_a):
    token = _key(admin_a)
    assert _get(_forbund_url(forbund_a), token).status_code == 200
    ApiNyckel.objects.update(aterkallad=dt.datetime(2026, 1, 1, tzinfo=dt.UTC))
    assert _get(_forbund_url(forbund_a), token).status_code == 401


def test_a_key_works_through_its_last_day_and_not_after(forbund_a, admin_a):
    from django.utils import timezone

    today = timezone.localdate()
    token = _key(admin_a, giltig_till=today)
    assert _get(_forbund_url(forbund_a), token).status_code == 200
    ApiNyckel.objects.update(giltig_till=today - dt.timedelta(days=1))
    assert _get(_forbund_url(forbund_a), token).status_code == 401


def test_a_deactivated_account_has_no_working_keys(forbund_a, admin_a):
    token = _key(admin_a)
    admin_a.is_active = False
    admin_a.save()
    assert _get(_forbund_url(forbund_a), token).status_code == 401


def test_the_key_is_stored_only_as_its_hash(admin_a):
    token = _key(admin_a)
    nyckel = ApiNyckel.objects.get()
    assert nyckel.nyckel_hash == hashlib.sha256(token.encode()).hexdigest()
    stored = json.dumps(list(ApiNyckel.objects.values()), default=str)
    assert token not in stored and token.startswith(nyckel.prefix)


# --- Who gets which report ------------------------------------------------------------------


def test_radet_always_gets_suppressed_reports(forbund_a, radet, two_anonymous):
    token = _key(radet)
    for url in (
        _forbund_url(forbund_a) + "?undertryck=false",
        f"/api/v1/rapporter/{AR}/lan/{forbund_a.lan}?undertryck=false",
        f"/api/v1/rapporter/{AR}/nationell?undertryck=false",
    ):
        response = _get(url, token)
        assert response.status_code == 200, url
        report = response.json()
        assert report["undertryckt"] is True
        assert _anonyma(report) is None
        assert "anonyma_deltaganden.totalt" in report["tabeller"]["T2"]["undertryckta"]


def test_forbundsadministrator_gets_the_own_report_unsuppressed_when_asked(
    forbund_a, admin_a, two_anonymous
):
    token = _key(admin_a)
    suppressed = _get(_forbund_url(forbund_a), token).json()
    assert suppressed["undertryckt"] is True and _anonyma(suppressed) is None
    full = _get(_forbund_url(forbund_a) + "?undertryck=false", token).json()
    assert full["undertryckt"] is False and _anonyma(full) == 2
    assert full["omfattning"] == {"typ": "forbund", "kod": forbund_a.organisationsnummer}
    assert full["status"] == "preliminar"


def test_the_report_is_the_report_jobs_json_marked_preliminary(forbund_a, admin_a, two_anonymous):
    token = _key(admin_a)
    api = _get(_forbund_url(forbund_a) + "?undertryck=false", token).json()
    omfattning = Omfattning("forbund", forbund_a.organisationsnummer)
    rapport, status = godkannande.rapport_for(ar=AR, omfattning=omfattning, undertryck=False)
    job = json.loads(to_json(rapport, status))
    assert api.pop("status") == "preliminar"
    api.pop("skapad"), job.pop("skapad")
    assert api == job


def test_an_approved_year_is_its_approved_version(forbund_a, admin_a, two_anonymous):
    version = godkannande.approve(
        forbund=forbund_a, ar=AR, user=admin_a, today=dt.date(AR + 1, 3, 1)
    )
    api = _get(_forbund_url(forbund_a) + "?undertryck=false", _key(admin_a)).json()
    assert api.pop("status") == "godkand"
    assert api["uppgifter"]["status"] == "godkanda"
    assert api == json.loads(bytes(version.json))


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/rapporter/2015/forbund/{b}",  # another förbund's report
        "/api/v1/rapporter/2015/nationell",  # wide scopes are not a förbund's
        "/api/v1/rapporter/2015/lan/03",
        "/api/v1/rapporter/2015/forbund/2120000142",  # no such förbund
        "/api/v1/rapporter/1999/forbund/{a}",  # outside the years a report covers
    ],
)
def test_forbundsadministrator_gets_404_outside_the_own_forbund(forbund_a, forbund_b, admin_a, url):
    token = _key(admin_a)
    url = url.format(a=forbund_a.organisationsnummer, b=forbund_b.organisationsnummer)
    response = _get(url, token)
    assert response.status_code == 404
    assert response.json()["detail"].startswith("Finns inte")


def test_roles_without_reports_get_404_everywhere(forbund_a, handlaggare_a):
    pua = UppdragFactory(roll=Roll.PERSONUPPGIFTSANSVARIG, forbund=forbund_a).user
    for user in (handlaggare_a, pua):
        token = _key(user)
        for url in (
            "/api/v1/forbund",
            _forbund_url(forbund_a),
            f"/api/v1/rapporter/{AR}/nationell",
        ):
            assert _get(url, token).status_code == 404, (user, url)


def test_an_unknown_lan_is_404(radet):
    assert _get(f"/api/v1/rapporter/{AR}/lan/99", _key(radet)).status_code == 404


def test_an_unknown_forbund_is_404_also_for_radet(forbund_a, radet):
    # A valid organisationsnummer of no förbund: no empty report, whoever asks.
    assert _get(_forbund_url(forbund_a), _key(radet)).status_code == 200
    unknown = f"/api/v1/rapporter/{AR}/forbund/2120000142"
    assert _get(unknown, _key(radet)).status_code == 404


def test_a_path_with_anything_but_codes_matches_no_route_and_is_logged_without_it(radet):
    token = _key(radet)
    for url in (
        "/api/v1/rapporter/2015/forbund/9001010017",  # shaped as a personnummer
        "/api/v1/rapporter/20150/nationell",
        "/api/v1/rapporter/2015/lan/3",
    ):
        response = _get(url, token)
        assert response.status_code == 404
        assert response.json()["detail"].startswith("Finns inte")
    # Logged, but without the path, which could hold anything.
    assert list(Apianrop.objects.values_list("sokvag", "status")) == [("", 404)] * 3


def test_the_forbund_list_is_what_the_user_may_have_reports_of(
    forbund_a, forbund_b, admin_a, radet
):
    everyone = _get("/api/v1/forbund", _key(radet)).json()
    assert {f["organisationsnummer"] for f in everyone} == {
        forbund_a.organisationsnummer,
        forbund_b.organisationsnummer,
    }
    own = _get("/api/v1/forbund", _key(admin_a)).json()
    assert own == [
        {"organisationsnummer": forbund_a.organisationsnummer, "namn": forbund_a.namn, "lan": "03"}
    ]


def test_a_role_lost_is_access_lost(forbund_a, admin_a):
    token = _key(admin_a)
    assert _get(_forbund_url(forbund_a), token).status_code == 200
    admin_a.uppdrag.update(slutdatum=dt.date(2020, 1, 1), startdatum=dt.date(2019, 1, 1))
    assert _get(_forbund_url(forbund_a), token).status_code == 404


def test_answers_are_never_cached(forbund_a, admin_a):
    response = _get(_forbund_url(forbund_a), _key(admin_a))
    assert "no-store" in response["Cache-Control"]


# --- The rate limit -------------------------------------------------------------------------


def test_too_many_calls_are_refused_with_429(settings, forbund_a, admin_a):
    settings.FINSAM_API_RATES = ["2/m"]
    token = _key(admin_a)
    other = _key(admin_a)  # the limit is the user's, whichever key
    assert _get("/api/v1/forbund", token).status_code == 200
    assert _get("/api/v1/forbund", other).status_code == 200
    refused = _get("/api/v1/forbund", token)
    assert refused.status_code == 429
    assert refused["Retry-After"] == "60"
    assert "För många anrop" in refused.json()["detail"]
    # Other users count on their own.
    radet = UppdragFactory(roll=Roll.NATIONELLA_RADET, forbund=None).user
    assert _get("/api/v1/forbund", _key(radet)).status_code == 200


def test_the_rate_limit_fails_open_when_redis_is_down(settings, forbund_a, admin_a):
    settings.FINSAM_API_RATES = ["1/m"]
    settings.CACHES = {
        **settings.CACHES,
        "ratelimit": {
            "BACKEND": "finsam.lib.cache.ForgivingRedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",  # nothing listens there
            "OPTIONS": {"socket_connect_timeout": 0.2, "socket_timeout": 0.2},
        },
    }
    token = _key(admin_a)
    for _ in range(3):
        assert _get("/api/v1/forbund", token).status_code == 200


# --- The call log ---------------------------------------------------------------------------


def test_every_call_is_logged_without_personal_data_or_the_key(forbund_a, forbund_b, admin_a):
    token = _key(admin_a)
    nyckel = ApiNyckel.objects.get()
    _get(_forbund_url(forbund_a), token)
    _get(_forbund_url(forbund_b), token)
    _get(_forbund_url(forbund_a))
    _get(_forbund_url(forbund_a), "finsam_fel")
    _get(SCHEMA)
    rows = list(
        Apianrop.objects.order_by("pk").values("user", "nyckel", "metod", "sokvag", "status")
    )
    assert rows == [
        {
            "user": admin_a.pk,
            "nyckel": nyckel.pk,
            "metod": "GET",
            "sokvag": _forbund_url(forbund_a),
            "status": 200,
        },
        {
            "user": admin_a.pk,
            "nyckel": nyckel.pk,
            "metod": "GET",
            "sokvag": _forbund_url(forbund_b),
            "status": 404,
        },
        {
            "user": None,
            "nyckel": None,
            "metod": "GET",
            "sokvag": _forbund_url(forbund_a),
            "status": 401,
        },
        {
            "user": None,
            "nyckel": None,
            "metod": "GET",
            "sokvag": _forbund_url(forbund_a),
            "status": 401,
        },
        {"user": None, "nyckel": None, "metod": "GET", "sokvag": SCHEMA, "status": 200},
    ]
    nyckel.refresh_from_db()
    assert nyckel.senast_anvand is not None
    assert token not in json.dumps(list(Apianrop.objects.values()), default=str)


def test_a_refused_call_over_the_limit_is_logged_with_its_key(settings, admin_a):
    settings.FINSAM_API_RATES = ["1/m"]
    token = _key(admin_a)
    _get("/api/v1/forbund", token)
    _get("/api/v1/forbund", token)
    assert list(Apianrop.objects.order_by("pk").values_list("user", "status")) == [
        (admin_a.pk, 200),
        (admin_a.pk, 429),
    ]


def test_wrong_method_is_405_and_logged(admin_a):
    response = Client().post(
        "/api/v1/forbund", headers={"Authorization": f"Bearer {_key(admin_a)}"}
    )
    assert response.status_code == 405
    assert Apianrop.objects.get().status == 405


def test_an_invalid_parameter_is_422_in_swedish(forbund_a, admin_a):
    response = _get(_forbund_url(forbund_a) + "?undertryck=kanske", _key(admin_a))
    assert response.status_code == 422
    assert response.json() == {
        "detail": "Ogiltigt värde för undertryck (undertryck ska vara true eller false)."
    }
