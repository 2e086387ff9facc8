"""Whether a report's figures are approved: what every renderer shows and
rapporter.godkannande decides."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.utils import timezone

PRELIMINARA = "Preliminära uppgifter"


@dataclass(frozen=True)
class Uppgiftsstatus:
    """Whether a report's figures are approved. For a förbund: approved (with the version
    and when) or preliminary. For a län or the nation: how many of its förbund active in
    the year have approved it, and which have not (orgnr, name)."""

    godkanda: bool
    godkand: dt.datetime | None = None
    version: int | None = None
    aktiva: int | None = None
    antal_godkanda: int | None = None
    ej_godkanda: tuple[tuple[str, str], ...] = ()

    @property
    def rubrik(self) -> str:
        if self.godkanda and self.version:
            return (
                f"Godkända uppgifter (version {self.version}, godkänd "
                f"{timezone.localtime(self.godkand):%Y-%m-%d})"
            )
        if self.godkanda:
            return "Godkända uppgifter (alla förbund har godkänt året)"
        return PRELIMINARA

    @property
    def forbund_text(self) -> str:
        """For a län or the nation: "12 av 15 förbund har godkänt året"."""
        if self.aktiva is None:
            return ""
        return f"{self.antal_godkanda} av {self.aktiva} förbund har godkänt året."

    def as_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"status": "godkanda" if self.godkanda else "preliminara"}
        if self.version is not None:
            data["version"] = self.version
            data["godkand"] = timezone.localtime(self.godkand).isoformat(timespec="seconds")
        if self.aktiva is not None:
            data["forbund_aktiva"] = self.aktiva
            data["forbund_godkanda"] = self.antal_godkanda
            data["ej_godkanda"] = [{"kod": kod, "namn": namn} for kod, namn in self.ej_godkanda]
        return data
