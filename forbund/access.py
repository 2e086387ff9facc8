"""Who may reach what: roles, assignments and the förbund-level rules.

Every view reaches tenant data through a QuerySet method (`Forbund.objects.for_user`,
`Insats.objects.for_user`, `Deltagande.objects.for_user`, ...). The rules on förbund and
accounts are here; the rules scoping insatser and deltaganden live with those apps
(`insatser.access`, `deltagare.access`), stated on the primitives below (`roles`,
`forbund_ids`, `handlaggare_uppdrag_ids`), so that forbund knows no field of theirs.
Anything outside a user's reach answers 404.
"""

from __future__ import annotations

from typing import Literal

from django.db.models import Q

from .choices import Roll

Action = Literal[
    "registry_read",
    "contributions_write",
    "forbund_admin",
    "handlaggare",
    "insats_list",
    "deltaganden_pseudonym",
]

# What each role may do with a förbund's data, per spec/product.md. `insats_list`: open
# the förbund's insats list (it shows only the insatser the user reaches);
# `deltaganden_pseudonym`: the förbund's deltaganden pseudonymised (list, export, import).
_ALL_FORBUND: dict[str, set[str]] = {
    "registry_read": {Roll.ADMINISTRATOR, Roll.NATIONELLA_RADET},
    "contributions_write": {Roll.ADMINISTRATOR},
    "forbund_admin": {Roll.ADMINISTRATOR},
    "handlaggare": set(),
    "insats_list": {Roll.ADMINISTRATOR},
    "deltaganden_pseudonym": set(),
}
_OWN_FORBUND: dict[str, set[str]] = {
    "registry_read": {Roll.FORBUNDSADMINISTRATOR},
    "contributions_write": {Roll.FORBUNDSADMINISTRATOR},
    "forbund_admin": {Roll.FORBUNDSADMINISTRATOR},
    "handlaggare": {Roll.HANDLAGGARE},
    "insats_list": {Roll.FORBUNDSADMINISTRATOR, Roll.HANDLAGGARE},
    "deltaganden_pseudonym": {Roll.FORBUNDSADMINISTRATOR},
}


def roles(user) -> set[str]:
    if not getattr(user, "is_authenticated", False):
        return set()
    found = set(user.roller())
    if user.is_superuser:
        found.add(Roll.ADMINISTRATOR)
    return found


def is_administrator(user) -> bool:
    return Roll.ADMINISTRATOR in roles(user)


def is_nationella_radet(user) -> bool:
    return Roll.NATIONELLA_RADET in roles(user)


def _forbund_uppdrag(user, *roller: str) -> list:
    """The user's assignments of today in a förbund, in one of the roles."""
    if not getattr(user, "is_authenticated", False):
        return []
    return [u for u in user.active_uppdrag() if u.roll in roller and u.forbund_id]


def forbund_ids(user, *roller: str) -> set[int]:
    """Ids of the förbund where the user holds one of the roles."""
    return {u.forbund_id for u in _forbund_uppdrag(user, *roller)}


def reaches_all_forbund(user, action: Action) -> bool:
    return bool(roles(user) & _ALL_FORBUND[action])


def forbund_filter(user, action: Action, field: str = "pk") -> Q:
    """A filter on Forbund (or on `field` pointing at a förbund) for what `action` allows."""
    if reaches_all_forbund(user, action):
        return Q()
    return Q(**{f"{field}__in": forbund_ids(user, *_OWN_FORBUND[action])})


def can_read_registry(user) -> bool:
    return may(user, "registry_read")


def may(user, action: Action) -> bool:
    """Whether `action` reaches at least one förbund for the user."""
    return reaches_all_forbund(user, action) or bool(forbund_ids(user, *_OWN_FORBUND[action]))


def requires_two_factor(user) -> bool:
    """Accounts that can see personal data, or grant access to it, must use TOTP."""
    return (
        bool(roles(user) & {Roll.HANDLAGGARE, Roll.ADMINISTRATOR, Roll.PERSONUPPGIFTSANSVARIG})
        or user.is_staff
    )


def handlaggare_uppdrag_ids(user) -> list[int]:
    """Ids of the user's handläggare assignments; insatser are linked to these."""
    if not getattr(user, "is_authenticated", False):
        return []
    return [u.pk for u in user.active_uppdrag() if u.roll == Roll.HANDLAGGARE]


_NOTHING = Q(pk__in=[])


# Reports (spec/product.md, Reports): the administratör all scopes; Nationella rådet
# `nationell`, `lan` and any förbund, always suppressed; a förbundsadministratör the own
# förbund; a handläggare none.


