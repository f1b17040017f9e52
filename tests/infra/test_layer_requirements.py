"""layers/shared/requirements.txt is what Lambda gets: complete, pinned, and the versions the tests
run against. (That it covers every import of the shipped code is checked on the built layer.)"""

from __future__ import annotations

import re
from importlib import metadata
from pathlib import Path

import pytest
from packaging.markers import Marker
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from .layer_requirements import RUNTIME_PROVIDED, pinned_requirements

pytestmark = pytest.mark.infra

# The Lambda target the layer is built for (see layers/shared/Makefile).
LAMBDA_ENVIRONMENT = {
    "python_version": "3.13",
    "python_full_version": "3.13.0",
    "sys_platform": "linux",
    "platform_system": "Linux",
    "platform_machine": "aarch64",
    "os_name": "posix",
    "implementation_name": "cpython",
    "platform_python_implementation": "CPython",
}
LAYER_PACKAGES = {"paynow", "customers"}


def _applies(requirement: Requirement, extras: set[str]) -> bool:
    if requirement.marker is None:
        return True
    marker: Marker = requirement.marker
    return any(marker.evaluate({**LAMBDA_ENVIRONMENT, "extra": extra}) for extra in extras | {""})


def test_every_requirement_is_pinned_exactly() -> None:
    pinned = pinned_requirements()
    assert pinned
    for name, requirement in pinned.items():
        specifiers = list(requirement.specifier)
        assert [specifier.operator for specifier in specifiers] == ["=="], f"{name}: pin with =="
    assert not RUNTIME_PROVIDED & set(pinned), "the Lambda runtime provides these already"


def test_pins_match_the_versions_the_tests_run_against() -> None:
    for name, requirement in pinned_requirements().items():
        (specifier,) = requirement.specifier
        assert metadata.version(name) == specifier.version, f"{name}: venv and layer disagree"


def test_requirements_are_a_closed_set() -> None:
    """The Makefile installs with --no-deps, so every dependency must be listed (or be the runtime's)."""
    pinned = pinned_requirements()
    for name, requirement in pinned.items():
        for raw in metadata.requires(name) or []:
            dependency = Requirement(raw)
            if not _applies(dependency, set(requirement.extras)):
                continue
            dependency_name = canonicalize_name(dependency.name)
            assert dependency_name in pinned or dependency_name in RUNTIME_PROVIDED, (
                f"{name} needs {dependency}, which the layer would not ship"
            )
            if dependency_name in pinned:
                (specifier,) = pinned[dependency_name].specifier
                assert dependency.specifier.contains(specifier.version, prereleases=True), (
                    f"{name} needs {dependency}, layer pins {specifier}"
                )


DEV_LOCK = Path(__file__).resolve().parents[2] / "locks/dev.txt"


def _locked_versions(path: Path) -> dict[str, str]:
    """Canonical name -> version of every `name==version` line of a compiled lock."""
    found = (re.match(r"([A-Za-z0-9._-]+)==([^\s;\\]+)", line) for line in path.read_text().splitlines())
    return {canonicalize_name(m.group(1)): m.group(2) for m in found if m}


def test_layer_pins_match_the_dev_lock() -> None:
    """The dev venv (and the 3.13 one) install locks/dev.txt: the layer ships those same versions."""
    locked = _locked_versions(DEV_LOCK)
    assert "pydantic" in locked
    for name, requirement in pinned_requirements().items():
        (specifier,) = requirement.specifier
        assert locked.get(name) == specifier.version, f"{name}: layer {specifier}, lock {locked.get(name)}"
