from __future__ import annotations

import datetime as dt

import factory
from factory.django import DjangoModelFactory

from forbund.choices import Lan, Medlemstyp, Roll
from forbund.models import Forbund, Kommun, Medlemsbidrag, Medlemskap, Region, Uppdrag, User
from forbund.validators import with_check_digit


class ForbundFactory(DjangoModelFactory):
    class Meta:
        model = Forbund

    organisationsnummer = factory.Sequence(lambda n: with_check_digit(f"222{n:06d}"))
    namn = factory.Sequence(lambda n: f"Samordningsförbundet Test {n}")
    lan = Lan.UPPSALA
    bildad = dt.date(2010, 1, 1)


class MedlemskapFactory(DjangoModelFactory):
    class Meta:
        model = Medlemskap

    forbund = factory.SubFactory(ForbundFactory)
    medlemstyp = Medlemstyp.FORSAKRINGSKASSAN
    intrade = factory.SelfAttribute("forbund.bildad")


class MedlemsbidragFactory(DjangoModelFactory):
    class Meta:
        model = Medlemsbidrag

    medlemskap = factory.SubFactory(MedlemskapFactory)
    ar = 2015
    beslutat = 1_000_000


class UserFactory(DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"anvandare{n}")
    first_name = "Test"
    last_name = factory.Sequence(lambda n: f"Användare {n}")
    password = factory.django.Password("ett-langt-testlosenord")


class UppdragFactory(DjangoModelFactory):
    class Meta:
        model = Uppdrag

    user = factory.SubFactory(UserFactory)
    roll = Roll.FORBUNDSADMINISTRATOR
    forbund = factory.SubFactory(ForbundFactory)


def full_forbund(*, kommuner: list[str], region: str | None = None, **kwargs) -> Forbund:
    """A förbund with all four member kinds: FK, AF, the region and the given kommuner."""
    forbund = ForbundFactory(**kwargs)
    MedlemskapFactory(forbund=forbund, medlemstyp=Medlemstyp.FORSAKRINGSKASSAN)
    MedlemskapFactory(forbund=forbund, medlemstyp=Medlemstyp.ARBETSFORMEDLINGEN)
    MedlemskapFactory(
        forbund=forbund,
        medlemstyp=Medlemstyp.REGION,
        region=Region.objects.get(kod=region or forbund.lan),
    )
    for kod in kommuner:
        MedlemskapFactory(
            forbund=forbund, medlemstyp=Medlemstyp.KOMMUN, kommun=Kommun.objects.get(kod=kod)
        )
    return forbund


# Insatser (appended by the insatser app).


class InsatsFactory(DjangoModelFactory):
    class Meta:
        model = "insatser.Insats"
        skip_postgeneration_save = True

    forbund = factory.SubFactory(ForbundFactory)
    kod = factory.Sequence(lambda n: f"INS-{n}")
    namn = factory.Sequence(lambda n: f"Insats {n}")
    niva = "individ"
    typ = "rehabilitering"
    deltagarregistrering = factory.LazyAttribute(
        lambda o: "individuell" if o.niva == "individ" else ""
    )
    startdatum = dt.date(2015, 1, 1)

    @factory.post_generation
    def behovsgrupper(self, create, extracted, **kwargs):
        if create and extracted:
            self.behovsgrupper.set(extracted)


class EkonomiradFactory(DjangoModelFactory):
    class Meta:
        model = "insatser.Ekonomirad"

    forbund = factory.SubFactory(ForbundFactory)
    ar = 2015
    rad = "adm_personal"
    budget = 100_000


class VolymregistreringFactory(DjangoModelFactory):
    class Meta:
        model = "insatser.Volymregistrering"

    insats = factory.SubFactory(InsatsFactory, deltagarregistrering="volym")
    datum = dt.date(2015, 3, 31)


class StrukturdeltagareFactory(DjangoModelFactory):
    class Meta:
        model = "insatser.Strukturdeltagare"

    insats = factory.SubFactory(InsatsFactory, niva="struktur", typ="dialog")
    datum = dt.date(2015, 3, 31)