def report_forbund_filter(user, field: str = "pk") -> Q:
    """Förbund whose report the user may order."""
    if is_administrator(user) or is_nationella_radet(user):
        return Q()
    return Q(**{f"{field}__in": forbund_ids(user, Roll.FORBUNDSADMINISTRATOR)})


def can_order_reports(user) -> bool:
    return (
        is_administrator(user)
        or is_nationella_radet(user)
        or bool(forbund_ids(user, Roll.FORBUNDSADMINISTRATOR))
    )


def report_wide_scopes(user) -> bool:
    """Whether the user may order `lan` and `nationell` reports."""
    return is_administrator(user) or is_nationella_radet(user)


def report_always_suppressed(user) -> bool:
    return is_nationella_radet(user) and not is_administrator(user)


def may_receive_report(user, *, omfattning: str, kod: str, undertryck: bool) -> bool:
    """Whether the user may have this report now, by the user's roles of today.

    Asked at every download as well as at the order: a förbundsadministratör moved to
    another förbund no longer gets the old förbund's report, and Nationella rådet never
    gets one with small counts shown, whoever ordered it.
    """
    if not can_order_reports(user):
        return False
    if not undertryck and report_always_suppressed(user):
        return False
    if omfattning != "forbund" or report_wide_scopes(user):
        return report_wide_scopes(user)
    # The own förbund, by the assignments (their förbund come with them: no query).
    egna = _forbund_uppdrag(user, Roll.FORBUNDSADMINISTRATOR)
    return kod in {u.forbund.organisationsnummer for u in egna}


# Accounts ("Användare och behörigheter"): the administratör creates and edits every
# account and assignment; a förbundsadministratör sees the accounts with an assignment in
# the own förbund (what access they have there, and the log of it) and manages the
# handläggare assignments there: which insatser, from and until when.


def can_manage_accounts(user) -> bool:
    return is_administrator(user) or bool(forbund_ids(user, Roll.FORBUNDSADMINISTRATOR))


def can_edit_accounts(user) -> bool:
    """Create accounts, edit names and e-mail, deactivate, grant any role."""
    return is_administrator(user)


def account_filter(user) -> Q:
    """A filter on User: the accounts the user may see in the account pages.

    Crosses the many-valued assignment relation: apply it as a semi-join.
    """
    if is_administrator(user):
        return Q()
    own = forbund_ids(user, Roll.FORBUNDSADMINISTRATOR)
    return Q(uppdrag__forbund__in=own) if own else _NOTHING


def uppdrag_read_filter(user, *, prefix: str = "") -> Q:
    """A filter on Uppdrag (or on a model reaching one through `prefix`): the assignments
    the user sees in the account pages."""
    if is_administrator(user):
        return Q()
    own = forbund_ids(user, Roll.FORBUNDSADMINISTRATOR)
    return Q(**{f"{prefix}forbund__in": own}) if own else _NOTHING


def uppdrag_write_filter(user) -> Q:
    """A filter on Uppdrag: the assignments the user may change or end."""
    if is_administrator(user):
        return Q()
    own = forbund_ids(user, Roll.FORBUNDSADMINISTRATOR)
    return Q(roll=Roll.HANDLAGGARE, forbund__in=own) if own else _NOTHING


def grantable_roles(user) -> list[str]:
    """The roles the user may give an account, in the order of the code list."""
    if is_administrator(user):
        return list(Roll.values)
    if forbund_ids(user, Roll.FORBUNDSADMINISTRATOR):
        return [Roll.HANDLAGGARE]
    return []


def grant_forbund_filter(user, field: str = "pk") -> Q:
    """A filter on Forbund: where the user may give an account a förbund role."""
    return forbund_filter(user, "forbund_admin", field)


# Year-end approval (issue 14): a förbundsadministratör approves the own förbund's year;
# the approval page (and a reopening) is the förbundsadministratör's and the
# administratör's; the overview of the approval state is also Nationella rådet's, of every
# förbund (a förbundsadministratör's overview shows the own förbund).


def godkannande_forbund_filter(user, field: str = "pk") -> Q:
    """Förbund whose approval page the user may open, and whose year the user may reopen."""
    return forbund_filter(user, "forbund_admin", field)


def can_approve(user, forbund) -> bool:
    return forbund.pk in forbund_ids(user, Roll.FORBUNDSADMINISTRATOR)


def godkannande_oversikt_filter(user, field: str = "pk") -> Q | None:
    """Förbund in the user's overview of approved years; None when the user has none."""
    if is_administrator(user) or is_nationella_radet(user):
        return Q()
    own = forbund_ids(user, Roll.FORBUNDSADMINISTRATOR)
    return Q(**{f"{field}__in": own}) if own else None
