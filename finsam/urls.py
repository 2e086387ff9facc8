from __future__ import annotations

from django.conf import settings
from django.contrib import admin
from django.contrib.auth.decorators import login_not_required
from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import include, path, reverse

from finsam.lib.uploads import UploadTooLarge
from forbund import access
from portal import views as portal_views
from rapporter import api as report_api


def admin_has_permission(request: HttpRequest) -> bool:
    """The admin is for the Administratör role, second factor verified; `is_staff` grants nothing.

    Anyone else signed in gets 404, as everywhere outside a user's reach, instead of
    Django's redirect to an admin login page.
    """
    user = request.user
    if user.is_active and access.is_administrator(user) and user.is_verified():
        return True
    if user.is_authenticated:
        raise Http404
    return False


@login_not_required
def admin_login(request: HttpRequest, extra_context=None) -> HttpResponse:
    """The admin signs in through our login (with its rate limit and second factor)."""
    if request.user.is_authenticated and admin_has_permission(request):
        return redirect("admin:index")
    return redirect_to_login(request.GET.get("next") or reverse("admin:index"))


admin.site.has_permission = admin_has_permission
admin.site.login = admin_login
admin.site.site_header = "Finsam – administration"
admin.site.site_title = "Finsam"
admin.site.index_title = "Register och konton"


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
