"""The handläggare's pages of the participant register: the participant list of an insats,
registration (with personnummer or anonymous), the deltagande, its end and follow-ups.

Only the handläggare of an insats reach these pages (anyone else gets 404): they show
personal data, and every page that does writes a row in the access log. The personnummer
travels only in POST bodies, never in a URL; participants are named by their public id.
"""

from __future__ import annotations

import datetime as dt
import uuid

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Max, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from insatser.choices import Deltagarregistrering, Niva
from insatser.models import Insats

from . import kvalitet, pnr, services
from .choices import Registreringsform, Uppfoljningspunkt
from .forms import (
    LIST_FILTERS,
    AnonymForm,
    AterkallaForm,
    AvslutForm,
    DeltagareFilterForm,
    PersonnummerCheckForm,
    RegistreringForm,
    StartprofilForm,
    UppfoljningForm,
    add_service_errors,
)
from .models import Deltagande, Samtycke, Uppfoljning

PER_SIDA = 25


# --- Access ---------------------------------------------------------------------------


def _get_insats(request: HttpRequest, orgnr: str, kod: str) -> Insats:
    """An insats with individual registration where the user is handläggare."""
    insatser = Insats.objects.assigned_to(request.user).filter(
        niva=Niva.INDIVID, deltagarregistrering=Deltagarregistrering.INDIVIDUELL
    )
    return get_object_or_404(
        insatser.select_related("forbund"), forbund__organisationsnummer=orgnr, kod=kod
    )


def _get_deltagande(request: HttpRequest, orgnr: str, kod: str, public_id: uuid.UUID):
    """A deltagande the user may see with personal data, in the insats of the URL."""
    return get_object_or_404(
        Deltagande.objects.for_user(request.user, personal=True).select_related(
            "insats__forbund", "person"
        ),
        insats__forbund__organisationsnummer=orgnr,
        insats__kod=kod,
        public_id=public_id,
    )


def deltagande_url(deltagande: Deltagande, name: str = "deltagare:detail", **kwargs) -> str:
    insats = deltagande.insats
    args = [insats.forbund.organisationsnummer, insats.kod, deltagande.public_id]
    return reverse(name, args=[*args, *kwargs.values()])


def _format_pnr(nummer: str) -> str:
    return f"{nummer[:8]}-{nummer[8:]}"


def _show_personal_data(request: HttpRequest, deltagande: Deltagande, anledning: str) -> None:
    """Logs the view and puts the formatted number on the deltagande for the template."""
    if deltagande.person_id is None:
        deltagande.visat_pnr = ""
        return
    services.log_access(
        user=request.user,
        person=deltagande.person,
        deltagande=deltagande,
        sida=request.path,
        anledning=anledning,
    )
    nummer = deltagande.person.personnummer()
    deltagande.visat_pnr = _format_pnr(nummer) if nummer else ""


# --- The participant list -------------------------------------------------------------


def _filter(deltaganden, status: str, today: dt.date):
    if status == "aktiva":
        return deltaganden.open()
    if status == "avslutade":
        return deltaganden.filter(slutdatum__isnull=False)
    if status == "ofullstandiga":
        return deltaganden.filter(kvalitet.ofullstandig_q(today))
    return deltaganden


@never_cache
@require_GET
def deltagare_list(request: HttpRequest, orgnr: str, kod: str) -> HttpResponse:
    insats = _get_insats(request, orgnr, kod)
    today = timezone.localdate()
    status = DeltagareFilterForm(request.GET).status_value
    deltaganden = Deltagande.objects.for_user(request.user, personal=True).filter(insats=insats)
    counts = deltaganden.aggregate(
        alla=Count("pk"),
        aktiva=Count("pk", filter=Q(slutdatum__isnull=True)),
        avslutade=Count("pk", filter=Q(slutdatum__isnull=False)),
        ofullstandiga=Count("pk", filter=kvalitet.ofullstandig_q(today)),
    )
    rows = kvalitet.with_problems(_filter(deltaganden, status, today), today)
    page = Paginator(
        rows.select_related("person").order_by("-startdatum", "pk"), PER_SIDA
    ).get_page(request.GET.get("sida"))
    shown = list(page.object_list)
    for d in shown:
        d.insats = insats
        d.problem = kvalitet.problems(d)
        nummer = d.person.personnummer() if d.person_id and d.person.pnr_krypterat else None
        d.visat_pnr = _format_pnr(nummer) if nummer else ""
    services.log_access_many(
        user=request.user,
        deltaganden=[d for d in shown if d.visat_pnr],
        sida=request.path,
        anledning=f"Deltagarlistan i {insats.kod}",
    )
    tabs = [(value, label, counts[value or "alla"]) for value, label in LIST_FILTERS.items()]
    return render(
        request,
        "deltagare/deltagare_list.html",
        {
            "insats": insats,
            "forbund": insats.forbund,
            "page_obj": page,
            "rows": shown,
            "status": status,
            "status_label": LIST_FILTERS[status],
            "tabs": tabs,
            "counts": counts,
        },
    )


