"""manage.py bench_xlsx [--rader N] — what reading an uploaded .xlsx costs (finsam/lib/xlsx.py).

Prints, for each workbook, the wall time and the peak memory (RSS) of the reading child
process: the two bombs of issue 11 (refused by the scan, before calamine runs), the widest
and longest sheet the limits allow, and a full deltaganden-shaped sheet of N rows × 15
columns (default 60 000, the most a file may hold). Nothing touches the database.

The memory column is the children's peak RSS so far (getrusage), which starts at this
process's own size: a child is forked from it before it runs the reader.
"""

from __future__ import annotations

import resource
import time
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand

from finsam.lib import xlsx
from finsam.lib.tabular import MAX_ROWS, write_table


class Command(BaseCommand):
    help = "Mäter läsningen av Excel-filer: tid och minne i den läsande processen."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--rader", type=int, default=MAX_ROWS)

    def handle(self, *args, rader: int, **options) -> None:
        from tests.files.make_xlsx_bombs import workbook

        files = Path(settings.BASE_DIR) / "tests" / "files"
        columns = [f"kolumn{i}" for i in range(15)]
        full = write_table(
            columns,
            ({c: f"värde {n} {c}" for c in columns} for n in range(rader)),
            format="xlsx",
        )
        cases = [
            ("A1 + XFD1048576 (bomb)", (files / "bomb_a1_xfd1048576.xlsx").read_bytes()),
            ("A1 + ZZ50000 (bomb)", (files / "bomb_a1_zz50000.xlsx").read_bytes()),
            (f"{rader} rader × 15 kolumner", full),
            ("A1 + BL200000 (gränsen)", workbook("BL200000")),
        ]
        # The children's peak RSS only grows: the cases run from the smallest up.
        self.stdout.write(f"{'arbetsbok':32} {'storlek':>10} {'tid':>8} {'minne':>9}  utfall")
        for name, data in cases:
            started = time.perf_counter()
            try:
                outcome = f"{len(xlsx.read_rows(data, max_rows=MAX_ROWS))} rader lästa"
            except xlsx.XlsxError as error:
                outcome = f"avvisad: {str(error)[:60]}…"
            elapsed = time.perf_counter() - started
            peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss // 1024
            self.stdout.write(
                f"{name:32} {len(data) / 1024:>7.0f} kB {elapsed:>6.2f} s {peak:>6} MB  {outcome}"
            )
