"""The stack a command talks to: a deployed CloudFormation stack, or the local stack of `make dev`.

Both are described the same way: the template's outputs (``ApiUrl``, ``ImportBucketName``,
``ImportDLQUrl``, the function names), the parameters a check needs, and boto3 clients. A deployed
stack is read with ``DescribeStacks``; the local one from ``outputs.json``, which ``make dev``
writes beside ``env.sh`` in its state folder.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import boto3

from ops.awsenv import refuse_local

LOCAL_CREDENTIALS = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing"}


class TargetError(RuntimeError):
    """The stack cannot be found or described; the message says what to do."""


@dataclass
class Target:
    name: str
    outputs: dict[str, str]
    parameters: dict[str, str]
    local: bool
    region: str | None = None
    endpoints: dict[str, str] = field(default_factory=dict)
    extras: dict[str, Any] = field(default_factory=dict)
    _session: Any = None

    def output(self, key: str) -> str:
        try:
            return self.outputs[key]
        except KeyError:
            raise TargetError(f"stack {self.name} has no output {key}") from None

    def client(self, service: str) -> Any:
        if not self.local:
            if self._session is None:
                self._session = boto3.Session(region_name=self.region)
            return self._session.client(service)
        endpoint = self.endpoints.get(service, self.endpoints["aws"])
        return boto3.client(
            service,  # type: ignore[call-overload]
            endpoint_url=endpoint,
            region_name=self.region,
            **LOCAL_CREDENTIALS,
        )

    @property
    def allowed_origins(self) -> list[str]:
        return [o.strip() for o in self.parameters.get("AllowedOrigins", "").split(",") if o.strip()]

    def caller_key(self, given: str | None, caller: str | None = None) -> str:
        """The key to call trusted routes with: given, the local stack's, or read from the secret."""
        if given:
            return given
        if self.local:
            return str(self.extras["caller_key"])
        arn = self.parameters.get("CallerKeysSecretArn")
        if not arn:
            raise TargetError("no caller key: pass --caller-key (the stack has no CallerKeysSecretArn)")
        try:
            text = self.client("secretsmanager").get_secret_value(SecretId=arn)["SecretString"]
            callers = json.loads(text)["callers"]
        except Exception as exc:  # any failure here means: tell the operator how to pass the key instead
            raise TargetError(
                f"cannot read a caller key from {arn} ({type(exc).__name__}: {exc}); pass --caller-key"
            ) from exc
        if caller is not None:
            if caller not in callers:
                raise TargetError(f"the caller-keys secret has no caller {caller!r}")
            return str(callers[caller])
        if not callers:
            raise TargetError("the caller-keys secret holds no caller; add one with `make secrets`")
        return str(callers.get("smoke") or next(iter(callers.values())))


def deployed(stack_name: str, region: str | None = None) -> Target:
    refuse_local(f"check stack {stack_name}", hint="or pass --local for the local stack.")
    session = boto3.Session(region_name=region)
    cfn = session.client("cloudformation")
    try:
        stack = cfn.describe_stacks(StackName=stack_name)["Stacks"][0]
    except Exception as exc:  # botocore's ClientError/NoCredentials: the message is what matters here
        raise TargetError(f"cannot describe stack {stack_name}: {exc}") from exc
    outputs = {o["OutputKey"]: o["OutputValue"] for o in stack.get("Outputs", [])}
    parameters = {p["ParameterKey"]: p.get("ParameterValue", "") for p in stack.get("Parameters", [])}
    return Target(
        name=stack_name,
        outputs=outputs,
        parameters=parameters,
        local=False,
        region=session.region_name,
        _session=session,
    )


def local(workdir: Path) -> Target:
    path = workdir / "outputs.json"
    if not path.is_file():
        raise TargetError(
            f"no local stack: {path} is missing (start it with `make dev`, or name a deployed stack)"
        )
    document = json.loads(path.read_text(encoding="utf-8"))
    return Target(
        name=document["stack_name"],
        outputs=document["outputs"],
        parameters=document["parameters"],
        local=True,
        region=document["region"],
        endpoints=document["endpoints"],
        extras=document["local"],
    )
