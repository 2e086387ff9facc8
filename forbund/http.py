"""The request a view receives, typed: htmx's details (django-htmx's middleware sets
`request.htmx`) and, behind the login every view requires by default, a Finsam user."""

from __future__ import annotations

from django.http import HttpRequest
from django_htmx.middleware import HtmxDetails

from .models import User


class HtmxHttpRequest(HttpRequest):
    """django-htmx's documented type for a request that passed its middleware."""

    htmx: HtmxDetails


class AuthenticatedHttpRequest(HtmxHttpRequest):
    """A request of a signed-in user (every view without `login_not_required`)."""

    user: User
