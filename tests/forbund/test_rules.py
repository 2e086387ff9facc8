"""The registry's rules: organisationsnummer, membership dates, the 5 § check and the splits."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError

from forbund.choices import Medlemstyp
from forbund.models import Folkmangd, Kommun, Medlemskap, Region
from forbund.services import Fordelning, bidragsar, medlemsbidrag_set, split_by_population
from forbund.validators import normalize_organisationsnummer, with_check_digit

from ..factories import ForbundFactory, MedlemsbidragFactory, MedlemskapFactory


class TestOrganisationsnummer:
    def test_accepts_valid_number_with_and_without_hyphen(self):
        # 222000-0018: Luhn over 222000001 gives check digit 8.
        assert with_check_digit("222000001") == "2220000018"
        assert normalize_organisationsnummer("222000-0018") == "2220000018"
        assert normalize_organisationsnummer(" 2220000018 ") == "2220000018"

    @pytest.mark.parametrize(
        ("value", "code"),
        [
            ("2220000017", "checksum"),
            ("222000-001", "format"),
            ("22200000180", "format"),
            ("abcdefghij", "format"),
            ("", "format"),
            # Third digit below 2 is a personnummer, not an organisation.
            ("8112189876", "not_orgnr"),
        ],
    )
    def test_rejects_invalid_numbers(self, value, code):
        with pytest.raises(ValidationError) as excinfo:
            normalize_organisationsnummer(value)
        assert excinfo.value.code == code

    @pytest.mark.django_db
    def test_database_refuses_malformed_number(self):
        with pytest.raises(IntegrityError):
            ForbundFactory(organisationsnummer="222000-001")


@pytest.mark.django_db
class TestMedlemskap:
    def test_uttrade_must_follow_intrade_in_database(self):
        forbund = ForbundFactory()
        with pytest.raises(IntegrityError):
            MedlemskapFactory(
                forbund=forbund, intrade=dt.date(2015, 1, 1), uttrade=dt.date(2014, 1, 1)
            )

    def test_kommun_member_needs_a_kommun_in_database(self):
        with pytest.raises(IntegrityError):
            MedlemskapFactory(medlemstyp=Medlemstyp.KOMMUN, kommun=None)

    def test_forsakringskassan_cannot_carry_a_kommun(self):
        with pytest.raises(IntegrityError):
            MedlemskapFactory(
                medlemstyp=Medlemstyp.FORSAKRINGSKASSAN, kommun=Kommun.objects.get(kod="0380")
            )

    def test_notice_period_is_three_years(self):
        m = MedlemskapFactory.build(
            forbund=ForbundFactory(),
            intrade=dt.date(2010, 1, 1),
            uppsagd=dt.date(2014, 6, 30),
            uttrade=dt.date(2016, 12, 31),
        )
        with pytest.raises(ValidationError) as excinfo:
            m.full_clean()
        assert "tidigast 2017-06-30" in str(excinfo.value)
        m.uttrade = dt.date(2017, 6, 30)
        m.full_clean()

    def test_active_dates(self):
        forbund = ForbundFactory()
        m = MedlemskapFactory(
            forbund=forbund, intrade=dt.date(2012, 3, 1), uttrade=dt.date(2015, 1, 1)
        )
        assert not m.is_active_on(dt.date(2012, 2, 29))
        assert m.is_active_on(dt.date(2012, 3, 1))
        assert m.is_active_on(dt.date(2014, 12, 31))
        assert not m.is_active_on(dt.date(2015, 1, 1))
        assert list(Medlemskap.objects.active_in_year(2014)) == [m]
        # Ending on 1 January is a membership in that year (spec "Active in Y", as T0).
        assert list(Medlemskap.objects.active_in_year(2015)) == [m]
        assert m.is_active_in_year(2015) and not m.is_active_in_year(2016)
        assert list(Medlemskap.objects.active_in_year(2016)) == []

    def test_missing_member_kinds_are_named(self):
        forbund = ForbundFactory(bildad=dt.date(2010, 1, 1))
        MedlemskapFactory(forbund=forbund, medlemstyp=Medlemstyp.FORSAKRINGSKASSAN)
        MedlemskapFactory(
            forbund=forbund, medlemstyp=Medlemstyp.KOMMUN, kommun=Kommun.objects.get(kod="0380")
        )
        assert forbund.missing_medlemstyper(dt.date(2015, 1, 1)) == ["Arbetsförmedlingen", "Region"]


class TestSplitByPopulation:
    def test_skelleftea_norsjo_kommun_quarter(self):
        # 1 526 000 kr split 71 988 : 4 175 (002:L2911-2912). Floors 1 442 349 + 83 650 leave
        # one krona, which goes to the larger remainder (Skellefteå: 61 113/76 163).
        assert split_by_population(1_526_000, {"2482": 71_988, "2417": 4_175}) == {
            "2482": 1_442_350,
            "2417": 83_650,
        }

    def test_parts_always_sum_to_total(self):
        parts = split_by_population(100, {"a": 1, "b": 1, "c": 1})
        assert parts == {"a": 34, "b": 33, "c": 33}

    def test_no_population_means_equal_split(self):
        assert split_by_population(10, {"a": 0, "b": 0}) == {"a": 5, "b": 5}

    def test_empty(self):
        assert split_by_population(10, {}) == {}


class TestFordelning:
    def test_skelleftea_2015_follows_5_paragraph(self):
        # 002:L2960: FK 3 052 000, landstinget 1 526 000, kommunerna 1 526 000.
        f = Fordelning(
            ar=2015,
            belopp="beslutat",
            staten=3_052_000,
            arbetsformedlingen=0,
            regioner=1_526_000,
            kommuner=1_526_000,
        )
        assert f.total == 6_104_000
        assert f.ok
        assert f.problem() == []

    def test_one_krona_of_rounding_is_accepted(self):
        f = Fordelning(
            ar=2015,
            belopp="beslutat",
            staten=1001,
            arbetsformedlingen=0,
            regioner=500,
            kommuner=500,
        )
        assert f.ok

    def test_unbalanced_split_is_a_warning_with_amounts_that_would_satisfy_it(self):
        f = Fordelning(
            ar=2015,
            belopp="beslutat",
            staten=2_000_000,
            arbetsformedlingen=0,
            regioner=1_000_000,
            kommuner=800_000,
        )
        assert not f.ok
        assert f.problem() == [
            "Staten (Försäkringskassan) står för 52,6\u00a0% i stället för 50 %.",
            "Regionerna står för 26,3\u00a0% i stället för 25 %.",
            "Kommunerna står för 21,1\u00a0% i stället för 25 %.",
        ]
        assert f.forslag_behall_staten() == {
            "staten": 2_000_000,
            "regioner": 1_000_000,
            "kommuner": 1_000_000,
            "total": 4_000_000,
        }
        assert f.forslag_lagsta_niva() == {
            "staten": 1_600_000,
            "regioner": 800_000,
            "kommuner": 800_000,
            "total": 3_200_000,
        }

    def test_arbetsformedlingen_has_no_share(self):
        f = Fordelning(
            ar=2015, belopp="beslutat", staten=2, arbetsformedlingen=2, regioner=1, kommuner=1
        )
        assert not f.ok
        assert f.problem()[0].startswith("Arbetsförmedlingen har ingen egen andel")

    def test_nothing_registered(self):
        f = Fordelning(
            ar=2015, belopp="inbetalt", staten=0, arbetsformedlingen=0, regioner=0, kommuner=0
        )
        assert not f.ok
        assert f.problem() == ["Inga bidrag är registrerade för året."]


@pytest.mark.django_db
class TestBidragsar:
    @pytest.fixture
    def skelleftea(self):
        forbund = ForbundFactory(namn="Samordningsförbundet Skellefteå-Norsjö", lan="24")
        fk = MedlemskapFactory(forbund=forbund, medlemstyp=Medlemstyp.FORSAKRINGSKASSAN)
        MedlemskapFactory(forbund=forbund, medlemstyp=Medlemstyp.ARBETSFORMEDLINGEN)
        region = MedlemskapFactory(
            forbund=forbund, medlemstyp=Medlemstyp.REGION, region=Region.objects.get(kod="24")
        )
        skelleftea = MedlemskapFactory(
            forbund=forbund, medlemstyp=Medlemstyp.KOMMUN, kommun=Kommun.objects.get(kod="2482")
        )
        norsjo = MedlemskapFactory(
            forbund=forbund, medlemstyp=Medlemstyp.KOMMUN, kommun=Kommun.objects.get(kod="2417")
        )
        Folkmangd.objects.update_or_create(
            kommun_id="2482", ar=2013, defaults={"folkmangd": 71_988}
        )
        Folkmangd.objects.update_or_create(kommun_id="2417", ar=2013, defaults={"folkmangd": 4_175})
        for m, amount in [
            (fk, 3_052_000),
            (region, 1_526_000),
            (skelleftea, 1_450_000),
            (norsjo, 76_000),
        ]:
            MedlemsbidragFactory(medlemskap=m, ar=2015, beslutat=amount, inbetalt=amount)
        return forbund

    def test_year_sums_and_proposal(self, skelleftea, django_assert_max_num_queries):
        Folkmangd.objects.filter(ar__gt=2013, kommun_id__in=["2482", "2417"]).delete()
        with django_assert_max_num_queries(3):
            year = bidragsar(skelleftea, 2015)
        assert year.beslutat.ok and year.inbetalt.ok
        assert year.beslutat.total == 6_104_000
        forslag = {str(r.medlemskap): r.forslag for r in year.rader}
        # Population of 2013 is the latest known up to 2015.
        assert forslag["Skellefteå"] == 1_442_350
        assert forslag["Norsjö"] == 83_650
        assert forslag["Region Västerbotten"] == 1_526_000
        assert forslag["Försäkringskassan"] == 3_052_000
        assert forslag["Arbetsförmedlingen"] == 0

    def test_setting_and_removing_a_contribution(self, skelleftea):
        norsjo = skelleftea.medlemskap.get(kommun_id="2417")
        medlemsbidrag_set(medlemskap=norsjo, ar=2015, beslutat=100_000, inbetalt=None)
        year = bidragsar(skelleftea, 2015)
        assert year.beslutat.kommuner == 1_550_000
        assert not year.beslutat.ok
        medlemsbidrag_set(medlemskap=norsjo, ar=2015, beslutat=None, inbetalt=None)
        assert not norsjo.bidrag.filter(ar=2015).exists()
