from __future__ import annotations

from django.conf import settings
from django.contrib import admin
from django.contrib.auth.views import redirect_to_login
from django.urls import include, path

from forbund import views as forbund_views

# The admin signs in through our login (with its rate limit and second factor).
admin.site.login = lambda request, extra_context=None: redirect_to_login(request.get_full_path())
admin.site.site_header = "Finsam – administration"
admin.site.site_title = "Finsam"
admin.site.index_title = "Register och konton"

urlpatterns = [
    path("", forbund_views.start, name="start"),
    path("halsa/", forbund_views.health, name="health"),
    path("konto/", include("forbund.urls_konto")),
    path("forbund/", include("forbund.urls")),
    path("admin/", admin.site.urls),
]

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
