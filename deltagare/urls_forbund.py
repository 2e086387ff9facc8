"""The förbundsadministratör's participant pages, and the register extract."""

from __future__ import annotations

from django.urls import path

from . import views_forbund, views_import

app_name = "deltagare_forbund"

urlpatterns = [
    path("forbund/<str:orgnr>/deltaganden/", views_forbund.deltaganden, name="list"),
    path("forbund/<str:orgnr>/atkomstlogg/", views_forbund.atkomstlogg, name="atkomstlogg"),
    path("registerutdrag/", views_forbund.registerutdrag, name="registerutdrag"),
]

urlpatterns += [
    path("deltagare/import/", views_import.upload, name="import"),
]
