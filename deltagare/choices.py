"""Code lists of spec/kodlistor.md that belong to participants."""

from __future__ import annotations

from django.db import models


class Kon(models.TextChoices):
    KVINNA = "kvinna", "Kvinna"
    MAN = "man", "Man"


class Registreringsform(models.TextChoices):
    PERSON = "person", "Med personuppgifter"
    ANONYM = "anonym", "Anonymt"


class Utbildningsniva(models.TextChoices):
    FORGYMNASIAL = "forgymnasial", "Grundskola eller motsvarande som högsta nivå"
    GYMNASIAL = "gymnasial", "Gymnasium som högsta nivå"
    EFTERGYMNASIAL = "eftergymnasial", "Högskola eller annan eftergymnasial utbildning"
    OKAND = "okand", "Uppgift saknas"


class Forsorjning(models.TextChoices):
    FORSORJNINGSSTOD = "forsorjningsstod", "Försörjningsstöd"
    AKTIVITETSSTOD = "aktivitetsstod", "Aktivitetsstöd"
    SJUKPENNING = "sjukpenning", "Sjukpenning"
    REHABILITERINGSPENNING = "rehabiliteringspenning", "Rehabiliteringspenning"
    SJUKERSATTNING = "sjukersattning", "Sjukersättning"
    AKTIVITETSERSATTNING = "aktivitetsersattning", "Aktivitetsersättning"
    STUDIESTOD = "studiestod", "Studiestöd/studiemedel"
    A_KASSA = "a_kassa", "Arbetslöshetsersättning (a-kassa)"
    ANNAN_OFFENTLIG = "annan_offentlig", "Annan offentlig försörjning"
    INGEN_OFFENTLIG = "ingen_offentlig", "Ingen offentlig försörjning"


# The report groups of the återrapportering (Table 13 in seed 002).
FORSORJNING_RAPPORTGRUPP: dict[str, str] = {
    Forsorjning.FORSORJNINGSSTOD: "forsorjningsstod",
    Forsorjning.AKTIVITETSSTOD: "aktivitetsstod",
    Forsorjning.SJUKPENNING: "sjuk_rehabpenning",
    Forsorjning.REHABILITERINGSPENNING: "sjuk_rehabpenning",
    Forsorjning.SJUKERSATTNING: "sjuk_aktivitetsersattning",
    Forsorjning.AKTIVITETSERSATTNING: "sjuk_aktivitetsersattning",
    Forsorjning.STUDIESTOD: "studiestod",
    Forsorjning.A_KASSA: "a_kassa",
    Forsorjning.ANNAN_OFFENTLIG: "annan_offentlig",
    Forsorjning.INGEN_OFFENTLIG: "ingen_offentlig",
}


class TidOffentligForsorjning(models.TextChoices):
    UPP_TILL_1 = "upp_till_1", "Upp till 1 år"
    UPP_TILL_3 = "upp_till_3", "Mer än 1 och upp till 3 år"
    UPP_TILL_6 = "upp_till_6", "Mer än 3 och upp till 6 år"
    UPP_TILL_9 = "upp_till_9", "Mer än 6 och upp till 9 år"
    OVER_9 = "over_9", "Mer än 9 år"
    EJ_TILLAMPLIGT = "ej_tillampligt", "Ej tillämpligt"
    OKAND = "okand", "Uppgift saknas"


class Sysselsattning(models.TextChoices):
    ARBETE = "arbete", "Arbete utan subvention"
    SUBVENTIONERAT_ARBETE = "subventionerat_arbete", "Subventionerat arbete"
    STUDIER = "studier", "Studier"
    ARBETSSOKANDE = "arbetssokande", "Inskriven som arbetssökande på Arbetsförmedlingen"
    REHABILITERING = "rehabilitering", "Fortsatt rehabilitering eller annan insats"
    INGEN = "ingen", "Ingen sysselsättning"
    OKAND = "okand", "Uppgift saknas"


ARBETE_ELLER_STUDIER = (
    Sysselsattning.ARBETE,
    Sysselsattning.SUBVENTIONERAT_ARBETE,
    Sysselsattning.STUDIER,
)


class Avslutsorsak(models.TextChoices):
    FULLFOLJD = "fullfoljd", "Insatsen fullföljd enligt planeringen"
    ANNAN_INSATS = "annan_insats", "Övergång till annan rehabilitering eller insats"
    SJUKDOM = "sjukdom", "Sjukdom"
    FORALDRALEDIGHET = "foraldraledighet", "Föräldraledighet"
    FLYTT = "flytt", "Flytt"
    AVBRUTET_OVRIGT = "avbrutet_ovrigt", "Avbrutet av annan orsak"
    OKAND = "okand", "Uppgift saknas"


class Uppfoljningspunkt(models.IntegerChoices):
    DAGAR_90 = 90, "3 månader efter avslut"
    DAGAR_180 = 180, "6 månader efter avslut"
    DAGAR_365 = 365, "12 månader efter avslut"


class Samtyckessyfte(models.TextChoices):
    REGISTRERING = "registrering", "Registrering i Finsam"
    SEKRETESS = "sekretess", "Sekretessen mellan parterna hävs"
