"""Validation and normalisation of the identifiers PayNow deals in. Every id leaves here as a string."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

STEAM_ID64_MIN = 76561197960265728
STEAM_ID64_MAX = 76561202255233023
FLAKE_EPOCH_MS = 1645568542000  # 2022-02-22T22:22:22Z
_FLAKE_EPOCH = datetime.fromtimestamp(FLAKE_EPOCH_MS / 1000, tz=UTC)
_FLAKE_TIMESTAMP_SHIFT = 10 + 12  # node bits + counter bits below the 41-bit millisecond timestamp
_FLAKE_MAX = (1 << 63) - 1
_XUID_MAX = (1 << 64) - 1
# No id PayNow deals in has more significant digits (2**64 has 20). Longer text stands for a number
# above every range without int(), which refuses over 4300 digits with a plain ValueError.
_MAX_DIGITS = 20
_ABOVE_EVERY_RANGE = 10**_MAX_DIGITS

# ASCII only: str.isdigit() would also accept superscripts and other scripts' digits.
_DECIMAL = re.compile(r"[0-9]+")
_SCIENTIFIC = re.compile(r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)[eE][+-]?[0-9]+")
_FRACTIONAL = re.compile(r"[+-]?[0-9]*\.[0-9]*")
_UUID_DASHED = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
_UUID_UNDASHED = re.compile(r"[0-9a-fA-F]{32}")


class InvalidIdError(ValueError):
    """An identifier that PayNow would reject or misread. The message names the problem."""

    def __init__(self, kind: str, value: object, problem: str) -> None:
        shown = repr(value)
        if len(shown) > 60:
            shown = shown[:57] + "..."
        super().__init__(f"invalid {kind} {shown}: {problem}")
        self.kind = kind
        self.problem = problem


def normalize_steam_id(value: str | int) -> str:
    """A SteamID64 of an individual account, as PayNow wants it: a decimal string.

    Floats are refused outright: a float64 cannot hold 17 significant digits, so ``7.6561198e16``
    or ``76561198000000000.0`` is already a different account by the time it reaches us.
    """
    number = _decimal("SteamID64", value)
    if not STEAM_ID64_MIN <= number <= STEAM_ID64_MAX:
        raise InvalidIdError(
            "SteamID64",
            value,
            f"outside the individual-account range {STEAM_ID64_MIN}..{STEAM_ID64_MAX}",
        )
    return str(number)


def normalize_xuid(value: str | int) -> str:
    """An Xbox user id (XUID): a positive 64-bit decimal number, returned as a string."""
    number = _decimal("XUID", value)
    if not 0 < number <= _XUID_MAX:
        raise InvalidIdError("XUID", value, "must be a positive 64-bit number")
    return str(number)


def normalize_minecraft_uuid(value: str) -> str:
    """A Minecraft account UUID, dashed or not, returned dashed and lowercase (PayNow's form)."""
    if not isinstance(value, str):
        raise InvalidIdError("Minecraft UUID", value, f"must be a string, not {type(value).__name__}")
    text = value.strip()
    if _UUID_DASHED.fullmatch(text):
        return text.lower()
    if _UUID_UNDASHED.fullmatch(text):
        text = text.lower()
        return f"{text[:8]}-{text[8:12]}-{text[12:16]}-{text[16:20]}-{text[20:]}"
    raise InvalidIdError("Minecraft UUID", value, "expected 32 hex digits, optionally dashed 8-4-4-4-12")


def validate_flake_id(value: str | int) -> str:
    """A PayNow flake id (store, customer, ...) as its canonical decimal string.

    Path segments are built from these, so refusing anything but digits also rules out
    ``..`` or ``/`` reaching a URL.
    """
    number = _decimal("flake id", value)
    if not 0 < number <= _FLAKE_MAX:
        raise InvalidIdError("flake id", value, "must be a positive 63-bit number")
    return str(number)


def flake_timestamp(flake_id: str | int) -> datetime:
    """When the flake id was minted: its top 41 bits are milliseconds since PayNow's epoch."""
    number = int(validate_flake_id(flake_id))
    return _FLAKE_EPOCH + timedelta(milliseconds=number >> _FLAKE_TIMESTAMP_SHIFT)


def _decimal(kind: str, value: object) -> int:
    # bool is an int subclass; True is never meant as an id.
    if isinstance(value, bool) or not isinstance(value, int | str):
        problem = "a float cannot hold it exactly; pass a string" if isinstance(value, float) else ""
        raise InvalidIdError(kind, value, problem or f"must be a string or int, not {type(value).__name__}")
    if isinstance(value, int):
        return value
    text = value.strip()
    if not text:
        raise InvalidIdError(kind, value, "is empty")
    if _DECIMAL.fullmatch(text):
        digits = text.lstrip("0") or "0"
        return _ABOVE_EVERY_RANGE if len(digits) > _MAX_DIGITS else int(digits)
    if _SCIENTIFIC.fullmatch(text):
        raise InvalidIdError(kind, value, "scientific notation loses digits; pass the exact decimal digits")
    if _FRACTIONAL.fullmatch(text):
        raise InvalidIdError(kind, value, "has a decimal point; ids are whole numbers")
    raise InvalidIdError(kind, value, "must contain only the digits 0-9")
