"""Sessions in PostgreSQL with the account they belong to (Django's database engine,
extended as its documentation shows), so that a user sees and ends their own sessions and
deactivating an account ends all of them."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

from django.contrib.sessions.backends.db import SessionStore as DatabaseSessionStore
from django.utils.dateparse import parse_datetime

# Written into the session at sign-in (forbund.views_konto) and copied to the row.
SIGNED_IN_KEY = "finsam_inloggad"
USER_AGENT_KEY = "finsam_webblasare"
# Set by a used activation link: the session's one right to enrol an authenticator.
ENROL_SESSION_KEY = "finsam_enrol_user"

if TYPE_CHECKING:
    from .models import Kontosession


class SessionStore(DatabaseSessionStore):
    @classmethod
    def get_model_class(cls) -> type[Kontosession]:
        from .models import Kontosession

        return Kontosession

    def create_model_instance(self, data: dict[str, Any]) -> Kontosession:
        # Django builds the row from get_model_class(), so it is a Kontosession.
        obj = cast("Kontosession", super().create_model_instance(data))
        try:
            obj.user_id = int(data["_auth_user_id"])
        except (KeyError, TypeError, ValueError):
            obj.user_id = None
        obj.inloggad = parse_datetime(data.get(SIGNED_IN_KEY) or "")
        obj.webblasare = (data.get(USER_AGENT_KEY) or "")[:200]
        return obj
