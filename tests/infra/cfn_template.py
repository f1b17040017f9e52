"""Helpers for the template checks: template.yaml parsed with CloudFormation's short-form tags,
SAM Globals applied to functions, and the command-line tools the checks run."""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any, NoReturn

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE_PATH = ROOT / "template.yaml"

FUNCTION_DIRS = {
    "SignupFunction": "signup",
    "TrustedFunction": "trusted",
    "AuthorizerFunction": "authorizer",
    "ImportFunction": "importer",
}


class CfnLoader(yaml.SafeLoader):
    """SafeLoader that turns `!Ref x` / `!Sub ...` into their long forms ({"Ref": x}, {"Fn::Sub": ...})."""


def _construct_tag(loader: yaml.SafeLoader, tag_suffix: str, node: yaml.Node) -> dict[str, Any]:
    value: Any
    if isinstance(node, yaml.ScalarNode):
        value = loader.construct_scalar(node)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        assert isinstance(node, yaml.MappingNode)
        value = loader.construct_mapping(node, deep=True)
    if tag_suffix == "Ref":
        return {"Ref": value}
    if tag_suffix == "Condition":
        return {"Condition": value}
    if tag_suffix == "GetAtt" and isinstance(value, str):
        resource, _, attribute = value.partition(".")
        return {"Fn::GetAtt": [resource, attribute]}
    return {f"Fn::{tag_suffix}": value}


CfnLoader.add_multi_constructor("!", _construct_tag)


def load_template(path: Path = TEMPLATE_PATH) -> dict[str, Any]:
    loaded = yaml.load(path.read_text(encoding="utf-8"), Loader=CfnLoader)
    assert isinstance(loaded, dict)
    return loaded


def _merge(globals_: Mapping[str, Any], own: Mapping[str, Any]) -> dict[str, Any]:
    """SAM's Globals rule: maps merge (the resource wins per key), anything else is replaced."""
    merged = dict(globals_)
    for key, value in own.items():
        base = merged.get(key)
        if isinstance(base, Mapping) and isinstance(value, Mapping):
            merged[key] = _merge(base, value)
        else:
            merged[key] = value
    return merged


def effective_functions(template: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Every AWS::Serverless::Function's effective properties (Globals.Function applied)."""
    globals_ = template.get("Globals", {}).get("Function", {})
    return {
        name: _merge(globals_, resource.get("Properties", {}))
        for name, resource in template["Resources"].items()
        if resource["Type"] == "AWS::Serverless::Function"
    }


def _unavailable(message: str) -> NoReturn:
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(message)
    pytest.skip(message)


def sam_python() -> str:
    """The interpreter the SAM CLI runs on (read from its entry script), which bundles samtranslator."""
    sam = Path(find_tool("sam"))
    first_line = sam.read_bytes()[:512].split(b"\n", 1)[0].decode(errors="replace")
    interpreter = first_line.removeprefix("#!").strip()
    if not first_line.startswith("#!") or "python" not in Path(interpreter).name:
        _unavailable(f"{sam} is not a Python entry script; install the SAM CLI with `make tools`")
    return interpreter


def find_tool(name: str) -> str:
    """A CLI the checks shell out to: PATH first (make puts .tools/*/bin there), then .tools/."""
    on_path = shutil.which(name)
    if on_path:
        return on_path
    if name == "cfn-lint":
        beside_python = Path(sys.executable).parent / name
        if beside_python.exists():
            return str(beside_python)
    bundled = ROOT / ".tools" / name / "bin" / name
    if bundled.exists():
        return str(bundled)
    _unavailable(f"{name} is not installed (run `make tools`, or use `make test` which installs it)")
