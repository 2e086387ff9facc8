"""The load test of spec/product.md (Performance): many users mixing each role's main pages.

`prepare_plan()` creates load-test accounts (username prefix `lasttest-`, one password
for all, TOTP devices with known keys for the roles that need a second factor) in the
largest förbund of the database and lists the pages each account visits, resolved
from real rows. `run()` starts gunicorn on loopback with production-style settings
(DEBUG off, no runserver), runs Locust headless against it with the plan, and returns
the figures read from Locust's CSV output. `manage.py loadtest` prints them.

Never run against production data: the command refuses to when FINSAM_PRODUCTION is on.
"""

from __future__ import annotations

import csv
import json
import math
import os
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.db.models import Count
from django.urls import NoReverseMatch, reverse

PREFIX = "lasttest-"
BASE_DIR = Path(settings.BASE_DIR)
LOCUSTFILE = Path(__file__).with_name("locustfile.py")


@dataclass
class Figures:
    requests: int
    failures: int
    p50: float
    p95: float
    p99: float
    rps: float
    per_page: list[dict] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    @property
    def login(self) -> dict | None:
        """The login POST (password check included), as Locust timed it."""
        return next(
            (p for p in self.per_page if p["name"] == "inloggning" and p["method"] == "POST"),
            None,
        )

    # p50/p95/p99 of the pages in the steady state: after every user has signed in (the
    # ramp-up, with its deliberately slow password hashing, is left out).
    pages: dict[str, float] = field(default_factory=dict)


def percentiles(times: list[float]) -> dict[str, float]:
    """Nearest-rank percentiles of the response times, in ms."""
    if not times:
        return {"n": 0, "p50": 0.0, "p95": 0.0, "p99": 0.0}
    ordered = sorted(times)

    def rank(p: float) -> float:
        return ordered[min(len(ordered) - 1, max(0, math.ceil(p / 100 * len(ordered)) - 1))]

    return {"n": len(ordered), "p50": rank(50), "p95": rank(95), "p99": rank(99)}


def _url(name: str, *args) -> str | None:
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return None


def _pages(*candidates: tuple[str, str | None]) -> list[list[str]]:
    """(label, url) pairs, leaving out pages this installation does not have."""
    return [[label, url] for label, url in candidates if url]


