"""ChunkSender: every valid row of a chunk ends created, existing, updated or rejected, and no
customer is created twice, whatever PayNow answers."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from customers.common.deadline import Deadline
from customers.importer.config import ExistingMode
from customers.importer.model.rejection import RejectCode
from customers.importer.model.valid_row import IDENTITY_PREFIX, ValidRow
from customers.importer.sending import ChunkResult, ChunkSender, DeadlineReachedError
from paynow.errors import (
    ErrorDetail,
    NotFoundError,
    RateLimitedError,
    ServerError,
    TransportError,
    UnexpectedResponseError,
    ValidationError,
)
from paynow.models import LookupKey

from tests.support.customers_api import FakeCustomersApi
from tests.support.import_memory import steam

XUID = "2535411111111111"


def row(n: int, **fields: str) -> ValidRow:
    body = {"steam_id": steam(n), **fields}
    keys = tuple(IDENTITY_PREFIX[LookupKey(k)] + v for k, v in body.items() if k in ("steam_id", "xbox_xuid"))
    return ValidRow(line=n + 1, values=list(body.values()), identity_keys=keys, body=body, fingerprint=())


def send(
    api: FakeCustomersApi,
    rows: list[ValidRow],
    *,
    mode: ExistingMode = ExistingMode.SKIP,
    reconcile: bool = False,
    seconds: float = 10.0,
) -> ChunkResult:
    sender = ChunkSender(api, mode=mode, import_started=datetime.now(UTC), sleep=lambda _: None)
    return sender.send(rows, reconcile=reconcile, deadline=Deadline.after(seconds))


def assert_each_created_once(api: FakeCustomersApi, numbers: range | list[int]) -> None:
    for n in numbers:
        assert len(api.holders("steam_id", steam(n))) == 1, f"steam({n})"


def test_a_clean_chunk_is_one_bulk_call_and_no_lookup() -> None:
    api = FakeCustomersApi()
    result = send(api, [row(n) for n in range(1, 6)])
    assert (result.counts.created, result.rejections) == (5, [])
    assert api.calls == ["bulk"]
    assert api.bulk_sizes == [5]
    assert_each_created_once(api, range(1, 6))


def test_a_conflict_named_by_path_settles_that_row_and_resends_the_rest() -> None:
    api = FakeCustomersApi()
    api.add_existing(steam_id=steam(3), name="Old")
    result = send(api, [row(n) for n in range(1, 6)])
    assert (result.counts.created, result.counts.existing) == (4, 1)
    assert api.bulk_sizes == [5, 4]
    assert_each_created_once(api, range(1, 6))
    assert api.holders("steam_id", steam(3))[0].name == "Old"  # skip mode leaves it alone


def test_a_conflict_without_paths_is_bisected_until_the_row_is_alone() -> None:
    api = FakeCustomersApi(conflict_paths=False)
    api.add_existing(steam_id=steam(6))
    result = send(api, [row(n) for n in range(1, 9)])
    assert (result.counts.created, result.counts.existing, result.counts.rejected) == (7, 1, 0)
    assert_each_created_once(api, range(1, 9))
    # Halving 8 rows isolates one colliding row in at most 2*log2(8)+1 calls; the last one alone.
    assert len(api.bulk_sizes) <= 7
    assert 1 in api.bulk_sizes


def test_an_ambiguous_failure_that_landed_is_reconciled_by_lookup_not_resent() -> None:
    api = FakeCustomersApi(fail={"bulk": [ServerError("boom", status=500)]}, land_before_failing=True)
    result = send(api, [row(n) for n in range(1, 6)])
    assert result.counts.created == 5
    assert api.bulk_sizes == [5]
    assert api.calls.count("lookup") == 5
    assert_each_created_once(api, range(1, 6))


@pytest.mark.parametrize(
    "error",
    [
        ServerError("boom", status=502),
        TransportError("read timeout", request_sent=True),
        UnexpectedResponseError("not a customer list", status=200),
    ],
)
def test_an_ambiguous_failure_that_did_not_land_is_sent_again_once(error: Exception) -> None:
    api = FakeCustomersApi(fail={"bulk": [error]})
    result = send(api, [row(n) for n in range(1, 4)])
    assert result.counts.created == 3
    assert api.bulk_sizes == [3, 3]
    assert api.calls.count("lookup") == 3  # every row is looked up before anything is resent
    assert_each_created_once(api, range(1, 4))


def test_a_request_that_never_left_is_retried_without_lookups() -> None:
    api = FakeCustomersApi(fail={"bulk": [TransportError("connection refused", request_sent=False)]})
    result = send(api, [row(n) for n in range(1, 4)])
    assert result.counts.created == 3
    assert api.calls == ["bulk", "bulk"]


def test_a_resumed_chunk_counts_its_own_earlier_creations_and_sends_only_the_missing_rows() -> None:
    api = FakeCustomersApi()
    api.bulk_create_customers([row(1).upsert(), row(2).upsert()])  # the crashed run's write
    api.add_existing(steam_id=steam(3))  # someone else's customer, from long before the import
    api.calls.clear()
    api.bulk_sizes.clear()
    result = send(api, [row(n) for n in range(1, 6)], reconcile=True)
    assert (result.counts.created, result.counts.existing) == (4, 1)
    assert api.bulk_sizes == [2]
    assert_each_created_once(api, range(1, 6))


def test_update_mode_patches_name_and_metadata_of_an_existing_customer() -> None:
    api = FakeCustomersApi()
    old = api.add_existing(steam_id=steam(1), name="Old")
    result = send(api, [row(1, name="New"), row(2)], mode=ExistingMode.UPDATE)
    assert (result.counts.updated, result.counts.created) == (1, 1)
    assert api.holders("steam_id", steam(1))[0].name == "New"
    assert api.holders("steam_id", steam(1))[0].id == old.id


def test_update_mode_without_changes_counts_the_row_existing() -> None:
    api = FakeCustomersApi()
    api.add_existing(steam_id=steam(1), name="Old")
    result = send(api, [row(1)], mode=ExistingMode.UPDATE)
    assert (result.counts.existing, result.counts.updated) == (1, 0)
    assert "update" not in api.calls


def test_a_customer_deleted_before_its_update_rejects_only_that_row() -> None:
    api = FakeCustomersApi(fail={"update": [NotFoundError("customer not found", status=404)]})
    existing = api.add_existing(steam_id=steam(1), name="Old")
    result = send(api, [row(1, name="New"), row(2)], mode=ExistingMode.UPDATE)
    assert (result.counts.updated, result.counts.created, result.counts.rejected) == (0, 1, 1)
    assert [(r.line, r.code) for r in result.rejections] == [(2, RejectCode.REFUSED)]
    assert existing.id in result.rejections[0].reason


def test_identifiers_held_by_two_customers_reject_the_row_as_a_conflict() -> None:
    api = FakeCustomersApi()
    a = api.add_existing(steam_id=steam(1))
    b = api.add_existing(xbox_xuid=XUID)
    result = send(api, [row(1, xbox_xuid=XUID), row(2)])
    assert (result.counts.rejected, result.counts.created) == (1, 1)
    (rejection,) = result.rejections
    assert rejection.code is RejectCode.CONFLICT
    assert a.id in rejection.reason
    assert b.id in rejection.reason


def test_a_row_paynow_refuses_by_path_is_rejected_with_its_reason_and_the_rest_created() -> None:
    refused = ValidationError(
        "invalid body",
        status=400,
        errors=(ErrorDetail(code="too_long", message="name too long", path="[1].name", validation=None),),
    )
    api = FakeCustomersApi(fail={"bulk": [refused]})
    result = send(api, [row(n) for n in range(1, 4)])
    assert (result.counts.created, result.counts.rejected) == (2, 1)
    (rejection,) = result.rejections
    assert (rejection.line, rejection.code) == (3, RejectCode.REFUSED)
    assert "name too long" in rejection.reason
    assert api.holders("steam_id", steam(2)) == []


def test_a_404_that_names_no_row_stops_the_chunk() -> None:
    api = FakeCustomersApi(fail={"bulk": [NotFoundError("store not found", status=404)]})
    with pytest.raises(NotFoundError):
        send(api, [row(1), row(2)])
    assert api.customers == []


def test_a_rate_limit_longer_than_the_deadline_hands_the_chunk_back() -> None:
    api = FakeCustomersApi(fail={"bulk": [RateLimitedError("slow down", status=429, retry_after=30)]})
    with pytest.raises(DeadlineReachedError):
        send(api, [row(1)], seconds=5)
    assert api.customers == []


def test_a_rate_limit_within_the_deadline_is_waited_out() -> None:
    api = FakeCustomersApi(fail={"bulk": [RateLimitedError("slow down", status=429, retry_after=1)]})
    result = send(api, [row(1)], seconds=5)
    assert result.counts.created == 1
    assert api.bulk_sizes == [1, 1]


def test_an_expired_deadline_sends_nothing() -> None:
    api = FakeCustomersApi()
    with pytest.raises(DeadlineReachedError):
        send(api, [row(1)], seconds=0)
    assert api.calls == []
