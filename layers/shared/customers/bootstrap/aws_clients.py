"""Every boto3 client of every function, with bounded timeouts and retries."""

from __future__ import annotations

# The first request's HTTP calls (botocore's and httpx's) encode host names with the "idna" codec,
# which Python imports on first use: imported here, init pays for it and no request does.
import encodings.idna  # noqa: F401
from typing import Any, Literal

import boto3
from botocore.config import Config

# botocore's defaults (60 s timeouts, DynamoDB's 10 legacy attempts) could outlive API Gateway's
# 29 s window on one stalled call; these bound each AWS call to well inside it.
_AWS_CONFIG = Config(connect_timeout=2, read_timeout=5, retries={"mode": "standard", "total_max_attempts": 3})


def aws_client(service: Literal["dynamodb", "events", "lambda", "s3", "secretsmanager"]) -> Any:
    return boto3.client(service, config=_AWS_CONFIG)
