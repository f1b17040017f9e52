"""Smoke's table logic: what is skipped, and that a failed step stops the steps that need it."""

from __future__ import annotations

import io
import json

import boto3
import httpx
import pytest
from moto import mock_aws
from ops.smoke import Check, CheckFailedError, Smoke, SmokeOptions, _brief, table
from ops.target import Target


def target(**parameters: str) -> Target:
    return Target(
        name="shop",
        outputs={"ApiUrl": "https://api.example"},  # no bucket or DLQ outputs
        parameters={"AllowedOrigins": "https://shop.example", **parameters},
        local=False,
    )


def api(seen: list[str]) -> httpx.Client:
    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(f"{request.method} {request.url.path}")
        if request.method == "OPTIONS":
            return httpx.Response(
                204,
                headers={
                    "access-control-allow-origin": request.headers["origin"],
                    "access-control-allow-methods": "POST",
                }
                if request.headers["origin"] == "https://shop.example"
                else {},
            )
        if request.url.path == "/customers/resolve" and "authorization" not in request.headers:
            return httpx.Response(401, json={"status": 401, "code": "unauthorized", "message": "no"})
        return httpx.Response(500, json={"status": 500, "code": "internal_error", "message": "boom"})

    return httpx.Client(transport=httpx.MockTransport(answer))


def test_a_disabled_minecraft_signup_is_skipped_and_failures_skip_what_depends_on_them() -> None:
    seen: list[str] = []
    smoke = Smoke(target(MinecraftSignup="disabled"), SmokeOptions(caller_key="k" * 32), api(seen))
    assert not smoke.run()
    rows = {c.name: c.status for c in smoke.checks}
    assert rows["signup (Minecraft)"] == "SKIP"
    assert "POST /signup" not in seen
    assert rows["stack outputs"] == "FAIL"  # no ImportBucketName / ImportDLQUrl
    assert rows["signup preflight (CORS)"] == "PASS"
    assert rows["trusted route without a key"] == "PASS"
    assert rows["trusted resolve"] == "FAIL"
    assert rows["trusted token"] == rows["trusted invalidate"] == "SKIP"
    assert rows["CSV import (2 rows)"] == rows["import DLQ empty"] == "SKIP"
    assert rows["token on the storefront"] == "SKIP"  # no PayNowApiUrl / PayNowStoreId


def test_the_table_ends_with_the_verdict() -> None:
    out = io.StringIO()
    table([Check("a", "PASS", "ok", 0.1), Check("b", "FAIL", json.dumps({"code": "x"}), 0.2)], out)
    text = out.getvalue()
    assert "smoke FAILED: 1 passed, 1 failed, 0 skipped" in text
    assert text.splitlines()[2].startswith("b  FAIL")


def test_an_unexpected_answer_in_the_table_leaves_the_token_out() -> None:
    assert "secret-token" not in _brief({"token": "secret-token", "customer": {"id": "1"}})


def test_a_failed_chargeback_revocation_waiting_in_its_queue_fails_smoke() -> None:
    with mock_aws():
        sqs = boto3.client("sqs", region_name="us-east-1")
        url = sqs.create_queue(QueueName="shop-RevocationDLQ")["QueueUrl"]
        stack = Target(name="shop", outputs={"RevocationDLQUrl": url}, parameters={}, local=False)
        stack.region = "us-east-1"
        smoke = Smoke(stack, SmokeOptions(caller_key="k" * 32), httpx.Client())
        assert smoke.revocation_dlq_empty() == "no failed chargeback revocations"
        sqs.send_message(QueueUrl=url, MessageBody='{"requestPayload": {"action": "invalidate_tokens"}}')
        with pytest.raises(
            CheckFailedError, match=r"1 failed chargeback revocation\(s\) in .*PayNow webhooks"
        ):
            smoke.revocation_dlq_empty()


def test_a_stack_that_does_not_revoke_on_chargebacks_skips_the_revocation_queue() -> None:
    smoke = Smoke(target(), SmokeOptions(caller_key="k" * 32), api([]))
    smoke.run()
    (row,) = [c for c in smoke.checks if c.name == "revocation DLQ empty"]
    assert (row.status, row.detail) == ("SKIP", "the stack does not revoke tokens on chargebacks")
