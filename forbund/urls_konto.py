from __future__ import annotations

from django.urls import path

from . import views_konto

app_name = "konto"

urlpatterns = [
    path("logga-in/", views_konto.login, name="login"),
    path("logga-ut/", views_konto.logout, name="logout"),
    path("tvafaktor/", views_konto.otp_verify, name="otp_verify"),
    path("tvafaktor/aktivera/", views_konto.otp_setup, name="otp_setup"),
]
