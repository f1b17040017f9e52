"""`python -m ops openapi`: the OpenAPI document of the HTTP API (signup + trusted routes), from Powertools.

A development tool, so it lives outside the layer: it composes the routers the functions serve and
writes (or, with ``--check``, compares) the checked-in ``openapi/http-api.json``.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from aws_lambda_powertools.event_handler.api_gateway import APIGatewayHttpResolver
from aws_lambda_powertools.event_handler.openapi.models import HTTPBearer
from customers.signup import routes as signup_routes
from customers.trusted import routes as trusted_routes

CHECKED_IN = Path(__file__).resolve().parents[2] / "openapi" / "http-api.json"
TITLE = "PayNow customers HTTP API"
VERSION = "1.0.0"


def schema_json() -> str:
    app = APIGatewayHttpResolver(enable_validation=True)
    app.include_router(signup_routes.router)
    app.include_router(trusted_routes.router)
    raw = app.get_openapi_json_schema(
        title=TITLE,
        version=VERSION,
        description=(
            "POST /signup is public (CORS for the store's origins). The /customers routes require "
            "Authorization: Bearer <caller key>, checked by a Lambda authorizer against the keys in "
            "the CALLER_KEYS_SECRET secret."
        ),
        security_schemes={
            trusted_routes.CALLER_KEY_SCHEME: HTTPBearer(
                description='A caller key from the CALLER_KEYS_SECRET secret ({"callers": {name: key}})'
            )
        },
    )
    # Stable text for a checked-in file: sorted keys, newline at the end.
    return json.dumps(json.loads(raw), indent=2, sort_keys=True) + "\n"


def run(*, check: bool, target: Path = CHECKED_IN) -> int:
    """Write the document; with ``check``, only say whether the checked-in one is current (exit 1 if not)."""
    current = schema_json()
    if check:
        if target.exists() and target.read_text(encoding="utf-8") == current:
            print(f"{target} is current")
            return 0
        command = "PYTHONPATH=local:layers/shared .venv/bin/python -m ops openapi"
        print(f"{target} is stale: run `{command}`", file=sys.stderr)
        return 1
    target.parent.mkdir(exist_ok=True)
    target.write_text(current, encoding="utf-8")
    print(f"wrote {target}")
    return 0
