"""The cast: förbund A and B, their administrators, a handläggare, Nationella rådet, an administratör."""

from __future__ import annotations

import os

import pytest
from django.test import Client
from django_otp.plugins.otp_totp.models import TOTPDevice
from hypothesis import settings as hypothesis_settings

from forbund.choices import Lan, Roll

from .factories import UppdragFactory, full_forbund

# The fuzz tests draw the same examples on every run ("ci"), so a green suite stays green;
# `make test-explore` draws new ones ("explore") in a random test order, to find what
# the fixed examples miss. A find there becomes a fixed example or a regression test.
hypothesis_settings.register_profile("ci", derandomize=True, database=None)
hypothesis_settings.register_profile("explore", derandomize=False)
hypothesis_settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


def _verified_client(user) -> Client:
    """A client signed in with the second factor verified, as after a real TOTP login."""
    from django_otp import login as otp_login

    client = Client()
    client.force_login(user)
    device = TOTPDevice.objects.create(user=user, name="Test", confirmed=True)
    request = type("R", (), {})()
    request.session = client.session
    request.user = user
    otp_login(request, device)
    request.session.save()
    return client


@pytest.fixture(autouse=True)
def _fast_password_hasher(settings):
    """Every test user gets a password; the production hasher costs ~0.4 s per user."""
    settings.PASSWORD_HASHERS = [
        "django.contrib.auth.hashers.MD5PasswordHasher",
        "django.contrib.auth.hashers.PBKDF2PasswordHasher",  # still checks older hashes
    ]


@pytest.fixture(scope="session")
def _smtp_server():
    from .smtp import start_server

    controller, inbox = start_server()
    yield controller, inbox
    controller.stop()


@pytest.fixture(autouse=True)
def mailbox(_smtp_server, settings):
    """Every test sends its mail to a real local SMTP server (aiosmtpd), never to Django's
    in-memory backend; `mailbox.messages` are the messages of this test."""
    controller, inbox = _smtp_server
    # Django's test set-up swaps MAILERS for its in-memory backend: undo that.
    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": controller.hostname, "port": controller.port, "timeout": 5},
        }
    }
    inbox.clear()
    return inbox


@pytest.fixture(autouse=True)
def _private_rate_limits(settings):
    """Rate-limit counts are keyed by user id, and ids repeat from test to test (and between
    xdist workers sharing the Redis database): each test counts in a cache of its own.
    tests/reliability/test_redis_down.py counts in the real Redis cache."""
    import uuid

    settings.CACHES = {
        **settings.CACHES,
        "ratelimit": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": uuid.uuid4().hex,
        },
    }
    settings.RATELIMIT_USE_CACHE = "ratelimit"


@pytest.fixture
def forbund_a(db):
    return full_forbund(namn="Samordningsförbundet A", lan=Lan.UPPSALA, kommuner=["0380", "0381"])


@pytest.fixture
def forbund_b(db):
    return full_forbund(namn="Samordningsförbundet B", lan=Lan.SKANE, kommuner=["1280"])


@pytest.fixture
def admin_a(forbund_a):
    return UppdragFactory(
        roll=Roll.FORBUNDSADMINISTRATOR, forbund=forbund_a, user__username="chef_a"
    ).user


@pytest.fixture
def admin_b(forbund_b):
    return UppdragFactory(
        roll=Roll.FORBUNDSADMINISTRATOR, forbund=forbund_b, user__username="chef_b"
    ).user


@pytest.fixture
def handlaggare_a(forbund_a):
    return UppdragFactory(roll=Roll.HANDLAGGARE, forbund=forbund_a, user__username="coach_a").user


@pytest.fixture
def radet(db):
    return UppdragFactory(roll=Roll.NATIONELLA_RADET, forbund=None, user__username="radet").user


@pytest.fixture
def administrator(db):
    return UppdragFactory(roll=Roll.ADMINISTRATOR, forbund=None, user__username="admin").user


@pytest.fixture
def client_admin_a(admin_a) -> Client:
    client = Client()
    client.force_login(admin_a)
    return client


@pytest.fixture
def client_admin_b(admin_b) -> Client:
    client = Client()
    client.force_login(admin_b)
    return client


@pytest.fixture
def client_radet(radet) -> Client:
    client = Client()
    client.force_login(radet)
    return client


@pytest.fixture
def client_handlaggare_a(handlaggare_a) -> Client:
    return _verified_client(handlaggare_a)


@pytest.fixture
def client_administrator(administrator) -> Client:
    return _verified_client(administrator)


# Insatser (appended by the insatser app): one insats per förbund, and one that
# handlaggare_a is assigned to. handlaggare_a is *not* assigned to insats_a.


