"""Safe enrolment and self-service recovery: activation links, no trust on first use,
the administratör's reset, new-password links, recovery codes and the own sessions."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_otp.oath import totp
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from finsam.celery import app
from forbund.account_services import create_engangslank
from forbund.models import Behorighetslogg, Engangslank, Kontosession, User

from ..conftest import _verified_client
from ..smtp import html_part, link_in, text_part
from .test_konto import PASSWORD, code_for, log_in

pytestmark = pytest.mark.django_db

SETUP = reverse("konto:otp_setup")
VERIFY = reverse("konto:otp_verify")
NO_APP = reverse("konto:ingen_app")
OWN = reverse("konto:mitt_konto")
RESET = reverse("konto:nytt_losenord_begar")
NEW_PASSWORD = "Ett-nytt-langt-losenord-9"


@pytest.fixture
def eager():
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = False


def choose_password(client, path, password=NEW_PASSWORD):
    return client.post(path, {"new_password1": password, "new_password2": password})


def enrol(client, user):
    """After the activation link: confirm the authenticator; returns the recovery codes."""
    client.get(SETUP)
    device = TOTPDevice.objects.get(user=user)
    response = client.post(SETUP, {"token": code_for(device), "next": "/"})
    return re.findall(r"<code>([a-z0-9]{4}-[a-z0-9]{4})</code>", response.text)


def activation_path(user) -> str:
    return reverse(
        "konto:aktivera",
        args=[create_engangslank(user=user, syfte=Engangslank.Syfte.AKTIVERING)],
    )


# --- The password alone never enrols ------------------------------------------------------


class TestNoTrustOnFirstUse:
    @pytest.fixture
    def client_password_only(self, client, handlaggare_a):
        assert log_in(client, handlaggare_a).status_code == 302
        return client

    @pytest.mark.parametrize("path", ["/", "/forbund/", OWN, SETUP])
    def test_every_page_explains_instead_of_enrolling(self, client_password_only, path):
        response = client_password_only.get(path, follow=True)
        assert response.redirect_chain[-1][0].startswith(NO_APP)
        assert "Ditt konto har ingen autentiseringsapp" in response.text
        assert "<svg" not in response.text

    def test_posting_a_code_to_setup_enrols_nothing(self, client_password_only, handlaggare_a):
        response = client_password_only.post(SETUP, {"token": "123456"})
        assert response["Location"] == NO_APP
        assert not TOTPDevice.objects.filter(user=handlaggare_a).exists()

    def test_recovery_codes_cannot_be_made_with_a_password(
        self, client_password_only, handlaggare_a
    ):
        TOTPDevice.objects.create(user=handlaggare_a, name="Telefon", confirmed=True)
        response = client_password_only.post(reverse("konto:nya_reservkoder"))
        assert response.status_code == 302 and response["Location"].startswith(VERIFY)
        assert not StaticDevice.objects.filter(user=handlaggare_a).exists()

    def test_wrong_method(self, client_password_only):
        assert client_password_only.post(NO_APP).status_code == 405


# --- Activation ---------------------------------------------------------------------------


class TestActivation:
    def test_the_journey_from_the_mail(self, client_administrator, forbund_a, mailbox):
        """The administratör creates a handläggare; the mail's link sets the password and
        enrols the authenticator; then the handläggare signs in with both."""
        client_administrator.post(
            reverse("konton:create"),
            {
                "konto-first_name": "Nora",
                "konto-last_name": "Nyström",
                "konto-email": "nora@example.se",
                "konto-username": "nora",
                "uppdrag-roll": "handlaggare",
                "uppdrag-forbund": forbund_a.pk,
                "uppdrag-startdatum": timezone.localdate().isoformat(),
            },
        )
        [mail] = mailbox.to("nora@example.se")
        assert "Hej Nora Nyström!" in text_part(mail) and "72 timmar" in text_part(mail)
        assert "<a href=" in html_part(mail)
        path = link_in(mail)
        user = User.objects.get(username="nora")

        client = Client()
        page = client.get(path)
        assert page.status_code == 200 and "Aktivera ditt konto" in page.text
        assert choose_password(client, path)["Location"] == SETUP
        codes = enrol(client, user)
        assert len(codes) == 10 and len(set(codes)) == 10
        assert client.get(reverse("start")).status_code == 200
        assert Behorighetslogg.objects.filter(
            anvandare=user, handelse="aktiverat_av_anvandaren"
        ).exists()

        fresh = Client()
        assert log_in(fresh, user, password=NEW_PASSWORD)["Location"] == reverse("start")
        assert fresh.get(reverse("start"))["Location"].startswith(VERIFY)
        # The code of the next 30-second step: the one used to enrol cannot be used again.
        device = TOTPDevice.objects.get(user=user)
        code = totp(device.bin_key, device.step, device.t0 - device.step, device.digits)
        assert fresh.post(VERIFY, {"token": f"{code:06d}"}).status_code == 302
        assert fresh.get(reverse("start")).status_code == 200

    def test_a_link_works_once(self, client, handlaggare_a):
        path = activation_path(handlaggare_a)
        assert choose_password(client, path).status_code == 302
        again = Client()
        assert again.get(path).status_code == 410
        response = choose_password(again, path, "Ett-annat-langt-losenord-7")
        assert response.status_code == 410
        assert "Länken gäller inte längre" in response.text
        assert "_auth_user_id" not in again.session

    def test_a_link_expires_after_72_hours(self, client, handlaggare_a):
        path = activation_path(handlaggare_a)
        link = Engangslank.objects.get(user=handlaggare_a)
        assert link.giltig_till - link.skapad == dt.timedelta(hours=72)
        Engangslank.objects.filter(pk=link.pk).update(giltig_till=timezone.now())
        assert client.get(path).status_code == 410
        assert choose_password(client, path).status_code == 410
        handlaggare_a.refresh_from_db()
        assert handlaggare_a.check_password(PASSWORD)

    def test_a_newer_link_replaces_the_older(self, client, handlaggare_a):
        old = activation_path(handlaggare_a)
        new = activation_path(handlaggare_a)
        assert client.get(old).status_code == 410
        assert client.get(new).status_code == 200

    def test_a_deactivated_account_cannot_activate(self, client, handlaggare_a):
        path = activation_path(handlaggare_a)
        User.objects.filter(pk=handlaggare_a.pk).update(is_active=False)
        assert client.get(path).status_code == 410

    @pytest.mark.parametrize(
        ("password", "message"),
        [
            ("kort", "för kort"),
            ("password123456", "för vanligt"),
            ("coach_a12345", "alltför likt användarnamn"),
            ("849302857361", "enbart numeriskt"),
        ],
    )
    def test_passwords_are_validated(self, client, handlaggare_a, password, message):
        path = activation_path(handlaggare_a)
        response = choose_password(client, path, password)
        assert response.status_code == 200
        assert "Formuläret innehåller fel" in response.text
        assert message in response.text
        assert Engangslank.objects.usable().filter(user=handlaggare_a).exists()

    def test_an_unknown_link(self, client):
        response = client.get(reverse("konto:aktivera", args=["finns-inte"]))
        assert response.status_code == 410

    def test_wrong_method(self, client, handlaggare_a):
        assert client.put(activation_path(handlaggare_a)).status_code == 405

    def test_an_account_without_two_factor_only_chooses_a_password(self, client, admin_a):
        response = choose_password(client, activation_path(admin_a))
        assert response["Location"] == reverse("start")
        assert not TOTPDevice.objects.filter(user=admin_a).exists()


# --- The administratör's reset ------------------------------------------------------------


class TestAuthenticatorReset:
    def test_reset_removes_the_app_ends_sessions_and_mails_a_link(
        self, client_administrator, administrator, handlaggare_a, client_handlaggare_a, mailbox
    ):
        User.objects.filter(pk=handlaggare_a.pk).update(email="coach@example.se")
        StaticDevice.objects.create(user=handlaggare_a, name="Reservkoder")
        url = reverse("konton:aterstall_autentisering", args=[handlaggare_a.pk])
        response = client_administrator.post(url, follow=True)
        assert response.status_code == 200
        assert "En aktiveringslänk är skickad" in response.text
        assert not TOTPDevice.objects.filter(user=handlaggare_a).exists()
        assert not StaticDevice.objects.filter(user=handlaggare_a).exists()
        # The handläggare's session is over.
        assert client_handlaggare_a.get(reverse("start"))["Location"].startswith(
            reverse("konto:login")
        )
        entry = Behorighetslogg.objects.get(
            anvandare=handlaggare_a, handelse="autentisering_aterstalld"
        )
        assert entry.utford_av == administrator
        [mail] = mailbox.messages
        path = link_in(mail)
        # The administratör sees neither the link nor a key.
        assert path not in response.text and "otpauth" not in response.text

        client = Client()
        assert choose_password(client, path)["Location"] == SETUP
        assert len(enrol(client, handlaggare_a)) == 10

    def test_the_administrator_mails_a_new_activation_link(
        self, client_administrator, handlaggare_a, mailbox
    ):
        User.objects.filter(pk=handlaggare_a.pk).update(email="coach@example.se")
        first = activation_path(handlaggare_a)
        url = reverse("konton:aktiveringslank", args=[handlaggare_a.pk])
        response = client_administrator.post(url, follow=True)
        assert "En aktiveringslänk är skickad till coach@example.se" in response.text
        [mail] = mailbox.messages
        assert Client().get(link_in(mail)).status_code == 200
        assert Client().get(first).status_code == 410
        assert Behorighetslogg.objects.filter(
            anvandare=handlaggare_a, handelse="aktiveringslank_skickad"
        ).exists()

    def test_the_mail_names_only_the_recipient(self, client_administrator, handlaggare_a, mailbox):
        User.objects.filter(pk=handlaggare_a.pk).update(email="coach@example.se")
        client_administrator.post(reverse("konton:aktiveringslank", args=[handlaggare_a.pk]))
        [mail] = mailbox.messages
        for part in (text_part(mail), html_part(mail)):
            assert handlaggare_a.get_full_name() in part
            # Not the sender's name, nor the förbund or the insatser.
            assert "Administratör" not in part and "Samordningsförbundet A" not in part

    def test_only_the_administrator_resets(self, client_admin_a, handlaggare_a):
        url = reverse("konton:aterstall_autentisering", args=[handlaggare_a.pk])
        assert client_admin_a.post(url).status_code == 404
        assert client_admin_a.get(url).status_code in (404, 405)

    def test_wrong_method(self, client_administrator, handlaggare_a):
        url = reverse("konton:aterstall_autentisering", args=[handlaggare_a.pk])
        assert client_administrator.get(url).status_code == 405
        url = reverse("konton:aktiveringslank", args=[handlaggare_a.pk])
        assert client_administrator.get(url).status_code == 405

    def test_a_mail_server_error_is_said_in_swedish(
        self, client_administrator, handlaggare_a, settings
    ):
        from ..smtp import free_port

        User.objects.filter(pk=handlaggare_a.pk).update(email="coach@example.se")
        # Nothing listens on the port: the mail server is down.
        settings.MAILERS = {
            "default": {
                "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
                "OPTIONS": {"host": "127.0.0.1", "port": free_port(), "timeout": 2},
            }
        }
        url = reverse("konton:aktiveringslank", args=[handlaggare_a.pk])
        response = client_administrator.post(url, follow=True)
        assert response.status_code == 200
        assert "kunde inte skickas" in response.text


# --- A new password by e-mail -------------------------------------------------------------


def _without_per_request_tokens(text: str) -> str:
    return re.sub(r'(X-CSRFToken": "|nonce=")[^"]+"', "", text)


class TestPasswordReset:
    def test_the_answer_is_the_same_for_known_and_unknown_addresses(
        self, client, handlaggare_a, mailbox, eager, django_capture_on_commit_callbacks
    ):
        handlaggare_a.email = "coach@example.se"
        handlaggare_a.save()
        with django_capture_on_commit_callbacks(execute=True):
            known = client.post(RESET, {"email": "COACH@example.se"})
        with django_capture_on_commit_callbacks(execute=True):
            unknown = client.post(RESET, {"email": "ingen@example.se"})
        assert known.status_code == unknown.status_code == 200
        assert _without_per_request_tokens(known.text) == _without_per_request_tokens(unknown.text)
        assert "Om adressen hör till ett konto" in known.text
        assert [m["To"] for m in mailbox.messages] == ["coach@example.se"]

    def test_the_link_sets_a_password_once_and_ends_other_sessions(
        self,
        client,
        handlaggare_a,
        client_handlaggare_a,
        mailbox,
        eager,
        django_capture_on_commit_callbacks,
    ):
        handlaggare_a.email = "coach@example.se"
        handlaggare_a.save()
        with django_capture_on_commit_callbacks(execute=True):
            client.post(RESET, {"email": "coach@example.se"})
        [mail] = mailbox.messages
        assert mail["Subject"] == "Välj ett nytt lösenord i Finsam"
        path = link_in(mail)
        assert choose_password(client, path)["Location"] == reverse("konto:login")
        handlaggare_a.refresh_from_db()
        assert handlaggare_a.check_password(NEW_PASSWORD)
        assert client_handlaggare_a.get(reverse("start"))["Location"].startswith(
            reverse("konto:login")
        )
        assert choose_password(Client(), path, "Ett-tredje-langt-losenord-5").status_code == 410
        # The new password replaces the password, never the second factor.
        fresh = Client()
        log_in(fresh, handlaggare_a, password=NEW_PASSWORD)
        assert fresh.get(reverse("start"))["Location"].startswith(VERIFY)

    def test_the_link_expires(self, client, handlaggare_a):
        token = create_engangslank(user=handlaggare_a, syfte=Engangslank.Syfte.NYTT_LOSENORD)
        link = Engangslank.objects.get(user=handlaggare_a)
        assert link.giltig_till - link.skapad == dt.timedelta(hours=2)
        Engangslank.objects.filter(pk=link.pk).update(
            giltig_till=timezone.now() - dt.timedelta(seconds=1)
        )
        path = reverse("konto:nytt_losenord", args=[token])
        assert choose_password(client, path).status_code == 410

    def test_an_activation_link_is_not_a_reset_link(self, client, handlaggare_a):
        token = create_engangslank(user=handlaggare_a, syfte=Engangslank.Syfte.AKTIVERING)
        assert client.get(reverse("konto:nytt_losenord", args=[token])).status_code == 410

    def test_pages_and_wrong_method(self, client, handlaggare_a):
        page = client.get(RESET)
        assert page.status_code == 200 and "E-postadress" in page.text
        assert client.put(RESET).status_code == 405
        token = create_engangslank(user=handlaggare_a, syfte=Engangslank.Syfte.NYTT_LOSENORD)
        path = reverse("konto:nytt_losenord", args=[token])
        assert client.get(path).status_code == 200
        assert client.put(path).status_code == 405
        assert "Glömt lösenordet?" in client.get(reverse("konto:login")).text

    def test_an_invalid_address_is_an_error(self, client):
        response = client.post(RESET, {"email": "inte en adress"})
        assert "Formuläret innehåller fel" in response.text


# --- Recovery codes -----------------------------------------------------------------------


class TestRecoveryCodes:
    @pytest.fixture
    def enrolled(self, client, handlaggare_a):
        choose_password(client, activation_path(handlaggare_a))
        return enrol(client, handlaggare_a)

    def test_a_code_signs_in_once(self, enrolled, handlaggare_a):
        code = enrolled[3]
        first = Client()
        log_in(first, handlaggare_a, password=NEW_PASSWORD)
        assert first.post(VERIFY, {"token": code.upper()}).status_code == 302
        assert first.get(reverse("start")).status_code == 200
        assert StaticToken.objects.filter(device__user=handlaggare_a).count() == 9

        second = Client()
        log_in(second, handlaggare_a, password=NEW_PASSWORD)
        response = second.post(VERIFY, {"token": code})
        assert response.status_code == 200 and "Koden stämmer inte" in response.text
        assert second.get(reverse("start"))["Location"].startswith(VERIFY)

    def test_new_codes_replace_the_old(self, client, enrolled, handlaggare_a):
        response = client.post(reverse("konto:nya_reservkoder"))
        new = re.findall(r"<code>([a-z0-9]{4}-[a-z0-9]{4})</code>", response.text)
        assert len(new) == 10 and not set(new) & set(enrolled)
        # (A new code first: after a failure django-otp throttles the next try.)
        fresh = Client()
        log_in(fresh, handlaggare_a, password=NEW_PASSWORD)
        assert fresh.post(VERIFY, {"token": new[0]}).status_code == 302
        other = Client()
        log_in(other, handlaggare_a, password=NEW_PASSWORD)
        assert other.post(VERIFY, {"token": enrolled[0]}).status_code == 200

    def test_the_codes_are_not_shown_again(self, client, enrolled):
        page = client.get(OWN)
        assert "10 oanvända reservkoder kvar" in page.text
        assert not any(code in page.text for code in enrolled)

    def test_wrong_method(self, client, enrolled):
        assert client.get(reverse("konto:nya_reservkoder")).status_code == 405


# --- The own page: password and sessions --------------------------------------------------


class TestOwnPage:
    def test_lists_the_sessions_and_ends_the_others(self, admin_a):
        here = Client(HTTP_USER_AGENT="Firefox på jobbet")
        there = Client(HTTP_USER_AGENT="Chrome hemma")
        log_in(here, admin_a)
        log_in(there, admin_a)
        page = here.get(OWN)
        assert page.status_code == 200
        assert "Firefox på jobbet" in page.text and "Chrome hemma" in page.text
        assert Kontosession.objects.filter(user=admin_a).count() == 2
        response = here.post(reverse("konto:avsluta_sessioner"), follow=True)
        assert "1 andra inloggning avslutade." in response.text
        assert here.get(reverse("start")).status_code == 200
        assert there.get(reverse("start"))["Location"].startswith(reverse("konto:login"))

    def test_changing_the_password_keeps_this_session_and_ends_the_others(self, admin_a):
        here, there = Client(), Client()
        log_in(here, admin_a)
        log_in(there, admin_a)
        response = here.post(
            reverse("konto:byt_losenord"),
            {
                "old_password": PASSWORD,
                "new_password1": NEW_PASSWORD,
                "new_password2": NEW_PASSWORD,
            },
        )
        assert response["Location"] == OWN
        admin_a.refresh_from_db()
        assert admin_a.check_password(NEW_PASSWORD)
        assert here.get(reverse("start")).status_code == 200
        assert there.get(reverse("start"))["Location"].startswith(reverse("konto:login"))

    def test_a_wrong_current_password_is_an_error(self, client_admin_a, admin_a):
        response = client_admin_a.post(
            reverse("konto:byt_losenord"),
            {"old_password": "fel", "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
        )
        assert response.status_code == 200
        assert "Det nuvarande lösenordet stämmer inte." in response.text
        admin_a.refresh_from_db()
        assert admin_a.check_password(PASSWORD)

    def test_deactivating_removes_every_session(self, client_administrator, admin_a):
        log_in(Client(), admin_a)
        log_in(Client(), admin_a)
        client_administrator.post(reverse("konton:active", args=[admin_a.pk]), {"aktiv": "0"})
        assert not Kontosession.objects.filter(user=admin_a).exists()

    def test_verified_handlaggare_reaches_the_page(self, handlaggare_a):
        assert _verified_client(handlaggare_a).get(OWN).status_code == 200

    def test_anonymous_and_wrong_method(self, client, client_admin_a):
        assert client.get(OWN)["Location"].startswith(reverse("konto:login"))
        assert client_admin_a.post(OWN).status_code == 405
        assert client_admin_a.get(reverse("konto:byt_losenord")).status_code == 405
        assert client_admin_a.get(reverse("konto:avsluta_sessioner")).status_code == 405
