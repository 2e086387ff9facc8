"""The admin site, in place of Django's default one (finsam.apps.FinsamAdminConfig).

The admin is for the Administratör role, second factor verified; `is_staff` grants nothing.
Anyone else signed in gets 404, as everywhere outside a user's reach, instead of Django's
redirect to an admin login page. The admin signs in through Finsam's login (with its rate
limit and second factor).
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.auth.decorators import login_not_required
from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse

from forbund import access


class FinsamAdminSite(admin.AdminSite):
    site_header = "Finsam – administration"
    site_title = "Finsam"
    index_title = "Register och konton"

    def has_permission(self, request: HttpRequest) -> bool:
        user = request.user
        if user.is_active and access.is_administrator(user) and user.is_verified():
            return True
        if user.is_authenticated:
            raise Http404
        return False

    @login_not_required
    def login(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        if request.user.is_authenticated and self.has_permission(request):
            return redirect("admin:index")
        return redirect_to_login(request.GET.get("next") or reverse("admin:index"))
