"""Per-row validation with the PayNow client's validators. Pure: no I/O."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from paynow.ids import (
    STEAM_ID64_MAX,
    STEAM_ID64_MIN,
    InvalidIdError,
    normalize_minecraft_uuid,
    normalize_steam_id,
    normalize_xuid,
)
from paynow.models import LookupKey, MinecraftPlatform

from customers.importer.model.rejection import RejectCode, Rejection
from customers.importer.model.valid_row import IDENTITY_PREFIX, ValidRow
from customers.importer.reading.columns import Column, ColumnMap
from customers.importer.reading.csvreader import UNDECODABLE

NAME_MAX = 50
METADATA_MAX_KEYS = 50
METADATA_KEY_MAX = 40
METADATA_VALUE_MAX = 500
PLATFORMS = frozenset(p.value for p in MinecraftPlatform)
# 24 bits per compared value: two different values hash alike once in 16 million. Python's string
# hash is per process, which is enough: the duplicate index is rebuilt by every invocation
# (``ImportEngine._replay``) and never leaves it.
FINGERPRINT_MASK = 0xFFFFFF
# Metadata columns compared one by one up to this many; a wider file compares its metadata as one
# value, so the duplicate index holds at most 5 + 8 hashes per row however wide the export.
METADATA_SLOTS = 8


# ASCII digit strings of one length order as text exactly as they do as numbers: the common,
# already canonical SteamID64 is accepted with string comparisons alone (no ``int()``, no call).
_STEAM_TEXT_MIN = str(STEAM_ID64_MIN)
_STEAM_TEXT_MAX = str(STEAM_ID64_MAX)
_STEAM_TEXT_LEN = len(_STEAM_TEXT_MIN)


_IDENTIFIERS: tuple[tuple[Column, LookupKey, Callable[[str], str], RejectCode], ...] = (
    (Column.STEAM_ID, LookupKey.STEAM_ID, normalize_steam_id, RejectCode.INVALID_STEAM_ID),
    (
        Column.MINECRAFT_UUID,
        LookupKey.MINECRAFT_UUID,
        normalize_minecraft_uuid,
        RejectCode.INVALID_MINECRAFT_UUID,
    ),
    (Column.XBOX_XUID, LookupKey.XBOX_XUID, normalize_xuid, RejectCode.INVALID_XBOX_XUID),
)
_EXCEL_HINT = " (a spreadsheet reformatted it as a number? format the column as Text and export again)"


class RowValidator:
    """Turns raw CSV fields into a ``ValidRow`` or a ``Rejection`` with a reason the owner can act on."""

    def __init__(self, columns: ColumnMap) -> None:
        self._width = columns.width
        # Plain strings computed once: enum attribute access is measurable at a million rows.
        self._identifiers = [
            (columns.fields[col], key is LookupKey.STEAM_ID, key.value, IDENTITY_PREFIX[key], normalize, code)
            for col, key, normalize, code in _IDENTIFIERS
            if col in columns.fields
        ]
        self._name = columns.fields.get(Column.NAME)
        self._platform = columns.fields.get(Column.MINECRAFT_PLATFORM)
        self._metadata = sorted(columns.metadata.items())
        self._long_keys = {key for _, key in self._metadata if len(key) > METADATA_KEY_MAX}
        self._may_exceed_keys = len(self._metadata) > METADATA_MAX_KEYS
        # With short keys and few columns no row can break the key limits: skip the check per row.
        self._check_keys = bool(self._long_keys) or self._may_exceed_keys
        self._imported = sorted([*columns.fields.values(), *columns.metadata])
        # What a duplicate is compared on with the row it repeats: the imported values (normalised, as
        # sent), in ``fingerprint`` order; ``compared`` gives each one's column indexes.
        profile = sorted((index, column.value) for column, index in columns.fields.items())
        self._profile_keys = [key for _, key in profile]
        self.compared: list[tuple[int, ...]] = [(index,) for index, _ in profile]
        if len(self._metadata) <= METADATA_SLOTS:
            self._metadata_keys: list[str] | None = [key for _, key in self._metadata]
            self.compared += [(index,) for index, _ in self._metadata]
        else:
            self._metadata_keys = None
            self.compared.append(tuple(index for index, _ in self._metadata))

    def _metadata_problem(self, metadata: dict[str, str]) -> str | None:
        """Limits that depend on which metadata cells are filled (checked only when they can fail)."""
        if self._long_keys:
            long_key = next((k for k in metadata if k in self._long_keys), None)
            if long_key is not None:
                return f"metadata key {long_key[:60]!r} is longer than {METADATA_KEY_MAX} characters"
        if self._may_exceed_keys and len(metadata) > METADATA_MAX_KEYS:
            return f"{len(metadata)} metadata entries; the limit is {METADATA_MAX_KEYS}"
        return None

    def validate(self, line: int, fields: list[str]) -> ValidRow | Rejection:
        """A function of the row alone: every hop of an import, and every replay of one, judges a row
        the same wherever its reader started."""
        fitted = self._fit_width(line, fields)
        if isinstance(fitted, Rejection):
            return fitted
        fields = fitted
        # U+FFFD is what the reader makes of bytes neither UTF-8 nor Windows-1252; in UTF-8 text it
        # marks characters an earlier conversion already lost. Either way it is not the player's text;
        # in a column that is not imported it harms nothing. One scan in C first: it is rarely there.
        if UNDECODABLE in "".join(fields) and any(UNDECODABLE in fields[i] for i in self._imported):
            return Rejection(
                line,
                RejectCode.UNDECODABLE,
                "an imported column holds bytes that are neither UTF-8 nor Windows-1252, or U+FFFD "
                "(text an earlier conversion lost)",
                fields,
            )
        body: dict[str, Any] = {}
        keys: list[str] = []
        rejection = self._add_identifiers(line, fields, body, keys)
        if rejection is None:
            rejection = self._add_profile(line, fields, body)
        if rejection is None and self._metadata:
            rejection = self._add_metadata(line, fields, body)
        if rejection is not None:
            return rejection
        return ValidRow(line, fields, tuple(keys), body, self.fingerprint(body))

    def fingerprint(self, body: dict[str, Any]) -> tuple[int, ...]:
        """A short hash of each value ``body`` imports, in ``compared`` order (a blank cell and a
        missing one alike): what a later duplicate is compared with, without keeping this row."""
        get = body.get
        prints = [hash(get(key)) & FINGERPRINT_MASK for key in self._profile_keys]
        metadata: dict[str, str] = get("metadata") or {}
        if self._metadata_keys is None:
            prints.append(hash(tuple(metadata.items())) & FINGERPRINT_MASK)
        else:
            prints += [hash(metadata.get(key)) & FINGERPRINT_MASK for key in self._metadata_keys]
        return tuple(prints)

    def _fit_width(self, line: int, fields: list[str]) -> list[str] | Rejection:
        """The row padded or trimmed to the header's width; extra cells may only be blank."""
        width = self._width
        count = len(fields)
        if count == width:
            return fields
        if count < width:
            return fields + [""] * (width - count)
        if any(f.strip() for f in fields[width:]):
            return Rejection(
                line,
                RejectCode.TOO_MANY_FIELDS,
                f"row has {len(fields)} fields but the header has {width}; quote values that contain "
                "the delimiter",
                fields,
            )
        return fields[:width]

    def _add_identifiers(
        self, line: int, fields: list[str], body: dict[str, Any], keys: list[str]
    ) -> Rejection | None:
        """Normalised identifiers into ``body``, their duplicate keys into ``keys``; at least one."""
        for index, steam, name, prefix, normalize, code in self._identifiers:
            raw = fields[index].strip()
            if not raw:
                continue
            if (
                steam
                and len(raw) == _STEAM_TEXT_LEN
                and _STEAM_TEXT_MIN <= raw <= _STEAM_TEXT_MAX
                and raw.isdigit()
                and raw.isascii()
            ):
                value = raw
            else:
                try:
                    value = normalize(raw)
                except InvalidIdError as exc:
                    hint = (
                        _EXCEL_HINT if ("notation" in exc.problem or "decimal point" in exc.problem) else ""
                    )
                    return Rejection(line, code, f"{name}: {exc}{hint}", fields)
            body[name] = value
            keys.append(prefix + value)
        if not keys:
            return Rejection(
                line,
                RejectCode.NO_IDENTIFIER,
                "no identifier on this row (steam_id, minecraft_uuid or xbox_xuid)",
                fields,
            )
        return None

    def _add_profile(self, line: int, fields: list[str], body: dict[str, Any]) -> Rejection | None:
        """The optional ``minecraft_platform`` and ``name`` cells into ``body``."""
        if self._platform is not None:
            platform = fields[self._platform].strip().lower()
            if platform:
                if platform not in PLATFORMS:
                    return Rejection(
                        line,
                        RejectCode.INVALID_PLATFORM,
                        f"minecraft_platform {fields[self._platform].strip()!r} is not one of "
                        "unknown, java, bedrock",
                        fields,
                    )
                body["minecraft_platform"] = platform
        if self._name is not None:
            name = fields[self._name].strip()
            if name:
                if len(name) > NAME_MAX:
                    return Rejection(
                        line,
                        RejectCode.INVALID_NAME,
                        f"name is {len(name)} characters long; the limit is {NAME_MAX}",
                        fields,
                    )
                body["name"] = name
        return None

    def _add_metadata(self, line: int, fields: list[str], body: dict[str, Any]) -> Rejection | None:
        """The filled ``metadata.*`` cells into ``body["metadata"]``, within PayNow's limits."""
        metadata: dict[str, str] = {}
        for index, meta_key in self._metadata:
            value = fields[index].strip()
            if value:
                if len(value) > METADATA_VALUE_MAX:
                    return Rejection(
                        line,
                        RejectCode.INVALID_METADATA,
                        f"metadata.{meta_key} is {len(value)} characters long; "
                        f"the limit is {METADATA_VALUE_MAX}",
                        fields,
                    )
                metadata[meta_key] = value
        if metadata:
            if self._check_keys:
                problem = self._metadata_problem(metadata)
                if problem is not None:
                    return Rejection(line, RejectCode.INVALID_METADATA, problem, fields)
            body["metadata"] = metadata
        return None
