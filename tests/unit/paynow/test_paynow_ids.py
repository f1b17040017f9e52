"""Property and example tests for the identifier validators."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st
from paynow.ids import (
    FLAKE_EPOCH_MS,
    STEAM_ID64_MAX,
    STEAM_ID64_MIN,
    InvalidIdError,
    flake_timestamp,
    normalize_minecraft_uuid,
    normalize_steam_id,
    normalize_xuid,
    validate_flake_id,
)

individual_steam_ids = st.integers(min_value=STEAM_ID64_MIN, max_value=STEAM_ID64_MAX)
outside_steam_range = st.one_of(
    st.integers(max_value=STEAM_ID64_MIN - 1), st.integers(min_value=STEAM_ID64_MAX + 1)
)
PAYNOW_EPOCH = datetime(2022, 2, 22, 22, 22, 22, tzinfo=UTC)


# --- SteamID64 ---------------------------------------------------------------------------------


@given(individual_steam_ids)
def test_steam_id_int_and_string_normalise_to_the_same_decimal_string(number: int) -> None:
    assert normalize_steam_id(number) == str(number)
    assert normalize_steam_id(str(number)) == str(number)
    assert normalize_steam_id(f"  {number}\n") == str(number)


@given(outside_steam_range)
def test_steam_id_outside_individual_range_is_refused(number: int) -> None:
    with pytest.raises(InvalidIdError, match="individual-account range"):
        normalize_steam_id(number)
    if number >= 0:  # a negative number's text fails earlier, on its "-" sign
        with pytest.raises(InvalidIdError, match="individual-account range"):
            normalize_steam_id(str(number))


@given(individual_steam_ids)
def test_steam_id_as_float_is_refused_even_when_it_looks_whole(number: int) -> None:
    with pytest.raises(InvalidIdError, match="float"):
        normalize_steam_id(float(number))  # type: ignore[arg-type]


@given(individual_steam_ids, st.sampled_from(["{:e}", "{:E}", "{:.16e}", "{:.3e}"]))
def test_steam_id_in_scientific_notation_is_refused(number: int, fmt: str) -> None:
    with pytest.raises(InvalidIdError, match="scientific notation"):
        normalize_steam_id(fmt.format(float(number)))


@given(individual_steam_ids, st.sampled_from([".0", ".", ".00", ".5"]))
def test_steam_id_with_decimal_point_is_refused(number: int, suffix: str) -> None:
    with pytest.raises(InvalidIdError, match="decimal point"):
        normalize_steam_id(f"{number}{suffix}")


@given(st.text().filter(lambda s: not s.strip().isascii() or not s.strip().isdigit()))
def test_steam_id_text_that_is_not_ascii_digits_is_refused(text: str) -> None:
    with pytest.raises(InvalidIdError):
        normalize_steam_id(text)


@pytest.mark.parametrize("value", [True, None, b"76561197960265728", [76561197960265728]])
def test_steam_id_of_other_types_is_refused(value: object) -> None:
    with pytest.raises(InvalidIdError, match=r"SteamID64 .*must be a string or int"):
        normalize_steam_id(value)  # type: ignore[arg-type]


def test_steam_id_messages_name_the_problem() -> None:
    with pytest.raises(InvalidIdError) as info:
        normalize_steam_id("7.656119796e16")
    assert "SteamID64" in str(info.value)
    assert "'7.656119796e16'" in str(info.value)
    assert isinstance(info.value, ValueError)


def test_steam_id_refuses_unicode_digits() -> None:
    # U+0667 ARABIC-INDIC DIGIT SEVEN: str.isdigit() accepts it, PayNow would not parse it.
    with pytest.raises(InvalidIdError, match="digits 0-9"):
        normalize_steam_id("\u06676561197960265728")


# --- Minecraft UUID ----------------------------------------------------------------------------


@given(st.uuids())
def test_minecraft_uuid_dashed_or_not_any_case_comes_out_dashed_lowercase(value: uuid.UUID) -> None:
    expected = str(value)
    assert normalize_minecraft_uuid(str(value).upper()) == expected
    assert normalize_minecraft_uuid(value.hex) == expected
    assert normalize_minecraft_uuid(value.hex.upper()) == expected
    assert normalize_minecraft_uuid(f" {value} ") == expected


@given(st.uuids())
def test_minecraft_uuid_normalisation_is_idempotent(value: uuid.UUID) -> None:
    once = normalize_minecraft_uuid(value.hex)
    assert normalize_minecraft_uuid(once) == once


@given(st.text(alphabet="0123456789abcdef-", max_size=40))
def test_minecraft_uuid_only_accepts_the_two_canonical_shapes(text: str) -> None:
    dashed = len(text) == 36 and [len(p) for p in text.split("-")] == [8, 4, 4, 4, 12]
    undashed = len(text) == 32 and "-" not in text
    if dashed or undashed:
        assert normalize_minecraft_uuid(text) == str(uuid.UUID(text))
    else:
        with pytest.raises(InvalidIdError, match="Minecraft UUID"):
            normalize_minecraft_uuid(text)


@pytest.mark.parametrize(
    "value",
    [
        "{f84c6a79-0a4e-45e0-879b-cd49ebd4c4e2}",
        "urn:uuid:f84c6a79-0a4e-45e0-879b-cd49ebd4c4e2",
        "f84c6a790a4e45e0879bcd49ebd4c4e",
        "g84c6a79-0a4e-45e0-879b-cd49ebd4c4e2",
        "",
        12345,
    ],
)
def test_minecraft_uuid_refuses_other_spellings(value: object) -> None:
    with pytest.raises(InvalidIdError):
        normalize_minecraft_uuid(value)  # type: ignore[arg-type]


# --- XUID --------------------------------------------------------------------------------------


@given(st.integers(min_value=1, max_value=2**64 - 1))
def test_xuid_int_or_decimal_string_comes_out_as_the_decimal_string(number: int) -> None:
    assert normalize_xuid(number) == str(number)
    assert normalize_xuid(str(number)) == str(number)


@given(st.one_of(st.integers(max_value=0), st.integers(min_value=2**64)))
def test_xuid_out_of_64_bit_range_is_refused(number: int) -> None:
    with pytest.raises(InvalidIdError, match="64-bit"):
        normalize_xuid(number)


@given(st.floats(allow_nan=True, allow_infinity=True))
def test_xuid_float_is_refused(value: float) -> None:
    with pytest.raises(InvalidIdError, match="float"):
        normalize_xuid(value)  # type: ignore[arg-type]


@pytest.mark.parametrize("value", ["2535405290000000.0", "2.5354e15", "0x9000", "-2535405290000000", ""])
def test_xuid_refuses_non_decimal_text(value: str) -> None:
    with pytest.raises(InvalidIdError, match="XUID"):
        normalize_xuid(value)


# --- flake ids ---------------------------------------------------------------------------------


@given(
    st.integers(min_value=0, max_value=2**41 - 1),
    st.integers(min_value=0, max_value=2**10 - 1),
    st.integers(min_value=0, max_value=2**12 - 1),
)
def test_flake_timestamp_decodes_the_top_41_bits_as_ms_since_paynow_epoch(
    millis: int, node: int, counter: int
) -> None:
    flake = (millis << 22) | (node << 12) | counter
    if flake == 0:
        return
    expected = PAYNOW_EPOCH + timedelta(milliseconds=millis)
    assert flake_timestamp(str(flake)) == expected
    assert flake_timestamp(flake) == expected
    assert flake_timestamp(str(flake)).tzinfo is UTC


def test_flake_epoch_is_2022_02_22_22_22_22_utc() -> None:
    assert datetime.fromtimestamp(FLAKE_EPOCH_MS / 1000, tz=UTC) == PAYNOW_EPOCH


def test_flake_timestamp_of_the_spec_example_id() -> None:
    # The spec's example FlakeId: 411486491630370816 >> 22 = 98106024654 ms after the epoch.
    assert flake_timestamp("411486491630370816") == datetime(2025, 4, 3, 10, 2, 46, 654000, tzinfo=UTC)


@given(st.integers(min_value=1, max_value=2**63 - 1))
def test_flake_id_round_trips_as_decimal_string(number: int) -> None:
    assert validate_flake_id(str(number)) == str(number)


@pytest.mark.parametrize("value", ["0", str(2**63), "../1", "12/34", "1e5", "12.0", "", True, 1.0])
def test_flake_id_refuses_what_is_not_a_positive_63_bit_decimal(value: object) -> None:
    with pytest.raises(InvalidIdError, match="flake id"):
        validate_flake_id(value)  # type: ignore[arg-type]


# Over-long digit strings are refused as invalid ids, never as Python's own int() ValueError.

NORMALIZERS: list[Callable[[str], str]] = [normalize_steam_id, normalize_xuid, validate_flake_id]


@pytest.mark.parametrize("normalize", NORMALIZERS)
@pytest.mark.parametrize("text", ["1" * 4301, "7" * 100_000])
def test_over_long_digit_string_is_an_invalid_id_naming_the_problem(
    normalize: Callable[[str], str], text: str
) -> None:
    with pytest.raises(InvalidIdError) as caught:
        normalize(text)
    message = str(caught.value)
    assert "range" in message or "bit number" in message
    assert "int_max_str_digits" not in message
    assert len(message) < 200


@pytest.mark.parametrize("normalize", NORMALIZERS)
def test_leading_zeros_still_normalise(normalize: Callable[[str], str]) -> None:
    assert normalize("0" * 30 + "76561198000000001") == "76561198000000001"


def test_thousands_of_leading_zeros_do_not_crash() -> None:
    assert normalize_xuid("0" * 5000 + "1") == "1"
