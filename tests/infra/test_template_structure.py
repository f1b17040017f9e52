"""What template.yaml deploys, checked resource by resource against the team's contract."""

from __future__ import annotations

import re
from typing import Any

import pytest
from customers.adapters.s3_import import PART_TAG
from customers.authorizer.settings import AuthorizerSettings

from .tools import FUNCTION_DIRS, ROOT

pytestmark = pytest.mark.infra

COMMON_ENV = {
    "PAYNOW_API_URL",
    "PAYNOW_STORE_ID",
    "PAYNOW_API_KEY_SECRET",
    "EVENT_BUS_NAME",
    "POWERTOOLS_SERVICE_NAME",
    "POWERTOOLS_METRICS_NAMESPACE",
    "POWERTOOLS_LOG_LEVEL",
}
FUNCTION_ENV = {
    "SignupFunction": {"STEAM_OPENID_URL", "ALLOWED_ORIGINS", "STATE_TABLE"},
    "TrustedFunction": {"STATE_TABLE"},
    "AuthorizerFunction": {"CALLER_KEYS_SECRET"},
    "ImportFunction": {
        "STATE_TABLE",
        "IMPORT_BUCKET",
        "INCOMING_PREFIX",
        "REPORTS_PREFIX",
        "IMPORT_EXISTING_MODE",
        "IMPORT_CONCURRENCY",
        "IMPORT_MAX_REQUESTS_PER_SECOND",
    },
    "WebhookFunction": {
        "STATE_TABLE",
        "WEBHOOK_SECRETS_SECRET",
        "WEBHOOK_PAYLOAD_BUCKET",
        "WEBHOOK_PAYLOAD_PREFIX",
    },
}
TRUSTED_ROUTES = {
    ("POST", "/customers/resolve"),
    ("POST", "/customers/{customerId}/tokens"),
    ("DELETE", "/customers/{customerId}/tokens"),
}


def _ref(name: str) -> dict[str, str]:
    return {"Ref": name}


def _policies(function: dict[str, Any]) -> dict[str, Any]:
    """SAM policy templates of a function by name; inline statements under "Statement"."""
    found: dict[str, Any] = {}
    for policy in function.get("Policies", []):
        assert isinstance(policy, dict), policy
        assert len(policy) == 1, policy
        ((name, value),) = policy.items()
        if name == "Statement":
            found.setdefault("Statement", []).extend(value)
        else:
            assert name not in found, f"{name} listed twice"
            found[name] = value
    return found


def _routes(functions: dict[str, dict[str, Any]]) -> dict[tuple[str, str], tuple[str, str | None]]:
    """(method, path) -> (function, authorizer named on the route or None)."""
    routes: dict[tuple[str, str], tuple[str, str | None]] = {}
    for name, function in functions.items():
        for event in function.get("Events", {}).values():
            if event["Type"] != "HttpApi":
                continue
            props = event["Properties"]
            assert props["ApiId"] == _ref("Api")
            key = (props["Method"], props["Path"])
            assert key not in routes, f"route {key} defined twice"
            routes[key] = (name, props.get("Auth", {}).get("Authorizer"))
    return routes


def _evaluate_condition(template: dict[str, Any], name: str, parameters: dict[str, str]) -> bool:
    expression = template["Conditions"][name]
    ((function, args),) = expression.items()
    assert function == "Fn::Equals", "only Fn::Equals on parameters is used here"
    values = [parameters[arg["Ref"]] if isinstance(arg, dict) else arg for arg in args]
    return bool(values[0] == values[1])


def test_the_contract_functions_and_nothing_else(functions: dict[str, dict[str, Any]]) -> None:
    assert set(functions) == set(FUNCTION_DIRS)


