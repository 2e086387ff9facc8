from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django_htmx.http import HttpResponseClientRedirect
from django_htmx.middleware import HtmxDetails

from .access import requires_two_factor
from .sessions import ENROL_SESSION_KEY

_HEALTH_PATH = "/halsa/"

# Paths a signed-in user needs before the second factor is verified. The own account page
# (/konto/) is not among them: a password alone must not make recovery codes.
_OPEN_PREFIXES = (
    "/konto/logga-in/",
    "/konto/logga-ut/",
    "/konto/tvafaktor/",
    "/konto/aktivera/",
    "/konto/nytt-losenord/",
    "/static/",
    _HEALTH_PATH,
)


class RequireTwoFactorMiddleware:
    """Accounts that can see personal data get nothing until TOTP is verified.

    A user with a confirmed device is sent to verify it. A user without one is sent to
    enrol only in the session that used an activation link; otherwise to the page that
    explains how to get one (a password alone never enrols a device).
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
            from django_otp.plugins.otp_totp.models import TOTPDevice

            if TOTPDevice.objects.devices_for_user(user, confirmed=True).exists():
                target = "konto:otp_verify"
            elif request.session.get(ENROL_SESSION_KEY) == user.pk:
                target = "konto:otp_setup"
            else:
                target = "konto:ingen_app"
            # HtmxMiddleware runs after this one, so request.htmx is not set yet.
            htmx = HtmxDetails(request)
            # After an htmx request, come back to the page it came from, not to the fragment.
            back = (htmx.current_url_abs_path or "/") if htmx else request.get_full_path()
            url = f"{reverse(target)}?{urlencode({'next': back})}"
            return HttpResponseClientRedirect(url) if htmx else redirect(url)
        return self.get_response(request)
