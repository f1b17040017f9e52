"""Cold-import cost of the PayNow client vs boto3 + httpx alone (``python -X importtime``).

Each statement runs in a fresh interpreter, several times; the median of the summed cumulative
times of the statement's top-level imports (interpreter start-up excluded) is printed in
microseconds. Run: ``.venv/bin/python bench/import_time.py``.
"""

from __future__ import annotations

import os
import re
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LAYER = ROOT / "layers" / "shared"
SIGNUP = ROOT / "functions" / "signup"
RUNS = 7
# "import time: self [us] | cumulative | imported package"; top-level imports have no indent.
_LINE = re.compile(r"^import time:\s+(\d+) \|\s+(\d+) \| (\s*)(\S+)")


# The configuration contract's variables, so a function module that parses settings at import loads.
FUNCTION_ENV = {
    "PAYNOW_API_URL": "http://127.0.0.1:8787",
    "PAYNOW_STORE_ID": "411486491630370816",
    "PAYNOW_API_KEY_SECRET": "paynow/api-key",
    "EVENT_BUS_NAME": "bench",
    "STATE_TABLE": "bench",
    "ALLOWED_ORIGINS": "http://localhost:3000",
    "STEAM_OPENID_URL": "http://127.0.0.1:8788/openid/login",
    "POWERTOOLS_SERVICE_NAME": "bench",
    "POWERTOOLS_METRICS_NAMESPACE": "bench",
    "AWS_DEFAULT_REGION": "eu-west-1",
}


def cumulative_us(statement: str, cwd: Path, extra_path: list[Path]) -> int:
    env = {**FUNCTION_ENV, **os.environ, "PYTHONPATH": os.pathsep.join(str(p) for p in extra_path)}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    result = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", statement],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    total = 0
    after_startup = False
    for line in result.stderr.splitlines():
        match = _LINE.match(line)
        if not match or match.group(3):
            continue
        if after_startup:
            total += int(match.group(2))
        # "site" is the last top-level import of interpreter start-up; the statement's come after.
        after_startup = after_startup or match.group(4) == "site"
    return total


def main() -> None:
    cases = [
        ("import boto3, httpx", "import boto3, httpx", LAYER, [LAYER]),
        ("import paynow.client", "import paynow.client", LAYER, [LAYER]),
        (
            "paynow.client + powertools parameters (from_environment's secret provider)",
            "import paynow.client; import aws_lambda_powertools.utilities.parameters",
            LAYER,
            [LAYER],
        ),
    ]
    if (SIGNUP / "app.py").is_file():
        cases.append(("functions/signup/app.py", "import app", SIGNUP, [SIGNUP, LAYER]))
    samples: dict[str, list[int]] = {label: [] for label, *_ in cases}
    failed: set[str] = set()
    # Rounds interleave the cases, so load from anything else on the machine hits them alike.
    for round_number in range(RUNS + 1):
        for label, statement, cwd, extra in cases:
            if label in failed:
                continue
            try:
                value = cumulative_us(statement, cwd, extra)
            except subprocess.CalledProcessError as exc:
                failed.add(label)
                print(f"{label}: failed: {exc.stderr.strip().splitlines()[-1]}")
                continue
            if round_number:  # round 0 only warms the file cache and writes .pyc files
                samples[label].append(value)
    print(f"python {sys.version.split()[0]}, median of {RUNS} cold interpreters, cumulative microseconds")
    for label, values in samples.items():
        if values:
            print(f"{label:<80} {int(statistics.median(values)):>9,} us")
    baseline, client = samples["import boto3, httpx"], samples["import paynow.client"]
    if baseline and client:
        ratios = [c / b for c, b in zip(client, baseline, strict=True)]
        print(f"paynow.client / (boto3 + httpx), median per round: {statistics.median(ratios):.2f}")


if __name__ == "__main__":
    main()
