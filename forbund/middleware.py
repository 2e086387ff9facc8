from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse

from .access import requires_two_factor

# Paths a signed-in user needs before the second factor is verified.
_OPEN_PREFIXES = ("/konto/", "/static/", "/halsa/")


class RequireTwoFactorMiddleware:
    """Accounts that can see personal data get nothing until TOTP is verified.

    A user with a confirmed device is sent to verify it; a user without one is
    sent to enrol (scan the QR code) first.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if (
            user.is_authenticated
            and not user.is_verified()
            and not request.path.startswith(_OPEN_PREFIXES)
            and requires_two_factor(user)
        ):
            from django_otp import devices_for_user

            target = "konto:otp_verify" if any(devices_for_user(user)) else "konto:otp_setup"
            if request.htmx:
                from django_htmx.http import HttpResponseClientRedirect

                return HttpResponseClientRedirect(reverse(target))
            return redirect(f"{reverse(target)}?next={request.get_full_path()}")
        return self.get_response(request)
