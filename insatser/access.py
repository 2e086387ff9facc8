"""Who reaches which insatser: the insats-scoping rule, stated on the roles and
assignments of `forbund.access` (`Insats.objects.for_user` and its siblings apply it)."""

from __future__ import annotations

from typing import Any, Literal

from django.db.models import Q

from forbund import access
from forbund.choices import Roll

InsatsAction = Literal["insats_read", "insats_write", "counts_write"]


def can_open_insatser(user: Any) -> bool:
    """Whether the user has an insats list to open (see `insats_forbund_filter`)."""
    return access.may(user, "insats_list")


def can_write_insatser(user: Any) -> bool:
    """Whether the user creates insatser and keeps an economy somewhere
    (see `insats_write_forbund_filter`)."""
    return access.may(user, "forbund_admin")


def insats_forbund_filter(user: Any, field: str = "pk") -> Q:
    """Förbund whose insats list the user may open (it shows only the insatser they reach)."""
    return access.forbund_filter(user, "insats_list", field)


def insats_write_forbund_filter(user: Any, field: str = "pk") -> Q:
    """Förbund where the user may create and edit insatser and keep the economy (budget and
    utfall of all insatser and of the administration): all for the administratör, the own
    förbund for a förbundsadministratör."""
    return access.forbund_filter(user, "forbund_admin", field)


def insats_filter(user: Any, action: InsatsAction, *, prefix: str = "") -> Q:
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
    if access.is_administrator(user):
        return Q()
    q = Q(**{f"{prefix}forbund__in": access.forbund_ids(user, Roll.FORBUNDSADMINISTRATOR)})
    assigned = assigned_filter(user, prefix=prefix)
    if action != "insats_write" and assigned is not None:
        q |= assigned
    return q


def assigned_filter(user: Any, *, prefix: str = "") -> Q | None:
    """A filter on Insats (or through `prefix`): the insatser the user is handläggare of;
    None when the user has no handläggare assignment (so that no join is made for nothing).
    Crosses the many-valued assignment relation: apply it as a semi-join."""
    if assigned := access.handlaggare_uppdrag_ids(user):
        return Q(**{f"{prefix}handlaggare__in": assigned})
    return None
