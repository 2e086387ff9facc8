from django.db import migrations

from deltagare import harledda

# deltagare_forsorjningsgrupper becomes a PL/pgSQL loop instead of a query (the same
# groups in the same order, tests/deltagare/test_harledda.py): the trigger calls it twice
# for every deltagande written, and the query's cost was about a fifth of an import's COPY.
# The stored groups do not change, so no row is rewritten. Reversing keeps the loop (the
# same results).


class Migration(migrations.Migration):
    dependencies = [
        ("deltagare", "0012_deltagande_insats_ordning"),
    ]

    operations = [
        migrations.RunSQL(harledda.create_sql(), migrations.RunSQL.noop),
    ]
