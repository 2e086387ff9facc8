from __future__ import annotations

from django.urls import path

from . import views

app_name = "forbund"

urlpatterns = [
    path("", views.forbund_list, name="list"),
    path("<str:orgnr>/", views.forbund_detail, name="detail"),
    path("<str:orgnr>/bidrag/<int:ar>/<int:medlemskap_id>/", views.bidrag_edit, name="bidrag_edit"),
]
