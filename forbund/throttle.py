"""Login throttling on three counts (django-axes handler).

django-axes compares every lockout group with one limit. Finsam needs three:

- the (address, username) pair locks after AXES_FAILURE_LIMIT failures: a user mistyping;
- a username locks after AXES_USERNAME_FAILURE_LIMIT failures from any addresses: guessing
  one account's password from many addresses;
- an address locks after AXES_IP_FAILURE_LIMIT failures for any usernames (password
  spraying: one password tried on many accounts). A kommun's staff sit behind one NAT
  address, so the address lock spares the accounts that have signed in from that address
  before (axes' AccessLog): a sprayer is stopped, the colleagues who work there are not.
  The pair and username limits still hold for those accounts.

Only the pair is reset by a successful login (AXES_LOCKOUT_PARAMETERS): signing in to one's
own account must not wipe an address's or another account's failures.
"""

from __future__ import annotations

from axes.attempts import get_cool_off_threshold
from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_client_username
from axes.models import AccessAttempt, AccessLog
from django.conf import settings
from django.db.models import Sum


def _failures(request, **filters) -> int:
    attempts = AccessAttempt.objects.filter(**filters)
    if settings.AXES_COOLOFF_TIME is not None:
        attempts = attempts.filter(attempt_time__gte=get_cool_off_threshold(request))
    return attempts.aggregate(n=Sum("failures_since_start"))["n"] or 0


def locked_beyond_pair(request, username: str | None) -> bool:
    """Whether the username or the address has failed too often, whatever the pair says."""
    if username and _failures(request, username=username) >= settings.AXES_USERNAME_FAILURE_LIMIT:
        return True
    address = getattr(request, "axes_ip_address", None)
    if not address or _failures(request, ip_address=address) < settings.AXES_IP_FAILURE_LIMIT:
        return False
    known = (
        bool(username) and AccessLog.objects.filter(username=username, ip_address=address).exists()
    )
    return not known


class ThrottleHandler(AxesDatabaseHandler):
    def get_failures(self, request, credentials: dict | None = None) -> int:
        pair = super().get_failures(request, credentials)
        if locked_beyond_pair(request, get_client_username(request, credentials)):
            # axes locks when this reaches AXES_FAILURE_LIMIT.
            return max(pair, settings.AXES_FAILURE_LIMIT)
        return pair
