"""Header mapping: which CSV column feeds which PayNow field."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from customers.importer.reading.csvreader import UNDECODABLE


class Column(StrEnum):
    STEAM_ID = "steam_id"
    MINECRAFT_UUID = "minecraft_uuid"
    XBOX_XUID = "xbox_xuid"
    NAME = "name"
    MINECRAFT_PLATFORM = "minecraft_platform"


IDENTIFIER_COLUMNS = (Column.STEAM_ID, Column.MINECRAFT_UUID, Column.XBOX_XUID)
METADATA_PREFIX = "metadata."

# Keys are header names lowercased with spaces, underscores and hyphens removed.
ALIASES: dict[str, Column] = {
    "steamid": Column.STEAM_ID,
    "steamid64": Column.STEAM_ID,
    "uuid": Column.MINECRAFT_UUID,
    "minecraftuuid": Column.MINECRAFT_UUID,
    "xuid": Column.XBOX_XUID,
    "xboxxuid": Column.XBOX_XUID,
    "name": Column.NAME,
    "username": Column.NAME,
    "platform": Column.MINECRAFT_PLATFORM,
    "minecraftplatform": Column.MINECRAFT_PLATFORM,
}


class HeaderError(Exception):
    """The header makes the file unusable (no identifier column, ambiguous columns)."""


@dataclass(frozen=True)
class ColumnMap:
    """Column indexes for each PayNow field; ``metadata`` maps column index to metadata key."""

    fields: dict[Column, int]
    metadata: dict[int, str]
    unknown: list[str] = field(default_factory=list)
    width: int = 0


def _alias_key(header: str) -> str:
    return "".join(ch for ch in header.strip().lower() if ch not in " _-")


def map_header(header: list[str]) -> ColumnMap:
    """Map header cells to fields. Raises ``HeaderError`` when the file cannot be imported at all."""
    fields: dict[Column, int] = {}
    metadata: dict[int, str] = {}
    unknown: list[str] = []
    seen_keys: dict[str, int] = {}
    for index, raw in enumerate(header):
        cell = raw.strip()
        if cell.lower().startswith(METADATA_PREFIX) and cell[len(METADATA_PREFIX) :].strip():
            key = cell[len(METADATA_PREFIX) :].strip()
            if UNDECODABLE in key:
                raise HeaderError(
                    f"column {index + 1}'s metadata key {key[:40]!r} holds bytes that are neither UTF-8 "
                    "nor Windows-1252, or U+FFFD; rename the column and upload again"
                )
            if key in seen_keys:
                raise HeaderError(
                    f"columns {seen_keys[key] + 1} and {index + 1} both set metadata key {key!r}"
                )
            seen_keys[key] = index
            metadata[index] = key
            continue
        column = ALIASES.get(_alias_key(cell))
        if column is None:
            unknown.append(cell)
            continue
        if column in fields:
            raise HeaderError(
                f"columns {header[fields[column]].strip()!r} and {cell!r} both map to "
                f"{column.value}; keep one"
            )
        fields[column] = index
    if not any(c in fields for c in IDENTIFIER_COLUMNS):
        raise HeaderError(
            "no identifier column: the header needs steam_id (aliases steamid, steam id, steamid64), "
            "minecraft_uuid (uuid) or xbox_xuid (xuid); found " + _shown(header)
        )
    return ColumnMap(fields=fields, metadata=metadata, unknown=unknown, width=len(header))


def _shown(header: list[str], limit: int = 10) -> str:
    """The first few header cells, for an error message that stays short whatever the file holds."""
    cells = [repr(h.strip()[:40]) for h in header[:limit]]
    if len(header) > limit:
        cells.append(f"... ({len(header)} columns)")
    return ", ".join(cells) or "nothing"


SHOWN_COLUMNS = 20
SHOWN_COLUMN_CHARS = 60


def shown_columns(names: list[str]) -> list[str]:
    """At most ``SHOWN_COLUMNS`` names, each cut short, and a last entry counting the rest: what the
    checkpoint and the summary carry (both have size limits), whatever the header holds."""
    shown = [
        n if len(n) <= SHOWN_COLUMN_CHARS else n[:SHOWN_COLUMN_CHARS] + "..." for n in names[:SHOWN_COLUMNS]
    ]
    if len(names) > SHOWN_COLUMNS:
        shown.append(f"... and {len(names) - SHOWN_COLUMNS} more")
    return shown
