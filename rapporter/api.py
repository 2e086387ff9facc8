"""The read-only report API (issue 14 item 6), for Nationella rådet and the förbund's own
systems: the återrapportering as JSON per year and scope, and an OpenAPI schema.

A call carries a user's API key (`Authorization: Bearer finsam_…`, made and revoked on the
user's page "API-nycklar"). The key acts with its user's roles of the day: who may have
which report, and whether it is suppressed, is decided in forbund/access.py
(`may_receive_report`, `report_forbund_filter`, `report_always_suppressed`), as for the
report pages. Anything outside the user's reach answers 404. No personal data is reachable:
the API serves aggregated reports and the förbund registry's names, nothing else.

Every call is logged (forbund.models.Apianrop: who, key, path, status), and counted against
the user's rate limit (django-ratelimit, in the cache; with Redis down the count is lost and
the call goes through, as for the live personnummer check).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any, Literal, cast

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.urls import URLPattern, URLResolver, re_path, register_converter, reverse
from django.utils import timezone
from django.utils.cache import add_never_cache_headers
from django_ratelimit.core import is_ratelimited
from ninja import NinjaAPI, Path, Query, Schema
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.security import HttpBearer
from pydantic import ConfigDict, Field

from forbund import access
from forbund.account_services import find_api_nyckel
from forbund.choices import LAN_NAMN
from forbund.models import Apianrop, ApiNyckel, Forbund

from .forms import AR_MAX, AR_MIN
from .godkannande import report_json
from .rapport import Omfattning

STATUS_PRELIMINAR = "preliminar"
STATUS_GODKAND = "godkand"


# --- Path converters ------------------------------------------------------------------------
# The API's paths match only years, organisationsnummer (third digit at least 2, which no
# personnummer has) and län codes, so that the logged path can hold nothing else.


class _ArConverter:
    regex = r"\d{4}"

    def to_python(self, value: str) -> int:
        return int(value)

    def to_url(self, value: int) -> str:
        return f"{int(value):04d}"


class _OrgnrConverter:
    regex = r"\d{2}[2-9]\d{7}"
    regex_anchored = rf"^{regex}$"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


class _LanConverter(_OrgnrConverter):
    regex = r"\d{2}"
    regex_anchored = rf"^{regex}$"


register_converter(_ArConverter, "ar")
register_converter(_OrgnrConverter, "orgnr")
register_converter(_LanConverter, "lan")


# --- Authentication and the rate limit ------------------------------------------------------

NYCKEL_SAKNAS = (
    "API-nyckel saknas. Skicka den i rubriken Authorization: Bearer <nyckel>. En nyckel "
    "skapar du på sidan API-nycklar under Mitt konto i Finsam."
)
NYCKEL_OGILTIG = (
    "API-nyckeln gäller inte: den är okänd, återkallad eller har gått ut. Skapa en ny på "
    "sidan API-nycklar under Mitt konto i Finsam."
)
FOR_MANGA = "För många anrop. Vänta en stund och försök igen."
FINNS_INTE = "Finns inte, eller ligger utanför det ditt konto når."


class ApiHttpRequest(HttpRequest):
    """A call that passed the key check: ninja sets `auth` to what `Nyckel` returned, and
    `Nyckel` keeps the key as `api_nyckel` for the call log."""

    auth: ApiNyckel
    api_nyckel: ApiNyckel


class RateLimited(HttpError):
    def __init__(self) -> None:
        super().__init__(429, FOR_MANGA)


def _over_limit(request: HttpRequest, user_id: int) -> bool:
    """Counts the call against the user's limits (each rate on its own; every key of the
    user's shares them). Fails open with Redis down (RATELIMIT_FAIL_OPEN)."""
    over = [
        is_ratelimited(
            request,
            group="api",
            key=lambda _group, _request: f"user:{user_id}",
            rate=rate,
            increment=True,
        )
        for rate in settings.FINSAM_API_RATES
    ]
    return any(over)


class Nyckel(HttpBearer):
    def __call__(self, request: HttpRequest) -> ApiNyckel | None:
        # ninja's own __call__ logs an unexpected header in DEBUG: it may hold a key.
        scheme, _, token = request.headers.get("Authorization", "").partition(" ")
        if not scheme:
            return None
        if scheme.lower() != "bearer":
            raise AuthenticationError(message=NYCKEL_OGILTIG)
        return self.authenticate(request, token.strip())

    def authenticate(self, request: HttpRequest, token: str) -> ApiNyckel:
        nyckel = find_api_nyckel(token=token)
        if nyckel is None:
            raise AuthenticationError(message=NYCKEL_OGILTIG)
        # For the call log, also when the call is refused below.
        cast(ApiHttpRequest, request).api_nyckel = nyckel
        if _over_limit(request, nyckel.user_id):
            raise RateLimited()
        ApiNyckel.objects.filter(pk=nyckel.pk).update(senast_anvand=timezone.now())
        return nyckel


