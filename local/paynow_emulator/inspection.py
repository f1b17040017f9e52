"""The HTTP inspection surface under /_emulator/ (no auth, no faults) for the devstack and e2e tests."""

from __future__ import annotations

import json
from dataclasses import asdict
from typing import TYPE_CHECKING, Any

from paynow_emulator.decisions import HouseDecisions
from paynow_emulator.faults import Faults

if TYPE_CHECKING:
    from paynow_emulator.core import PayNowEmulator, Response, _Request


def _json(status: int, payload: Any) -> Response:
    from paynow_emulator.core import Response

    body = json.dumps(payload, separators=(",", ":")).encode()
    return Response(status, [("content-type", "application/json; charset=utf-8")], body)


def _error(status: int, message: str) -> Response:
    code = {400: "bad-request", 404: "not-found", 405: "method-not-allowed"}[status]
    return _json(status, {"status": status, "code": code, "message": message})


def _no_content() -> Response:
    from paynow_emulator.core import Response

    return Response(204, [], b"")


def _object_body(request: _Request) -> dict[str, Any]:
    try:
        body = json.loads(request.body or b"{}")
    except ValueError as exc:
        raise ValueError(f"malformed JSON body: {exc}") from exc
    if not isinstance(body, dict):
        raise ValueError("the body must be a JSON object")  # noqa: TRY004 - answered as a 400
    return body


def handle_inspection(emulator: PayNowEmulator, request: _Request) -> Response:
    resource = request.path.removeprefix("/_emulator").strip("/")
    if resource == "":
        if request.method != "GET":
            return _error(405, f"{request.method} not allowed on /_emulator/")
        return _json(200, index(emulator))
    method = request.method
    handler = _ROUTES.get(resource, {}).get(method)
    if handler is None:
        if resource in _ROUTES:
            return _error(405, f"{method} not allowed on /_emulator/{resource}")
        return _error(404, f"unknown inspection resource /_emulator/{resource}")
    try:
        return handler(emulator, request)
    except ValueError as exc:
        return _error(400, str(exc))


def _health(emulator: PayNowEmulator, request: _Request) -> Response:
    return _json(200, {"status": "ok", "store_id": emulator.store_id})


def _customers(emulator: PayNowEmulator, request: _Request) -> Response:
    customers = emulator.inspect.customers()
    return _json(200, {"count": len(customers), "customers": customers})


def _requests(emulator: PayNowEmulator, request: _Request) -> Response:
    return _json(200, [asdict(seen) for seen in emulator.inspect.requests])


def _clear_requests(emulator: PayNowEmulator, request: _Request) -> Response:
    emulator.inspect.clear_requests()
    return _no_content()


def _reset(emulator: PayNowEmulator, request: _Request) -> Response:
    emulator.inspect.reset()
    return _no_content()


def _get_faults(emulator: PayNowEmulator, request: _Request) -> Response:
    return _json(200, emulator.faults.to_dict())


def _put_faults(emulator: PayNowEmulator, request: _Request) -> Response:
    emulator.faults = Faults.from_dict(_object_body(request))
    return _json(200, emulator.faults.to_dict())


def _patch_faults(emulator: PayNowEmulator, request: _Request) -> Response:
    emulator.faults = Faults.from_dict(_object_body(request), base=emulator.faults)
    return _json(200, emulator.faults.to_dict())


def _clear_faults(emulator: PayNowEmulator, request: _Request) -> Response:
    emulator.faults = Faults()
    return _no_content()


def _get_decisions(emulator: PayNowEmulator, request: _Request) -> Response:
    return _json(200, emulator.decisions.to_dict())


def _patch_decisions(emulator: PayNowEmulator, request: _Request) -> Response:
    emulator.decisions = emulator.decisions.with_values(_object_body(request))
    return _json(200, emulator.decisions.to_dict())


def _reset_decisions(emulator: PayNowEmulator, request: _Request) -> Response:
    emulator.decisions = HouseDecisions()
    return _no_content()


def _webhook_subscriptions(emulator: PayNowEmulator, request: _Request) -> Response:
    # Secrets in clear: the local stack seeds its webhook receiver's secret from here.
    return _json(200, emulator.webhooks.secrets_for())


def _webhook_deliveries(emulator: PayNowEmulator, request: _Request) -> Response:
    return _json(200, emulator.webhooks.delivery_log())


def _get_delivery_policy(emulator: PayNowEmulator, request: _Request) -> Response:
    return _json(200, emulator.webhooks.policy.to_dict())


def _patch_delivery_policy(emulator: PayNowEmulator, request: _Request) -> Response:
    emulator.webhooks.policy = emulator.webhooks.policy.with_values(_object_body(request))
    return _json(200, emulator.webhooks.policy.to_dict())


def _trigger(emulator: PayNowEmulator, request: _Request) -> Response:
    """{"event": "OnChargeback", "customer_id": …, "customer": true|false, "chargeback_status": …}
    for a payment event; {"event": …, "body": {…}} sends any event with that body as is."""
    body = _object_body(request)
    event = body.get("event", "OnChargeback")
    if not isinstance(event, str):
        raise ValueError("event must be a string such as OnChargeback")  # noqa: TRY004 - answered as a 400
    if "body" in body:
        if not isinstance(body["body"], dict):
            raise ValueError("body must be a JSON object")
        return _json(202, emulator.webhooks.emit(event, body["body"]))
    customer_id = body.get("customer_id")
    if not isinstance(customer_id, str):
        raise ValueError("customer_id (a string) is required for a payment event")  # noqa: TRY004
    include = body.get("customer", True)
    status = body.get("chargeback_status")
    if not isinstance(include, bool) or not (status is None or isinstance(status, str)):
        raise ValueError("customer must be a boolean and chargeback_status a string")
    triggered = emulator.trigger_payment_event(
        customer_id, event, include_customer=include, chargeback_status=status
    )
    return _json(202, triggered)


