"""Reference data: the 21 regions and the 290 kommuner with their SCB codes and län.

Source of the kommun list: SCB's län and kommun codes (as packaged in the MIT-licensed
npm package `kommunkoder`, checked against SCB's 290 kommuner). Kept in
forbund/data/kommuner.csv so the import and the tests read the same file.
"""

from __future__ import annotations

import csv
from pathlib import Path

from django.db import migrations

REGIONER = {
    "01": "Region Stockholm",
    "03": "Region Uppsala",
    "04": "Region Sörmland",
    "05": "Region Östergötland",
    "06": "Region Jönköpings län",
    "07": "Region Kronoberg",
    "08": "Region Kalmar län",
    "09": "Region Gotland",
    "10": "Region Blekinge",
    "12": "Region Skåne",
    "13": "Region Halland",
    "14": "Västra Götalandsregionen",
    "17": "Region Värmland",
    "18": "Region Örebro län",
    "19": "Region Västmanland",
    "20": "Region Dalarna",
    "21": "Region Gävleborg",
    "22": "Region Västernorrland",
    "23": "Region Jämtland Härjedalen",
    "24": "Region Västerbotten",
    "25": "Region Norrbotten",
}

KOMMUNER_CSV = Path(__file__).resolve().parent.parent / "data" / "kommuner.csv"


def load(apps, schema_editor):
    Region = apps.get_model("forbund", "Region")
    Kommun = apps.get_model("forbund", "Kommun")
    for kod, namn in REGIONER.items():
        Region.objects.update_or_create(kod=kod, defaults={"namn": namn})
    with KOMMUNER_CSV.open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle, delimiter=";"):
            Kommun.objects.update_or_create(
                kod=row["kod"], defaults={"namn": row["namn"], "lan": row["lan"]}
            )


def unload(apps, schema_editor):
    apps.get_model("forbund", "Kommun").objects.all().delete()
    apps.get_model("forbund", "Region").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("forbund", "0001_initial")]

    operations = [migrations.RunPython(load, unload)]