@pytest.mark.parametrize("name", sorted(FUNCTION_DIRS))
def test_function_runtime_handler_code_and_layer(functions: dict[str, dict[str, Any]], name: str) -> None:
    function = functions[name]
    assert function["Runtime"] == "python3.13"
    assert function["Architectures"] == ["arm64"]
    assert function["Handler"] == "app.lambda_handler"
    assert function["Tracing"] == _ref("Tracing")
    assert function["Layers"] == [_ref("SharedLayer")]
    code_dir = ROOT / function["CodeUri"]
    assert function["CodeUri"] == f"functions/{FUNCTION_DIRS[name]}"
    assert (code_dir / "app.py").is_file(), f"{code_dir}/app.py is missing"
    # Dependencies ship in the layer; a requirements.txt here would make SAM demand a local python3.13.
    assert not (code_dir / "requirements.txt").exists()


@pytest.mark.parametrize("name", sorted(FUNCTION_DIRS))
def test_function_environment_follows_the_configuration_contract(
    functions: dict[str, dict[str, Any]], name: str
) -> None:
    variables = functions[name]["Environment"]["Variables"]
    assert set(variables) >= COMMON_ENV | FUNCTION_ENV[name]
    assert variables["PAYNOW_API_URL"] == _ref("PayNowApiUrl")
    assert variables["PAYNOW_STORE_ID"] == _ref("PayNowStoreId")
    assert variables["PAYNOW_API_KEY_SECRET"] == _ref("PayNowApiKeySecretArn")
    assert variables["EVENT_BUS_NAME"] == _ref("EventBus")
    assert variables["POWERTOOLS_LOG_LEVEL"] == _ref("LogLevel")
    # Powertools would otherwise copy handler responses (customer tokens) into X-Ray traces.
    assert variables["POWERTOOLS_TRACER_CAPTURE_RESPONSE"] == "false"
    if "STATE_TABLE" in variables:
        assert variables["STATE_TABLE"] == _ref("StateTable")


@pytest.mark.parametrize("name", sorted(FUNCTION_DIRS))
def test_each_function_logs_to_its_own_group_with_retention(
    functions: dict[str, dict[str, Any]], resources: dict[str, Any], name: str
) -> None:
    log_group_ref = functions[name]["LoggingConfig"]["LogGroup"]
    log_group = resources[log_group_ref["Ref"]]
    assert log_group["Type"] == "AWS::Logs::LogGroup"
    assert log_group["Properties"]["RetentionInDays"] == _ref("LogRetentionDays")


def test_log_groups_are_not_shared(functions: dict[str, dict[str, Any]]) -> None:
    groups = [function["LoggingConfig"]["LogGroup"]["Ref"] for function in functions.values()]
    assert len(set(groups)) == len(groups)


def test_shared_layer_builds_with_the_makefile_for_the_lambda_target(resources: dict[str, Any]) -> None:
    layer = resources["SharedLayer"]
    assert layer["Type"] == "AWS::Serverless::LayerVersion"
    assert layer["Properties"]["ContentUri"] == "layers/shared"
    assert layer["Properties"]["CompatibleRuntimes"] == ["python3.13"]
    assert layer["Properties"]["CompatibleArchitectures"] == ["arm64"]
    assert layer["Metadata"]["BuildMethod"] == "makefile"
    makefile = (ROOT / "layers/shared/Makefile").read_text(encoding="utf-8")
    assert "build-SharedLayer:" in makefile
    for flag in ("--platform manylinux2014_aarch64", "--python-version 3.13", "--only-binary=:all:"):
        assert flag in makefile.replace("$(LAMBDA_PLATFORM)", "manylinux2014_aarch64").replace(
            "$(LAMBDA_PYTHON_VERSION)", "3.13"
        )


