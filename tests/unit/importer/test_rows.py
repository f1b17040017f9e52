import pytest
from customers.importer.model.rejection import RejectCode, Rejection
from customers.importer.model.valid_row import ValidRow
from customers.importer.reading.columns import map_header
from customers.importer.reading.rows import RowValidator
from hypothesis import assume, given
from hypothesis import strategies as st

HEADER = ["steam_id", "uuid", "xuid", "name", "platform", "metadata.tier"]
STEAM = "76561198000000001"
UUID = "069A79F444E94726A5BEFCA90E38AAF5"


def _validate(values: list[str], header: list[str] = HEADER) -> ValidRow | Rejection:
    return RowValidator(map_header(header)).validate(7, values)


def test_valid_row_is_normalised() -> None:
    row = _validate([f" {STEAM} ", UUID, "2535411111111111", " Ann ", "Java", " gold "])
    assert isinstance(row, ValidRow)
    assert row.body == {
        "steam_id": STEAM,
        "minecraft_uuid": "069a79f4-44e9-4726-a5be-fca90e38aaf5",
        "xbox_xuid": "2535411111111111",
        "name": "Ann",
        "minecraft_platform": "java",
        "metadata": {"tier": "gold"},
    }
    assert row.upsert().to_body() == row.body
    assert row.identity_keys == (
        f"s:{STEAM}",
        "m:069a79f4-44e9-4726-a5be-fca90e38aaf5",
        "x:2535411111111111",
    )


@pytest.mark.parametrize(
    ("values", "code", "fragment"),
    [
        (["7.65612E+16", "", "", "", "", ""], RejectCode.INVALID_STEAM_ID, "format the column as Text"),
        (["76561198000000001.0", "", "", "", "", ""], RejectCode.INVALID_STEAM_ID, "decimal point"),
        (["76561197960265727", "", "", "", "", ""], RejectCode.INVALID_STEAM_ID, "range"),
        (["abc", "", "", "", "", ""], RejectCode.INVALID_STEAM_ID, "digits"),
        (["", "not-a-uuid", "", "", "", ""], RejectCode.INVALID_MINECRAFT_UUID, "hex digits"),
        (["", "", "2.53541E+15", "", "", ""], RejectCode.INVALID_XBOX_XUID, "notation"),
        (["", "", "", "Ann", "", ""], RejectCode.NO_IDENTIFIER, "no identifier"),
        ([STEAM, "", "", "", "pocket", ""], RejectCode.INVALID_PLATFORM, "unknown, java, bedrock"),
        ([STEAM, "", "", "x" * 51, "", ""], RejectCode.INVALID_NAME, "limit is 50"),
        ([STEAM, "", "", "", "", "v" * 501], RejectCode.INVALID_METADATA, "limit is 500"),
        ([STEAM, "", "", "", "", "", "extra"], RejectCode.TOO_MANY_FIELDS, "7 fields"),
        ([STEAM, "", "", "Jos\ufffd", "", ""], RejectCode.UNDECODABLE, "neither UTF-8"),
    ],
)
def test_rejections(values: list[str], code: RejectCode, fragment: str) -> None:
    result = _validate(values)
    assert isinstance(result, Rejection)
    assert result.code is code
    assert fragment in result.reason
    assert result.line == 7


def test_metadata_key_and_count_limits() -> None:
    long_key = "k" * 41
    result = _validate([STEAM, f"v{long_key}"[1:]], ["steam_id", f"metadata.{long_key}"])
    assert isinstance(result, Rejection)
    assert result.code is RejectCode.INVALID_METADATA
    header = ["steam_id", *(f"metadata.k{i}" for i in range(51))]
    result = _validate([STEAM, *("v" for _ in range(51))], header)
    assert isinstance(result, Rejection)
    assert "51 metadata entries" in result.reason
    ok = _validate([STEAM, *("v" for _ in range(50)), ""], header)
    assert isinstance(ok, ValidRow)


def test_a_lost_character_rejects_a_row_only_where_it_would_be_imported() -> None:
    assert isinstance(_validate([STEAM, "caf\ufffd"], ["steam_id", "notes"]), ValidRow)
    rejected = _validate([STEAM, "caf\ufffd"], ["steam_id", "metadata.note"])
    assert isinstance(rejected, Rejection)
    assert rejected.code is RejectCode.UNDECODABLE


def test_short_rows_are_padded_and_trailing_empty_cells_ignored() -> None:
    assert isinstance(_validate([STEAM]), ValidRow)
    assert isinstance(_validate([STEAM, "", "", "", "", "", "", ""]), ValidRow)


_cell = st.text(st.characters(blacklist_categories=["Cs"]), min_size=1, max_size=12).filter(
    lambda text: text.strip() == text and "," not in text
)


def _fingerprint(validator: RowValidator, values: list[str]) -> tuple[int, ...]:
    row = validator.validate(7, values)
    assert isinstance(row, ValidRow), row
    return row.fingerprint


@given(name=_cell, tier=_cell, note=_cell, other_note=_cell, pad=st.sampled_from(["", " ", "  "]))
def test_a_fingerprint_covers_what_is_imported_not_how_the_cells_spell_it(
    name: str, tier: str, note: str, other_note: str, pad: str
) -> None:
    validator = RowValidator(map_header(["notes", "steam_id", "uuid", "platform", "name", "metadata.tier"]))
    first = _fingerprint(validator, [note, STEAM, UUID, "java", name[:50], tier])
    # Another unimported cell, blanks around cells, the UUID's letter case and dashes, the platform's case.
    dashed = "069a79f4-44e9-4726-a5be-fca90e38aaf5"
    again = [other_note, pad + STEAM, dashed + pad, "JAVA", pad + name[:50], tier + pad]
    assert _fingerprint(validator, again) == first


@given(column=st.integers(0, 2), old=_cell, new=_cell)
def test_a_changed_imported_value_changes_its_own_place_in_the_fingerprint(
    column: int, old: str, new: str
) -> None:
    assume(hash(old) & 0xFFFFFF != hash(new) & 0xFFFFFF)
    validator = RowValidator(map_header(["steam_id", "name", "metadata.a", "metadata.b"]))
    before = [STEAM, "Ann", "gold", "eu"]
    after = list(before)
    before[column + 1], after[column + 1] = old[:50], new[:50]
    assume(old[:50] != new[:50])
    a, b = _fingerprint(validator, before), _fingerprint(validator, after)
    assert validator.compared == [(0,), (1,), (2,), (3,)]
    assert [i for i in range(4) if a[i] != b[i]] == [column + 1]


def test_a_wide_file_compares_its_metadata_as_one_value_so_the_fingerprint_stays_short() -> None:
    header = ["steam_id", "name", *(f"metadata.m{i}" for i in range(400))]
    validator = RowValidator(map_header(header))
    values = [STEAM, "Ann", *(f"v{i}" if i % 10 == 0 else "" for i in range(400))]  # 40 filled
    changed = [*values[:-1], "other"]

    first, second = _fingerprint(validator, values), _fingerprint(validator, changed)

    assert validator.compared == [(0,), (1,), tuple(range(2, 402))]
    assert len(first) == 3
    assert first[:2] == second[:2]
    assert first[2] != second[2]
