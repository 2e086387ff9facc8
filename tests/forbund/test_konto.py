"""Sign-in, sign-out, lockout and the second factor (forbund/views_konto.py, the middleware)."""

from __future__ import annotations

import base64

import pytest
from django.conf import settings
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

pytestmark = pytest.mark.django_db

PASSWORD = "ett-langt-testlosenord"  # tests/factories.py UserFactory
LOGIN = reverse("konto:login")
LOGOUT = reverse("konto:logout")
VERIFY = reverse("konto:otp_verify")
SETUP = reverse("konto:otp_setup")


def log_in(client, user, password=PASSWORD, **extra):
    return client.post(LOGIN, {"username": user.username, "password": password, **extra})


def code_for(device: TOTPDevice, *, wrong: bool = False) -> str:
    device.refresh_from_db()
    code = totp(device.bin_key, device.step, device.t0, device.digits, device.drift)
    return f"{(code + 1) % 1_000_000 if wrong else code:06d}"


def is_signed_in(client) -> bool:
    return "_auth_user_id" in client.session


@pytest.fixture
def confirmed_device(handlaggare_a) -> TOTPDevice:
    return TOTPDevice.objects.create(user=handlaggare_a, name="Telefon", confirmed=True)


class TestLogin:
    def test_page_is_in_swedish(self, client):
        response = client.get(LOGIN)
        assert response.status_code == 200
        assert '<html lang="sv">' in response.text
        assert "Användarnamn" in response.text and "Lösenord" in response.text
        assert f"Efter {settings.AXES_FAILURE_LIMIT} felaktiga försök" in response.text

    def test_wrong_password_shows_swedish_error(self, client, admin_a):
        response = log_in(client, admin_a, password="fel-losenord")
        assert response.status_code == 200
        assert "Formuläret innehåller fel" in response.text
        assert "Fel användarnamn eller lösenord" in response.text
        assert not is_signed_in(client)

    def test_forbundsadministrator_goes_straight_to_start(self, client, admin_a):
        response = log_in(client, admin_a)
        assert response.status_code == 302
        assert response["Location"] == reverse("start")
        assert client.get(reverse("start")).status_code == 200

    def test_same_site_next_is_honoured(self, client, admin_a):
        response = log_in(client, admin_a, next="/forbund/?lan=03")
        assert response["Location"] == "/forbund/?lan=03"

    @pytest.mark.parametrize(
        "target",
        ["https://evil.example/", "//evil.example/", "http://testserver.evil.example/", "/\\evil"],
    )
    def test_external_next_is_ignored(self, client, admin_a, target):
        response = log_in(client, admin_a, next=target)
        assert response.status_code == 302
        assert response["Location"] == reverse("start")

    def test_signed_in_user_is_sent_on(self, client_admin_a):
        response = client_admin_a.get(LOGIN)
        assert response.status_code == 302
        assert response["Location"] == reverse("start")

    def test_wrong_method(self, client):
        assert client.put(LOGIN).status_code == 405


class TestLockout:
    def fail(self, client, user, times):
        return [log_in(client, user, password="fel-losenord") for _ in range(times)]

    def test_too_many_failures_lock_the_account(self, client, admin_a):
        *before, last = self.fail(client, admin_a, settings.AXES_FAILURE_LIMIT)
        assert all(r.status_code == 200 for r in before)
        assert last.status_code in (403, 429)
        assert "registration/lockout.html" in [t.name for t in last.templates]
        assert "Inloggningen är tillfälligt spärrad" in last.text
        assert "Vänta 15 minuter" in last.text

    def test_correct_password_is_refused_while_locked(self, client, admin_a):
        self.fail(client, admin_a, settings.AXES_FAILURE_LIMIT)
        response = log_in(client, admin_a)
        assert response.status_code in (403, 429)
        assert "Inloggningen är tillfälligt spärrad" in response.text
        assert not is_signed_in(client)

    def test_failures_below_the_limit_do_not_lock(self, client, admin_a):
        self.fail(client, admin_a, settings.AXES_FAILURE_LIMIT - 1)
        assert log_in(client, admin_a).status_code == 302
        assert is_signed_in(client)


