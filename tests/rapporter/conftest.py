"""Every report test runs on both paths of the data layer: the deltagande facts counted live,
and the worker's stored facts (rapporter/fakta.py), brought up to date the way the worker
does and then read. The report says which path it took, and the test checks it did."""

from __future__ import annotations

import pytest

from rapporter import tabeller, uppdatering
from rapporter.tabeller import T19_AR, Omfattning, Rapport


class Rapportvag:
    def __init__(self, kalla: str) -> None:
        self.kalla = kalla

    def forbered(self, ar: int, omfattning: Omfattning | None = None) -> None:
        """On the stored path: the worker's refresh for the years a report of `ar` reads
        (of the report's scope only, when given: the others are not read)."""
        if self.kalla == "lagrade":
            uppdatering.uppdatera(range(ar - T19_AR + 1, ar + 1), omfattning)

    def build(self, **kwargs) -> Rapport:
        self.forbered(kwargs["ar"], kwargs["omfattning"])
        rapport = tabeller.build(**kwargs)
        assert set(rapport.fakta.values()) == {self.kalla}, rapport.fakta
        return rapport


@pytest.fixture(params=["beraknade", "lagrade"])
def rapportvag(request, settings) -> Rapportvag:
    settings.FINSAM_RAPPORTFAKTA = request.param == "lagrade"
    return Rapportvag(request.param)
