"""The Django admin for the participant register (Administratör only, see forbund.admin).

Per spec/product.md the administratör works with no participant's personal data: every
deltagare model is read only here and shown pseudonymised, as the förbundsadministratör
sees it. A person is its public id, kön and dates; the encrypted personnummer, its
look-up hash and the birth date are never shown or searchable. Registrations change only
through the handläggare's pages and the import, which keep the consent and access rules.
The access log cannot be added to, changed or deleted by anyone in the application.
"""

from __future__ import annotations

from django.contrib import admin
from django.contrib.admin.utils import flatten

from forbund.admin import Inline, ModelAdmin

from .models import Atkomstlogg, Deltagande, Person, Samtycke, Uppfoljning

VIEW_ONLY = frozenset({"view"})


class ReadOnlyAdmin(ModelAdmin):
    administrator_may = VIEW_ONLY

    def get_readonly_fields(self, request, obj=None) -> list[str]:
        return flatten(self.get_fields(request, obj))


@admin.register(Person)
class PersonAdmin(ReadOnlyAdmin):
    # Not pnr_krypterat, pnr_hash or fodelsedatum: they are the personal data itself.
    fields = ["public_id", "forbund", "kon", "samordningsnummer", "skapad", "raderad"]
    list_display = ["__str__", "forbund", "kon", "skapad", "raderad"]
    list_select_related = ["forbund"]
    list_filter = ["kon", ("raderad", admin.EmptyFieldListFilter)]
    search_fields = ["=public_id", "forbund__namn", "forbund__organisationsnummer"]
    show_full_result_count = False


@admin.register(Samtycke)
class SamtyckeAdmin(ReadOnlyAdmin):
    fields = [
        "person",
        "syfte",
        "datum",
        "formularversion",
        "sprak",
        "registrerad_av",
        "registrerad",
        "aterkallat",
    ]
    list_display = ["person", "syfte", "datum", "aterkallat"]
    list_select_related = ["person"]
    list_filter = ["syfte"]
    search_fields = ["=person__public_id"]
    show_full_result_count = False


class UppfoljningInline(Inline):
    model = Uppfoljning
    administrator_may = VIEW_ONLY
    readonly_fields = ("matpunkt", "datum", "sysselsattning", "forsorjning")
    fields = readonly_fields
    extra = 0


@admin.register(Deltagande)
class DeltagandeAdmin(ReadOnlyAdmin):
    fields = [
        "public_id",
        "insats",
        "registreringsform",
        "person",
        "kon",
        "startdatum",
        "slutdatum",
        "utbildningsniva",
        "forsorjning_fore",
        "tid_offentlig_forsorjning",
        "sysselsattning_fore",
        "avslutsorsak",
        "sysselsattning_efter",
        "forsorjning_efter",
        "skapad",
        "andrad",
    ]
    list_display = ["__str__", "insats", "registreringsform", "kon", "startdatum", "slutdatum"]
    list_select_related = ["insats"]
    list_filter = ["registreringsform", "kon"]
    search_fields = ["=public_id", "insats__kod", "insats__forbund__organisationsnummer"]
    date_hierarchy = "startdatum"
    show_full_result_count = False
    inlines = [UppfoljningInline]


@admin.register(Uppfoljning)
class UppfoljningAdmin(ReadOnlyAdmin):
    fields = ["deltagande", "matpunkt", "datum", "sysselsattning", "forsorjning"]
    list_display = ["deltagande", "matpunkt", "datum"]
    list_select_related = ["deltagande"]
    list_filter = ["matpunkt"]
    search_fields = ["=deltagande__public_id"]
    show_full_result_count = False


@admin.register(Atkomstlogg)
class AtkomstloggAdmin(ReadOnlyAdmin):
    """Strictly read only: no add, change or delete, not even for the administratör."""

    fields = ["tid", "user", "os_anvandare", "forbund", "sida", "anledning", "visade_personer"]
    list_display = ["tid", "vem", "forbund", "sida", "anledning"]
    list_select_related = ["user", "forbund"]
    list_filter = ["forbund"]
    search_fields = [
        "user__username",
        "os_anvandare",
        "=visningar__person__public_id",
        "forbund__organisationsnummer",
    ]
    date_hierarchy = "tid"
    show_full_result_count = False

    @admin.display(description="visade personer (id)")
    def visade_personer(self, obj: Atkomstlogg) -> str:
        return ", ".join(str(a.person.public_id) for a in obj.visningar.select_related("person"))

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
