"""What can be checked of the deployment without a Docker engine."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from django.conf import settings

ROOT = Path(settings.BASE_DIR)


def _production_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    env.update(
        FINSAM_PRODUCTION="1",
        DEBUG="0",
        SECRET_KEY="x" * 20 + "-production-secret-for-the-deploy-check-0123456789",
        ALLOWED_HOSTS="finsam.example.se",
        FINSAM_PNR_KEYS="ZGV2LW9ubHktcG5yLWtleS0wMTIzNDU2Nzg5YWJjZGU=",
        FINSAM_PNR_HMAC_KEY="another-secret",
        **extra,
    )
    return env


def test_check_deploy_is_clean_with_production_settings():
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=_production_env(),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_production_refuses_to_start_without_secret_key():
    env = _production_env()
    env.pop("SECRET_KEY")
    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_env_example_lists_every_variable_settings_read():
    source = (ROOT / "finsam" / "settings.py").read_text()
    read = set(re.findall(r'env(?:\.\w+)?\(\s*"([A-Z_]+)"', source))
    listed = set(re.findall(r"^([A-Z_]+)=", (ROOT / ".env.example").read_text(), re.MULTILINE))
    assert read, "no variables found: the pattern no longer matches settings.py"
    assert read - listed == set()


def test_compose_defines_the_service_set():
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    services = compose["services"]
    assert set(services) == {"web", "worker", "beat", "postgres", "redis"}
    assert "celery -A finsam worker" in services["worker"]["command"]
    assert "celery -A finsam beat" in services["beat"]["command"]
    assert "gunicorn finsam.wsgi" in services["web"]["command"]
    for name in ("web", "worker", "beat"):
        assert services[name]["depends_on"]["postgres"]["condition"] == "service_healthy"


def test_dockerfile_copies_directories_that_exist():
    for line in (ROOT / "Dockerfile").read_text().splitlines():
        if line.startswith("COPY ") and not line.startswith("COPY . ."):
            for source in line.split()[1:-1]:
                assert (ROOT / source).exists(), source


def test_celery_is_configured_for_reliable_reports():
    from finsam.celery import app

    app.loader.import_default_modules()  # what a worker does at start
    conf = app.conf
    assert conf.task_acks_late is True
    assert conf.task_reject_on_worker_lost is True
    assert conf.worker_prefetch_multiplier == 1
    assert conf.result_backend is None
    assert conf.task_serializer == "json"
    assert "forbund.tasks.clear_expired_sessions" in app.tasks


@pytest.mark.django_db
def test_beat_task_clears_expired_sessions():
    import datetime as dt

    from django.utils import timezone

    from forbund.models import Kontosession as Session
    from forbund.tasks import clear_expired_sessions

    Session.objects.create(
        session_key="x" * 32, session_data="e30:", expire_date=timezone.now() - dt.timedelta(days=1)
    )
    clear_expired_sessions()
    assert not Session.objects.exists()


@pytest.mark.django_db
def test_pages_carry_a_strict_csp(client):
    response = client.get("/konto/logga-in/")
    csp = response["Content-Security-Policy"]
    assert "script-src 'self' 'nonce-" in csp
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    for tag in re.findall(r"<script[^>]*>", response.text):
        assert "src=" in tag, f"inline script found: {tag}"


def test_sessions_do_not_depend_on_redis():
    from django.contrib.sessions.backends.db import SessionStore as DatabaseStore

    from forbund.sessions import SessionStore

    assert settings.SESSION_ENGINE == "forbund.sessions"
    assert issubclass(SessionStore, DatabaseStore)
    assert settings.DATABASES["default"]["CONN_HEALTH_CHECKS"] is True


@pytest.mark.parametrize(
    ("value", "expected"),
    [(None, "1.1"), ("4", "4.0"), ("", None)],
    ids=["default", "set", "empty"],
)
def test_random_page_cost_is_a_connection_option_that_can_be_left_out(value, expected):
    """Our connections plan for SSD unless told otherwise; empty leaves the server's setting
    (PgBouncer refuses startup options)."""
    env = _production_env()
    env.pop("PG_RANDOM_PAGE_COST", None)
    if value is not None:
        env["PG_RANDOM_PAGE_COST"] = value
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "import django, os; os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'finsam.settings');"
            "django.setup(); from django.conf import settings;"
            "print(settings.DATABASES['default'].get('OPTIONS', {}).get('options'))",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    printed = result.stdout.strip()
    assert printed == (f"-c random_page_cost={expected}" if expected else "None")
