"""No known vulnerabilities in the installed dependencies (scripts/audit.py, `make audit`).

pip-audit needs PyPI's per-version advisory data; where only the project JSON is reachable
the script audits every dependency at its latest release from that JSON, and where no
advisory data is reachable at all the test is skipped with the script's message rather
than passing blindly.
"""

from __future__ import annotations

import http.server
import importlib.metadata
import importlib.util
import json
import subprocess
import sys
import threading

import pytest
from django.conf import settings
from packaging.utils import canonicalize_name

CANNOT = 3


def test_no_known_vulnerabilities_in_the_dependencies():
    result = subprocess.run(
        [sys.executable, "scripts/audit.py"],
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    if result.returncode == CANNOT:
        pytest.skip(result.stderr.strip())
    assert result.returncode == 0, result.stdout + result.stderr


# The fallback for machines that reach only PyPI's project JSON, against a local stand-in
# for PyPI that knows every installed distribution.


@pytest.fixture
def audit_script(monkeypatch):
    spec = importlib.util.spec_from_file_location(
        "finsam_audit", settings.BASE_DIR / "scripts/audit.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)

    def unreachable() -> None:
        raise module.AuditImpossible("per-version data unreachable")

    monkeypatch.setattr(module, "probe", unreachable)
    return module


@pytest.fixture
def fake_pypi(audit_script, monkeypatch):
    """A local PyPI project JSON: `answers[name]` overrides the latest version and advisories
    of a distribution; every other one is at its latest release without advisories."""
    installed = {
        canonicalize_name(d.metadata["Name"]): d.version for d in importlib.metadata.distributions()
    }
    answers: dict[str, dict] = {}

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            name = self.path.strip("/").split("/")[-2]
            if name not in installed:
                self.send_error(404)
                return
            body = {"info": {"version": installed[name]}, "vulnerabilities": []}
            body |= answers.get(name, {})
            data = json.dumps(body).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    monkeypatch.setattr(audit_script, "PYPI_JSON", f"http://127.0.0.1:{server.server_port}/pypi")
    yield answers
    server.shutdown()


def test_fallback_reports_an_advisory_of_the_latest_release(audit_script, fake_pypi, capsys):
    fake_pypi["django"] = {
        "vulnerabilities": [
            {"id": "PYSEC-TEST-1", "fixed_in": ["99.0"], "withdrawn": None},
            {"id": "PYSEC-TEST-WITHDRAWN", "fixed_in": [], "withdrawn": "2026-01-01"},
        ]
    }
    assert audit_script.main() == 1
    out = capsys.readouterr().out
    assert "PYSEC-TEST-1 (rättad i 99.0)" in out
    assert "WITHDRAWN" not in out


def test_fallback_lists_what_it_could_not_audit(audit_script, fake_pypi, capsys):
    fake_pypi["django"] = {
        "info": {"version": "99.0"},
        "vulnerabilities": [{"id": "PYSEC-OF-99", "fixed_in": [], "withdrawn": None}],
    }
    assert audit_script.main() == 0
    out = capsys.readouterr().out
    assert "Ej granskat: django: senaste version är 99.0" in out
    assert "PYSEC-OF-99" not in out
    assert "Inga kända sårbarheter" in out


def test_no_advisory_data_at_all_is_not_a_pass(audit_script, monkeypatch, capsys):
    monkeypatch.setattr(audit_script, "PYPI_JSON", "http://127.0.0.1:9/pypi")
    assert audit_script.main() == CANNOT
    assert "kunde inte göras" in capsys.readouterr().err
