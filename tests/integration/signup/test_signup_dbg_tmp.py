import time, threading
from conftest import ORIGIN
import test_signup_concurrency as tc
from customers.adapters import dynamo_state

def test_dbg(stack):
    calls = {"claim": 0, "put": 0}
    orig = dynamo_state.DynamoCreationLock.claim
    def claim(self, *a, **k):
        calls["claim"] += 1
        t = time.perf_counter()
        r = orig(self, *a, **k)
        calls.setdefault("claim_t", []).append(time.perf_counter() - t)
        return r
    dynamo_state.DynamoCreationLock.claim = claim
    try:
        bodies = [{"minecraft": {"name": "Notch", "edition": "java"}} for _ in range(50)]
        t = time.perf_counter()
        res = tc._run_concurrently(stack, bodies)
        print("total", time.perf_counter() - t, "claims", calls["claim"], "avg claim", sum(calls["claim_t"]) / len(calls["claim_t"]), "max", max(calls["claim_t"]))
        print("paynow", len(stack.paynow_calls()))
    finally:
        dynamo_state.DynamoCreationLock.claim = orig
    assert 0