def test_least_privilege_secrets_per_function(functions: dict[str, dict[str, Any]]) -> None:
    for name in ("SignupFunction", "TrustedFunction", "ImportFunction"):
        policies = _policies(functions[name])
        assert policies["AWSSecretsManagerGetSecretValuePolicy"] == {
            "SecretArn": _ref("PayNowApiKeySecretArn")
        }
        assert policies["EventBridgePutEventsPolicy"] == {"EventBusName": _ref("EventBus")}
    # The authorizer reads the caller keys and nothing else: no PayNow key, table or bus.
    assert _policies(functions["AuthorizerFunction"]) == {
        "AWSSecretsManagerGetSecretValuePolicy": {"SecretArn": _ref("CallerKeysSecretArn")}
    }
    assert functions["AuthorizerFunction"]["Environment"]["Variables"]["CALLER_KEYS_SECRET"] == _ref(
        "CallerKeysSecretArn"
    )


# Item-level actions on the state table, per function, and the partition keys each may touch.
TABLE_GRANTS = {
    "SignupFunction": (
        {"dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem"},
        ["lock#*", "steam-nonce#*", "signup-rate#*"],
    ),
    "TrustedFunction": (
        {"dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem"},
        ["lock#*"],
    ),
    "ImportFunction": ({"dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem"}, ["import#*"]),
}
NEVER_GRANTED = {
    "dynamodb:Scan",
    "dynamodb:Query",
    "dynamodb:BatchWriteItem",
    "dynamodb:BatchGetItem",
    "dynamodb:DeleteTable",
    "dynamodb:UpdateTable",
    "s3:DeleteBucket",
    "s3:PutBucketPolicy",
    "s3:PutLifecycleConfiguration",
    "s3:DeleteObjectVersion",
}


@pytest.mark.parametrize("name", sorted(TABLE_GRANTS))
def test_state_table_access_is_item_level_and_scoped_to_the_functions_own_keys(
    functions: dict[str, dict[str, Any]], name: str
) -> None:
    policies = _policies(functions[name])
    # SAM's DynamoDB templates grant Scan, Query and batch writes on the whole table.
    assert not [p for p in policies if p.startswith("DynamoDB")], sorted(policies)
    (statement,) = [
        s for s in policies["Statement"] if s["Resource"] == {"Fn::GetAtt": ["StateTable", "Arn"]}
    ]
    actions, leading_keys = TABLE_GRANTS[name]
    assert statement["Effect"] == "Allow"
    assert set(statement["Action"]) == actions
    assert statement["Condition"] == {"ForAllValues:StringLike": {"dynamodb:LeadingKeys": leading_keys}}


@pytest.mark.parametrize("name", sorted(FUNCTION_DIRS))
def test_no_function_is_granted_table_scans_batches_or_admin_actions(
    functions: dict[str, dict[str, Any]], name: str
) -> None:
    for statement in _policies(functions[name]).get("Statement", []):
        actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
        assert not set(actions) & NEVER_GRANTED, (name, statement.get("Sid"))
        assert not any(action == "*" or action.endswith(":*") for action in actions), (name, actions)
        assert statement["Resource"] != "*", (name, statement.get("Sid"))


def test_http_routes_and_their_authorization(functions: dict[str, dict[str, Any]]) -> None:
    routes = _routes(functions)
    assert set(routes) == {("POST", "/signup"), ("POST", "/webhooks/paynow")} | TRUSTED_ROUTES
    assert routes[("POST", "/signup")] == ("SignupFunction", "NONE")
    # The signature is the authentication: PayNow sends no caller key.
    assert routes[("POST", "/webhooks/paynow")] == ("WebhookFunction", "NONE")
    for route in TRUSTED_ROUTES:
        assert routes[route] == ("TrustedFunction", "CallerKeyAuthorizer")


