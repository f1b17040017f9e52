"""What template.yaml declares, read for a local run: functions, HTTP API routes, triggers, resources.

Nothing here is specific to this project's template: functions, routes, authorizers, CORS, bucket
notifications and EventBridge rules are all discovered from the template, its Globals merged by SAM
(devstack.template_model), as `sam local` reads it.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from devstack.template_model import (
    FUNCTION,
    HTTP_API,
    LAYER,
    Context,
    Resolver,
    TemplateError,
    effective_properties,
    load_template,
    parameter_values,
    transform,
)

IMPLICIT_HTTP_API = "ServerlessHttpApi"
EVENT_INVOKE_CONFIG = "AWS::Lambda::EventInvokeConfig"


@dataclass(frozen=True)
class Destination:
    kind: str  # SQS | EventBridge | Lambda | SNS
    arn: str


@dataclass(frozen=True)
class AsyncConfig:
    """Lambda's asynchronous invocation settings (EventInvokeConfig and DeadLetterQueue)."""

    max_retries: int = 2
    max_event_age_s: int = 21600
    on_failure: Destination | None = None
    on_success: Destination | None = None
    dead_letter: Destination | None = None


@dataclass(frozen=True)
class FunctionSpec:
    logical_id: str
    name: str
    arn: str
    code_dir: Path
    handler: str
    runtime: str
    timeout_s: float
    memory_mb: int
    layers: tuple[Path, ...]
    environment: Mapping[str, str]
    reserved_concurrency: int | None
    async_config: AsyncConfig


@dataclass(frozen=True)
class Cors:
    allow_origins: tuple[str, ...] = ()
    allow_methods: tuple[str, ...] = ()
    allow_headers: tuple[str, ...] = ()
    expose_headers: tuple[str, ...] = ()
    max_age: int | None = None
    allow_credentials: bool = False


@dataclass(frozen=True)
class Authorizer:
    name: str
    function: str  # logical id
    payload_version: str
    simple_responses: bool
    identity_headers: tuple[str, ...]
    identity_query: tuple[str, ...]
    ttl_s: int


@dataclass(frozen=True)
class Throttle:
    rate: float
    burst: int


@dataclass(frozen=True)
class Route:
    api: str
    method: str  # upper case, or ANY
    path: str  # /customers/{customerId}/tokens, /{proxy+} or $default
    function: str  # logical id
    authorizer: Authorizer | None
    payload_version: str
    timeout_ms: int
    throttle: Throttle | None

    @property
    def route_key(self) -> str:
        return "$default" if self.path == "$default" else f"{self.method} {self.path}"


@dataclass(frozen=True)
class HttpApiSpec:
    logical_id: str
    api_id: str
    cors: Cors | None
    routes: tuple[Route, ...]


@dataclass(frozen=True)
class BucketTrigger:
    """An S3 notification that invokes a function (bucket NotificationConfiguration or a SAM S3 event)."""

    bucket: str  # logical id
    function: str  # logical id
    events: tuple[str, ...]
    prefix: str
    suffix: str


@dataclass(frozen=True)
class RuleTrigger:
    """An EventBridge rule (AWS::Events::Rule or a SAM EventBridgeRule event) targeting a function."""

    logical_id: str
    bus: str
    pattern: Mapping[str, Any]
    function: str  # logical id
    input: str | None = None
    input_path: str | None = None
    input_transformer: Mapping[str, Any] | None = None


@dataclass
class Resource:
    logical_id: str
    type: str
    properties: dict[str, Any]
    metadata: dict[str, Any] = field(default_factory=dict)


def _bucket_safe(name: str) -> str:
    return re.sub(r"[^a-z0-9.-]", "-", name.lower())[:63].strip("-.")


