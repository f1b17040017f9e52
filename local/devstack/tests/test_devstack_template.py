"""Reading functions, routes and triggers from a SAM template (a throwaway one, and the project's)."""

from __future__ import annotations

from pathlib import Path

import pytest
from devstack.template import AsyncConfig, Authorizer, Cors, Destination, LocalTemplate, Throttle
from devstack.template_model import TemplateError, with_globals

REPO = Path(__file__).resolve().parents[3]

TEMPLATE = """
Transform: AWS::Serverless-2016-10-31
Parameters:
  Origins: {Type: CommaDelimitedList}
  ApiUrl: {Type: String, Default: https://api.example}
  WithExtra: {Type: String, Default: "no"}
Conditions:
  Extra: !Equals [!Ref WithExtra, "yes"]
Globals:
  Function:
    Runtime: python3.13
    Handler: app.lambda_handler
    Timeout: 20
    Layers: [!Ref Layer]
    Environment:
      Variables:
        SHARED: global
        API_URL: !Ref ApiUrl
        ORIGINS: !Join [",", !Ref Origins]
Resources:
  Layer:
    Type: AWS::Serverless::LayerVersion
    Properties: {ContentUri: layer}
  Bus:
    Type: AWS::Events::EventBus
    Properties: {Name: !Sub "${AWS::StackName}-bus"}
  Dlq:
    Type: AWS::SQS::Queue
  Api:
    Type: AWS::Serverless::HttpApi
    Properties:
      CorsConfiguration:
        AllowOrigins: !Ref Origins
        AllowMethods: [post]
        AllowHeaders: [Content-Type]
        MaxAge: 60
      DefaultRouteSettings: {ThrottlingBurstLimit: 5, ThrottlingRateLimit: 2}
      Auth:
        DefaultAuthorizer: KeyAuth
        Authorizers:
          KeyAuth:
            FunctionArn: !GetAtt AuthFn.Arn
            AuthorizerPayloadFormatVersion: "2.0"
            EnableSimpleResponses: true
            Identity: {Headers: [Authorization], ReauthorizeEvery: 30}
  PublicFn:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: fn/public
      Timeout: 5
      Environment: {Variables: {SHARED: mine, OWN: "1"}}
      Events:
        Open:
          Type: HttpApi
          Properties: {ApiId: !Ref Api, Method: post, Path: /open, Auth: {Authorizer: NONE}}
        Closed: {Type: HttpApi, Properties: {ApiId: !Ref Api, Method: delete, Path: "/things/{id}"}}
        Implicit: {Type: HttpApi, Properties: {Method: get, Path: /implicit}}
        Timer: {Type: Schedule, Properties: {Schedule: rate(1 hour)}}
  AuthFn:
    Type: AWS::Serverless::Function
    Properties: {CodeUri: fn/auth, FunctionName: my-authorizer}
  Worker:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: fn/worker
      ReservedConcurrentExecutions: 2
      EventInvokeConfig:
        MaximumRetryAttempts: 1
        DestinationConfig: {OnFailure: {Type: SQS, Destination: !GetAtt Dlq.Arn}}
      Events:
        Dropped:
          Type: S3
          Properties:
            Bucket: !Ref Other
            Events: s3:ObjectCreated:*
            Filter: {S3Key: {Rules: [{Name: suffix, Value: .json}]}}
        OnBus:
          Type: EventBridgeRule
          Properties: {EventBusName: !Ref Bus, Pattern: {source: [me]}, InputPath: $.detail}
  ExtraFn:
    Type: AWS::Serverless::Function
    Condition: Extra
    Properties: {CodeUri: fn/extra}
  Bucket:
    Type: AWS::S3::Bucket
    Properties:
      BucketName: !Sub "drop-${AWS::AccountId}"
      NotificationConfiguration:
        EventBridgeConfiguration: {EventBridgeEnabled: true}
        LambdaConfigurations:
          - Event: s3:ObjectCreated:*
            Function: !GetAtt Worker.Arn
            Filter: {S3Key: {Rules: [{Name: prefix, Value: in/}, {Name: suffix, Value: .csv}]}}
  Other:
    Type: AWS::S3::Bucket
  Rule:
    Type: AWS::Events::Rule
    Properties:
      EventPattern: {source: [aws.s3]}
      Targets: [{Id: w, Arn: !GetAtt Worker.Arn}]
"""


@pytest.fixture
def local(tmp_path: Path) -> LocalTemplate:
    (tmp_path / "template.yaml").write_text(TEMPLATE)
    (tmp_path / "layer" / "python").mkdir(parents=True)
    template = LocalTemplate(tmp_path / "template.yaml", stack_name="t")
    template.bind({"Origins": "http://localhost:1,http://localhost:2"})
    return template