def test_api_authorizer_cors_throttling_and_access_logs(resources: dict[str, Any]) -> None:
    api = resources["Api"]
    assert api["Type"] == "AWS::Serverless::HttpApi"
    props = api["Properties"]
    auth = props["Auth"]
    # Routes that forget to name an authorizer are protected, not anonymous.
    assert auth["DefaultAuthorizer"] == "CallerKeyAuthorizer"
    authorizer = auth["Authorizers"]["CallerKeyAuthorizer"]
    # The alias AutoPublishAlias creates, so a SnapStart snapshot is what authorizes.
    assert authorizer["FunctionArn"] == _ref("AuthorizerFunction.Alias")
    assert authorizer["AuthorizerPayloadFormatVersion"] == "2.0"
    assert authorizer["EnableSimpleResponses"] is True
    assert authorizer["Identity"]["Headers"] == ["Authorization"]
    assert 0 < authorizer["Identity"]["ReauthorizeEvery"] <= 300

    cors = props["CorsConfiguration"]
    assert cors["AllowOrigins"] == _ref("AllowedOrigins")
    assert "POST" in cors["AllowMethods"]
    assert props["DefaultRouteSettings"] == {
        "ThrottlingBurstLimit": _ref("ThrottlingBurst"),
        "ThrottlingRateLimit": _ref("ThrottlingRate"),
    }
    access_logs = props["AccessLogSettings"]
    assert access_logs["DestinationArn"] == {"Fn::GetAtt": ["ApiAccessLogGroup", "Arn"]}
    assert "$context.requestId" in access_logs["Format"]
    assert "authorization" not in access_logs["Format"].lower().replace("authorizer", "")
    assert resources["ApiAccessLogGroup"]["Properties"]["RetentionInDays"] == _ref("LogRetentionDays")


def test_signup_origins_match_cors(functions: dict[str, dict[str, Any]]) -> None:
    variables = functions["SignupFunction"]["Environment"]["Variables"]
    assert variables["ALLOWED_ORIGINS"] == {"Fn::Join": [",", _ref("AllowedOrigins")]}
    assert variables["STEAM_OPENID_URL"] == _ref("SteamOpenIdUrl")


def test_state_table_shape(resources: dict[str, Any]) -> None:
    table = resources["StateTable"]["Properties"]
    assert table["KeySchema"] == [{"AttributeName": "pk", "KeyType": "HASH"}]
    assert table["AttributeDefinitions"] == [{"AttributeName": "pk", "AttributeType": "S"}]
    assert table["TimeToLiveSpecification"] == {"AttributeName": "expiration", "Enabled": True}
    assert table["BillingMode"] == "PAY_PER_REQUEST"
    assert table["PointInTimeRecoverySpecification"]["PointInTimeRecoveryEnabled"] is True
    assert table["SSESpecification"]["SSEEnabled"] is True


def test_import_function_limits_retries_and_dead_letters(
    functions: dict[str, dict[str, Any]], resources: dict[str, Any]
) -> None:
    importer = functions["ImportFunction"]
    assert importer["Timeout"] == 900
    # One full vCPU; the duplicate index (an SQLite file, ~50 MB per million identities) lives in /tmp.
    assert importer["MemorySize"] == 1769
    assert importer["EphemeralStorage"] == {"Size": 1024}
    assert importer["RecursiveLoop"] == "Terminate"
    assert importer["ReservedConcurrentExecutions"] == _ref("ImportReservedConcurrency")
    invoke = importer["EventInvokeConfig"]
    assert invoke["MaximumRetryAttempts"] == 2
    assert invoke["MaximumEventAgeInSeconds"] == 6 * 3600
    assert invoke["DestinationConfig"]["OnFailure"] == {
        "Type": "SQS",
        "Destination": {"Fn::GetAtt": ["ImportDLQ", "Arn"]},
    }
    dlq = resources["ImportDLQ"]
    assert dlq["Type"] == "AWS::SQS::Queue"
    assert dlq["Properties"]["SqsManagedSseEnabled"] is True
    variables = importer["Environment"]["Variables"]
    assert variables["IMPORT_EXISTING_MODE"] == _ref("ImportExistingMode")
    assert variables["IMPORT_CONCURRENCY"] == _ref("ImportConcurrency")
    assert variables["IMPORT_MAX_REQUESTS_PER_SECOND"] == _ref("ImportMaxRequestsPerSecond")


