"""Who may reach what: the one place where access is decided.

Every view reaches tenant data through a QuerySet method that calls into this
module (`Forbund.objects.for_user`, later `Insats.objects.for_user`, ...).
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


def forbund_ids(user, *roller: str) -> set[int]:
    """Ids of the förbund where the user holds one of the roles."""
    if not getattr(user, "is_authenticated", False):
        return set()
    return {u.forbund_id for u in user.active_uppdrag() if u.roll in roller and u.forbund_id}


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


def can_open_insatser(user) -> bool:
    """Whether the user has an insats list to open (see `insats_forbund_filter`)."""
    return may(user, "insats_list")


def can_write_insatser(user) -> bool:
    """Whether the user creates insatser and keeps an economy somewhere
    (see `insats_write_forbund_filter`)."""
    return may(user, "forbund_admin")


def can_import_deltaganden(user) -> bool:
    """Whether the user may import deltaganden somewhere (see `deltagande_import_filter`)."""
    return bool(handlaggare_uppdrag_ids(user)) or bool(
        forbund_ids(user, Roll.FORBUNDSADMINISTRATOR)
    )


def requires_two_factor(user) -> bool:
    """Accounts that can see personal data, or grant access to it, must use TOTP."""
    return (
        bool(roles(user) & {Roll.HANDLAGGARE, Roll.ADMINISTRATOR, Roll.PERSONUPPGIFTSANSVARIG})
        or user.is_staff
    )


# Insatser. The rules are stated on string field paths so that forbund never
# imports insatser (imports run forbund <- insatser <- deltagare <- rapporter).

InsatsAction = Literal["insats_read", "insats_write", "counts_write"]


def handlaggare_uppdrag_ids(user) -> list[int]:
    """Ids of the user's handläggare assignments; insatser are linked to these."""
    if not getattr(user, "is_authenticated", False):
        return []
    return [u.pk for u in user.active_uppdrag() if u.roll == Roll.HANDLAGGARE]


def insats_filter(user, action: InsatsAction, *, prefix: str = "") -> Q:
    """A filter on Insats (or on a model reaching one through `prefix`, e.g. "insats__").

    - administratör: every insats;
    - förbundsadministratör: the own förbund's insatser, to read and write;
    - handläggare: reads the insatser they are assigned to, and enters their counts
      (volume and strukturdeltagare registrations), but edits nothing else;
    - Nationella rådet: none (aggregates only).

    The handläggare's branch crosses the many-valued assignment relation
    (`<prefix>handlaggare`): apply the Q as a semi-join (`pk__in=...values("pk")`),
    or the rows of an insats with several handläggare repeat.
    """
    if is_administrator(user):
        return Q()
    q = Q(**{f"{prefix}forbund__in": forbund_ids(user, Roll.FORBUNDSADMINISTRATOR)})
    assigned = handlaggare_uppdrag_ids(user)
    if action != "insats_write" and assigned:
        q |= Q(**{f"{prefix}handlaggare__in": assigned})
    return q


def insats_forbund_filter(user, field: str = "pk") -> Q:
    """Förbund whose insats list the user may open (it shows only the insatser they reach)."""
    return forbund_filter(user, "insats_list", field)


def insats_write_forbund_filter(user, field: str = "pk") -> Q:
    """Förbund where the user may create and edit insatser and keep the economy (budget and
    utfall of all insatser and of the administration): all for the administratör, the own
    förbund for a förbundsadministratör."""
    return forbund_filter(user, "forbund_admin", field)


# Deltaganden. Per spec/product.md: the handläggare of an insats work with personal
# data; a förbundsadministratör sees the förbund's deltaganden pseudonymised; the
# administratör and Nationella rådet see no deltaganden at all.

DeltagandeAction = Literal["personal", "pseudonym"]

_NOTHING = Q(pk__in=[])


def deltagande_filter(user, action: DeltagandeAction, *, prefix: str = "") -> Q:
    """A filter on Deltagande (or a model reaching one through `prefix`).

    Crosses the many-valued assignment relation: apply it as a semi-join.
    """
    return deltagande_insats_filter(user, action, prefix=f"{prefix}insats__")


def deltagande_insats_filter(user, action: DeltagandeAction, *, prefix: str = "") -> Q:
    """The same rule stated on the Insats: which insatser's deltaganden the user may see
    (it depends on nothing else), for a semi-join on the insats rather than on every
    deltagande. Crosses the assignment relation as `deltagande_filter` does."""
    q = _NOTHING
    assigned = handlaggare_uppdrag_ids(user)
    if assigned:
        q |= Q(**{f"{prefix}handlaggare__in": assigned})
    if action == "pseudonym":
        own = forbund_ids(user, Roll.FORBUNDSADMINISTRATOR)
        if own:
            q |= Q(**{f"{prefix}forbund__in": own})
    return q


def can_see_personal_data(user) -> bool:
    return bool(handlaggare_uppdrag_ids(user))


# The register extract (registerutdrag, GDPR art. 15). A handläggare may take out what
# they may see anyway: the person's deltaganden in their own insatser, and nothing of the
# others (not even that they exist). The full extract, everything the förbund holds on the
# person, goes to the citizen; it needs a reader who may see every insats's personal data.
# No existing role may: a förbundsadministratör never sees personal data (spec/product.md,
# Roles) and the administratör sees no deltaganden. So the förbund names a
# personuppgiftsansvarig (Roll.PERSONUPPGIFTSANSVARIG), who produces full extracts of the
# förbund's persons, each one logged, and reaches personal data nowhere else.


def registerutdrag_forbund_ids(user) -> set[int]:
    """Förbund whose persons the user may take a full register extract of."""
    return forbund_ids(user, Roll.PERSONUPPGIFTSANSVARIG)


def registerutdrag_filter(user, *, prefix: str = "") -> Q:
    """A filter on Deltagande (or a model reaching one through `prefix`): what a register
    extract by this user shows. A semi-join, as deltagande_filter."""
    q = deltagande_filter(user, "personal", prefix=prefix)
    if full := registerutdrag_forbund_ids(user):
        q |= Q(**{f"{prefix}insats__forbund__in": full})
    return q


def can_take_registerutdrag(user) -> bool:
    return can_see_personal_data(user) or bool(registerutdrag_forbund_ids(user))


def deltagande_import_filter(user, *, personal: bool) -> Q:
    """A filter on Insats: where the user may import deltaganden (spec/product.md, Import):
    with personnummer only as the insats's handläggare; anonymous rows also as the
    förbundsadministratör of the förbund. The administratör imports no deltaganden."""
    q = _NOTHING
    assigned = handlaggare_uppdrag_ids(user)
    if assigned:
        q |= Q(handlaggare__in=assigned)
    if not personal:
        own = forbund_ids(user, Roll.FORBUNDSADMINISTRATOR)
        if own:
            q |= Q(forbund__in=own)
    return q


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
    if omfattning != "forbund":
        return report_wide_scopes(user)
    from .models import Forbund

    return Forbund.objects.filter(report_forbund_filter(user), organisationsnummer=kod).exists()


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
