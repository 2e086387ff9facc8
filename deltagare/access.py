"""Who reaches which deltaganden, stated on the roles and assignments of `forbund.access`
and the insats rules of `insatser.access` (`Deltagande.objects.for_user` applies them).

Per spec/product.md: the handläggare of an insats work with personal data; a
förbundsadministratör sees the förbund's deltaganden pseudonymised; the administratör and
Nationella rådet see no deltaganden at all.

The register extract (registerutdrag, GDPR art. 15): a handläggare may take out what they
may see anyway, the person's deltaganden in their own insatser, and nothing of the others
(not even that they exist). The full extract, everything the förbund holds on the person,
goes to the citizen; it needs a reader who may see every insats's personal data. No
existing role may: a förbundsadministratör never sees personal data and the administratör
sees no deltaganden. So the förbund names a personuppgiftsansvarig
(`Roll.PERSONUPPGIFTSANSVARIG`), who produces full extracts of the förbund's persons, each
one logged, and reaches personal data nowhere else.
"""

from __future__ import annotations

from typing import Any, Literal

from django.db.models import Q

from forbund import access
from forbund.choices import Roll
from insatser.access import assigned_filter

DeltagandeAction = Literal["personal", "pseudonym"]

_NOTHING = Q(pk__in=[])


def can_see_personal_data(user: Any) -> bool:
    """Whether the user is handläggare somewhere, and so sees personal data there."""
    return bool(access.handlaggare_uppdrag_ids(user))


def registerutdrag_forbund_ids(user: Any) -> set[int]:
    """Förbund whose persons the user may take a full register extract of."""
    return access.forbund_ids(user, Roll.PERSONUPPGIFTSANSVARIG)


def can_take_registerutdrag(user: Any) -> bool:
    return can_see_personal_data(user) or bool(registerutdrag_forbund_ids(user))


def can_import_deltaganden(user: Any) -> bool:
    """Whether the user may import deltaganden somewhere (see `import_insats_filter`)."""
    return can_see_personal_data(user) or bool(access.forbund_ids(user, Roll.FORBUNDSADMINISTRATOR))


def _own_forbund(user: Any, *, prefix: str) -> Q | None:
    """Insatser (through `prefix`) of the förbund the user is förbundsadministratör of."""
    own = access.forbund_ids(user, Roll.FORBUNDSADMINISTRATOR)
    return Q(**{f"{prefix}forbund__in": own}) if own else None


def _any(*filters: Q | None) -> Q:
    """The union of the filters that are not None; nothing when all are."""
    q = _NOTHING
    for f in filters:
        if f is not None:
            q |= f
    return q


def deltagande_filter(user: Any, action: DeltagandeAction, *, prefix: str = "") -> Q:
    """A filter on Deltagande (or a model reaching one through `prefix`): with personal
    data for the insats's handläggare; pseudonymised also for the förbundsadministratör.

    Crosses the many-valued assignment relation: apply it as a semi-join.
    """
    return deltagande_insats_filter(user, action, prefix=f"{prefix}insats__")


def deltagande_insats_filter(user: Any, action: DeltagandeAction, *, prefix: str = "") -> Q:
    """The same rule stated on the Insats: which insatser's deltaganden the user may see
    (it depends on nothing else), for a semi-join on the insats rather than on every
    deltagande (`DeltagandeQuerySet.for_user`). Crosses the assignment relation as
    `deltagande_filter` does."""
    return _any(
        assigned_filter(user, prefix=prefix),
        _own_forbund(user, prefix=prefix) if action == "pseudonym" else None,
    )


def registerutdrag_filter(user: Any, *, prefix: str = "") -> Q:
    """A filter on Deltagande (or a model reaching one through `prefix`): what a register
    extract by this user shows. A semi-join, as deltagande_filter."""
    full = registerutdrag_forbund_ids(user)
    return _any(
        deltagande_filter(user, "personal", prefix=prefix),
        Q(**{f"{prefix}insats__forbund__in": full}) if full else None,
    )


def import_insats_filter(user: Any, *, personal: bool) -> Q:
    """A filter on Insats: where the user may import deltaganden (spec/product.md, Import):
    with personnummer only as the insats's handläggare; anonymous rows also as the
    förbundsadministratör of the förbund. The administratör imports no deltaganden."""
    return _any(
        assigned_filter(user),
        None if personal else _own_forbund(user, prefix=""),
    )
