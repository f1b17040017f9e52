"""Ports only the signup feature uses: the Steam nonce store and the Steam authenticator."""

from __future__ import annotations

from typing import Protocol

from customers.common.deadline import Deadline


class NonceStore(Protocol):
    def use_once(self, key: str, *, keep_seconds: float) -> bool:
        """Record ``key``; False when it was recorded before (a replay)."""
        ...


class SteamAuthenticator(Protocol):
    def check_authentication(self, params: dict[str, str], *, deadline: Deadline) -> bool:
        """Ask the OpenID provider whether it issued this assertion (``is_valid:true``)."""
        ...
