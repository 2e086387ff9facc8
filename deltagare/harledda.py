"""The deltagande's derived columns, kept by PostgreSQL on every write.

The report reads one narrow table: the age at start, the person's identity for counting
individer (the keyed hash, never the number), the report groups of försörjning at start
and at avslut, and "arbete eller studier" at start and at avslut. A BEFORE trigger writes
them on every INSERT and UPDATE of a deltagande — a form's `save()`, `bulk_create`,
`bulk_update`, a queryset `update()` and the COPY of imports and generated data alike — and
a change of a person's birth date or hash rewrites their deltaganden. The rules come from
the code lists (`FORSORJNING_RAPPORTGRUPP`, `ARBETE_ELLER_STUDIER`); a migration that
changes them recreates the functions with `create_sql()` and rewrites the rows.
"""

from __future__ import annotations

from .choices import ARBETE_ELLER_STUDIER, FORSORJNING_RAPPORTGRUPP, Forsorjning

# A group of its own when any försörjning code but `ingen_offentlig` is there (T5, T10).
NAGON_OFFENTLIG = "nagon_offentlig"


def _array(codes) -> str:
    return "ARRAY[" + ", ".join(f"'{c}'" for c in codes) + "]::varchar[]"


def create_sql() -> str:
    """The functions and triggers (constants from the code lists, never input)."""
    cases = " ".join(
        f"WHEN '{code}' THEN '{grupp}'" for code, grupp in FORSORJNING_RAPPORTGRUPP.items()
    )
    ingen = Forsorjning.INGEN_OFFENTLIG.value
    offentliga = ", ".join(f"'{c}'" for c, g in FORSORJNING_RAPPORTGRUPP.items() if g != ingen)
    return f"""
CREATE OR REPLACE FUNCTION deltagare_forsorjningsgrupper(codes varchar[]) RETURNS varchar[]
LANGUAGE plpgsql IMMUTABLE AS $$
-- The distinct groups of the codes, in the database's order (a loop, not a query: the
-- trigger calls it twice for every row an import writes).
DECLARE
    c varchar;
    g varchar;
    i int;
    grupper varchar[] := '{{}}';
BEGIN
    FOREACH c IN ARRAY COALESCE(codes, '{{}}') LOOP
        FOREACH g IN ARRAY ARRAY[
            CASE c {cases} END,
            CASE WHEN c IN ({offentliga}) THEN '{NAGON_OFFENTLIG}' END
        ] LOOP
            CONTINUE WHEN g IS NULL OR g = ANY(grupper);
            i := 1;
            WHILE i <= cardinality(grupper) AND grupper[i] < g LOOP
                i := i + 1;
            END LOOP;
            grupper := grupper[1:i - 1] || g || grupper[i:];
        END LOOP;
    END LOOP;
    RETURN grupper;
END
$$;

CREATE OR REPLACE FUNCTION deltagare_deltagande_harledda() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.person_id IS NULL THEN
        NEW.alder := NULL;
        NEW.individ := NULL;
    ELSE
        SELECT date_part('year', age(NEW.startdatum, p.fodelsedatum))::int,
               COALESCE(p.pnr_hash, p.id::text)
          INTO NEW.alder, NEW.individ
          FROM deltagare_person p WHERE p.id = NEW.person_id;
    END IF;
    NEW.forsorjning_grupper_fore := deltagare_forsorjningsgrupper(NEW.forsorjning_fore);
    NEW.forsorjning_grupper_efter := deltagare_forsorjningsgrupper(NEW.forsorjning_efter);
    NEW.aos_fore := NEW.sysselsattning_fore && {_array(ARBETE_ELLER_STUDIER)};
    NEW.aos_efter := NEW.sysselsattning_efter && {_array(ARBETE_ELLER_STUDIER)};
    RETURN NEW;
END
$$;

DROP TRIGGER IF EXISTS deltagande_harledda ON deltagare_deltagande;
CREATE TRIGGER deltagande_harledda BEFORE INSERT OR UPDATE ON deltagare_deltagande
    FOR EACH ROW EXECUTE FUNCTION deltagare_deltagande_harledda();

CREATE OR REPLACE FUNCTION deltagare_person_harledda() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    UPDATE deltagare_deltagande SET person_id = person_id WHERE person_id = NEW.id;
    RETURN NULL;
END
$$;

DROP TRIGGER IF EXISTS person_harledda ON deltagare_person;
CREATE TRIGGER person_harledda AFTER UPDATE OF fodelsedatum, pnr_hash ON deltagare_person
    FOR EACH ROW WHEN (OLD.fodelsedatum IS DISTINCT FROM NEW.fodelsedatum
                       OR OLD.pnr_hash IS DISTINCT FROM NEW.pnr_hash)
    EXECUTE FUNCTION deltagare_person_harledda();
"""  # noqa: S608


DROP_SQL = """
DROP TRIGGER IF EXISTS person_harledda ON deltagare_person;
DROP FUNCTION IF EXISTS deltagare_person_harledda();
DROP TRIGGER IF EXISTS deltagande_harledda ON deltagare_deltagande;
DROP FUNCTION IF EXISTS deltagare_deltagande_harledda();
DROP FUNCTION IF EXISTS deltagare_forsorjningsgrupper(varchar[]);
"""

# Rewrites every row through the trigger (the data migration, and after a rule change).
FILL_SQL = "UPDATE deltagare_deltagande SET id = id"
