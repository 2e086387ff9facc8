"""Web upload of deltaganden and uppföljningar: a preview listing every error, then the
import, both run by the worker with the progress shown live (htmx polling)."""

from __future__ import annotations

from pathlib import Path

from django import forms
from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_variables
from django.views.decorators.http import require_http_methods, require_POST
from django_htmx.http import HttpResponseStopPolling

from finsam.lib.forms import StyledFormMixin
from finsam.lib.importing import get_kind
from finsam.lib.tabular import write_table

from . import importjobb
from .models import Importjobb

MAX_UPLOAD = settings.FINSAM_UPLOAD_MAX_BYTES
MB = 1024 * 1024


def _kinds(user) -> list[tuple[str, str]]:
    kinds = [get_kind(name) for name in importjobb.KINDS]
    return [(k.name, k.label) for k in kinds if k.allowed(user)]


def _require_upload(request: HttpRequest) -> list[tuple[str, str]]:
    kinds = _kinds(request.user) if request.user.is_authenticated else []
    if not kinds:
        raise Http404
    return kinds


class UploadForm(StyledFormMixin, forms.Form):
    kind = forms.ChoiceField(label="Vad innehåller filen?", widget=forms.RadioSelect)
    fil = forms.FileField(
        label="Fil",
        help_text=f"CSV (UTF-8, semikolon eller komma) eller Excel (.xlsx), högst "
        f"{MAX_UPLOAD // MB} MB, med kolumnerna nedan i första raden.",
        error_messages={"required": "Välj en fil att ladda upp.", "empty": "Filen är tom."},
    )

    def __init__(self, *args, kinds, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = kinds
        if len(kinds) == 1:
            self.fields["kind"].initial = kinds[0][0]

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


@never_cache
@require_http_methods(["GET", "POST"])
@sensitive_variables()  # the file's bytes hold personnummer
def upload(request: HttpRequest) -> HttpResponse:
    kinds = _require_upload(request)
    form = UploadForm(request.POST or None, request.FILES or None, kinds=kinds)
    if request.method == "POST" and form.is_valid():
        fil = form.cleaned_data["fil"]
        jobb = importjobb.upload(
            user=request.user, kind=form.cleaned_data["kind"], filnamn=fil.name, data=fil.read()
        )
        return redirect("deltagare_forbund:import_jobb", importjobb_id=jobb.pk)
    tidigare = Importjobb.objects.filter(user=request.user).order_by("-skapad")[:10]
    kolumner = [(label, get_kind(name).columns) for name, label in kinds]
    return render(
        request,
        "deltagare/forbund/import.html",
        {"form": form, "tidigare": tidigare, "kolumner": kolumner},
    )


def _own_job(request: HttpRequest, importjobb_id) -> Importjobb:
    _require_upload(request)
    return get_object_or_404(Importjobb.objects.defer("data"), pk=importjobb_id, user=request.user)


@never_cache
@require_http_methods(["GET"])
def jobb(request: HttpRequest, importjobb_id) -> HttpResponse:
    job = _own_job(request, importjobb_id)
    if request.htmx:
        response = render(
            request,
            "deltagare/forbund/import_jobb.html#status",
            {"jobb": job, "visade_fel": VISADE_FEL},
        )
        if not job.pagaende:
            response.status_code = HttpResponseStopPolling.status_code
        return response
    return render(
        request, "deltagare/forbund/import_jobb.html", {"jobb": job, "visade_fel": VISADE_FEL}
    )


@never_cache
@require_POST
def bekrafta(request: HttpRequest, importjobb_id) -> HttpResponse:
    job = _own_job(request, importjobb_id)
    importjobb.confirm(job)
    return redirect("deltagare_forbund:import_jobb", importjobb_id=job.pk)


VISADE_FEL = 1000


@never_cache
@require_http_methods(["GET"])
def fel(request: HttpRequest, importjobb_id) -> HttpResponse:
    """Every error of a refused file, as CSV (the page lists the first ones)."""
    job = _own_job(request, importjobb_id)
    data = write_table(["rad", "kolumn", "meddelande"], job.fel, format="csv")
    response = HttpResponse(data, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="fel.csv"'
    return response
