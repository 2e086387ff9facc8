"""The Django admin: reference data, the förbund registry and accounts, for the Administratör.

Who reaches the admin at all is decided in finsam/admin.py (`FinsamAdminSite.has_permission`).
Inside it, the Administratör role grants every model (`AdministratorPermissions`); Django's
per-model permissions, groups and `is_staff` are not used in Finsam.
"""

from __future__ import annotations

import re
from typing import Any

from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django import forms
from django.contrib import admin, messages
from django.contrib.auth import admin as auth_admin
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.db.models import Prefetch, QuerySet
from django.forms.formsets import DELETION_FIELD_NAME
from django.forms.models import BaseInlineFormSet, ModelChoiceIterator
from django.http import HttpRequest
from django.utils import timezone
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from . import access
from .choices import Lan, Medlemstyp
from .models import (
    Apianrop,
    ApiNyckel,
    Folkmangd,
    Forbund,
    Kommun,
    Medlemsbidrag,
    Medlemskap,
    Region,
    Uppdrag,
    User,
)

ALL_PERMISSIONS = frozenset({"view", "add", "change", "delete"})


class AdministratorPermissions:
    """Gives the Administratör role the model in the admin, and nobody else.

    Put it first in the bases of every ModelAdmin and inline (other apps too);
    `administrator_may` narrows what the role may do, e.g. to view a log.
    """

    administrator_may: frozenset[str] = ALL_PERMISSIONS

    def _may(self, request: HttpRequest, action: str) -> bool:
        return action in self.administrator_may and access.is_administrator(request.user)

    def has_module_permission(self, request: HttpRequest) -> bool:
        return self._may(request, "view")

    def has_view_permission(self, request: HttpRequest, obj=None) -> bool:
        return self._may(request, "view")

    def has_add_permission(self, request: HttpRequest, obj=None) -> bool:
        return self._may(request, "add")

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return self._may(request, "change")

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return self._may(request, "delete")


class ModelAdmin(AdministratorPermissions, admin.ModelAdmin):
    pass


class Inline(AdministratorPermissions, admin.TabularInline):
    """A tabular inline whose selects fetch their options once, not once per row."""

    extra = 1

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        if field is not None and db_field.name not in (
            *self.get_autocomplete_fields(request),
            *self.raw_id_fields,
        ):
            choices = field.choices
            # Each row's form deep-copies the field; a list is copied, a queryset re-runs.
            if isinstance(choices, ModelChoiceIterator):
                field.choices = list(choices)
        return field


# Reference data


class ReferenceAdmin(ModelAdmin):
    """Regions and kommuner are keyed by their official code, which never changes once saved."""

    search_fields = ["kod", "namn"]

    def get_readonly_fields(self, request: HttpRequest, obj=None) -> tuple[str, ...]:
        return ("kod",) if obj else ()


class RegionLanFilter(admin.SimpleListFilter):
    title = "län"
    parameter_name = "lan"

    def lookups(self, request, model_admin):
        return Lan.choices

    def queryset(self, request, queryset):
        return queryset.filter(kod=self.value()) if self.value() else queryset


@admin.register(Region)
class RegionAdmin(ReferenceAdmin):
    list_display = ["kod", "namn"]
    list_filter = [RegionLanFilter]


class FolkmangdInline(Inline):
    model = Folkmangd
    fields = ["ar", "folkmangd"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Folkmangd]:
        return super().get_queryset(request).select_related("kommun")  # each row's title


@admin.register(Kommun)
class KommunAdmin(ReferenceAdmin):
    list_display = ["kod", "namn", "lan"]
    list_filter = ["lan"]
    inlines = [FolkmangdInline]


@admin.register(Folkmangd)
class FolkmangdAdmin(ModelAdmin):
    list_display = ["kommun", "ar", "folkmangd"]
    list_select_related = ["kommun"]
    list_filter = ["ar", "kommun__lan"]
    search_fields = ["kommun__namn", "kommun__kod"]
    autocomplete_fields = ["kommun"]


