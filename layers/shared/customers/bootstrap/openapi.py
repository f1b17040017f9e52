"""The OpenAPI document of the whole HTTP API (signup + trusted routes), from Powertools."""

from __future__ import annotations

import json
from pathlib import Path

from aws_lambda_powertools.event_handler.api_gateway import APIGatewayHttpResolver
from aws_lambda_powertools.event_handler.openapi.models import HTTPBearer

from customers.signup import routes as signup_routes
from customers.trusted import routes as trusted_routes

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


def main() -> None:
    target = Path(__file__).resolve().parents[4] / "openapi" / "http-api.json"
    target.parent.mkdir(exist_ok=True)
    target.write_text(schema_json(), encoding="utf-8")
    print(f"wrote {target}")


if __name__ == "__main__":
    main()
