"""Code lists of spec/kodlistor.md that belong to the förbund registry."""

from __future__ import annotations

from django.db import models


class Lan(models.TextChoices):
    STOCKHOLM = "01", "Stockholm"
    UPPSALA = "03", "Uppsala"
    SODERMANLAND = "04", "Södermanland"
    OSTERGOTLAND = "05", "Östergötland"
    JONKOPING = "06", "Jönköping"
    KRONOBERG = "07", "Kronoberg"
    KALMAR = "08", "Kalmar"
    GOTLAND = "09", "Gotland"
    BLEKINGE = "10", "Blekinge"
    SKANE = "12", "Skåne"
    HALLAND = "13", "Halland"
    VASTRA_GOTALAND = "14", "Västra Götaland"
    VARMLAND = "17", "Värmland"
    OREBRO = "18", "Örebro"
    VASTMANLAND = "19", "Västmanland"
    DALARNA = "20", "Dalarna"
    GAVLEBORG = "21", "Gävleborg"
    VASTERNORRLAND = "22", "Västernorrland"
    JAMTLAND = "23", "Jämtland"
    VASTERBOTTEN = "24", "Västerbotten"
    NORRBOTTEN = "25", "Norrbotten"


# The name a reader sees: the län's proper name, not the short name plus "län"
# (spec/kodlistor.md).
LAN_NAMN = {
    "01": "Stockholms län",
    "03": "Uppsala län",
    "04": "Södermanlands län",
    "05": "Östergötlands län",
    "06": "Jönköpings län",
    "07": "Kronobergs län",
    "08": "Kalmar län",
    "09": "Gotlands län",
    "10": "Blekinge län",
    "12": "Skåne län",
    "13": "Hallands län",
    "14": "Västra Götalands län",
    "17": "Värmlands län",
    "18": "Örebro län",
    "19": "Västmanlands län",
    "20": "Dalarnas län",
    "21": "Gävleborgs län",
    "22": "Västernorrlands län",
    "23": "Jämtlands län",
    "24": "Västerbottens län",
    "25": "Norrbottens län",
}


class Medlemstyp(models.TextChoices):
    FORSAKRINGSKASSAN = "forsakringskassan", "Försäkringskassan"
    ARBETSFORMEDLINGEN = "arbetsformedlingen", "Arbetsförmedlingen"
    REGION = "region", "Region"
    KOMMUN = "kommun", "Kommun"


class Roll(models.TextChoices):
    ADMINISTRATOR = "administrator", "Administratör"
    FORBUNDSADMINISTRATOR = "forbundsadministrator", "Förbundsadministratör"
    HANDLAGGARE = "handlaggare", "Handläggare"
    NATIONELLA_RADET = "nationella_radet", "Nationella rådet"
    # The förbund's officer for the data subject's rights (GDPR art. 15): produces the
    # full registerutdrag of a person, and sees personal data nowhere else.
    PERSONUPPGIFTSANSVARIG = "personuppgiftsansvarig", "Personuppgiftsansvarig (registerutdrag)"


class Arbetsgivartyp(models.TextChoices):
    FORSAKRINGSKASSAN = "forsakringskassan", "Försäkringskassan"
    ARBETSFORMEDLINGEN = "arbetsformedlingen", "Arbetsförmedlingen"
    REGION = "region", "Region"
    KOMMUN = "kommun", "Kommun"
    FORBUND = "forbund", "Samordningsförbund"
    ANNAN = "annan", "Annan organisation"