# The förbund registry


class MedlemskapForm(forms.ModelForm):
    """Names the party field in error where the database constraint alone would not."""

    class Meta:
        model = Medlemskap
        fields = ["forbund", "medlemstyp", "kommun", "region", "intrade", "uppsagd", "uttrade"]

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        medlemstyp = cleaned.get("medlemstyp")
        if cleaned.get("kommun") and medlemstyp != Medlemstyp.KOMMUN:
            self.add_error("kommun", "Ange kommun bara när medlemmen är en kommun.")
        if cleaned.get("region") and medlemstyp != Medlemstyp.REGION:
            self.add_error("region", "Ange region bara när medlemmen är en region.")
        return cleaned


class MedlemskapFormSet(BaseInlineFormSet):
    """A förbund's memberships as one whole: all four member kinds must be there (5 §)."""

    def clean(self) -> None:
        super().clean()
        forbund = self.instance
        if any(self.errors) or forbund.bildad is None:
            return  # the rows or the förbund have errors of their own to show first
        # The day Forbund.missing_medlemstyper checks: today, or the founding day of a
        # förbund that has ended.
        day = max(forbund.bildad, timezone.localdate())
        if forbund.upphord and day >= forbund.upphord:
            day = forbund.bildad
        present = {
            form.instance.medlemstyp
            for form in self.forms
            if form.cleaned_data
            and not form.cleaned_data.get(DELETION_FIELD_NAME)
            and form.instance.is_active_on(day)
        }
        missing = [label for value, label in Medlemstyp.choices if value not in present]
        if missing:
            raise ValidationError(
                "Ett samordningsförbund ska ha fyra slags medlemmar (5 § lagen om finansiell "
                "samordning): Försäkringskassan, Arbetsförmedlingen, minst en region och minst "
                f"en kommun. Aktivt medlemskap {day:%Y-%m-%d} saknas för: {', '.join(missing)}."
            )


class MedlemskapInline(Inline):
    model = Medlemskap
    form = MedlemskapForm
    formset = MedlemskapFormSet
    fields = ["medlemstyp", "kommun", "region", "intrade", "uppsagd", "uttrade"]
    show_change_link = True

    def get_extra(self, request: HttpRequest, obj=None, **kwargs) -> int:
        # A new förbund needs at least four members.
        return 4 if obj is None else 1

    def get_queryset(self, request: HttpRequest) -> QuerySet[Medlemskap]:
        return super().get_queryset(request).select_related("kommun", "region")


@admin.register(Forbund)
class ForbundAdmin(ModelAdmin):
    list_display = ["namn", "organisationsnummer", "lan", "bildad", "upphord"]
    list_filter = ["lan"]
    search_fields = ["namn", "organisationsnummer"]
    filter_horizontal = ["foregangare"]
    inlines = [MedlemskapInline]

    def get_search_results(self, request, queryset, search_term):
        if re.fullmatch(r"\s*\d{6}-\d{4}\s*", search_term):
            search_term = search_term.replace("-", "")  # organisationsnummer as usually written
        return super().get_search_results(request, queryset, search_term)


class MedlemsbidragInline(Inline):
    model = Medlemsbidrag
    fields = ["ar", "beslutat", "inbetalt"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Medlemsbidrag]:
        return (
            super()
            .get_queryset(request)
            .select_related("medlemskap__forbund", "medlemskap__kommun", "medlemskap__region")
        )


