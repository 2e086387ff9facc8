from __future__ import annotations

from typing import cast

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Count, Field, Prefetch, Q
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django.views.decorators.vary import vary_on_headers

from forbund import access
from forbund.http import AuthenticatedHttpRequest
from forbund.models import Forbund, Medlemskap, Uppdrag

from . import services
from .access import InsatsAction, insats_forbund_filter, insats_write_forbund_filter
from .choices import INSATSRADER, NIVA_PLURAL, RADER, Niva, Status, rad_label
from .forms import (
    AvslutForm,
    EkonomiradForm,
    HandlaggareForm,
    InsatsFilterForm,
    InsatsForm,
    InsatsMalFormSet,
    StrukturdeltagareForm,
    VolymForm,
    mal_values,
)
from .models import AntalModel, Insats, Strukturdeltagare, Volymregistrering, status_q

PER_SIDA = 25


def _get_forbund(request: AuthenticatedHttpRequest, orgnr: str, *, write: bool = False) -> Forbund:
    """A förbund whose insatser the user may list (or, with `write`, create and budget)."""
    action: access.Action = "forbund_admin" if write else "insats_list"
    return Forbund.objects.get_for_user(request.user, orgnr, action)


def _get_insats_for_user(
    request: AuthenticatedHttpRequest,
    orgnr: str,
    kod: str,
    action: InsatsAction = "insats_read",
) -> Insats:
    scoped = {
        "insats_read": Insats.objects.for_user,
        "insats_write": Insats.objects.editable_by,
        "counts_write": Insats.objects.counts_editable_by,
    }[action](request.user)
    return get_object_or_404(
        scoped.select_related("forbund"), forbund__organisationsnummer=orgnr, kod=kod
    )


def _valid_year(ar: int) -> int:
    if not 2004 <= ar <= 2100:
        raise Http404
    return ar


def _single_or_choice(
    request: AuthenticatedHttpRequest, forbund, url_name: str, title: str, **kwargs
):
    """Send a user with one förbund straight to it; let a user with several choose."""
    forbund = list(forbund.order_by("namn"))
    if not forbund:
        raise Http404
    if len(forbund) == 1:
        return redirect(url_name, forbund[0].organisationsnummer, **kwargs)
    links = [(f, reverse(url_name, args=[f.organisationsnummer], kwargs=kwargs)) for f in forbund]
    return render(request, "insatser/forbund_choice.html", {"title": title, "links": links})


@require_GET
def insatser_start(request: AuthenticatedHttpRequest) -> HttpResponse:
    forbund = Forbund.objects.filter(insats_forbund_filter(request.user))
    return _single_or_choice(request, forbund, "insatser:list", "Insatser")


@require_GET
def ekonomi_start(request: AuthenticatedHttpRequest) -> HttpResponse:
    forbund = Forbund.objects.filter(insats_write_forbund_filter(request.user))
    return _single_or_choice(request, forbund, "insatser:ekonomi_current", "Ekonomi")


# --- The list -------------------------------------------------------------------------


def _counts(insatser) -> dict[str, int]:
    """How many insatser match, per level and per status, in one query."""
    today = timezone.localdate()
    return insatser.aggregate(
        antal=Count("pk"),
        **{niva: Count("pk", filter=Q(niva=niva)) for niva in Niva.values},
        **{status: Count("pk", filter=status_q(status, today)) for status in Status.values},
    )


@require_GET
@vary_on_headers("HX-Request")
def insats_list(request: AuthenticatedHttpRequest, orgnr: str) -> HttpResponse:
    forbund = _get_forbund(request, orgnr)
    form = InsatsFilterForm(request.GET, forbund=forbund)
    insatser = form.filter(Insats.objects.for_user(request.user).filter(forbund=forbund))
    counts = _counts(insatser)
    page = Paginator(
        insatser.with_status().prefetch_related("behovsgrupper").order_by("kod"), PER_SIDA
    ).get_page(request.GET.get("sida"))
    context = {
        "forbund": forbund,
        "form": form,
        "page_obj": page,
        "counts": counts,
        "niva_counts": [(NIVA_PLURAL[n], counts[n]) for n in Niva.values],
        "status_counts": [(Status(s).label, counts[s]) for s in Status.values],
        "can_create": Forbund.objects.filter(
            insats_write_forbund_filter(request.user), pk=forbund.pk
        ).exists(),
    }
    template = "insatser/insats_list.html"
    if request.htmx and not request.htmx.history_restore_request:
        # The table, and the typ field out of band: its options follow the nivå.
        response = render(request, template + "#tabell", context)
        typ = render_to_string(template + "#typfalt", {**context, "oob": True}, request)
        response.content += typ.encode()
        return response
    return render(request, template, context)


