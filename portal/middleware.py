from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from forbund.middleware import _HEALTH_PATH

from .views import health


class HealthCheckMiddleware:
    """`/halsa/` answers whatever the Host header; everything else is left to Django.

    The container health checks ask on loopback (`http://127.0.0.1:8000/halsa/`), a host
    that production's ALLOWED_HOSTS rightly leaves out. The answer holds no link and no data,
    so the Host header cannot be used against anyone here. First in MIDDLEWARE: the
    security middleware's HTTPS redirect and CommonMiddleware's host check come later.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path_info == _HEALTH_PATH:
            return health(request)
        return self.get_response(request)