@admin.register(Medlemskap)
class MedlemskapAdmin(ModelAdmin):
    form = MedlemskapForm
    list_display = ["medlem", "medlemstyp", "forbund", "intrade", "uppsagd", "uttrade"]
    list_filter = ["medlemstyp", "forbund__lan"]
    search_fields = [
        "forbund__namn",
        "forbund__organisationsnummer",
        "kommun__namn",
        "region__namn",
    ]
    autocomplete_fields = ["forbund", "kommun", "region"]
    inlines = [MedlemsbidragInline]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Medlemskap]:
        # Every page names memberships by their party (__str__): list, change form, delete.
        return super().get_queryset(request).select_related("forbund", "kommun", "region")

    @admin.display(description="medlem")
    def medlem(self, obj: Medlemskap) -> str:
        return obj.part_namn

    def save_model(self, request, obj, form, change) -> None:
        super().save_model(request, obj, form, change)
        self._warn_if_incomplete(request, obj.forbund)

    def delete_model(self, request, obj) -> None:
        super().delete_model(request, obj)
        self._warn_if_incomplete(request, obj.forbund)

    def _warn_if_incomplete(self, request: HttpRequest, forbund: Forbund) -> None:
        # Edited one at a time, a membership cannot be checked as part of the whole (see
        # MedlemskapFormSet), so the administrator is told instead of stopped.
        if missing := forbund.missing_medlemstyper():
            messages.warning(
                request, f"{forbund} saknar nu aktivt medlemskap för: {', '.join(missing)}."
            )


class MedlemskapChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Medlemskap) -> str:
        # A membership's own name ("Försäkringskassan") says nothing without its förbund.
        return f"{obj.forbund}: {obj.part_namn} (från {obj.intrade:%Y-%m-%d})"


@admin.register(Medlemsbidrag)
class MedlemsbidragAdmin(ModelAdmin):
    list_display = ["medlemskap", "forbund", "ar", "beslutat", "inbetalt"]
    list_select_related = ["medlemskap__forbund", "medlemskap__kommun", "medlemskap__region"]
    list_filter = ["ar", "medlemskap__medlemstyp", "medlemskap__forbund__lan"]
    search_fields = [
        "medlemskap__forbund__namn",
        "medlemskap__kommun__namn",
        "medlemskap__region__namn",
    ]

    @admin.display(description="förbund", ordering="medlemskap__forbund__namn")
    def forbund(self, obj: Medlemsbidrag) -> Forbund:
        return obj.medlemskap.forbund

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "medlemskap":
            kwargs["queryset"] = Medlemskap.objects.select_related("forbund", "kommun", "region")
            kwargs["form_class"] = MedlemskapChoiceField
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


# Accounts and roles


class UppdragForm(forms.ModelForm):
    class Meta:
        model = Uppdrag
        fields = ["user", "roll", "forbund"]

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        roll, forbund = cleaned.get("roll"), cleaned.get("forbund")
        if roll in Uppdrag.FORBUND_ROLES and not forbund:
            self.add_error("forbund", "Rollen gäller i ett förbund: välj vilket.")
        elif roll and roll not in Uppdrag.FORBUND_ROLES and forbund:
            self.add_error("forbund", "Rollen gäller alla förbund: lämna fältet tomt.")
        return cleaned


class UppdragInline(Inline):
    model = Uppdrag
    form = UppdragForm
    fields = ["roll", "forbund", "skapad"]
    readonly_fields = ["skapad"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Uppdrag]:
        return super().get_queryset(request).select_related("forbund")


@admin.register(User)
class UserAdmin(AdministratorPermissions, auth_admin.UserAdmin):
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        ("Person", {"fields": ("first_name", "last_name", "email")}),
        ("Arbetsgivare", {"fields": ("arbetsgivartyp", "arbetsgivare")}),
        (
            "Behörighet",
            {
                "fields": ("is_active", "is_superuser"),
                "description": "Vad användaren når bestäms av uppdragen nedan. Uppdraget "
                "Administratör (eller superanvändare) ger tillgång till administrationen.",
            },
        ),
        ("Viktiga datum", {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": ("username", "usable_password", "password1", "password2"),
            },
        ),
        ("Person", {"fields": ("first_name", "last_name", "email")}),
        ("Arbetsgivare", {"fields": ("arbetsgivartyp", "arbetsgivare")}),
    )
    list_display = ["username", "first_name", "last_name", "arbetsgivare", "roller", "is_active"]
    list_filter = ["is_active", "uppdrag__roll", "arbetsgivartyp", "is_superuser"]
    search_fields = ["username", "first_name", "last_name", "email", "arbetsgivare"]
    filter_horizontal = ()
    inlines = [UppdragInline]

    def get_queryset(self, request: HttpRequest) -> QuerySet[User]:
        return (
            super()
            .get_queryset(request)
            .prefetch_related(Prefetch("uppdrag", Uppdrag.objects.select_related("forbund")))
        )

    @admin.display(description="uppdrag")
    def roller(self, obj: User) -> str:
        return "; ".join(str(uppdrag) for uppdrag in obj.uppdrag.all())


