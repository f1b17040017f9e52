import os
from pathlib import Path
from typing import NamedTuple

from customers.importer.model.valid_row import ValidRow
from customers.importer.reading.columns import map_header
from customers.importer.reading.rows import RowValidator
from customers.importer.reading.seen import FirstUse, SeenIdentities
from hypothesis import given, settings
from hypothesis import strategies as st


class Row(NamedTuple):
    line: int
    identity_keys: tuple[str, ...]
    fingerprint: tuple[int, ...] = ()


def test_claim_reports_the_first_row_of_any_shared_identity(tmp_path: Path) -> None:
    with SeenIdentities(str(tmp_path)) as seen:
        assert seen.claim(
            [
                Row(2, ("steam_id:1",), (11, 12)),
                Row(3, ("steam_id:2", "xbox_xuid:9"), (21, 22)),
                Row(4, ("steam_id:1",), (11, 99)),
            ]
        ) == [None, None, FirstUse(2, [11, 12])]
        # Across calls, and through any one of several identities; a duplicate records nothing new.
        assert seen.claim(
            [Row(5, ("xbox_xuid:9", "steam_id:7"), (1, 2)), Row(6, ("steam_id:7",), (3, 4))]
        ) == [
            FirstUse(3, [21, 22]),
            None,
        ]
        assert seen.claim([Row(7, ("steam_id:7",), (5, 6))]) == [FirstUse(6, [3, 4])]
    assert list(tmp_path.iterdir()) == []


_row_keys = st.lists(st.sampled_from([f"k:{i}" for i in range(12)]), min_size=1, max_size=3, unique=True)
# Gaps between lines (rejected rows, multi-line records) take the general path; none, the run path.
_row = st.tuples(
    _row_keys, st.integers(min_value=0, max_value=2), st.lists(st.integers(0, 0xFFFFFF), max_size=3)
)


@settings(max_examples=300, deadline=None)
@given(batches=st.lists(st.lists(_row, max_size=8), max_size=6))
def test_claim_matches_a_reference_model(batches: list[list[tuple[list[str], int, list[int]]]]) -> None:
    owner: dict[str, FirstUse] = {}
    line = 1
    with SeenIdentities() as seen:
        for batch in batches:
            rows = []
            for keys, gap, fingerprint in batch:
                line += 1 + gap
                rows.append(Row(line, tuple(keys), tuple(fingerprint)))
            expected = []
            for row in rows:
                first = min((owner[k] for k in row.identity_keys if k in owner), default=None)
                expected.append(first)
                if first is None:
                    owner.update(dict.fromkeys(row.identity_keys, FirstUse(row.line, list(row.fingerprint))))
            assert seen.claim(rows) == expected


def test_the_index_stays_small_per_row_however_wide_the_file(tmp_path: Path) -> None:
    """/tmp is the import function's only disk: a 400-column export must cost what a narrow one does."""
    width = 400
    validator = RowValidator(map_header(["steam_id", "name", *(f"metadata.m{i}" for i in range(width))]))
    rows = []
    for n in range(5000):
        row = validator.validate(n + 2, [str(76561198000000000 + n), f"P{n}", *([f"v{n}"] * 40), *[""] * 360])
        assert isinstance(row, ValidRow)
        rows.append(row)
    with SeenIdentities(str(tmp_path)) as seen:
        for start in range(0, len(rows), 1000):
            seen.claim(rows[start : start + 1000])
        per_row = os.path.getsize(seen._path) / len(rows)
    assert per_row < 150, f"{per_row:.0f} bytes per row"
