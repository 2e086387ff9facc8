"""Sessions in PostgreSQL with the account they belong to (Django's database engine,
extended as its documentation shows), so that a user sees and ends their own sessions and
deactivating an account ends all of them."""

from __future__ import annotations

from django.contrib.sessions.backends.db import SessionStore as DatabaseSessionStore
from django.utils.dateparse import parse_datetime

# Written into the session at sign-in (forbund.views_konto) and copied to the row.
SIGNED_IN_KEY = "finsam_inloggad"
USER_AGENT_KEY = "finsam_webblasare"
# Set by a used activation link: the session's one right to enrol an authenticator.
ENROL_SESSION_KEY = "finsam_enrol_user"


class SessionStore(DatabaseSessionStore):
    @classmethod
    def get_model_class(cls):
        from .models import Kontosession

        return Kontosession

    def create_model_instance(self, data):
        obj = super().create_model_instance(data)
        try:
            obj.user_id = int(data.get("_auth_user_id"))
        except (TypeError, ValueError):
            obj.user_id = None
        obj.inloggad = parse_datetime(data.get(SIGNED_IN_KEY) or "")
        obj.webblasare = (data.get(USER_AGENT_KEY) or "")[:200]
        return obj
