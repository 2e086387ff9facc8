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
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.defaultfilters import pluralize
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters, sensitive_variables
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_ratelimit.core import is_ratelimited

from forbund.http import AuthenticatedHttpRequest
from insatser.models import Insats

from . import kvalitet, pnr, services
from .choices import Registreringsform, Uppfoljningspunkt
from .forms import (
    LIST_FILTERS,
    AnonymForm,
    AterkallaForm,
    AvslutForm,
    DeltagareFilterForm,
    DeltagareSokForm,
    PersonnummerCheckForm,
    RegistreringForm,
    StartprofilForm,
    UppfoljningForm,
    add_service_errors,
)
from .models import Deltagande, Samtycke, Uppfoljning
from .pnr import alder

PER_SIDA = 25


# --- Access ---------------------------------------------------------------------------


def _get_insats(request: AuthenticatedHttpRequest, orgnr: str, kod: str) -> Insats:
    """An insats with individual registration where the user is handläggare."""
    insatser = Insats.objects.assigned_to(request.user).individuella()
    return get_object_or_404(
        insatser.select_related("forbund"), forbund__organisationsnummer=orgnr, kod=kod
    )


def _get_deltagande(request: AuthenticatedHttpRequest, orgnr: str, kod: str, public_id: uuid.UUID):
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


@sensitive_variables("nummer")
def _show_personal_data(
    request: AuthenticatedHttpRequest, deltagande: Deltagande, anledning: str
) -> None:
    """Logs the view and puts the formatted number on the deltagande for the template."""
    if (person := deltagande.person) is None:
        deltagande.visat_pnr = ""
        return
    services.log_access(
        user=request.user,
        person=person,
        deltagande=deltagande,
        sida=request.path,
        anledning=anledning,
    )
    nummer = person.personnummer()
    deltagande.visat_pnr = pnr.formatted(nummer) if nummer else ""


# --- The participant list -------------------------------------------------------------


def _filter(deltaganden, status: str, today: dt.date):
    if status == "aktiva":
        return deltaganden.open()
    if status == "avslutade":
        return deltaganden.filter(slutdatum__isnull=False)
    if status == "ofullstandiga":
        return deltaganden.filter(kvalitet.ofullstandig_q(today))
    return deltaganden


def _shown(
    request: AuthenticatedHttpRequest, insats: Insats, rows: list[Deltagande], anledning: str
):
    """The rows as the table shows them (the number formatted, the problems listed), with
    one access-log row per person whose number is shown."""
    for d in rows:
        d.insats = insats
        d.problem = kvalitet.problems(d)
        nummer = d.person.personnummer() if d.person and d.person.pnr_krypterat else None
        d.visat_pnr = pnr.formatted(nummer) if nummer else ""
    services.log_access_many(
        user=request.user,
        deltaganden=[d for d in rows if d.visat_pnr],
        sida=request.path,
        anledning=anledning,
    )
    return rows


def _list_page(request: AuthenticatedHttpRequest, insats: Insats, **extra: object) -> HttpResponse:
    """The list page, or (htmx) only its search block."""
    template = "deltagare/deltagare_list.html" + ("#sok" if request.htmx else "")
    return render(
        request,
        template,
        {
            "insats": insats,
            "forbund": insats.forbund,
            "sok_url": reverse(
                "deltagare:sok", args=[insats.forbund.organisationsnummer, insats.kod]
            ),
            **extra,
        },
    )


@never_cache
@require_GET
@sensitive_variables("nummer")
def deltagare_list(request: AuthenticatedHttpRequest, orgnr: str, kod: str) -> HttpResponse:
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
    shown = _shown(request, insats, list(page.object_list), f"Deltagarlistan i {insats.kod}")
    tabs = [(value, label, counts[value or "alla"]) for value, label in LIST_FILTERS.items()]
    return _list_page(
        request,
        insats,
        page_obj=page,
        rows=shown,
        status=status,
        status_label=LIST_FILTERS[status],
        tabs=tabs,
        counts=counts,
        sok_form=DeltagareSokForm(),
    )


SOK_TRAFFAR = 25


