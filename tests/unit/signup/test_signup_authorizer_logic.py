"""Caller-key matching for the HTTP API authorizer."""

from __future__ import annotations

from typing import Any

import pytest
from customers.authorizer.check import caller_for, simple_response
from customers.bootstrap.authorizer import authorization_header

CALLERS = {"backend": "k" * 32, "automation": "a" * 32}


@pytest.mark.parametrize(
    ("header", "caller"),
    [
        ("Bearer " + "k" * 32, "backend"),
        ("bearer   " + "a" * 32 + "  ", "automation"),
        ("Bearer " + "k" * 31, None),
        ("Bearer " + "k" * 33, None),
        ("Basic " + "k" * 32, None),
        ("k" * 32, None),
        ("Bearer ", None),
        ("", None),
        (None, None),
    ],
)
def test_caller_for(header: str | None, caller: str | None) -> None:
    assert caller_for(header, CALLERS) == caller


def test_simple_responses() -> None:
    assert simple_response(None) == {"isAuthorized": False}
    assert simple_response("backend") == {"isAuthorized": True, "context": {"caller": "backend"}}


@pytest.mark.parametrize(
    ("event", "header"),
    [
        ({"headers": {"authorization": "Bearer k"}}, "Bearer k"),
        ({"headers": {"Authorization": "Bearer k", "content-type": "application/json"}}, "Bearer k"),
        ({"headers": {"AUTHORIZATION": "Bearer k"}}, "Bearer k"),
        ({"headers": {"x-authorization": "Bearer k"}}, None),
        ({"headers": {}}, None),
        ({"headers": None}, None),
        ({}, None),
    ],
)
def test_the_authorization_header_is_found_in_any_letter_case(
    event: dict[str, Any], header: str | None
) -> None:
    assert authorization_header(event) == header
