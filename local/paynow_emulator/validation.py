"""Request validation: the Upsert body (UpsertCustomerRequestDto) and PayNow's identifier formats."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from paynow_emulator.errors import FieldError

STEAM_INDIVIDUAL_MIN = 76561197960265728
STEAM_INDIVIDUAL_MAX = 76561202255233023
NAME_MAX = 50
METADATA_MAX_KEYS = 50
METADATA_KEY_MAX = 40
METADATA_VALUE_MAX = 500
BULK_MAX = 200
MINECRAFT_PLATFORMS = ("unknown", "java", "bedrock")
UPSERT_FIELDS = ("steam_id", "minecraft_uuid", "minecraft_platform", "xbox_xuid", "name", "metadata")

_UUID = re.compile(r"^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$")
_MAX_UINT64 = (1 << 64) - 1


def parse_steam_id(value: Any) -> str | None:
    """A SteamID64 of an individual account as a decimal string, from a string or JSON integer."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        number = value
    elif isinstance(value, str) and value.isascii() and value.isdigit() and len(value) <= 20:
        number = int(value)
    else:
        return None
    return str(number) if STEAM_INDIVIDUAL_MIN <= number <= STEAM_INDIVIDUAL_MAX else None


def parse_minecraft_uuid(value: str) -> str | None:
    """Dashed lowercase 8-4-4-4-12 from dashed or undashed, any case; None when not a UUID."""
    lowered = value.strip().lower()
    if not _UUID.match(lowered):
        return None
    compact = lowered.replace("-", "")
    if len(compact) != 32:
        return None
    return f"{compact[:8]}-{compact[8:12]}-{compact[12:16]}-{compact[16:20]}-{compact[20:]}"


def parse_xuid(value: str) -> str | None:
    if not value.isascii() or not value.isdigit() or len(value) > 20:
        return None
    number = int(value)
    return str(number) if 0 < number <= _MAX_UINT64 else None


def _join(prefix: str, name: str) -> str:
    return f"{prefix}.{name}" if prefix else name


@dataclass(frozen=True)
class Upsert:
    """The fields a body set, normalised. A key present with None means an explicit JSON null."""

    fields: dict[str, Any]


def parse_upsert(
    body: Any, prefix: str = "", *, ignore_unknown: bool = False
) -> tuple[Upsert, list[FieldError]]:
    errors: list[FieldError] = []
    if not isinstance(body, dict):
        errors.append(FieldError("bad-request", "the customer must be a JSON object", prefix or "$", "type"))
        return Upsert({}), errors
    out: dict[str, Any] = {}
    for key, value in body.items():
        path = _join(prefix, key)
        if key not in UPSERT_FIELDS:
            if ignore_unknown:
                continue
            errors.append(FieldError("bad-request", f"unknown field '{key}'", path, "additional-properties"))
            continue
        if value is None:
            out[key] = None
            continue
        parsed = _parse_field(key, value, path, errors)
        if parsed is not None:
            out[key] = parsed
    return Upsert(out), errors


# String-only identifiers: parser, the name PayNow's error message uses, and the JSON Schema format.
_STRING_IDS: dict[str, tuple[Callable[[str], str | None], str, str]] = {
    "minecraft_uuid": (parse_minecraft_uuid, "Minecraft UUID", "uuid"),
    "xbox_xuid": (parse_xuid, "Xbox XUID", "xuid"),
}


def _type_error(path: str, expected: str) -> FieldError:
    return FieldError("bad-request", f"'{path}' must be {expected}", path, "type")


def _parse_field(key: str, value: Any, path: str, errors: list[FieldError]) -> Any:
    parsed: Any = None
    if key == "steam_id":
        parsed = parse_steam_id(value)
        if parsed is None:
            if isinstance(value, str):
                message = f"cannot parse Steam ID from string: {value}"
            else:
                message = f"cannot parse Steam ID from value: {value!r}"
            errors.append(FieldError("InvalidInput", message, path, "steam-id"))
    elif key in _STRING_IDS:
        if not isinstance(value, str):
            errors.append(_type_error(path, "a string"))
            return None
        parse, label, fmt = _STRING_IDS[key]
        parsed = parse(value)
        if parsed is None:
            errors.append(FieldError("InvalidInput", f"cannot parse {label} from string: {value}", path, fmt))
    elif key == "minecraft_platform":
        if value not in MINECRAFT_PLATFORMS:
            errors.append(
                FieldError(
                    "bad-request",
                    f"'{path}' must be one of {', '.join(MINECRAFT_PLATFORMS)}",
                    path,
                    "enum",
                )
            )
            return None
        parsed = value
    elif key == "name":
        parsed = _parse_name(value, path, errors)
    else:
        parsed = _parse_metadata(value, path, errors)
    return parsed


def _parse_name(value: Any, path: str, errors: list[FieldError]) -> str | None:
    if not isinstance(value, str):
        errors.append(_type_error(path, "a string"))
        return None
    if not value:
        errors.append(FieldError("bad-request", f"'{path}' must not be empty", path, "min-length"))
        return None
    if len(value) > NAME_MAX:
        errors.append(
            FieldError("bad-request", f"'{path}' must be at most {NAME_MAX} characters", path, "max-length")
        )
        return None
    return value


def _parse_metadata(value: Any, path: str, errors: list[FieldError]) -> dict[str, str] | None:
    if not isinstance(value, dict):
        errors.append(_type_error(path, "an object of strings"))
        return None
    before = len(errors)
    if len(value) > METADATA_MAX_KEYS:
        errors.append(
            FieldError(
                "bad-request",
                f"'{path}' must have at most {METADATA_MAX_KEYS} keys, got {len(value)}",
                path,
                "max-properties",
            )
        )
    for key, item in value.items():
        item_path = f"{path}.{key}"
        if not key or len(key) > METADATA_KEY_MAX:
            errors.append(
                FieldError(
                    "bad-request",
                    f"metadata keys must be 1..{METADATA_KEY_MAX} characters, got {len(key)}",
                    item_path,
                    "max-length" if key else "min-length",
                )
            )
        if not isinstance(item, str):
            errors.append(_type_error(item_path, "a string"))
        elif len(item) > METADATA_VALUE_MAX:
            errors.append(
                FieldError(
                    "bad-request",
                    f"'{item_path}' must be at most {METADATA_VALUE_MAX} characters",
                    item_path,
                    "max-length",
                )
            )
    return dict(value) if len(errors) == before else None
