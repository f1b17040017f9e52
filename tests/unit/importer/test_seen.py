from typing import NamedTuple

from customers.importer.reading.seen import SeenIdentities


class Row(NamedTuple):
    line: int
    identity_keys: tuple[str, ...]


def test_claim_reports_the_first_line_of_any_shared_identity(tmp_path) -> None:
    with SeenIdentities(str(tmp_path)) as seen:
        assert seen.claim(
            [Row(2, ("steam_id:1",)), Row(3, ("steam_id:2", "xbox_xuid:9")), Row(4, ("steam_id:1",))]
        ) == [
            None,
            None,
            2,
        ]
        # Across calls, and through any one of several identities; a duplicate records nothing new.
        assert seen.claim([Row(5, ("xbox_xuid:9", "steam_id:7")), Row(6, ("steam_id:7",))]) == [3, None]
        assert seen.claim([Row(7, ("steam_id:7",))]) == [6]
    assert list(tmp_path.iterdir()) == []


from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

_row_keys = st.lists(st.sampled_from([f"k:{i}" for i in range(12)]), min_size=1, max_size=3, unique=True)
# Gaps between lines (rejected rows, multi-line records) take the general path; none, the run path.
_row = st.tuples(_row_keys, st.integers(min_value=0, max_value=2))


@settings(max_examples=300, deadline=None)
@given(batches=st.lists(st.lists(_row, max_size=8), max_size=6))
def test_claim_matches_a_reference_model(batches: list[list[tuple[list[str], int]]]) -> None:
    owner: dict[str, int] = {}
    line = 1
    with SeenIdentities() as seen:
        for batch in batches:
            rows = []
            for keys, gap in batch:
                line += 1 + gap
                rows.append(Row(line, tuple(keys)))
            expected = []
            for row_line, keys in rows:
                first = min((owner[k] for k in keys if k in owner), default=None)
                expected.append(first)
                if first is None:
                    owner.update(dict.fromkeys(keys, row_line))
            assert seen.claim(rows) == expected
