"""Steam OpenID assertion checks: everything wrong is refused before (or by) check_authentication."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from customers.common.deadline import Deadline
from customers.common.errors import InvalidSteamAssertionError, SteamUnavailableError
from customers.signup.steam import SteamAssertionVerifier, origin_of
from steam_openid import SteamOpenIdStandIn, sign_fields

from tests.support.customers_api import MemoryNonces, StubAuthenticator

ENDPOINT = "https://steamcommunity.com/openid/login"
ORIGIN = "https://shop.example.com"
STEAM_ID = "76561198012345678"


@pytest.fixture
def provider() -> SteamOpenIdStandIn:
    return SteamOpenIdStandIn(ENDPOINT, steam_id=STEAM_ID)


def verifier(
    provider: SteamOpenIdStandIn, *, answer: Any = None, nonces: MemoryNonces | None = None
) -> tuple[SteamAssertionVerifier, StubAuthenticator]:
    auth = StubAuthenticator(provider.check_authentication if answer is None else answer)
    check = SteamAssertionVerifier(
        op_endpoint=ENDPOINT,
        allowed_origins=[ORIGIN, "http://localhost:3000"],
        authenticator=auth,
        nonces=nonces or MemoryNonces(),
    )
    return check, auth


def deadline() -> Deadline:
    return Deadline.after(5)


def test_a_genuine_assertion_proves_its_steam_id(provider: SteamOpenIdStandIn) -> None:
    check, auth = verifier(provider)
    assert check.verify(provider.mint(f"{ORIGIN}/auth/steam?next=/shop"), deadline=deadline()) == STEAM_ID
    assert auth.calls == 1


def _resigned(provider: SteamOpenIdStandIn, params: dict[str, str]) -> dict[str, str]:
    # Signed with the provider's own key, so only the local checks can catch these.
    params["openid.sig"] = sign_fields(params, provider._secret)
    return params


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"openid.ns": "http://openid.net/signon/1.1"}, "openid.ns"),
        ({"openid.mode": "cancel"}, "openid.mode"),
        ({"openid.op_endpoint": "https://evil.example/openid/login"}, "op_endpoint"),
        ({"openid.identity": "https://steamcommunity.com/openid/id/76561198000000001"}, "differ"),
        (
            {
                "openid.claimed_id": "https://steamcommunity.com.evil.example/openid/id/76561198012345678",
                "openid.identity": "https://steamcommunity.com.evil.example/openid/id/76561198012345678",
            },
            "claimed_id",
        ),
        (
            {
                "openid.claimed_id": "https://steamcommunity.com/openid/id/12345678901234567",
                "openid.identity": "https://steamcommunity.com/openid/id/12345678901234567",
            },
            "individual-account range",
        ),
        ({"openid.return_to": "https://evil.example/auth/steam"}, "allowed origin"),
        ({"openid.return_to": "https://shop.example.com.evil.example/auth"}, "allowed origin"),
        ({"openid.return_to": "https://shop.example.com@evil.example/auth"}, "allowed origin"),
        ({"openid.return_to": "javascript:alert(1)"}, "allowed origin"),
        ({"openid.response_nonce": "not-a-nonce"}, "malformed"),
        ({"openid.signed": "op_endpoint,claimed_id,identity,return_to"}, "does not cover"),
        ({"openid.sig": ""}, "openid.sig is missing"),
    ],
)
def test_local_checks_refuse_without_asking_steam(
    provider: SteamOpenIdStandIn, change: dict[str, str], reason: str
) -> None:
    check, auth = verifier(provider)
    params = provider.mint(f"{ORIGIN}/auth")
    params.update(change)
    if "openid.sig" not in change:
        params = _resigned(provider, params)
    with pytest.raises(InvalidSteamAssertionError, match=reason):
        check.verify(params, deadline=deadline())
    assert auth.calls == 0


def test_an_old_assertion_is_refused_as_expired(provider: SteamOpenIdStandIn) -> None:
    check, auth = verifier(provider)
    old = provider.mint(f"{ORIGIN}/auth", issued=datetime.now(UTC) - timedelta(minutes=6))
    with pytest.raises(InvalidSteamAssertionError, match="expired"):
        check.verify(old, deadline=deadline())
    assert auth.calls == 0


def test_an_assertion_from_the_future_is_refused(provider: SteamOpenIdStandIn) -> None:
    check, _ = verifier(provider)
    future = provider.mint(f"{ORIGIN}/auth", issued=datetime.now(UTC) + timedelta(minutes=3))
    with pytest.raises(InvalidSteamAssertionError, match="future"):
        check.verify(future, deadline=deadline())


def test_a_tampered_steam_id_fails_check_authentication(provider: SteamOpenIdStandIn) -> None:
    check, auth = verifier(provider)
    params = provider.mint(f"{ORIGIN}/auth")
    other = "https://steamcommunity.com/openid/id/76561198099999999"
    params["openid.claimed_id"] = params["openid.identity"] = other
    with pytest.raises(InvalidSteamAssertionError, match="did not confirm"):
        check.verify(params, deadline=deadline())
    assert auth.calls == 1


def test_a_forged_signature_fails_check_authentication(provider: SteamOpenIdStandIn) -> None:
    forger = SteamOpenIdStandIn(ENDPOINT, steam_id=STEAM_ID)  # same shape, different secret
    check, _ = verifier(provider)
    with pytest.raises(InvalidSteamAssertionError, match="did not confirm"):
        check.verify(forger.mint(f"{ORIGIN}/auth"), deadline=deadline())


def test_a_replay_is_refused_even_when_the_provider_does_not_track_nonces() -> None:
    lax = SteamOpenIdStandIn(ENDPOINT, steam_id=STEAM_ID, enforce_nonce=False)
    check, auth = verifier(lax)
    params = lax.mint(f"{ORIGIN}/auth")
    assert check.verify(dict(params), deadline=deadline()) == STEAM_ID
    with pytest.raises(InvalidSteamAssertionError, match="already used"):
        check.verify(dict(params), deadline=deadline())
    assert auth.calls == 2  # the provider said yes twice; our nonce record said no


def test_a_steam_outage_does_not_burn_the_nonce(provider: SteamOpenIdStandIn) -> None:
    nonces = MemoryNonces()
    params = provider.mint(f"{ORIGIN}/auth")
    down, _ = verifier(provider, answer=SteamUnavailableError("down"), nonces=nonces)
    with pytest.raises(SteamUnavailableError):
        down.verify(dict(params), deadline=deadline())
    up, _ = verifier(provider, nonces=nonces)
    assert up.verify(dict(params), deadline=deadline()) == STEAM_ID


@pytest.mark.parametrize(
    ("url", "origin"),
    [
        ("https://Shop.Example.com:443/x?y", "https://shop.example.com"),
        ("http://localhost:3000/cb", "http://localhost:3000"),
        ("https://a.example:8443", "https://a.example:8443"),
        ("https://user:pw@a.example/", None),
        ("ftp://a.example/", None),
        ("https://a.example:99999/", None),
        ("/relative", None),
    ],
)
def test_origin_of(url: str, origin: str | None) -> None:
    assert origin_of(url) == origin
