"""Session fixtures for the template checks: template.yaml as the shared template model reads it."""

from __future__ import annotations

from typing import Any

import pytest
from devstack.template_model import FUNCTION, effective_properties, load_template

from .tools import TEMPLATE_PATH


@pytest.fixture(scope="session")
def template() -> dict[str, Any]:
    return load_template(TEMPLATE_PATH)


@pytest.fixture(scope="session")
def resources(template: dict[str, Any]) -> dict[str, Any]:
    found = template["Resources"]
    assert isinstance(found, dict)
    return found


@pytest.fixture(scope="session")
def functions(template: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Every AWS::Serverless::Function's effective properties (Globals applied by SAM)."""
    return effective_properties(template, FUNCTION)
