"""Checks bodies against PayNow's official OpenAPI spec (a dev/test aid; needs jsonschema + referencing).

The spec is read from where the team keeps it (``../shared/paynow-openapi/management-api.json``
beside the repository) or from an explicit path; it is never copied into this package.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

DEFAULT_SPEC_PATH = (
    Path(__file__).resolve().parents[2].parent / "shared" / "paynow-openapi" / "management-api.json"
)
_SPEC_URI = "urn:paynow:management-api"
STOREFRONT_CUSTOMER_PATH = "/v1/store/customer"

# Emulated operations: (method, path regex, spec path template). Literal segments come first.
_CUSTOMERS = "/v1/stores/{storeId}/customers"
_WEBHOOKS = "/v1/stores/{storeId}/webhooks"
_OPERATIONS: list[tuple[str, re.Pattern[str], str]] = [
    (method, re.compile(pattern), template)
    for method, pattern, template in [
        ("GET", r"^/v1/stores/[^/]+/customers/lookup$", f"{_CUSTOMERS}/lookup"),
        ("POST", r"^/v1/stores/[^/]+/customers/bulk$", f"{_CUSTOMERS}/bulk"),
        ("GET", r"^/v1/stores/[^/]+/customers$", _CUSTOMERS),
        ("POST", r"^/v1/stores/[^/]+/customers$", _CUSTOMERS),
        ("GET", r"^/v1/stores/[^/]+/customers/[^/]+$", f"{_CUSTOMERS}/{{customerId}}"),
        ("PATCH", r"^/v1/stores/[^/]+/customers/[^/]+$", f"{_CUSTOMERS}/{{customerId}}"),
        ("POST", r"^/v1/stores/[^/]+/customers/[^/]+/tokens$", f"{_CUSTOMERS}/{{customerId}}/tokens"),
        ("DELETE", r"^/v1/stores/[^/]+/customers/[^/]+/tokens$", f"{_CUSTOMERS}/{{customerId}}/tokens"),
        ("GET", r"^/v1/stores/[^/]+/webhooks$", _WEBHOOKS),
        ("POST", r"^/v1/stores/[^/]+/webhooks$", _WEBHOOKS),
        ("PATCH", r"^/v1/stores/[^/]+/webhooks/[^/]+$", f"{_WEBHOOKS}/{{webhookId}}"),
        ("DELETE", r"^/v1/stores/[^/]+/webhooks/[^/]+$", f"{_WEBHOOKS}/{{webhookId}}"),
        ("GET", r"^/v1/stores/[^/]+/webhooks/[^/]+/history$", f"{_WEBHOOKS}/{{webhookId}}/history"),
        ("GET", r"^/v1/stores/[^/]+/payments/[^/]+$", "/v1/stores/{storeId}/payments/{paymentId}"),
    ]
]
_ERROR_SCHEMA = {"$ref": "#/components/schemas/PayNowError"}
_CUSTOMER_SCHEMA = {"$ref": "#/components/schemas/CustomerDto"}


class SpecContract:
    """Validators for the Customers operations' request and response bodies."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path or DEFAULT_SPEC_PATH
        self.spec: dict[str, Any] = json.loads(self.path.read_text(encoding="utf-8"))
        self._registry: Registry[Any] = Registry().with_resource(
            _SPEC_URI, Resource.from_contents(self.spec, default_specification=DRAFT202012)
        )

    def validator(self, schema: Any) -> Draft202012Validator:
        # Local refs ("#/components/...") are rewritten to point into the registered spec.
        absolute = json.loads(json.dumps(schema).replace('"#/components/', f'"{_SPEC_URI}#/components/'))
        return Draft202012Validator(absolute, registry=self._registry)

    def component(self, name: str) -> Draft202012Validator:
        return self.validator({"$ref": f"#/components/schemas/{name}"})

    def operation(self, method: str, path: str) -> dict[str, Any] | None:
        path = path.rstrip("/") or "/"
        for op_method, pattern, template in _OPERATIONS:
            if op_method == method.upper() and pattern.match(path):
                operation: dict[str, Any] = self.spec["paths"][template][method.lower()]
                return operation
        return None

    def response_schema(self, method: str, path: str, status: int) -> Any:
        """The schema of this response's body; None when the spec says it has none (204).

        The storefront ``GET /v1/store/customer`` is not in the management spec: CustomerDto is used.
        Routes PayNow does not have still answer with PayNow's error shape.
        """
        if method.upper() == "GET" and path == STOREFRONT_CUSTOMER_PATH:
            return _CUSTOMER_SCHEMA if status == 200 else _ERROR_SCHEMA
        operation = self.operation(method, path)
        if operation is None:
            return _ERROR_SCHEMA
        responses = operation["responses"]
        entry = responses.get(str(status), responses["default"])
        content = entry.get("content")
        return None if content is None else content["application/json"]["schema"]

    def response_errors(self, method: str, path: str, status: int, body: bytes) -> list[str]:
        schema = self.response_schema(method, path, status)
        if schema is None:
            return [] if body == b"" else [f"{status} must have no body"]
        try:
            document = json.loads(body)
        except ValueError as exc:
            return [f"body is not JSON: {exc}"]
        return [_describe(error) for error in self.validator(schema).iter_errors(document)]

    def request_errors(self, method: str, path: str, body: Any) -> list[str]:
        """Problems of a request body against the operation's request schema (application/json)."""
        operation = self.operation(method, path)
        if operation is None:
            return [f"{method} {path} is not an emulated operation"]
        request_body = operation.get("requestBody")
        if request_body is None:
            return [] if body is None else [f"{method} {path} takes no body"]
        schema = request_body["content"]["application/json"]["schema"]
        return [_describe(error) for error in self.validator(schema).iter_errors(body)]


def _describe(error: Any) -> str:
    location = "/".join(str(part) for part in error.absolute_path) or "$"
    return f"{location}: {error.message}"
