"""The three national behovsgrupper (spec/kodlistor.md); a code never changes once used."""

from __future__ import annotations

from django.db import migrations

KODER = ["langtidssjukskrivna", "unga_aktivitetsersattning", "unga_funktionsnedsattning"]


def load(apps, schema_editor):
    Behovsgrupp = apps.get_model("insatser", "Behovsgrupp")
    for kod in KODER:
        Behovsgrupp.objects.get_or_create(kod=kod)


class Migration(migrations.Migration):
    dependencies = [("insatser", "0001_initial")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
