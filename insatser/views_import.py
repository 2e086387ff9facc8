"""The förbund's upload page for insatser, antal and ekonomi, and the export in the import
format. The upload goes through the one pipeline of every import kind
(forbund/views_import.py): checked by the worker, every error or every change listed, then
"Bekräfta import". Only the förbund's förbundsadministratörer and administratörer reach
these pages; everyone else gets 404.
"""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from finsam.lib.importing import export_file
from forbund.models import Forbund
from forbund.views_import import FORMATS, upload_page

from .importers import KINDS

KIND_NAMES = {k.name for k in KINDS}


def _get_forbund(request: HttpRequest, orgnr: str) -> Forbund:
    """A förbund whose insatser and economy the user may write (import is writing)."""
    return Forbund.objects.get_for_user(request.user, orgnr, "forbund_admin")


@never_cache
@require_http_methods(["GET", "POST"])
def import_upload(request: HttpRequest, orgnr: str) -> HttpResponse:
    forbund = _get_forbund(request, orgnr)
    return upload_page(
        request,
        kinds=[k for k in KINDS if k.allowed(request.user)],
        template="insatser/import.html",
        forbund=forbund,
        formats=list(FORMATS),
    )


@require_GET
def import_export(request: HttpRequest, orgnr: str, kind: str, format: str) -> HttpResponse:
    forbund = _get_forbund(request, orgnr)
    if kind not in KIND_NAMES or format not in FORMATS:
        raise Http404
    data = export_file(kind, format=format, forbund=forbund, user=request.user)
    response = HttpResponse(data, content_type=FORMATS[format])
    name = f"{kind}-{forbund.organisationsnummer}-{timezone.localdate():%Y-%m-%d}.{format}"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
