"""`make smoke`: a deployed (or the local) stack checked end to end from its outputs.

Each check is what a store relies on: the website's CORS preflight, a Minecraft signup (unless the
stack disables it), the trusted routes refusing an anonymous caller, resolve -> token -> the token
working on PayNow's storefront -> invalidate -> the token refused, a 2-row CSV import whose report
comes back ``completed``, an empty import DLQ and, when the stack revokes tokens on chargebacks, an
empty revocation DLQ. It prints a pass/fail table and exits 1 when any
check failed.

Against a real store it creates, once, clearly marked customers that later runs find again:
a customer named ``paynow-customers smoke test``, the Minecraft account given with
``--minecraft-name``, and the CSV's two rows (Xbox XUIDs 1 and 2, named ``paynow-customers smoke
row 1/2``). PayNow has no delete.
"""

from __future__ import annotations

import json
import secrets
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, TextIO

import httpx

from ops.target import Target, TargetError

SMOKE_CUSTOMER = "paynow-customers smoke test"
SMOKE_CSV = (
    b"xbox_xuid,name,metadata.purpose\n"
    b"1,paynow-customers smoke row 1,smoke-test\n"
    b"2,paynow-customers smoke row 2,smoke-test\n"
)
FOREIGN_ORIGIN = "https://smoke-test.invalid"


class CheckFailedError(Exception):
    """A check's expectation did not hold; the message is the table's detail."""


@dataclass
class Check:
    name: str
    status: str  # PASS | FAIL | SKIP
    detail: str
    seconds: float


@dataclass
class SmokeOptions:
    caller_key: str | None = None
    caller: str | None = None
    minecraft_name: str = "Notch"
    skip_minecraft: bool = False
    import_timeout_s: float = 180.0


