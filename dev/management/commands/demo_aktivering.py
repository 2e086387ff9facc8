"""`manage.py demo_aktivering --base-url URL`: mail an activation link to each demo account
that must use two factors and has no authenticator yet (admin and coach on a new demo)."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from django_otp.plugins.otp_totp.models import TOTPDevice

from dev.demo.forbund import USERS
from forbund.access import requires_two_factor
from forbund.account_services import send_activation
from forbund.models import User


class Command(BaseCommand):
    help = "Skickar aktiveringslänkar till demokonton som saknar autentiseringsapp."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--base-url", required=True, help="t.ex. http://127.0.0.1:8000/")

    def handle(self, *args, base_url: str, **options) -> None:
        usernames = [row[0] for row in USERS]
        for user in User.objects.filter(username__in=usernames, is_active=True).order_by("pk"):
            if not requires_two_factor(user) or not user.email:
                continue
            if TOTPDevice.objects.devices_for_user(user, confirmed=True).exists():
                continue
            try:
                # A command has no user to log as the sender; log_behorighet takes by=None,
                # send_activation's annotation (forbund/account_services.py) is narrower.
                send_activation(by=None, user=user, base_url=base_url)  # type: ignore[arg-type]
            except OSError as error:
                raise CommandError(f"Kunde inte skicka e-post: {error}") from error
            self.stdout.write(f"Aktiveringslänk för {user.username} skickad till {user.email}.")
