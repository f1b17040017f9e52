"""README's Deploy and Website integration snippets that work against the local stack, run verbatim.

Each snippet is copied exactly from README.md (a test checks it still is) and run with bash after
`source <stack>/env.sh`, as a developer following README would. The steps that need a real AWS
account are covered by tests/unit/ops (the commands they name exist and answer --help).
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable

import pytest
from devstack_e2e import REPO, Stack

from tests.support.processes import run_captured

PREFLIGHT = r"""
curl -s -o /dev/null -D - -X OPTIONS "$API/signup" -H "origin: ${PAGE%/}" \
  -H 'access-control-request-method: POST' -H 'access-control-request-headers: content-type' \
  | grep -i '^access-control-allow-origin'
"""

STOREFRONT = r"""
TOKEN=$(curl -s -X POST "$API/signup" -H "origin: ${PAGE%/}" -H 'content-type: application/json' \
  -d '{"minecraft": {"name": "jeb_", "edition": "java"}}' \
  | python3 -c 'import json, sys; print(json.load(sys.stdin)["token"])')
curl -s -w '\n' "$PAYNOW_EMULATOR/v1/store/customer" \
  -H "authorization: Customer $TOKEN" -H "x-paynow-store-id: $PAYNOW_STORE"
"""

LOCAL_CALLER_KEY = r"""
PYTHONPATH=local .venv/bin/python -m ops secrets caller-key --local --caller partner
"""

SMOKE = r"""
make smoke
"""

EVENT = r"""
PYTHONPATH=local .venv/bin/python -m ops events invoke --local events/signup/signup_minecraft_java.json
"""


def check_preflight(stack: Stack, output: str) -> None:
    assert output.strip().lower() == f"access-control-allow-origin: {stack.page_origin}".lower()


def check_storefront(stack: Stack, output: str) -> None:
    customer = json.loads(output)
    assert customer["profile"]["name"] == "jeb_"


def check_caller_key(stack: Stack, output: str) -> None:
    # Written into the local stack's own caller-keys secret, beside its dev key.
    outputs = json.loads((stack.workdir / "outputs.json").read_text())
    secret_id = outputs["parameters"]["CallerKeysSecretArn"]
    stored = json.loads(stack.aws("secretsmanager").get_secret_value(SecretId=secret_id)["SecretString"])
    assert stored["callers"]["partner"] == output.strip()
    assert stored["callers"]["devstack"] == stack.caller_key


def check_smoke(stack: Stack, output: str) -> None:
    # The local stack does not revoke tokens on chargebacks (OnChargeback=none): that check skips.
    assert "smoke OK: 10 passed, 0 failed, 1 skipped" in output


def check_event(stack: Stack, output: str) -> None:
    name, _, result = output.partition(": ")
    assert name == "events/signup/signup_minecraft_java.json"
    assert json.loads(result)["statusCode"] == 200


SNIPPETS: list[tuple[str, str, Callable[[Stack, str], None]]] = [
    ("preflight", PREFLIGHT, check_preflight),
    ("storefront-token", STOREFRONT, check_storefront),
    ("local-caller-key", LOCAL_CALLER_KEY, check_caller_key),
    ("smoke", SMOKE, check_smoke),
    ("event", EVENT, check_event),
]
IDS = [s[0] for s in SNIPPETS]


@pytest.mark.parametrize(("name", "snippet", "check"), SNIPPETS, ids=IDS)
def test_readme_deploy_snippet(
    stack: Stack, name: str, snippet: str, check: Callable[[Stack, str], None]
) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "MAKE", "DEVSTACK"))}
    script = f"set -euo pipefail\nsource {stack.info['env_file']}\n{snippet.strip()}\n"
    completed = run_captured(["bash", "-c", script], env=env, timeout=300)
    assert completed.returncode == 0, completed.stdout + completed.stderr
    check(stack, completed.stdout)


@pytest.mark.parametrize(("name", "snippet"), [(s[0], s[1]) for s in SNIPPETS], ids=IDS)
def test_readme_shows_the_tested_snippet_verbatim(name: str, snippet: str) -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    assert f"```sh\n{snippet.strip()}\n```" in readme, (
        f"README.md no longer shows the {name} example as tested"
    )
