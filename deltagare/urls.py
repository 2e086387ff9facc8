"""The handläggare's pages, under the insats they belong to (see insatser.urls)."""

from __future__ import annotations

from django.urls import path

from . import views

app_name = "deltagare"

INSATS = "forbund/<str:orgnr>/insatser/<str:kod>/deltagare/"
DELTAGANDE = INSATS + "<uuid:public_id>/"

urlpatterns = [
    path(INSATS, views.deltagare_list, name="list"),
    path(INSATS + "sok/", views.deltagare_sok, name="sok"),
    path(INSATS + "ny/", views.deltagare_create, name="create"),
    path(INSATS + "ny/kontroll/", views.pnr_check, name="pnr_check"),
    path(INSATS + "anonym/", views.deltagare_create_anonym, name="create_anonym"),
    path(DELTAGANDE, views.deltagande_detail, name="detail"),
    path(DELTAGANDE + "avsluta/", views.deltagande_avsluta, name="avsluta"),
    path(DELTAGANDE + "startprofil/", views.deltagande_startprofil, name="startprofil"),
    path(DELTAGANDE + "aterkalla/", views.samtycke_aterkalla, name="aterkalla"),
    path(
        DELTAGANDE + "uppfoljning/<int:matpunkt>/",
        views.deltagande_uppfoljning,
        name="uppfoljning",
    ),
]
