"""Every import kind, fuzzed: never an exception, never a partial save.

For each registered kind, the valid rows of an export of a small world (förbund A with an
insats, a volyminsats, a deltagande with personal data, an anonymous one, money lines and
a contribution) are the starting point; Hypothesis replaces cells with odd values, drops
and duplicates rows, and imports the file as CSV and as XLSX. `import_file` must return a
result (never raise), and a result with errors must leave every table as it was. A new
kind is fuzzed as soon as it is registered.
"""

from __future__ import annotations

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from finsam.lib.importing import get_kind, import_file, kind_names
from finsam.lib.tabular import write_table

from ..urlwalk import build_world
from .test_every_form import odd_text, snapshot

pytestmark = pytest.mark.django_db

EXAMPLES = 30


@pytest.fixture
def exported(forbund_a, admin_a, insats_a, tilldelad_insats_a) -> dict[str, list[dict]]:
    build_world(forbund_a=forbund_a, admin_a=admin_a, insats_a=insats_a)
    rows = {}
    for name in kind_names():
        kind = get_kind(name)
        rows[name] = [
            {c: "" if v is None else str(v) for c, v in row.items()}
            for row in kind.export_rows(forbund=None, user=None)
        ]
    return rows


def test_every_kind_is_fuzzed(exported):
    assert {"forbund", "insatser", "volym", "strukturdeltagare", "ekonomi"} <= set(exported)
    assert {"deltaganden", "uppfoljningar"} <= set(exported)
    # The starting rows are real, so mutations stay close to valid files.
    assert exported["insatser"] and exported["deltaganden"] and exported["forbund"]


@pytest.mark.parametrize("kind_name", sorted(kind_names()))
def test_import_never_raises_never_partial(exported, kind_name):
    kind = get_kind(kind_name)
    columns = kind.column_names
    base = exported[kind_name] or [dict.fromkeys(columns, "")]

    row = st.sampled_from(base).flatmap(
        lambda r: st.fixed_dictionaries(
            {c: st.one_of(st.just(r.get(c, "")), odd_text) for c in columns}
        )
    )
    files = st.tuples(
        st.lists(row, min_size=0, max_size=6),
        st.sampled_from(["csv", "xlsx"]),
        st.sets(st.sampled_from(columns), max_size=2),
    )

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(file=files)
    def run(file):
        rows, fmt, dropped = file
        kept = [c for c in columns if c not in dropped]
        data = write_table(kept, [{c: r[c] for c in kept} for r in rows], format=fmt)
        with transaction.atomic():
            before = snapshot()
            result = import_file(kind_name, data, filename=f"fil.{fmt}")
            if not result.ok:
                assert snapshot() == before, (kind_name, result.errors[:3])
                assert all(str(e) for e in result.errors)
            transaction.set_rollback(True)

    run()


def test_unknown_number_code_is_an_error_not_a_crash(exported):
    row = {**exported["uppfoljningar"][0], "matpunkt": "0"} if exported["uppfoljningar"] else None
    columns = get_kind("uppfoljningar").column_names
    row = row or dict.fromkeys(columns, "")
    row["matpunkt"] = "0"
    result = import_file(
        "uppfoljningar", write_table(columns, [row], format="csv"), filename="u.csv"
    )
    assert any(e.kolumn == "matpunkt" and "90, 180, 365" in e.meddelande for e in result.errors), (
        result.errors
    )