class LocalTemplate:
    """template.yaml bound to local parameter values and the physical names of a local stack."""

    def __init__(
        self,
        path: Path,
        *,
        stack_name: str = "devstack",
        region: str = "us-east-1",
        account_id: str = "123456789012",
    ) -> None:
        self.path = path.resolve()
        self.root = self.path.parent
        self.document = load_template(self.path)
        self.functions_props = effective_properties(self.document, FUNCTION)
        self.http_api_props = effective_properties(self.document, HTTP_API)
        self._deployed: dict[str, Any] | None = None
        self.stack_name = stack_name
        self.region = region
        self.account_id = account_id
        self.stack_uuid = str(uuid.uuid5(uuid.NAMESPACE_URL, f"devstack:{stack_name}"))
        self.context = Context(
            parameters={},
            region=region,
            account_id=account_id,
            stack_name=stack_name,
            stack_uuid=self.stack_uuid,
            missing=self._missing,
        )
        self.resolver = Resolver(self.document, self.context)

    # -- parameters -------------------------------------------------------------------------------
    @property
    def parameters(self) -> Mapping[str, Any]:
        return self.document.get("Parameters") or {}

    def bind(self, overrides: Mapping[str, str]) -> None:
        """Fix parameter values (overrides, else defaults) before anything is resolved."""
        self.context.parameters = parameter_values(self.document, overrides)
        self.resolver = Resolver(self.document, self.context)

    def parameters_without_value(self, overrides: Mapping[str, str]) -> list[str]:
        return [n for n, spec in self.parameters.items() if "Default" not in spec and n not in overrides]

    def env_parameter_refs(self) -> dict[str, str]:
        """Environment variable -> the parameter it is set from (``!Ref P`` or ``!Join [",", !Ref P]``)."""
        found: dict[str, str] = {}
        for props in self.functions_props.values():
            variables = (props.get("Environment") or {}).get("Variables") or {}
            for env_name, raw in variables.items():
                param = _param_of(raw)
                if param is not None and param in self.parameters:
                    found.setdefault(env_name, param)
        return found

    # -- resources --------------------------------------------------------------------------------
    def _raw_resources(self, type_: str | None = None) -> Iterator[dict[str, Any]]:
        for logical_id, resource in (self.document["Resources"] or {}).items():
            if type_ is not None and resource.get("Type") != type_:
                continue
            yield {"LogicalId": logical_id, **resource}

    def included(self, logical_id: str) -> bool:
        resource = self.document["Resources"][logical_id]
        condition = resource.get("Condition")
        return condition is None or self.resolver.condition(str(condition))

    def resources(self, type_: str | None = None) -> list[Resource]:
        """Resources of a type whose Condition holds, with properties resolved."""
        out = []
        for raw in self._raw_resources(type_):
            if not self.included(raw["LogicalId"]):
                continue
            out.append(
                Resource(
                    logical_id=raw["LogicalId"],
                    type=str(raw.get("Type")),
                    properties=self.resolver.resolve(raw.get("Properties") or {}) or {},
                    metadata=raw.get("Metadata") or {},
                )
            )
        return out

    def queue_outputs(self) -> dict[str, str]:
        """Outputs whose value is ``!Ref`` to a queue of the stack (a dead-letter queue's URL, say),
        the output's and the queue's Condition holding: output name -> the queue's URL."""
        found: dict[str, str] = {}
        resources = self.document["Resources"]
        for name, output in (self.document.get("Outputs") or {}).items():
            condition = output.get("Condition")
            if condition is not None and not self.resolver.condition(str(condition)):
                continue
            value = output.get("Value")
            if not (isinstance(value, dict) and list(value) == ["Ref"]):
                continue
            queue = value["Ref"]
            if (resources.get(queue) or {}).get("Type") == "AWS::SQS::Queue" and self.included(queue):
                found[str(name)] = str(self.resolver.resolve(value))
        return found

    def resource_type(self, logical_id: str) -> str:
        resource = self.document["Resources"].get(logical_id)
        if resource is None:
            raise TemplateError(f"no resource {logical_id}")
        return str(resource.get("Type"))

    def set_physical(self, logical_id: str, ref: Any, attributes: Mapping[str, Any] | None = None) -> None:
        """Record what Ref/GetAtt return for a resource once the local stack has created it."""
        self.context.refs[logical_id] = ref
        self.context.attributes.setdefault(logical_id, {}).update(attributes or {})

    def physical_name(self, logical_id: str) -> str:
        """The name a resource gets here: its explicit name property, else one derived like CFN does."""
        resource = self.document["Resources"][logical_id]
        type_ = str(resource.get("Type"))
        props = resource.get("Properties") or {}
        name_prop = _NAME_PROPERTY.get(type_)
        if name_prop and props.get(name_prop) is not None:
            return str(self.resolver.resolve(props[name_prop]))
        generated = f"{self.stack_name}-{logical_id}"
        if type_ == "AWS::S3::Bucket":
            return _bucket_safe(generated)
        if type_ == "AWS::SQS::Queue" and props.get("FifoQueue"):
            return generated[:75] + ".fifo"
        return generated[:64]

    def _missing(self, logical_id: str, attribute: str | None) -> Any:
        type_ = self.resource_type(logical_id)
        name = self.physical_name(logical_id)
        region, account = self.region, self.account_id
        arn = _ARN.get(type_, "arn:aws:{service}:{region}:{account}:{name}").format(
            region=region, account=account, name=name, service=type_.split("::")[1].lower()
        )
        if attribute is None:
            if type_ in ("AWS::SecretsManager::Secret", LAYER, "AWS::Serverless::LayerVersion"):
                return arn
            if type_ in (HTTP_API, "AWS::ApiGatewayV2::Api"):
                return self.api_id(logical_id)
            return name
        if attribute == "Arn":
            return arn
        if attribute in ("Name", "QueueName", "TableName", "BucketName"):
            return name
        if attribute == "ApiEndpoint":
            return f"https://{self.api_id(logical_id)}.execute-api.{region}.amazonaws.com"
        raise TemplateError(f"Fn::GetAtt {logical_id}.{attribute} is not known to the local stack")

    def api_id(self, logical_id: str) -> str:
        return uuid.uuid5(uuid.NAMESPACE_URL, f"{self.stack_name}:{logical_id}").hex[:10]

    # -- functions --------------------------------------------------------------------------------
    def layer_paths(self) -> dict[str, Path]:
        """Layer version ARN -> the directory to put on sys.path (``python/`` inside it if present)."""
        paths: dict[str, Path] = {}
        for layer in self.resources(LAYER):
            content = layer.properties.get("ContentUri")
            if not isinstance(content, str):
                raise TemplateError(f"{layer.logical_id}: ContentUri must be a local path for devstack")
            directory = (self.root / content).resolve()
            if (directory / "python").is_dir():
                directory = directory / "python"
            paths[str(self.resolver.resolve({"Ref": layer.logical_id}))] = directory
        return paths

    def functions(self) -> dict[str, FunctionSpec]:
        layers = self.layer_paths()
        standalone = self._standalone_invoke_configs()
        specs: dict[str, FunctionSpec] = {}
        for logical_id, raw in self.functions_props.items():
            if not self.included(logical_id):
                continue
            props = self.resolver.resolve(raw)
            specs[logical_id] = self._function_spec(logical_id, props, layers, standalone)
        return specs

    def _standalone_invoke_configs(self) -> dict[str, Mapping[str, Any]]:
        """Function name -> the properties of an AWS::Lambda::EventInvokeConfig on its $LATEST, the
        version every local invocation runs (a config on an alias or version is not emulated)."""
        found: dict[str, Mapping[str, Any]] = {}
        for resource in self.resources(EVENT_INVOKE_CONFIG):
            props = resource.properties
            if str(props.get("Qualifier")) != "$LATEST":
                continue
            function = str(props.get("FunctionName"))
            # A name, or an ARN: arn:aws:lambda:region:account:function:name
            found[function.split(":")[6] if function.startswith("arn:") else function] = props
        return found

    def _function_spec(
        self,
        logical_id: str,
        props: Mapping[str, Any],
        layers: Mapping[str, Path],
        standalone: Mapping[str, Mapping[str, Any]],
    ) -> FunctionSpec:
        code_uri = props.get("CodeUri")
        if not isinstance(code_uri, str):
            raise TemplateError(f"{logical_id}: CodeUri must be a local directory for devstack")
        code_dir = (self.root / code_uri).resolve()
        layer_dirs = []
        for arn in props.get("Layers") or []:
            if str(arn) not in layers:
                raise TemplateError(f"{logical_id}: layer {arn} is not a local AWS::Serverless::LayerVersion")
            layer_dirs.append(layers[str(arn)])
        variables = (props.get("Environment") or {}).get("Variables") or {}
        environment = {str(k): _env_string(v) for k, v in variables.items()}
        name = str(props.get("FunctionName") or self.physical_name(logical_id))
        # A standalone config on $LATEST wins over the SAM property (which, with AutoPublishAlias,
        # configures the alias): the local stack runs one version.
        invoke = standalone.get(name) or props.get("EventInvokeConfig") or {}
        destinations = invoke.get("DestinationConfig") or {}
        dlq = props.get("DeadLetterQueue")
        reserved = props.get("ReservedConcurrentExecutions")
        self.set_physical(logical_id, name, {"Arn": self._function_arn(name)})
        return FunctionSpec(
            logical_id=logical_id,
            name=name,
            arn=self._function_arn(name),
            code_dir=code_dir,
            handler=str(props.get("Handler") or "app.lambda_handler"),
            runtime=str(props.get("Runtime") or ""),
            timeout_s=float(props.get("Timeout") or 3),
            memory_mb=int(props.get("MemorySize") or 128),
            layers=tuple(layer_dirs),
            environment=environment,
            reserved_concurrency=int(reserved) if reserved is not None else None,
            async_config=AsyncConfig(
                max_retries=int(invoke.get("MaximumRetryAttempts", 2)),
                max_event_age_s=int(invoke.get("MaximumEventAgeInSeconds", 21600)),
                on_failure=_destination(destinations.get("OnFailure")),
                on_success=_destination(destinations.get("OnSuccess")),
                dead_letter=(
                    Destination(str(dlq.get("Type", "SQS")), str(dlq["TargetArn"]))
                    if isinstance(dlq, dict) and dlq.get("TargetArn")
                    else None
                ),
            ),
        )

    def _function_arn(self, name: str) -> str:
        return f"arn:aws:lambda:{self.region}:{self.account_id}:function:{name}"

    def function_by_arn(self, arn: str, functions: Mapping[str, FunctionSpec]) -> str:
        for logical_id, spec in functions.items():
            if arn in (spec.arn, spec.name, logical_id) or arn.startswith(spec.arn + ":"):
                return logical_id
        raise TemplateError(f"{arn} is not a function of this template")

    # -- HTTP APIs --------------------------------------------------------------------------------
    def http_apis(self, functions: Mapping[str, FunctionSpec]) -> list[HttpApiSpec]:
        apis: dict[str, dict[str, Any]] = {}
        for api_logical, raw in self.http_api_props.items():
            if self.included(api_logical):
                if raw.get("DefinitionBody") or raw.get("DefinitionUri"):
                    raise TemplateError(f"{api_logical}: OpenAPI-defined HTTP APIs are not supported")
                apis[api_logical] = self.resolver.resolve(raw)
        routes: dict[str, list[Route]] = {name: [] for name in apis}
        for logical_id in functions:
            for event_name, event in (self.functions_props[logical_id].get("Events") or {}).items():
                if event.get("Type") != "HttpApi":
                    continue
                props = self.resolver.resolve(event.get("Properties") or {})
                api_ref = (event.get("Properties") or {}).get("ApiId")
                if api_ref is None:
                    api_logical = IMPLICIT_HTTP_API
                    # SAM creates it with the HttpApi Globals and nothing else.
                    implicit = dict((self.document.get("Globals") or {}).get("HttpApi") or {})
                    apis.setdefault(IMPLICIT_HTTP_API, self.resolver.resolve(implicit) or {})
                    routes.setdefault(IMPLICIT_HTTP_API, [])
                elif isinstance(api_ref, dict) and "Ref" in api_ref:
                    api_logical = str(api_ref["Ref"])
                else:
                    raise TemplateError(f"{logical_id}.{event_name}: ApiId must be !Ref to an HttpApi")
                routes[api_logical].append(
                    self._route(api_logical, apis[api_logical], logical_id, props, functions)
                )
        return [
            HttpApiSpec(
                logical_id=name,
                api_id=self.api_id(name),
                cors=_cors(props.get("CorsConfiguration")),
                routes=tuple(routes.get(name, [])),
            )
            for name, props in apis.items()
        ]

    def _route(
        self,
        api_logical: str,
        api_props: Mapping[str, Any],
        function: str,
        props: Mapping[str, Any],
        functions: Mapping[str, FunctionSpec],
    ) -> Route:
        auth = api_props.get("Auth") or {}
        authorizers = auth.get("Authorizers") or {}
        route_auth = (props.get("Auth") or {}).get("Authorizer", auth.get("DefaultAuthorizer"))
        authorizer = None
        if route_auth and route_auth != "NONE":
            if route_auth == "AWS_IAM":
                raise TemplateError(f"{function}: AWS_IAM authorization is not emulated by devstack")
            spec = authorizers.get(route_auth)
            if spec is None:
                raise TemplateError(f"{function}: authorizer {route_auth} is not defined on {api_logical}")
            if "FunctionArn" not in spec:
                raise TemplateError(f"{route_auth}: only Lambda authorizers are emulated by devstack")
            identity = spec.get("Identity") or {}
            authorizer = Authorizer(
                name=str(route_auth),
                function=self.function_by_arn(str(spec["FunctionArn"]), functions),
                payload_version=str(spec.get("AuthorizerPayloadFormatVersion", "2.0")),
                simple_responses=bool(spec.get("EnableSimpleResponses", False)),
                identity_headers=tuple(str(h) for h in identity.get("Headers") or ()),
                identity_query=tuple(str(q) for q in identity.get("QueryStrings") or ()),
                ttl_s=int(identity.get("ReauthorizeEvery", 0) or 0),
            )
        payload = str(props.get("PayloadFormatVersion", "2.0"))
        if payload != "2.0":
            raise TemplateError(f"{function}: payload format {payload} is not emulated (only 2.0)")
        settings = api_props.get("DefaultRouteSettings") or {}
        method = str(props.get("Method", "ANY")).upper()
        path = str(props.get("Path", "$default"))
        for route_path, route_settings in (api_props.get("RouteSettings") or {}).items():
            if route_path in (f"{method} {path}", path):
                settings = {**settings, **route_settings}
        throttle = None
        if (
            settings.get("ThrottlingRateLimit") is not None
            or settings.get("ThrottlingBurstLimit") is not None
        ):
            throttle = Throttle(
                rate=float(settings.get("ThrottlingRateLimit", 10000)),
                burst=int(settings.get("ThrottlingBurstLimit", 5000)),
            )
        return Route(
            api=api_logical,
            method=method,
            path=path,
            function=function,
            authorizer=authorizer,
            payload_version=payload,
            timeout_ms=int(props.get("TimeoutInMillis", 30000)),
            throttle=throttle,
        )

    # -- triggers ---------------------------------------------------------------------------------
    def deployed(self, type_: str) -> list[Resource]:
        """Resources of a type as the SAM transform deploys them (a function's S3 and EventBridge
        events become bucket notifications and rules), Condition holding, properties resolved."""
        if self._deployed is None:
            self._deployed = transform(self.document, self.region)
        resolver = Resolver(self._deployed, self.context)
        return [
            Resource(logical_id, type_, resolver.resolve(resource.get("Properties") or {}) or {})
            for logical_id, resource in self._deployed["Resources"].items()
            if resource.get("Type") == type_
            and (resource.get("Condition") is None or resolver.condition(str(resource["Condition"])))
        ]

    def bucket_triggers(self, functions: Mapping[str, FunctionSpec]) -> list[BucketTrigger]:
        triggers: list[BucketTrigger] = []
        for bucket in self.deployed("AWS::S3::Bucket"):
            notification = bucket.properties.get("NotificationConfiguration") or {}
            for config in notification.get("LambdaConfigurations") or []:
                prefix, suffix = _key_filter(config.get("Filter"))
                triggers.append(
                    BucketTrigger(
                        bucket=bucket.logical_id,
                        function=self.function_by_arn(str(config["Function"]), functions),
                        events=(str(config["Event"]),),
                        prefix=prefix,
                        suffix=suffix,
                    )
                )
        return triggers

    def eventbridge_enabled_buckets(self) -> list[str]:
        return [
            bucket.logical_id
            for bucket in self.resources("AWS::S3::Bucket")
            if (
                (bucket.properties.get("NotificationConfiguration") or {}).get("EventBridgeConfiguration")
                or {}
            ).get("EventBridgeEnabled")
            in (True, "true", "True")
        ]

    def rule_triggers(self, functions: Mapping[str, FunctionSpec]) -> list[RuleTrigger]:
        triggers: list[RuleTrigger] = []
        function_arns = {spec.arn for spec in functions.values()}
        for rule in self.deployed("AWS::Events::Rule"):
            pattern = rule.properties.get("EventPattern")
            if not pattern or rule.properties.get("State", "ENABLED") != "ENABLED":
                continue
            for target in rule.properties.get("Targets") or []:
                arn = str(target.get("Arn"))
                if arn not in function_arns:
                    continue
                triggers.append(
                    RuleTrigger(
                        logical_id=rule.logical_id,
                        bus=_bus_name(rule.properties.get("EventBusName")),
                        pattern=pattern,
                        function=self.function_by_arn(arn, functions),
                        input=target.get("Input"),
                        input_path=target.get("InputPath"),
                        input_transformer=target.get("InputTransformer"),
                    )
                )
        return triggers

    def unsupported_events(self, functions: Mapping[str, FunctionSpec]) -> list[str]:
        supported = {"HttpApi", "S3", "EventBridgeRule", "CloudWatchEvent"}
        out: list[str] = []
        for logical_id in functions:
            events = self.functions_props[logical_id].get("Events") or {}
            out.extend(
                f"{logical_id}.{name} ({event.get('Type')})"
                for name, event in events.items()
                if event.get("Type") not in supported
            )
        return out


