"""Sign-in, sign-out, the second factor (TOTP, django-otp), activation and recovery.

An authenticator is enrolled only through a one-time activation link sent by e-mail: the
password alone never enrols a device (no trust on first use). A lost authenticator is
replaced by a recovery code (django-otp's static tokens) or by the administratör's reset,
which sends a new activation link.
"""

from __future__ import annotations

import base64
import datetime as dt
import io
import re

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login as auth_login
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.contrib.auth.forms import AuthenticationForm, PasswordChangeForm, SetPasswordForm
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import add_never_cache_headers
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.debug import sensitive_post_parameters, sensitive_variables
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_otp import login as otp_login
from django_otp import match_token
from django_otp.plugins.otp_totp.models import TOTPDevice

from finsam.lib.forms import DateInput, StyledFormMixin

from . import account_services, tasks
from .access import can_order_reports, requires_two_factor
from .http import AuthenticatedHttpRequest
from .models import Behorighetslogg, Engangslank
from .sessions import ENROL_SESSION_KEY, SIGNED_IN_KEY, USER_AGENT_KEY


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
    accepts_recovery_code = False

    def clean_token(self) -> str:
        token = self.cleaned_data["token"].replace(" ", "")
        if re.fullmatch(r"\d{6}", token):
            return token
        if self.accepts_recovery_code:
            code = account_services.normalise_recovery_code(token)
            if code is not None:
                return code
            raise forms.ValidationError(
                "Ange sex siffror från appen, eller en reservkod (åtta tecken, t.ex. abcd-efgh)."
            )
        raise forms.ValidationError("Koden består av sex siffror.")


class VerifyForm(TokenForm):
    """At sign-in a recovery code stands in for the authenticator's code."""

    accepts_recovery_code = True

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["token"]
        field.label = "Engångskod eller reservkod"
        field.help_text = (
            "Sex siffror från din autentiseringsapp. Har du tappat appen: en av dina reservkoder."
        )
        field.widget.attrs.update(inputmode="text", maxlength=12)


class PasswordForm(StyledFormMixin, SetPasswordForm):
    """A new password, checked by Django's validators (length, common, similarity)."""

    error_messages = {
        **SetPasswordForm.error_messages,
        "password_mismatch": "Lösenorden är inte lika.",
    }

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["new_password1"].label = "Nytt lösenord"
        self.fields["new_password2"].label = "Upprepa lösenordet"
        self.fields["new_password2"].help_text = ""


class LoginView(auth_views.LoginView):
    form_class = LoginForm
    template_name = "registration/login.html"
    redirect_authenticated_user = True
    # FormView treats PUT as POST; sign-in takes GET and POST only, like every view here.
    http_method_names = ["get", "post"]

    def get_context_data(self, **kwargs) -> dict[str, object]:
        return super().get_context_data(failure_limit=settings.AXES_FAILURE_LIMIT, **kwargs)

    def form_valid(self, form) -> HttpResponse:
        response = super().form_valid(form)
        _mark_signed_in(self.request)
        return response


def _mark_signed_in(request: HttpRequest) -> None:
    """What the user's list of sessions shows: when, and in which browser."""
    request.session[SIGNED_IN_KEY] = timezone.now().isoformat()
    request.session[USER_AGENT_KEY] = request.headers.get("User-Agent", "")[:200]


