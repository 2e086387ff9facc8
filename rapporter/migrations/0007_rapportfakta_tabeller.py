from django.db import migrations, models

from rapporter import fakta


class Migration(migrations.Migration):
    """The stored facts hold the year's tables too: their columns, and the triggers that
    mark a förbund's "every year" version (ar 0) on a write to what else the tables read."""

    dependencies = [
        ("rapporter", "0006_rapportversion"),
        ("deltagare", "0009_deltagande_harledda_kolumner"),
        ("insatser", "0005_ekonomirad_balans"),
    ]

    operations = [
        migrations.AddField(
            model_name="rapportfakta",
            name="tabeller",
            field=models.TextField(blank=True, default=""),
        ),
        migrations.AddField(
            model_name="rapportfakta",
            name="nyckeltal",
            field=models.JSONField(default=dict),
        ),
        migrations.RunSQL(fakta.create_ovrigt_sql(), fakta.DROP_OVRIGT_SQL),
    ]
