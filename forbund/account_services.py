"""Account security with side effects: the access log of account changes, the
one-time links sent by e-mail (activation, new password) and the users' API keys."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from finsam.lib.mail import send_templated_mail

from .models import ApiNyckel, Behorighetslogg, Engangslank, Forbund, Kontosession, User


def log_behorighet(
    *,
    by: User | None,
    anvandare: User,
    handelse: str,
    forbund: Forbund | None = None,
    beskrivning: str = "",
) -> Behorighetslogg:
    """Record a change to an account or its access (who, when, what); the log is append-only."""
    return Behorighetslogg.objects.create(
        utford_av=by if by is not None and by.is_authenticated else None,
        anvandare=anvandare,
        forbund=forbund,
        handelse=handelse,
        beskrivning=beskrivning,
    )


# --- One-time links by e-mail -----------------------------------------------------------

_LINK_MAILS = {
    Engangslank.Syfte.AKTIVERING: (
        "Aktivera ditt konto i Finsam",
        "mail/aktivering",
        "konto:aktivera",
        "FINSAM_AKTIVERING_GILTIG_TIMMAR",
    ),
    Engangslank.Syfte.NYTT_LOSENORD: (
        "Välj ett nytt lösenord i Finsam",
        "mail/nytt_losenord",
        "konto:nytt_losenord",
        "FINSAM_NYTT_LOSENORD_GILTIG_TIMMAR",
    ),
}


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@transaction.atomic
def create_engangslank(*, user: User, syfte: Engangslank.Syfte) -> str:
    """A new one-time link of the kind for the user; earlier unused ones of that kind stop
    working. Returns the link's secret (only its hash is stored)."""
    now = timezone.now()
    user.engangslankar.filter(syfte=syfte, anvand__isnull=True).update(anvand=now)
    token = secrets.token_urlsafe(32)
    hours = getattr(settings, _LINK_MAILS[syfte][3])
    Engangslank.objects.create(
        user=user,
        syfte=syfte,
        token_hash=_token_hash(token),
        skapad=now,
        giltig_till=now + dt.timedelta(hours=hours),
    )
    return token


def send_engangslank(*, user: User, syfte: Engangslank.Syfte, base_url: str) -> None:
    """Create a one-time link and mail it to the user. The mail names nobody but the
    recipient. Raises on a mail server error; the link then simply goes unused."""
    subject, template, url_name, hours_setting = _LINK_MAILS[syfte]
    token = create_engangslank(user=user, syfte=syfte)
    send_templated_mail(
        to=user.email,
        subject=subject,
        template=template,
        context={
            "namn": user.get_full_name() or user.username,
            "username": user.username,
            "url": base_url.rstrip("/") + reverse(url_name, args=[token]),
            "timmar": getattr(settings, hours_setting),
        },
    )


def find_engangslank(*, token: str, syfte: Engangslank.Syfte) -> Engangslank | None:
    """The usable link for the secret (unused, not expired, of the kind), or None."""
    return (
        Engangslank.objects.usable()
        .filter(syfte=syfte, token_hash=_token_hash(token), user__is_active=True)
        .select_related("user")
        .first()
    )


def use_engangslank(link: Engangslank) -> bool:
    """Mark the link used; False if another request used it first."""
    return bool(
        Engangslank.objects.filter(pk=link.pk, anvand__isnull=True).update(anvand=timezone.now())
    )


# --- Authenticators and recovery codes ----------------------------------------------------

RECOVERY_CODE_COUNT = 10
# No 0/o, 1/l/i: a code copied from paper must read one way.
_RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"
_RECOVERY_DEVICE = "Reservkoder"


def normalise_recovery_code(text: str) -> str | None:
    """A recovery code as typed (any case, with or without the hyphen) → as stored."""
    code = text.replace("-", "").replace(" ", "").lower()
    if len(code) == 8 and all(c in _RECOVERY_ALPHABET for c in code):
        return code
    return None


