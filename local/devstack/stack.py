"""Assembles the local stack: emulator, Steam stand-in, moto + template resources, Lambda sandboxes,
the HTTP API, the Lambda endpoint, bucket/rule delivery, the drop folder and the example page."""

from __future__ import annotations

import functools
import ipaddress
import json
import os
import secrets
import socket
import threading
import time
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast
from urllib.parse import unquote_plus

import uvicorn

from devstack.httpapi import HttpApiApp
from devstack.lambda_api import AsyncInvoker, LambdaApiApp
from devstack.logs import Console
from devstack.page import build_page_app
from devstack.resources import ACCOUNT_ID, DUMMY_CREDENTIALS, REGION, Aws, MotoServer, ResourceCreator
from devstack.runtime import FunctionRuntime, InvokeResult, SandboxError
from devstack.shellenv import write_shell_files
from devstack.template import BucketTrigger, FunctionSpec, HttpApiSpec, LocalTemplate, RuleTrigger
from devstack.template_model import TemplateError
from devstack.watcher import DropWatcher, EventLog, Loop, QueuePoller, ReportMirror, apply_input

if TYPE_CHECKING:
    from mypy_boto3_s3.type_defs import NotificationConfigurationTypeDef

DEFAULT_PORTS = {"api": 3000, "lambda": 3001, "page": 8080, "emulator": 8787, "steam": 8788, "moto": 5050}
# Accounts the emulator knows, so Minecraft signups by name work out of the box.
DEFAULT_MINECRAFT_ACCOUNTS = (
    ("java", "Notch", "069a79f4-44e9-4726-a5be-fca90e38aaf5"),
    ("java", "jeb_", "853c80ef-3c37-49fd-aa49-938b674adae6"),
    ("java", "Dinnerbone", "61699b2e-d327-4a01-9f1e-0ea8c3f06bc6"),
    ("bedrock", "DevBedrock", "00000000-0000-0000-0009-01f2a3b4c5d6"),
    ("bedrock", "Steve Bedrock", "00000000-0000-0000-0009-01f2a3b4c5d7"),
)
SECRET_CONTRACT = ("PAYNOW_API_KEY_SECRET", "CALLER_KEYS_SECRET")
WEBHOOK_SECRETS = "WEBHOOK_SECRETS_SECRET"
# Variables copied from the devstack's own environment into every sandbox (Lambda has equivalents).
_INHERITED = ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR", "SYSTEMROOT")


class StackError(RuntimeError):
    """The stack cannot start; the message says what to change."""


@dataclass(frozen=True)
class RealPayNow:
    api_url: str
    store_id: str
    api_key: str

    @classmethod
    def from_environment(cls, environ: Mapping[str, str]) -> RealPayNow | None:
        """Only when the user sets both PAYNOW_API_KEY and PAYNOW_STORE_ID; never by default."""
        key, store = environ.get("PAYNOW_API_KEY", ""), environ.get("PAYNOW_STORE_ID", "")
        if not key and not store:
            return None
        if not (key and store):
            raise StackError(
                "to target the real PayNow set both PAYNOW_API_KEY and PAYNOW_STORE_ID (or neither)"
            )
        return cls(environ.get("PAYNOW_API_URL") or "https://api.paynow.gg", store, key)


@dataclass
class StackOptions:
    template: Path
    host: str = "127.0.0.1"
    ports: dict[str, int | None] = field(default_factory=dict)  # None: default port, or a free one if taken
    workdir: Path | None = None
    stack_name: str = "paynow-local"
    parameters: dict[str, str] = field(default_factory=dict)
    caller_key: str | None = None
    real_paynow: RealPayNow | None = None
    minecraft_accounts: tuple[tuple[str, str, str], ...] = DEFAULT_MINECRAFT_ACCOUNTS
    max_concurrency: int = 4
    prewarm: bool = True
    verbose: bool = False
    retry_delays_s: tuple[float, ...] = (1.0, 2.0)
    # Local-only function timeouts (logical id -> seconds), e.g. to watch a self-continuation quickly.
    timeouts: dict[str, float] = field(default_factory=dict)


