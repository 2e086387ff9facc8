from __future__ import annotations

from django.urls import path

from . import views_konto

app_name = "konto"

urlpatterns = [
    path("logga-in/", views_konto.login, name="login"),
    path("logga-ut/", views_konto.logout, name="logout"),
    path("tvafaktor/", views_konto.otp_verify, name="otp_verify"),
    path("tvafaktor/aktivera/", views_konto.otp_setup, name="otp_setup"),
    path("tvafaktor/saknas/", views_konto.ingen_app, name="ingen_app"),
    path("aktivera/<str:token>/", views_konto.aktivera, name="aktivera"),
    path("nytt-losenord/", views_konto.nytt_losenord_begar, name="nytt_losenord_begar"),
    path("nytt-losenord/<str:token>/", views_konto.nytt_losenord, name="nytt_losenord"),
    path("", views_konto.mitt_konto, name="mitt_konto"),
    path("losenord/", views_konto.byt_losenord, name="byt_losenord"),
    path("sessioner/avsluta/", views_konto.avsluta_andra_sessioner, name="avsluta_sessioner"),
    path("reservkoder/", views_konto.nya_reservkoder, name="nya_reservkoder"),
    path("api-nycklar/", views_konto.api_nycklar, name="api_nycklar"),
    path(
        "api-nycklar/<int:nyckel_id>/aterkalla/",
        views_konto.api_nyckel_aterkalla,
        name="api_nyckel_aterkalla",
    ),
]
