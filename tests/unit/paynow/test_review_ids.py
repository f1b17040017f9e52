"""Over-long digit strings are refused as invalid ids, never as Python's own int() ValueError."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from paynow.ids import InvalidIdError, normalize_steam_id, normalize_xuid, validate_flake_id

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