def test_reports_can_never_trigger_an_import(
    functions: dict[str, dict[str, Any]], resources: dict[str, Any]
) -> None:
    variables = functions["ImportFunction"]["Environment"]["Variables"]
    incoming, reports = variables["INCOMING_PREFIX"], variables["REPORTS_PREFIX"]
    assert incoming == "incoming/"
    assert reports == "reports/"
    assert not reports.startswith(incoming)
    assert not incoming.startswith(reports)
    (notification,) = resources["ImportBucket"]["Properties"]["NotificationConfiguration"][
        "LambdaConfigurations"
    ]["Fn::If"][1]
    rules = {rule["Name"]: rule["Value"] for rule in notification["Filter"]["S3Key"]["Rules"]}
    # The function answers every object under the prefix, whatever its name's letter case or type.
    assert rules == {"prefix": incoming}


def test_exactly_one_import_trigger_per_setting(template: dict[str, Any], resources: dict[str, Any]) -> None:
    bucket = resources["ImportBucket"]["Properties"]["NotificationConfiguration"]
    s3_if = bucket["LambdaConfigurations"]["Fn::If"]
    (notification,) = s3_if[1]
    assert s3_if[2] == _ref("AWS::NoValue")
    assert notification["Event"] == "s3:ObjectCreated:*"
    assert notification["Function"] == {"Fn::GetAtt": ["ImportFunction", "Arn"]}
    eventbridge_if = bucket["EventBridgeConfiguration"]["Fn::If"]
    assert eventbridge_if[1:] == [{"EventBridgeEnabled": True}, _ref("AWS::NoValue")]

    rule = resources["ImportEventRule"]
    assert rule["Properties"]["EventPattern"] == {
        "source": ["aws.s3"],
        "detail-type": ["Object Created"],
        "detail": {
            "bucket": {"name": [_ref("ImportBucket")]},
            "object": {"key": [{"prefix": "incoming/"}]},
        },
    }
    assert rule["Properties"]["Targets"] == [
        {"Id": "ImportFunction", "Arn": {"Fn::GetAtt": ["ImportFunction", "Arn"]}}
    ]
    assert resources["ImportEventRulePermission"]["Condition"] == rule["Condition"]

    choices = template["Parameters"]["ImportTrigger"]["AllowedValues"]
    assert template["Parameters"]["ImportTrigger"]["Default"] == "S3Notification"
    for choice in choices:
        parameters = {"ImportTrigger": choice}
        s3_on = _evaluate_condition(template, s3_if[0], parameters)
        eventbridge_on = _evaluate_condition(template, eventbridge_if[0], parameters)
        rule_on = _evaluate_condition(template, rule["Condition"], parameters)
        assert eventbridge_on == rule_on
        assert [s3_on, rule_on].count(True) == 1, f"ImportTrigger={choice} must wire exactly one path"


