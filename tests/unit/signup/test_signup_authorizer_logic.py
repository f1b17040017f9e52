"""Caller-key matching for the HTTP API authorizer."""

from __future__ import annotations

import pytest
from customers.authorizer.check import caller_for, simple_response

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