# --- One insats -----------------------------------------------------------------------


def _with_details(insats: Insats) -> Insats:
    """The insats with everything its page shows, in a fixed number of queries."""
    return (
        Insats.objects.filter(pk=insats.pk)
        .select_related("forbund")
        .prefetch_related(
            "behovsgrupper",
            "malgrupper",
            "mal",
            Prefetch("parter", queryset=Medlemskap.objects.select_related("kommun", "region")),
            Prefetch("handlaggare", queryset=Uppdrag.objects.select_related("user")),
        )
        .get()
    )


_ANTAL_FORMS: dict[AntalModel, type[VolymForm | StrukturdeltagareForm]] = {
    Volymregistrering: VolymForm,
    Strukturdeltagare: StrukturdeltagareForm,
}


def _antal_model(insats: Insats) -> AntalModel | None:
    if insats.is_volyminsats:
        return Volymregistrering
    if insats.is_strukturinsats:
        return Strukturdeltagare
    return None


def _antal_context(
    request: AuthenticatedHttpRequest, insats: Insats, form=None
) -> dict[str, object]:
    model = _antal_model(insats)
    if model is None:
        return {}
    rows = list(model.objects.filter(insats=insats).order_by("-datum"))
    per_ar: dict[int, int] = {}
    for row in rows:
        per_ar[row.datum.year] = per_ar.get(row.datum.year, 0) + row.total
    table = [(row.datum, [getattr(row, name) for name in model.ANTAL], row.total) for row in rows]
    can_count = Insats.objects.counts_editable_by(request.user).filter(pk=insats.pk).exists()
    return {
        "antal_model": model.__name__.lower(),
        "antal_rader": table,
        "antal_per_ar": sorted(per_ar.items(), reverse=True),
        # ANTAL names the model's own count fields, never a relation.
        "antal_falt": [
            cast(Field, model._meta.get_field(name)).verbose_name for name in model.ANTAL
        ],
        "antal_form": form or (_ANTAL_FORMS[model]() if can_count else None),
    }


def _is_handlaggare(request: AuthenticatedHttpRequest, insats: Insats) -> bool:
    """Whether the user is one of the insats's handläggare (its participant pages are theirs);
    reads the prefetched handläggare when the page has them."""
    assigned = set(access.handlaggare_uppdrag_ids(request.user))
    return bool(assigned) and any(u.pk in assigned for u in insats.handlaggare.all())


def _detail_context(
    request: AuthenticatedHttpRequest, insats: Insats, **extra: object
) -> dict[str, object]:
    return {
        "insats": insats,
        "forbund": insats.forbund,
        "can_edit": Insats.objects.editable_by(request.user).filter(pk=insats.pk).exists(),
        "is_insats_handlaggare": _is_handlaggare(request, insats),
        "ekonomi": services.insats_ekonomi(insats),
        **_antal_context(request, insats, extra.pop("antal_form", None)),
        **extra,
    }


@require_GET
def insats_detail(request: AuthenticatedHttpRequest, orgnr: str, kod: str) -> HttpResponse:
    insats = _with_details(_get_insats_for_user(request, orgnr, kod))
    return render(request, "insatser/insats_detail.html", _detail_context(request, insats))


@require_POST
@vary_on_headers("HX-Request")
def antal_add(request: AuthenticatedHttpRequest, orgnr: str, kod: str) -> HttpResponse:
    """Enter the counts for a period: volume counts or strukturdeltagare, by the insats's kind."""
    insats = _get_insats_for_user(request, orgnr, kod, "counts_write")
    model = _antal_model(insats)
    if model is None:
        raise Http404
    form = _ANTAL_FORMS[model](request.POST, instance=model(insats=insats))
    if not form.is_valid():
        if request.htmx:
            context = _detail_context(request, insats, antal_form=form)
            return render(request, "insatser/insats_detail.html#antal", context)
        context = _detail_context(request, _with_details(insats), antal_form=form)
        return render(request, "insatser/insats_detail.html", context)
    data = form.cleaned_data
    row = services.antal_set(
        model=model,
        insats=insats,
        datum=data["datum"],
        antal={name: data[name] for name in model.ANTAL},
    )
    saved = f"Antalet för {row.datum:%Y-%m-%d} har sparats."
    if request.htmx:
        context = _detail_context(request, insats, saved_message=saved)
        return render(request, "insatser/insats_detail.html#antal", context)
    messages.success(request, saved)
    return redirect(f"{insats.get_absolute_url()}#antal")