class _Server:
    """A uvicorn server on an already bound socket, in its own thread and event loop."""

    def __init__(self, name: str, config: uvicorn.Config, sock: socket.socket) -> None:
        self.name = name
        self.sock = sock
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(
            target=self.server.run, kwargs={"sockets": [sock]}, daemon=True, name=name
        )

    def start(self) -> None:
        self.thread.start()

    def wait_started(self, timeout_s: float = 15) -> None:
        deadline = time.monotonic() + timeout_s
        while not self.server.started:
            if not self.thread.is_alive() or time.monotonic() > deadline:
                raise StackError(f"the {self.name} server did not start")
            time.sleep(0.01)

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=5)
        self.sock.close()


def _bind(host: str, port: int) -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    return sock


def _uvicorn_config(app: Any) -> uvicorn.Config:
    return uvicorn.Config(app, lifespan="off", access_log=False, log_level="warning")


def _is_loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return host == "localhost"


def _origins(url: str) -> list[str]:
    """The page's origin as the browser may spell it (127.0.0.1 or localhost)."""
    origins = [url]
    if "://127.0.0.1:" in url:
        origins.append(url.replace("://127.0.0.1:", "://localhost:"))
    return origins


class DevStack:
    def __init__(self, options: StackOptions, console: Console | None = None) -> None:
        self.options = options
        self.console = console or Console(verbose=options.verbose)
        self.workdir = (options.workdir or options.template.resolve().parent / ".devstack").resolve()
        self.info: dict[str, Any] = {}
        self._stops: list[Callable[[], None]] = []
        self._loops: list[Loop] = []
        self.runtimes: dict[str, FunctionRuntime] = {}
        self.emulator: Any = None
        self.steam: Any = None
        self.invoker: AsyncInvoker | None = None

    # -- lifecycle --------------------------------------------------------------------------------
    def start(self) -> dict[str, Any]:
        started = time.perf_counter()
        try:
            self._start()
        except BaseException:
            self.stop()
            raise
        self.info["startup_s"] = round(time.perf_counter() - started, 3)
        return self.info

    def _start_loop(self, loop: Loop) -> None:
        loop.start()
        self._loops.append(loop)
        self._stops.append(loop.stop)

    def stop(self) -> None:
        # Long polls end within a second; ask every loop at once instead of waiting for each in turn.
        for loop in self._loops:
            loop.request_stop()
        while self._stops:
            stop = self._stops.pop()
            try:
                stop()
            except Exception as exc:  # keep stopping the rest; say what did not stop cleanly
                self.console.line(f"stop: {type(exc).__name__}: {exc}")

    def _start(self) -> None:
        opts = self.options
        if not _is_loopback(opts.host):
            # The stack holds a dev caller key and an unauthenticated emulator: never on a network.
            raise StackError(f"--host must be a loopback address, not {opts.host}")
        for folder in ("drop", "drop/reports"):
            (self.workdir / folder).mkdir(parents=True, exist_ok=True)
        # Events of an earlier run belong to a moto that no longer exists.
        (self.workdir / "events.jsonl").unlink(missing_ok=True)
        template = LocalTemplate(
            opts.template, stack_name=opts.stack_name, region=REGION, account_id=ACCOUNT_ID
        )
        sockets = self._bind_ports()
        self._stops.extend(sock.close for sock in sockets.values())
        urls = {name: f"http://{opts.host}:{sock.getsockname()[1]}" for name, sock in sockets.items()}

        try:
            moto = MotoServer(opts.host, self._port("moto"))
        except OSError as exc:
            raise StackError(f"cannot listen on {opts.host}:{self._port('moto')} for moto: {exc}") from exc
        self._stops.append(moto.stop)
        urls["moto"] = moto.url
        aws = Aws(moto.url)

        paynow_url, store_id, api_key = self._paynow(urls)
        urls["steam"] = self._steam(urls["steam"])
        caller_key = opts.caller_key or "dev_" + secrets.token_urlsafe(24)

        overrides = self._parameter_overrides(template, aws, urls, paynow_url, store_id)
        missing = template.parameters_without_value(overrides)
        if missing:
            raise StackError(
                f"template parameters without a value: {', '.join(missing)} (pass --parameter NAME=VALUE)"
            )
        template.bind(overrides)
        created = ResourceCreator(template, aws).create_all()
        specs = self._functions(template, aws, urls, api_key, caller_key)
        apis = template.http_apis(specs)
        self._serve(apis, sockets, urls)

        bucket_info = self._wire_triggers(template, aws, specs)
        bucket_info.update(self._wire_webhooks(aws, specs, apis, urls["api"]))
        self._wire_event_log(template, aws)
        prewarm_errors = self._prewarm() if opts.prewarm else {}

        self.info = {
            "api_url": urls["api"],
            "lambda_url": urls["lambda"],
            "page_url": urls["page"] + "/",
            "emulator_url": urls.get("emulator") if self.emulator is not None else None,
            "paynow_api_url": paynow_url,
            "steam_openid_url": urls["steam"],
            "moto_url": urls["moto"],
            "region": REGION,
            "store_id": store_id,
            "caller_key": caller_key,
            "real_paynow": opts.real_paynow is not None,
            "functions": {k: s.name for k, s in specs.items()},
            "functions_code": {k: str(s.code_dir) for k, s in specs.items()},
            "routes": [f"{r.route_key} -> {r.function}" for api in apis for r in api.routes],
            "resources": created,
            "workdir": str(self.workdir),
            "event_log": str(self.workdir / "events.jsonl"),
            "prewarm_errors": prewarm_errors,
            "queue_outputs": template.queue_outputs(),
            "pid": os.getpid(),
            **bucket_info,
        }
        unsupported = template.unsupported_events(specs)
        if unsupported:
            self.info["unsupported_events"] = unsupported
        self._write_env_file()

    def _functions(
        self, template: LocalTemplate, aws: Aws, urls: Mapping[str, str], api_key: str, caller_key: str
    ) -> dict[str, FunctionSpec]:
        """The template's functions, their secrets seeded, a sandbox pool each, async invocation."""
        opts = self.options
        specs = template.functions()
        unknown = sorted(set(opts.timeouts) - set(specs))
        if unknown:
            raise StackError(f"--timeout names no function of the template: {', '.join(unknown)}")
        specs = {k: replace(s, timeout_s=opts.timeouts.get(k, s.timeout_s)) for k, s in specs.items()}
        self._seed_secrets(aws, specs, api_key, caller_key)
        for logical_id, spec in specs.items():
            limit = spec.reserved_concurrency or opts.max_concurrency
            runtime = FunctionRuntime(spec, self._lambda_env(spec, urls), self.console, max_concurrency=limit)
            self.runtimes[logical_id] = runtime
            self._stops.append(runtime.close)
        self.invoker = AsyncInvoker(self.runtimes, self.console, aws, retry_delays_s=opts.retry_delays_s)
        self._stops.append(self.invoker.stop)
        return specs

    def _serve(
        self, apis: list[HttpApiSpec], sockets: dict[str, socket.socket], urls: Mapping[str, str]
    ) -> None:
        """Start the HTTP servers on their bound sockets and wait until each accepts connections."""
        assert self.invoker is not None
        api_app = HttpApiApp(apis, self._invoke_for_api, self.console, region=REGION, account_id=ACCOUNT_ID)
        apps: dict[str, Any] = {
            "api": _uvicorn_config(api_app),
            "lambda": _uvicorn_config(LambdaApiApp(self.runtimes, self.invoker, self.console)),
            "page": _uvicorn_config(build_page_app(urls["api"], urls["steam"])),
            "steam": _uvicorn_config(self.steam.asgi_app),
        }
        if self.emulator is not None:
            from paynow_emulator.server import config as emulator_config

            apps["emulator"] = emulator_config(self.emulator, log_level="warning")
        else:
            sockets.pop("emulator").close()
        servers = [_Server(name, config, sockets[name]) for name, config in apps.items()]
        for server in servers:
            server.start()
            self._stops.append(server.stop)
        for server in servers:
            server.wait_started()

    # -- pieces -----------------------------------------------------------------------------------
    def _port(self, name: str) -> int:
        port = self.options.ports.get(name)
        return DEFAULT_PORTS[name] if port is None else port

    def _bind_ports(self) -> dict[str, socket.socket]:
        sockets: dict[str, socket.socket] = {}
        for name in ("api", "lambda", "page", "emulator", "steam"):
            configured = self.options.ports.get(name)
            try:
                sockets[name] = _bind(
                    self.options.host, DEFAULT_PORTS[name] if configured is None else configured
                )
            except OSError as exc:
                if configured is not None:
                    for sock in sockets.values():
                        sock.close()
                    raise StackError(
                        f"cannot listen on {self.options.host}:{configured} for {name}: {exc}"
                    ) from exc
                sockets[name] = _bind(self.options.host, 0)
                self.console.line(
                    f"port {DEFAULT_PORTS[name]} for {name} is taken; using {sockets[name].getsockname()[1]}"
                )
        if self.options.ports.get("moto") is None:
            try:
                _bind(self.options.host, DEFAULT_PORTS["moto"]).close()
            except OSError:
                self.options.ports["moto"] = 0
        return sockets

    def _paynow(self, urls: dict[str, str]) -> tuple[str, str, str]:
        real = self.options.real_paynow
        if real is not None:
            self.console.line(f"!! targeting the REAL PayNow API at {real.api_url} for store {real.store_id}")
            return real.api_url, real.store_id, real.api_key
        from paynow_emulator import PayNowEmulator

        api_key = "pnapi_v1_devstack_" + secrets.token_hex(16)
        emulator = PayNowEmulator(api_keys=(api_key,))
        for platform, name, uuid in self.options.minecraft_accounts:
            emulator.add_minecraft_account(name, uuid, platform)
        self.emulator = emulator
        return urls["emulator"], emulator.store_id, api_key

    def _steam(self, base_url: str) -> str:
        from steam_openid import SteamOpenIdStandIn

        endpoint = f"{base_url}/openid/login"
        self.steam = SteamOpenIdStandIn(endpoint)
        return endpoint

    def _parameter_overrides(
        self, template: LocalTemplate, aws: Aws, urls: Mapping[str, str], paynow_url: str, store_id: str
    ) -> dict[str, str]:
        """Local values for the parameters the functions' contract variables are set from."""
        local = {
            "PAYNOW_API_URL": paynow_url,
            "PAYNOW_STORE_ID": store_id,
            "STEAM_OPENID_URL": urls["steam"],
            "ALLOWED_ORIGINS": ",".join(_origins(urls["page"])),
        }
        overrides: dict[str, str] = {}
        for env_name, parameter in template.env_parameter_refs().items():
            if env_name in local:
                overrides[parameter] = local[env_name]
            elif env_name in SECRET_CONTRACT and "Default" not in template.parameters[parameter]:
                # A secret the stack is expected to provide: create it here and pass its ARN.
                secret_name = (
                    f"{self.options.stack_name}/{env_name.removesuffix('_SECRET').lower().replace('_', '-')}"
                )
                overrides[parameter] = aws.put_secret(secret_name, "{}")
        overrides.update(self.options.parameters)
        return overrides

    def _seed_secrets(
        self, aws: Aws, specs: Mapping[str, FunctionSpec], api_key: str, caller_key: str
    ) -> None:
        values = {
            "PAYNOW_API_KEY_SECRET": api_key,
            "CALLER_KEYS_SECRET": json.dumps({"callers": {"devstack": caller_key}}),
        }
        done: set[tuple[str, str]] = set()
        for spec in specs.values():
            for env_name, value in values.items():
                secret_id = spec.environment.get(env_name)
                if secret_id and (env_name, secret_id) not in done:
                    aws.put_secret(secret_id, value)
                    done.add((env_name, secret_id))

    def _lambda_env(self, spec: FunctionSpec, urls: Mapping[str, str]) -> dict[str, str]:
        env = {k: os.environ[k] for k in _INHERITED if k in os.environ}
        env.update(DUMMY_CREDENTIALS)
        env.update(
            {
                "AWS_REGION": REGION,
                "AWS_DEFAULT_REGION": REGION,
                "AWS_ENDPOINT_URL": urls["moto"],
                "AWS_ENDPOINT_URL_LAMBDA": urls["lambda"],
                "AWS_LAMBDA_FUNCTION_NAME": spec.name,
                "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
                "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(spec.memory_mb),
                "AWS_LAMBDA_LOG_GROUP_NAME": f"/aws/lambda/{spec.name}",
                "AWS_LAMBDA_LOG_STREAM_NAME": time.strftime("%Y/%m/%d/[$LATEST]") + secrets.token_hex(16),
                "AWS_EXECUTION_ENV": f"AWS_Lambda_{spec.runtime}",
                "LAMBDA_TASK_ROOT": str(spec.code_dir),
                "_HANDLER": spec.handler,
                # What `sam local` sets: Powertools Tracer stays off without an X-Ray daemon.
                "AWS_SAM_LOCAL": "true",
                "DEVSTACK_ACCOUNT_ID": ACCOUNT_ID,
                "PYTHONUNBUFFERED": "1",
                "TZ": ":UTC",
            }
        )
        env.update(spec.environment)
        return env

    def _invoke_for_api(self, function: str, event: Any, timeout_s: float) -> InvokeResult:
        runtime = self.runtimes[function]
        return runtime.invoke(event, wait_s=0 if runtime.spec.reserved_concurrency else timeout_s)

    def _queue(self, aws: Aws, name: str) -> tuple[str, str]:
        url = aws.sqs.create_queue(QueueName=name)["QueueUrl"]
        return url, f"arn:aws:sqs:{REGION}:{ACCOUNT_ID}:{name}"

    def _poll(self, name: str, aws: Aws, url: str, on_message: Callable[[Any], None]) -> None:
        poller = QueuePoller(name, aws, url, on_message, self.console)
        self._start_loop(poller.loop)

    def _wire_triggers(
        self, template: LocalTemplate, aws: Aws, specs: Mapping[str, FunctionSpec]
    ) -> dict[str, Any]:
        invoker = self.invoker
        assert invoker is not None
        by_bucket: dict[str, list[BucketTrigger]] = {}
        for trigger in template.bucket_triggers(specs):
            by_bucket.setdefault(trigger.bucket, []).append(trigger)
        eventbridge = set(template.eventbridge_enabled_buckets())
        for bucket_logical in set(by_bucket) | eventbridge:
            bucket = template.physical_name(bucket_logical)
            configuration: dict[str, Any] = {}
            queues = []
            for index, trigger in enumerate(by_bucket.get(bucket_logical, [])):
                url, arn = self._queue(aws, f"devstack-s3-{index}-{trigger.function}"[:80])
                rules = [{"Name": "prefix", "Value": trigger.prefix}] if trigger.prefix else []
                rules += [{"Name": "suffix", "Value": trigger.suffix}] if trigger.suffix else []
                queue_config: dict[str, Any] = {
                    "Id": f"{trigger.function}-{index}",
                    "QueueArn": arn,
                    "Events": list(trigger.events),
                }
                if rules:
                    queue_config["Filter"] = {"Key": {"FilterRules": rules}}
                queues.append(queue_config)
                self._poll(f"s3-{bucket}", aws, url, self._s3_delivery(trigger))
            if queues:
                configuration["QueueConfigurations"] = queues
            if bucket_logical in eventbridge:
                configuration["EventBridgeConfiguration"] = {}
            aws.s3.put_bucket_notification_configuration(
                Bucket=bucket,
                NotificationConfiguration=cast("NotificationConfigurationTypeDef", configuration),
            )
        for rule in template.rule_triggers(specs):
            self._wire_rule(aws, rule)
        return self._import_folders(template, aws, specs, by_bucket)

    def _wire_webhooks(
        self, aws: Aws, specs: Mapping[str, FunctionSpec], apis: list[HttpApiSpec], api_url: str
    ) -> dict[str, Any]:
        """Subscribes the local webhook receiver to every PayNow event in the emulator, as a store
        does in PayNow's dashboard, and puts the secrets PayNow returns into the receiver's secret."""
        receivers = {k for k, s in specs.items() if s.environment.get(WEBHOOK_SECRETS)}
        route = next((r for api in apis for r in api.routes if r.function in receivers), None)
        if route is None or self.emulator is None:
            return {}
        from paynow_emulator.webhooks import EVENT_TYPES

        url = api_url + route.path
        webhooks = self.emulator.webhooks
        secrets_list = [
            webhooks.create({"url": url, "subscribed_to": event, "type": "json_v1"})["secret"]
            for event in EVENT_TYPES
        ]
        aws.put_secret(
            specs[route.function].environment[WEBHOOK_SECRETS], json.dumps({"secrets": secrets_list})
        )
        return {"webhook_url": url, "webhook_subscriptions": len(secrets_list)}

    def _s3_delivery(self, trigger: BucketTrigger) -> Callable[[Any], None]:
        invoker = self.invoker
        assert invoker is not None

        def deliver(body: Any) -> None:
            if not isinstance(body, dict) or body.get("Event") == "s3:TestEvent" or "Records" not in body:
                return  # S3 sends a test event when a queue is configured; Lambda never sees it
            # Keys in S3 records are URL-encoded (spaces as +).
            keys = ", ".join(
                unquote_plus(r.get("s3", {}).get("object", {}).get("key", "?")) for r in body["Records"]
            )
            invoker.submit(trigger.function, body, f"s3 {keys}")

        return deliver

    def _wire_rule(self, aws: Aws, rule: RuleTrigger) -> None:
        invoker = self.invoker
        assert invoker is not None
        url, arn = self._queue(aws, f"devstack-rule-{rule.logical_id}"[:80])
        name = f"devstack-{rule.logical_id}"[:64]
        aws.events.put_rule(Name=name, EventBusName=rule.bus, EventPattern=json.dumps(rule.pattern))
        aws.events.put_targets(Rule=name, EventBusName=rule.bus, Targets=[{"Id": "devstack", "Arn": arn}])

        def deliver(body: Any) -> None:
            event = (
                apply_input(body, rule.input, rule.input_path, rule.input_transformer)
                if isinstance(body, dict)
                else body
            )
            invoker.submit(rule.function, event, f"rule {rule.logical_id}")

        self._poll(f"rule-{rule.logical_id}", aws, url, deliver)

    def _wire_event_log(self, template: LocalTemplate, aws: Aws) -> None:
        log = EventLog(self.workdir / "events.jsonl", self.console)
        for bus in template.resources("AWS::Events::EventBus"):
            name = template.physical_name(bus.logical_id)
            url, arn = self._queue(aws, f"devstack-events-{bus.logical_id}"[:80])
            aws.events.put_rule(
                Name="devstack-event-log",
                EventBusName=name,
                EventPattern=json.dumps({"account": [ACCOUNT_ID]}),
            )
            aws.events.put_targets(
                Rule="devstack-event-log", EventBusName=name, Targets=[{"Id": "devstack-log", "Arn": arn}]
            )
            self._poll(f"events-{name}", aws, url, functools.partial(log.record, name))

    def _import_folders(
        self,
        template: LocalTemplate,
        aws: Aws,
        specs: Mapping[str, FunctionSpec],
        by_bucket: Mapping[str, list[BucketTrigger]],
    ) -> dict[str, Any]:
        """The drop folder feeds the bucket a function imports from; its reports come back beside it."""
        buckets = {
            template.physical_name(b.logical_id): b.logical_id for b in template.resources("AWS::S3::Bucket")
        }
        chosen: tuple[str, FunctionSpec] | None = None
        for spec in specs.values():
            if spec.environment.get("IMPORT_BUCKET") in buckets:
                chosen = (spec.environment["IMPORT_BUCKET"], spec)
                break
        if chosen is None:
            return {}
        bucket, spec = chosen
        triggers = by_bucket.get(buckets[bucket], [])
        incoming = spec.environment.get("INCOMING_PREFIX") or (
            triggers[0].prefix if triggers else "incoming/"
        )
        reports = spec.environment.get("REPORTS_PREFIX") or "reports/"
        drop = self.workdir / "drop"
        reports_dir = drop / "reports"
        watcher = DropWatcher(drop, aws, bucket=bucket, prefix=incoming, console=self.console)
        mirror = ReportMirror(aws, bucket=bucket, prefix=reports, folder=reports_dir, console=self.console)
        for loop in (watcher.loop, mirror.loop):
            self._start_loop(loop)
        return {
            "bucket": bucket,
            "incoming_prefix": incoming,
            "reports_prefix": reports,
            "drop_folder": str(drop),
            "reports_folder": str(reports_dir),
            "import_function": spec.logical_id,
        }

    def _prewarm(self) -> dict[str, str]:
        errors: dict[str, str] = {}

        def warm(runtime: FunctionRuntime) -> None:
            try:
                runtime.prewarm()
            except SandboxError as exc:
                errors[runtime.spec.logical_id] = str(exc)
                self.console.line(f"!! {runtime.spec.logical_id} failed to initialise: {exc}")

        with ThreadPoolExecutor(max_workers=max(1, len(self.runtimes))) as pool:
            list(pool.map(warm, self.runtimes.values()))
        return errors

    def _write_env_file(self) -> None:
        info = self.info
        values = {
            "API": info["api_url"],
            "CALLER_KEY": info["caller_key"],
            "PAGE": info["page_url"],
            "PAYNOW_EMULATOR": info["emulator_url"] or "",
            "PAYNOW_STORE": info["store_id"],
            "STEAM_OPENID": info["steam_openid_url"],
            "IMPORT_BUCKET": info.get("bucket", ""),
            "DROP_FOLDER": info.get("drop_folder", ""),
            "REPORTS_FOLDER": info.get("reports_folder", ""),
            "WEBHOOK_URL": info.get("webhook_url", ""),
            "EVENT_LOG": info["event_log"],
        }
        for logical_id, name in info["functions"].items():
            values[_env_name(logical_id)] = name
        path = write_shell_files(
            self.workdir,
            values,
            aws_endpoint=info["moto_url"],
            lambda_endpoint=info["lambda_url"],
            region=REGION,
            credentials=DUMMY_CREDENTIALS,
            outputs=self._outputs(),
        )
        info["env_file"] = str(path)

    def _outputs(self) -> dict[str, Any]:
        """The template's outputs as the local stack has them, for `python -m ops smoke --local`."""
        info = self.info
        outputs = {"ApiUrl": info["api_url"]}
        outputs.update({f"{k}Name": v for k, v in info["functions"].items()})
        # ImportDLQUrl, and RevocationDLQUrl when chargebacks revoke tokens.
        outputs.update(info.get("queue_outputs") or {})
        if info.get("bucket"):
            outputs["ImportBucketName"] = info["bucket"]
        for runtime in self.runtimes.values():
            environment = runtime.spec.environment
            for variable, output in (("EVENT_BUS_NAME", "EventBusName"), ("STATE_TABLE", "StateTableName")):
                if environment.get(variable):
                    outputs[output] = environment[variable]
        secrets = {}
        for runtime in self.runtimes.values():
            for variable, parameter in (
                ("PAYNOW_API_KEY_SECRET", "PayNowApiKeySecretArn"),
                ("CALLER_KEYS_SECRET", "CallerKeysSecretArn"),
            ):
                if runtime.spec.environment.get(variable):
                    secrets[parameter] = runtime.spec.environment[variable]
        return {
            "stack_name": self.options.stack_name,
            "region": REGION,
            "outputs": outputs,
            "parameters": {"AllowedOrigins": ",".join(_origins(info["page_url"].rstrip("/"))), **secrets},
            "endpoints": {"aws": info["moto_url"], "lambda": info["lambda_url"]},
            "local": {
                "pid": info["pid"],
                "caller_key": info["caller_key"],
                "page_url": info["page_url"],
                "steam_openid_url": info["steam_openid_url"],
                "paynow_api_url": info["paynow_api_url"],
                "store_id": info["store_id"],
                "real_paynow": info["real_paynow"],
                "reports_prefix": info.get("reports_prefix", "reports/"),
                "incoming_prefix": info.get("incoming_prefix", "incoming/"),
            },
        }


