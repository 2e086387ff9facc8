from django.db import migrations

from rapporter import fakta

# The triggers of 0007 as they were, for the way back: a write to a förbund, a membership,
# an insats or its behovsgrupper marked "every year" (ar 0) of the förbund.
FORE = {
    **fakta._OVRIGT,
    "forbund_forbund": "SELECT id, 0 FROM {rows}",
    "forbund_medlemskap": "SELECT forbund_id, 0 FROM {rows}",
    "insatser_insats": "SELECT forbund_id, 0 FROM {rows}",
    "insatser_insats_behovsgrupper": "SELECT i.forbund_id, 0 " + fakta._VIA_INSATS,
}


class Migration(migrations.Migration):
    """A write to a förbund, a membership, an insats or its behovsgrupper marks the years
    it is read in (the years the row is active in, and those of the rows read through it)
    instead of "every year" (ar 0): an insats edit recounts the insats's years, not every
    kept year of its förbund, län and the nation."""

    dependencies = [("rapporter", "0007_rapportfakta_tabeller")]

    operations = [
        migrations.RunSQL(
            fakta.DROP_OVRIGT_SQL + fakta.create_ovrigt_sql(),
            fakta.DROP_OVRIGT_SQL + fakta.create_ovrigt_sql(FORE, marks=("forbund_forbund",)),
        ),
    ]