@never_cache
@require_POST
def deltagare_sok(request: AuthenticatedHttpRequest, orgnr: str, kod: str) -> HttpResponse:
    """The search of the participant list (POST, htmx or not): by personnummer, found
    through the keyed hash in the insats's förbund, or by the start of a deltagande's id.
    Only the insats's deltaganden are searched; each person shown is logged."""
    insats = _get_insats(request, orgnr, kod)
    form = DeltagareSokForm(request.POST)
    hits: list[Deltagande] = []
    if form.is_valid():
        sok = form.cleaned_data["sok"]
        rows = Deltagande.objects.for_user(request.user, personal=True).filter(insats=insats)
        if isinstance(sok, pnr.Personnummer):
            person = services.find_person(forbund=insats.forbund, personnummer=sok)
            rows = rows.filter(person=person) if person else rows.none()
            anledning = f"Sökning på personnummer i deltagarlistan i {insats.kod}"
        else:
            rows = rows.filter(public_id__startswith=sok)
            anledning = f"Sökning på id i deltagarlistan i {insats.kod}"
        today = timezone.localdate()
        found = kvalitet.with_problems(rows, today).select_related("person")
        hits = _shown(
            request, insats, list(found.order_by("-startdatum", "pk")[:SOK_TRAFFAR]), anledning
        )
    return _list_page(request, insats, sok_form=form, sokt=True, traffar=hits)


# --- Registration ---------------------------------------------------------------------


def _registration_context(insats: Insats, **extra: object) -> dict[str, object]:
    return {"insats": insats, "forbund": insats.forbund, **extra}


def _anonym_response(
    request: AuthenticatedHttpRequest, insats: Insats, form: AnonymForm, **extra: object
) -> HttpResponse:
    return render(
        request,
        "deltagare/registrera_anonym.html",
        _registration_context(insats, form=form, **extra),
    )


def _protected_identity(request: AuthenticatedHttpRequest, insats: Insats) -> HttpResponse:
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
@sensitive_post_parameters("personnummer")
@sensitive_variables()
def deltagare_create(request: AuthenticatedHttpRequest, orgnr: str, kod: str) -> HttpResponse:
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


# The live check answers at most this often per user (each rate counted on its own): a
# registration needs a few checks, a hunt for who is registered needs many.
PNR_CHECK_RATES = ("20/m", "200/h")


def _check_throttled(request: AuthenticatedHttpRequest) -> bool:
    """Counts the check against the user's limits. The count lives in the cache; with Redis
    down it is not kept (RATELIMIT_FAIL_OPEN), and the check answers as usual."""
    over = [
        is_ratelimited(request, group="pnr_check", key="user", rate=rate, increment=True)
        for rate in PNR_CHECK_RATES
    ]
    return any(over)


@never_cache
@require_POST
@sensitive_post_parameters("personnummer")
@sensitive_variables()
def pnr_check(request: AuthenticatedHttpRequest, orgnr: str, kod: str) -> HttpResponse:
    """The live check of the number as it is typed (htmx, POST). The answer never contains
    the number: valid or not, and the person's deltaganden in the user's own insatser
    (insats and dates). Of deltaganden elsewhere it says nothing, not even that they exist:
    the answer for such a person is the one for a person unknown to the förbund."""
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
    elif _check_throttled(request):
        context["status"] = "begransad"
    else:
        try:
            parsed = pnr.parse(value)
        except pnr.OgiltigtPersonnummer as error:
            context.update(status="ogiltigt", fel=str(error))
        else:
            context.update(_known_person(request, insats, parsed))
    return render(request, "deltagare/registrera.html#pnr_status", context)


def _known_person(
    request: AuthenticatedHttpRequest, insats: Insats, parsed: pnr.Personnummer
) -> dict:
    context: dict[str, object] = {
        "status": "giltigt",
        "kon": parsed.kon,
        "samordningsnummer": parsed.samordningsnummer,
    }
    person = services.find_person(forbund=insats.forbund, personnummer=parsed)
    if person is None:
        return context
    visible = list(
        Deltagande.objects.for_user(request.user, personal=True)
        .filter(person=person)
        .select_related("insats__forbund")
        .order_by("-startdatum")
    )
    if not visible:
        return context
    services.log_access(
        user=request.user,
        person=person,
        sida=reverse("deltagare:create", args=[insats.forbund.organisationsnummer, insats.kod]),
        anledning="Kontroll av tidigare deltaganden vid registrering",
    )
    context.update(
        status="kand",
        tidigare=visible,
        oppet_har=next((d for d in visible if d.insats_id == insats.pk and not d.slutdatum), None),
    )
    return context


