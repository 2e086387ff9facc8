from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import HttpResponseStopPolling

from forbund import access
from forbund.http import AuthenticatedHttpRequest
from forbund.models import Forbund

from . import services
from .forms import BestallForm
from .models import CONTENT_TYPES, Rapportfil, Rapportjobb, Status


def _require_reports(request: AuthenticatedHttpRequest) -> None:
    if not access.can_order_reports(request.user):
        raise Http404


def _get_jobb_for_user(request: AuthenticatedHttpRequest, jobb_id) -> Rapportjobb:
    return get_object_or_404(Rapportjobb.objects.for_user(request.user), pk=jobb_id)


def _may_receive(request: AuthenticatedHttpRequest, rapport: Rapportjobb) -> bool:
    return access.may_receive_report(
        request.user, omfattning=rapport.omfattning, kod=rapport.kod, undertryck=rapport.undertryck
    )


def _get_receivable_jobb(request: AuthenticatedHttpRequest, jobb_id) -> Rapportjobb:
    """A job of the user's whose report the user may still have (404 otherwise)."""
    rapport = _get_jobb_for_user(request, jobb_id)
    if not _may_receive(request, rapport):
        raise Http404
    return rapport


@require_http_methods(["GET", "POST"])
def index(request: AuthenticatedHttpRequest) -> HttpResponse:
    _require_reports(request)
    form = BestallForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        jobb = services.order_report(
            user=request.user,
            ar=d["ar"],
            omfattning=d["omfattning"],
            kod=d["kod"],
            formats=d["format"],
            undertryck=d["undertryck"],
            diarienummer=d["diarienummer"],
            kommentar=d["kommentar"],
        )
        if jobb.status == Status.FEL:
            messages.error(request, jobb.felmeddelande)
        return redirect(jobb)
    jobber = Rapportjobb.objects.for_user(request.user).select_related("bestalld_av")
    page = Paginator(jobber, 20).get_page(request.GET.get("sida"))
    namn = dict(
        Forbund.objects.filter(
            organisationsnummer__in=[j.kod for j in page if j.omfattning == "forbund"]
        ).values_list("organisationsnummer", "namn")
    )
    rader = [(j, j.omfattning_namn(namn.get(j.kod))) for j in page]
    return render(request, "rapporter/index.html", {"form": form, "page_obj": page, "rader": rader})


@require_GET
def jobb(request: AuthenticatedHttpRequest, jobb_id) -> HttpResponse:
    _require_reports(request)
    rapport = _get_jobb_for_user(request, jobb_id)
    context = {
        "jobb": rapport,
        "behorig": _may_receive(request, rapport),
        "filer": _filer(rapport),
    }
    if request.htmx:
        response = render(request, "rapporter/jobb.html#status", context)
        if not rapport.pagaende or not context["behorig"]:
            # 286 tells htmx to stop polling; the partial shows the final state.
            stop = HttpResponseStopPolling(response.content)
            return stop
        return response
    return render(request, "rapporter/jobb.html", context)


def _filer(rapport: Rapportjobb) -> list[Rapportfil]:
    """The finished files in the order asked for, without their bytes."""
    found = {f.format: f for f in rapport.filer.defer("innehall")}
    return [found[f] for f in rapport.formats if f in found]


@require_POST
def retry(request: AuthenticatedHttpRequest, jobb_id) -> HttpResponse:
    _require_reports(request)
    rapport = _get_receivable_jobb(request, jobb_id)
    if rapport.status != Status.FEL:
        return redirect(rapport)
    if not services.retry(jobb=rapport):
        messages.error(request, rapport.felmeddelande)
    return redirect(rapport)


@never_cache  # unsuppressed counts: never kept by a browser or proxy
@require_GET
def download(request: AuthenticatedHttpRequest, jobb_id, format: str = "") -> HttpResponse:
    """One file of a finished report; without a format, the first one ordered."""
    _require_reports(request)
    rapport = _get_receivable_jobb(request, jobb_id)
    if rapport.status != Status.KLAR:
        raise Http404
    fil = get_object_or_404(rapport.filer, format=format or rapport.formats[0])
    response = HttpResponse(bytes(fil.innehall), content_type=CONTENT_TYPES[fil.format])
    response["Content-Disposition"] = f'attachment; filename="{fil.filnamn}"'
    return response
