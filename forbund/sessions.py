"""Sessions in PostgreSQL with the account they belong to (Django's database engine,
extended as its documentation shows), so that a user sees and ends their own sessions and
deactivating an account ends all of them."""

from __future__ import annotations

from typing import Any, cast

from django.conf import settings
from django.contrib.sessions.backends.db import SessionStore as DatabaseSessionStore
from django.contrib.sessions.base_session import AbstractBaseSession
from django.db import models
from django.utils.dateparse import parse_datetime

# Written into the session at sign-in (forbund.views_konto) and copied to the row.
SIGNED_IN_KEY = "finsam_inloggad"
USER_AGENT_KEY = "finsam_webblasare"
# Set by a used activation link: the session's one right to enrol an authenticator.
ENROL_SESSION_KEY = "finsam_enrol_user"


class SessionStore(DatabaseSessionStore):
    @classmethod
    def get_model_class(cls) -> type[Kontosession]:
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


class Kontosession(AbstractBaseSession):
    """A session row with its account (forbund.sessions.SessionStore)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        db_index=True,
        related_name="sessioner",
        verbose_name="användare",
    )
    inloggad = models.DateTimeField("inloggad", null=True, blank=True)
    webblasare = models.CharField("webbläsare", max_length=200, blank=True)

    class Meta(AbstractBaseSession.Meta):
        verbose_name = "session"
        verbose_name_plural = "sessioner"

    @classmethod
    def get_session_store_class(cls):
        return SessionStore
