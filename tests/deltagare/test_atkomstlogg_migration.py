"""The access log's migration to one entry per page view (deltagare 0008): the rows of one
page view (same user, förbund, page and reason within a second) become one entry listing
every person and deltagande they named; nothing seen is lost."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = [("deltagare", "0007_samtycke_insats")]
AFTER = [("deltagare", "0008_atkomstlogg_en_rad_per_sidvisning")]


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)


@pytest.fixture(autouse=True)
def _latest_afterwards():
    """Leave the database at the latest migrations, for the tests that run after."""
    yield
    _migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())


def test_old_rows_become_one_entry_per_page_view(forbund_a, handlaggare_a, admin_a):
    from tests.deltagare.handlaggare_data import NUMMER_2, assigned_insats, person_deltagande

    insats = assigned_insats(forbund_a, handlaggare_a)
    d1 = person_deltagande(insats, handlaggare_a)
    d2 = person_deltagande(insats, handlaggare_a, nummer=NUMMER_2)
    people = [(d1.person_id, d1.pk), (d2.person_id, d2.pk)]
    _migrate(BEFORE)
    try:
        with connection.cursor() as cursor:
            old = []
            # A list page at 10:00:00 showing both; the same list again at 10:05; one
            # deltagande page at 10:00:00 (another page); a check by the other user.
            for second, sida, user, shown in [
                ("10:00:00.1", "/lista/", handlaggare_a, people),
                ("10:00:00.2", "/d1/", handlaggare_a, people[:1]),
                ("10:05:00.3", "/lista/", handlaggare_a, people),
                ("10:05:00.4", "/lista/", admin_a, [(d2.person_id, None)]),
            ]:
                for person_id, deltagande_id in shown:
                    cursor.execute(
                        "INSERT INTO deltagare_atkomstlogg (tid, user_id, os_anvandare, forbund_id, "
                        "person_id, deltagande_id, sida, anledning) "
                        "VALUES (%s, %s, '', %s, %s, %s, %s, 'x') "
                        "RETURNING id",
                        [
                            f"2026-01-05 {second}+00",
                            user.pk,
                            forbund_a.pk,
                            person_id,
                            deltagande_id,
                            sida,
                        ],
                    )
                    old.append(cursor.fetchone()[0])
    finally:
        _migrate(AFTER)
    from deltagare.models import Atkomstlogg

    entries = [
        (e.sida, e.user_id, sorted((a.person_id, a.deltagande_id) for a in e.visningar.all()))
        for e in Atkomstlogg.objects.order_by("tid", "pk")
    ]
    assert entries == [
        ("/lista/", handlaggare_a.pk, sorted(people)),
        ("/d1/", handlaggare_a.pk, people[:1]),
        ("/lista/", handlaggare_a.pk, sorted(people)),
        ("/lista/", admin_a.pk, [(d2.person_id, None)]),
    ]
    assert min(old) in set(Atkomstlogg.objects.values_list("pk", flat=True))
