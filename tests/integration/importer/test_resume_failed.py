"""README's `resume_failed`: a failed import, its cause fixed, finished by a new invocation against moto's
DynamoDB and the emulator, without creating any customer twice; concurrent resumes yield one owner."""

from __future__ import annotations

import uuid

from customers.common.deadline import Deadline
from customers.importer.model.state import ImportState, ImportStatus
from customers.importer.model.summary import Summary
from customers.importer.service import IMPORT_COMPLETED, IMPORT_FAILED, ImportService
from customers.importer.triggers import ImportRequest

from tests.support.import_memory import csv_text, steam
from tests.support.import_stack import (
    BUCKET,
    ImportStack,
    assert_invariant,
    assert_no_duplicates,
)

KEY = "incoming/resume.csv"
ROWS = 600


def _put(stack: ImportStack) -> str:
    return stack.put(KEY, csv_text(["steam_id", "name"], [[steam(i), f"n{i}"] for i in range(1, ROWS + 1)]))


def _fail_midway(stack: ImportStack, version_id: str) -> Summary:
    """Import until the first checkpoint, then the API key is rotated under us: the import fails."""
    good_keys = stack.emu.api_keys

    def rotate_key(_: ImportState) -> None:
        stack.emu.set_api_keys(["pnapi_v1_rotated"])

    failed = _handle(stack.service(concurrency=1, on_checkpoint=rotate_key), version_id)
    stack.emu.set_api_keys(good_keys)  # the cause, fixed
    return failed


def _handle(service: ImportService, version_id: str, *, resume_failed: bool = False) -> Summary:
    request = ImportRequest(bucket=BUCKET, key=KEY, version_id=version_id, resume_failed=resume_failed)
    # Every real invocation is new: the owner is the Lambda request id.
    return service.handle(request, deadline=Deadline.after(120.0), owner=str(uuid.uuid4()))


def test_a_failed_import_resumed_by_a_new_invocation_finishes_without_creating_anyone_twice(
    import_stack: ImportStack,
) -> None:
    version_id = _put(import_stack)
    failed = _fail_midway(import_stack, version_id)
    assert failed.status is ImportStatus.FAILED
    assert failed.error is not None
    created_before = import_stack.emu.inspect.count()
    assert 0 < created_before < ROWS
    assert failed.counts.created == created_before
    # Without resume_failed a redelivery only reports the failure.
    assert _handle(import_stack.service(), version_id) == failed
    assert import_stack.emu.inspect.count() == created_before

    resumed = _handle(import_stack.service(), version_id, resume_failed=True)

    assert resumed.status is ImportStatus.COMPLETED
    assert (resumed.error, resumed.hops) == (None, 2)
    assert resumed.counts.created == ROWS
    assert_invariant(resumed)
    assert import_stack.emu.inspect.count() == ROWS
    assert_no_duplicates(import_stack)
    assert set(import_stack.customers_by("steam_id")) == {steam(i) for i in range(1, ROWS + 1)}
    assert import_stack.summary_object(resumed)["status"] == "completed"
    assert [e["detail-type"] for e in import_stack.events()] == [IMPORT_FAILED, IMPORT_COMPLETED]
    # A completed import is not reopened: resuming again changes nothing.
    assert _handle(import_stack.service(), version_id, resume_failed=True) == resumed
    assert import_stack.emu.inspect.count() == ROWS
