"""The report workbook holds names of insatser and förbund as text, never as formulas."""

from __future__ import annotations

import pytest
from django.urls import reverse

from finsam.celery import app
from forbund.choices import Lan
from rapporter.models import Rapportjobb
from rapporter.renderers import KATALOGBLAD

from ..factories import InsatsFactory, full_forbund
from ..formulas import FORMULAS, HYPERLINK, assert_xlsx_inert

pytestmark = pytest.mark.django_db


@pytest.fixture
def eager():
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = False


def _download(client, **order) -> bytes:
    client.post("/rapporter/", {"ar": 2015, "format": "xlsx", **order})
    jobb = Rapportjobb.objects.get()
    response = client.get(reverse("rapporter:download", args=[jobb.pk]))
    assert response.status_code == 200
    return response.content


def test_insats_names_in_t18_and_the_catalogue_are_text(client_admin_a, forbund_a, eager):
    for i, formula in enumerate(FORMULAS):
        InsatsFactory(forbund=forbund_a, kod=f"F-{i}", namn=formula)
    data = _download(client_admin_a, omfattning="forbund", forbund=forbund_a.pk)
    assert_xlsx_inert(data, sheet="T18")
    assert_xlsx_inert(data, sheet=KATALOGBLAD)


def test_forbund_names_in_the_national_report_are_text(client_radet, eager):
    full_forbund(namn=HYPERLINK, lan=Lan.UPPSALA, kommuner=["0380"])
    InsatsFactory(forbund__namn="-1+1", namn="@SUM(A1)")
    data = _download(client_radet, omfattning="nationell")
    assert_xlsx_inert(data, expected=[HYPERLINK, "-1+1"], sheet="T18")
    assert_xlsx_inert(data, expected=[])  # no formula on any sheet