def test_parameters_feeding_environment_variables_are_found(tmp_path: Path) -> None:
    (tmp_path / "template.yaml").write_text(TEMPLATE)
    template = LocalTemplate(tmp_path / "template.yaml")
    assert template.env_parameter_refs() == {"API_URL": "ApiUrl", "ORIGINS": "Origins"}
    assert template.parameters_without_value({}) == ["Origins"]
    assert template.parameters_without_value({"Origins": "x"}) == []


def test_functions_merge_globals_and_skip_false_conditions(local: LocalTemplate, tmp_path: Path) -> None:
    functions = local.functions()
    assert sorted(functions) == ["AuthFn", "PublicFn", "Worker"]
    public = functions["PublicFn"]
    assert public.name == "t-PublicFn"
    assert public.arn == "arn:aws:lambda:us-east-1:123456789012:function:t-PublicFn"
    assert public.code_dir == tmp_path / "fn" / "public"
    assert public.layers == (tmp_path / "layer" / "python",)
    assert public.timeout_s == 5
    assert public.handler == "app.lambda_handler"
    assert dict(public.environment) == {
        "SHARED": "mine",
        "API_URL": "https://api.example",
        "ORIGINS": "http://localhost:1,http://localhost:2",
        "OWN": "1",
    }
    assert functions["AuthFn"].name == "my-authorizer"
    assert functions["Worker"].reserved_concurrency == 2
    assert functions["Worker"].async_config == AsyncConfig(
        max_retries=1, on_failure=Destination("SQS", "arn:aws:sqs:us-east-1:123456789012:t-Dlq")
    )


def test_http_api_routes_authorizers_cors_and_throttling(local: LocalTemplate) -> None:
    functions = local.functions()
    apis = {api.logical_id: api for api in local.http_apis(functions)}
    assert set(apis) == {"Api", "ServerlessHttpApi"}
    api = apis["Api"]
    assert api.cors == Cors(
        allow_origins=("http://localhost:1", "http://localhost:2"),
        allow_methods=("POST",),
        allow_headers=("content-type",),
        max_age=60,
    )
    routes = {route.route_key: route for route in api.routes}
    assert set(routes) == {"POST /open", "DELETE /things/{id}"}
    assert routes["POST /open"].authorizer is None
    assert routes["DELETE /things/{id}"].authorizer == Authorizer(
        name="KeyAuth",
        function="AuthFn",
        payload_version="2.0",
        simple_responses=True,
        identity_headers=("Authorization",),
        identity_query=(),
        ttl_s=30,
    )
    assert routes["POST /open"].throttle == Throttle(rate=2, burst=5)
    (implicit,) = apis["ServerlessHttpApi"].routes
    assert (implicit.route_key, implicit.function, implicit.authorizer) == ("GET /implicit", "PublicFn", None)


def test_bucket_and_rule_triggers(local: LocalTemplate) -> None:
    functions = local.functions()
    triggers = {(t.bucket, t.prefix, t.suffix, t.function) for t in local.bucket_triggers(functions)}
    assert triggers == {("Bucket", "in/", ".csv", "Worker"), ("Other", "", ".json", "Worker")}
    rules = {(r.logical_id, r.bus, r.function, r.input_path) for r in local.rule_triggers(functions)}
    assert rules == {("Rule", "default", "Worker", None), ("WorkerOnBus", "t-bus", "Worker", "$.detail")}
    assert local.eventbridge_enabled_buckets() == ["Bucket"]
    assert local.unsupported_events(functions) == ["PublicFn.Timer (Schedule)"]
    assert local.physical_name("Bucket") == "drop-123456789012"
    assert local.physical_name("Other") == "t-other"


def test_unknown_authorizer_is_a_clear_error(tmp_path: Path) -> None:
    broken = TEMPLATE.replace("DefaultAuthorizer: KeyAuth", "DefaultAuthorizer: Nope")
    (tmp_path / "template.yaml").write_text(broken)
    (tmp_path / "layer").mkdir()
    template = LocalTemplate(tmp_path / "template.yaml")
    template.bind({"Origins": "x"})
    with pytest.raises(TemplateError, match="authorizer Nope is not defined"):
        template.http_apis(template.functions())


def test_globals_merge_rules() -> None:
    """SAM's own rule: maps merge key by key, lists are additive (globals first), scalars override."""
    document = {
        "Transform": "AWS::Serverless-2016-10-31",
        "Globals": {
            "Function": {"Layers": ["a"], "Environment": {"Variables": {"A": "1", "B": "1"}}, "Timeout": 3}
        },
        "Resources": {
            "Fn": {
                "Type": "AWS::Serverless::Function",
                "Properties": {"Layers": ["b"], "Environment": {"Variables": {"B": "2"}}, "Timeout": 9},
            }
        },
    }
    merged = with_globals(document)["Resources"]["Fn"]["Properties"]
    assert merged == {"Layers": ["a", "b"], "Environment": {"Variables": {"A": "1", "B": "2"}}, "Timeout": 9}


