"""Every sample event in events/, rendered from the running stack's outputs and invoked on its function.

Rendering is what `python -m ops events invoke --local` does (the stack's caller key, bucket and
allowed origin; importer objects uploaded first; a fresh Steam assertion). Each file must produce the
outcome events/README.md documents for it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from devstack_e2e import REPO, Stack
from ops import events
from ops.target import Target
from ops.target import local as local_target

Outcome = Callable[[Stack, Any], None]


def http(status: int) -> Callable[[Any], dict[str, Any]]:
    def check(result: Any) -> dict[str, Any]:
        assert result["statusCode"] == status, result
        body: dict[str, Any] = json.loads(result["body"]) if result.get("body") else {}
        return body

    return check


def authorized(stack: Stack, result: Any) -> None:
    assert result == {"isAuthorized": True, "context": {"caller": "devstack"}}


def refused(stack: Stack, result: Any) -> None:
    assert result == {"isAuthorized": False}


def imported(stack: Stack, result: Any) -> None:
    (summary,) = result["imports"]
    assert summary["bucket"] == stack.info["bucket"]
    assert summary["key"].startswith(stack.info["incoming_prefix"])
    assert summary["status"] == "completed", summary
    assert summary["counts"]["total"] == 2


def invalid_name(stack: Stack, result: Any) -> None:
    body = http(422)(result)
    assert body["code"] == "validation_error"
    assert body["errors"] == [
        {"field": "body.minecraft", "message": "a Java Edition name is 3-16 letters, digits or underscores"}
    ]


def signed_up(platform: str, name: str | None) -> Outcome:
    """The minimal view signup answers with: id, display name, platform, created, token."""

    def check(stack: Stack, result: Any) -> None:
        body = http(200)(result)
        assert set(body) == {"customer", "platform", "created", "token"}
        assert body["token"]
        assert body["platform"] == platform
        assert body["customer"]["id"]
        if name is not None:
            assert body["customer"]["display_name"] == name

    return check


def not_found(stack: Stack, result: Any) -> None:
    if "statusCode" in result:
        assert http(404)(result)["code"] == "customer_not_found"
    else:
        assert result["error"]["status"] == 404
        assert result["error"]["code"] == "customer_not_found"


def stale_webhook(stack: Stack, result: Any) -> None:
    """A real signed delivery from 2023, with a secret the stack does not hold: refused, never 5xx."""
    assert http(401)(result)["code"] in {"stale", "bad_signature"}


def resolved(stack: Stack, result: Any) -> None:
    body = http(200)(result) if "statusCode" in result else result
    assert body["customer"]["id"]
    assert body["token"]
    assert isinstance(body["created"], bool)


OUTCOMES: dict[str, Outcome] = {
    "authorizer/authorized.json": authorized,
    "authorizer/wrong_key.json": refused,
    "importer/direct.json": imported,
    "importer/eventbridge-object-created.json": imported,
    "importer/s3-put.json": imported,
    "signup/signup_invalid_body.json": invalid_name,
    "signup/signup_minecraft_bedrock.json": signed_up("minecraft_bedrock", "Steve Bedrock"),
    "signup/signup_minecraft_java.json": signed_up("minecraft_java", "Notch"),
    "signup/signup_steam.json": signed_up("steam", None),
    "trusted/create_token.json": not_found,
    "trusted/direct_create_token.json": not_found,
    "trusted/direct_invalidate_tokens.json": not_found,
    "trusted/direct_resolve.json": resolved,
    "trusted/invalidate_tokens.json": not_found,
    "trusted/resolve.json": resolved,
    "webhooks/paynow_chargeback.json": stale_webhook,
}
FILES = events.files()
NAMES = [f"{p.parent.name}/{p.name}" for p in FILES]


@pytest.fixture(scope="module")
def target(stack: Stack) -> Target:
    return local_target(stack.workdir)


def test_every_event_file_has_a_documented_and_tested_outcome() -> None:
    readme = (REPO / "events" / "README.md").read_text(encoding="utf-8")
    documented = set(re.findall(r"^\| `([a-z]+/[^`]+\.json)` \|", readme, flags=re.MULTILINE))
    assert documented == set(NAMES)
    assert set(OUTCOMES) == set(NAMES)
    assert not (REPO / "events" / "signup" / "signup_preflight.json").exists()


@pytest.mark.parametrize("event_file", FILES, ids=NAMES)
def test_sample_event_produces_its_documented_outcome(stack: Stack, target: Target, event_file: Path) -> None:
    event = events.render(target, event_file)
    error, result = events.invoke(target, event_file, event)
    assert not error, result
    OUTCOMES[f"{event_file.parent.name}/{event_file.name}"](stack, result)


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("trusted/create_token.json", lambda r: http(200)(r)["token"]),
        ("trusted/invalidate_tokens.json", lambda r: http(204)(r) == {}),
        ("trusted/direct_create_token.json", lambda r: r["token"]),
        ("trusted/direct_invalidate_tokens.json", lambda r: r["invalidated"] is True),
    ],
)
def test_token_events_act_on_the_customer_given(
    stack: Stack, target: Target, name: str, expected: Callable[[Any], Any]
) -> None:
    _, customer = stack.invoke("TrustedFunction", {"action": "resolve", "identifier": {"name": "events"}})
    event_file = REPO / "events" / name
    event = events.render(target, event_file, customer_id=customer["customer"]["id"])
    error, result = events.invoke(target, event_file, event)
    assert not error, result
    assert expected(result)


def test_the_committed_steam_event_is_stale_and_refused(stack: Stack, target: Target) -> None:
    event_file = REPO / "events" / "signup" / "signup_steam.json"
    committed = json.loads(event_file.read_text().replace(events.PLACEHOLDER_KEY, stack.caller_key))
    committed["headers"]["origin"] = target.allowed_origins[0]
    error, result = events.invoke(target, event_file, committed)
    assert not error
    assert http(401)(result)["code"] == "invalid_steam_assertion"


def test_the_steam_event_is_regenerated_on_demand_and_works_once(
    stack: Stack, target: Target, tmp_path: Path
) -> None:
    from ops.__main__ import main

    written = tmp_path / "signup" / "signup_steam.json"
    written.parent.mkdir()
    command = ["events", "steam", "--devstack", str(stack.workdir), "--output", str(written)]
    assert main([*command, "--steam-id", "76561197960400002"]) == 0
    event = json.loads(written.read_text())
    assert event["headers"]["origin"] == target.allowed_origins[0]
    error, result = events.invoke(target, written, event)
    assert not error
    signed_in = http(200)(result)
    assert signed_in["platform"] == "steam"
    _, resolved = stack.invoke(
        "TrustedFunction", {"action": "resolve", "identifier": {"steam_id": "76561197960400002"}}
    )
    assert resolved["customer"]["id"] == signed_in["customer"]["id"]
    _, replayed = events.invoke(target, written, event)
    assert http(401)(replayed)["code"] == "invalid_steam_assertion"