def _check_token(emulator: PayNowEmulator, request: _Request) -> Response:
    """The storefront's verdict on a customer token (POST, so the token stays out of URLs and logs)."""
    token = _object_body(request).get("token")
    if not isinstance(token, str) or not token:
        raise ValueError("token (a non-empty string) is required")
    customer_id = emulator.token_valid(token)
    return _json(200, {"valid": customer_id is not None, "customer_id": customer_id})


def _minecraft_accounts(emulator: PayNowEmulator, request: _Request) -> Response:
    return _json(200, [account.to_dict() for account in emulator.minecraft_accounts()])


def _add_minecraft_account(emulator: PayNowEmulator, request: _Request) -> Response:
    body = _object_body(request)
    missing = [name for name in ("name", "uuid") if not isinstance(body.get(name), str)]
    if missing:
        raise ValueError(f"missing string field(s): {', '.join(missing)}")
    platform = body.get("platform", "java")
    account = emulator.add_minecraft_account(body["name"], body["uuid"], str(platform))
    return _json(201, account.to_dict())


def _add_steam_profile(emulator: PayNowEmulator, request: _Request) -> Response:
    body = _object_body(request)
    missing = [name for name in ("steam_id", "name", "avatar_url") if not isinstance(body.get(name), str)]
    if missing:
        raise ValueError(f"missing string field(s): {', '.join(missing)}")
    emulator.set_steam_profile(body["steam_id"], body["name"], body["avatar_url"])
    return _no_content()


_ROUTES = {
    "health": {"GET": _health},
    "customers": {"GET": _customers},
    "requests": {"GET": _requests, "DELETE": _clear_requests},
    "reset": {"POST": _reset},
    "faults": {"GET": _get_faults, "PUT": _put_faults, "PATCH": _patch_faults, "DELETE": _clear_faults},
    "decisions": {"GET": _get_decisions, "PATCH": _patch_decisions, "DELETE": _reset_decisions},
    "webhooks": {"GET": _webhook_subscriptions},
    "webhooks/deliveries": {"GET": _webhook_deliveries},
    "webhooks/policy": {"GET": _get_delivery_policy, "PATCH": _patch_delivery_policy},
    "webhooks/trigger": {"POST": _trigger},
    "tokens/check": {"POST": _check_token},
    "minecraft-accounts": {"GET": _minecraft_accounts, "POST": _add_minecraft_account},
    "steam-profiles": {"POST": _add_steam_profile},
}


# What each inspection resource is for: the index at GET /_emulator/ and the startup banners.
DESCRIPTIONS: dict[str, str] = {
    "health": "liveness and the store id",
    "customers": "every customer created so far (CustomerDto, oldest first)",
    "requests": "API requests seen, oldest first (DELETE clears)",
    "reset": "forget customers, tokens, requests, payments, webhook deliveries",
    "faults": "injected faults (GET, PUT replaces, PATCH merges, DELETE clears)",
    "decisions": "house decisions in force (PATCH switches some, DELETE restores the defaults)",
    "webhooks": "webhook subscriptions with their signing secrets in clear",
    "webhooks/deliveries": "every webhook delivery with its attempts (status, timestamp, signature)",
    "webhooks/policy": "delivery retries/backoff/duplicates (PATCH changes them)",
    "webhooks/trigger": "fire an event: a chargeback for a customer, or any event with a given body",
    "tokens/check": "the storefront's view of a customer token: {token} -> valid or not",
    "minecraft-accounts": "Minecraft accounts that exist (POST adds one)",
    "steam-profiles": "set the Steam name/avatar reported for a SteamID64",
}


def index(emulator: PayNowEmulator) -> dict[str, Any]:
    """The inspection resources, their methods and purpose (no secrets, no customer data)."""
    return {
        "store_id": emulator.store_id,
        "api": f"/v1/stores/{emulator.store_id}/customers (Authorization: APIKey <key>)",
        "resources": [
            {
                "path": f"/_emulator/{name}",
                "methods": sorted(_ROUTES[name]),
                "description": DESCRIPTIONS.get(name, ""),
            }
            for name in _ROUTES
        ],
    }


def inspection_urls(base_url: str) -> dict[str, str]:
    """Where to look, for a startup banner: the index and the created customers."""
    base = base_url.rstrip("/")
    return {
        "index": f"{base}/_emulator/",
        "customers": f"{base}/_emulator/customers",
        "requests": f"{base}/_emulator/requests",
    }


def banner_lines(base_url: str) -> list[str]:
    """Lines a launcher prints so a developer knows where to see what the emulator holds."""
    urls = inspection_urls(base_url)
    return [
        f"inspect:   {urls['index']}   (index of every inspection endpoint)",
        f"customers: {urls['customers']}   (customers created so far)",
        f"requests:  {urls['requests']}   (API requests received)",
    ]