@admin.register(Uppdrag)
class UppdragAdmin(ModelAdmin):
    form = UppdragForm
    list_display = ["user", "roll", "forbund", "skapad"]
    list_select_related = ["user", "forbund"]
    list_filter = ["roll", "forbund__lan"]
    search_fields = ["user__username", "user__first_name", "user__last_name", "forbund__namn"]
    autocomplete_fields = ["user", "forbund"]
    date_hierarchy = "skapad"


# Other apps' models. Groups are not used: roles come from uppdrag.
admin.site.unregister(Group)
admin.site.unregister(TOTPDevice)
# Recovery codes are stored as django-otp keeps them; nobody but their owner sees them.
admin.site.unregister(StaticDevice)


@admin.register(TOTPDevice)
class TOTPDeviceAdmin(ModelAdmin):
    """Lists the authenticators. A lost one is replaced from the account's page in Finsam
    ("Återställ autentiseringsapp"), which also mails the activation link for a new one.

    The key is never shown: whoever has seen it can make the user's codes.
    """

    administrator_may = frozenset({"view", "delete"})
    list_display = ["user", "name", "confirmed", "created_at", "last_used_at"]
    list_select_related = ["user"]
    list_filter = ["confirmed"]
    search_fields = ["user__username", "user__first_name", "user__last_name"]
    fields = readonly_fields = ("user", "name", "confirmed", "created_at", "last_used_at")


def _open_to_administrators(model, may: frozenset[str]) -> None:
    """Re-register another app's admin with the Administratör's permissions."""
    if not admin.site.is_registered(model):
        return
    base = type(admin.site.get_model_admin(model))
    admin.site.unregister(model)
    admin.site.register(
        model, type(base.__name__, (AdministratorPermissions, base), {"administrator_may": may})
    )


# django-axes registers its admin before ours (it comes first in INSTALLED_APPS).
# Deleting an attempt lifts a lockout; the logs are for reading.
_open_to_administrators(AccessAttempt, frozenset({"view", "delete"}))
_open_to_administrators(AccessLog, frozenset({"view"}))
_open_to_administrators(AccessFailureLog, frozenset({"view"}))


@admin.register(ApiNyckel)
class ApiNyckelAdmin(ModelAdmin):
    """The users' API keys: the administratör sees them and may revoke one (set
    "återkallad"); a key is made by its user only, and its hash is never shown."""

    administrator_may = frozenset({"view", "change"})
    list_display = [
        "namn",
        "user",
        "prefix",
        "skapad",
        "giltig_till",
        "aterkallad",
        "senast_anvand",
    ]
    list_select_related = ["user"]
    search_fields = ["namn", "prefix", "user__username"]
    fields = ["user", "namn", "prefix", "skapad", "giltig_till", "senast_anvand", "aterkallad"]
    readonly_fields = ["user", "namn", "prefix", "skapad", "giltig_till", "senast_anvand"]


@admin.register(Apianrop)
class ApianropAdmin(ModelAdmin):
    """The log of API calls, for reading."""

    administrator_may = frozenset({"view"})
    list_display = ["tid", "user", "nyckel", "metod", "sokvag", "status"]
    list_select_related = ["user", "nyckel"]
    list_filter = ["status"]
    search_fields = ["user__username", "sokvag"]
    date_hierarchy = "tid"