class TestLogout:
    def test_post_ends_the_session(self, client_admin_a):
        response = client_admin_a.post(LOGOUT)
        assert response.status_code == 302
        assert response["Location"] == LOGIN
        assert not is_signed_in(client_admin_a)
        response = client_admin_a.get(reverse("start"))
        assert response["Location"].startswith(LOGIN)

    @pytest.mark.parametrize("method", ["get", "put"])
    def test_only_post(self, client_admin_a, method):
        assert getattr(client_admin_a, method)(LOGOUT).status_code == 405
        assert is_signed_in(client_admin_a)

    def test_expired_session_logs_out_without_a_detour(self, client):
        response = client.post(LOGOUT)
        assert response.status_code == 302
        assert response["Location"] == LOGIN


def activate(client, user, password="Ett-nytt-langt-losenord-9"):
    """Use a fresh activation link as the mail's reader would: choose a password."""
    from forbund.account_services import create_engangslank
    from forbund.models import Engangslank

    token = create_engangslank(user=user, syfte=Engangslank.Syfte.AKTIVERING)
    url = reverse("konto:aktivera", args=[token])
    return client.post(url, {"new_password1": password, "new_password2": password})


class TestTwoFactorSetup:
    """A handläggare who used the activation link enrols an authenticator before anything
    else (tests/forbund/test_enrolment.py: the password alone never gets here)."""

    @pytest.fixture
    def client_new(self, client, handlaggare_a):
        assert activate(client, handlaggare_a)["Location"] == SETUP
        return client

    @pytest.mark.parametrize("path", ["/", "/forbund/?lan=03&q=a", "/admin/"])
    def test_every_page_sends_to_setup(self, client_new, path):
        response = client_new.get(path)
        assert response.status_code == 302
        assert response["Location"].startswith(SETUP + "?next=")
        # The page asked for comes back intact, query string and all.
        assert client_new.get(response["Location"]).context["next"] == path

    def test_page_shows_qr_code_and_key(self, client_new, handlaggare_a):
        response = client_new.get(SETUP)
        assert response.status_code == 200
        assert "<svg" in response.text and "<?xml" not in response.text
        device = TOTPDevice.objects.get(user=handlaggare_a)
        assert not device.confirmed
        key = base64.b32encode(device.bin_key).decode()
        assert key[:4] + " " + key[4:8] in response.text
        # Reloading keeps the same key: the user may already have scanned it.
        client_new.get(SETUP)
        assert TOTPDevice.objects.get(user=handlaggare_a).key == device.key

    def test_correct_code_confirms_and_lets_in(self, client_new, handlaggare_a):
        client_new.get(SETUP)
        device = TOTPDevice.objects.get(user=handlaggare_a)
        response = client_new.post(SETUP, {"token": code_for(device), "next": "/"})
        # The recovery codes are shown once, then the user goes on to the page asked for.
        assert response.status_code == 200
        assert "registration/reservkoder.html" in [t.name for t in response.templates]
        assert 'href="/"' in response.text
        device.refresh_from_db()
        assert device.confirmed
        assert client_new.get(reverse("start")).status_code == 200

    def test_code_may_be_typed_with_a_space(self, client_new, handlaggare_a):
        client_new.get(SETUP)
        code = code_for(TOTPDevice.objects.get(user=handlaggare_a))
        response = client_new.post(SETUP, {"token": f"{code[:3]} {code[3:]}"})
        assert "Spara dina reservkoder" in response.text

    def test_wrong_code_shows_error_and_does_not_confirm(self, client_new, handlaggare_a):
        client_new.get(SETUP)
        device = TOTPDevice.objects.get(user=handlaggare_a)
        response = client_new.post(SETUP, {"token": code_for(device, wrong=True)})
        assert response.status_code == 200
        assert "Formuläret innehåller fel" in response.text
        assert "Koden stämmer inte" in response.text
        device.refresh_from_db()
        assert not device.confirmed
        assert client_new.get(reverse("start"))["Location"].startswith(SETUP)

    def test_letters_are_refused(self, client_new):
        response = client_new.post(SETUP, {"token": "abcdef"})
        assert "Koden består av sex siffror." in response.text

    def test_confirmed_device_goes_to_verify(self, client_new, confirmed_device):
        assert client_new.get(SETUP)["Location"] == VERIFY

    def test_wrong_method(self, client_new):
        assert client_new.put(SETUP).status_code == 405

    def test_anonymous_is_sent_to_login(self, client):
        assert client.get(SETUP)["Location"].startswith(LOGIN)


