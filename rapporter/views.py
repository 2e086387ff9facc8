from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import HttpResponseStopPolling

from forbund import access

from . import services
from .forms import BestallForm
from .models import CONTENT_TYPES, Rapportjobb, Status


def _require_reports(request: HttpRequest) -> None:
    if not access.can_order_reports(request.user):
        raise Http404


def _get_jobb_for_user(request: HttpRequest, jobb_id) -> Rapportjobb:
    return get_object_or_404(Rapportjobb.objects.for_user(request.user), pk=jobb_id)


@require_http_methods(["GET", "POST"])
def index(request: HttpRequest) -> HttpResponse:
    _require_reports(request)
    form = BestallForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        jobb = services.order_report(
            user=request.user,
            ar=d["ar"],
            omfattning=d["omfattning"],
            kod=d["kod"],
            format=d["format"],
            undertryck=d["undertryck"],
            diarienummer=d["diarienummer"],
            kommentar=d["kommentar"],
        )
        if jobb.status == Status.FEL:
            messages.error(request, jobb.felmeddelande)
        return redirect(jobb)
    jobb = (
        Rapportjobb.objects.for_user(request.user).defer("innehall").select_related("bestalld_av")
    )
    page = Paginator(jobb, 20).get_page(request.GET.get("sida"))
    return render(request, "rapporter/index.html", {"form": form, "page_obj": page})


@require_GET
def jobb(request: HttpRequest, jobb_id) -> HttpResponse:
    _require_reports(request)
    rapport = _get_jobb_for_user(request, jobb_id)
    if request.htmx:
        response = render(request, "rapporter/jobb.html#status", {"jobb": rapport})
        if not rapport.pagaende:
            # 286 tells htmx to stop polling; the partial shows the final state.
            stop = HttpResponseStopPolling(response.content)
            return stop
        return response
    return render(request, "rapporter/jobb.html", {"jobb": rapport})


@require_POST
def retry(request: HttpRequest, jobb_id) -> HttpResponse:
    _require_reports(request)
    rapport = _get_jobb_for_user(request, jobb_id)
    if rapport.status != Status.FEL:
        return redirect(rapport)
    if not services.retry(jobb=rapport):
        messages.error(request, rapport.felmeddelande)
    return redirect(rapport)


@require_GET
def download(request: HttpRequest, jobb_id) -> HttpResponse:
    _require_reports(request)
    rapport = _get_jobb_for_user(request, jobb_id)
    if rapport.status != Status.KLAR or rapport.innehall is None:
        raise Http404
    response = HttpResponse(bytes(rapport.innehall), content_type=CONTENT_TYPES[rapport.format])
    response["Content-Disposition"] = f'attachment; filename="{rapport.filnamn}"'
    return response
