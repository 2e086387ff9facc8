"""The insats rules the database and the models enforce."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError

from insatser.choices import Status
from insatser.models import Insats, Strukturdeltagare, Volymregistrering

from ..factories import (
    EkonomiradFactory,
    ForbundFactory,
    InsatsFactory,
    StrukturdeltagareFactory,
    VolymregistreringFactory,
)

pytestmark = pytest.mark.django_db


class TestClassification:
    @pytest.mark.parametrize(
        ("niva", "typ"),
        [("individ", "dialog"), ("individ", "utbildning"), ("struktur", "rehabilitering")],
    )
    def test_database_refuses_typ_of_another_niva(self, niva, typ):
        registrering = "individuell" if niva == "individ" else ""
        with pytest.raises(IntegrityError):
            InsatsFactory(niva=niva, typ=typ, deltagarregistrering=registrering)

    @pytest.mark.parametrize("typ", ["kartlaggning", "annan"])
    def test_shared_types_exist_at_both_levels(self, typ):
        InsatsFactory(niva="individ", typ=typ)
        InsatsFactory(niva="struktur", typ=typ)

    def test_database_refuses_deltagarregistrering_for_struktur(self):
        with pytest.raises(IntegrityError):
            InsatsFactory(niva="struktur", typ="dialog", deltagarregistrering="volym")

    def test_database_requires_deltagarregistrering_for_individ(self):
        with pytest.raises(IntegrityError):
            InsatsFactory(niva="individ", deltagarregistrering="")

    def test_clean_explains_wrong_typ_in_swedish(self):
        insats = InsatsFactory.build(forbund=ForbundFactory(), niva="struktur", typ="forebyggande")
        with pytest.raises(ValidationError) as excinfo:
            insats.full_clean()
        assert "Förebyggande insats är ingen typ för strukturinriktad insats." in str(excinfo.value)

    def test_kod_is_unique_within_the_forbund_only(self):
        first = InsatsFactory(kod="A-1")
        InsatsFactory(kod="A-1")  # another förbund
        with pytest.raises(IntegrityError):
            InsatsFactory(kod="A-1", forbund=first.forbund)

    def test_kod_must_fit_in_a_url(self):
        with pytest.raises(IntegrityError):
            InsatsFactory(kod="a/b")


class TestDates:
    def test_end_before_start_is_refused_by_the_database(self):
        with pytest.raises(IntegrityError):
            InsatsFactory(startdatum=dt.date(2015, 1, 1), slutdatum=dt.date(2014, 12, 31))

    def test_closing_outside_the_period_is_refused_by_the_database(self):
        with pytest.raises(IntegrityError):
            InsatsFactory(
                startdatum=dt.date(2015, 1, 1),
                slutdatum=dt.date(2015, 12, 31),
                avslutad_datum=dt.date(2016, 1, 1),
            )

    def test_age_range_must_be_ordered(self):
        with pytest.raises(IntegrityError):
            InsatsFactory(alder_fran=30, alder_till=16)


class TestStatus:
    DAY = dt.date(2020, 6, 15)

    @pytest.mark.parametrize(
        ("start", "slut", "avslutad", "expected"),
        [
            (dt.date(2020, 7, 1), None, None, Status.PLANERAD),
            (dt.date(2020, 6, 15), None, None, Status.PAGAENDE),
            (dt.date(2019, 1, 1), dt.date(2020, 6, 15), None, Status.PAGAENDE),
            (dt.date(2019, 1, 1), dt.date(2020, 6, 14), None, Status.AVSLUTAD),
            # Closed early: from the closing day on, whatever the planned end.
            (dt.date(2019, 1, 1), dt.date(2021, 12, 31), dt.date(2020, 6, 15), Status.AVSLUTAD),
            (dt.date(2019, 1, 1), None, dt.date(2020, 3, 1), Status.AVSLUTAD),
            # A closing date still ahead has not taken effect.
            (dt.date(2019, 1, 1), None, dt.date(2020, 6, 16), Status.PAGAENDE),
        ],
    )
    def test_status_is_derived_alike_in_python_and_in_the_database(
        self, start, slut, avslutad, expected
    ):
        insats = InsatsFactory(startdatum=start, slutdatum=slut, avslutad_datum=avslutad)
        assert insats.status_on(self.DAY) == expected
        annotated = Insats.objects.with_status(self.DAY).get(pk=insats.pk)
        assert annotated.status == expected
        assert list(Insats.objects.with_status_filter(expected, self.DAY)) == [insats]

    def test_status_without_annotation_is_today(self):
        assert InsatsFactory(startdatum=dt.date(2099, 1, 1)).status == Status.PLANERAD

    def test_active_in_year_uses_the_early_closing(self):
        closed = InsatsFactory(
            startdatum=dt.date(2014, 1, 1),
            slutdatum=dt.date(2018, 12, 31),
            avslutad_datum=dt.date(2015, 12, 31),
        )
        open_ended = InsatsFactory(startdatum=dt.date(2016, 5, 1))
        assert set(Insats.objects.active_in_year(2015)) == {closed}
        assert set(Insats.objects.active_in_year(2016)) == {open_ended}


class TestEkonomirad:
    def test_insats_line_needs_an_insats(self):
        with pytest.raises(IntegrityError):
            EkonomiradFactory(rad="insats", insats=None)

    def test_administration_line_cannot_name_an_insats(self):
        insats = InsatsFactory()
        with pytest.raises(IntegrityError):
            EkonomiradFactory(forbund=insats.forbund, rad="adm_personal", insats=insats)

    def test_unknown_line_is_refused(self):
        with pytest.raises(IntegrityError):
            EkonomiradFactory(rad="okand")

    def test_one_line_per_year_even_without_insats(self):
        rad = EkonomiradFactory(rad="adm_lokaler")
        with pytest.raises(IntegrityError):
            EkonomiradFactory(forbund=rad.forbund, rad="adm_lokaler")

    def test_one_insats_line_per_insats_and_year(self):
        insats = InsatsFactory()
        EkonomiradFactory(forbund=insats.forbund, rad="insats", insats=insats)
        EkonomiradFactory(forbund=insats.forbund, rad="insats_esf", insats=insats)
        EkonomiradFactory(forbund=insats.forbund, rad="insats", insats=insats, ar=2016)
        with pytest.raises(IntegrityError):
            EkonomiradFactory(forbund=insats.forbund, rad="insats", insats=insats)

    def test_negative_amounts_are_refused(self):
        with pytest.raises(IntegrityError):
            EkonomiradFactory(budget=-1)

    def test_insats_of_another_forbund_is_refused_by_clean(self):
        rad = EkonomiradFactory.build(
            forbund=ForbundFactory(), rad="insats", insats=InsatsFactory()
        )
        with pytest.raises(ValidationError, match="annat förbund"):
            rad.full_clean()


class TestCounts:
    def test_volume_counts_only_for_volyminsatser(self):
        individuell = InsatsFactory(deltagarregistrering="individuell")
        count = Volymregistrering(insats=individuell, datum=dt.date(2015, 3, 31), kvinnor=1)
        with pytest.raises(ValidationError, match="volyminsatser"):
            count.full_clean()
        struktur = InsatsFactory(niva="struktur", typ="dialog")
        count.insats = struktur
        with pytest.raises(ValidationError, match="volyminsatser"):
            count.full_clean()
        count.insats = InsatsFactory(deltagarregistrering="volym")
        count.full_clean()

    def test_strukturdeltagare_only_for_strukturinriktade(self):
        count = Strukturdeltagare(
            insats=InsatsFactory(deltagarregistrering="volym"), datum=dt.date(2015, 3, 31)
        )
        with pytest.raises(ValidationError, match="strukturinriktade"):
            count.full_clean()
        count.insats = InsatsFactory(niva="struktur", typ="utbildning")
        count.full_clean()

    def test_counts_cannot_predate_the_insats(self):
        count = Volymregistrering(
            insats=InsatsFactory(deltagarregistrering="volym", startdatum=dt.date(2015, 4, 1)),
            datum=dt.date(2015, 3, 31),
        )
        with pytest.raises(ValidationError, match="startade 2015-04-01"):
            count.full_clean()

    def test_one_count_per_insats_and_date(self):
        count = VolymregistreringFactory(kvinnor=2, man=3, okant=1)
        assert count.total == 6
        with pytest.raises(IntegrityError):
            VolymregistreringFactory(insats=count.insats, datum=count.datum)

    def test_strukturdeltagare_total(self):
        count = StrukturdeltagareFactory(myndighetspersonal=10, arbetsgivare=4, ovriga=1)
        assert count.total == 15
