"""Known vulnerabilities in Finsam's installed dependencies (`make audit`), with pip-audit.

pip-audit asks PyPI's advisory data (the JSON API, per package version). Where that data
cannot be reached (a machine with only a package mirror, no internet), the audit cannot
be made; this script says so plainly instead of reporting "no known vulnerabilities".
It first asks about one package, so such a machine costs one request.

Some machines of ours reach PyPI's project JSON (`/pypi/NAME/json`) but not the per-version
one that pip-audit asks. The project JSON carries the advisories of the project's latest
release, so there every installed dependency at its latest release is still audited, from
the same advisory data; the others are listed as not audited.

Exit status: 0 no known vulnerabilities, 1 vulnerabilities found, 3 the audit could not
be made (the message says why).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from importlib.metadata import distributions, version
from pathlib import Path

from packaging.utils import canonicalize_name
from packaging.version import Version

ROOT = Path(__file__).resolve().parent.parent
CANNOT = 3
PYPI_JSON = os.environ.get("PYPI_JSON_URL", "https://pypi.org/pypi")


def pip_audit(*args: str) -> dict:
    command = [
        str(Path(sys.executable).parent / "pip-audit"),
        "--progress-spinner",
        "off",
        "--vulnerability-service",
        "pypi",
        "--format",
        "json",
        "--timeout",
        "20",
        *args,
    ]
    result = subprocess.run(command, capture_output=True, text=True, timeout=600, check=False)  # noqa: S603 (our fixed command line)
    try:
        return json.loads(result.stdout)
    except json.JSONDecodeError:
        raise AuditImpossible(
            "pip-audit gav inget svar: " + (result.stderr.strip().splitlines() or ["?"])[-1]
        ) from None


class AuditImpossible(Exception):
    pass


def probe() -> None:
    """Raises AuditImpossible if PyPI's advisory data for a pinned package is unreachable."""
    with tempfile.NamedTemporaryFile("w", suffix=".txt") as requirements:
        requirements.write(f"Django=={version('Django')}\n")
        requirements.flush()
        report = pip_audit("--no-deps", "--disable-pip", "-r", requirements.name)
    skipped = [d for d in report.get("dependencies", []) if "skip_reason" in d]
    if skipped:
        raise AuditImpossible(
            "PyPI:s sårbarhetsdata nås inte härifrån, så beroendena kunde inte granskas "
            f"({skipped[0]['skip_reason']}). Kör `make audit` på en maskin som når pypi.org."
        )


def audit() -> tuple[list[dict], list[dict]]:
    """(vulnerable dependencies, skipped dependencies) of the installed environment."""
    report = pip_audit("--skip-editable")
    dependencies = report.get("dependencies", [])
    vulnerable = [d for d in dependencies if d.get("vulns")]
    skipped = [d for d in dependencies if "skip_reason" in d]
    if dependencies and len(skipped) == len(dependencies):
        raise AuditImpossible("Inget beroende kunde granskas: " + skipped[0]["skip_reason"])
    return vulnerable, skipped


def project_json(name: str) -> dict:
    url = f"{PYPI_JSON}/{canonicalize_name(name)}/json"
    with urllib.request.urlopen(url, timeout=20) as response:  # noqa: S310 (PyPI, or PYPI_JSON_URL in tests)
        return json.load(response)


def audit_latest() -> tuple[list[dict], list[dict]]:
    """The same result as `audit`, from the project JSON: dependencies at their project's
    latest release are audited with that release's advisories; the others are skipped."""
    installed = {
        canonicalize_name(d.metadata["Name"]): d.version
        for d in distributions()
        if canonicalize_name(d.metadata["Name"]) != "finsam"
    }
    try:
        project_json("django")
    except (urllib.error.URLError, TimeoutError, ValueError) as error:
        raise AuditImpossible(
            f"PyPI:s sårbarhetsdata nås inte härifrån ({error}). Kör `make audit` på en maskin "
            "som når pypi.org."
        ) from None

    def check(name: str) -> dict:
        installed_version = installed[name]
        try:
            data = project_json(name)
        except (urllib.error.URLError, TimeoutError, ValueError) as error:
            return {"name": name, "version": installed_version, "skip_reason": str(error)}
        latest = data["info"]["version"]
        if Version(latest) != Version(installed_version):
            return {
                "name": name,
                "version": installed_version,
                "skip_reason": f"senaste version är {latest}; härifrån nås bara dess sårbarhetsdata",
            }
        vulns = [
            {"id": v["id"], "fix_versions": v.get("fixed_in") or []}
            for v in data.get("vulnerabilities") or []
            if not v.get("withdrawn")
        ]
        return {"name": name, "version": installed_version, "vulns": vulns}

    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(check, sorted(installed)))
    vulnerable = [d for d in results if d.get("vulns")]
    skipped = [d for d in results if "skip_reason" in d]
    print(
        f"Granskat mot PyPI:s sårbarhetsdata för varje projekts senaste version: "
        f"{len(results) - len(skipped)} av {len(results)} beroenden."
    )
    return vulnerable, skipped


def main() -> int:
    try:
        try:
            probe()
            vulnerable, skipped = audit()
        except AuditImpossible:
            vulnerable, skipped = audit_latest()
    except AuditImpossible as error:
        print(f"Beroendegranskningen kunde inte göras. {error}", file=sys.stderr)
        return CANNOT
    for dependency in skipped:
        print(f"Ej granskat: {dependency['name']}: {dependency['skip_reason']}")
    for dependency in vulnerable:
        for vuln in dependency["vulns"]:
            fixed = ", ".join(vuln.get("fix_versions") or []) or "ingen rättad version ännu"
            print(f"{dependency['name']} {dependency['version']}: {vuln['id']} (rättad i {fixed})")
    if vulnerable:
        print(f"{len(vulnerable)} beroenden har kända sårbarheter.", file=sys.stderr)
        return 1
    print("Inga kända sårbarheter i beroendena.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
