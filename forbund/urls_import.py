"""The pages of an import job, whatever its kind (forbund/views_import.py)."""

from __future__ import annotations

from django.urls import path

from . import views_import

app_name = "importjobb"

urlpatterns = [
    path("<uuid:importjobb_id>/", views_import.jobb, name="jobb"),
    path("<uuid:importjobb_id>/bekrafta/", views_import.bekrafta, name="bekrafta"),
    path("<uuid:importjobb_id>/fel.csv", views_import.fel, name="fel"),
    path("<uuid:importjobb_id>/andringar.<str:format>", views_import.andringar, name="andringar"),
]