api = NinjaAPI(
    title="Finsam – återrapportering",
    version="1",
    description=(
        "Läsåtkomst till återrapporteringen som JSON, per år och omfattning (förbund, län, "
        "hela landet), i samma form som rapportens JSON-fil. Varje anrop görs med en "
        "API-nyckel (Authorization: Bearer <nyckel>) som användaren skapar på sidan "
        "API-nycklar i Finsam, och svarar med det användarens roller ger: Nationella rådet "
        "får alltid rapporter med små tal undertryckta, ett förbund sitt eget förbunds "
        "rapport. Allt utanför det användaren når svarar 404. Inga personuppgifter nås "
        "genom API:et."
    ),
    urls_namespace="api",
    auth=Nyckel(),
    docs_url=None,  # Swagger UI needs inline styles, which the CSP forbids; the schema is served
)


def _error(request: HttpRequest, message: str, status: int) -> HttpResponse:
    response = api.create_response(request, {"detail": message}, status=status)
    if status == 429:
        response["Retry-After"] = "60"
    return response


@api.exception_handler(AuthenticationError)
def _unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    message = exc.message if exc.message != "Unauthorized" else NYCKEL_SAKNAS
    response = _error(request, message, 401)
    response["WWW-Authenticate"] = "Bearer"
    return response


@api.exception_handler(HttpError)
def _http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    return _error(request, exc.message, exc.status_code)


