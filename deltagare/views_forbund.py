"""The förbundsadministratör's view of the participant register, and the register extract.

- `deltaganden`: the förbund's deltaganden pseudonymised (public id, kön, age band, insats,
  dates and codes; never a personnummer or birth date), filtered and downloadable;
- `atkomstlogg`: who has viewed which person's data, when and from which page (read only);
- `registerutdrag`: a person's data and who has viewed it: a handläggare's extract holds
  what their own insatser hold; the full one is taken by the förbund's
  personuppgiftsansvarig. A förbundsadministratör never sees a personnummer
  (spec/product.md, Roles), so takes no extract.

Scoping: the förbund must be one where the user is förbundsadministratör (404 otherwise);
the rows come from `Deltagande.objects.for_user(user, personal=False)`.
"""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.core.paginator import Paginator
from django.db.models import Prefetch, Q, QuerySet
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters, sensitive_variables
from django.views.decorators.http import require_GET, require_http_methods

from finsam.lib.forms import Select, StyledFormMixin
from finsam.lib.tabular import write_table
from forbund.http import AuthenticatedHttpRequest
from forbund.models import Forbund, User
from insatser.models import Insats

from . import access, kvalitet, pnr, services
from .forms import public_id_start
from .models import (
    AGE_BANDS,
    Atkomst,
    Atkomstlogg,
    Deltagande,
    Person,
    Samtycke,
    Uppfoljning,
    age_band,
)

PER_SIDA = 50
STATUS = [
    ("", "Alla"),
    ("aktiva", "Aktiva"),
    ("avslutade", "Avslutade"),
    ("ofullstandiga", "Ofullständiga"),
    *((p.kod, p.label) for p in kvalitet.PROBLEM),
]
EXPORT_COLUMNS = [
    "id",
    "insats",
    "registrering",
    "kon",
    "aldersband",
    "startdatum",
    "slutdatum",
    "avslutsorsak",
    "utbildningsniva",
    "forsorjning_fore",
    "sysselsattning_efter",
    "forsorjning_efter",
]
FORMATS = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def _own_forbund(request: AuthenticatedHttpRequest, orgnr: str) -> Forbund:
    return Forbund.objects.get_for_user(request.user, orgnr, "deltaganden_pseudonym")


def aldersband(d: Deltagande) -> str:
    """The age band at start, from the age the database keeps on the row (no person)."""
    if d.alder is None:
        return "–"
    return AGE_BANDS[age_band(d.alder)][0]


