"""Verification of a Steam OpenID 2.0 positive assertion (the browser's "Sign in through Steam").

Cheap local checks run first so that a forged or foreign assertion costs no network call; then
the provider confirms the signature (``check_authentication``); finally the nonce is recorded with
a conditional write, so an assertion is honoured once even if the provider itself does not track
nonces.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

from paynow.ids import InvalidIdError, normalize_steam_id

from customers.common.deadline import Deadline
from customers.common.errors import InvalidSteamAssertionError
from customers.signup.ports import NonceStore, SteamAuthenticator

OPENID_NS = "http://specs.openid.net/auth/2.0"
CLAIMED_ID_PREFIX = "https://steamcommunity.com/openid/id/"
_CLAIMED_ID = re.compile(re.escape(CLAIMED_ID_PREFIX) + r"([0-9]{17})")
_NONCE_TIME = re.compile(r"(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z)(.{0,200})", re.DOTALL)
# OpenID 2.0 section 10.1: these must be covered by the signature (claimed_id/identity when present).
_MUST_SIGN = ("op_endpoint", "return_to", "response_nonce", "assoc_handle", "claimed_id", "identity")


def origin_of(url: str) -> str | None:
    """``scheme://host[:port]`` of an absolute http(s) URL, lowercased; None for anything else."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.username or parts.password:
        return None
    default = 443 if parts.scheme == "https" else 80
    host = parts.hostname.lower()
    return f"{parts.scheme}://{host}" if port in (None, default) else f"{parts.scheme}://{host}:{port}"


@dataclass
class SteamAssertionVerifier:
    """Turns a positive assertion into the SteamID64 it proves, or raises ``InvalidSteamAssertionError``."""

    op_endpoint: str
    allowed_origins: Iterable[str]
    authenticator: SteamAuthenticator
    nonces: NonceStore
    max_age: timedelta = timedelta(minutes=5)
    max_clock_skew: timedelta = timedelta(seconds=60)
    clock: Callable[[], datetime] = field(default=lambda: datetime.now(UTC))

    def __post_init__(self) -> None:
        self._origins = frozenset(o for o in (origin_of(x) for x in self.allowed_origins) if o)

    def verify(self, params: dict[str, str], *, deadline: Deadline) -> str:
        steam_id, nonce = self._check_locally(params)
        if not self.authenticator.check_authentication(params, deadline=deadline):
            raise InvalidSteamAssertionError("Steam did not confirm this sign-in")
        # Recorded only after Steam confirmed it: a transient failure above leaves the sign-in usable.
        keep = (self.max_age + self.max_clock_skew).total_seconds()
        if not self.nonces.use_once(f"steam-nonce#{self.op_endpoint}#{nonce}", keep_seconds=keep):
            raise InvalidSteamAssertionError("this Steam sign-in was already used")
        return steam_id

    def _check_locally(self, params: dict[str, str]) -> tuple[str, str]:
        def get(name: str) -> str:
            value = params.get(f"openid.{name}")
            if not value:
                raise InvalidSteamAssertionError(f"openid.{name} is missing")
            return value

        if get("ns") != OPENID_NS:
            raise InvalidSteamAssertionError("openid.ns is not OpenID 2.0")
        if get("mode") != "id_res":
            raise InvalidSteamAssertionError(
                "openid.mode is not id_res (the sign-in was cancelled or failed)"
            )
        if get("op_endpoint") != self.op_endpoint:
            raise InvalidSteamAssertionError("openid.op_endpoint is not the configured Steam endpoint")
        steam_id = self._claimed_steam_id(get("claimed_id"), get("identity"))
        if origin_of(get("return_to")) not in self._origins:
            raise InvalidSteamAssertionError("openid.return_to is not on an allowed origin")
        nonce = get("response_nonce")
        self._check_nonce_time(nonce)
        get("assoc_handle")
        get("sig")
        signed = set(get("signed").split(","))
        missing = [name for name in _MUST_SIGN if name not in signed]
        if missing:
            raise InvalidSteamAssertionError(f"openid.signed does not cover {', '.join(missing)}")
        for name in signed:
            get(name)
        return steam_id, nonce

    @staticmethod
    def _claimed_steam_id(claimed: str, identity: str) -> str:
        if claimed != identity:
            raise InvalidSteamAssertionError("openid.claimed_id and openid.identity differ")
        match = _CLAIMED_ID.fullmatch(claimed)
        if not match:
            raise InvalidSteamAssertionError(f"openid.claimed_id is not a {CLAIMED_ID_PREFIX}<steamid64> URL")
        try:
            return normalize_steam_id(match.group(1))
        except InvalidIdError as error:
            raise InvalidSteamAssertionError(f"openid.claimed_id: {error}") from None

    def _check_nonce_time(self, nonce: str) -> None:
        match = _NONCE_TIME.fullmatch(nonce)
        if not match:
            raise InvalidSteamAssertionError("openid.response_nonce is malformed")
        try:
            issued = datetime.strptime(match.group(1), "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
        except ValueError:
            raise InvalidSteamAssertionError("openid.response_nonce has an invalid time") from None
        now = self.clock()
        if issued < now - self.max_age:
            raise InvalidSteamAssertionError("this Steam sign-in has expired; sign in again")
        if issued > now + self.max_clock_skew:
            raise InvalidSteamAssertionError("openid.response_nonce is in the future")