@transaction.atomic
def prepare_plan(*, per_role: int = 20, forbund_count: int = 10) -> dict:
    """Create (or refresh) the load-test accounts and return the plan for Locust."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from deltagare.models import Deltagande
    from forbund.choices import Roll
    from forbund.models import Forbund, Uppdrag, User
    from insatser.models import Insats, InsatsUppdrag

    biggest = list(
        Forbund.objects.annotate(n=Count("insatser"))
        .filter(n__gt=0)
        .order_by("-n", "pk")[:forbund_count]
    )
    if not biggest:
        raise RuntimeError(
            "Databasen har inga förbund med insatser. Kör först `manage.py generate_data` "
            "(eller `manage.py seed_demo`)."
        )
    password = secrets.token_urlsafe(16)
    hashed = make_password(password)
    # Accounts are reused, never deleted: the access log keeps who read what.
    old = User.objects.filter(username__startswith=PREFIX)
    Uppdrag.objects.filter(user__in=old).delete()
    TOTPDevice.objects.filter(user__in=old).delete()
    old.update(is_active=False)
    accounts: list[dict] = []
    ar = max(Insats.objects.filter(forbund__in=biggest).values_list("startdatum__year", flat=True))

    def account(roll: str, n: int, forbund=None) -> User:
        user, _ = User.objects.update_or_create(
            username=f"{PREFIX}{roll}-{n}",
            defaults={
                "password": hashed,
                "first_name": "Last",
                "last_name": "Test",
                "is_active": True,
            },
        )
        Uppdrag.objects.create(user=user, roll=roll, forbund=forbund)
        return user

    for n in range(per_role):
        forbund = biggest[n % len(biggest)]
        orgnr = forbund.organisationsnummer
        insatser = list(
            Insats.objects.filter(forbund=forbund).individuella().order_by("kod")[:3]
        ) or list(Insats.objects.filter(forbund=forbund).order_by("kod")[:3])
        first = insatser[0]

        account(Roll.FORBUNDSADMINISTRATOR, n, forbund)
        accounts.append(
            {
                "roll": "forbundsadministrator",
                "username": f"{PREFIX}{Roll.FORBUNDSADMINISTRATOR}-{n}",
                "totp_key": None,
                "pages": _pages(
                    ("start", "/"),
                    ("förbund", _url("forbund:detail", orgnr)),
                    ("insatslista", _url("insatser:list", orgnr)),
                    (
                        "insatslista filtrerad",
                        (_url("insatser:list", orgnr) or "") + "?niva=individ&status=pagaende",
                    ),
                    ("insats", _url("insatser:detail", orgnr, first.kod)),
                    ("ekonomi", _url("insatser:ekonomi", orgnr, ar)),
                    ("deltaganden (pseudonymiserat)", _url("deltagare_forbund:list", orgnr)),
                    ("återrapportering", _url("rapporter:index")),
                ),
            }
        )

        user = account(Roll.HANDLAGGARE, n, forbund)
        uppdrag = user.uppdrag.get()
        for insats in insatser:
            InsatsUppdrag.objects.create(insats=insats, uppdrag=uppdrag)
        device = TOTPDevice.objects.create(user=user, name="Lasttest", confirmed=True)
        deltagande = (
            Deltagande.objects.filter(insats=first).order_by("-startdatum").first()
            if first.is_individuell
            else None
        )
        accounts.append(
            {
                "roll": "handlaggare",
                "username": user.username,
                "totp_key": device.key,
                "pages": _pages(
                    ("start", "/"),
                    ("insats", _url("insatser:detail", orgnr, first.kod)),
                    ("deltagarlista", _url("deltagare:list", orgnr, first.kod)),
                    (
                        "deltagarlista filtrerad",
                        (_url("deltagare:list", orgnr, first.kod) or "") + "?status=aktiva",
                    ),
                    (
                        "deltagande",
                        _url("deltagare:detail", orgnr, first.kod, deltagande.public_id)
                        if deltagande
                        else None,
                    ),
                ),
            }
        )

        account(Roll.NATIONELLA_RADET, n)
        accounts.append(
            {
                "roll": "nationella_radet",
                "username": f"{PREFIX}{Roll.NATIONELLA_RADET}-{n}",
                "totp_key": None,
                "pages": _pages(
                    ("start", "/"),
                    ("förbundslista", _url("forbund:list")),
                    ("förbundslista län", (_url("forbund:list") or "") + f"?lan={forbund.lan}"),
                    ("förbund", _url("forbund:detail", orgnr)),
                    ("återrapportering", _url("rapporter:index")),
                ),
            }
        )
    return {"password": password, "accounts": accounts}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_for(url: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 (loopback URL we built)
                if response.status == 200:
                    return
        except OSError:
            pass
        if time.monotonic() > deadline:
            raise RuntimeError(f"Servern svarade inte på {url} inom {timeout:.0f} s.")
        time.sleep(0.5)


def run(
    plan: dict,
    *,
    users: int,
    duration: int,
    spawn_rate: float,
    workers: int,
    threads: int,
    think: str = "1-5",
) -> Figures:
    port = free_port()
    host = f"http://127.0.0.1:{port}"
    env = {
        **os.environ,
        "DEBUG": "0",
        "FINSAM_PRODUCTION": "0",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "PYTHONUNBUFFERED": "1",
    }
    bin_dir = Path(sys.executable).parent
    with tempfile.TemporaryDirectory(prefix="finsam-last-") as tmp:
        plan_file = Path(tmp) / "plan.json"
        plan_file.write_text(json.dumps(plan))
        plan_file.chmod(0o600)
        server = subprocess.Popen(  # noqa: S603 (our own executables, fixed arguments)
            [
                str(bin_dir / "gunicorn"),
                "finsam.wsgi",
                "--bind",
                f"127.0.0.1:{port}",
                "--workers",
                str(workers),
                "--threads",
                str(threads),
                "--worker-class",
                "gthread",
                "--log-level",
                "warning",
                "--timeout",
                "120",
                # Longer than the longest think time: gthread closes an idle keep-alive
                # connection after 2 s, and a request sent on it as it closes fails.
                "--keep-alive",
                "10",
            ],
            cwd=BASE_DIR,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=open(Path(tmp) / "gunicorn.log", "w"),  # noqa: SIM115 (closed with the process)
            start_new_session=True,
        )
        try:
            _wait_for(f"{host}/halsa/")
            prefix = Path(tmp) / "locust"
            subprocess.run(  # noqa: S603
                [
                    str(bin_dir / "locust"),
                    "-f",
                    str(LOCUSTFILE),
                    "--headless",
                    "--users",
                    str(users),
                    "--spawn-rate",
                    str(spawn_rate),
                    "--run-time",
                    f"{duration + math.ceil(users / spawn_rate) + 15}s",
                    # At the end, let a request in flight finish: killed, it counts as a
                    # failure (HTTP 0) that the server never made.
                    "--stop-timeout",
                    "30",
                    "--host",
                    host,
                    "--csv",
                    str(prefix),
                    "--only-summary",
                    "--loglevel",
                    "WARNING",
                    "--exit-code-on-error",
                    "0",
                ],
                cwd=BASE_DIR,
                env={
                    **env,
                    "FINSAM_LOADTEST_PLAN": str(plan_file),
                    "FINSAM_LOADTEST_THINK": think,
                    "FINSAM_LOADTEST_OUT": str(Path(tmp) / "pages.json"),
                },
                check=True,
                stdout=subprocess.DEVNULL,
                timeout=duration + 120,
            )
            figures = read_figures(prefix)
            figures.pages = percentiles(json.loads((Path(tmp) / "pages.json").read_text()))
            return figures
        finally:
            os.killpg(server.pid, signal.SIGTERM)
            server.wait(timeout=30)


def read_figures(prefix: Path) -> Figures:
    with open(f"{prefix}_stats.csv", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    total = next(r for r in rows if r["Name"] == "Aggregated")
    per_page = [
        {
            "name": r["Name"],
            "method": r.get("Type", ""),
            "requests": int(r["Request Count"]),
            "failures": int(r["Failure Count"]),
            "p50": float(r["50%"]),
            "p95": float(r["95%"]),
            "p99": float(r["99%"]),
        }
        for r in rows
        if r["Name"] != "Aggregated"
    ]
    errors = []
    failures_file = Path(f"{prefix}_failures.csv")
    if failures_file.exists():
        with failures_file.open(encoding="utf-8") as f:
            errors = [
                f"{r['Method']} {r['Name']}: {r['Error']} ({r['Occurrences']}×)"
                for r in csv.DictReader(f)
            ]
    return Figures(
        requests=int(total["Request Count"]),
        failures=int(total["Failure Count"]),
        p50=float(total["50%"]),
        p95=float(total["95%"]),
        p99=float(total["99%"]),
        rps=float(total["Requests/s"]),
        per_page=per_page,
        errors=errors,
    )
