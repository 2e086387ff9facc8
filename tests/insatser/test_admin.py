"""The Django admin for insatser: Administratör only, the same-förbund rules, fixed queries."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from forbund.choices import Roll
from insatser.models import Behovsgrupp, Ekonomirad, Insats, InsatsUppdrag

from ..factories import EkonomiradFactory, InsatsFactory, UppdragFactory

pytestmark = pytest.mark.django_db

INLINES = ["mal", "tilldelningar", "volymregistreringar", "strukturdeltagare"]


def admin_url(model, action: str, *args) -> str:
    return reverse(f"admin:insatser_{model._meta.model_name}_{action}", args=args)


def insats_data(forbund, **overrides) -> dict:
    data = {
        "forbund": forbund.pk,
        "kod": "ADM-1",
        "namn": "Från administrationen",
        "niva": "individ",
        "typ": "rehabilitering",
        "deltagarregistrering": "individuell",
        "form": "projekt",
        "startdatum": "2015-01-01",
    }
    for prefix in INLINES:
        data |= {f"{prefix}-TOTAL_FORMS": "0", f"{prefix}-INITIAL_FORMS": "0"}
    return data | overrides


def test_administrator_creates_an_insats(client_administrator, forbund_a):
    response = client_administrator.post(admin_url(Insats, "add"), insats_data(forbund_a))
    assert response.status_code == 302, response.context["adminform"].errors
    assert Insats.objects.get().forbund == forbund_a


def test_party_of_another_forbund_is_refused(client_administrator, forbund_a, forbund_b):
    data = insats_data(forbund_a, parter=[forbund_b.medlemskap.first().pk])
    response = client_administrator.post(admin_url(Insats, "add"), data)
    assert response.status_code == 200
    assert "Parten är inte medlem i insatsens förbund." in response.text
    assert not Insats.objects.exists()


def test_handlaggare_of_another_forbund_is_refused_inline(
    client_administrator, forbund_a, forbund_b
):
    outsider = UppdragFactory(roll=Roll.HANDLAGGARE, forbund=forbund_b)
    data = insats_data(
        forbund_a, **{"tilldelningar-TOTAL_FORMS": "1", "tilldelningar-0-uppdrag": outsider.pk}
    )
    response = client_administrator.post(admin_url(Insats, "add"), data)
    assert response.status_code == 200
    assert "Handläggaren har inget uppdrag i insatsens förbund." in response.text
    assert not InsatsUppdrag.objects.exists()


def test_volume_counts_on_individuell_insats_are_refused_inline(client_administrator, forbund_a):
    data = insats_data(
        forbund_a,
        **{
            "volymregistreringar-TOTAL_FORMS": "1",
            "volymregistreringar-0-datum": "2015-03-31",
            "volymregistreringar-0-kvinnor": "1",
            "volymregistreringar-0-man": "0",
            "volymregistreringar-0-okant": "0",
        },
    )
    response = client_administrator.post(admin_url(Insats, "add"), data)
    assert "bara för individinriktade volyminsatser" in response.text
    assert not Insats.objects.exists()


def test_ekonomirad_with_insats_of_another_forbund_is_refused(
    client_administrator, forbund_a, insats_b
):
    data = {
        "forbund": forbund_a.pk,
        "ar": "2015",
        "rad": "insats",
        "insats": insats_b.pk,
        "budget": "1",
    }
    response = client_administrator.post(admin_url(Ekonomirad, "add"), data)
    assert "Insatsen hör till ett annat förbund." in response.text
    assert not Ekonomirad.objects.exists()


def test_national_behovsgrupper_are_read_only(client_administrator):
    assert client_administrator.get(admin_url(Behovsgrupp, "add")).status_code == 403
    assert client_administrator.get(admin_url(Behovsgrupp, "changelist")).status_code == 200


@pytest.mark.parametrize("who", ["client_admin_a", "client_handlaggare_a", "client_radet"])
def test_others_get_404(request, who, insats_a):
    client = request.getfixturevalue(who)
    assert client.get(admin_url(Insats, "changelist")).status_code == 404
    assert client.get(admin_url(Insats, "change", insats_a.pk)).status_code == 404


@pytest.mark.parametrize("model", [Insats, Ekonomirad])
def test_changelist_query_count_does_not_grow(client_administrator, forbund_a, model):
    def count() -> int:
        url = admin_url(model, "changelist")
        client_administrator.get(url)
        with CaptureQueriesContext(connection) as queries:
            assert client_administrator.get(url).status_code == 200
        return len(queries)

    insats = InsatsFactory(forbund=forbund_a)
    EkonomiradFactory(forbund=forbund_a, rad="insats", insats=insats)
    few = count()
    for _ in range(20):
        insats = InsatsFactory(forbund=forbund_a)
        EkonomiradFactory(forbund=forbund_a, rad="insats", insats=insats)
    assert count() == few
