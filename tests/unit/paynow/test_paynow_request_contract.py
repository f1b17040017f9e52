"""Every request the client sends is one the official OpenAPI spec describes.

Path and method must name a spec operation; query parameters must be ones that operation lists, with
values valid for their schemas; JSON bodies must validate against the operation's request schema.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from typing import Any
from urllib.parse import quote

import httpx
import jsonschema
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator, FormatChecker
from paynow.client import PayNowClient
from paynow.models import CustomerUpsert, LookupKey, MinecraftPlatform
from paynow.retry import RetryPolicy
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from tests.support.scripted_paynow import CUSTOMER_ID, STORE_ID, customer_json, json_response

SPEC_URI = "urn:paynow:management-api"
FORMATS = FormatChecker()


def _is_decimal_id(value: object) -> bool:
    # Both spec formats are decimal strings on the wire (non-strings are the "type" keyword's job).
    return not isinstance(value, str) or re.fullmatch(r"[0-9]{1,20}", value) is not None


FORMATS.checks("flake-id")(_is_decimal_id)
FORMATS.checks("steam-id")(_is_decimal_id)


class SpecContract:
    def __init__(self, spec: dict[str, Any]) -> None:
        self.spec = spec
        self.registry: Registry[Any] = Registry().with_resource(
            SPEC_URI, Resource.from_contents(spec, default_specification=DRAFT202012)
        )
        self.routes = [
            (re.compile("^" + re.sub(r"\{[^}]+\}", "[^/]+", path) + "$"), path)
            for path in spec["paths"]
            if path.startswith("/v1/stores/{storeId}/customers")
        ]

    def validator(self, pointer: str) -> Draft202012Validator:
        return Draft202012Validator(
            {"$ref": f"{SPEC_URI}#{pointer}"}, registry=self.registry, format_checker=FORMATS
        )

    def operation(self, request: httpx.Request) -> tuple[str, str]:
        # Literal segments (/lookup, /bulk) must win over {customerId}, as on the real router.
        matches = [p for rx, p in self.routes if rx.match(request.url.path)]
        assert matches, f"no spec path for {request.url.path}"
        path = min(matches, key=lambda p: p.count("{"))
        method = request.method.lower()
        assert method in self.spec["paths"][path], f"{request.method} {path} is not in the spec"
        return path, method

    def check(self, request: httpx.Request) -> str:
        path, method = self.operation(request)
        operation = self.spec["paths"][path][method]
        pointer = "/paths/" + quote(path.replace("~", "~0").replace("/", "~1"), safe="~") + "/" + method

        # Query: only names the operation lists, each value valid for its schema.
        declared = {
            p["name"]: i for i, p in enumerate(operation.get("parameters", [])) if p.get("in") == "query"
        }
        query = request.url.params
        for name in query:
            assert name in declared, f"{name!r} is not a query parameter of {operation['operationId']}"
            schema_pointer = f"{pointer}/parameters/{declared[name]}/schema"
            schema = operation["parameters"][declared[name]]["schema"]
            values: list[str] = query.get_list(name)
            value: Any = values if schema.get("type") == "array" else _single(values)
            self.validator(schema_pointer).validate(_coerce(value, schema))

        # Body: present exactly when the spec defines one, and valid against it.
        body_spec = operation.get("requestBody")
        if body_spec is None:
            assert request.content == b"", f"{operation['operationId']} takes no body"
        else:
            assert request.headers["Content-Type"] == "application/json"
            self.validator(f"{pointer}/requestBody/content/application~1json/schema").validate(
                json.loads(request.content)
            )
        assert request.headers["Authorization"].startswith("APIKey ")
        return str(operation["operationId"])


def _single(values: list[str]) -> str:
    assert len(values) == 1, f"scalar query parameter repeated: {values}"
    return values[0]


def _coerce(value: Any, schema: dict[str, Any]) -> Any:
    """Query strings are text; turn them into the JSON types the parameter schema speaks."""
    kind = schema.get("type")
    if kind == "integer":
        assert re.fullmatch(r"-?[0-9]+", value), f"not an integer: {value!r}"
        return int(value)
    if kind == "boolean":
        assert value in ("true", "false"), f"not a boolean: {value!r}"
        return value == "true"
    return value


class Recorder:
    """Answers every operation plausibly and keeps each request for the contract check."""

    def __init__(self) -> None:
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        path = request.url.path
        if request.method == "DELETE":
            return httpx.Response(204)
        if path.endswith("/tokens"):
            return json_response(200, {"token": "tok"})
        if path.endswith("/bulk"):
            return json_response(200, [customer_json(str(int(CUSTOMER_ID) + i)) for i in range(3)])
        if path.endswith("/customers") and request.method == "GET":
            # One customer on the first page, none after it: iter_customers walks two pages.
            return json_response(200, [] if "after" in request.url.params else [customer_json()])
        return json_response(200, customer_json())


@pytest.fixture(scope="module")
def contract(openapi_spec: dict[str, Any]) -> SpecContract:
    return SpecContract(openapi_spec)


def recording_client() -> tuple[PayNowClient, Recorder]:
    recorder = Recorder()
    client = PayNowClient(
        STORE_ID, "pnapi_v1_contract", transport=httpx.MockTransport(recorder), retry=RetryPolicy()
    )
    return client, recorder


FULL_UPSERT = CustomerUpsert(
    steam_id="76561197960287930",
    minecraft_uuid="f84c6a79-0a4e-45e0-879b-cd49ebd4c4e2",
    minecraft_platform=MinecraftPlatform.JAVA,
    xbox_xuid="2535405290000000",
    name="m0uka",
    metadata={"source": "import", "row": "17"},
)


def exercise_every_operation(client: PayNowClient) -> None:
    client.list_customers()
    client.list_customers(
        limit=100, after=CUSTOMER_ID, before=CUSTOMER_ID, asc=True, search="x", customer_ids=["1", "2"]
    )
    list(client.iter_customers(page_size=1, asc=True, search="m0u"))
    client.create_customer(FULL_UPSERT)
    client.create_customer(CustomerUpsert(name="Notch", minecraft_platform=MinecraftPlatform.BEDROCK))
    client.create_customer(CustomerUpsert())
    client.get_customer(CUSTOMER_ID)
    client.update_customer(CUSTOMER_ID, FULL_UPSERT)
    client.update_customer(CUSTOMER_ID, CustomerUpsert(name=None, metadata=None, xbox_xuid=None))
    for key in LookupKey:
        client.lookup_customer(key, "76561197960287930" if key is LookupKey.STEAM_ID else "value")
    client.bulk_create_customers(
        [FULL_UPSERT, CustomerUpsert(name="a"), CustomerUpsert(steam_id="76561197960265729")]
    )
    client.create_customer_token(CUSTOMER_ID)
    client.invalidate_customer_tokens(CUSTOMER_ID)


def test_every_request_of_every_operation_matches_the_spec(contract: SpecContract) -> None:
    client, recorder = recording_client()
    with client:
        exercise_every_operation(client)
    seen = {contract.check(request) for request in recorder.requests}
    assert seen == {
        "Customers_GetCustomers",
        "Customers_CreateCustomer",
        "Customers_GetCustomerById",
        "Customers_UpdateCustomer",
        "Customers_LookupCustomer",
        "Customers_BulkCreateCustomers",
        "Customers_CreateCustomerToken",
        "Customers_InvalidateCustomerTokens",
    }


def test_the_checker_itself_rejects_what_the_spec_forbids(contract: SpecContract) -> None:
    base = f"https://api.paynow.gg/v1/stores/{STORE_ID}/customers"
    bad_requests: Iterable[httpx.Request] = [
        httpx.Request(
            "POST", base, json={"steam_id": "1", "nickname": "x"}, headers={"Authorization": "APIKey k"}
        ),
        httpx.Request(
            "POST", base, json={"minecraft_platform": "xbox"}, headers={"Authorization": "APIKey k"}
        ),
        httpx.Request("GET", base, params={"limit": "101"}, headers={"Authorization": "APIKey k"}),
        httpx.Request("GET", base, params={"page": "2"}, headers={"Authorization": "APIKey k"}),
        httpx.Request(
            "GET", f"{base}/lookup", params={"email": "a@b"}, headers={"Authorization": "APIKey k"}
        ),
        httpx.Request("PUT", f"{base}/{CUSTOMER_ID}", json={}, headers={"Authorization": "APIKey k"}),
        httpx.Request("POST", f"{base}/bulk", json={"steam_id": "1"}, headers={"Authorization": "APIKey k"}),
    ]
    for request in bad_requests:
        with pytest.raises((AssertionError, jsonschema.ValidationError)):
            contract.check(request)


# Absent keys stay unset (not sent). Only the fields the spec makes nullable may be an explicit null:
# SteamId and CustomerMinecraftPlatform are not nullable in the spec.
upserts = st.fixed_dictionaries(
    {},
    optional={
        "steam_id": st.integers(76561197960265728, 76561202255233023).map(str),
        "minecraft_uuid": st.none() | st.uuids().map(str),
        "minecraft_platform": st.sampled_from(MinecraftPlatform),
        "xbox_xuid": st.none() | st.integers(1, 2**64 - 1).map(str),
        "name": st.none() | st.text(min_size=1, max_size=50),
        "metadata": st.none() | st.dictionaries(st.text(max_size=40), st.text(max_size=500), max_size=5),
    },
).map(lambda fields: CustomerUpsert(**fields))


@settings(max_examples=60, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(upserts, min_size=1, max_size=5))
def test_generated_bodies_for_create_update_and_bulk_match_the_spec(
    contract: SpecContract, items: list[CustomerUpsert]
) -> None:
    client, recorder = recording_client()
    with client:
        client.create_customer(items[0])
        client.update_customer(CUSTOMER_ID, items[-1])
        client.bulk_create_customers(items)
    assert len(recorder.requests) == 3
    for request in recorder.requests:
        contract.check(request)