@never_cache
@require_http_methods(["GET", "POST"])
def deltagare_create_anonym(
    request: AuthenticatedHttpRequest, orgnr: str, kod: str
) -> HttpResponse:
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
    request: AuthenticatedHttpRequest, orgnr: str, kod: str, public_id: uuid.UUID
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
        mine = Deltagande.objects.for_user(request.user, personal=True).filter(person=person)
        context.update(
            samtycken=list(
                Samtycke.objects.filter(
                    person=person, insats_id__in=mine.values("insats_id")
                ).order_by("-datum", "-pk")
            ),
            alder=alder(person.fodelsedatum, deltagande.startdatum)
            if person.fodelsedatum
            else None,
            andra=list(
                mine.exclude(pk=deltagande.pk)
                .select_related("insats__forbund")
                .order_by("-startdatum")
            ),
        )
        if deltagande.slutdatum:
            context["uppfoljningar"] = _uppfoljning_rows(deltagande, today)
    return render(request, "deltagare/deltagande_detail.html", context)


def _deltagande_form_page(
    request: AuthenticatedHttpRequest, template: str, deltagande: Deltagande, form, **extra: object
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
    request: AuthenticatedHttpRequest, orgnr: str, kod: str, public_id: uuid.UUID
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
    request: AuthenticatedHttpRequest, orgnr: str, kod: str, public_id: uuid.UUID
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
    request: AuthenticatedHttpRequest, orgnr: str, kod: str, public_id: uuid.UUID, matpunkt: int
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
    request: AuthenticatedHttpRequest, orgnr: str, kod: str, public_id: uuid.UUID
) -> HttpResponse:
    """The participant withdraws consent. The form asks which of the person's deltaganden
    in the user's insatser it covers (this one chosen to begin with); those turn anonymous
    (kön and dates kept). Deltaganden in other insatser are not touched, and the page says
    so without saying whether there are any; once none keeps personal data, the number is
    erased (services.withdraw_consent)."""
    deltagande = _get_deltagande(request, orgnr, kod, public_id)
    person = deltagande.person
    if person is None:
        if deltagande.samtycke_aterkallat is None:
            raise Http404
        # Sent again (Back, then the button): say what happened.
        return _deltagande_form_page(request, "deltagare/aterkallat.html", deltagande, None)
    _show_personal_data(request, deltagande, "Återkalla samtycke")
    mine = list(
        Deltagande.objects.for_user(request.user, personal=True)
        .filter(person=person)
        .select_related("insats")
        .order_by("-startdatum", "pk")
    )
    senaste = dict(
        Samtycke.objects.filter(person=person, insats__in={d.insats_id for d in mine})
        .values_list("insats_id")
        .annotate(senaste=Max("datum"))
    )
    form = AterkallaForm(
        request.POST if request.method == "POST" else None,
        deltaganden=mine,
        senaste_samtycke=senaste,
        initial={"deltaganden": [str(deltagande.public_id)]},
    )
    if request.method == "POST" and form.is_valid():
        chosen = form.cleaned_data["deltaganden"]
        result = services.withdraw_consent(
            person=person, deltaganden=chosen, datum=form.cleaned_data["datum"], av=request.user
        )
        kvar = len(mine) - result.anonymiserade
        text = (
            f"Samtycket är återkallat för {result.anonymiserade} "
            f"deltagande{pluralize(result.anonymiserade, 'n')}: "
            f"{'de' if result.anonymiserade != 1 else 'det'} är nu "
            f"anonym{pluralize(result.anonymiserade, 't,a')} och personuppgifterna i "
            f"{'dem' if result.anonymiserade != 1 else 'det'} är raderade."
        )
        if kvar:
            text += (
                f" Personens {kvar} övriga deltagande{pluralize(kvar, 'n')} i dina insatser "
                "har kvar sina personuppgifter."
            )
        messages.success(request, text)
        return redirect(deltagande_url(deltagande))
    return _deltagande_form_page(request, "deltagare/aterkalla.html", deltagande, form)
