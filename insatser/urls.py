from __future__ import annotations

from django.urls import path

from . import views, views_import

app_name = "insatser"

urlpatterns = [
    path("insatser/", views.insatser_start, name="start"),
    path("ekonomi/", views.ekonomi_start, name="ekonomi_start"),
    path("forbund/<str:orgnr>/insatser/", views.insats_list, name="list"),
    path("forbund/<str:orgnr>/insatser/ny/", views.insats_create, name="create"),
    path("forbund/<str:orgnr>/insatser/<str:kod>/", views.insats_detail, name="detail"),
    path("forbund/<str:orgnr>/insatser/<str:kod>/andra/", views.insats_edit, name="edit"),
    path("forbund/<str:orgnr>/insatser/<str:kod>/avsluta/", views.insats_close, name="close"),
    path(
        "forbund/<str:orgnr>/insatser/<str:kod>/handlaggare/",
        views.insats_handlaggare,
        name="handlaggare",
    ),
    path("forbund/<str:orgnr>/insatser/<str:kod>/antal/", views.antal_add, name="antal_add"),
    path("forbund/<str:orgnr>/import/", views_import.import_upload, name="import"),
    path(
        "forbund/<str:orgnr>/import/export/<str:kind>.<str:format>",
        views_import.import_export,
        name="import_export",
    ),
    path("forbund/<str:orgnr>/ekonomi/", views.ekonomi_current, name="ekonomi_current"),
    path("forbund/<str:orgnr>/ekonomi/<int:ar>/", views.ekonomi, name="ekonomi"),
    path(
        "forbund/<str:orgnr>/ekonomi/<int:ar>/insats/<str:kod>/",
        views.ekonomi_edit,
        name="ekonomi_insats_edit",
    ),
    path(
        "forbund/<str:orgnr>/ekonomi/<int:ar>/rad/<str:rad>/",
        views.ekonomi_edit,
        name="ekonomi_rad_edit",
    ),
]
