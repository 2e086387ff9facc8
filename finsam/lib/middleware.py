"""Middleware that knows no app."""

from __future__ import annotations

import re
from collections.abc import Callable

from django.http import Http404, HttpRequest, HttpResponse

# C0 control characters and DEL. No Finsam URL has one; PostgreSQL refuses NUL in text, so a
# path segment carrying one (`/forbund/%00/`) would reach a query and fail with a 500.
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


class RejectControlCharactersMiddleware:
    """A path with a control character in it is a page that does not exist: 404."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if _CONTROL.search(request.path_info):
            raise Http404
        return self.get_response(request)