@transaction.atomic
def new_recovery_codes(*, user: User) -> list[str]:
    """Ten new single-use recovery codes (django-otp static tokens); earlier ones stop
    working. Returned for showing once, as abcd-efgh."""
    from django_otp.plugins.otp_static.models import StaticDevice

    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name=_RECOVERY_DEVICE, confirmed=True)
    codes = [
        "".join(secrets.choice(_RECOVERY_ALPHABET) for _ in range(8))
        for _ in range(RECOVERY_CODE_COUNT)
    ]
    device.token_set.bulk_create(device.token_set.model(device=device, token=c) for c in codes)
    return [f"{c[:4]}-{c[4:]}" for c in codes]


def recovery_codes_left(*, user: User) -> int:
    from django_otp.plugins.otp_static.models import StaticToken

    return StaticToken.objects.filter(device__user=user).count()


def remove_authenticators(*, user: User) -> None:
    """Remove the user's authenticator apps and recovery codes."""
    from django_otp.plugins.otp_static.models import StaticDevice
    from django_otp.plugins.otp_totp.models import TOTPDevice

    TOTPDevice.objects.filter(user=user).delete()
    StaticDevice.objects.filter(user=user).delete()


@transaction.atomic
def reset_authenticator(*, by: User, user: User, base_url: str) -> None:
    """The administratör's reset of a lost authenticator: the app and the recovery codes are
    removed, the sessions ended, and a new activation link mailed. Logged; the
    administratör never sees the authenticator or the link."""
    remove_authenticators(user=user)
    end_sessions(user=user)
    log_behorighet(
        by=by, anvandare=user, handelse=Behorighetslogg.Handelse.AUTENTISERING_ATERSTALLD
    )
    send_activation(by=by, user=user, base_url=base_url)


def send_activation(*, by: User, user: User, base_url: str) -> None:
    """Mail a new activation link (72 hours, once), logged. Raises on a mail server error."""
    log_behorighet(by=by, anvandare=user, handelse=Behorighetslogg.Handelse.AKTIVERINGSLANK_SKICKAD)
    send_engangslank(user=user, syfte=Engangslank.Syfte.AKTIVERING, base_url=base_url)


# --- Sessions -----------------------------------------------------------------------------


def end_sessions(*, user: User, keep: str | None = None) -> int:
    """End the user's sessions (all, or all but the session key `keep`)."""
    sessions = Kontosession.objects.filter(user=user)
    if keep:
        sessions = sessions.exclude(session_key=keep)
    count, _ = sessions.delete()
    return count


def active_sessions(*, user: User):
    return Kontosession.objects.filter(user=user, expire_date__gt=timezone.now()).order_by(
        "-inloggad"
    )


# --- API keys (the read-only report API, rapporter/api.py) --------------------------------

API_KEY_PREFIX = "finsam_"


def create_api_nyckel(*, user: User, namn: str, giltig_till: dt.date | None) -> str:
    """A new API key of the user's. Returns the key itself, which is stored only as a hash
    (SHA-256 of 32 random bytes: no password hash is needed for a secret that cannot be
    guessed) and so can be shown this once."""
    token = API_KEY_PREFIX + secrets.token_urlsafe(32)
    ApiNyckel.objects.create(
        user=user,
        namn=namn,
        prefix=token[: len(API_KEY_PREFIX) + 6],
        nyckel_hash=_token_hash(token),
        giltig_till=giltig_till,
    )
    return token


def find_api_nyckel(*, token: str) -> ApiNyckel | None:
    """The usable key for the secret (not revoked, not expired, of an active account)."""
    if not token.startswith(API_KEY_PREFIX):
        return None
    return (
        ApiNyckel.objects.usable()
        .filter(nyckel_hash=_token_hash(token))
        .select_related("user")
        .first()
    )


def revoke_api_nyckel(*, nyckel: ApiNyckel) -> bool:
    """Revoke the key at once; False if it was already revoked."""
    return bool(
        ApiNyckel.objects.filter(pk=nyckel.pk, aterkallad__isnull=True).update(
            aterkallad=timezone.now()
        )
    )
