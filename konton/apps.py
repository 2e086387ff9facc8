from __future__ import annotations

from django.apps import AppConfig


class KontonConfig(AppConfig):
    """Användare och behörigheter: accounts, their assignments and the access log.

    Above insatser (a handläggare's assignment names insatser), below nothing: forbund keeps
    the models (User, Uppdrag, Behorighetslogg) and the access rules (forbund.access).
    """

    name = "konton"
    verbose_name = "Användare och behörigheter"
