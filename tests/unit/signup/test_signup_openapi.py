"""The checked-in OpenAPI document is exactly what Powertools generates from the routes."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

from ops.openapi import run, schema_json

from tests.support.processes import run_captured

CHECKED_IN = Path(__file__).resolve().parents[3] / "openapi" / "http-api.json"


def test_checked_in_schema_is_in_sync() -> None:
    assert CHECKED_IN.read_text(encoding="utf-8") == schema_json(), (
        "openapi/http-api.json is stale: run `PYTHONPATH=local:layers/shared .venv/bin/python -m ops openapi`"
    )


def test_check_reports_a_stale_document_and_writing_makes_it_current(tmp_path: Path) -> None:
    target = tmp_path / "http-api.json"
    target.write_text("{}\n", encoding="utf-8")
    assert run(check=True, target=target) == 1
    assert run(check=False, target=target) == 0
    assert run(check=True, target=target) == 0
    assert target.read_text(encoding="utf-8") == schema_json()


def test_readme_check_command_passes_on_the_checked_in_document() -> None:
    env = {**os.environ, "PYTHONPATH": "local:layers/shared"}
    completed = run_captured([sys.executable, "-m", "ops", "openapi", "--check"], env=env, timeout=120)
    assert completed.returncode == 0, completed.stderr
    assert "is current" in completed.stdout


def test_schema_describes_every_route_and_its_security() -> None:
    doc = json.loads(schema_json())
    operations = {(path, method) for path, item in doc["paths"].items() for method in item}
    assert operations == {
        ("/signup", "post"),
        ("/customers/resolve", "post"),
        ("/customers/{customerId}/tokens", "post"),
        ("/customers/{customerId}/tokens", "delete"),
    }
    assert "security" not in doc["paths"]["/signup"]["post"]
    for path, method in operations - {("/signup", "post")}:
        assert doc["paths"][path][method]["security"] == [{"CallerKey": []}]
    assert doc["components"]["securitySchemes"]["CallerKey"]["scheme"] == "bearer"
    signup = doc["paths"]["/signup"]["post"]
    assert signup["requestBody"]["content"]["application/json"]["schema"]["$ref"].endswith("/SignupRequest")
    assert {"200", "401", "404", "422", "429", "502", "503"} <= set(signup["responses"])
    assert "204" in doc["paths"]["/customers/{customerId}/tokens"]["delete"]["responses"]


def test_signup_documents_only_the_minimal_view_and_its_refusals() -> None:
    doc = json.loads(schema_json())
    schemas = doc["components"]["schemas"]
    signup = doc["paths"]["/signup"]["post"]
    ok = signup["responses"]["200"]["content"]["application/json"]["schema"]["$ref"]
    response = schemas[ok.rsplit("/", 1)[-1]]
    assert set(response["properties"]) == {"customer", "platform", "created", "token"}
    customer = schemas[response["properties"]["customer"]["$ref"].rsplit("/", 1)[-1]]
    assert set(customer["properties"]) == {"id", "display_name"}
    assert {"403", "409", "415", "429"} <= set(signup["responses"])
    resolve = schemas["ResolveResponse"]
    assert "not_applied" in resolve["properties"]