# --- Create and edit ------------------------------------------------------------------


def _form_response(
    request: AuthenticatedHttpRequest,
    forbund: Forbund,
    form: InsatsForm,
    mal_formset,
    insats: Insats | None,
) -> HttpResponse:
    template = "insatser/insats_form.html"
    if request.htmx and request.htmx.target == "typ-falt":
        template += "#typ_falt"
    return render(
        request,
        template,
        {"forbund": forbund, "form": form, "mal_formset": mal_formset, "insats": insats},
    )


def _insats_form(
    request: AuthenticatedHttpRequest, forbund: Forbund, insats: Insats
) -> HttpResponse:
    """The create and edit form: GET shows it (or, from htmx, the typ options for the
    chosen nivå), POST saves the insats with its target groups, parties and goals."""
    existing = insats if insats.pk else None
    typ_url = request.path
    if request.method == "POST":
        form = InsatsForm(request.POST, instance=insats, forbund=forbund, typ_url=typ_url)
        mal_formset = InsatsMalFormSet(request.POST, instance=insats, prefix="mal")
        if form.is_valid() and mal_formset.is_valid():
            try:
                with transaction.atomic():
                    saved = services.insats_save(
                        insats=form.save(commit=False),
                        behovsgrupper=[b.pk for b in form.cleaned_data["behovsgrupper"]],
                        malgrupper=form.cleaned_data["malgrupper"],
                        nya_malgrupper=form.nya_malgrupper_list(),
                        parter=form.cleaned_data["parter"],
                        mal=mal_values(mal_formset),
                    )
            except ValidationError as error:
                form.add_error(None, error)
            else:
                verb = "ändrats" if existing else "skapats"
                messages.success(request, f"Insatsen {saved.kod} har {verb}.")
                return redirect(saved)
    else:
        # From htmx (a new nivå chosen), the choices so far are kept as initial values.
        initial = {k: request.GET.get(k) for k in ("niva", "typ", "deltagarregistrering")}
        form = InsatsForm(
            instance=insats,
            forbund=forbund,
            typ_url=typ_url,
            initial=initial if request.htmx else None,
        )
        mal_formset = InsatsMalFormSet(instance=insats, prefix="mal")
    return _form_response(request, forbund, form, mal_formset, existing)


@require_http_methods(["GET", "POST"])
@vary_on_headers("HX-Request")
def insats_create(request: AuthenticatedHttpRequest, orgnr: str) -> HttpResponse:
    forbund = _get_forbund(request, orgnr, write=True)
    return _insats_form(request, forbund, Insats(forbund=forbund))


@require_http_methods(["GET", "POST"])
@vary_on_headers("HX-Request")
def insats_edit(request: AuthenticatedHttpRequest, orgnr: str, kod: str) -> HttpResponse:
    insats = _get_insats_for_user(request, orgnr, kod, "insats_write")
    return _insats_form(request, insats.forbund, insats)


@require_http_methods(["GET", "POST"])
def insats_close(request: AuthenticatedHttpRequest, orgnr: str, kod: str) -> HttpResponse:
    insats = _get_insats_for_user(request, orgnr, kod, "insats_write")
    form = AvslutForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            services.insats_close(insats=insats, datum=form.cleaned_data["datum"])
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(
                request, f"Insatsen {insats.kod} är avslutad från {insats.avslutad_datum:%Y-%m-%d}."
            )
            return redirect(insats)
    return render(request, "insatser/insats_close.html", {"insats": insats, "form": form})