@dataclass
class Smoke:
    target: Target
    options: SmokeOptions
    http: httpx.Client
    checks: list[Check] = field(default_factory=list)
    _state: dict[str, Any] = field(default_factory=dict)

    # -- the table ----------------------------------------------------------------------------------
    def _check(self, name: str, body: Callable[[], str], *, needs: tuple[str, ...] = ()) -> None:
        missing = [n for n in needs if n not in self._state]
        if missing:
            self.checks.append(Check(name, "SKIP", f"needs {', '.join(missing)} (failed above)", 0.0))
            return
        started = time.perf_counter()
        try:
            detail, status = body(), "PASS"
        except CheckFailedError as exc:
            detail, status = str(exc), "FAIL"
        except (httpx.HTTPError, TargetError) as exc:
            detail, status = f"{type(exc).__name__}: {exc}", "FAIL"
        except Exception as exc:  # boto3/botocore errors: reported as a failed check, never a traceback
            detail, status = f"{type(exc).__name__}: {exc}", "FAIL"
        self.checks.append(Check(name, status, detail, time.perf_counter() - started))

    def _skip(self, name: str, why: str) -> None:
        self.checks.append(Check(name, "SKIP", why, 0.0))

    @property
    def passed(self) -> bool:
        return all(c.status != "FAIL" for c in self.checks)

    def run(self) -> bool:
        self._check("stack outputs", self.outputs)
        self._check("signup preflight (CORS)", self.preflight, needs=("api",))
        if self.options.skip_minecraft:
            self._skip("signup (Minecraft)", "--skip-minecraft")
        elif self.target.parameters.get("MinecraftSignup", "enabled").lower() == "disabled":
            self._skip("signup (Minecraft)", "the stack's MinecraftSignup parameter is disabled")
        else:
            self._check("signup (Minecraft)", self.minecraft_signup, needs=("api", "origin"))
        self._check("trusted route without a key", self.anonymous_refused, needs=("api",))
        self._check("trusted resolve", self.resolve, needs=("api",))
        self._check("trusted token", self.token, needs=("customer_id",))
        if self._storefront() is None:
            self._skip("token on the storefront", "PayNow URL or store id unknown")
        else:
            self._check("token on the storefront", self.storefront_accepts, needs=("token",))
        self._check("trusted invalidate", self.invalidate, needs=("token",))
        self._check("CSV import (2 rows)", self.csv_import, needs=("bucket",))
        self._check("import DLQ empty", self.dlq_empty, needs=("dlq",))
        if "RevocationDLQUrl" in self.target.outputs:
            self._check("revocation DLQ empty", self.revocation_dlq_empty)
        else:
            self._skip("revocation DLQ empty", "the stack does not revoke tokens on chargebacks")
        return self.passed

    # -- checks -------------------------------------------------------------------------------------
    def outputs(self) -> str:
        missing = [k for k in ("ApiUrl", "ImportBucketName", "ImportDLQUrl") if k not in self.target.outputs]
        api = self.target.outputs.get("ApiUrl")
        if api:
            self._state["api"] = api.rstrip("/")
        if self.target.outputs.get("ImportBucketName"):
            self._state["bucket"] = self.target.outputs["ImportBucketName"]
        if self.target.outputs.get("ImportDLQUrl"):
            self._state["dlq"] = self.target.outputs["ImportDLQUrl"]
        if missing:
            raise CheckFailedError(f"stack {self.target.name} lacks outputs {', '.join(missing)}")
        return f"{self.target.name}: {api}"

    def preflight(self) -> str:
        origins = self.target.allowed_origins
        if not origins:
            raise CheckFailedError("the stack has no AllowedOrigins parameter")
        origin = origins[0]
        answer = self._preflight(origin)
        allowed = answer.headers.get("access-control-allow-origin")
        methods = answer.headers.get("access-control-allow-methods", "").upper()
        methods_ok = "POST" in methods or methods.strip() == "*"
        if answer.status_code not in (200, 204) or allowed != origin or not methods_ok:
            raise CheckFailedError(
                f"OPTIONS /signup from {origin}: HTTP {answer.status_code}, "
                f"allow-origin {allowed!r}, allow-methods {methods!r}"
            )
        foreign = self._preflight(FOREIGN_ORIGIN).headers.get("access-control-allow-origin")
        if foreign in (FOREIGN_ORIGIN, "*"):
            raise CheckFailedError(f"a foreign origin is allowed too (allow-origin {foreign!r})")
        self._state["origin"] = origin
        return f"{origin} allowed, {FOREIGN_ORIGIN} not"

    def _preflight(self, origin: str) -> httpx.Response:
        return self.http.options(
            self._state["api"] + "/signup",
            headers={
                "origin": origin,
                "access-control-request-method": "POST",
                "access-control-request-headers": "content-type",
            },
        )

    def minecraft_signup(self) -> str:
        name = self.options.minecraft_name
        answer = self.http.post(
            self._state["api"] + "/signup",
            json={"minecraft": {"name": name, "edition": "java"}},
            headers={"origin": self._state["origin"]},
        )
        body = _json(answer)
        if answer.status_code != 200 or not body.get("token") or not body.get("customer", {}).get("id"):
            raise CheckFailedError(f"POST /signup Minecraft {name}: HTTP {answer.status_code} {_brief(body)}")
        if answer.headers.get("access-control-allow-origin") != self._state["origin"]:
            raise CheckFailedError("the signup answer lacks the CORS allow-origin header the browser needs")
        self._state["minecraft_customer_id"] = body["customer"]["id"]
        created = "created" if body.get("created") else "found"
        return f"{name}: customer {body['customer']['id']} {created}, token issued"

    def _trusted(self, method: str, path: str, body: Any = None, key: str | None = "") -> httpx.Response:
        headers = {}
        if key is not None:
            caller_key = self._state.get("caller_key")
            if caller_key is None:
                caller_key = self.target.caller_key(self.options.caller_key, self.options.caller)
                self._state["caller_key"] = caller_key
            headers["authorization"] = f"Bearer {caller_key}"
        return self.http.request(method, self._state["api"] + path, json=body, headers=headers)

    def anonymous_refused(self) -> str:
        answer = self._trusted(
            "POST", "/customers/resolve", {"identifier": {"name": SMOKE_CUSTOMER}}, key=None
        )
        if answer.status_code != 401:
            raise CheckFailedError(
                f"POST /customers/resolve without a key: HTTP {answer.status_code}, not 401"
            )
        return "401 without a key"

    def resolve(self) -> str:
        answer = self._trusted(
            "POST",
            "/customers/resolve",
            {"identifier": {"name": SMOKE_CUSTOMER}, "metadata": {"purpose": "smoke-test"}},
        )
        body = _json(answer)
        if answer.status_code != 200 or not body.get("customer", {}).get("id"):
            raise CheckFailedError(f"POST /customers/resolve: HTTP {answer.status_code} {_brief(body)}")
        self._state["customer_id"] = body["customer"]["id"]
        return f"customer {body['customer']['id']} ({'created' if body.get('created') else 'found'})"

    def token(self) -> str:
        answer = self._trusted("POST", f"/customers/{self._state['customer_id']}/tokens")
        body = _json(answer)
        if answer.status_code != 200 or not isinstance(body.get("token"), str) or not body["token"]:
            raise CheckFailedError(f"POST /customers/{{id}}/tokens: HTTP {answer.status_code} {_brief(body)}")
        self._state["token"] = body["token"]
        return "token issued"

    def _storefront(self) -> tuple[str, str] | None:
        if self.target.local:
            url, store = self.target.extras.get("paynow_api_url"), self.target.extras.get("store_id")
        else:
            url = self.target.parameters.get("PayNowApiUrl")
            store = self.target.parameters.get("PayNowStoreId")
        return (str(url).rstrip("/"), str(store)) if url and store else None

    def _storefront_status(self, token: str) -> tuple[int, dict[str, Any]]:
        where = self._storefront()
        assert where is not None
        url, store = where
        answer = self.http.get(
            url + "/v1/store/customer",
            headers={"authorization": f"Customer {token}", "x-paynow-store-id": store},
        )
        return answer.status_code, _json(answer)

    def storefront_accepts(self) -> str:
        status, body = self._storefront_status(self._state["token"])
        if status != 200 or body.get("id") != self._state["customer_id"]:
            raise CheckFailedError(f"GET /v1/store/customer with the token: HTTP {status} {_brief(body)}")
        return "PayNow's storefront knows the token's customer"

    def invalidate(self) -> str:
        revoked = []
        for label, key in (("smoke", "customer_id"), ("Minecraft", "minecraft_customer_id")):
            if key not in self._state:
                continue
            answer = self._trusted("DELETE", f"/customers/{self._state[key]}/tokens")
            if answer.status_code != 204:
                raise CheckFailedError(f"DELETE tokens of the {label} customer: HTTP {answer.status_code}")
            revoked.append(label)
        detail = f"tokens revoked ({', '.join(revoked)} customer)"
        if self._storefront() is not None:
            status, _ = self._storefront_status(self._state["token"])
            if status != 401:
                raise CheckFailedError(f"the revoked token still works on the storefront (HTTP {status})")
            detail += "; the storefront refuses the old token"
        return detail

    def csv_import(self) -> str:
        s3 = self.target.client("s3")
        incoming = str(self.target.extras.get("incoming_prefix", "incoming/"))
        reports = str(self.target.extras.get("reports_prefix", "reports/"))
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ") + "-" + secrets.token_hex(3)
        key = f"{incoming}smoke/{stamp}.csv"
        put = s3.put_object(Bucket=self._state["bucket"], Key=key, Body=SMOKE_CSV, ContentType="text/csv")
        tag = put.get("VersionId") or "etag-" + put["ETag"].strip('"')
        summary_key = f"{reports}{key.removeprefix(incoming)}/{tag}/summary.json"
        deadline = time.monotonic() + self.options.import_timeout_s
        summary: dict[str, Any] = {}
        while time.monotonic() < deadline:
            try:
                summary = json.loads(
                    s3.get_object(Bucket=self._state["bucket"], Key=summary_key)["Body"].read()
                )
            except s3.exceptions.NoSuchKey:
                summary = {}
            if summary.get("status") not in (None, "running"):
                break
            time.sleep(1)
        else:
            raise CheckFailedError(
                f"no final report at s3://{self._state['bucket']}/{summary_key} "
                f"after {self.options.import_timeout_s:.0f} s (status {summary.get('status')!r})"
            )
        counts = summary.get("counts") or {}
        if summary["status"] != "completed" or counts.get("total") != 2 or counts.get("rejected"):
            raise CheckFailedError(f"report {summary_key}: status {summary['status']}, counts {counts}")
        settled = {k: v for k, v in counts.items() if k != "total" and v}
        return f"{key}: completed {settled}"

    def dlq_empty(self) -> str:
        return self._queue_empty(self._state["dlq"], "import", "Dead-letter queue")

    def revocation_dlq_empty(self) -> str:
        url = self.target.outputs["RevocationDLQUrl"]
        return self._queue_empty(url, "chargeback revocation", "PayNow webhooks")

    def _queue_empty(self, url: str, what: str, section: str) -> str:
        sqs = self.target.client("sqs")
        attributes = sqs.get_queue_attributes(
            QueueUrl=url,
            AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
        )["Attributes"]
        waiting = int(attributes.get("ApproximateNumberOfMessages", 0))
        in_flight = int(attributes.get("ApproximateNumberOfMessagesNotVisible", 0))
        if waiting or in_flight:
            raise CheckFailedError(f"{waiting + in_flight} failed {what}(s) in {url} (README: {section})")
        return f"no failed {what}s"


