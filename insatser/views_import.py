"""Upload of import files for a förbund: a preview that lists every error, then a confirmation.

Step 1 stores the uploaded bytes (Importfil) and runs the import as a dry run; the
page shows the summary and every error, and nothing is saved. Without errors it
offers "Bekräfta import", which sends back only the Importfil's random id; step 2
imports exactly those bytes. Only the förbund's förbundsadministratörer and
administratörer reach these pages; everyone else gets 404.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from django import forms
from django.conf import settings
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from finsam.lib.forms import StyledFormMixin
from finsam.lib.importing import export_file, import_file
from finsam.lib.maskering import maskera
from forbund.models import Forbund

from .importers import KINDS
from .models import Importfil

MAX_UPLOAD = settings.FINSAM_UPLOAD_MAX_BYTES
MB = 1024 * 1024
FORMATS = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
KIND_CHOICES = [(k.name, k.label) for k in KINDS]
TEMPLATE = "insatser/import.html"


class UploadForm(StyledFormMixin, forms.Form):
    kind = forms.ChoiceField(
        label="Vad innehåller filen?", choices=KIND_CHOICES, widget=forms.RadioSelect
    )
    fil = forms.FileField(
        label="Fil",
        help_text=f"CSV (UTF-8, semikolon eller komma) eller Excel (.xlsx), högst {MAX_UPLOAD // MB} MB.",
        error_messages={
            "required": "Välj en fil att ladda upp.",
            "empty": "Filen är tom.",
            "invalid": "Välj en fil att ladda upp.",
        },
    )

    def clean_fil(self):
        fil = self.cleaned_data["fil"]
        if Path(fil.name).suffix.lower() not in {".csv", ".txt", ".xlsx"}:
            raise forms.ValidationError(
                "Filen ska vara en CSV-fil (.csv) eller en Excel-fil (.xlsx)."
            )
        if fil.size > MAX_UPLOAD:
            raise forms.ValidationError(
                f"Filen är för stor (högst {MAX_UPLOAD // MB} MB). Dela upp den i flera filer."
            )
        return fil


class ConfirmForm(forms.Form):
    fil = forms.UUIDField(widget=forms.HiddenInput)


def _get_forbund(request: HttpRequest, orgnr: str) -> Forbund:
    """A förbund whose insatser and economy the user may write (import is writing)."""
    return Forbund.objects.get_for_user(request.user, orgnr, "forbund_admin")


def _page(request: HttpRequest, forbund: Forbund, **context: object) -> HttpResponse:
    context.setdefault("form", UploadForm())
    return render(
        request,
        TEMPLATE,
        {
            "forbund": forbund,
            "kinds": KINDS,
            "formats": list(FORMATS),
            **context,
        },
    )


@require_http_methods(["GET", "POST"])
def import_upload(request: HttpRequest, orgnr: str) -> HttpResponse:
    forbund = _get_forbund(request, orgnr)
    if request.method == "GET":
        return _page(request, forbund)
    form = UploadForm(request.POST, request.FILES)
    if not form.is_valid():
        return _page(request, forbund, form=form)
    upload = form.cleaned_data["fil"]
    data = upload.read()
    kind = form.cleaned_data["kind"]
    name = maskera(upload.name)  # a file named after a person is stored and shown masked
    result = import_file(kind, data, filename=name, user=request.user, dry_run=True)
    Importfil.objects.expired().delete()
    stored = None
    if result.ok:
        stored = Importfil.objects.create(
            user=request.user,
            forbund=forbund,
            kind=kind,
            filename=name[:255],
            data=data,
            sha256=hashlib.sha256(data).hexdigest(),
        )
    return _page(
        request,
        forbund,
        form=UploadForm(initial={"kind": kind}),
        result=result,
        filename=name,
        confirm=ConfirmForm(initial={"fil": stored.pk}) if stored else None,
    )


@require_POST
def import_confirm(request: HttpRequest, orgnr: str) -> HttpResponse:
    forbund = _get_forbund(request, orgnr)
    form = ConfirmForm(request.POST)
    if not form.is_valid():
        raise Http404
    with transaction.atomic():
        # Locked, so that a double click imports once and the second click gets 404.
        stored = get_object_or_404(
            Importfil.objects.select_for_update(),
            pk=form.cleaned_data["fil"],
            user=request.user,
            forbund=forbund,
        )
        data = bytes(stored.data)
        if hashlib.sha256(data).hexdigest() != stored.sha256:
            raise Http404
        result = import_file(stored.kind, data, filename=stored.filename, user=request.user)
        filename = stored.filename
        stored.delete()
    return _page(
        request,
        forbund,
        form=UploadForm(initial={"kind": stored.kind}),
        result=result,
        filename=filename,
        imported=result.ok,
    )


@require_GET
def import_export(request: HttpRequest, orgnr: str, kind: str, format: str) -> HttpResponse:
    forbund = _get_forbund(request, orgnr)
    if kind not in dict(KIND_CHOICES) or format not in FORMATS:
        raise Http404
    data = export_file(kind, format=format, forbund=forbund, user=request.user)
    response = HttpResponse(data, content_type=FORMATS[format])
    name = f"{kind}-{forbund.organisationsnummer}-{timezone.localdate():%Y-%m-%d}.{format}"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
