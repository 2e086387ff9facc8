"""Account and assignment changes; each one is written to the access log (Behorighetslogg)."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from forbund.account_services import end_sessions, log_behorighet
from forbund.models import Behorighetslogg, Forbund, Uppdrag, User

Handelse = Behorighetslogg.Handelse

ACCOUNT_FIELDS = ["first_name", "last_name", "email", "username", "arbetsgivartyp", "arbetsgivare"]


def _period(startdatum: dt.date, slutdatum: dt.date | None) -> str:
    return f"från {startdatum:%Y-%m-%d}" + (f" till {slutdatum:%Y-%m-%d}" if slutdatum else "")


@transaction.atomic
def create_account(*, by: User, fields: dict[str, str], uppdrag: dict | None = None) -> User:
    """A new account without a usable password (it is set through the activation link),
    with its first assignment if given; both logged."""
    user = User(**{name: fields.get(name, "") for name in ACCOUNT_FIELDS})
    user.set_unusable_password()
    user.save()
    log_behorighet(
        by=by,
        anvandare=user,
        handelse=Handelse.KONTO_SKAPAT,
        beskrivning=f"Användarnamn {user.username}.",
    )
    if uppdrag is not None:
        add_uppdrag(by=by, user=user, **uppdrag)
    return user


@transaction.atomic
def update_account(*, by: User, user: User, changed: dict[str, tuple[str, str]]) -> None:
    """Save the account; `changed` maps each changed field's label to (old, new) for the log."""
    user.save()
    if changed:
        log_behorighet(
            by=by,
            anvandare=user,
            handelse=Handelse.KONTO_ANDRAT,
            beskrivning="; ".join(
                f"{label}: {old or '–'} → {new or '–'}" for label, (old, new) in changed.items()
            )
            + ".",
        )


@transaction.atomic
def set_account_active(*, by: User, user: User, active: bool) -> None:
    """Deactivating ends the account's access at once: the next request of any of its
    sessions is anonymous (Django's backend refuses inactive users) and its sessions are
    removed."""
    if user.is_active == active:
        return
    user.is_active = active
    user.save(update_fields=["is_active"])
    if not active:
        end_sessions(user=user)
    log_behorighet(
        by=by,
        anvandare=user,
        handelse=Handelse.KONTO_AKTIVERAT if active else Handelse.KONTO_AVAKTIVERAT,
    )


@transaction.atomic
def add_uppdrag(
    *,
    by: User,
    user: User,
    roll: str,
    forbund: Forbund | None,
    startdatum: dt.date,
    slutdatum: dt.date | None = None,
) -> Uppdrag:
    uppdrag = Uppdrag.objects.create(
        user=user, roll=roll, forbund=forbund, startdatum=startdatum, slutdatum=slutdatum
    )
    log_behorighet(
        by=by,
        anvandare=user,
        forbund=forbund,
        handelse=Handelse.UPPDRAG_TILLAGT,
        beskrivning=f"{uppdrag}, {_period(startdatum, slutdatum)}.",
    )
    return uppdrag


@transaction.atomic
def update_uppdrag_period(
    *, by: User, uppdrag: Uppdrag, startdatum: dt.date, slutdatum: dt.date | None
) -> None:
    if (uppdrag.startdatum, uppdrag.slutdatum) == (startdatum, slutdatum):
        return
    before = _period(uppdrag.startdatum, uppdrag.slutdatum)
    uppdrag.startdatum, uppdrag.slutdatum = startdatum, slutdatum
    uppdrag.save(update_fields=["startdatum", "slutdatum"])
    log_behorighet(
        by=by,
        anvandare=uppdrag.user,
        forbund=uppdrag.forbund,
        handelse=Handelse.UPPDRAG_ANDRAT,
        beskrivning=f"{uppdrag}: {before} → {_period(startdatum, slutdatum)}.",
    )


@transaction.atomic
def end_uppdrag(*, by: User, uppdrag: Uppdrag) -> None:
    """End the assignment today: from this moment the user no longer has it."""
    today = timezone.localdate()
    if uppdrag.slutdatum is not None and uppdrag.slutdatum <= today:
        return
    # An assignment that had not started yet ends before it begins.
    uppdrag.slutdatum = max(today, uppdrag.startdatum)
    uppdrag.save(update_fields=["slutdatum"])
    log_behorighet(
        by=by,
        anvandare=uppdrag.user,
        forbund=uppdrag.forbund,
        handelse=Handelse.UPPDRAG_AVSLUTAT,
        beskrivning=f"{uppdrag}, slutdatum {uppdrag.slutdatum:%Y-%m-%d}.",
    )
