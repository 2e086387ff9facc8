from __future__ import annotations

from django.urls import path

from . import views

app_name = "rapporter"

urlpatterns = [
    path("", views.index, name="index"),
    path("<uuid:jobb_id>/", views.jobb, name="jobb"),
    path("<uuid:jobb_id>/forsok-igen/", views.retry, name="retry"),
    path("<uuid:jobb_id>/ladda-ner/", views.download, name="download"),
    path("<uuid:jobb_id>/ladda-ner/<str:format>/", views.download, name="download_format"),
]