_NAME_PROPERTY = {
    "AWS::S3::Bucket": "BucketName",
    "AWS::DynamoDB::Table": "TableName",
    "AWS::Serverless::SimpleTable": "TableName",
    "AWS::SQS::Queue": "QueueName",
    "AWS::SecretsManager::Secret": "Name",
    "AWS::Events::EventBus": "Name",
    "AWS::Events::Rule": "Name",
    "AWS::Serverless::Function": "FunctionName",
    "AWS::Logs::LogGroup": "LogGroupName",
    "AWS::Serverless::LayerVersion": "LayerName",
    "AWS::IAM::Role": "RoleName",
}

_ARN = {
    "AWS::S3::Bucket": "arn:aws:s3:::{name}",
    "AWS::DynamoDB::Table": "arn:aws:dynamodb:{region}:{account}:table/{name}",
    "AWS::Serverless::SimpleTable": "arn:aws:dynamodb:{region}:{account}:table/{name}",
    "AWS::SQS::Queue": "arn:aws:sqs:{region}:{account}:{name}",
    "AWS::SecretsManager::Secret": "arn:aws:secretsmanager:{region}:{account}:secret:{name}",
    "AWS::Events::EventBus": "arn:aws:events:{region}:{account}:event-bus/{name}",
    "AWS::Events::Rule": "arn:aws:events:{region}:{account}:rule/{name}",
    "AWS::Serverless::Function": "arn:aws:lambda:{region}:{account}:function:{name}",
    "AWS::Serverless::LayerVersion": "arn:aws:lambda:{region}:{account}:layer:{name}:1",
    "AWS::Logs::LogGroup": "arn:aws:logs:{region}:{account}:log-group:{name}:*",
    "AWS::IAM::Role": "arn:aws:iam::{account}:role/{name}",
}


