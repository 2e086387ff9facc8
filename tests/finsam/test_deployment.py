"""What can be checked of the deployment without a Docker engine: the compose file and the
Dockerfile read as data, the settings and commands run with production's environment."""

from __future__ import annotations

import base64
import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from django.conf import settings

ROOT = Path(settings.BASE_DIR)
APP_SERVICES = ("migrate", "web", "worker", "beat")
DOMAIN = "finsam.kommun.example"


def _production_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    env.update(
        FINSAM_PRODUCTION="1",
        DEBUG="0",
        SECRET_KEY="x" * 20 + "-production-secret-for-the-deploy-check-0123456789",
        ALLOWED_HOSTS="finsam.example.se",
        FINSAM_PNR_KEYS="ZGV2LW9ubHktcG5yLWtleS0wMTIzNDU2Nzg5YWJjZGU=",
        FINSAM_PNR_HMAC_KEY="another-secret-another-secret-another-secret",
    )
    env.update(extra)
    return env


def _run(args: list[str], env: dict[str, str], timeout: int = 120):
    return subprocess.run(  # noqa: S603 (our own interpreter and arguments)
        [sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout
    )


def _compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def _dotenv(text: str) -> dict[str, str]:
    return dict(
        line.split("=", 1) for line in text.splitlines() if line and not line.startswith("#")
    )


def _interpolate(value: str, variables: dict[str, str]) -> str:
    """Compose's ${VAR}, ${VAR:-default} and ${VAR:?error} (what docker-compose.yml uses)."""

    def one(match: re.Match) -> str:
        name, op, arg = match["name"], match["op"], match["arg"]
        found = variables.get(name, "")
        if op == ":?" and not found:
            raise ValueError(arg)
        if op == ":-" and not found:
            return arg
        return found

    return re.sub(r"\$\{(?P<name>\w+)(?:(?P<op>:[?-])(?P<arg>[^}]*))?\}", one, value)


def _container_env(service: str, dotenv: dict[str, str]) -> dict[str, str]:
    """What a compose service's process sees: .env (env_file), then `environment` over it."""
    spec = _compose()["services"][service]
    env = dict(dotenv) if spec.get("env_file") == ".env" else {}
    env.update({k: _interpolate(str(v), dotenv) for k, v in spec.get("environment", {}).items()})
    return env


def _filled_env_example() -> dict[str, str]:
    """.env.example copied and its "Sätt dessa" values set with the commands it gives."""
    dotenv = _dotenv((ROOT / ".env.example").read_text())
    token = secrets.token_urlsafe(50)
    dotenv.update(
        FINSAM_DOMAIN=DOMAIN,
        SECRET_KEY=token,
        POSTGRES_PASSWORD=secrets.token_urlsafe(50),
        FINSAM_PNR_HMAC_KEY=secrets.token_urlsafe(50),
        FINSAM_PNR_KEYS=base64.urlsafe_b64encode(os.urandom(32)).decode(),
    )
    return dotenv


def _as_host_process(container: dict[str, str]) -> dict[str, str]:
    """The container's environment, run here: our own database and Redis, nothing else."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "FINSAM_"))}
    env.update(container)
    env["REDIS_URL"] = env["CELERY_BROKER_URL"] = settings.REDIS_URL
    db = settings.DATABASES["default"]
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    env["DATABASE_URL"] = (
        f"postgres://{db['USER']}{password}@{db['HOST']}:{db['PORT']}/{db['NAME']}"
    )
    return env


def test_check_deploy_is_clean_with_production_settings():
    result = _run(["manage.py", "check", "--deploy", "--fail-level", "WARNING"], _production_env())
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_production_refuses_to_start_without_secret_key():
    env = _production_env()
    env.pop("SECRET_KEY")
    result = _run(["manage.py", "check"], env)
    assert result.returncode != 0
    assert "SECRET_KEY saknas eller är kortare än 50 tecken" in result.stderr
    assert "secrets.token_urlsafe(50)" in result.stderr  # how to make one


def test_production_refuses_debug():
    result = _run(["manage.py", "check"], _production_env(DEBUG="1"))
    assert result.returncode != 0 and "Sätt DEBUG=0" in result.stderr


def test_the_compose_web_service_runs_with_debug_off():
    env = _as_host_process(_container_env("web", _filled_env_example()))
    code = "import django; django.setup(); from django.conf import settings; print(settings.DEBUG)"
    result = _run(["-c", code], {**env, "DJANGO_SETTINGS_MODULE": "finsam.settings"})
    assert result.stdout.strip() == "False", result.stderr


def test_a_filled_in_copy_of_env_example_passes_check_deploy():
    env = _as_host_process(_container_env("web", _filled_env_example()))
    assert env["ALLOWED_HOSTS"] == DOMAIN and env["CSRF_TRUSTED_ORIGINS"] == f"https://{DOMAIN}"
    result = _run(["manage.py", "check", "--deploy", "--fail-level", "WARNING"], env)
    assert result.returncode == 0, result.stdout + result.stderr


def test_a_plain_copy_of_env_example_says_what_to_set():
    dotenv = _dotenv((ROOT / ".env.example").read_text())
    with pytest.raises(ValueError, match=r"Sätt FINSAM_DOMAIN i \.env"):
        _container_env("web", dotenv)
    with pytest.raises(ValueError, match=r"Sätt POSTGRES_PASSWORD i \.env"):
        _container_env("postgres", {**dotenv, "FINSAM_DOMAIN": DOMAIN})
    dotenv.update(FINSAM_DOMAIN=DOMAIN, POSTGRES_PASSWORD="x")
    result = _run(["manage.py", "check"], _as_host_process(_container_env("web", dotenv)))
    assert result.returncode != 0
    for name in ("SECRET_KEY", "FINSAM_PNR_KEYS", "FINSAM_PNR_HMAC_KEY"):
        assert f"{name} saknas" in result.stderr
    assert "Skapa en med: python3 -c" in result.stderr


def test_dev_tools_do_not_exist_in_production():
    """Production settings do not install the dev app: no seed_demo, generate_data,
    benchmark or load test to run there (seed_demo refuses as well, should it be)."""
    for command in ("seed_demo", "generate_data", "bench_rapport", "loadtest"):
        result = _run(["manage.py", command], _production_env())
        assert result.returncode == 1
        assert f"Unknown command: '{command}'" in result.stderr
        assert "Demodata klar" not in result.stdout


@pytest.mark.django_db
def test_halsa_answers_the_loopback_health_check_under_production_allowed_hosts():
    """The container's health check asks http://127.0.0.1:8000/halsa/."""
    code = (
        "import django; django.setup(); from django.test import Client; c = Client();"
        "r = c.get('/halsa/', HTTP_HOST='127.0.0.1:8000'); print(r.status_code, r.content)"
    )
    env = _as_host_process(_container_env("web", _filled_env_example()))
    env["DJANGO_SETTINGS_MODULE"] = "finsam.settings"
    result = _run(["-c", code], env)
    assert result.stdout.startswith("200 "), result.stdout + result.stderr[-2000:]
    assert '"postgresql": "ok"' in result.stdout


@pytest.mark.django_db
def test_other_pages_still_refuse_a_host_production_does_not_serve(client, settings):
    settings.ALLOWED_HOSTS = [DOMAIN]
    assert client.get("/halsa/", HTTP_HOST="127.0.0.1:8000").status_code == 200
    assert client.get("/konto/logga-in/", HTTP_HOST="127.0.0.1:8000").status_code == 400
    assert client.get("/konto/logga-in/", HTTP_HOST=DOMAIN).status_code == 200


def test_compose_web_healthcheck_calls_halsa_on_loopback():
    test = " ".join(_compose()["services"]["web"]["healthcheck"]["test"])
    assert "http://127.0.0.1:8000/halsa/" in test


def test_env_example_lists_every_variable_settings_read():
    source = (ROOT / "finsam" / "settings.py").read_text()
    read = set(re.findall(r'env(?:\.\w+)?\(\s*"([A-Z_]+)"', source))
    listed = set(re.findall(r"^([A-Z_]+)=", (ROOT / ".env.example").read_text(), re.MULTILINE))
    assert read, "no variables found: the pattern no longer matches settings.py"
    assert read - listed == set()


def test_compose_defines_the_service_set():
    services = _compose()["services"]
    assert set(services) == {*APP_SERVICES, "caddy", "postgres", "redis"}
    assert services["worker"]["command"][:4] == ["celery", "-A", "finsam", "worker"]
    assert services["beat"]["command"][:4] == ["celery", "-A", "finsam", "beat"]
    assert services["web"]["command"][:2] == ["gunicorn", "finsam.wsgi"]
    assert services["migrate"]["command"] == ["python", "manage.py", "migrate", "--noinput"]


def test_app_processes_are_pid_1_and_get_the_stop_signal():
    """A `sh -c` command makes the shell PID 1: it ignores SIGTERM and ends in SIGKILL."""
    services = _compose()["services"]
    for name in APP_SERVICES:
        command = services[name]["command"]
        assert isinstance(command, list) and command[0] not in ("sh", "bash"), name
        assert services[name]["init"] is True, name
    assert "sh -c" not in (ROOT / "Dockerfile").read_text()


def test_worker_and_beat_wait_for_the_migrations():
    services = _compose()["services"]
    assert services["migrate"]["restart"] == "no"
    for name in ("web", "worker", "beat"):
        depends = services[name]["depends_on"]
        assert depends["migrate"]["condition"] == "service_completed_successfully", name
        assert depends["postgres"]["condition"] == "service_healthy", name
    assert services["migrate"]["depends_on"]["postgres"]["condition"] == "service_healthy"


def test_the_database_password_comes_from_env():
    dotenv = _filled_env_example()
    password = dotenv["POSTGRES_PASSWORD"]
    assert _container_env("postgres", dotenv)["POSTGRES_PASSWORD"] == password
    for name in APP_SERVICES:
        url = _container_env(name, dotenv)["DATABASE_URL"]
        assert url == f"postgres://finsam:{password}@postgres:5432/finsam", name
    assert "finsam:finsam@" not in (ROOT / "docker-compose.yml").read_text()


def test_every_long_running_service_has_a_health_check():
    services = _compose()["services"]
    for name in ("web", "worker", "beat", "postgres", "redis"):
        assert services[name]["healthcheck"]["test"], name
    assert "inspect ping" in " ".join(services["worker"]["healthcheck"]["test"])
    assert services["beat"]["healthcheck"]["test"][2:] == [
        "manage.py",
        "halsa",
        "--del",
        "beat",
    ]


def test_every_volume_is_used_and_web_is_reached_through_caddy_only():
    compose = _compose()
    mounted = {
        volume.split(":")[0]
        for service in compose["services"].values()
        for volume in service.get("volumes", [])
    }
    assert set(compose["volumes"]) <= mounted
    assert "media" not in compose["volumes"]
    services = compose["services"]
    assert "ports" not in services["web"]  # gunicorn speaks plain HTTP: not on the host
    assert "443:443" in services["caddy"]["ports"]
    caddyfile = (ROOT / "Caddyfile").read_text()
    assert "{$FINSAM_DOMAIN}" in caddyfile and "reverse_proxy web:8000" in caddyfile


def test_the_image_installs_the_dependencies_and_holds_the_app_once(tmp_path):
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert not re.search(r"pip install[^\n]*\s(-e\s+)?\.(\s|$)", dockerfile)
    # The image installs the production lock, which tests/finsam/test_lock.py keeps in
    # step with pyproject.toml.
    assert "COPY requirements.lock ./" in dockerfile
    assert "pip install --requirement requirements.lock" in dockerfile
    # `COPY . .` brings the data files; the image leaves out secrets and the tests.
    lines = (ROOT / ".dockerignore").read_text().splitlines()
    ignored = {line.strip() for line in lines if line.strip() and not line.startswith("#")}
    assert {".env", ".venv", "tests"} <= ignored
    assert not ignored & {"forbund", "forbund/data", "*.csv", "static", "templates", "*.ttf"}
    assert "COPY . ." in dockerfile


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
    assert conf.beat_schedule["heartbeat"]["task"] in app.tasks


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
