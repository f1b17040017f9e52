"""Self-continuation: the import function invokes itself asynchronously with a continuation payload."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from mypy_boto3_lambda.client import LambdaClient


class LambdaContinuer:
    def __init__(self, client: LambdaClient, function_name: str) -> None:
        self._client = client
        self._function = function_name

    def continue_import(self, payload: Mapping[str, Any]) -> None:
        response = self._client.invoke(
            FunctionName=self._function, InvocationType="Event", Payload=json.dumps(payload).encode()
        )
        if response.get("StatusCode") != 202:
            raise RuntimeError(f"continuation invoke answered {response.get('StatusCode')}")