login = login_not_required(sensitive_post_parameters("password")(LoginView.as_view()))
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
@sensitive_post_parameters("token")
def otp_verify(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Ask for the code from the user's confirmed authenticator."""
    user = request.user
    if user.is_verified():
        return redirect(_next_url(request))
    if not TOTPDevice.objects.devices_for_user(user, confirmed=True).exists():
        return redirect("konto:otp_setup")
    form = VerifyForm(request.POST or None)
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
@sensitive_post_parameters("token")
@sensitive_variables()  # the TOTP secret
def otp_setup(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Enrol an authenticator: scan the QR code (or type the key), then confirm with a code.

    Only in the session that used an activation link; a password alone gets the page that
    explains how to get one."""
    user = request.user
    if TOTPDevice.objects.devices_for_user(user, confirmed=True).exists():
        return redirect("konto:otp_verify")
    if request.session.get(ENROL_SESSION_KEY) != user.pk:
        return redirect("konto:ingen_app")
    device = TOTPDevice.objects.devices_for_user(user, confirmed=False).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="Autentiseringsapp", confirmed=False)
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if device.verify_token(form.cleaned_data["token"]):
            device.confirmed = True
            device.save(update_fields=["confirmed"])
            _complete_second_factor(request, device)
            del request.session[ENROL_SESSION_KEY]
            messages.success(request, "Tvåfaktorsinloggningen är aktiverad.")
            return _show_recovery_codes(request, next_url=_next_url(request))
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


def _show_recovery_codes(request: AuthenticatedHttpRequest, *, next_url: str = "/") -> HttpResponse:
    """New recovery codes, shown on this one page and never again."""
    codes = account_services.new_recovery_codes(user=request.user)
    return render(request, "registration/reservkoder.html", {"codes": codes, "next": next_url})


@require_GET
def ingen_app(request: AuthenticatedHttpRequest) -> HttpResponse:
    """A signed-in account that must use two factors but has no authenticator."""
    if TOTPDevice.objects.devices_for_user(request.user, confirmed=True).exists():
        return redirect("konto:otp_verify")
    return render(request, "registration/ingen_app.html")


def _invalid_link(request: HttpRequest) -> HttpResponse:
    return render(request, "registration/lank_ogiltig.html", status=410)


@login_not_required
@sensitive_post_parameters("new_password1", "new_password2")
@require_http_methods(["GET", "POST"])
def aktivera(request: HttpRequest, token: str) -> HttpResponse:
    """The activation link: choose a password, then enrol the authenticator."""
    link = account_services.find_engangslank(token=token, syfte=Engangslank.Syfte.AKTIVERING)
    if link is None:
        return _invalid_link(request)
    user = link.user
    form = PasswordForm(user, request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            if not account_services.use_engangslank(link):
                return _invalid_link(request)
            form.save()
            account_services.remove_authenticators(user=user)
            account_services.log_behorighet(
                by=user,
                anvandare=user,
                handelse=Behorighetslogg.Handelse.KONTO_AKTIVERAT_AV_ANVANDAREN,
            )
        auth_login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        _mark_signed_in(request)
        if requires_two_factor(user):
            request.session[ENROL_SESSION_KEY] = user.pk
            return redirect("konto:otp_setup")
        messages.success(request, "Ditt konto är aktiverat.")
        return redirect("start")
    return render(
        request,
        "registration/aktivera.html",
        {"form": form, "account": user, "two_factor": requires_two_factor(user)},
    )


class ResetRequestForm(StyledFormMixin, forms.Form):
    email = forms.EmailField(
        label="E-postadress",
        max_length=254,
        help_text="Adressen som ditt konto i Finsam har.",
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )


@login_not_required
@require_http_methods(["GET", "POST"])
def nytt_losenord_begar(request: HttpRequest) -> HttpResponse:
    """Ask for a new-password link. The answer is the same whether or not an account has
    the address, and the mail is sent by the worker, so that neither the page nor its
    timing tells."""
    form = ResetRequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        tasks.request_password_reset(
            email=form.cleaned_data["email"], base_url=request.build_absolute_uri("/")
        )
        return render(request, "registration/nytt_losenord_skickat.html")
    return render(request, "registration/nytt_losenord_begar.html", {"form": form})


@login_not_required
@sensitive_post_parameters("new_password1", "new_password2")
@require_http_methods(["GET", "POST"])
def nytt_losenord(request: HttpRequest, token: str) -> HttpResponse:
    """The new-password link: choose a password, then sign in as usual (with the second
    factor: the link replaces the password, never the authenticator)."""
    link = account_services.find_engangslank(token=token, syfte=Engangslank.Syfte.NYTT_LOSENORD)
    if link is None:
        return _invalid_link(request)
    form = PasswordForm(link.user, request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            if not account_services.use_engangslank(link):
                return _invalid_link(request)
            form.save()
            account_services.end_sessions(user=link.user)
        messages.success(request, "Ditt nya lösenord är sparat. Logga in med det.")
        return redirect("konto:login")
    return render(request, "registration/nytt_losenord.html", {"form": form})


# --- The user's own page ---------------------------------------------------------------


class OwnPasswordForm(PasswordForm, PasswordChangeForm):
    field_order = ["old_password", "new_password1", "new_password2"]
    error_messages = {
        **PasswordForm.error_messages,
        "password_incorrect": "Det nuvarande lösenordet stämmer inte.",
    }

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["old_password"].label = "Nuvarande lösenord"


@require_GET
def mitt_konto(request: AuthenticatedHttpRequest) -> HttpResponse:
    return _mitt_konto_page(request, OwnPasswordForm(request.user))


def _mitt_konto_page(request: AuthenticatedHttpRequest, form, status: int = 200) -> HttpResponse:
    user = request.user
    return render(
        request,
        "registration/mitt_konto.html",
        {
            "form": form,
            "sessions": account_services.active_sessions(user=user),
            "current_session": request.session.session_key,
            "has_authenticator": TOTPDevice.objects.devices_for_user(user, confirmed=True).exists(),
            "recovery_codes_left": account_services.recovery_codes_left(user=user),
            "may_use_api": can_order_reports(user),
            "api_nycklar": user.api_nycklar.usable().count(),
        },
        status=status,
    )


@sensitive_post_parameters("old_password", "new_password1", "new_password2")
@require_POST
def byt_losenord(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = OwnPasswordForm(request.user, request.POST)
    if not form.is_valid():
        return _mitt_konto_page(request, form)
    form.save()
    # Keep this session (Django would sign it out), end every other one.
    update_session_auth_hash(request, form.user)
    account_services.end_sessions(user=form.user, keep=request.session.session_key)
    messages.success(request, "Ditt lösenord är bytt. Dina andra inloggningar är avslutade.")
    return redirect("konto:mitt_konto")


@require_POST
def avsluta_andra_sessioner(request: AuthenticatedHttpRequest) -> HttpResponse:
    count = account_services.end_sessions(user=request.user, keep=request.session.session_key)
    messages.success(
        request,
        f"{count} andra inloggning{'ar' if count != 1 else ''} avslutade."
        if count
        else "Du hade inga andra inloggningar.",
    )
    return redirect("konto:mitt_konto")


@require_POST
def nya_reservkoder(request: AuthenticatedHttpRequest) -> HttpResponse:
    if not TOTPDevice.objects.devices_for_user(request.user, confirmed=True).exists():
        raise Http404
    return _show_recovery_codes(request, next_url=reverse("konto:mitt_konto"))


# --- API keys (the read-only report API, rapporter/api.py) -------------------------------


class ApiNyckelForm(StyledFormMixin, forms.Form):
    namn = forms.CharField(
        label="Vad ska nyckeln användas till?",
        max_length=100,
        help_text="Ett namn som hjälper dig känna igen nyckeln, t.ex. ”Förbundets ekonomisystem”.",
    )
    giltig_till = forms.DateField(
        label="Giltig till och med (frivilligt)",
        required=False,
        widget=DateInput,
        help_text="Lämna tomt för en nyckel som gäller tills du återkallar den.",
    )

    def clean_namn(self) -> str:
        namn = self.cleaned_data["namn"].strip()
        if not namn:
            raise forms.ValidationError("Skriv vad nyckeln ska användas till.")
        return namn

    def clean_giltig_till(self) -> dt.date | None:
        day = self.cleaned_data.get("giltig_till")
        if day and day < timezone.localdate():
            raise forms.ValidationError(
                "Dagen har redan passerat. Välj dagens datum eller ett senare, eller lämna tomt."
            )
        return day


def _api_nycklar_page(
    request: AuthenticatedHttpRequest, form: ApiNyckelForm, *, ny_nyckel: str = ""
) -> HttpResponse:
    response = render(
        request,
        "registration/api_nycklar.html",
        {
            "form": form,
            "may_use_api": can_order_reports(request.user),
            "nycklar": request.user.api_nycklar.all(),
            "ny_nyckel": ny_nyckel,
            "schema_url": reverse("api:openapi-json"),
            "exempel_url": request.build_absolute_uri(reverse("api:forbund_list")),
        },
    )
    # The page that shows a new key must not be kept by a browser or a proxy.
    add_never_cache_headers(response)
    return response


@require_http_methods(["GET", "POST"])
@sensitive_variables("token")
def api_nycklar(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The user's API keys: make one (shown this once), see and revoke the others."""
    if request.method == "GET":
        return _api_nycklar_page(request, ApiNyckelForm())
    if not can_order_reports(request.user):
        raise Http404
    form = ApiNyckelForm(request.POST)
    if not form.is_valid():
        return _api_nycklar_page(request, form)
    token = account_services.create_api_nyckel(
        user=request.user,
        namn=form.cleaned_data["namn"],
        giltig_till=form.cleaned_data["giltig_till"],
    )
    return _api_nycklar_page(request, ApiNyckelForm(), ny_nyckel=token)


@require_POST
def api_nyckel_aterkalla(request: AuthenticatedHttpRequest, nyckel_id: int) -> HttpResponse:
    nyckel = get_object_or_404(request.user.api_nycklar, pk=nyckel_id)
    if account_services.revoke_api_nyckel(nyckel=nyckel):
        messages.success(
            request, f"Nyckeln ”{nyckel.namn}” är återkallad och fungerar inte längre."
        )
    return redirect("konto:api_nycklar")
