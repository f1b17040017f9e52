"""The checked-in OpenAPI document is exactly what Powertools generates from the routes."""

from __future__ import annotations

import json
from pathlib import Path

from customers.bootstrap.openapi import schema_json

CHECKED_IN = Path(__file__).resolve().parents[3] / "openapi" / "http-api.json"


def test_checked_in_schema_is_in_sync() -> None:
    assert CHECKED_IN.read_text(encoding="utf-8") == schema_json(), (
        "openapi/http-api.json is stale: run `PYTHONPATH=layers/shared .venv/bin/python -m customers.api.openapi`"  # noqa: E501
    )


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