def test_the_project_template_is_understood() -> None:
    """The devstack reads the real template.yaml: its routes, its authorizer and its import trigger."""
    template = LocalTemplate(REPO / "template.yaml", stack_name="paynow-local")
    needed = template.parameters_without_value({})
    template.bind(dict.fromkeys(needed, "arn:aws:secretsmanager:us-east-1:123456789012:secret:x"))
    functions = template.functions()
    routes = {r.route_key: r for api in template.http_apis(functions) for r in api.routes}
    assert routes["POST /signup"].authorizer is None
    protected = [key for key, route in routes.items() if route.authorizer is not None]
    assert protected, "trusted routes must be behind an authorizer"
    for key in protected:
        authorizer = routes[key].authorizer
        assert authorizer is not None
        assert authorizer.simple_responses
    triggers = template.bucket_triggers(functions) + [
        rule for rule in template.rule_triggers(functions) if rule.pattern.get("source") == ["aws.s3"]
    ]
    assert triggers, "some trigger must deliver dropped files to a function"
    for spec in functions.values():
        assert (spec.code_dir / "app.py").is_file(), spec.logical_id


STANDALONE_INVOKE_CONFIG = """
Transform: AWS::Serverless-2016-10-31
Parameters:
  Keep: {Type: String, Default: "yes"}
Conditions:
  Kept: !Equals [!Ref Keep, "yes"]
Resources:
  Fn:
    Type: AWS::Serverless::Function
    Properties: {CodeUri: fn, Runtime: python3.13, Handler: app.handler, AutoPublishAlias: live}
  OnAlias:
    Type: AWS::Lambda::EventInvokeConfig
    Properties:
      FunctionName: !Ref Fn
      Qualifier: live
      MaximumRetryAttempts: 1
      DestinationConfig: {OnFailure: {Destination: !GetAtt Other.Arn}}
  OnLatest:
    Type: AWS::Lambda::EventInvokeConfig
    Condition: Kept
    Properties:
      FunctionName: !Ref Fn
      Qualifier: $LATEST
      MaximumRetryAttempts: 0
      MaximumEventAgeInSeconds: 60
      DestinationConfig:
        OnFailure: {Destination: !GetAtt Failed.Arn}
        OnSuccess: {Destination: !GetAtt Done.Arn}
  Failed:
    Type: AWS::SQS::Queue
    Condition: Kept
  Other:
    Type: AWS::SQS::Queue
  Done:
    Type: AWS::Serverless::Function
    Properties: {CodeUri: fn, Runtime: python3.13, Handler: app.handler}
Outputs:
  FailedUrl:
    Condition: Kept
    Value: !Ref Failed
  OtherUrl:
    Value: !Ref Other
  DoneName:
    Value: !Ref Done
"""


@pytest.mark.parametrize("keep", ["yes", "no"])
def test_a_standalone_invoke_config_on_latest_is_the_async_config(tmp_path: Path, keep: str) -> None:
    """What the chargeback rules rely on locally: AWS::Lambda::EventInvokeConfig on $LATEST (the
    version the local stack runs) sets retries, age and destinations, the kind read off the ARN; a
    config on an alias is not the one local invocations get, and a false Condition removes it."""
    (tmp_path / "template.yaml").write_text(STANDALONE_INVOKE_CONFIG)
    template = LocalTemplate(tmp_path / "template.yaml", stack_name="t")
    template.bind({"Keep": keep})
    config = template.functions()["Fn"].async_config
    if keep == "no":
        assert config == AsyncConfig()
        return
    assert config == AsyncConfig(
        max_retries=0,
        max_event_age_s=60,
        on_failure=Destination("SQS", "arn:aws:sqs:us-east-1:123456789012:t-Failed"),
        on_success=Destination("Lambda", "arn:aws:lambda:us-east-1:123456789012:function:t-Done"),
    )


@pytest.mark.parametrize("keep", ["yes", "no"])
def test_queue_outputs_are_the_urls_of_the_queues_the_outputs_name(tmp_path: Path, keep: str) -> None:
    (tmp_path / "template.yaml").write_text(STANDALONE_INVOKE_CONFIG)
    template = LocalTemplate(tmp_path / "template.yaml", stack_name="t")
    template.bind({"Keep": keep})
    template.set_physical("Other", "http://sqs.local/t-Other")
    template.set_physical("Failed", "http://sqs.local/t-Failed")
    expected = {"OtherUrl": "http://sqs.local/t-Other"}
    if keep == "yes":
        expected["FailedUrl"] = "http://sqs.local/t-Failed"
    assert template.queue_outputs() == expected
