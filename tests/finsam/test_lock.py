"""The lock files agree with pyproject.toml and name no machine of ours.

`make install` installs requirements-dev.lock and the image requirements.lock; a pin
changed in pyproject.toml without `make lock` would be silently ignored.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[2]
PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
PIN = re.compile(r"^([A-Za-z0-9_.\-]+)==([^\s\\]+)", re.MULTILINE)


def _locked(name: str) -> dict[str, str]:
    text = (ROOT / name).read_text()
    return {canonicalize_name(m[1]): m[2] for m in PIN.finditer(text)}


def _pins(requirements: list[str]) -> dict[str, str]:
    pins = {}
    for line in requirements:
        requirement = Requirement(line)
        (spec,) = requirement.specifier  # every dependency is pinned exactly
        assert spec.operator == "==", line
        pins[canonicalize_name(requirement.name)] = spec.version
    return pins


@pytest.mark.parametrize(
    ("lock", "groups"),
    [("requirements.lock", ["main"]), ("requirements-dev.lock", ["main", "dev"])],
)
def test_every_pin_of_pyproject_is_locked_at_its_version(lock, groups):
    wanted: dict[str, str] = {}
    for group in groups:
        lines = (
            PROJECT["dependencies"] if group == "main" else PROJECT["optional-dependencies"][group]
        )
        wanted |= _pins(lines)
    locked = _locked(lock)
    assert {name: locked.get(name) for name in wanted} == wanted, "run make lock"


def test_the_production_lock_holds_no_dev_tool():
    assert not {"pytest", "ruff", "locust", "hypothesis"} & set(_locked("requirements.lock"))


@pytest.mark.parametrize("lock", ["requirements.lock", "requirements-dev.lock"])
def test_locks_name_no_local_index(lock):
    text = (ROOT / lock).read_text()
    assert "file://" not in text and "--find-links" not in text and "--index-url" not in text
