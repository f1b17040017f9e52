"""The template model: cfn-lint's decoding of short-form tags, and the intrinsic-function resolver."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from devstack.template_model import (
    Context,
    Resolver,
    TemplateError,
    load_template,
    parameter_values,
    transform,
    with_globals,
)

TEMPLATE = """
Parameters:
  Stage: {Type: String, Default: dev}
  Origins: {Type: CommaDelimitedList, Default: "https://a.example, https://b.example"}
  Count: {Type: Number, Default: 4}
  NoDefault: {Type: String}
Conditions:
  IsProd: !Equals [!Ref Stage, prod]
  IsDev: !Not [!Condition IsProd]
Mappings:
  Sizes: {dev: {Memory: 256}, prod: {Memory: 1024}}
Resources:
  Bucket:
    Type: AWS::S3::Bucket
    Properties:
      BucketName: !Sub "${AWS::StackName}-${Stage}-${AWS::AccountId}"
      Tags:
        - !If [IsProd, {Key: prod, Value: "yes"}, !Ref AWS::NoValue]
        - {Key: count, Value: !Ref Count}
      Short: !GetAtt Queue.Arn
      Long: !GetAtt [Queue, Arn]
      Joined: !Join [",", !Ref Origins]
      First: !Select [1, !Split [",", "x,y,z"]]
      Literal: !Sub "${!NotAVar} and ${Queue.Arn}"
      Mapped: !FindInMap [Sizes, !Ref Stage, Memory]
      Vars: !Sub
        - "${Name}-${Stage}"
        - Name: !If [IsDev, development, production]
"""


@pytest.fixture
def template(tmp_path: Path) -> dict[str, Any]:
    path = tmp_path / "template.yaml"
    path.write_text(TEMPLATE)
    return load_template(path)


def resolver(template: dict[str, Any], **overrides: str) -> Resolver:
    context = Context(
        parameters=parameter_values(template, overrides),
        stack_name="stack",
        refs={"Queue": "https://queue"},
        attributes={"Queue": {"Arn": "arn:aws:sqs:us-east-1:123456789012:q"}},
    )
    return Resolver(template, context)


def test_short_tags_become_intrinsics(template: dict[str, Any]) -> None:
    props = template["Resources"]["Bucket"]["Properties"]
    assert props["Short"] == {"Fn::GetAtt": ["Queue", "Arn"]}
    assert props["Long"] == {"Fn::GetAtt": ["Queue", "Arn"]}
    assert props["Joined"] == {"Fn::Join": [",", {"Ref": "Origins"}]}
    assert template["Conditions"]["IsDev"] == {"Fn::Not": [{"Condition": "IsProd"}]}


def test_resolves_every_supported_function(template: dict[str, Any]) -> None:
    props = resolver(template).resolve(template["Resources"]["Bucket"]["Properties"])
    assert props == {
        "BucketName": "stack-dev-123456789012",
        "Tags": [{"Key": "count", "Value": "4"}],
        "Short": "arn:aws:sqs:us-east-1:123456789012:q",
        "Long": "arn:aws:sqs:us-east-1:123456789012:q",
        "Joined": "https://a.example,https://b.example",
        "First": "y",
        "Literal": "${NotAVar} and arn:aws:sqs:us-east-1:123456789012:q",
        "Mapped": 256,
        "Vars": "development-dev",
    }


def test_conditions_follow_parameter_overrides(template: dict[str, Any]) -> None:
    props = resolver(template, Stage="prod").resolve(template["Resources"]["Bucket"]["Properties"])
    assert props["Tags"][0] == {"Key": "prod", "Value": "yes"}
    assert props["Vars"] == "production-prod"
    assert props["Mapped"] == 1024


def test_comma_delimited_lists_are_split_and_trimmed(template: dict[str, Any]) -> None:
    values = parameter_values(template, {"Origins": "http://x, http://y"})
    assert values["Origins"] == ["http://x", "http://y"]
    assert values["NoDefault"] == ""


def test_unknown_override_is_refused(template: dict[str, Any]) -> None:
    with pytest.raises(TemplateError, match="Typo"):
        parameter_values(template, {"Typo": "x"})


def test_unknown_reference_names_the_culprit(template: dict[str, Any]) -> None:
    with pytest.raises(TemplateError, match="Missing"):
        resolver(template).resolve({"Ref": "Missing"})
    with pytest.raises(TemplateError, match="Fn::ImportValue"):
        resolver(template).resolve({"Fn::ImportValue": "x"})


def test_ref_to_a_functions_alias_is_the_alias_arn() -> None:
    document = {
        "Resources": {"Fn": {"Type": "AWS::Serverless::Function", "Properties": {"AutoPublishAlias": "live"}}}
    }
    context = Context(
        parameters={}, attributes={"Fn": {"Arn": "arn:aws:lambda:us-east-1:123456789012:function:f"}}
    )
    assert (
        Resolver(document, context).resolve({"Ref": "Fn.Alias"}) == f"{context.attributes['Fn']['Arn']}:live"
    )
    without_alias = {"Resources": {"Fn": {"Type": "AWS::Serverless::Function", "Properties": {}}}}
    with pytest.raises(TemplateError, match=r"Fn\.Alias"):
        Resolver(without_alias, context).resolve({"Ref": "Fn.Alias"})


def test_stack_id_carries_the_stack_uuid(template: dict[str, Any]) -> None:
    context = Context(parameters={}, stack_name="s", stack_uuid="1234abcd-0000-0000-0000-000000000000")
    stack_id = Resolver(template, context).resolve(
        {
            "Fn::Select": [
                0,
                {"Fn::Split": ["-", {"Fn::Select": [2, {"Fn::Split": ["/", {"Ref": "AWS::StackId"}]}]}]},
            ]
        }
    )
    assert stack_id == "1234abcd"


def test_not_a_template(tmp_path: Path) -> None:
    path = tmp_path / "x.yaml"
    path.write_text("just: a mapping\n")
    with pytest.raises(TemplateError, match="no Resources"):
        load_template(path)


SAM_FUNCTION = {"CodeUri": "fn", "Handler": "app.handler", "Runtime": "python3.13"}


def test_invalid_globals_are_named_by_sam() -> None:
    document = {
        "Globals": {"Function": {"Nope": 1}},
        "Resources": {"Fn": {"Type": "AWS::Serverless::Function", "Properties": SAM_FUNCTION}},
    }
    with pytest.raises(TemplateError, match="'Nope' is not a supported property of 'Function'"):
        with_globals(document)


def test_sam_transform_errors_name_the_resource_and_event() -> None:
    event = {"Type": "S3", "Properties": {"Bucket": "not-in-template", "Events": "s3:ObjectCreated:*"}}
    document = {
        "Transform": "AWS::Serverless-2016-10-31",
        "Resources": {
            "Fn": {
                "Type": "AWS::Serverless::Function",
                "Properties": {**SAM_FUNCTION, "Events": {"Drop": event}},
            }
        },
    }
    with pytest.raises(TemplateError, match=r"\[Fn\] is invalid. Event with id \[Drop\]"):
        transform(document)