class TestTwoFactorVerify:
    """A handläggare with a confirmed authenticator gives a code after the password."""

    @pytest.fixture
    def client_unverified(self, client, handlaggare_a, confirmed_device):
        assert log_in(client, handlaggare_a).status_code == 302
        return client

    def test_start_sends_to_verify(self, client_unverified):
        response = client_unverified.get(reverse("start"))
        assert response["Location"] == VERIFY + "?next=%2F"

    def test_correct_code_lets_in(self, client_unverified, confirmed_device):
        response = client_unverified.post(
            VERIFY, {"token": code_for(confirmed_device), "next": "/forbund/"}
        )
        assert response.status_code == 302
        assert response["Location"] == "/forbund/"
        assert client_unverified.get(reverse("start")).status_code == 200

    def test_the_session_gets_a_new_id_at_the_second_factor(
        self, client_unverified, confirmed_device
    ):
        before = client_unverified.session.session_key
        response = client_unverified.post(VERIFY, {"token": code_for(confirmed_device)})
        assert response.status_code == 302
        after = client_unverified.session.session_key
        assert after != before
        # The old id is gone, not merely unused: whoever holds it has no session at all.
        from forbund.models import Kontosession

        assert not Kontosession.objects.filter(session_key=before).exists()
        assert client_unverified.get(reverse("start")).status_code == 200

    def test_external_next_is_ignored(self, client_unverified, confirmed_device):
        response = client_unverified.post(
            VERIFY, {"token": code_for(confirmed_device), "next": "https://evil.example/"}
        )
        assert response["Location"] == "/"

    def test_wrong_code_shows_error(self, client_unverified, confirmed_device):
        response = client_unverified.post(VERIFY, {"token": code_for(confirmed_device, wrong=True)})
        assert response.status_code == 200
        assert "Formuläret innehåller fel" in response.text
        assert "Koden stämmer inte eller är för gammal" in response.text
        assert client_unverified.get(reverse("start")).status_code == 302

    def test_htmx_request_gets_client_redirect(self, client_unverified):
        response = client_unverified.get(
            "/forbund/?q=a",
            HTTP_HX_REQUEST="true",
            HTTP_HX_CURRENT_URL="http://testserver/forbund/?lan=03",
        )
        assert response.status_code == 200
        assert response["HX-Redirect"] == VERIFY + "?next=%2Fforbund%2F%3Flan%3D03"

    def test_without_confirmed_device_gets_no_enrolment(self, client, handlaggare_a):
        log_in(client, handlaggare_a)
        assert client.get(VERIFY)["Location"] == SETUP
        assert client.get(SETUP)["Location"] == reverse("konto:ingen_app")

    def test_verified_user_is_sent_on(self, client_handlaggare_a):
        assert client_handlaggare_a.get(VERIFY + "?next=/forbund/")["Location"] == "/forbund/"

    def test_wrong_method(self, client_unverified):
        assert client_unverified.put(VERIFY).status_code == 405


class TestHealth:
    def test_answers_json_without_login(self, client):
        response = client.get(reverse("health"))
        assert response.status_code == 200 and response.json()["status"] == "ok"

    def test_wrong_method(self, client):
        assert client.post(reverse("health")).status_code == 405
