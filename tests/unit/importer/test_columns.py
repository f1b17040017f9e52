import pytest
from customers.importer.reading.columns import Column, HeaderError, map_header


@pytest.mark.parametrize(
    ("header", "column"),
    [
        ("steamid", Column.STEAM_ID),
        ("steam_id", Column.STEAM_ID),
        ("Steam ID", Column.STEAM_ID),
        ("SteamID64", Column.STEAM_ID),
        (" STEAM-ID ", Column.STEAM_ID),
        ("uuid", Column.MINECRAFT_UUID),
        ("Minecraft_UUID", Column.MINECRAFT_UUID),
        ("xuid", Column.XBOX_XUID),
        ("Xbox XUID", Column.XBOX_XUID),
        ("name", Column.NAME),
        ("Username", Column.NAME),
        ("platform", Column.MINECRAFT_PLATFORM),
        ("minecraft_platform", Column.MINECRAFT_PLATFORM),
    ],
)
def test_aliases(header: str, column: Column) -> None:
    columns = map_header(["xuid" if column is not Column.XBOX_XUID else "steamid", header])
    assert columns.fields[column] == 1


def test_metadata_and_unknown_columns() -> None:
    columns = map_header(["steam_id", "metadata.Tier", "Email", "METADATA.source ", "notes", "metadata."])
    assert columns.metadata == {1: "Tier", 3: "source"}
    assert columns.unknown == ["Email", "notes", "metadata."]
    assert columns.width == 6


def test_no_identifier_column_is_refused() -> None:
    with pytest.raises(HeaderError, match="no identifier column"):
        map_header(["name", "email", "metadata.tier"])


def test_two_columns_for_one_field_are_refused() -> None:
    with pytest.raises(HeaderError, match="both map to steam_id"):
        map_header(["steamid", "Steam ID"])
    with pytest.raises(HeaderError, match="metadata key 'a'"):
        map_header(["uuid", "metadata.a", "metadata.a"])


def test_a_metadata_key_with_lost_characters_is_refused_before_it_becomes_a_paynow_key() -> None:
    with pytest.raises(HeaderError, match="column 2's metadata key 'caf\ufffd'"):
        map_header(["steam_id", "metadata.caf\ufffd"])
