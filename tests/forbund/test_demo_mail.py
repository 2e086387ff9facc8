"""The demo's e-mail: activation links for admin and coach, read from var/mail/."""

from __future__ import annotations

import importlib.util
import io
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from django.core.management import call_command
from django.test import Client
from django_otp.plugins.otp_totp.models import TOTPDevice

from ..smtp import free_port, link_in

pytestmark = pytest.mark.django_db

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "demo_mail.py"


def _demo_mail_module():
    spec = importlib.util.spec_from_file_location("demo_mail", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_demo_accounts_with_two_factors_get_an_activation_link(mailbox):
    call_command("seed_demo", stdout=io.StringIO())
    out = io.StringIO()
    call_command("demo_aktivering", base_url="http://127.0.0.1:8000/", stdout=out)
    assert sorted(m["To"] for m in mailbox.messages) == [
        "ada.administrator@exempel.se",
        "kim.coach@exempel.se",
        "per.personuppgiftsansvarig@exempel.se",
    ]
    assert "Aktiveringslänk för admin skickad" in out.getvalue()
    # The README's password may be chosen again, and the QR code follows.
    [mail] = mailbox.to("kim.coach@exempel.se")
    client = Client()
    password = "Finsam-demo-coach1"
    response = client.post(link_in(mail), {"new_password1": password, "new_password2": password})
    assert response["Location"] == "/konto/tvafaktor/aktivera/"
    assert "<svg" in client.get(response["Location"]).text


def test_an_enrolled_demo_account_gets_no_new_link(mailbox):
    from forbund.models import User

    call_command("seed_demo", stdout=io.StringIO())
    TOTPDevice.objects.create(user=User.objects.get(username="admin"), confirmed=True)
    call_command("demo_aktivering", base_url="http://127.0.0.1:8000/", stdout=io.StringIO())
    assert sorted(m["To"] for m in mailbox.messages) == [
        "kim.coach@exempel.se",
        "per.personuppgiftsansvarig@exempel.se",
    ]


def test_the_demo_mail_server_writes_readable_files(tmp_path, settings, monkeypatch):
    from django.core.mail import EmailMultiAlternatives

    module = _demo_mail_module()
    monkeypatch.setattr(module, "MAIL_DIR", tmp_path)
    controller = Controller(module.WriteToFiles(), hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        settings.MAILERS = {
            "default": {
                "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
                "OPTIONS": {"host": "127.0.0.1", "port": controller.port, "timeout": 5},
            }
        }
        message = EmailMultiAlternatives(
            "Ämne å ä ö", "Hej Kim! Länk: http://x/", to=["k@exempel.se"]
        )
        message.attach_alternative("<p>Hej Kim!</p>", "text/html")
        message.send()
    finally:
        controller.stop()
    [txt] = tmp_path.glob("*.txt")
    text = txt.read_text(encoding="utf-8")
    assert "Ämne: Ämne å ä ö" in text and "Hej Kim! Länk: http://x/" in text
    assert len(list(tmp_path.glob("*.eml"))) == 1
