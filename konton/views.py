"""Användare och behörigheter: accounts, assignments and the access log (forbund.access
decides who sees and changes what; outside a user's reach is 404)."""

from __future__ import annotations

import logging
import smtplib

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Prefetch, Q
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from forbund import access, account_services
from forbund.choices import Roll
from forbund.http import AuthenticatedHttpRequest
from forbund.models import Behorighetslogg, Uppdrag, User
from insatser import services as insats_services
from insatser.models import Insats

from . import services
from .forms import AnvandareForm, FilterForm, UppdragEditForm, UppdragForm

PAGE_SIZE = 50
logger = logging.getLogger(__name__)


def _require(allowed: bool) -> None:
    if not allowed:
        raise Http404


def _visible_uppdrag(request: AuthenticatedHttpRequest):
    return (
        Uppdrag.objects.filter(access.uppdrag_read_filter(request.user))
        .select_related("forbund")
        .prefetch_related(Prefetch("insatser", Insats.objects.order_by("kod")))
        .order_by("-startdatum", "roll")
    )


def _accounts_for_user(request: AuthenticatedHttpRequest):
    _require(access.can_manage_accounts(request.user))
    visible = User.objects.filter(access.account_filter(request.user)).values("pk")
    return User.objects.filter(pk__in=visible).prefetch_related(
        Prefetch("uppdrag", _visible_uppdrag(request), to_attr="synliga_uppdrag")
    )


def _get_account_for_user(request: AuthenticatedHttpRequest, user_id: int) -> User:
    return get_object_or_404(_accounts_for_user(request), pk=user_id)


def _get_uppdrag_for_user(
    request: AuthenticatedHttpRequest, user_id: int, uppdrag_id: int
) -> Uppdrag:
    _require(access.can_manage_accounts(request.user))
    queryset = Uppdrag.objects.filter(access.uppdrag_write_filter(request.user))
    return get_object_or_404(
        queryset.select_related("user", "forbund"), pk=uppdrag_id, user_id=user_id
    )


def _log_for_user(request: AuthenticatedHttpRequest):
    # The förbundsadministratör: the changes in the own förbund.
    return Behorighetslogg.objects.filter(access.uppdrag_read_filter(request.user)).select_related(
        "utford_av", "anvandare", "forbund"
    )


@require_GET
def anvandare_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    accounts = _accounts_for_user(request)
    form = FilterForm(request.GET or None)
    if form.is_valid():
        if q := form.cleaned_data["q"].strip():
            accounts = accounts.filter(
                Q(username__icontains=q)
                | Q(first_name__icontains=q)
                | Q(last_name__icontains=q)
                | Q(email__icontains=q)
            )
        if status := form.cleaned_data["status"]:
            accounts = accounts.filter(is_active=status == "aktiva")
    page = Paginator(accounts.order_by("last_name", "first_name", "username"), PAGE_SIZE).get_page(
        request.GET.get("sida")
    )
    return render(
        request,
        "konton/anvandare_list.html",
        {
            "page_obj": page,
            "form": form,
            "can_edit": access.can_edit_accounts(request.user),
            "antal": page.paginator.count,
        },
    )


@require_http_methods(["GET", "POST"])
def anvandare_create(request: AuthenticatedHttpRequest) -> HttpResponse:
    _require(access.can_edit_accounts(request.user))
    data = request.POST if request.method == "POST" else None
    form = AnvandareForm(data, prefix="konto")
    uppdrag_form = UppdragForm(data, prefix="uppdrag", by=request.user)
    # Both forms validated, so that every error is shown at once.
    if request.method == "POST" and all([form.is_valid(), uppdrag_form.is_valid()]):
        user = services.create_account(
            by=request.user, fields=form.cleaned_data, uppdrag=uppdrag_form.cleaned_data
        )
        messages.success(request, f"Kontot {user.username} är skapat.")
        _mail_activation(request, user)
        uppdrag = user.uppdrag.get()
        if uppdrag.roll == Roll.HANDLAGGARE:
            return redirect("konton:uppdrag_edit", user.pk, uppdrag.pk)
        return redirect("konton:detail", user.pk)
    return render(
        request,
        "konton/anvandare_form.html",
        {"form": form, "uppdrag_form": uppdrag_form, "account": None},
    )


@require_GET
def anvandare_detail(request: AuthenticatedHttpRequest, user_id: int) -> HttpResponse:
    account = _get_account_for_user(request, user_id)
    writable = set(
        Uppdrag.objects.filter(access.uppdrag_write_filter(request.user), user=account).values_list(
            "pk", flat=True
        )
    )
    return render(
        request,
        "konton/anvandare_detail.html",
        {
            "account": account,
            "writable": writable,
            "can_edit": access.can_edit_accounts(request.user),
            "can_add_uppdrag": bool(access.grantable_roles(request.user)),
            "logg": _log_for_user(request).filter(anvandare=account)[:50],
        },
    )


@require_http_methods(["GET", "POST"])
def anvandare_edit(request: AuthenticatedHttpRequest, user_id: int) -> HttpResponse:
    _require(access.can_edit_accounts(request.user))
    account = _get_account_for_user(request, user_id)
    form = AnvandareForm(request.POST if request.method == "POST" else None, instance=account)
    if request.method == "POST" and form.is_valid():
        services.update_account(
            by=request.user, user=form.save(commit=False), changed=form.changes()
        )
        messages.success(request, "Kontot är sparat.")
        return redirect("konton:detail", account.pk)
    return render(
        request,
        "konton/anvandare_form.html",
        {"form": form, "uppdrag_form": None, "account": account},
    )


