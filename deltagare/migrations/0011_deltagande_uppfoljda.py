import django.contrib.postgres.fields
from django.db import migrations, models

# Deltagande.uppfoljda: the mätpunkter of the deltagande's follow-ups, kept by PostgreSQL.
# - deltagare_uppfoljda(id) computes it from deltagare_uppfoljning;
# - a save of a deltagande that writes the column (Django's full save, an insert, COPY)
#   gets the computed value, never the one the caller held;
# - every insert, update and delete of follow-ups (one statement at a time, so a bulk
#   insert or COPY updates each deltagande once) recomputes it for the deltaganden touched.
UPPFOLJDA = """
CREATE FUNCTION deltagare_uppfoljda(deltagande bigint) RETURNS smallint[]
LANGUAGE sql STABLE AS $$
    SELECT coalesce(array_agg(matpunkt ORDER BY matpunkt), '{}')::smallint[]
    FROM deltagare_uppfoljning WHERE deltagande_id = deltagande
$$;

CREATE FUNCTION deltagare_deltagande_uppfoljda() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    NEW.uppfoljda := deltagare_uppfoljda(NEW.id);
    RETURN NEW;
END $$;

CREATE TRIGGER deltagande_uppfoljda BEFORE INSERT OR UPDATE OF uppfoljda
ON deltagare_deltagande FOR EACH ROW EXECUTE FUNCTION deltagare_deltagande_uppfoljda();

CREATE FUNCTION deltagare_uppfoljning_andrad() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        UPDATE deltagare_deltagande SET uppfoljda = '{}'
        WHERE id IN (SELECT deltagande_id FROM nya);
    END IF;
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        UPDATE deltagare_deltagande SET uppfoljda = '{}'
        WHERE id IN (SELECT deltagande_id FROM gamla);
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER uppfoljning_ny AFTER INSERT ON deltagare_uppfoljning
REFERENCING NEW TABLE AS nya FOR EACH STATEMENT EXECUTE FUNCTION deltagare_uppfoljning_andrad();
CREATE TRIGGER uppfoljning_andrad AFTER UPDATE ON deltagare_uppfoljning
REFERENCING OLD TABLE AS gamla NEW TABLE AS nya
FOR EACH STATEMENT EXECUTE FUNCTION deltagare_uppfoljning_andrad();
CREATE TRIGGER uppfoljning_borttagen AFTER DELETE ON deltagare_uppfoljning
REFERENCING OLD TABLE AS gamla FOR EACH STATEMENT EXECUTE FUNCTION deltagare_uppfoljning_andrad();

UPDATE deltagare_deltagande d SET uppfoljda = '{}'
WHERE EXISTS (SELECT 1 FROM deltagare_uppfoljning u WHERE u.deltagande_id = d.id);
"""

DROP_UPPFOLJDA = """
DROP TRIGGER uppfoljning_borttagen ON deltagare_uppfoljning;
DROP TRIGGER uppfoljning_andrad ON deltagare_uppfoljning;
DROP TRIGGER uppfoljning_ny ON deltagare_uppfoljning;
DROP FUNCTION deltagare_uppfoljning_andrad();
DROP TRIGGER deltagande_uppfoljda ON deltagare_deltagande;
DROP FUNCTION deltagare_deltagande_uppfoljda();
DROP FUNCTION deltagare_uppfoljda(bigint);
"""


class Migration(migrations.Migration):
    dependencies = [
        ("deltagare", "0010_importjobb_to_forbund_aterkallelse"),
    ]

    operations = [
        migrations.AddField(
            model_name="deltagande",
            name="uppfoljda",
            field=django.contrib.postgres.fields.ArrayField(
                base_field=models.SmallIntegerField(),
                blank=True,
                default=list,
                editable=False,
                size=None,
                verbose_name="uppföljda mätpunkter",
            ),
        ),
        migrations.RunSQL(UPPFOLJDA, DROP_UPPFOLJDA, elidable=False),
    ]