def _json(answer: httpx.Response) -> dict[str, Any]:
    try:
        body = answer.json()
    except ValueError:
        return {"raw": answer.text[:200]}
    return body if isinstance(body, dict) else {"raw": body}


def _brief(body: dict[str, Any]) -> str:
    """An error body without tokens, for the table."""
    shown = {k: v for k, v in body.items() if k not in ("token",)}
    return json.dumps(shown)[:300]


def table(checks: list[Check], out: TextIO | None = None) -> None:
    out = out or sys.stdout
    width = max(len(c.name) for c in checks)
    print(f"{'check':<{width}}  result  time    detail", file=out)
    for check in checks:
        print(f"{check.name:<{width}}  {check.status:<6}  {check.seconds:5.1f}s  {check.detail}", file=out)
    failed = sum(c.status == "FAIL" for c in checks)
    passed = sum(c.status == "PASS" for c in checks)
    skipped = sum(c.status == "SKIP" for c in checks)
    verdict = "FAILED" if failed else "OK"
    print(f"\nsmoke {verdict}: {passed} passed, {failed} failed, {skipped} skipped", file=out)


def run(target: Target, options: SmokeOptions, out: TextIO | None = None) -> int:
    with httpx.Client(timeout=35, trust_env=not target.local) as http:
        smoke = Smoke(target, options, http)
        smoke.run()
    table(smoke.checks, out)
    return 0 if smoke.passed else 1
