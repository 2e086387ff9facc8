from __future__ import annotations

from collections import defaultdict

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Prefetch, Q, Sum
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods
from django.views.decorators.vary import vary_on_headers

from . import access, services
from .forms import BidragForm, ForbundFilterForm
from .http import AuthenticatedHttpRequest
from .models import Forbund, Medlemsbidrag, Medlemskap


def _get_forbund_for_user(
    request: AuthenticatedHttpRequest, orgnr: str, action: access.Action = "registry_read"
) -> Forbund:
    return Forbund.objects.get_for_user(request.user, orgnr, action)


@require_GET
@vary_on_headers("HX-Request")
def forbund_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    if not access.can_read_registry(request.user):
        raise Http404
    form = ForbundFilterForm(request.GET)
    queryset = Forbund.objects.for_user(request.user)
    if form.is_valid():
        if lan := form.cleaned_data["lan"]:
            queryset = queryset.filter(lan=lan)
        if q := form.cleaned_data["q"].strip():
            digits = q.replace("-", "")
            queryset = queryset.filter(
                Q(namn__icontains=q)
                | Q(organisationsnummer__startswith=digits)
                | Q(medlemskap__kommun__namn__icontains=q)
            ).distinct()
    queryset = queryset.annotate(
        antal_kommuner=Count(
            "medlemskap",
            filter=Q(medlemskap__kommun__isnull=False, medlemskap__uttrade__isnull=True),
        )
    ).order_by("namn")
    page = Paginator(queryset, 25).get_page(request.GET.get("sida"))
    template = "forbund/forbund_list.html"
    if request.htmx and not request.htmx.history_restore_request:
        template += "#table"
    return render(request, template, {"form": form, "page_obj": page})


def _year_from(request: AuthenticatedHttpRequest, forbund: Forbund) -> int:
    value = request.GET.get("ar", "")
    if value.isdigit() and 2004 <= int(value) <= 2100:
        return int(value)
    return services.default_year(forbund)


def _oversikt(forbund: Forbund) -> list[dict[str, object]]:
    """Contribution totals per year with the 5 § verdict, in one query."""
    sums = (
        Medlemsbidrag.objects.filter(medlemskap__forbund=forbund)
        .values("ar", "medlemskap__medlemstyp")
        .annotate(beslutat=Sum("beslutat"), inbetalt=Sum("inbetalt"))
    )
    per_year: dict[int, dict[services.Belopp, dict[str, int]]] = defaultdict(
        lambda: defaultdict(dict)
    )
    beloppen: tuple[services.Belopp, ...] = ("beslutat", "inbetalt")
    for row in sums:
        for belopp in beloppen:
            per_year[row["ar"]][belopp][row["medlemskap__medlemstyp"]] = row[belopp] or 0
    rows = []
    for ar in sorted(per_year, reverse=True):
        checks: dict[str, services.Fordelning] = {
            belopp: services.Fordelning(
                ar=ar,
                belopp=belopp,
                staten=values.get("forsakringskassan", 0),
                arbetsformedlingen=values.get("arbetsformedlingen", 0),
                regioner=values.get("region", 0),
                kommuner=values.get("kommun", 0),
            )
            for belopp, values in per_year[ar].items()
        }
        rows.append({"ar": ar, **checks, "kontroll": services.Kontroll5(**checks)})
    return rows


def _detail_context(
    request: AuthenticatedHttpRequest, forbund: Forbund, ar: int, **extra: object
) -> dict[str, object]:
    return {
        "forbund": forbund,
        "ar": ar,
        "years": services.bidrag_years(forbund),
        "year": services.bidragsar(forbund, ar),
        "can_edit": Forbund.objects.editable_by(request.user).filter(pk=forbund.pk).exists(),
        **extra,
    }


@require_GET
@vary_on_headers("HX-Request")
def forbund_detail(request: AuthenticatedHttpRequest, orgnr: str) -> HttpResponse:
    forbund = _get_forbund_for_user(request, orgnr)
    ar = _year_from(request, forbund)
    forbund = (
        Forbund.objects.filter(pk=forbund.pk)
        .prefetch_related(
            Prefetch("medlemskap", queryset=Medlemskap.objects.select_related("kommun", "region")),
            "foregangare",
            "eftertradare",
        )
        .get()
    )
    context = _detail_context(request, forbund, ar, oversikt=_oversikt(forbund))
    template = "forbund/forbund_detail.html"
    if request.htmx and request.htmx.target == "bidrag":
        template += "#bidrag"
    return render(request, template, context)


@require_http_methods(["GET", "POST"])
@vary_on_headers("HX-Request")
def bidrag_edit(
    request: AuthenticatedHttpRequest, orgnr: str, ar: int, medlemskap_id: int
) -> HttpResponse:
    forbund = _get_forbund_for_user(request, orgnr, action="contributions_write")
    if not 2004 <= ar <= 2100:
        raise Http404
    medlemskap = get_object_or_404(
        forbund.medlemskap.select_related("kommun", "region"), pk=medlemskap_id
    )
    bidrag = Medlemsbidrag.objects.filter(medlemskap=medlemskap, ar=ar).first()
    if bidrag is None and not medlemskap.is_active_in_year(ar):
        raise Http404
    detail_url = f"{reverse('forbund:detail', args=[forbund.organisationsnummer])}?ar={ar}"
    if request.method == "POST":
        form = BidragForm(request.POST)
        if form.is_valid():
            try:
                services.medlemsbidrag_set(medlemskap=medlemskap, ar=ar, **form.cleaned_data)
            except ValidationError as error:  # the year is approved and locked
                form.add_error(None, error)
            else:
                saved = f"Bidraget för {medlemskap.part_namn} {ar} har sparats."
                if request.htmx:
                    context = _detail_context(request, forbund, ar, saved_message=saved)
                    return render(request, "forbund/forbund_detail.html#bidrag", context)
                messages.success(request, saved)
                return redirect(f"{detail_url}#bidrag")
    else:
        initial = {"beslutat": bidrag.beslutat, "inbetalt": bidrag.inbetalt} if bidrag else {}
        form = BidragForm(initial=initial)
    context = _detail_context(request, forbund, ar, editing=medlemskap.pk, form=form)
    if request.htmx:
        return render(request, "forbund/forbund_detail.html#bidrag", context)
    context["oversikt"] = _oversikt(forbund)
    return render(request, "forbund/forbund_detail.html", context)
