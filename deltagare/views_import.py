"""Web upload of deltaganden and uppföljningar, through the one pipeline of every import
kind (forbund/views_import.py): checked and imported by the worker, progress shown live."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from forbund.views_import import allowed_kinds, upload_page

KINDS = ["deltaganden", "uppfoljningar"]


@never_cache
@require_http_methods(["GET", "POST"])
def upload(request: HttpRequest) -> HttpResponse:
    kinds = allowed_kinds(request.user, KINDS)
    if not kinds:
        raise Http404
    return upload_page(request, kinds=kinds, template="deltagare/forbund/import.html")