# --- Registration ---------------------------------------------------------------------


def _registration_context(insats: Insats, **extra: object) -> dict[str, object]:
    return {"insats": insats, "forbund": insats.forbund, **extra}


def _anonym_response(
    request: HttpRequest, insats: Insats, form: AnonymForm, **extra: object
) -> HttpResponse:
    return render(
        request,
        "deltagare/registrera_anonym.html",
        _registration_context(insats, form=form, **extra),
    )


def _protected_identity(request: HttpRequest, insats: Insats) -> HttpResponse:
    """A person with skyddade personuppgifter is always registered anonymously: nothing of
    the posted form is saved; the anonymous form opens with the start date and kön."""
    initial: dict[str, object] = {}
    posted = RegistreringForm(request.POST, insats=insats)
    posted.is_valid()
    if start := posted.cleaned_data.get("startdatum"):
        initial["startdatum"] = start
    if parsed := posted.cleaned_data.get("personnummer"):
        initial["kon"] = parsed.kon
    return _anonym_response(
        request, insats, AnonymForm(insats=insats, initial=initial), skyddad_notice=True
    )


@never_cache
@require_http_methods(["GET", "POST"])
def deltagare_create(request: HttpRequest, orgnr: str, kod: str) -> HttpResponse:
    insats = _get_insats(request, orgnr, kod)
    check_url = reverse("deltagare:pnr_check", args=[orgnr, kod])
    if request.method == "POST":
        if RegistreringForm.is_skyddad(request.POST):
            return _protected_identity(request, insats)
        form = RegistreringForm(request.POST, insats=insats, check_url=check_url)
        if form.is_valid():
            data = form.cleaned_data
            try:
                deltagande = services.register_person_deltagande(
                    user=request.user,
                    insats=insats,
                    personnummer=data["personnummer"],
                    samtycke_datum=data["samtycke_datum"],
                    startdatum=data["startdatum"],
                    profil=form.profil(),
                    sekretess_samtycke=data["samtycke_sekretess"],
                    formularversion=data["formularversion"],
                    sprak=data["sprak"],
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, "Deltagandet är registrerat.")
                deltagande.insats = insats
                return redirect(deltagande_url(deltagande))
    else:
        form = RegistreringForm(
            insats=insats,
            check_url=check_url,
            initial={"startdatum": _default_start(insats), "sprak": "svenska"},
        )
    return render(request, "deltagare/registrera.html", _registration_context(insats, form=form))


def _default_start(insats: Insats) -> dt.date:
    today = timezone.localdate()
    end = insats.sista_dag
    if today < insats.startdatum:
        return insats.startdatum
    if end and today > end:
        return end
    return today


@never_cache
@require_POST
def pnr_check(request: HttpRequest, orgnr: str, kod: str) -> HttpResponse:
    """The live check of the number as it is typed (htmx, POST). The answer never contains
    the number: valid or not, and for a person already known in the förbund the earlier
    deltaganden the user may see (insats and dates)."""
    insats = _get_insats(request, orgnr, kod)
    form = PersonnummerCheckForm(request.POST)
    form.is_valid()
    value = (form.cleaned_data.get("personnummer") or "").strip()
    context: dict[str, object] = _registration_context(insats)
    if form.cleaned_data.get("skyddad"):
        context["status"] = "skyddad"
    elif not value:
        context["status"] = "tom"
    elif sum(c.isdigit() for c in value) < 10:
        context["status"] = "for_kort"
    else:
        try:
            parsed = pnr.parse(value)
        except pnr.OgiltigtPersonnummer as error:
            context.update(status="ogiltigt", fel=str(error))
        else:
            context.update(_known_person(request, insats, parsed))
    return render(request, "deltagare/registrera.html#pnr_status", context)


def _known_person(request: HttpRequest, insats: Insats, parsed: pnr.Personnummer) -> dict:
    person = services.find_person(forbund=insats.forbund, personnummer=parsed)
    context: dict[str, object] = {
        "status": "giltigt",
        "kon": parsed.kon,
        "samordningsnummer": parsed.samordningsnummer,
    }
    if person is None:
        return context
    all_deltaganden = Deltagande.objects.filter(person=person)
    visible = list(
        all_deltaganden.filter(
            pk__in=Deltagande.objects.for_user(request.user, personal=True).values("pk")
        )
        .select_related("insats__forbund")
        .order_by("-startdatum")
    )
    services.log_access(
        user=request.user,
        person=person,
        sida=reverse("deltagare:create", args=[insats.forbund.organisationsnummer, insats.kod]),
        anledning="Kontroll av tidigare deltaganden vid registrering",
    )
    context.update(
        status="kand",
        tidigare=visible,
        andra=all_deltaganden.count() - len(visible),
        oppet_har=next((d for d in visible if d.insats_id == insats.pk and not d.slutdatum), None),
    )
    return context


