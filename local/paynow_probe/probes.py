"""One probe per house decision (and two per documented fact), run against any PayNow target.

A probe sends the requests that reveal one behaviour, then names what it saw in the decision's own
vocabulary (``observed``), so it can be compared with what the emulator decides (``expected``).
The layer's client (``paynow.client``) sends what it can express; bodies it refuses to build on
purpose (unknown fields, a non-JSON body, 201 bulk items) go through plain httpx.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
from paynow.client import PayNowClient
from paynow.errors import PayNowError
from paynow.models import CustomerUpsert, LookupKey
from paynow_emulator.decisions import HouseDecisions

# SteamID64s at the very top of the individual range: far beyond every account Steam has issued,
# so a probe never attaches a real player's Steam account to a test customer.
_STEAM_TOP = 76561202255233023
_STEAM_SPAN = 200_000_000


@dataclass
class ProbeResult:
    probe: str
    decision: str
    expected: str
    observed: str
    answer: str

    @property
    def agrees(self) -> bool:
        return self.expected == self.observed


@dataclass
class Target:
    """Where the probes go: the layer's client and a raw httpx client on the same API and key."""

    client: PayNowClient
    http: httpx.Client
    store_id: str
    run_id: str
    _serial: Iterator[int] = field(default_factory=lambda: iter(range(1, 10_000)))
    _steam_base: int = field(default_factory=lambda: _STEAM_TOP - secrets.randbelow(_STEAM_SPAN) - 1000)

    @property
    def marker(self) -> str:
        return f"paynow-probe-{self.run_id}"

    def name(self) -> str:
        return f"{self.marker}-{next(self._serial):02d}"

    def steam_id(self) -> str:
        return str(self._steam_base + next(self._serial))

    def upsert(self, **fields: Any) -> CustomerUpsert:
        return CustomerUpsert(metadata={"paynow_probe": self.run_id}, **fields)

    def body(self, **fields: Any) -> dict[str, Any]:
        return {"metadata": {"paynow_probe": self.run_id}, **fields}

    @property
    def customers(self) -> str:
        return f"/v1/stores/{self.store_id}/customers"


Probe = Callable[[Target, HouseDecisions], list[ProbeResult]]