@require_http_methods(["GET", "POST"])
def insats_handlaggare(request: AuthenticatedHttpRequest, orgnr: str, kod: str) -> HttpResponse:
    insats = _get_insats_for_user(request, orgnr, kod, "insats_write")
    form = HandlaggareForm(
        request.POST if request.method == "POST" else None,
        forbund=insats.forbund,
        initial={"uppdrag": list(insats.handlaggare.all())},
    )
    if request.method == "POST" and form.is_valid():
        services.insats_set_handlaggare(
            by=request.user, insats=insats, uppdrag=form.cleaned_data["uppdrag"]
        )
        messages.success(request, f"Handläggarna i {insats.kod} har sparats.")
        return redirect(insats)
    return render(request, "insatser/insats_handlaggare.html", {"insats": insats, "form": form})


# --- The economy ----------------------------------------------------------------------


@require_GET
def ekonomi_current(request: AuthenticatedHttpRequest, orgnr: str) -> HttpResponse:
    forbund = _get_forbund(request, orgnr, write=True)
    ar = services.ekonomi_default_year(forbund)
    return redirect("insatser:ekonomi", forbund.organisationsnummer, ar)


def _ekonomi_context(forbund: Forbund, ar: int, **extra: object) -> dict[str, object]:
    this_year = timezone.localdate().year
    return {
        "forbund": forbund,
        "ar": ar,
        "years": range(this_year + 1, min(forbund.bildad.year, this_year) - 1, -1),
        "year": services.ekonomiar(forbund, ar),
        **extra,
    }


@require_GET
@vary_on_headers("HX-Request")
def ekonomi(request: AuthenticatedHttpRequest, orgnr: str, ar: int) -> HttpResponse:
    forbund = _get_forbund(request, orgnr, write=True)
    template = "insatser/ekonomi.html"
    if request.htmx and request.htmx.target == "ekonomi":
        template += "#ekonomi"
    return render(request, template, _ekonomi_context(forbund, _valid_year(ar)))


def _line_forms(
    request: AuthenticatedHttpRequest, lines: list[tuple[str, Insats | None]], forbund, ar
):
    """One EkonomiradForm per line, prefixed by its rad, filled from the data or the line."""
    current = {
        (row.rad, row.insats_id): row
        for row in forbund.ekonomirader.filter(ar=ar, rad__in=[rad for rad, _ in lines])
    }
    forms = []
    for rad, insats in lines:
        row = current.get((rad, insats.pk if insats else None))
        initial = {"budget": row.budget, "utfall": row.utfall} if row else {}
        data = request.POST if request.method == "POST" else None
        forms.append((rad, insats, EkonomiradForm(data, prefix=rad, initial=initial)))
    return forms


@require_http_methods(["GET", "POST"])
@vary_on_headers("HX-Request")
def ekonomi_edit(
    request: AuthenticatedHttpRequest, orgnr: str, ar: int, rad: str = "", kod: str = ""
) -> HttpResponse:
    """Edit one line of the year in place: an insats's two cost lines (its own and the
    ESF-financed), or an administration or income line."""
    forbund = _get_forbund(request, orgnr, write=True)
    _valid_year(ar)
    lines: list[tuple[str, Insats | None]]
    editing: dict[str, object]
    if kod:
        insats = get_object_or_404(forbund.insatser, kod=kod)
        lines = [(r, insats) for r in INSATSRADER]
        editing = {"editing_insats": insats.pk}
        name = f"{insats.kod} {insats.namn}"
    elif rad in RADER and rad not in INSATSRADER:
        lines = [(rad, None)]
        editing = {"editing_rad": rad}
        name = rad_label(rad)
    else:
        raise Http404
    forms = _line_forms(request, lines, forbund, ar)
    if request.method == "POST" and all(form.is_valid() for _, _, form in forms):
        try:
            with transaction.atomic():
                for line_rad, insats, form in forms:
                    services.ekonomirad_set(
                        forbund=forbund, ar=ar, rad=line_rad, insats=insats, **form.cleaned_data
                    )
        except ValidationError as error:
            forms[0][2].add_error(None, error)
        else:
            saved = f"{name} {ar} har sparats."
            if request.htmx:
                context = _ekonomi_context(forbund, ar, saved_message=saved)
                return render(request, "insatser/ekonomi.html#ekonomi", context)
            messages.success(request, saved)
            return redirect(reverse("insatser:ekonomi", args=[orgnr, ar]) + "#ekonomi")
    context = _ekonomi_context(forbund, ar, line_forms=forms, **editing)
    template = "insatser/ekonomi.html#ekonomi" if request.htmx else "insatser/ekonomi.html"
    return render(request, template, context)