@never_cache
@require_http_methods(["GET", "POST"])
def deltagare_create_anonym(request: HttpRequest, orgnr: str, kod: str) -> HttpResponse:
    insats = _get_insats(request, orgnr, kod)
    if request.method == "POST":
        form = AnonymForm(request.POST, insats=insats)
        if form.is_valid():
            try:
                deltagande = services.register_anonymous_deltagande(
                    insats=insats,
                    kon=form.cleaned_data["kon"],
                    startdatum=form.cleaned_data["startdatum"],
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(
                    request,
                    f"Ett anonymt deltagande är registrerat ({deltagande.get_kon_display().lower()}, "
                    f"start {deltagande.startdatum:%Y-%m-%d}). Du kan registrera nästa nedan.",
                )
                return redirect("deltagare:create_anonym", orgnr, kod)
    else:
        form = AnonymForm(insats=insats, initial={"startdatum": _default_start(insats)})
    return _anonym_response(request, insats, form)


# --- One deltagande -------------------------------------------------------------------


def _uppfoljning_rows(deltagande: Deltagande, today: dt.date) -> list[dict[str, object]]:
    recorded = {u.matpunkt: u for u in Uppfoljning.objects.filter(deltagande=deltagande)}
    rows = []
    for matpunkt, label in Uppfoljningspunkt.choices:
        fonster = deltagande.uppfoljningsfonster(matpunkt)
        rows.append(
            {
                "matpunkt": matpunkt,
                "label": label,
                "dag": fonster.forsta if fonster else None,
                "fonster": fonster,
                "uppfoljning": recorded.get(matpunkt),
                "due": bool(fonster and fonster.is_due(today)),
                "forsenad": bool(fonster and fonster.is_overdue(today)),
                "url": deltagande_url(deltagande, "deltagare:uppfoljning", matpunkt=matpunkt),
            }
        )
    return rows


@never_cache
@require_GET
def deltagande_detail(
    request: HttpRequest, orgnr: str, kod: str, public_id: uuid.UUID
) -> HttpResponse:
    deltagande = _get_deltagande(request, orgnr, kod, public_id)
    today = timezone.localdate()
    flags = kvalitet.with_problems(Deltagande.objects.filter(pk=deltagande.pk), today).get()
    _show_personal_data(request, deltagande, "Visa deltagandet")
    person = deltagande.person
    context: dict[str, object] = {
        "deltagande": deltagande,
        "insats": deltagande.insats,
        "forbund": deltagande.insats.forbund,
        "problem": kvalitet.problems(flags),
        "flags": flags,
    }
    if person is not None:
        context.update(
            samtycken=list(Samtycke.objects.filter(person=person).order_by("-datum", "-pk")),
            alder=_alder(person.fodelsedatum, deltagande.startdatum),
            andra=list(
                Deltagande.objects.for_user(request.user, personal=True)
                .filter(person=person)
                .exclude(pk=deltagande.pk)
                .select_related("insats__forbund")
                .order_by("-startdatum")
            ),
        )
        if deltagande.slutdatum:
            context["uppfoljningar"] = _uppfoljning_rows(deltagande, today)
    return render(request, "deltagare/deltagande_detail.html", context)


def _alder(fodd: dt.date | None, on: dt.date) -> int | None:
    if fodd is None:
        return None
    return on.year - fodd.year - ((on.month, on.day) < (fodd.month, fodd.day))


def _deltagande_form_page(
    request: HttpRequest, template: str, deltagande: Deltagande, form, **extra: object
) -> HttpResponse:
    return render(
        request,
        template,
        {
            "deltagande": deltagande,
            "insats": deltagande.insats,
            "forbund": deltagande.insats.forbund,
            "form": form,
            "detail_url": deltagande_url(deltagande),
            **extra,
        },
    )


@never_cache
@require_http_methods(["GET", "POST"])
def deltagande_avsluta(
    request: HttpRequest, orgnr: str, kod: str, public_id: uuid.UUID
) -> HttpResponse:
    """End a deltagande, or correct the end of an ended one, in one form."""
    deltagande = _get_deltagande(request, orgnr, kod, public_id)
    andra = deltagande.slutdatum is not None
    _show_personal_data(request, deltagande, "Ändra avslut" if andra else "Avsluta deltagandet")
    if request.method == "POST":
        form = AvslutForm(request.POST, deltagande=deltagande)
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.end_deltagande(
                    deltagande=deltagande,
                    slutdatum=data["slutdatum"],
                    avslutsorsak=data["avslutsorsak"],
                    sysselsattning_efter=data.get("sysselsattning_efter"),
                    forsorjning_efter=data.get("forsorjning_efter"),
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(
                    request,
                    "Avslutet är ändrat." if andra else "Deltagandet är avslutat.",
                )
                return redirect(deltagande_url(deltagande))
    else:
        form = AvslutForm(deltagande=deltagande, initial=AvslutForm.initial_from(deltagande))
    return _deltagande_form_page(request, "deltagare/avsluta.html", deltagande, form, andra=andra)


@never_cache
@require_http_methods(["GET", "POST"])
def deltagande_startprofil(
    request: HttpRequest, orgnr: str, kod: str, public_id: uuid.UUID
) -> HttpResponse:
    deltagande = _get_deltagande(request, orgnr, kod, public_id)
    if deltagande.registreringsform != Registreringsform.PERSON:
        raise Http404
    _show_personal_data(request, deltagande, "Ändra startprofilen")
    if request.method == "POST":
        form = StartprofilForm(request.POST)
        if form.is_valid():
            try:
                services.update_startprofil(deltagande=deltagande, profil=form.profil())
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, "Startprofilen är sparad.")
                return redirect(deltagande_url(deltagande))
    else:
        form = StartprofilForm(initial=StartprofilForm.initial_from(deltagande))
    return _deltagande_form_page(request, "deltagare/startprofil.html", deltagande, form)


@never_cache
@require_http_methods(["GET", "POST"])
def deltagande_uppfoljning(
    request: HttpRequest, orgnr: str, kod: str, public_id: uuid.UUID, matpunkt: int
) -> HttpResponse:
    """The follow-up at 90, 180 or 365 days after the end (deltaganden with personal data;
    an open one is followed up once it has ended)."""
    deltagande = _get_deltagande(request, orgnr, kod, public_id)
    if (
        matpunkt not in Uppfoljningspunkt.values
        or deltagande.registreringsform != Registreringsform.PERSON
    ):
        raise Http404
    label = Uppfoljningspunkt(matpunkt).label
    _show_personal_data(request, deltagande, f"Uppföljning {label}")
    if deltagande.slutdatum is None:
        return _deltagande_form_page(
            request, "deltagare/uppfoljning.html", deltagande, None, matpunkt_label=label
        )
    existing = Uppfoljning.objects.filter(deltagande=deltagande, matpunkt=matpunkt).first()
    if request.method == "POST":
        form = UppfoljningForm(request.POST, deltagande=deltagande, matpunkt=matpunkt)
        if form.is_valid():
            try:
                services.record_uppfoljning(
                    deltagande=deltagande, matpunkt=matpunkt, **form.cleaned_data
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, f"Uppföljningen {label.lower()} är sparad.")
                return redirect(deltagande_url(deltagande))
    else:
        initial = (
            {
                "datum": existing.datum,
                "sysselsattning": existing.sysselsattning,
                "forsorjning": existing.forsorjning,
            }
            if existing
            else {}
        )
        form = UppfoljningForm(deltagande=deltagande, matpunkt=matpunkt, initial=initial)
    return _deltagande_form_page(
        request,
        "deltagare/uppfoljning.html",
        deltagande,
        form,
        matpunkt=matpunkt,
        matpunkt_label=label,
        existing=existing,
    )


@never_cache
@require_http_methods(["GET", "POST"])
def samtycke_aterkalla(
    request: HttpRequest, orgnr: str, kod: str, public_id: uuid.UUID
) -> HttpResponse:
    """The participant withdraws consent: every deltagande of the person in the förbund
    turns anonymous (kön and dates kept) and the personal data are erased."""
    deltagande = _get_deltagande(request, orgnr, kod, public_id)
    person = deltagande.person
    if person is None:
        raise Http404
    _show_personal_data(request, deltagande, "Återkalla samtycke")
    senaste = Samtycke.objects.filter(person=person).aggregate(senaste=Max("datum"))["senaste"]
    form = AterkallaForm(
        request.POST if request.method == "POST" else None, senaste_samtycke=senaste
    )
    if request.method == "POST" and form.is_valid():
        antal = services.withdraw_consent(person=person, datum=form.cleaned_data["datum"])
        messages.success(
            request,
            f"Samtycket är återkallat. Personuppgifterna är raderade och {antal} "
            f"deltagande{'n' if antal != 1 else ''} är nu anonym{'a' if antal != 1 else 't'}.",
        )
        return redirect(deltagande_url(deltagande))
    antal = Deltagande.objects.filter(person=person).count()
    return _deltagande_form_page(request, "deltagare/aterkalla.html", deltagande, form, antal=antal)
