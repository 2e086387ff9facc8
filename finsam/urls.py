from __future__ import annotations

from django.conf import settings
from django.contrib import admin
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import include, path

from finsam.lib.uploads import UploadTooLarge
from portal import views as portal_views
from rapporter import api as report_api


def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    """Django's 400 handler; an upload over the cap gets its own page (413)."""
    if isinstance(exception, UploadTooLarge):
        context = {"max_mb": settings.FINSAM_UPLOAD_MAX_BYTES // (1024 * 1024)}
        return render(request, "413.html", context, status=413)
    return render(request, "400.html", status=400)


handler400 = bad_request

urlpatterns = [
    path("", portal_views.start, name="start"),
    path("halsa/", portal_views.health, name="health"),
    path("konto/", include("forbund.urls_konto")),
    path("forbund/", include("forbund.urls")),
    path("import/", include("forbund.urls_import")),
    path("", include("insatser.urls")),
    path("", include("deltagare.urls")),
    path("", include("deltagare.urls_forbund")),
    path("rapporter/", include("rapporter.urls")),
    path("anvandare/", include("konton.urls")),
    path("api/v1/", include(report_api.urls())),
    path("admin/", admin.site.urls),
]

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
