"""Known vulnerabilities in Finsam's installed dependencies (`make audit`), with pip-audit.

pip-audit asks PyPI's advisory data (the JSON API, per package version). Where that data
cannot be reached (a machine with only a package mirror, no internet), the audit cannot
be made; this script says so plainly instead of reporting "no known vulnerabilities".
It first asks about one package, so such a machine costs one request.

Exit status: 0 no known vulnerabilities, 1 vulnerabilities found, 3 the audit could not
be made (the message says why).
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from importlib.metadata import version
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CANNOT = 3


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


def main() -> int:
    try:
        probe()
        vulnerable, skipped = audit()
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
