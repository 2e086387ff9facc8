"""`manage.py bench_skala`: the national report's cost at two sizes of the data set.

Target (issue 18): the report's cost grows with the number of förbund and code
combinations, not with the number of deltaganden. Generates 100 000 and 1 600 000
deltaganden (80 förbund, 2016–2025, `generate_data --deltaganden-per-ar`) into two scratch
databases beside this one (`<name>_100k`, `<name>_1600k`; kept, and reused while they
hold the right number), brings the nation's stored facts up to date as the worker does, and
prints the national JSON report's time (with T19, on the stored facts) and a count(*) of
the year's deltaganden in each, and the ratios between the sizes.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import psycopg
from django.conf import settings
from django.core.management.base import BaseCommand

STORLEKAR = {"100k": 100_000, "1600k": 1_600_000}
AR = 10  # generate_data's default years, 2016–2025


class Command(BaseCommand):
    help = "Mäter rapportens kostnad för 100 000 och 1 600 000 deltaganden."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--repeat", type=int, default=5)

    def handle(self, *args, **options) -> None:
        db = settings.DATABASES["default"]
        results = {}
        for label, n in STORLEKAR.items():
            name = f"{db['NAME']}_{label}"
            conninfo = psycopg.conninfo.make_conninfo(
                host=db["HOST"], port=db["PORT"], user=db["USER"], password=db["PASSWORD"]
            )
            with psycopg.connect(conninfo, dbname="postgres", autocommit=True) as conn:
                if not conn.execute(
                    "SELECT 1 FROM pg_database WHERE datname = %s", [name]
                ).fetchone():
                    conn.execute(f'CREATE DATABASE "{name}"')  # the name is this database's
            env = {**os.environ, "DATABASE_URL": _url(db, name)}

            def manage(*command: str, env: dict = env) -> str:
                return subprocess.run(  # noqa: S603 -- this manage.py, fixed commands
                    [sys.executable, "manage.py", *command],
                    env=env,
                    check=True,
                    capture_output=True,
                    text=True,
                ).stdout

            manage("migrate", "-v0")
            with psycopg.connect(conninfo, dbname=name) as conn:
                have = (
                    conn.execute("SELECT count(*) FROM deltagare_deltagande").fetchone() or (0,)
                )[0]
            if have != n:
                self.stdout.write(f"Genererar {n} deltaganden i {name} …")
                manage("generate_data", "--replace", "--deltaganden-per-ar", str(n // AR))
            out = manage("bench_rapport", "--skala", "--repeat", str(options["repeat"]))
            results[label] = json.loads(out.strip().splitlines()[-1])
            r = results[label]
            self.stdout.write(
                f"{r['deltaganden']} deltaganden ({name}), år {r['ar']}: JSON, hela landet "
                f"(med T19, lagrade fakta): {r['json_ms']:.0f} ms; count(*) av årets "
                f"deltaganden: {r['count_ms']:.0f} ms (landets fakta uppdaterade på {r['uppdatera_s']:.0f} s)."
            )
        small, big = (results[label] for label in STORLEKAR)
        growth = big["deltaganden"] / small["deltaganden"]
        ratio = big["json_ms"] / small["json_ms"]
        self.stdout.write(
            f"Kvot 1 600 000 / 100 000 ({growth:.0f} gånger fler deltaganden): rapporten "
            f"{ratio:.2f}, count(*) {big['count_ms'] / small['count_ms']:.2f} (mål: rapporten "
            f"växer inte med antalet deltaganden: {'uppfyllt' if ratio < 2 else 'EJ uppfyllt'})."
        )


def _url(db: dict, name: str) -> str:
    auth = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    return f"postgres://{auth}@{db['HOST'] or 'localhost'}:{db['PORT'] or 5432}/{name}"
