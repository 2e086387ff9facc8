from __future__ import annotations

from django.urls import path

from . import views

app_name = "konton"

urlpatterns = [
    path("", views.anvandare_list, name="list"),
    path("ny/", views.anvandare_create, name="create"),
    path("logg/", views.logg, name="logg"),
    path("<int:user_id>/", views.anvandare_detail, name="detail"),
    path("<int:user_id>/andra/", views.anvandare_edit, name="edit"),
    path("<int:user_id>/aktiv/", views.anvandare_active, name="active"),
    path(
        "<int:user_id>/aktiveringslank/",
        views.anvandare_aktiveringslank,
        name="aktiveringslank",
    ),
    path(
        "<int:user_id>/aterstall-autentisering/",
        views.anvandare_aterstall_autentisering,
        name="aterstall_autentisering",
    ),
    path("<int:user_id>/uppdrag/nytt/", views.uppdrag_add, name="uppdrag_add"),
    path("<int:user_id>/uppdrag/<int:uppdrag_id>/", views.uppdrag_edit, name="uppdrag_edit"),
    path("<int:user_id>/uppdrag/<int:uppdrag_id>/avsluta/", views.uppdrag_end, name="uppdrag_end"),
]
