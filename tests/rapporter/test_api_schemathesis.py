"""Schemathesis over the API's own OpenAPI schema: generated calls (valid and invalid
parameters) through the Django application's WSGI handler, in process and offline, with a
Nationella rådet key and a förbundsadministratör key. No answer may be a server error, and
every answer's status must be one the schema documents, in the form it documents."""

from __future__ import annotations

import datetime as dt
import json

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, Phase, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    response_schema_conformance,
    status_code_conformance,
)

from deltagare import services as deltagare_services
from finsam.wsgi import application
from forbund.account_services import create_api_nyckel
from rapporter.api import api

pytestmark = pytest.mark.django_db

# Not content_type_conformance: a path with control characters is refused before any
# route by finsam.lib.middleware.RejectControlCharactersMiddleware, with the site's HTML 404.
CHECKS = [not_a_server_error, status_code_conformance, response_schema_conformance]


@pytest.fixture
def _same_connection():
    """The calls run in the test's transaction, as with Django's test client: the handler
    must not close the connection at each request's start and end."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


# The schema the application serves at /api/v1/openapi.json (checked below), made without a
# request: loading it through the handler at collection would write the call log, and the
# test database does not exist yet.
RAW_SCHEMA = api.get_openapi_schema()
schema = schemathesis.openapi.from_dict(RAW_SCHEMA)
schema.app = application  # every call goes through Django's WSGI handler, in process


def test_the_schema_tested_is_the_schema_served(client):
    assert client.get("/api/v1/openapi.json").json() == json.loads(json.dumps(RAW_SCHEMA))


@pytest.fixture
def world(_same_connection, settings, forbund_a, forbund_b, insats_a):
    settings.FINSAM_API_RATES = ["100000/m"]  # the limit has its own test
    deltagare_services.register_anonymous_deltagande(
        insats=insats_a, kon="kvinna", startdatum=dt.date(2015, 3, 1)
    )


@pytest.fixture
def keys(world, radet, admin_a) -> list[str]:
    return [
        create_api_nyckel(user=u, namn="Schemathesis", giltig_till=None) for u in (radet, admin_a)
    ]


@schema.parametrize()
@settings(
    max_examples=12,
    deadline=None,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_no_generated_call_gets_a_server_error(case, keys):
    for key in keys:
        case.call_and_validate(headers={"Authorization": f"Bearer {key}"}, checks=CHECKS)
