"""The pages of the one upload pipeline (forbund/importjobb.py), for every import kind.

An app's upload page calls `upload_page` with the kinds it offers; the file is checked by
the worker and the job's page shows the outcome with the progress live (htmx polling):
every error, or the list of what the import will create and change (the first VISADE on
the page, all of them as a file), then "Bekräfta import". Only the uploader reaches a job,
and only while their role still allows the kind; everyone else gets 404.
"""

from __future__ import annotations

from typing import Any, cast

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.html import format_html
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_variables
from django.views.decorators.http import require_GET, require_POST
from django_htmx.http import HttpResponseStopPolling

from finsam.lib.importing import Change, ImportKind, get_kind
from finsam.lib.tabular import write_table
from finsam.lib.uploads import UploadForm

from . import importjobb
from .http import AuthenticatedHttpRequest
from .models import Importjobb, User

Status = Importjobb.Status
FORMATS = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
CHANGE_COLUMNS = ["rad", "post", "andring", "falt", "fore", "efter"]


def allowed_kinds(user: Any, names: list[str]) -> list[ImportKind]:
    if not user.is_authenticated:
        return []
    return [kind for name in names if (kind := get_kind(name)).allowed(user)]


@sensitive_variables()  # the file's bytes hold personnummer
def upload_page(
    request: HttpRequest, *, kinds: list[ImportKind], template: str, **context: Any
) -> HttpResponse:
    """GET: the form; POST: the file is stored encrypted and sent to the worker."""
    # Signed in: the other apps' upload views (typed HttpRequest) require login.
    user = cast("User", request.user)
    choices = [(k.name, k.label) for k in kinds]
    form = UploadForm(request.POST or None, request.FILES or None, kinds=choices)
    if request.method == "POST" and form.is_valid():
        fil = form.cleaned_data["fil"]
        jobb = importjobb.upload(
            user=user,
            kind=form.cleaned_data["kind"],
            filnamn=fil.name,
            data=fil.read(),
            sida=request.path,
        )
        return redirect(jobb)
    tidigare = (
        Importjobb.objects.filter(user=user, sida=request.path)
        .defer("data", "alla_andringar")
        .order_by("-skapad")[:10]
    )
    return render(
        request,
        template,
        {"form": form, "kinds": kinds, "tidigare": tidigare, **context},
        status=200,
    )


def _own_job(request: AuthenticatedHttpRequest, importjobb_id: Any) -> Importjobb:
    job = get_object_or_404(
        Importjobb.objects.defer("data", "alla_andringar").select_related("user"),
        pk=importjobb_id,
        user=request.user,
    )
    if not allowed_kinds(request.user, [job.kind]):
        raise Http404
    return job


def _listed(
    request: AuthenticatedHttpRequest, job: Importjobb, changes: list[Change], sida: str
) -> None:
    """Stored values of personal data shown in a change list are logged as read."""
    refs = [c.ref for c in changes if c.ref is not None]
    if refs:
        get_kind(job.kind).log_read(request.user, refs, sida=sida)


@never_cache
@require_GET
def jobb(request: AuthenticatedHttpRequest, importjobb_id: Any) -> HttpResponse:
    job = _own_job(request, importjobb_id)
    changes = [Change.from_json(c) for c in job.andringar]
    if not job.pagaende:
        _listed(request, job, changes, f"Import av {job.filnamn}")
    context = {
        "jobb": job,
        "kind": get_kind(job.kind),
        "andringar": changes,
        "visade": importjobb.VISADE,
        "fler_andringar": job.skapade + job.uppdaterade > len(changes),
    }
    if request.htmx:
        response = render(request, "import/jobb.html#status", context)
        if not job.pagaende:
            response.status_code = HttpResponseStopPolling.status_code
        return response
    return render(request, "import/jobb.html", context)


@never_cache
@require_POST
def bekrafta(request: AuthenticatedHttpRequest, importjobb_id: Any) -> HttpResponse:
    """Starts the import; a second confirmation (Back, then Bekräfta) says what happened."""
    job = _own_job(request, importjobb_id)
    if not importjobb.confirm(job):
        messages.info(request, _already(job))
    return redirect(job)


def _already(job: Importjobb) -> str:
    when = timezone.localtime(job.bekraftad).strftime("%Y-%m-%d %H:%M") if job.bekraftad else ""
    who = job.user.get_full_name() or job.user.username
    if job.status == Status.KLAR:
        return format_html(
            'Importen är redan genomförd {} av {}: {} nya, {} ändrade. <a href="{}">Se resultatet</a>.',
            when,
            who,
            job.skapade,
            job.uppdaterade,
            f"{job.get_absolute_url()}#resultat",
        )
    if job.status == Status.IMPORTERAS:
        return f"Importen bekräftades redan {when} av {who} och pågår."
    return "Filen kan inte importeras. Se nedan vad som hände."


@never_cache
@require_GET
def fel(request: AuthenticatedHttpRequest, importjobb_id: Any) -> HttpResponse:
    """Every error of a refused file, as CSV (the page lists the first ones)."""
    job = _own_job(request, importjobb_id)
    data = write_table(["rad", "kolumn", "varde", "meddelande"], job.fel, format="csv")
    return _download(data, "csv", f"fel-{job.kind}")


@never_cache
@require_GET
def andringar(request: AuthenticatedHttpRequest, importjobb_id: Any, format: str) -> HttpResponse:
    """Every change of a checked or imported file, one line per field, as CSV or XLSX."""
    if format not in FORMATS:
        raise Http404
    job = get_object_or_404(
        Importjobb.objects.select_related("user"), pk=importjobb_id, user=request.user
    )
    if not allowed_kinds(request.user, [job.kind]) or job.status not in (
        Status.GRANSKAD,
        Status.KLAR,
    ):
        raise Http404
    changes = importjobb.changes(job)
    _listed(request, job, changes, f"Ändringar i {job.filnamn} ({format})")
    rows = (
        {
            "rad": c.rad,
            "post": c.nyckel,
            "andring": "ny" if c.ny else "ändrad",
            "falt": name,
            "fore": before,
            "efter": after,
        }
        for c in changes
        for name, before, after in c.falt or (("", "", ""),)
    )
    return _download(
        write_table(CHANGE_COLUMNS, rows, format=format), format, f"andringar-{job.kind}"
    )


def _download(data: bytes, format: str, name: str) -> HttpResponse:
    response = HttpResponse(data, content_type=FORMATS[format])
    response["Content-Disposition"] = f'attachment; filename="{name}.{format}"'
    return response
