"""A failing request's error report (the debug page, or the report Django logs and mails)
never shows a POSTed personnummer or password, nor one held in a local variable."""

from __future__ import annotations

import logging

import pytest
from django.urls import reverse
from django.views.debug import ExceptionReporter

from ..deltagare.handlaggare_data import NUMMER, assigned_insats, person_deltagande
from ..deltagare.test_views_registrera import _valid

pytestmark = pytest.mark.django_db

NUMBER_FORMS = ("19900101-0017", "199001010017", "9001010017", "900101-0017")
PASSWORD = "Hemligt-losen-4711"


@pytest.fixture
def insats(forbund_a, handlaggare_a):
    return assigned_insats(forbund_a, handlaggare_a)


def _pnr_requests(insats):
    args = [insats.forbund.organisationsnummer, insats.kod]
    return {
        "registrering": (reverse("deltagare:create", args=args), _valid()),
        "kontroll": (reverse("deltagare:pnr_check", args=args), {"personnummer": NUMMER}),
        "registerutdrag": (reverse("deltagare_forbund:registerutdrag"), {"personnummer": NUMMER}),
    }


def _assert_hidden(text: str, secrets: tuple[str, ...]) -> None:
    assert "*****" in text  # the report was filtered, not left out
    for secret in secrets:
        assert secret not in text, secret


@pytest.mark.parametrize("view", ["registrering", "kontroll", "registerutdrag"])
def test_debug_page_hides_the_personnummer(
    view, client_handlaggare_a, insats, handlaggare_a, settings
):
    person_deltagande(insats, handlaggare_a)  # a known person: the extract looks them up
    # A server started without the hash key: hashing fails with the clear number in a local.
    settings.FINSAM_PNR_HMAC_KEY = ""
    settings.DEBUG = True
    client_handlaggare_a.raise_request_exception = False
    url, data = _pnr_requests(insats)[view]
    response = client_handlaggare_a.post(url, data)
    assert response.status_code == 500
    page = response.content.decode()
    assert "FINSAM_PNR_HMAC_KEY är inte satt" in page  # Django's debug page of the failure
    _assert_hidden(page, NUMBER_FORMS)


@pytest.mark.parametrize("view", ["registrering", "kontroll", "registerutdrag"])
def test_logged_error_report_hides_the_personnummer(
    view, client_handlaggare_a, insats, handlaggare_a, settings, caplog
):
    person_deltagande(insats, handlaggare_a)
    settings.FINSAM_PNR_HMAC_KEY = ""
    client_handlaggare_a.raise_request_exception = False
    url, data = _pnr_requests(insats)[view]
    with caplog.at_level(logging.ERROR, logger="django.request"):
        assert client_handlaggare_a.post(url, data).status_code == 500
    record = next(r for r in caplog.records if r.exc_info)
    # What AdminEmailHandler would mail: the report with Django's filter applied.
    reporter = ExceptionReporter(record.request, *record.exc_info)
    _assert_hidden(reporter.get_traceback_text(), NUMBER_FORMS)
    _assert_hidden(reporter.get_traceback_html(), NUMBER_FORMS)


def test_debug_page_hides_the_personnummer_of_an_uploaded_file(
    client_handlaggare_a, insats, settings
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from ..deltagare.test_import_deltaganden import HEADER

    o = insats.forbund.organisationsnummer
    text = HEADER + f"{o};{insats.kod};person;{NUMMER};2015-03-01;;2015-03-01;;;;;;;;\n"
    settings.FINSAM_PNR_KEYS = []  # encrypting the upload fails with the bytes in a local
    settings.DEBUG = True
    client_handlaggare_a.raise_request_exception = False
    fil = SimpleUploadedFile("d.csv", text.encode(), content_type="text/csv")
    response = client_handlaggare_a.post("/deltagare/import/", {"kind": "deltaganden", "fil": fil})
    assert response.status_code == 500 and "FINSAM_PNR_KEYS" in response.text
    _assert_hidden(response.text, NUMBER_FORMS)


def test_debug_page_hides_the_password_of_a_failed_login(
    client, handlaggare_a, settings, monkeypatch
):
    handlaggare_a.set_password(PASSWORD)
    handlaggare_a.save()

    def fail(*args, **kwargs):
        raise RuntimeError("inloggningen gick sönder")

    monkeypatch.setattr("django.contrib.auth.views.auth_login", fail)
    settings.DEBUG = True
    client.raise_request_exception = False
    response = client.post(
        reverse("konto:login"), {"username": handlaggare_a.username, "password": PASSWORD}
    )
    assert response.status_code == 500 and "inloggningen gick sönder" in response.text
    _assert_hidden(response.text, (PASSWORD,))