def _describe(response: httpx.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return f"{response.status_code} (non-JSON body)"
    code = body.get("code") if isinstance(body, dict) else None
    return f"{response.status_code} {code}" if code else f"{response.status_code}"


def _error(exc: PayNowError) -> str:
    return f"{exc.status} {exc.code or ''}".strip()


def probe_duplicate_create(target: Target, expected: HouseDecisions) -> list[ProbeResult]:
    steam_id = target.steam_id()
    target.client.create_customer(target.upsert(steam_id=steam_id, name=target.name()))
    try:
        target.client.create_customer(target.upsert(steam_id=steam_id, name=target.name()))
        observed, answer = "allow", "200: a second customer with the same steam_id"
    except PayNowError as exc:
        observed = "409" if exc.status == 409 else f"other ({_error(exc)})"
        answer = _error(exc)
    return [
        ProbeResult(
            "duplicate steam_id (create)",
            "uniqueness_conflict",
            expected.uniqueness_conflict,
            observed,
            answer,
        )
    ]


def probe_duplicate_bulk(target: Target, expected: HouseDecisions) -> list[ProbeResult]:
    steam_id = target.steam_id()
    target.client.create_customer(target.upsert(steam_id=steam_id, name=target.name()))
    try:
        created = target.client.bulk_create_customers([target.upsert(steam_id=steam_id, name=target.name())])
        observed, answer = "allow", f"200: {len(created)} created with a taken steam_id"
    except PayNowError as exc:
        observed = "409" if exc.status == 409 else f"other ({_error(exc)})"
        paths = ", ".join(detail.path or "?" for detail in exc.errors)
        answer = f"{_error(exc)} errors[].path: {paths or '(none)'}"
    return [
        ProbeResult(
            "duplicate steam_id (bulk)", "uniqueness_conflict", expected.uniqueness_conflict, observed, answer
        )
    ]


def probe_bulk_one_bad_item(target: Target, expected: HouseDecisions) -> list[ProbeResult]:
    good = target.name()
    try:
        target.client.bulk_create_customers(
            [target.upsert(name=good), target.upsert(steam_id="not-a-steam-id", name=target.name())]
        )
        answer = "200: accepted"
    except PayNowError as exc:
        answer = _error(exc)
    found = target.client.lookup_customer(LookupKey.NAME, good)
    observed = "true" if found is None else "false"
    answer += "; the valid item was " + ("not created" if found is None else "created")
    return [
        ProbeResult(
            "bulk with one bad item", "bulk_atomic", str(expected.bulk_atomic).lower(), observed, answer
        )
    ]


def probe_bulk_201(target: Target, expected: HouseDecisions) -> list[ProbeResult]:
    # Raw: the layer's client refuses more than 200 items before sending.
    items = [target.body(name=target.name()) for _ in range(201)]
    response = target.http.post(f"{target.customers}/bulk", json=items)
    if response.status_code == 400:
        observed = "refuses 201 items"
    elif response.is_success:
        observed = "accepts 201 items"
    else:
        observed = f"other ({_describe(response)})"
    wanted = "refuses 201 items" if expected.bulk_max < 201 else "accepts 201 items"
    return [ProbeResult("bulk of 201 items", "bulk_max", wanted, observed, _describe(response))]


def probe_patch(target: Target, expected: HouseDecisions) -> list[ProbeResult]:
    name = target.name()
    created = target.client.create_customer(
        CustomerUpsert(name=name, metadata={"paynow_probe": target.run_id, "a": "1"})
    )
    results: list[ProbeResult] = []
    try:
        patched = target.client.update_customer(
            created.id, CustomerUpsert(metadata={"paynow_probe": target.run_id, "b": "2"})
        )
    except PayNowError as exc:
        failed = f"other ({_error(exc)})"
        results.append(
            ProbeResult("PATCH absent field", "patch_absent", expected.patch_absent, failed, failed)
        )
        results.append(
            ProbeResult("PATCH metadata", "patch_metadata", expected.patch_metadata, failed, failed)
        )
    else:
        absent = "keep" if patched.name == name else "clear" if patched.name is None else "other"
        results.append(
            ProbeResult(
                "PATCH absent field",
                "patch_absent",
                expected.patch_absent,
                absent,
                f"200 name={patched.name!r}",
            )
        )
        keys = sorted(patched.metadata)
        metadata = {
            ("b", "paynow_probe"): "replace",
            ("a", "b", "paynow_probe"): "merge",
        }.get(tuple(keys), "other")
        results.append(
            ProbeResult(
                "PATCH metadata", "patch_metadata", expected.patch_metadata, metadata, f"200 keys={keys}"
            )
        )
    try:
        cleared = target.client.update_customer(created.id, CustomerUpsert(name=None))
        null = "clears" if cleared.name is None else "ignored" if cleared.name == name else "other"
        answer = f"200 name={cleared.name!r}"
    except PayNowError as exc:
        null = answer = f"other ({_error(exc)})"
    results.append(ProbeResult("PATCH null", "patch_null", expected.patch_null, null, answer))
    return results


def probe_unknown_field(target: Target, expected: HouseDecisions) -> list[ProbeResult]:
    # Raw: the layer's model forbids unknown fields before sending.
    response = target.http.post(
        target.customers, json=target.body(name=target.name(), paynow_probe_unknown_field="x")
    )
    if response.status_code == 400:
        observed = "reject"
    elif response.is_success:
        observed = "ignore"
    else:
        observed = f"other ({_describe(response)})"
    return [
        ProbeResult(
            "unknown body field", "unknown_fields", expected.unknown_fields, observed, _describe(response)
        )
    ]


def probe_non_json_body(target: Target, expected: HouseDecisions) -> list[ProbeResult]:
    response = target.http.post(
        target.customers, content=f"name={target.name()}", headers={"content-type": "text/plain"}
    )
    observed = (
        str(response.status_code) if response.status_code in (400, 415) else f"other ({_describe(response)})"
    )
    return [
        ProbeResult(
            "non-JSON body", "non_json_body", str(expected.non_json_body), observed, _describe(response)
        )
    ]


def _error_shape(response: httpx.Response) -> str:
    """'error body' when the body has status (= the HTTP status), code and message, else what is off."""
    try:
        body = response.json()
    except ValueError:
        return "non-JSON body"
    if not isinstance(body, dict):
        return "not a JSON object"
    missing = [name for name in ("status", "code", "message") if name not in body]
    if missing:
        return f"missing {', '.join(missing)}"
    if body["status"] != response.status_code:
        return f"status field {body['status']} != HTTP {response.status_code}"
    return "error body"


def probe_not_found_shapes(target: Target, expected: HouseDecisions) -> list[ProbeResult]:
    miss = target.http.get(f"{target.customers}/lookup", params={"steam_id": target.steam_id()})
    unknown = target.http.get(f"{target.customers}/{target.store_id}")  # a flake id that is no customer
    return [
        ProbeResult(
            "lookup miss",
            "(fact) lookup miss",
            "404 error body",
            f"{miss.status_code} {_error_shape(miss)}",
            _describe(miss),
        ),
        ProbeResult(
            "unknown customer id",
            "(fact) 404 shape",
            "404 error body",
            f"{unknown.status_code} {_error_shape(unknown)}",
            _describe(unknown),
        ),
    ]


def probe_error_body(target: Target, expected: HouseDecisions) -> list[ProbeResult]:
    response = target.http.post(target.customers, json=target.body(steam_id="not-a-steam-id"))
    shape = _error_shape(response)
    observed = shape
    if shape == "error body":
        errors = response.json().get("errors")
        paths: list[str] = []
        for entry in errors if isinstance(errors, list) else []:
            path = entry.get("path") if isinstance(entry, dict) else None
            paths.append(".".join(map(str, path)) if isinstance(path, list) else str(path))
        observed = (
            "error body + errors[].path" if any("steam_id" in p for p in paths) else "error body, no path"
        )
    return [
        ProbeResult(
            "error body fields",
            "(fact) error body",
            "error body + errors[].path",
            observed,
            f"{_describe(response)} {json.dumps(sorted(response.json()) if shape == 'error body' else [])}",
        )
    ]


def probe_rate_limit_headers(target: Target, expected: HouseDecisions) -> list[ProbeResult]:
    response = target.http.get(target.customers, params={"limit": "1"})
    names = sorted(
        name
        for name in response.headers
        if "ratelimit" in name.lower() or "rate-limit" in name.lower() or name.lower() == "retry-after"
    )
    if not names:
        observed = "none"
    elif all(name.lower().startswith("x-ratelimit-") for name in names):
        observed = "x-ratelimit"
    else:
        observed = f"other ({', '.join(names)})"
    return [
        ProbeResult(
            "rate-limit headers",
            "rate_limit_headers",
            expected.rate_limit_headers,
            observed,
            f"{response.status_code} headers: {', '.join(names) or '(none)'}",
        )
    ]


PROBES: list[Probe] = [
    probe_duplicate_create,
    probe_duplicate_bulk,
    probe_bulk_one_bad_item,
    probe_bulk_201,
    probe_patch,
    probe_unknown_field,
    probe_non_json_body,
    probe_not_found_shapes,
    probe_error_body,
    probe_rate_limit_headers,
]


def run_probes(target: Target, expected: HouseDecisions) -> list[ProbeResult]:
    results: list[ProbeResult] = []
    for probe in PROBES:
        try:
            results.extend(probe(target, expected))
        except (PayNowError, httpx.HTTPError) as exc:
            # A setup call failed (e.g. the plain create): report it as this probe's answer.
            name = probe.__name__.removeprefix("probe_").replace("_", " ")
            results.append(ProbeResult(name, "(setup)", "setup succeeds", f"failed: {exc}", str(exc)))
    return results
