"""PostgreSQL restarted: the next request succeeds.

A private PostgreSQL cluster (initdb/pg_ctl on a free port, in a temporary directory) and
Finsam under gunicorn against it, as in production: persistent connections
(CONN_MAX_AGE) with health checks (CONN_HEALTH_CHECKS). A signed-in user's page is asked
for, the cluster restarted, and the very next request must answer 200; the same after all
the app's backends are terminated (pg_terminate_backend), as a failover does.
"""

from __future__ import annotations

import http.cookiejar
import os
import re
import subprocess
import sys
import urllib.error
import urllib.parse
import urllib.request

import pytest
from django.conf import settings

from .servers import free_port, postgres_bin, postgres_cluster, stop_group, wait_for

pytestmark = [
    pytest.mark.faults,
    pytest.mark.skipif(postgres_bin() is None, reason="PostgreSQL's server binaries are missing"),
]

DBNAME = "finsam"
PASSWORD = "ett-langt-testlosenord"
MAKE_USER = f"""
from forbund.choices import Roll
from forbund.models import Uppdrag, User
user = User.objects.create_user("radet", password="{PASSWORD}")
Uppdrag.objects.create(user=user, roll=Roll.NATIONELLA_RADET)
"""
# The app's connections: DBNAME is a constant of this module.
BACKENDS = f"SELECT pid FROM pg_stat_activity WHERE datname = '{DBNAME}'"  # noqa: S608
TERMINATE = (
    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "  # noqa: S608
    f"WHERE datname = '{DBNAME}' AND pid <> pg_backend_pid()"
)


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


class Browser:
    def __init__(self, base: str):
        self.base = base
        self.cookies = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(self.cookies), NoRedirect
        )

    def request(self, path: str, data: dict | None = None) -> tuple[int, str]:
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        try:
            with self.opener.open(self.base + path, body, timeout=30) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode(errors="replace")

    def login(self, username: str, password: str) -> None:
        status, page = self.request("/konto/logga-in/")
        assert status == 200
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
        status, _ = self.request(
            "/konto/logga-in/",
            {"csrfmiddlewaretoken": token, "username": username, "password": password},
        )
        assert status == 302, "sign-in failed"


def _env(cluster) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    env.update(
        DATABASE_URL=cluster.url(DBNAME),
        CONN_MAX_AGE="60",
        # Nothing listens there: the pages asked for do not need Redis.
        REDIS_URL=f"redis://127.0.0.1:{free_port()}/0",
        LOG_LEVEL="WARNING",
    )
    return env


def _manage(env, *args: str) -> None:
    subprocess.run(  # noqa: S603 (our fixed command line)
        [sys.executable, "manage.py", *args],
        cwd=settings.BASE_DIR,
        env=env,
        check=True,
        capture_output=True,
        timeout=300,
    )


def test_the_next_request_after_a_postgresql_restart_succeeds(tmp_path):
    with postgres_cluster() as cluster:
        cluster.sql("postgres", f"CREATE DATABASE {DBNAME}")
        env = _env(cluster)
        _manage(env, "migrate", "--no-input", "-v0")
        _manage(env, "shell", "-c", MAKE_USER)

        port = free_port()
        log = tmp_path / "gunicorn.log"
        web = subprocess.Popen(  # noqa: S603 (our fixed command line)
            [
                sys.executable,
                "-m",
                "gunicorn",
                "finsam.wsgi",
                "--bind",
                f"127.0.0.1:{port}",
                "--workers",
                "1",
                "--timeout",
                "60",
            ],
            cwd=settings.BASE_DIR,
            env=env,
            stdout=log.open("wb"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            browser = Browser(f"http://127.0.0.1:{port}")

            def up():
                try:
                    return browser.request("/konto/logga-in/")[0] == 200
                except OSError:
                    return False

            wait_for(up, timeout=60, what="gunicorn")
            browser.login("radet", PASSWORD)
            assert browser.request("/")[0] == 200
            assert browser.request("/forbund/")[0] == 200
            backends = cluster.sql("postgres", BACKENDS)
            assert backends, "gunicorn keeps no persistent connection: nothing is tested"

            cluster.restart()
            status, page = browser.request("/")
            assert status == 200, page[:2000]
            assert browser.request("/forbund/")[0] == 200

            terminated = cluster.sql("postgres", TERMINATE)
            assert terminated, "no backend to terminate: nothing is tested"
            status, page = browser.request("/forbund/")
            assert status == 200, page[:2000]
        finally:
            stop_group(web)
        errors = log.read_text(errors="replace")
        assert "Internal Server Error" not in errors, errors[-3000:]