@api.exception_handler(ValidationError)
def _invalid(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    names = sorted({str(e["loc"][-1]) for e in exc.errors if e.get("loc")})
    message = "Ogiltigt värde för " + ", ".join(names) if names else "Ogiltiga parametrar"
    return _error(request, message + " (undertryck ska vara true eller false).", 422)


@api.exception_handler(Http404)
def _not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return _error(request, FINNS_INTE, 404)


# --- Schemas ------------------------------------------------------------------------------


class Fel(Schema):
    detail: str = Field(description="Vad som gick fel, på svenska.")


ERRORS: dict[int, type[Schema]] = {401: Fel, 404: Fel, 422: Fel, 429: Fel}


class ForbundOut(Schema):
    organisationsnummer: str = Field(description="Tio siffror utan bindestreck.")
    namn: str
    lan: str = Field(description="Länskod (01–25).")


class OmfattningOut(Schema):
    typ: Literal["forbund", "lan", "nationell"]
    kod: str | None = Field(
        description="Organisationsnummer för forbund, länskod för lan, null för nationell."
    )


class TabellOut(Schema):
    model_config = ConfigDict(extra="allow")

    rubrik: str
    kolumner: list[str]
    rader: list[dict[str, Any]] = Field(
        description="En rad per kod, i rapportens ordning; null där ett litet tal är undertryckt."
    )
    undertryckta: list[str] = Field(description="Undertryckta celler som ”radkod.kolumn”.")


class RapportOut(Schema):
    # Extra keys of the report's JSON form pass through unchanged.
    model_config = ConfigDict(extra="allow")

    rapport: Literal["aterrapportering"]
    version: int
    status: Literal["godkand", "preliminar"] = Field(
        description="godkand: förbundets godkända uppgifter för året; preliminar: uppgifterna "
        "som de är registrerade just nu, och kan ändras."
    )
    ar: int
    omfattning: OmfattningOut
    undertryckt: bool
    skapad: str
    tabeller: dict[str, TabellOut]
    insatskatalog: TabellOut | None = None
    uppgifter: dict[str, Any] = Field(
        description='Om uppgifterna är godkända: {"status": "godkanda", "version": …, '
        '"godkand": …} eller {"status": "preliminara"}; för lan och nationell även hur '
        "många förbund som har godkänt året och vilka som inte har det."
    )
    fakta: dict[str, str] | None = Field(
        None,
        description="Per år: lagrade (arbetarens sparade fakta) eller beraknade (räknat direkt).",
    )


Ar = Annotated[int, Path(description=f"Rapportåret, {AR_MIN}–{AR_MAX}; fyra siffror.")]
Orgnr = Annotated[
    str,
    Path(
        pattern=_OrgnrConverter.regex_anchored,
        description="Förbundets organisationsnummer, tio siffror utan bindestreck.",
    ),
]
Lankod = Annotated[str, Path(pattern=_LanConverter.regex_anchored, description="Länskod, 01–25.")]


class RapportFilter(Schema):
    undertryck: bool = Field(
        True,
        description="Undertryck små tal (1–4 personer blir null). Nationella rådet får alltid "
        "undertryckta rapporter, vad som än anges.",
    )


# --- The report -------------------------------------------------------------------------


def _report(*, ar: int, omfattning: Omfattning, undertryck: bool) -> dict[str, Any]:
    """The report's JSON form: the one place the API fetches report data — the approved
    version where the förbund has approved the year, else the figures as registered now
    (rapporter.godkannande.report_json), with `status` saying which."""
    data = report_json(ar=ar, omfattning=omfattning, undertryck=undertryck)
    approved = data.get("uppgifter", {}).get("status") == "godkanda"
    return {**data, "status": STATUS_GODKAND if approved else STATUS_PRELIMINAR}


def _receivable_report(
    request: ApiHttpRequest, *, ar: int, omfattning: Omfattning, undertryck: bool
) -> dict[str, Any]:
    """The report if the key's user may have it (404 otherwise); Nationella rådet's always
    suppressed."""
    user = request.auth.user
    undertryck = undertryck or access.report_always_suppressed(user)
    if not AR_MIN <= ar <= AR_MAX:
        raise Http404
    if not access.may_receive_report(
        user, omfattning=omfattning.typ, kod=omfattning.kod or "", undertryck=undertryck
    ):
        raise Http404
    return _report(ar=ar, omfattning=omfattning, undertryck=undertryck)


@api.get(
    "/forbund",
    response={200: list[ForbundOut], **ERRORS},
    url_name="forbund_list",
    summary="Förbund vars rapporter du når",
)
def forbund_list(request: ApiHttpRequest) -> list[Forbund]:
    user = request.auth.user
    if not access.can_order_reports(user):
        raise Http404
    return list(
        Forbund.objects.filter(access.report_forbund_filter(user))
        .order_by("namn", "organisationsnummer")
        .only("organisationsnummer", "namn", "lan")
    )


@api.get(
    "/rapporter/{ar:ar}/nationell",
    response={200: RapportOut, **ERRORS},
    url_name="rapport_nationell",
    summary="Hela landets återrapportering för ett år",
)
def rapport_nationell(
    request: ApiHttpRequest, ar: Ar, filters: Query[RapportFilter]
) -> dict[str, Any]:
    return _receivable_report(
        request, ar=ar, omfattning=Omfattning("nationell"), undertryck=filters.undertryck
    )


@api.get(
    "/rapporter/{ar:ar}/lan/{lan:lan}",
    response={200: RapportOut, **ERRORS},
    url_name="rapport_lan",
    summary="Ett läns återrapportering för ett år",
)
def rapport_lan(
    request: ApiHttpRequest, ar: Ar, lan: Lankod, filters: Query[RapportFilter]
) -> dict[str, Any]:
    if lan not in LAN_NAMN:
        raise Http404
    return _receivable_report(
        request, ar=ar, omfattning=Omfattning("lan", lan), undertryck=filters.undertryck
    )


@api.get(
    "/rapporter/{ar:ar}/forbund/{orgnr:orgnr}",
    response={200: RapportOut, **ERRORS},
    url_name="rapport_forbund",
    summary="Ett förbunds återrapportering för ett år",
)
def rapport_forbund(
    request: ApiHttpRequest, ar: Ar, orgnr: Orgnr, filters: Query[RapportFilter]
) -> dict[str, Any]:
    if not Forbund.objects.filter(organisationsnummer=orgnr).exists():
        raise Http404
    return _receivable_report(
        request, ar=ar, omfattning=Omfattning("forbund", orgnr), undertryck=filters.undertryck
    )


# --- The URLs: open to calls without a session, every call logged ----------------------------


def _log(request: HttpRequest, status: int) -> None:
    nyckel = getattr(request, "api_nyckel", None)
    matched = request.resolver_match is not None and request.resolver_match.url_name != "no_route"
    Apianrop.objects.create(
        user_id=nyckel.user_id if nyckel else None,
        nyckel=nyckel,
        metod=(request.method or "")[:10],
        sokvag=request.path[:200] if matched else "",
        status=status,
    )


def _logged(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    def call(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            response = view(request, *args, **kwargs)
        except Http404:
            _log(request, 404)
            raise
        _log(request, response.status_code)
        # Unsuppressed counts: never kept by a browser or proxy.
        add_never_cache_headers(response)
        return response

    call.csrf_exempt = True  # type: ignore[attr-defined]  # keys, not cookies
    return login_not_required(call)


def _home(request: HttpRequest) -> HttpResponse:
    """The API's root (ninja's answers 404): where the schema is."""
    return JsonResponse(
        {"detail": api.description, "schema": reverse("api:openapi-json")},
        json_dumps_params={"ensure_ascii": False},
    )


def _no_route(request: HttpRequest, rest: str) -> HttpResponse:
    """A path under the API that matches none of its routes: 404 in the API's own form. The
    path is not logged, as it may hold anything (`_log` keeps only matched paths)."""
    return _error(request, FINNS_INTE, 404)


def urls() -> tuple[list[URLResolver | URLPattern], str]:
    """The API's URL patterns for finsam/urls.py. The API signs in by key, not by session:
    the patterns are open to calls without one (LoginRequiredMiddleware), and the key
    check answers 401 instead."""
    patterns, _app_name, namespace = api.urls
    for pattern in patterns:
        if not isinstance(pattern, URLPattern):  # ninja's routes are plain paths
            raise TypeError(f"Unexpected {pattern!r} among the API's routes")
        view = _home if pattern.name == "api-root" else pattern.callback
        pattern.callback = _logged(view)
    patterns.append(re_path(r"^(?P<rest>.+)$", _logged(_no_route), name="no_route"))
    return patterns, namespace
