"""Prints template.yaml as the SAM transform turns it into plain CloudFormation (JSON on stdout).

Run by the SAM CLI's own interpreter, which bundles samtranslator; the test venv does not have it.
Local code paths become placeholder S3 URIs, as `sam validate` does before translating."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from samtranslator.translator.transform import transform
from samtranslator.yaml_helper import yaml_parse


class _NoManagedPolicyNames:
    """The template names no managed policy; SAM's own ones it adds by ARN."""

    def load(self) -> dict[str, str]:
        return {}


def main(template_path: str) -> None:
    template: dict[str, Any] = yaml_parse(Path(template_path).read_text(encoding="utf-8"))
    for resource in template["Resources"].values():
        properties = resource.get("Properties", {})
        if resource["Type"] == "AWS::Serverless::Function":
            properties["CodeUri"] = "s3://placeholder-bucket/code.zip"
        elif resource["Type"] == "AWS::Serverless::LayerVersion":
            properties["ContentUri"] = "s3://placeholder-bucket/layer.zip"
    json.dump(transform(template, {}, _NoManagedPolicyNames()), sys.stdout)


if __name__ == "__main__":
    main(sys.argv[1])