class FilterForm(StyledFormMixin, forms.Form):
    insats = forms.ChoiceField(label="Insats", required=False, widget=Select)
    ar = forms.TypedChoiceField(
        label="Aktiv under år", coerce=int, required=False, empty_value=None, widget=Select
    )
    status = forms.ChoiceField(label="Visa", choices=STATUS, required=False, widget=Select)

    def __init__(self, *args, forbund: Forbund, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        insatser = Insats.objects.individuella().filter(forbund=forbund).order_by("kod")
        # The fields declared above.
        cast(forms.ChoiceField, self.fields["insats"]).choices = [("", "Alla insatser")] + [
            (i.kod, f"{i.kod} {i.namn}") for i in insatser.only("kod", "namn")
        ]
        this_year = timezone.localdate().year
        cast(forms.TypedChoiceField, self.fields["ar"]).choices = [("", "Alla år")] + [
            (y, str(y)) for y in range(this_year, this_year - 12, -1)
        ]


def _filtered(request: AuthenticatedHttpRequest, forbund: Forbund):
    form = FilterForm(request.GET or None, forbund=forbund)
    today = timezone.localdate()
    rows = (
        Deltagande.objects.for_user(request.user, personal=False)
        .filter(insats__forbund=forbund)
        .select_related("insats")
        .only(
            "public_id",
            "registreringsform",
            "kon",
            "startdatum",
            "slutdatum",
            "avslutsorsak",
            "utbildningsniva",
            "forsorjning_fore",
            "sysselsattning_efter",
            "forsorjning_efter",
            "insats__kod",
            "insats__namn",
            "insats__slutdatum",
            "insats__avslutad_datum",
            "alder",
        )
    )
    if form.is_valid():
        data = form.cleaned_data
        if data.get("insats"):
            rows = rows.filter(insats__kod=data["insats"])
        if ar := data.get("ar"):
            rows = rows.active_in_year(ar)
        status: str = data["status"]  # a valid form has every field, "" when not chosen
        if problem := kvalitet.PROBLEM_BY_KOD.get(status):
            rows = rows.filter(problem.q(today))
        else:
            rows = rows.filter(
                {
                    "aktiva": Q(slutdatum__isnull=True),
                    "avslutade": Q(slutdatum__isnull=False),
                    "ofullstandiga": kvalitet.ofullstandig_q(today),
                }.get(status, Q())
            )
    return form, rows.order_by("-startdatum", "pk")


def _export_row(d: Deltagande) -> dict:
    return {
        "id": str(d.public_id),
        "insats": d.insats.kod,
        "registrering": d.registreringsform,
        "kon": d.kon,
        "aldersband": aldersband(d),
        "startdatum": d.startdatum,
        "slutdatum": d.slutdatum or "",
        "avslutsorsak": d.avslutsorsak,
        "utbildningsniva": d.utbildningsniva,
        "forsorjning_fore": "|".join(d.forsorjning_fore),
        "sysselsattning_efter": "|".join(d.sysselsattning_efter),
        "forsorjning_efter": "|".join(d.forsorjning_efter),
    }


@never_cache
@require_GET
def deltaganden(request: AuthenticatedHttpRequest, orgnr: str) -> HttpResponse:
    forbund = _own_forbund(request, orgnr)
    form, rows = _filtered(request, forbund)
    if (fmt := request.GET.get("format")) in FORMATS:
        data = write_table(
            EXPORT_COLUMNS, (_export_row(d) for d in rows.iterator(2000)), format=fmt
        )
        response = HttpResponse(data, content_type=FORMATS[fmt])
        response["Content-Disposition"] = (
            f'attachment; filename="deltaganden-{forbund.organisationsnummer}.{fmt}"'
        )
        return response
    page = Paginator(rows, PER_SIDA).get_page(request.GET.get("sida"))
    # The page's ids first (unfiltered, from the index deltagande_insats_ordning alone), then
    # only their rows, with the flags of these rows only, not of every row the filter matches.
    shown = list(
        kvalitet.with_problems(
            rows.filter(pk__in=cast(QuerySet[Deltagande], page.object_list).values("pk")),
            timezone.localdate(),
        )
    )
    for d in shown:
        d.aldersband = aldersband(d)
        d.problem = kvalitet.problems(d)
    page.object_list = shown
    query = request.GET.copy()
    query.pop("sida", None)
    query.pop("format", None)
    return render(
        request,
        "deltagare/forbund/deltaganden.html",
        {"forbund": forbund, "form": form, "page_obj": page, "query": query.urlencode()},
    )


class LoggFilter(StyledFormMixin, forms.Form):
    person = forms.CharField(
        label="Person (id)",
        required=False,
        max_length=36,
        help_text="Personens id, helt eller de 8 första tecknen.",
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    anvandare = forms.ChoiceField(label="Användare", required=False)
    fran = forms.DateField(
        label="Från och med", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    till = forms.DateField(
        label="Till och med", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args, forbund: Forbund, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        users = User.objects.filter(
            pk__in=Atkomstlogg.objects.filter(forbund=forbund).values("user")
        ).order_by("last_name", "first_name", "username")
        # The field declared above.
        cast(forms.ChoiceField, self.fields["anvandare"]).choices = [("", "Alla användare")] + [
            (str(u.pk), u.get_full_name() or u.username) for u in users
        ]

    def clean_person(self) -> str:
        value = self.cleaned_data["person"].strip().lower()
        if value and not public_id_start(value):
            # Not shown again: it may be a personnummer typed by mistake.
            self.data = {**self.data, "person": ""}
            raise forms.ValidationError(
                "Ange personens id, helt eller de 8 första tecknen (aldrig personnummer)."
            )
        return value

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        if data.get("fran") and data.get("till") and data["till"] < data["fran"]:
            self.add_error("till", "Slutdatumet kan inte ligga före startdatumet.")
        return data


@never_cache
@require_GET
def atkomstlogg(request: AuthenticatedHttpRequest, orgnr: str) -> HttpResponse:
    """One row per page view that showed personal data, listing the persons it showed;
    filtered by person (public id), user and dates."""
    forbund = _own_forbund(request, orgnr)
    form = LoggFilter(request.GET or None, forbund=forbund)
    rows = Atkomstlogg.objects.filter(forbund=forbund)
    if form.is_valid():
        data = form.cleaned_data
        if data.get("person"):
            rows = rows.filter(
                pk__in=Atkomst.objects.filter(person__public_id__startswith=data["person"]).values(
                    "logg"
                )
            )
        if data.get("anvandare"):
            rows = rows.filter(user_id=data["anvandare"])
        if data.get("fran"):
            rows = rows.filter(tid__date__gte=data["fran"])
        if data.get("till"):
            rows = rows.filter(tid__date__lte=data["till"])
    rows = rows.select_related("user").prefetch_related(
        Prefetch(
            "visningar",
            queryset=Atkomst.objects.select_related("person", "deltagande").order_by("pk"),
        )
    )
    page = Paginator(rows.order_by("-tid", "-pk"), PER_SIDA).get_page(request.GET.get("sida"))
    query = request.GET.copy()
    query.pop("sida", None)
    return render(
        request,
        "deltagare/forbund/atkomstlogg.html",
        {"forbund": forbund, "form": form, "page_obj": page, "query": query.urlencode()},
    )


class UtdragForm(StyledFormMixin, forms.Form):
    personnummer = forms.CharField(
        label="Personnummer eller samordningsnummer",
        max_length=20,
        help_text="12 siffror, ÅÅÅÅMMDD-NNNN. Numret skickas aldrig i adressfältet.",
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )

    def clean_personnummer(self) -> pnr.Personnummer:
        try:
            return pnr.parse(self.cleaned_data["personnummer"])
        except pnr.OgiltigtPersonnummer as error:
            raise forms.ValidationError(str(error)) from None


@never_cache
@require_http_methods(["GET", "POST"])
@sensitive_post_parameters("personnummer")
@sensitive_variables()
def registerutdrag(request: AuthenticatedHttpRequest) -> HttpResponse:
    """A person's data and who has viewed it (404 for those who may take no extract).

    A handläggare's extract holds only the person's deltaganden in their own insatser, with
    the consents, follow-ups and access-log rows that belong to them; of other insatser it
    shows nothing, and a person with no deltagande there is "not found". The full extract,
    for the citizen's request (GDPR art. 15), is taken by the förbund's
    personuppgiftsansvarig (deltagare.access.registerutdrag_filter). Each extract is logged.
    """
    user = request.user
    if not access.can_take_registerutdrag(user):
        raise Http404
    form = UtdragForm(request.POST or None)
    context: dict = {"form": form}
    if request.method == "POST" and form.is_valid():
        nummer = form.cleaned_data["personnummer"]
        visible = Deltagande.objects.for_registerutdrag(user)
        full_forbund = access.registerutdrag_forbund_ids(user)
        persons = (
            Person.objects.filter(pnr_hash=pnr.lookup_hash(nummer.nummer))
            .filter(Q(deltaganden__in=visible) | Q(forbund__in=full_forbund))
            .distinct()
            .select_related("forbund")
        )
        utdrag = [
            _utdrag(request, person, full=person.forbund_id in full_forbund) for person in persons
        ]
        if not utdrag:
            form.add_error(
                "personnummer",
                "Personen finns inte bland deltagarna i dina insatser. Ett fullständigt "
                "registerutdrag tas fram av förbundets personuppgiftsansvarig.",
            )
        context["utdrag"] = utdrag
        context["skapat"] = timezone.localtime()
    return render(request, "deltagare/forbund/registerutdrag.html", context)


def _utdrag(request: AuthenticatedHttpRequest, person: Person, *, full: bool) -> dict:
    """One person's extract: everything the förbund holds (full) or what the reader's own
    insatser hold. Logs the view first, so that the extract lists it too."""
    services.log_access(
        user=request.user,
        person=person,
        sida=request.path,
        anledning="Registerutdrag (fullständigt)" if full else "Registerutdrag (dina insatser)",
    )
    deltaganden = person.deltaganden.all()
    samtycken = Samtycke.objects.filter(person=person)
    seen = Atkomst.objects.filter(person=person)
    if not full:
        deltaganden = deltaganden.filter(pk__in=Deltagande.objects.for_registerutdrag(request.user))
        samtycken = samtycken.filter(insats_id__in=deltaganden.values("insats_id"))
        seen = seen.filter(
            Q(deltagande__in=deltaganden) | Q(deltagande__isnull=True, logg__user=request.user)
        )
    logg = Atkomstlogg.objects.filter(pk__in=seen.values("logg"))
    return {
        "person": person,
        "full": full,
        # Found by its pnr_hash, so the number is there (person_personuppgifter_hela_eller_raderade).
        "personnummer": pnr.formatted(pnr.decrypt(cast(str, person.pnr_krypterat))),
        "samtycken": samtycken.select_related("insats").order_by("datum", "pk"),
        "deltaganden": deltaganden.select_related("insats").order_by("startdatum", "pk"),
        "uppfoljningar": Uppfoljning.objects.filter(deltagande__in=deltaganden)
        .select_related("deltagande__insats")
        .order_by("datum", "pk"),
        "logg": logg.select_related("user").order_by("-tid", "-pk"),
    }
