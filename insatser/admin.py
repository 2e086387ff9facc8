"""The Django admin for insatser, their money and counts (Administratör only, see forbund.admin)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from forbund.admin import Inline, ModelAdmin

from .models import (
    Behovsgrupp,
    Ekonomirad,
    Insats,
    InsatsMal,
    InsatsUppdrag,
    Malgrupp,
    Strukturdeltagare,
    Volymregistrering,
)


@admin.register(Behovsgrupp)
class BehovsgruppAdmin(ModelAdmin):
    """The national codes come from the migrations and never change."""

    administrator_may = frozenset({"view"})
    list_display = ["kod", "__str__"]


@admin.register(Malgrupp)
class MalgruppAdmin(ModelAdmin):
    list_display = ["namn", "forbund"]
    list_select_related = ["forbund"]
    search_fields = ["namn", "forbund__namn"]
    autocomplete_fields = ["forbund"]


class InsatsAdminForm(forms.ModelForm):
    class Meta:
        model = Insats
        fields = "__all__"  # noqa: DJ007 - the admin shows every field

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        forbund = data.get("forbund")
        if forbund:
            if any(m.forbund_id != forbund.pk for m in data.get("malgrupper") or []):
                self.add_error("malgrupper", "Målgruppen hör till ett annat förbund.")
            if any(p.forbund_id != forbund.pk for p in data.get("parter") or []):
                self.add_error("parter", "Parten är inte medlem i insatsens förbund.")
        return data


class InsatsMalInline(Inline):
    model = InsatsMal
    extra = 0


class InsatsUppdragInline(Inline):
    model = InsatsUppdrag
    extra = 0
    raw_id_fields = ["uppdrag"]
    readonly_fields = ["tilldelad"]


class VolymregistreringInline(Inline):
    model = Volymregistrering
    extra = 0


class StrukturdeltagareInline(Inline):
    model = Strukturdeltagare
    extra = 0


class InsatsStatusFilter(admin.SimpleListFilter):
    title = "status"
    parameter_name = "status"

    def lookups(self, request, model_admin):
        from .choices import Status

        return Status.choices

    def queryset(self, request, queryset):
        return queryset.with_status_filter(self.value()) if self.value() else queryset


@admin.register(Insats)
class InsatsAdmin(ModelAdmin):
    form = InsatsAdminForm
    list_display = [
        "kod",
        "namn",
        "forbund",
        "niva",
        "typ",
        "deltagarregistrering",
        "startdatum",
        "slutdatum",
        "avslutad_datum",
    ]
    list_filter = ["niva", "typ", "deltagarregistrering", "form", InsatsStatusFilter]
    list_select_related = ["forbund"]
    search_fields = ["kod", "namn", "forbund__namn", "forbund__organisationsnummer"]
    autocomplete_fields = ["forbund"]
    filter_horizontal = ["malgrupper", "parter"]
    readonly_fields = ["skapad", "andrad"]
    date_hierarchy = "startdatum"
    inlines = [
        InsatsMalInline,
        InsatsUppdragInline,
        VolymregistreringInline,
        StrukturdeltagareInline,
    ]

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if db_field.name == "parter":
            kwargs["queryset"] = db_field.related_model.objects.select_related(
                "forbund", "kommun", "region"
            )
        if db_field.name == "malgrupper":
            kwargs["queryset"] = Malgrupp.objects.select_related("forbund")
        return super().formfield_for_manytomany(db_field, request, **kwargs)


@admin.register(Ekonomirad)
class EkonomiradAdmin(ModelAdmin):
    list_display = ["forbund", "ar", "rad", "insats", "budget", "utfall"]
    list_filter = ["ar", "rad"]
    list_select_related = ["forbund", "insats"]
    search_fields = ["forbund__namn", "forbund__organisationsnummer", "insats__kod"]
    autocomplete_fields = ["forbund", "insats"]


class PeriodantalAdmin(ModelAdmin):
    list_filter = ["datum"]
    search_fields = ["insats__kod", "insats__namn", "insats__forbund__namn"]
    autocomplete_fields = ["insats"]
    date_hierarchy = "datum"

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).select_related("insats__forbund")


@admin.register(Volymregistrering)
class VolymregistreringAdmin(PeriodantalAdmin):
    list_display = ["insats", "datum", "kvinnor", "man", "okant"]


@admin.register(Strukturdeltagare)
class StrukturdeltagareAdmin(PeriodantalAdmin):
    list_display = ["insats", "datum", "myndighetspersonal", "arbetsgivare", "ovriga"]
