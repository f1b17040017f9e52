"""Errors the signup/token domain raises for the API layer to map to responses."""

from __future__ import annotations


class DomainError(Exception):
    """A failure with a message safe to show the caller."""

    code = "error"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class InvalidSteamAssertionError(DomainError):
    """The Steam OpenID assertion is forged, replayed, tampered, stale or for another site."""

    code = "invalid_steam_assertion"


class SteamUnavailableError(DomainError):
    """Steam's ``check_authentication`` could not be reached in time."""

    code = "steam_unavailable"


class MinecraftAccountNotFoundError(DomainError):
    """PayNow knows no Minecraft account by that name (its create answered 404)."""

    code = "minecraft_account_not_found"


class CustomerNotFoundError(DomainError):
    code = "customer_not_found"


class IdentityBusyError(DomainError):
    """Another request is creating this customer and did not finish within our deadline."""

    code = "identity_busy"


class BadRequestError(DomainError):
    """A request the caller can fix (e.g. a malformed customer id in the path)."""

    code = "bad_request"


class UnauthenticatedError(DomainError):
    """A trusted route reached without an authorized caller (the authorizer must always run first)."""

    code = "unauthenticated"
