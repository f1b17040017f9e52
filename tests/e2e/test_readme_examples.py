"""The README's local-stack examples, run verbatim against the running stack.

README.md copies SNIPPETS exactly (after `source .devstack/env.sh`, which `make dev` writes); the
test sources the stack's env.sh and runs each snippet with bash, so a README example that stops
working fails here.
"""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest
from devstack_e2e import REPO, Stack

from tests.support.processes import run_captured

SIGNUP_MINECRAFT = r"""
curl -s -w '\n' -X POST "$API/signup" -H 'content-type: application/json' \
  -d '{"minecraft": {"name": "Notch", "edition": "java"}}'
"""

TRUSTED_WITHOUT_KEY = r"""
curl -s -w ' HTTP %{http_code}\n' -X POST "$API/customers/resolve" -H 'content-type: application/json' \
  -d '{"identifier": {"steam_id": "76561197960287930"}}'
"""

TRUSTED_RESOLVE_AND_TOKENS = r"""
CUSTOMER_ID=$(curl -s -X POST "$API/customers/resolve" \
  -H "authorization: Bearer $CALLER_KEY" -H 'content-type: application/json' \
  -d '{"identifier": {"steam_id": "76561197960287930"}, "name": "Gabe"}' \
  | python3 -c 'import json, sys; print(json.load(sys.stdin)["customer"]["id"])')
curl -s -w '\n' -X POST "$API/customers/$CUSTOMER_ID/tokens" -H "authorization: Bearer $CALLER_KEY"
curl -s -o /dev/null -w 'DELETE tokens: HTTP %{http_code}\n' \
  -X DELETE "$API/customers/$CUSTOMER_ID/tokens" -H "authorization: Bearer $CALLER_KEY"
"""

IMPORT_DROP_FOLDER = r"""
printf 'steam_id,name\n76561197960287931,Alice\n76561197960287932,Bob\n' > "$DROP_FOLDER/customers.csv"
until grep -qs '"completed"' "$REPORTS_FOLDER"/customers.csv/*/summary.json; do sleep 1; done
cat "$REPORTS_FOLDER"/customers.csv/*/summary.json
"""

IMPORT_BOTO3 = r"""
.venv/bin/python - <<'EOF'
import os, boto3  # env.sh's AWS profile points boto3 at the local stack
boto3.client("s3").put_object(Bucket=os.environ["IMPORT_BUCKET"], Key="incoming/more.csv",
                              Body=b"steam_id,name\n76561197960287933,Carol\n")
print("uploaded s3://" + os.environ["IMPORT_BUCKET"] + "/incoming/more.csv")
EOF
"""

DIRECT_INVOKE = r"""
.venv/bin/python - <<'EOF'
import json, os, boto3  # the profile sends boto3's lambda client to the local Lambda API
response = boto3.client("lambda").invoke(
    FunctionName=os.environ["TRUSTED_FUNCTION"],
    Payload=json.dumps({"action": "resolve", "identifier": {"minecraft_java_name": "Notch"}, "token": True}))
print(response["Payload"].read().decode())
EOF
"""

WEBHOOK_DELIVERY = r"""
curl -s -w '\n' -X POST "$PAYNOW_EMULATOR/_emulator/webhooks/trigger" -H 'content-type: application/json' \
  -d '{"event": "OnRefund", "body": {"id": "411486491630370816"}}'
until grep -qs '"ON_REFUND"' "$EVENT_LOG"; do sleep 1; done
grep '"ON_REFUND"' "$EVENT_LOG" | tail -1
"""

WEBHOOK_FORGED = r"""
curl -s -w ' HTTP %{http_code}\n' -X POST "$WEBHOOK_URL" \
  -H 'PayNow-Timestamp: 1700000000000' -H 'PayNow-Signature: AAAA' -d '{}'
"""


def _json_line(output: str, index: int = 0) -> dict[str, object]:
    lines = [line for line in output.splitlines() if line.startswith("{")]
    parsed: dict[str, object] = json.loads(lines[index])
    return parsed


def check_signup(output: str) -> None:
    result = _json_line(output)
    assert result["token"]
    assert isinstance(result["customer"], dict)
    assert result["platform"] == "minecraft_java"
    assert set(result["customer"]) == {"id", "display_name"}


def check_refused(output: str) -> None:
    assert output.strip().endswith("HTTP 401")


def check_tokens(output: str) -> None:
    assert _json_line(output)["token"]
    assert "DELETE tokens: HTTP 204" in output


def check_drop(output: str) -> None:
    summary = json.loads(output)
    assert summary["status"] == "completed"
    assert isinstance(summary["counts"], dict)
    assert summary["counts"]["total"] == 2


def check_boto3(output: str) -> None:
    assert output.startswith("uploaded s3://")


def check_direct(output: str) -> None:
    result = _json_line(output)
    assert isinstance(result["customer"], dict)
    assert result["token"]


def check_webhook_delivery(output: str) -> None:
    fired = _json_line(output)
    record = _json_line(output, -1)
    event = record["event"]
    assert isinstance(event, dict)
    assert (event["source"], event["detail-type"]) == ("paynow.webhooks", "ON_REFUND")
    assert event["detail"]["event_id"] == fired["event_id"]


def check_webhook_forged(output: str) -> None:
    assert output.strip().endswith("HTTP 401")


SNIPPETS: list[tuple[str, str, Callable[[str], None]]] = [
    ("signup-minecraft", SIGNUP_MINECRAFT, check_signup),
    ("trusted-without-key", TRUSTED_WITHOUT_KEY, check_refused),
    ("trusted-resolve-and-tokens", TRUSTED_RESOLVE_AND_TOKENS, check_tokens),
    ("import-drop-folder", IMPORT_DROP_FOLDER, check_drop),
    ("import-boto3", IMPORT_BOTO3, check_boto3),
    ("direct-invoke", DIRECT_INVOKE, check_direct),
    ("webhook-delivery", WEBHOOK_DELIVERY, check_webhook_delivery),
    ("webhook-forged", WEBHOOK_FORGED, check_webhook_forged),
]


@pytest.mark.parametrize(("name", "snippet", "check"), SNIPPETS, ids=[s[0] for s in SNIPPETS])
def test_readme_snippet(stack: Stack, name: str, snippet: str, check: Callable[[str], None]) -> None:
    script = f"set -euo pipefail\nsource {stack.info['env_file']}\n{snippet.strip()}\n"
    completed = run_captured(["bash", "-c", script], timeout=180)
    assert completed.returncode == 0, completed.stderr
    check(completed.stdout)


@pytest.mark.parametrize(("name", "snippet"), [(s[0], s[1]) for s in SNIPPETS], ids=[s[0] for s in SNIPPETS])
def test_readme_shows_the_tested_snippet_verbatim(name: str, snippet: str) -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    assert snippet.strip() in readme, f"README.md no longer shows the {name} example exactly as tested"
