"""No personnummer in a log line, a URL or a task argument.

Runs the participant tests (tests/deltagare: registration, look-up, import, views, fuzzing)
again in a subprocess with tests/security/pnr_leak_plugin.py, which records every
personnummer the code parsed and writes every log record at DEBUG, every URL asked for or
redirected to and every task's arguments to one file; then searches that file for each
number in each way it can be written, and for anything else that reads as a personnummer.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys

import environ
import pytest
from django.conf import settings
from personnummer.personnummer import Personnummer as _Lib
from personnummer.personnummer import PersonnummerException

pytestmark = pytest.mark.faults  # a second run of the participant tests: skippable locally

SUITE = ["tests/deltagare"]


def _database_url() -> str:
    """The run's own database (pytest-django adds test_), beside this run's."""
    url = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/finsam")
    config = environ.Env.db_url_config(url)
    return url.rsplit("/", 1)[0] + f"/{config['NAME']}_pnrlogg"


def _forms(nummer: str) -> set[str]:
    """12 digits YYYYMMDDNNNC as it may be written: with or without century and dash."""
    short = nummer[2:]
    return {
        nummer,
        f"{nummer[:8]}-{nummer[8:]}",
        short,
        f"{short[:6]}-{short[6:]}",
        f"{short[:6]}+{short[6:]}",
    }


def _occurrences(text: str, forms: set[str]) -> set[str]:
    """The forms found in runs of digits, dashes and plus signs (fast on a large log)."""
    found = set()
    for match in re.finditer(r"[\d+-]{10,}", text):
        run = match.group(0)
        for size in (10, 11, 12, 13):
            for start in range(len(run) - size + 1):
                if run[start : start + size] in forms:
                    found.add(run[start : start + size])
    return found


def _looks_like_personnummer(text: str) -> set[str]:
    found = set()
    for match in re.finditer(r"(?<![\w-])(\d{6}|\d{8})[-+](\d{4})(?![\w-])", text):
        try:
            _Lib(match.group(0))
        except PersonnummerException:
            continue
        found.add(match.group(0))
    return found


def test_no_personnummer_in_logs_urls_or_task_arguments(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "PYTEST_"))}
    env.update(FINSAM_LEAK_DIR=str(tmp_path), DATABASE_URL=_database_url())
    result = subprocess.run(  # noqa: S603 (our fixed command line)
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "tests.security.pnr_leak_plugin",
            "-p",
            "no:randomly",
            "--create-db",
            *SUITE,
        ],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=1200,
        check=False,
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]

    numbers = set((tmp_path / "numbers.txt").read_text().split())
    log = (tmp_path / "leak.log").read_text(encoding="utf-8")
    # The instruments worked: numbers were parsed, URLs and debug records written.
    assert len(numbers) >= 10, "the run parsed (almost) no personnummer: nothing is tested"
    assert "DEBUG finsam.leakcheck URL /" in log
    assert "leak check started" in log

    forms = set().union(*(_forms(n) for n in numbers))
    leaks = _occurrences(log, forms) | _looks_like_personnummer(log)
    lines = [line[:300] for line in log.splitlines() if any(leak in line for leak in leaks)]
    assert not leaks, "personnummer in logs, URLs or task arguments:\n" + "\n".join(lines[:20])