@pytest.fixture
def insats_a(forbund_a):
    from .factories import InsatsFactory

    return InsatsFactory(forbund=forbund_a, kod="A-1", namn="Arbetslivsinriktad rehabilitering")


@pytest.fixture
def insats_b(forbund_b):
    from .factories import InsatsFactory

    return InsatsFactory(forbund=forbund_b, kod="B-1", namn="Insats i förbund B")


@pytest.fixture
def tilldelad_insats_a(forbund_a, handlaggare_a):
    from insatser.models import InsatsUppdrag

    from .factories import InsatsFactory

    insats = InsatsFactory(
        forbund=forbund_a, kod="A-2", namn="Samtalsstöd", deltagarregistrering="volym"
    )
    InsatsUppdrag.objects.create(insats=insats, uppdrag=handlaggare_a.uppdrag.get())
    return insats


@pytest.fixture(autouse=True)
def _insatser_rows_for_every_model(request):
    """forbund's admin test opens every registered model's admin pages and asks for a row
    of each (`every_model_has_a_row` in tests/forbund/test_admin.py): add insatser's rows."""
    if "every_model_has_a_row" not in request.fixturenames:
        return
    import datetime as dt

    from insatser.models import InsatsMal, InsatsUppdrag

    from .factories import (
        EkonomiradFactory,
        InsatsFactory,
        StrukturdeltagareFactory,
        VolymregistreringFactory,
    )

    forbund = request.getfixturevalue("forbund_a")
    handlaggare = request.getfixturevalue("handlaggare_a")
    volym = InsatsFactory(forbund=forbund, kod="ADMIN-V", deltagarregistrering="volym")
    volym.malgrupper.create(forbund=forbund, namn="Unga 16–29 år")
    InsatsMal.objects.create(insats=volym, matt="arbete_studier", malvarde_procent=30)
    InsatsUppdrag.objects.create(insats=volym, uppdrag=handlaggare.uppdrag.get())
    VolymregistreringFactory(insats=volym, datum=dt.date(2015, 3, 31), kvinnor=3)
    struktur = InsatsFactory(forbund=forbund, kod="ADMIN-S", niva="struktur", typ="dialog")
    StrukturdeltagareFactory(insats=struktur, datum=dt.date(2015, 3, 31), arbetsgivare=2)
    EkonomiradFactory(forbund=forbund, rad="insats", insats=volym)


@pytest.fixture(autouse=True)
def _deltagare_rows_for_every_model(request):
    """As above, the participant register's rows (deltagare/admin.py): a person with a
    consent, a deltagande with a follow-up, and a row of the access log."""
    if "every_model_has_a_row" not in request.fixturenames:
        return
    import datetime as dt

    from deltagare import pnr, services

    from .factories import InsatsFactory

    forbund = request.getfixturevalue("forbund_a")
    handlaggare = request.getfixturevalue("handlaggare_a")
    insats = InsatsFactory(forbund=forbund, kod="ADMIN-D")
    deltagande = services.register_person_deltagande(
        user=handlaggare,
        insats=insats,
        personnummer=pnr.parse("19900101-0017"),
        samtycke_datum=dt.date(2015, 3, 1),
        startdatum=dt.date(2015, 3, 1),
    )
    services.end_deltagande(
        deltagande=deltagande, slutdatum=dt.date(2015, 6, 1), avslutsorsak="fullfoljd"
    )
    services.record_uppfoljning(
        deltagande=deltagande,
        matpunkt=90,
        datum=dt.date(2015, 9, 1),
        sysselsattning=["arbete"],
        forsorjning=["forsorjningsstod"],
    )
    services.log_access(
        user=handlaggare,
        person=deltagande.person,
        deltagande=deltagande,
        sida="/",
        anledning="Test",
    )


# Reference data (regions, kommuner, behovsgrupper) is loaded by data migrations. A
# transactional test (live server, worker processes) ends with a flush that empties it:
# such tests get it back here. Idempotent: the loaders update or create.
REFERENCE_DATA_MIGRATIONS = [
    "forbund.migrations.0002_reference_data",
    "insatser.migrations.0002_behovsgrupper",
]


def reload_reference_data() -> None:
    import importlib

    from django.apps import apps

    for name in REFERENCE_DATA_MIGRATIONS:
        importlib.import_module(name).load(apps, None)


@pytest.fixture(autouse=True)
def _reference_data_in_transactional_tests(request):
    marker = request.node.get_closest_marker("django_db")
    transactional = bool(marker and marker.kwargs.get("transaction")) or {
        "transactional_db",
        "live_server",
    } & set(request.fixturenames)
    if transactional:
        request.getfixturevalue("transactional_db")
        from forbund.models import Region

        if not Region.objects.exists():
            reload_reference_data()
