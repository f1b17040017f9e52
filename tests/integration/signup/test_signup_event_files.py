"""Every sample event in events/{signup,trusted,authorizer} runs through its handler as documented."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.support.api_stack import ApiStack
from tests.support.lambda_events import ROOT, body_of

EXPECTED: dict[str, Any] = {
    # The checked-in Steam assertion is signed by an example key and long expired: refused, never 500.
    "signup/signup_steam.json": 401,
    "signup/signup_minecraft_java.json": 200,
    "signup/signup_minecraft_bedrock.json": 200,
    "signup/signup_invalid_body.json": 422,
    "signup/signup_preflight.json": 204,
    "trusted/resolve.json": 200,
    "trusted/create_token.json": 404,
    "trusted/invalidate_tokens.json": 404,
    "trusted/direct_resolve.json": "customer",
    "trusted/direct_create_token.json": "error",
    "trusted/direct_invalidate_tokens.json": "error",
    "authorizer/authorized.json": True,
    "authorizer/wrong_key.json": False,
}


def test_every_event_file_is_covered() -> None:
    files = {
        str(p.relative_to(ROOT / "events"))
        for d in ("signup", "trusted", "authorizer")
        for p in (ROOT / "events" / d).glob("*.json")
    }
    assert files == set(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_event_file(api_stack: ApiStack, name: str) -> None:
    event = json.loads((ROOT / "events" / name).read_text())
    module = getattr(api_stack, name.split("/", maxsplit=1)[0])
    result = api_stack.invoke(module, event)
    expected = EXPECTED[name]
    if isinstance(expected, bool):
        assert result["isAuthorized"] is expected
    elif isinstance(expected, int):
        assert result["statusCode"] == expected, result
        if expected not in (204,):
            assert isinstance(body_of(result), dict)
    else:
        assert expected in result, result