def _param_of(raw: Any) -> str | None:
    if isinstance(raw, dict) and list(raw) == ["Ref"] and isinstance(raw["Ref"], str):
        return raw["Ref"]
    if isinstance(raw, dict) and list(raw) == ["Fn::Join"]:
        args = raw["Fn::Join"]
        if isinstance(args, list) and len(args) == 2 and isinstance(args[1], dict):
            return _param_of(args[1])
    return None


def _env_string(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str | int | float):
        return str(value)
    raise TemplateError(f"environment value {value!r} is not a scalar")


_DESTINATION_KINDS = {"sqs": "SQS", "sns": "SNS", "lambda": "Lambda", "events": "EventBridge"}


def _destination(raw: Any) -> Destination | None:
    """SAM's property names the Type; AWS::Lambda::EventInvokeConfig has only the ARN, whose
    service says it (arn:aws:sqs:...)."""
    if not isinstance(raw, dict) or not raw.get("Destination"):
        return None
    arn = str(raw["Destination"])
    parts = arn.split(":")
    inferred = _DESTINATION_KINDS.get(parts[2], "SQS") if arn.startswith("arn:") and len(parts) > 2 else "SQS"
    return Destination(str(raw.get("Type", inferred)), arn)


def _cors(raw: Any) -> Cors | None:
    if raw is None or raw is False:
        return None
    if raw is True:
        return Cors(allow_origins=("*",), allow_methods=("*",), allow_headers=("*",))

    def items(key: str) -> tuple[str, ...]:
        value = raw.get(key) or ()
        return tuple(str(v) for v in ([value] if isinstance(value, str) else value))

    max_age = raw.get("MaxAge")
    return Cors(
        allow_origins=items("AllowOrigins"),
        allow_methods=tuple(m.upper() for m in items("AllowMethods")),
        allow_headers=tuple(h.lower() for h in items("AllowHeaders")),
        expose_headers=items("ExposeHeaders"),
        max_age=int(max_age) if max_age is not None else None,
        allow_credentials=bool(raw.get("AllowCredentials", False)),
    )


def _key_filter(raw: Any) -> tuple[str, str]:
    prefix = suffix = ""
    for rule in ((raw or {}).get("S3Key") or {}).get("Rules") or []:
        if str(rule.get("Name")).lower() == "prefix":
            prefix = str(rule.get("Value"))
        elif str(rule.get("Name")).lower() == "suffix":
            suffix = str(rule.get("Value"))
    return prefix, suffix


def _bus_name(raw: Any) -> str:
    if not raw:
        return "default"
    text = str(raw)
    return text.rsplit("/", 1)[-1] if text.startswith("arn:") else text
