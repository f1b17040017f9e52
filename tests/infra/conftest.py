"""Session fixtures for the template checks."""

from __future__ import annotations

from typing import Any

import pytest

from .cfn_template import effective_functions, load_template


@pytest.fixture(scope="session")
def template() -> dict[str, Any]:
    return load_template()


@pytest.fixture(scope="session")
def resources(template: dict[str, Any]) -> dict[str, Any]:
    found = template["Resources"]
    assert isinstance(found, dict)
    return found


@pytest.fixture(scope="session")
def functions(template: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return effective_functions(template)
