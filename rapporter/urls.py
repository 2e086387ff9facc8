from __future__ import annotations

from django.urls import path

from . import views, views_godkannande

app_name = "rapporter"

urlpatterns = [
    path("", views.index, name="index"),
    path("<uuid:jobb_id>/", views.jobb, name="jobb"),
    path("<uuid:jobb_id>/forsok-igen/", views.retry, name="retry"),
    path("<uuid:jobb_id>/ladda-ner/", views.download, name="download"),
    path("<uuid:jobb_id>/ladda-ner/<str:format>/", views.download, name="download_format"),
    path("godkannande/", views_godkannande.overview, name="godkannanden"),
    path("godkannande/<str:orgnr>/<int:ar>/", views_godkannande.year, name="godkannande"),
    path(
        "godkannande/<str:orgnr>/<int:ar>/godkann/",
        views_godkannande.approve,
        name="godkannande_godkann",
    ),
    path(
        "godkannande/<str:orgnr>/<int:ar>/oppna/",
        views_godkannande.reopen,
        name="godkannande_oppna",
    ),
    path(
        "godkannande/<str:orgnr>/<int:ar>/version/<int:version>/<str:format>/",
        views_godkannande.version_file,
        name="godkannande_fil",
    ),
]
