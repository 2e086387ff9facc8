"""Sign-in, sign-out and the second factor (TOTP, django-otp)."""

from __future__ import annotations

import base64
import io
import re

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.contrib.auth.forms import AuthenticationForm
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods
from django_otp import login as otp_login
from django_otp import match_token
from django_otp.plugins.otp_totp.models import TOTPDevice

from finsam.lib.forms import StyledFormMixin

from .access import requires_two_factor


class LoginForm(StyledFormMixin, AuthenticationForm):
    error_messages = {
        "invalid_login": "Fel användarnamn eller lösenord. Tänk på att lösenordet skiljer på "
        "stora och små bokstäver.",
        "inactive": "Kontot är avstängt. Kontakta Finsams administratör.",
    }

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["username"].label = "Användarnamn"
        self.fields["password"].label = "Lösenord"


class TokenForm(StyledFormMixin, forms.Form):
    # No max_length: authenticator apps show "123 456", and a pasted space must not fail.
    token = forms.CharField(
        label="Engångskod",
        help_text="Sex siffror från din autentiseringsapp.",
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "maxlength": 7}
        ),
    )

    def clean_token(self) -> str:
        token = self.cleaned_data["token"].replace(" ", "")
        if not re.fullmatch(r"\d{6}", token):
            raise forms.ValidationError("Koden består av sex siffror.")
        return token


class LoginView(auth_views.LoginView):
    form_class = LoginForm
    template_name = "registration/login.html"
    redirect_authenticated_user = True
    # FormView treats PUT as POST; sign-in takes GET and POST only, like every view here.
    http_method_names = ["get", "post"]

    def get_context_data(self, **kwargs) -> dict[str, object]:
        return super().get_context_data(failure_limit=settings.AXES_FAILURE_LIMIT, **kwargs)


login = login_not_required(LoginView.as_view())
# Open to anonymous users: a "Logga ut" posted after the session expired must not send
# the user through the login page and back to a GET of this POST-only view.
logout = login_not_required(auth_views.LogoutView.as_view())


def _next_url(request: HttpRequest) -> str:
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return "/"


@require_http_methods(["GET", "POST"])
def otp_verify(request: HttpRequest) -> HttpResponse:
    """Ask for the code from the user's confirmed authenticator."""
    user = request.user
    if user.is_verified():
        return redirect(_next_url(request))
    if not TOTPDevice.objects.devices_for_user(user, confirmed=True).exists():
        return redirect("konto:otp_setup")
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        device = match_token(user, form.cleaned_data["token"])
        if device is not None:
            _complete_second_factor(request, device)
            return redirect(_next_url(request))
        form.add_error(
            "token",
            "Koden stämmer inte eller är för gammal. Vänta på nästa kod i appen och försök igen.",
        )
    return render(
        request, "registration/otp_verify.html", {"form": form, "next": _next_url(request)}
    )


def _complete_second_factor(request: HttpRequest, device) -> None:
    """Mark the session verified and give it a new id: a session id seen before the second
    factor (on a shared computer, in a proxy log) must not become a verified session."""
    otp_login(request, device)
    request.session.cycle_key()


def _qr_svg(data: str) -> str:
    import qrcode
    import qrcode.image.svg

    image = qrcode.make(data, image_factory=qrcode.image.svg.SvgPathImage, box_size=10)
    buffer = io.BytesIO()
    image.save(buffer)
    svg = buffer.getvalue().decode()
    return svg[svg.index("<svg") :]  # drop the XML declaration: the SVG sits inside HTML


@require_http_methods(["GET", "POST"])
def otp_setup(request: HttpRequest) -> HttpResponse:
    """Enrol an authenticator: scan the QR code (or type the key), then confirm with a code."""
    user = request.user
    if TOTPDevice.objects.devices_for_user(user, confirmed=True).exists():
        return redirect("konto:otp_verify")
    device = TOTPDevice.objects.devices_for_user(user, confirmed=False).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="Autentiseringsapp", confirmed=False)
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if device.verify_token(form.cleaned_data["token"]):
            device.confirmed = True
            device.save(update_fields=["confirmed"])
            _complete_second_factor(request, device)
            messages.success(request, "Tvåfaktorsinloggningen är aktiverad.")
            return redirect(_next_url(request))
        form.add_error("token", "Koden stämmer inte. Kontrollera att appen visar koden för Finsam.")
    secret = base64.b32encode(device.bin_key).decode()
    return render(
        request,
        "registration/otp_setup.html",
        {
            "form": form,
            "qr_svg": _qr_svg(device.config_url),
            "secret": " ".join(secret[i : i + 4] for i in range(0, len(secret), 4)),
            "required": requires_two_factor(user),
            "next": _next_url(request),
        },
    )