def _env_name(logical_id: str) -> str:
    """SignupFunction -> SIGNUP_FUNCTION."""
    out = ""
    for index, char in enumerate(logical_id):
        if char.isupper() and index and not logical_id[index - 1].isupper():
            out += "_"
        out += char.upper()
    return out


def summary(info: Mapping[str, Any]) -> str:
    lines = [
        "",
        "devstack: the PayNow customers stack on this machine (Ctrl-C stops it)",
        f"  HTTP API        {info['api_url']}",
        *(f"                    {route}" for route in info["routes"]),
        f"  example page    {info['page_url']}",
        f"  Lambda API      {info['lambda_url']}   (AWS_ENDPOINT_URL_LAMBDA)",
        f"  PayNow          {info['paynow_api_url']}   store {info['store_id']}"
        + ("   ** REAL PayNow **" if info["real_paynow"] else "   (emulator)"),
        f"  Steam OpenID    {info['steam_openid_url']}   (stand-in)",
        f"  AWS (moto)      {info['moto_url']}   region {info['region']}, any credentials",
        f"  dev caller key  {info['caller_key']}   (Authorization: Bearer <key>)",
    ]
    if info.get("bucket"):
        lines += [
            f"  import bucket   s3://{info['bucket']}/{info['incoming_prefix']}"
            f"  -> reports under {info['reports_prefix']}",
            f"  drop folder     {info['drop_folder']}   (reports copied to {info['reports_folder']})",
        ]
    if info.get("webhook_url"):
        lines += [
            f"  PayNow webhooks {info['webhook_url']}"
            f"   ({info['webhook_subscriptions']} emulator subscriptions)"
        ]
    lines += [f"  functions       {', '.join(f'{k} ({v})' for k, v in info['functions'].items())}"]
    lines += [f"  resources       {r}" for r in info["resources"]]
    lines += [f"  env for shells  source {info['env_file']}   (devstack_deactivate leaves it)"]
    for name, error in (info.get("prewarm_errors") or {}).items():
        lines.append(f"  !! {name} did not initialise: {error}")
    for event in info.get("unsupported_events") or []:
        lines.append(f"  (not emulated) {event}")
    return "\n".join(lines) + "\n"


def check_template(path: Path) -> None:
    if not path.is_file():
        raise StackError(f"no template at {path}")
    try:
        LocalTemplate(path)
    except TemplateError as exc:
        raise StackError(str(exc)) from exc
