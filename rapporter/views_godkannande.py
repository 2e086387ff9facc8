"""Year-end approval pages: approve or reopen a förbund's year, download an approved
version, and the overview of which förbund have approved their year."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from deltagare import kvalitet
from deltagare.models import Deltagande
from forbund import access
from forbund.choices import LAN_NAMN
from forbund.models import Arsgodkannande, Forbund

from . import godkannande
from .forms import GodkannForm, OppnaForm, OversiktForm
from .models import CONTENT_TYPES, Format, Rapportversion
from .tabeller import T19_RADER, Omfattning

# The key figures shown before approving: T19's rows for the year.
NYCKELTAL = [k for k in T19_RADER if k not in ("forbund", "kommuner")]
FORMATS = [Format.PDF, Format.XLSX, Format.JSON]


def _get_forbund_for_user(request: HttpRequest, orgnr: str) -> Forbund:
    return get_object_or_404(
        Forbund.objects.filter(access.godkannande_forbund_filter(request.user)),
        organisationsnummer=orgnr,
    )


def _valid_year(ar: int) -> int:
    if not 2004 <= ar <= 2100:
        raise Http404
    return ar


def _kvalitet(forbund: Forbund, ar: int) -> list[dict]:
    """The point-of-work list for the förbund's deltaganden active in the year, one query."""
    today = timezone.localdate()
    counts = (
        Deltagande.objects.filter(insats__forbund=forbund)
        .active_in_year(ar)
        .aggregate(**{p.kod: Count("pk", filter=p.q(today)) for p in kvalitet.PROBLEM})
    )
    return [{"problem": p, "antal": counts[p.kod]} for p in kvalitet.PROBLEM]


def _context(request: HttpRequest, forbund: Forbund, ar: int, **forms) -> dict:
    omfattning = Omfattning("forbund", forbund.organisationsnummer)
    rapport, status = godkannande.rapport_for(ar=ar, omfattning=omfattning, undertryck=False)
    t19 = rapport.tabeller["T19"]
    g = Arsgodkannande.objects.filter(forbund=forbund, ar=ar).select_related("godkand_av").first()
    versioner = (
        list(
            Rapportversion.objects.filter(godkannande=g)
            .select_related("godkand_av")
            .defer("tabeller", "tabeller_undertryckta", "json", "xlsx", "pdf")
            .order_by("-version")
        )
        if g
        else []
    )
    skillnader = []
    if len(versioner) >= 2:
        pair = Rapportversion.objects.filter(pk__in=[versioner[1].pk, versioner[0].pk])
        old, new = sorted(pair.only("version", "tabeller"), key=lambda v: v.version)
        skillnader = godkannande.skillnader(old, new)
    handelser = list(g.handelser.select_related("av")) if g else []
    godkant = bool(g and g.last)
    return {
        "forbund": forbund,
        "ar": ar,
        "ar_val": range(timezone.localdate().year - 1, timezone.localdate().year - 11, -1),
        "godkannande": g,
        "godkant": godkant,
        "status": status,
        "t16": rapport.tabeller["T16"],
        "oppna": godkannande.oppna_efter_insatsslut(rapport),
        "kvalitet": _kvalitet(forbund, ar),
        "nyckeltal": [
            {"etikett": t19.row(k)["etikett"], "varde": t19.row(k)[str(ar)]}
            for k in NYCKELTAL
            if any(r["kod"] == k for r in t19.rader)
        ],
        "versioner": versioner,
        "formats": FORMATS,
        "skillnader": skillnader,
        "jamfor": versioner[1::-1] if len(versioner) >= 2 else [],
        "handelser": handelser,
        "undantag": [h for h in handelser if h.handelse in ("gallring", "aterkallelse")],
        "kan_godkanna": access.can_approve(request.user, forbund) and not godkant,
        "kan_oppna": godkant,
        "ar_slut": ar < timezone.localdate().year,
        "godkann_form": forms.get("godkann_form") or GodkannForm(),
        "oppna_form": forms.get("oppna_form") or OppnaForm(),
    }


@require_GET
def year(request: HttpRequest, orgnr: str, ar: int) -> HttpResponse:
    forbund = _get_forbund_for_user(request, orgnr)
    context = _context(request, forbund, _valid_year(ar))
    return render(request, "rapporter/godkannande.html", context)


@require_POST
def approve(request: HttpRequest, orgnr: str, ar: int) -> HttpResponse:
    forbund = _get_forbund_for_user(request, orgnr)
    ar = _valid_year(ar)
    if not access.can_approve(request.user, forbund):
        raise Http404
    form = GodkannForm(request.POST)
    if form.is_valid():
        try:
            version = godkannande.approve(
                forbund=forbund, ar=ar, user=request.user, **form.cleaned_data
            )
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(request, f"År {ar} är godkänt (version {version.version}).")
            return redirect("rapporter:godkannande", orgnr, ar)
    context = _context(request, forbund, ar, godkann_form=form)
    return render(request, "rapporter/godkannande.html", context, status=400)


@require_POST
def reopen(request: HttpRequest, orgnr: str, ar: int) -> HttpResponse:
    forbund = _get_forbund_for_user(request, orgnr)
    ar = _valid_year(ar)
    form = OppnaForm(request.POST)
    if form.is_valid():
        try:
            godkannande.reopen(
                forbund=forbund, ar=ar, user=request.user, anledning=form.cleaned_data["anledning"]
            )
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(request, f"År {ar} är öppnat igen för ändringar.")
            return redirect("rapporter:godkannande", orgnr, ar)
    context = _context(request, forbund, ar, oppna_form=form)
    return render(request, "rapporter/godkannande.html", context, status=400)


def _add_errors(form, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for field, errors in error.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error.messages)


@require_GET
def version_file(
    request: HttpRequest, orgnr: str, ar: int, version: int, format: str
) -> HttpResponse:
    forbund = _get_forbund_for_user(request, orgnr)
    if format not in FORMATS:
        raise Http404
    stored = get_object_or_404(
        Rapportversion.objects.select_related("godkannande__forbund").only(
            format, "version", "godkannande__ar", "godkannande__forbund__organisationsnummer"
        ),
        godkannande__forbund=forbund,
        godkannande__ar=ar,
        version=version,
    )
    response = HttpResponse(stored.fil(format), content_type=CONTENT_TYPES[format])
    response["Content-Disposition"] = f'attachment; filename="{stored.filnamn(format)}"'
    return response


@require_http_methods(["GET"])
def overview(request: HttpRequest) -> HttpResponse:
    scope = access.godkannande_oversikt_filter(request.user)
    if scope is None:
        raise Http404
    default = timezone.localdate().year - 1
    form = OversiktForm(request.GET or {"ar": default})
    ar, lan = default, ""
    if form.is_valid():
        ar, lan = form.cleaned_data["ar"], form.cleaned_data["lan"]
    oversikt = godkannande.oversikt(ar, lan or None, scope=scope)
    return render(
        request,
        "rapporter/godkannande_oversikt.html",
        {
            "form": form,
            "oversikt": oversikt,
            "ar": ar,
            "lan_namn": LAN_NAMN.get(lan, ""),
            "lankar": not (access.is_nationella_radet(request.user))
            or access.is_administrator(request.user),
        },
    )