@require_POST
def anvandare_active(request: AuthenticatedHttpRequest, user_id: int) -> HttpResponse:
    _require(access.can_edit_accounts(request.user))
    account = _get_account_for_user(request, user_id)
    active = request.POST.get("aktiv") == "1"
    if not active and account.pk == request.user.pk:
        messages.error(request, "Du kan inte avaktivera ditt eget konto.")
    else:
        services.set_account_active(by=request.user, user=account, active=active)
        messages.success(
            request,
            f"Kontot {account.username} är "
            + ("aktivt igen." if active else "avaktiverat och utloggat."),
        )
    return redirect("konton:detail", account.pk)


def _mail_activation(request: AuthenticatedHttpRequest, user: User, *, reset: bool = False) -> None:
    base_url = request.build_absolute_uri("/")
    try:
        if reset:
            account_services.reset_authenticator(by=request.user, user=user, base_url=base_url)
        else:
            account_services.send_activation(by=request.user, user=user, base_url=base_url)
    except (OSError, smtplib.SMTPException):
        logger.exception("Aktiveringsmejlet till konto %s kunde inte skickas", user.pk)
        messages.error(
            request,
            "E-postmeddelandet med aktiveringslänken kunde inte skickas. Försök igen om en "
            "stund med Skicka aktiveringslänk.",
        )
    else:
        messages.success(
            request,
            f"En aktiveringslänk är skickad till {user.email}. Den gäller i "
            f"{settings.FINSAM_AKTIVERING_GILTIG_TIMMAR} timmar och fungerar en gång.",
        )


@require_POST
def anvandare_aktiveringslank(request: AuthenticatedHttpRequest, user_id: int) -> HttpResponse:
    _require(access.can_edit_accounts(request.user))
    account = _get_account_for_user(request, user_id)
    if not account.is_active or not account.email:
        messages.error(request, "Kontot behöver vara aktivt och ha en e-postadress.")
    else:
        _mail_activation(request, account)
    return redirect("konton:detail", account.pk)


@require_POST
def anvandare_aterstall_autentisering(
    request: AuthenticatedHttpRequest, user_id: int
) -> HttpResponse:
    """The administratör removes a lost authenticator; the user enrols a new one through
    the activation link mailed to them. The administratör never sees either."""
    _require(access.can_edit_accounts(request.user))
    account = _get_account_for_user(request, user_id)
    if account.pk == request.user.pk:
        messages.error(request, "Din egen autentisering återställs av en annan administratör.")
    elif not account.is_active or not account.email:
        messages.error(request, "Kontot behöver vara aktivt och ha en e-postadress.")
    else:
        _mail_activation(request, account, reset=True)
    return redirect("konton:detail", account.pk)


@require_http_methods(["GET", "POST"])
def uppdrag_add(request: AuthenticatedHttpRequest, user_id: int) -> HttpResponse:
    _require(bool(access.grantable_roles(request.user)))
    account = _get_account_for_user(request, user_id)
    form = UppdragForm(
        request.POST if request.method == "POST" else None, by=request.user, user=account
    )
    if request.method == "POST" and form.is_valid():
        uppdrag = services.add_uppdrag(by=request.user, user=account, **form.cleaned_data)
        messages.success(request, f"Uppdraget {uppdrag} är tillagt.")
        if uppdrag.roll == Roll.HANDLAGGARE:
            return redirect("konton:uppdrag_edit", account.pk, uppdrag.pk)
        return redirect("konton:detail", account.pk)
    return render(request, "konton/uppdrag_form.html", {"form": form, "account": account})


@require_http_methods(["GET", "POST"])
def uppdrag_edit(request: AuthenticatedHttpRequest, user_id: int, uppdrag_id: int) -> HttpResponse:
    uppdrag = _get_uppdrag_for_user(request, user_id, uppdrag_id)
    form = UppdragEditForm(request.POST if request.method == "POST" else None, uppdrag=uppdrag)
    if request.method == "POST" and form.is_valid():
        services.update_uppdrag_period(
            by=request.user,
            uppdrag=uppdrag,
            startdatum=form.cleaned_data["startdatum"],
            slutdatum=form.cleaned_data["slutdatum"],
        )
        if "insatser" in form.fields:
            insats_services.uppdrag_set_insatser(
                by=request.user, uppdrag=uppdrag, insatser=form.cleaned_data["insatser"]
            )
        messages.success(request, f"Uppdraget {uppdrag} är sparat.")
        return redirect("konton:detail", uppdrag.user_id)
    return render(
        request,
        "konton/uppdrag_form.html",
        {"form": form, "account": uppdrag.user, "uppdrag": uppdrag},
    )


@require_POST
def uppdrag_end(request: AuthenticatedHttpRequest, user_id: int, uppdrag_id: int) -> HttpResponse:
    uppdrag = _get_uppdrag_for_user(request, user_id, uppdrag_id)
    services.end_uppdrag(by=request.user, uppdrag=uppdrag)
    messages.success(request, f"Uppdraget {uppdrag} är avslutat från och med i dag.")
    return redirect("konton:detail", uppdrag.user_id)


@require_GET
def logg(request: AuthenticatedHttpRequest) -> HttpResponse:
    _require(access.can_manage_accounts(request.user))
    page = Paginator(_log_for_user(request), PAGE_SIZE).get_page(request.GET.get("sida"))
    return render(request, "konton/logg.html", {"page_obj": page})
