"""The pages that belong to no app: the start page and the health check."""

from __future__ import annotations

from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from deltagare.access import registerutdrag_forbund_ids
from finsam.lib import health as health_checks
from forbund import access
from forbund.http import AuthenticatedHttpRequest
from forbund.models import Forbund


@require_GET
def start(request: AuthenticatedHttpRequest) -> HttpResponse:
    user = request.user
    return render(
        request,
        "portal/start.html",
        {
            "roles": access.roles(user),
            "uppdrag": list(user.active_uppdrag()),
            "mina_forbund": Forbund.objects.for_user(user).filter(
                pk__in=access.forbund_ids(user, "forbundsadministrator")
            ),
            "is_administrator": access.is_administrator(user),
            "is_nationella_radet": access.is_nationella_radet(user),
            "kan_ta_registerutdrag": bool(registerutdrag_forbund_ids(user)),
        },
    )


@login_not_required
@require_GET
def health(request: HttpRequest) -> HttpResponse:
    """PostgreSQL and Redis (503 if either fails), and whether beat and a worker are alive.

    Served to any Host header (portal.middleware.HealthCheckMiddleware): the container's
    health check asks for it on loopback, which production's ALLOWED_HOSTS does not list.
    """
    result = health_checks.checks()
    ok = health_checks.healthy(result)
    return JsonResponse(
        {"status": "ok" if ok else "fel", "checks": result}, status=200 if ok else 503
    )