def test_import_bucket_is_private_encrypted_versioned_and_tls_only(resources: dict[str, Any]) -> None:
    bucket = resources["ImportBucket"]["Properties"]
    assert bucket["VersioningConfiguration"] == {"Status": "Enabled"}
    (encryption,) = bucket["BucketEncryption"]["ServerSideEncryptionConfiguration"]
    assert encryption["ServerSideEncryptionByDefault"]["SSEAlgorithm"] in {"AES256", "aws:kms"}
    assert bucket["PublicAccessBlockConfiguration"] == {
        "BlockPublicAcls": True,
        "BlockPublicPolicy": True,
        "IgnorePublicAcls": True,
        "RestrictPublicBuckets": True,
    }
    rules = {rule["Id"]: rule for rule in bucket["LifecycleConfiguration"]["Rules"]}
    assert set(rules) == {"ExpireOldVersions", "ExpireOrphanedReportParts", "ExpireWebhookBodies"}
    assert all(rule["Status"] == "Enabled" for rule in rules.values())
    whole_bucket = rules["ExpireOldVersions"]
    assert "Prefix" not in whole_bucket
    assert "TagFilters" not in whole_bucket
    assert whole_bucket["NoncurrentVersionExpiration"]["NoncurrentDays"] > 0
    assert whole_bucket["AbortIncompleteMultipartUpload"] == {"DaysAfterInitiation": 7}
    parts = rules["ExpireOrphanedReportParts"]
    # Tag and prefix are those the importer writes (checked against s3_import in test_permissions_match_code).
    assert parts["Prefix"] == "reports/"
    assert parts["TagFilters"] == [{"Key": PART_TAG, "Value": "true"}]
    # Far beyond the longest import (IMPORT_MAX_HOPS x 15 min), so no running import loses a part.
    assert parts["ExpirationInDays"] == 7
    assert parts["NoncurrentVersionExpiration"]["NoncurrentDays"] >= 1

    policy = resources["ImportBucketPolicy"]["Properties"]
    assert policy["Bucket"] == _ref("ImportBucket")
    (statement,) = policy["PolicyDocument"]["Statement"]
    assert statement["Effect"] == "Deny"
    assert statement["Principal"] == "*"
    assert statement["Action"] == "s3:*"
    assert statement["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
    assert statement["Resource"] == [
        {"Fn::GetAtt": ["ImportBucket", "Arn"]},
        {"Fn::Sub": "${ImportBucket.Arn}/*"},
    ]


def test_import_bucket_name_is_spelled_the_same_everywhere(
    functions: dict[str, dict[str, Any]], resources: dict[str, Any]
) -> None:
    # The name is built, not referenced (a reference would close a dependency cycle through the
    # bucket notification), so every copy of the expression must agree.
    name = resources["ImportBucket"]["Properties"]["BucketName"]["Fn::Sub"]
    bucket_pattern, suffix = name
    assert functions["ImportFunction"]["Environment"]["Variables"]["IMPORT_BUCKET"] == {"Fn::Sub": name}
    source_arn = resources["ImportFunctionS3Permission"]["Properties"]["SourceArn"]["Fn::Sub"]
    assert source_arn == [f"arn:${{AWS::Partition}}:s3:::{bucket_pattern}", suffix]
    statements = {s["Sid"]: s for s in _policies(functions["ImportFunction"])["Statement"]}
    s3_grants = {
        "ReadDroppedFiles": ("/incoming/*", {"s3:GetObject", "s3:GetObjectVersion"}),
        "WriteReports": ("/reports/*", {"s3:PutObject", "s3:AbortMultipartUpload"}),
        "StitchReportParts": (
            "/reports/*/parts/*",
            {"s3:PutObjectTagging", "s3:GetObject", "s3:DeleteObject"},
        ),
        "ListReportParts": ("", {"s3:ListBucket"}),
    }
    s3_statements = {sid for sid, s in statements.items() if "s3:" in str(s["Action"])}
    assert s3_statements == set(s3_grants)
    for sid, (path, actions) in s3_grants.items():
        statement = statements[sid]
        arn = f"arn:${{AWS::Partition}}:s3:::{bucket_pattern}{path}"
        assert statement["Resource"]["Fn::Sub"] == [arn, suffix]
        granted = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
        assert set(granted) == actions, sid
    assert statements["ListReportParts"]["Condition"] == {"StringLike": {"s3:prefix": "reports/*/parts/"}}
    # Longest region name today is 14 characters; S3 allows 63.
    longest = (
        bucket_pattern.replace("${AWS::AccountId}", "0" * 12)
        .replace("${AWS::Region}", "x" * 14)
        .replace("${Suffix}", "0" * 8)
    )
    assert len(longest) <= 63
    assert longest == longest.lower()
    # The suffix is the first group of the stack id's UUID: 8 lowercase hex digits.
    assert suffix == {
        "Suffix": {
            "Fn::Select": [
                0,
                {"Fn::Split": ["-", {"Fn::Select": [2, {"Fn::Split": ["/", _ref("AWS::StackId")]}]}]},
            ]
        }
    }


def test_import_function_may_invoke_itself_for_continuation(resources: dict[str, Any]) -> None:
    policy = resources["ImportFunctionSelfInvokePolicy"]
    assert policy["Properties"]["RoleName"] == _ref("ImportFunctionRole")
    (statement,) = policy["Properties"]["PolicyDocument"]["Statement"]
    assert statement == {
        "Effect": "Allow",
        "Action": "lambda:InvokeFunction",
        "Resource": {"Fn::GetAtt": ["ImportFunction", "Arn"]},
    }


def test_outputs_name_what_an_operator_needs(template: dict[str, Any]) -> None:
    assert set(template["Outputs"]) >= {
        "ApiUrl",
        "ImportBucketName",
        "StateTableName",
        "EventBusName",
        "ImportDLQUrl",
        "RevocationDLQUrl",
        "SignupFunctionName",
        "TrustedFunctionName",
        "AuthorizerFunctionName",
        "WebhookFunctionName",
        "ImportFunctionName",
    }


def test_parameters_constrain_what_they_can(template: dict[str, Any]) -> None:
    parameters = template["Parameters"]
    assert parameters["PayNowApiUrl"]["Default"] == "https://api.paynow.gg"
    assert parameters["SteamOpenIdUrl"]["Default"] == "https://steamcommunity.com/openid/login"
    assert parameters["AllowedOrigins"]["Type"] == "CommaDelimitedList"
    assert parameters["ImportExistingMode"]["AllowedValues"] == ["skip", "update", "merge"]
    assert "AllowedPattern" in parameters["PayNowStoreId"]
    assert "AllowedPattern" in parameters["PayNowApiKeySecretArn"]
    assert "AllowedPattern" in parameters["CallerKeysSecretArn"]


@pytest.mark.parametrize(
    ("parameter", "value", "accepted"),
    [
        ("PayNowStoreId", "411486491630370816", True),
        ("PayNowStoreId", "4114864916303708a6", False),
        ("PayNowStoreId", "", False),
        ("PayNowApiKeySecretArn", "arn:aws:secretsmanager:eu-west-1:123456789012:secret:paynow-AbCdEf", True),
        ("PayNowApiKeySecretArn", "paynow-api-key", False),
        ("CallerKeysSecretArn", "arn:aws-cn:secretsmanager:cn-north-1:123456789012:secret:callers-x1", True),
        ("PayNowApiUrl", "http://api.paynow.gg", False),
        ("PayNowApiUrl", "https://api.paynow.gg", True),
        ("AlarmTopicArn", "", True),
        ("AlarmTopicArn", "arn:aws:sns:eu-west-1:123456789012:paynow-alarms", True),
        ("AlarmTopicArn", "arn:aws:sns:eu-west-1:123456789012:paynow-alarms.fifo", True),
        ("AlarmTopicArn", "arn:aws:sqs:eu-west-1:123456789012:paynow-alarms", False),
        ("AlarmTopicArn", "paynow-alarms", False),
    ],
)
def test_parameter_patterns(template: dict[str, Any], parameter: str, value: str, accepted: bool) -> None:
    # CloudFormation matches AllowedPattern against the whole value.
    pattern = template["Parameters"][parameter]["AllowedPattern"]
    assert (re.fullmatch(pattern, value) is not None) is accepted


@pytest.mark.parametrize(
    ("alarm", "namespace", "metric", "dimension", "statistic"),
    [
        (
            "ImportDLQAlarm",
            "AWS/SQS",
            "ApproximateNumberOfMessagesVisible",
            {"Name": "QueueName", "Value": {"Fn::GetAtt": ["ImportDLQ", "QueueName"]}},
            "Maximum",
        ),
        (
            "ImportFunctionErrorsAlarm",
            "AWS/Lambda",
            "Errors",
            {"Name": "FunctionName", "Value": _ref("ImportFunction")},
            "Sum",
        ),
    ],
)
def test_import_failures_raise_an_alarm(
    template: dict[str, Any],
    resources: dict[str, Any],
    alarm: str,
    namespace: str,
    metric: str,
    dimension: dict[str, Any],
    statistic: str,
) -> None:
    resource = resources[alarm]
    assert resource["Type"] == "AWS::CloudWatch::Alarm"
    assert "Condition" not in resource, "the alarm exists whether or not anyone is notified"
    props = resource["Properties"]
    assert (props["Namespace"], props["MetricName"], props["Statistic"]) == (namespace, metric, statistic)
    assert props["Dimensions"] == [dimension]
    # Any single message or error breaches; no data (nothing happened) is not a breach.
    assert (props["ComparisonOperator"], props["Threshold"]) == ("GreaterThanThreshold", 0)
    assert props["EvaluationPeriods"] == 1
    assert props["TreatMissingData"] == "notBreaching"
    notify = {"Fn::If": ["HasAlarmTopic", [_ref("AlarmTopicArn")], _ref("AWS::NoValue")]}
    assert props["AlarmActions"] == notify
    assert props["OKActions"] == notify
    assert template["Conditions"]["HasAlarmTopic"] == {
        "Fn::Not": [{"Fn::Equals": [_ref("AlarmTopicArn"), ""]}]
    }
    assert template["Parameters"]["AlarmTopicArn"]["Default"] == ""


def test_state_table_and_dlq_survive_stack_deletion_and_replacement(resources: dict[str, Any]) -> None:
    for name in ("StateTable", "ImportDLQ", "RevocationDLQ"):
        assert resources[name]["DeletionPolicy"] == "Retain", name
        assert resources[name]["UpdateReplacePolicy"] == "Retain", name


def test_signup_route_has_its_own_lower_throttle_and_reserved_concurrency(
    template: dict[str, Any], resources: dict[str, Any], functions: dict[str, dict[str, Any]]
) -> None:
    parameters = template["Parameters"]
    route = resources["Api"]["Properties"]["RouteSettings"]["POST /signup"]
    assert route == {
        "ThrottlingBurstLimit": _ref("SignupThrottlingBurst"),
        "ThrottlingRateLimit": _ref("SignupThrottlingRate"),
    }
    assert parameters["SignupThrottlingBurst"]["Default"] < parameters["ThrottlingBurst"]["Default"]
    assert parameters["SignupThrottlingRate"]["Default"] < parameters["ThrottlingRate"]["Default"]
    signup = functions["SignupFunction"]
    assert signup["ReservedConcurrentExecutions"] == _ref("SignupReservedConcurrency")
    variables = signup["Environment"]["Variables"]
    assert variables["MINECRAFT_SIGNUP"] == _ref("MinecraftSignup")
    assert parameters["MinecraftSignup"]["AllowedValues"] == ["enabled", "new-only", "disabled"]
    assert variables["SIGNUP_CLIENT_LIMIT"] == _ref("SignupClientLimit")
    assert variables["SIGNUP_CLIENT_WINDOW_SECONDS"] == _ref("SignupClientWindowSeconds")
    assert variables["STEAM_RETURN_PATHS"] == {"Fn::Join": [",", _ref("SteamReturnPaths")]}


def test_a_removed_caller_key_stops_working_within_a_minute(
    resources: dict[str, Any], functions: dict[str, dict[str, Any]]
) -> None:
    # API Gateway caches a decision for ReauthorizeEvery; the function caches the keys it read.
    authorizer = resources["Api"]["Properties"]["Auth"]["Authorizers"]["CallerKeyAuthorizer"]
    variables = functions["AuthorizerFunction"]["Environment"]["Variables"]
    environment = {k: v for k, v in variables.items() if isinstance(v, str)} | {"CALLER_KEYS_SECRET": "x"}
    settings = AuthorizerSettings.from_environment(environment)
    assert authorizer["Identity"]["ReauthorizeEvery"] + settings.caller_keys_max_age <= 60
