"""Cold start of every function as Lambda runs it: import time and first request, on Python 3.13.

    .venv/bin/python bench/cold_start.py [--runs 7] [--tracing PassThrough|Active|both]
        [--compare OTHER_BUILD_DIR [--compare-label before]]

What Lambda runs is staged in a temporary directory, then made read-only:
- /opt/python: the layer exactly as `make build` left it under .aws-sam/build (bytecode included or
  not). It is built for manylinux aarch64; its native extensions are swapped for this machine's
  builds of the same pinned versions so it imports here.
- /var/task: each function as built under .aws-sam/build.
- /var/runtime: boto3, botocore and their dependencies at the dev venv's versions, compiled, as the
  Lambda runtime provides them.
Each sample is a fresh python3.13 (`-s`, no user site) with that path order and the function's
environment from template.yaml; nothing can write bytecode (read-only files, and
PYTHONDONTWRITEBYTECODE because root ignores file modes; the bench checks that no .pyc appeared).
The first request of each sandbox runs in-process against the PayNow emulator and moto's server on
loopback; so does a second one, for comparison. Every first request must succeed: the importer gets a
new object version, the webhook function a delivery signed just before its sandbox starts (a new
event id, so it is published; the second request repeats it and is answered 200 without publishing).
Below the reference, the floor (`+ ...` rows, each adding to the one above): the stack the design
mandates (a pydantic settings model, Powertools' Logger and Metrics and, with Tracing=Active, its
Tracer, a boto3 client built at init, the event handler with validation, an httpx client) with none
of this project's code, from the same layer. No function can import for less than the floor row of
the pieces it uses.
Rounds interleave the cases, round 0 only warms the page cache and the emulator; medians over the
other rounds, ratios per round against `import boto3, httpx` measured in the same round. `--compare`
stages a second `sam build` output (e.g. of another commit) and measures its functions in the same
rounds, for a before/after table from one machine state; both run with this checkout's template.yaml
environment (a function the other build lacks gets no row for it).
"""

from __future__ import annotations

import argparse
import glob
import hashlib
import importlib.metadata
import json
import logging
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator, Mapping
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import boto3
import yaml
from cold_start_probe import FLOOR_STEPS

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "local")]
DEFAULT_BUILD = ROOT / ".aws-sam" / "build"
CACHE = ROOT / "bench" / "out" / "cold_start"
PROBE = Path(__file__).with_name("cold_start_probe.py")
# What the Lambda python3.13 runtime ships next to the interpreter (versions: the dev venv's).
RUNTIME_DISTRIBUTIONS = ("boto3", "botocore", "s3transfer", "jmespath", "python-dateutil", "six", "urllib3")
CALLER_KEY = "local-dev-caller-key-0123456789abcdef"
WEBHOOK_SECRET = "whsec_bench_chargeback"


@dataclass(frozen=True)
class Function:
    logical_id: str
    event: str
    expect: str  # how the first response must look, so an error path is never what gets timed


FUNCTIONS = (
    Function("AuthorizerFunction", "events/authorizer/authorized.json", "authorized"),
    Function("ImportFunction", "events/importer/direct.json", "import"),
    Function("SignupFunction", "events/signup/signup_minecraft_java.json", "http200"),
    Function("TrustedFunction", "events/trusted/resolve.json", "http200"),
    # The sample's envelope, re-signed per sandbox (Services.sign_webhook_delivery).
    Function("WebhookFunction", "events/webhooks/paynow_chargeback.json", "webhook"),
)


def lambda_python() -> str:
    """The Lambda runtime's interpreter, found as the Makefile's LAMBDA_PYTHON finds it."""
    candidates = [os.environ.get("LAMBDA_PYTHON", ""), shutil.which("python3.13") or ""]
    candidates += sorted(glob.glob(os.path.expanduser("~/.pyenv/versions/3.13*/bin/python3.13")))
    for candidate in filter(None, candidates):
        if subprocess.run([candidate, "-c", ""], stderr=subprocess.DEVNULL, check=False).returncode == 0:
            return candidate
    sys.exit("python3.13 not found: install it (e.g. `pyenv install 3.13`) or set LAMBDA_PYTHON")


def _python_value(python: str, expression: str) -> str:
    return subprocess.run(
        [python, "-c", f"import sysconfig, sys; print({expression})"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()


def _pip_target(python: str, requirements: list[str], name: str, compile_: bool) -> Path:
    """Installs pinned distributions for `python` into a cached directory (reused across runs)."""
    key = hashlib.sha256("\n".join([python, *requirements, str(compile_)]).encode()).hexdigest()[:12]
    target = CACHE / f"{name}-{key}"
    if (target / ".complete").is_file():
        return target
    shutil.rmtree(target, ignore_errors=True)
    subprocess.run(
        [python, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "--no-deps",
         "--no-compile", "--only-binary=:all:", "--target", str(target), *requirements],
        check=True,
    )  # fmt: skip
    if compile_:
        subprocess.run([python, "-m", "compileall", "-q", "-j0", str(target)], check=True)
    (target / ".complete").touch()
    return target


def _distribution_of(layer: Path, relative: str) -> tuple[str, str]:
    for record in layer.glob("*.dist-info/RECORD"):
        if any(line.split(",", 1)[0] == relative for line in record.read_text().splitlines()):
            metadata = (record.parent / "METADATA").read_text(encoding="utf-8")
            fields = dict(line.split(": ", 1) for line in metadata.splitlines() if ": " in line)
            return fields["Name"], fields["Version"]
    raise SystemExit(f"the layer's {relative} belongs to no distribution; cannot swap it")


def swap_native_extensions(python: str, layer: Path) -> list[str]:
    """Replaces extensions built for another platform with this machine's build of the same version."""
    suffix = _python_value(python, "sysconfig.get_config_var('EXT_SUFFIX')")
    swapped = []
    for extension in sorted(layer.rglob("*.so")):
        if extension.name.endswith(suffix):
            continue
        relative = extension.relative_to(layer).as_posix()
        name, version = _distribution_of(layer, relative)
        native = _pip_target(python, [f"{name}=={version}"], f"native-{name}", compile_=False)
        stem = extension.name.split(".", 1)[0]
        replacement = next(native.joinpath(relative).parent.glob(f"{stem}.*.so"), None)
        if replacement is None:
            raise SystemExit(f"{name}=={version} has no {stem} extension for this machine")
        extension.unlink()
        shutil.copy2(replacement, extension.parent / replacement.name)
        swapped.append(f"{name}=={version}")
    return swapped


def _set_read_only(root: Path, writable: bool = False) -> None:
    for path in [root, *root.rglob("*")]:
        if path.is_symlink():
            continue
        if path.is_dir():
            path.chmod(0o755 if writable else 0o555)
        else:
            path.chmod(0o644 if writable else 0o444)


@dataclass(frozen=True)
class Sandbox:
    opt: Path
    baseline_opt: Path
    tasks: dict[str, Path]
    runtime: Path
    swapped: list[str]
    layer_pyc: int
    layer_py: int

    def bytecode_files(self) -> set[Path]:
        roots = [self.opt, self.baseline_opt, *self.tasks.values()]
        return {path for root in roots for path in root.rglob("*.pyc")}


@contextmanager
def staged(python: str, build: Path) -> Iterator[Sandbox]:
    layer = build / "SharedLayer" / "python"
    if not layer.is_dir():
        sys.exit(f"{layer} not found: run `make build` first")
    versions = [f"{name}=={importlib.metadata.version(name)}" for name in RUNTIME_DISTRIBUTIONS]
    runtime = _pip_target(python, versions, "runtime", compile_=True)
    with tempfile.TemporaryDirectory(prefix="cold-start-") as tmp:
        opt = Path(tmp) / "opt" / "python"
        shutil.copytree(layer, opt, symlinks=True)
        swapped = swap_native_extensions(python, opt)
        # The reference is `import boto3, httpx` compiled, whatever the layer under test ships.
        baseline_opt = Path(tmp) / "baseline-opt" / "python"
        shutil.copytree(opt, baseline_opt, symlinks=True)
        subprocess.run(
            [
                python,
                "-m",
                "compileall",
                "-q",
                "-j0",
                "--invalidation-mode",
                "unchecked-hash",
                str(baseline_opt),
            ],
            check=True,
        )
        tasks = {}
        # A build of an older commit may predate a function (--compare): main() says which.
        for function in (f for f in FUNCTIONS if (build / f.logical_id).is_dir()):
            tasks[function.logical_id] = Path(tmp) / "task" / function.logical_id
            shutil.copytree(build / function.logical_id, tasks[function.logical_id], symlinks=True)
        sandbox = Sandbox(
            opt,
            baseline_opt,
            tasks,
            runtime,
            swapped,
            layer_pyc=sum(1 for _ in opt.rglob("*.cpython-313.pyc")),
            layer_py=sum(1 for _ in opt.rglob("*.py")),
        )
        _set_read_only(Path(tmp))
        try:
            yield sandbox
        finally:
            _set_read_only(Path(tmp), writable=True)


class _CfnLoader(yaml.SafeLoader):
    pass


def _tag(loader: yaml.SafeLoader, suffix: str, node: yaml.Node) -> Any:
    if isinstance(node, yaml.ScalarNode):
        value: Any = loader.construct_scalar(node)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        value = loader.construct_mapping(node, deep=True)  # type: ignore[arg-type]
    return {"Ref" if suffix == "Ref" else f"Fn::{suffix}": value}


_CfnLoader.add_multi_constructor("!", _tag)


def _resolve(value: Any, names: Mapping[str, Any]) -> Any:
    """The few intrinsics the functions' environments use; anything else is a bench to update."""
    if not isinstance(value, dict):
        return value
    ((kind, argument),) = value.items()
    if kind == "Ref":
        return names[argument]
    if kind == "Fn::Join":
        separator, items = argument
        joined = _resolve(items, names)
        return separator.join(joined if isinstance(joined, list) else items)
    if kind == "Fn::If":
        condition, when_true, when_false = argument
        return _resolve(when_true if names[f"Condition:{condition}"] else when_false, names)
    if kind == "Fn::Sub" and isinstance(argument, list) and argument[0].startswith("paynow-import-"):
        return names["ImportBucket"]
    raise SystemExit(f"bench/cold_start.py cannot resolve {value!r}; teach _resolve")


def function_environment(logical_id: str, names: Mapping[str, Any]) -> dict[str, str]:
    template = yaml.load((ROOT / "template.yaml").read_text(encoding="utf-8"), Loader=_CfnLoader)
    globals_ = template["Globals"]["Function"]
    own = template["Resources"][logical_id]["Properties"]
    variables = {**globals_["Environment"]["Variables"], **own.get("Environment", {}).get("Variables", {})}
    # A parameter the bench does not set takes its default, as a deploy that leaves it out would.
    defaults = {
        name: parameter["Default"].split(",")
        if parameter["Type"] == "CommaDelimitedList"
        else parameter["Default"]
        for name, parameter in template["Parameters"].items()
        if "Default" in parameter
    }
    names = {**defaults, **names}
    env = {key: str(_resolve(value, names)) for key, value in variables.items()}
    env["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"] = str(own.get("MemorySize", globals_["MemorySize"]))
    env["BENCH_TIMEOUT_S"] = str(own.get("Timeout", globals_["Timeout"]))
    return env


@dataclass
class Services:
    moto_url: str
    paynow_url: str
    api_key: str
    names: dict[str, Any]
    csv_key: str
    webhook_event: Path  # the signed delivery of the next webhook sandbox
    _deliveries: int = field(default=0, init=False)

    def event_file(self, function: Function) -> Path:
        return self.webhook_event if function.expect == "webhook" else ROOT / function.event

    def prepare(self, function: Function) -> None:
        """What makes the next sandbox's first request a successful one, not a repeat or a refusal."""
        if function.expect == "import":
            self.put_import_file()
        elif function.expect == "webhook":
            self.sign_webhook_delivery(function)

    def put_import_file(self) -> None:
        """A new object version per run, so every first import request does a whole import."""
        s3 = boto3.client("s3", endpoint_url=self.moto_url)
        body = b"steam_id,name\n76561197960287931,Alice\n76561197960287932,Bob\n"
        s3.put_object(Bucket=self.names["ImportBucket"], Key=self.csv_key, Body=body)

    def sign_webhook_delivery(self, function: Function) -> None:
        """The sample delivery with a new event id (a repeated id is only deduplicated, not
        published), signed now as PayNow signs (a stale timestamp is refused)."""
        from paynow_emulator.signature import sign

        event = json.loads((ROOT / function.event).read_text(encoding="utf-8"))
        envelope = json.loads(event["body"])
        self._deliveries += 1
        envelope["event_id"] = str(int(envelope["event_id"]) + self._deliveries)
        now = datetime.now(UTC)
        envelope["timestamp"] = now.isoformat(timespec="milliseconds").replace("+00:00", "Z")
        body = json.dumps(envelope, separators=(",", ":"))
        timestamp = str(int(now.timestamp() * 1000))
        event["body"] = body
        event["headers"].update(
            {
                "content-length": str(len(body.encode())),
                "paynow-timestamp": timestamp,
                "paynow-signature": sign(WEBHOOK_SECRET, timestamp, body.encode()),
            }
        )
        event["requestContext"].update(
            requestId=f"bench-delivery-{self._deliveries}",
            timeEpoch=int(timestamp),
            time=now.strftime("%d/%b/%Y:%H:%M:%S +0000"),
        )
        self.webhook_event.write_text(json.dumps(event), encoding="utf-8")


@contextmanager
def services(tracing: str) -> Iterator[Services]:
    from moto.server import ThreadedMotoServer
    from paynow_emulator import PayNowEmulator
    from paynow_emulator.server import BackgroundServer

    os.environ.update(
        AWS_ACCESS_KEY_ID="bench", AWS_SECRET_ACCESS_KEY="bench", AWS_DEFAULT_REGION="us-east-1"
    )
    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # moto's server logs every request
    moto = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    moto.start()
    host, port = moto.get_host_and_port()
    moto_url = f"http://{host}:{port}"
    # moto keeps its backends per process: each tracing mode starts from an empty account.
    urllib.request.urlopen(
        urllib.request.Request(f"{moto_url}/moto-api/reset", method="POST"), timeout=10
    ).close()
    emulator = PayNowEmulator(store_id="429000000000000000")
    emulator.add_minecraft_account("Notch", "069a79f4-44e9-4726-a5be-fca90e38aaf5", "java")
    server = BackgroundServer(emulator).start()
    deliveries = tempfile.TemporaryDirectory(prefix="cold-start-webhooks-")
    try:
        importer_event = json.loads((ROOT / FUNCTIONS[1].event).read_text(encoding="utf-8"))
        names: dict[str, Any] = {
            "PayNowApiUrl": server.url,
            "PayNowStoreId": emulator.store_id,
            "PayNowApiKeySecretArn": "paynow/api-key",
            "CallerKeysSecretArn": "paynow/caller-keys",
            "SteamOpenIdUrl": "http://127.0.0.1:9/openid/login",
            "AllowedOrigins": ["http://localhost:3000"],
            "LogLevel": "WARNING",
            "ImportExistingMode": "skip",
            "ImportConcurrency": "4",
            "EventBus": "bench-bus",
            "StateTable": "bench-state",
            "WebhookSecrets": "paynow/webhook-secrets",
            "ImportBucket": importer_event["bucket"],
            "Tracing": tracing,
            "Condition:TracingActive": tracing == "Active",
        }
        secrets = boto3.client("secretsmanager", endpoint_url=moto_url)
        secrets.create_secret(Name="paynow/api-key", SecretString=emulator.api_key)
        secrets.create_secret(
            Name="paynow/caller-keys", SecretString=json.dumps({"callers": {"local-dev": CALLER_KEY}})
        )
        secrets.create_secret(
            Name="paynow/webhook-secrets", SecretString=json.dumps({"secrets": [WEBHOOK_SECRET]})
        )
        boto3.client("dynamodb", endpoint_url=moto_url).create_table(
            TableName="bench-state",
            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
            BillingMode="PAY_PER_REQUEST",
        )
        boto3.client("events", endpoint_url=moto_url).create_event_bus(Name="bench-bus")
        s3 = boto3.client("s3", endpoint_url=moto_url)
        s3.create_bucket(Bucket=importer_event["bucket"])
        s3.put_bucket_versioning(
            Bucket=importer_event["bucket"], VersioningConfiguration={"Status": "Enabled"}
        )
        webhook_event = Path(deliveries.name) / "delivery.json"
        yield Services(moto_url, server.url, emulator.api_key, names, importer_event["key"], webhook_event)
    finally:
        deliveries.cleanup()
        server.stop()
        moto.stop()


def _succeeded(expect: str, response: Any) -> bool:
    if not isinstance(response, dict):
        return False
    if expect == "authorized":
        return response.get("isAuthorized") is True
    if expect == "http200":
        return response.get("statusCode") == 200
    if expect == "import":
        imports = response.get("imports") or []
        return bool(imports) and all(item.get("status") == "completed" for item in imports)
    if expect == "webhook":
        # Published now: a duplicate (200 too) would have skipped the bus.
        body = json.loads(response.get("body") or "{}")
        return (
            response.get("statusCode") == 200
            and isinstance(body, dict)
            and body.get("received") is True
            and body.get("duplicate") is False
        )
    raise SystemExit(f"no check for {expect!r}")


def _check(function: Function, response: Any) -> None:
    if not _succeeded(function.expect, response):
        raise SystemExit(f"{function.logical_id}: the first request did not succeed: {response}")


def run_case(
    python: str,
    sandbox: Sandbox,
    env: dict[str, str],
    args: list[str],
    task: Path | None,
    flags: tuple[str, ...] = (),
) -> dict[str, Any]:
    opt = sandbox.opt if task else sandbox.baseline_opt
    path = [str(p) for p in ([task] if task else [])]
    path += [str(opt / "lib" / "python3.13" / "site-packages"), str(opt), str(sandbox.runtime)]
    full_env = {**env, "LAMBDA_TASK_ROOT": str(task or opt), "LAMBDA_RUNTIME_DIR": str(sandbox.runtime)}
    full_env = {**full_env, "PYTHONPATH": os.pathsep.join(path), "PYTHONDONTWRITEBYTECODE": "1"}
    result = subprocess.run(
        [python, "-s", *flags, str(PROBE), *args],
        cwd=task or opt,
        env=full_env,
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise SystemExit(f"probe {args} failed:\n{result.stderr[-3000:]}")
    parsed: dict[str, Any] = json.loads(result.stdout.strip().splitlines()[-1])
    parsed["stderr"] = result.stderr
    return parsed


_IMPORTTIME = re.compile(r"^import time:\s+(\d+) \|\s+(\d+) \| (\s*)(\S+)")


def importtime(python: str, sandbox: Sandbox, logical_id: str, tracing: str, top: int) -> None:
    """`-X importtime` of one handler's import and first request: the costliest packages."""
    function = next(f for f in FUNCTIONS if f.logical_id == logical_id)
    with services(tracing) as svc:
        svc.prepare(function)
        env = {**lambda_environment(logical_id, svc, tracing), **function_environment(logical_id, svc.names)}
        args = ["handler", str(svc.event_file(function))]
        result = run_case(python, sandbox, env, args, sandbox.tasks[logical_id], ("-X", "importtime"))
    _check(function, result["response"])
    rows = [m.groups() for m in map(_IMPORTTIME.match, result["stderr"].splitlines()) if m]
    print(f"{logical_id}, Tracing={tracing}: {len(rows)} modules imported (import and both requests)")
    print(f"{'self us':>9} {'cumulative us':>14}  module")
    for self_us, cumulative, indent, module in sorted(rows, key=lambda r: -int(r[1]))[:top]:
        print(f"{int(self_us):>9,} {int(cumulative):>14,}  {indent}{module}")
    late = result.get("late_imports", [])
    print(f"imported during the requests (after init): {', '.join(late) or 'nothing'}")


def lambda_environment(function: str, services_: Services, tracing: str) -> dict[str, str]:
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "LANG": "en_US.UTF-8",
        "TZ": ":UTC",
        "AWS_REGION": "us-east-1",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_ACCESS_KEY_ID": "bench",
        "AWS_SECRET_ACCESS_KEY": "bench",
        "AWS_SESSION_TOKEN": "bench",
        "AWS_ENDPOINT_URL": services_.moto_url,
        "AWS_EXECUTION_ENV": "AWS_Lambda_python3.13",
        "AWS_LAMBDA_FUNCTION_NAME": function,
        "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
        "AWS_LAMBDA_INITIALIZATION_TYPE": "on-demand",
        "AWS_LAMBDA_LOG_GROUP_NAME": f"/aws/lambda/{function}",
        "_HANDLER": "app.lambda_handler",
        "BENCH_TRACING": tracing,
        # Lambda's X-Ray variables; the daemon address is a closed loopback port (UDP, never answered).
        "AWS_XRAY_DAEMON_ADDRESS": "127.0.0.1:2000",
        "AWS_XRAY_CONTEXT_MISSING": "LOG_ERROR",
    }
    if tracing != "Active":
        # What the template sets when Tracing is PassThrough, for code that predates the parameter.
        env["POWERTOOLS_TRACE_DISABLED"] = "true"
    return env


Case = tuple[str, Sandbox, dict[str, str], list[str], Path | None, Function | None]


def _cases(svc: Services, sandboxes: Mapping[str, Sandbox], tracing: str) -> list[Case]:
    """``import boto3, httpx`` (from the first sandbox), then every function of every sandbox,
    labelled with the sandbox's suffix."""
    reference = next(iter(sandboxes.values()))
    baseline_env = lambda_environment("baseline", svc, tracing)
    cases: list[Case] = [("import boto3, httpx", reference, baseline_env, ["baseline"], None, None)]
    for steps, step in enumerate(FLOOR_STEPS, start=1):
        cases.append((f"  + {step}", reference, baseline_env, ["floor", str(steps)], None, None))
    for suffix, sandbox in sandboxes.items():
        for function in (f for f in FUNCTIONS if f.logical_id in sandbox.tasks):
            env = {
                **lambda_environment(function.logical_id, svc, tracing),
                **function_environment(function.logical_id, svc.names),
            }
            args = ["handler", str(svc.event_file(function))]
            task = sandbox.tasks[function.logical_id]
            cases.append((function.logical_id + suffix, sandbox, env, args, task, function))
    return cases


def _bytecode(sandboxes: Mapping[str, Sandbox]) -> set[Path]:
    return {path for sandbox in sandboxes.values() for path in sandbox.bytecode_files()}


def measure(
    python: str, sandboxes: Mapping[str, Sandbox], tracing: str, runs: int
) -> dict[str, dict[str, list[Any]]]:
    """``sandboxes``: row label suffix → staged build, all measured in the same rounds."""
    with services(tracing) as svc:
        cases = _cases(svc, sandboxes, tracing)
        # Rows in case order: the reference first.
        samples: dict[str, dict[str, list[Any]]] = {label: {} for label, *_ in cases}
        before = _bytecode(sandboxes)
        for round_number in range(runs + 1):
            for label, sandbox, env, args, task, case_function in cases:
                if case_function is not None:
                    svc.prepare(case_function)
                result = run_case(python, sandbox, env, args, task)
                if case_function is not None:
                    _check(case_function, result["response"])
                    samples.setdefault(label, {})["late_imports"] = result["late_imports"]
                if round_number:  # round 0 warms the page cache and the emulator
                    for key in ("import_s", "first_s", "second_s"):
                        if key in result:
                            samples.setdefault(label, {}).setdefault(key, []).append(result[key])
        if _bytecode(sandboxes) != before:
            raise SystemExit("bytecode was written into the read-only sandbox: the figures are void")
    return samples


def report(samples: dict[str, dict[str, list[Any]]], tracing: str, runs: int) -> None:
    baseline = samples["import boto3, httpx"]["import_s"]
    print(f"\nTracing={tracing}: median of {runs} fresh python3.13 interpreters")
    width = max(22, *(len(label) + 2 for label in samples))
    print(f"{'':<{width}}{'cold import':>12}{'ratio':>8}{'1st request':>13}{'2nd request':>13}")
    for label, values in samples.items():
        imports = values["import_s"]
        ratio = statistics.median(i / b for i, b in zip(imports, baseline, strict=True))
        line = f"{label:<{width}}{statistics.median(imports) * 1000:>9.0f} ms{ratio:>8.2f}"
        if "first_s" in values:
            line += f"{statistics.median(values['first_s']) * 1000:>10.1f} ms"
            line += f"{statistics.median(values['second_s']) * 1000:>10.1f} ms"
        print(line)
    for label, values in samples.items():
        late = [name for name in values.get("late_imports", []) if not name.startswith("_")]
        if late:
            print(f"  {label} imported {len(late)} modules during its requests: {', '.join(late[:12])}")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=7, help="fresh interpreters per case (median)")
    parser.add_argument("--tracing", choices=["PassThrough", "Active", "both"], default="both")
    parser.add_argument("--build-dir", type=Path, default=DEFAULT_BUILD, help="a `sam build` output")
    parser.add_argument("--importtime", metavar="FUNCTION", help="show one function's costliest imports")
    parser.add_argument("--top", type=int, default=40, help="rows of --importtime")
    parser.add_argument(
        "--compare",
        type=Path,
        metavar="BUILD_DIR",
        help="another `sam build` output, measured in the same rounds",
    )
    parser.add_argument("--compare-label", default="compared", help="how the --compare rows are labelled")
    args = parser.parse_args()
    python = lambda_python()
    CACHE.mkdir(parents=True, exist_ok=True)
    with ExitStack() as stack:
        sandbox = stack.enter_context(staged(python, args.build_dir))
        missing = [f.logical_id for f in FUNCTIONS if f.logical_id not in sandbox.tasks]
        if missing:
            sys.exit(f"{args.build_dir} lacks {', '.join(missing)}: run `make build` first")
        sandboxes = {"": sandbox}
        if args.compare:
            compared = stack.enter_context(staged(python, args.compare))
            sandboxes[f" ({args.compare_label})"] = compared
            absent = [f.logical_id for f in FUNCTIONS if f.logical_id not in compared.tasks]
            if absent:
                print(f"{args.compare} has no {', '.join(absent)}: no {args.compare_label} row for it")
        print(f"interpreter: {python} ({_python_value(python, 'sys.version.split()[0]')})")
        print(f"layer: {sandbox.layer_pyc} cpython-313 .pyc for {sandbox.layer_py} .py files")
        print(f"native extensions swapped for this machine: {', '.join(sandbox.swapped) or 'none'}")
        load = os.getloadavg()
        print(f"load average at start: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f} ({os.cpu_count()} cores)")
        modes = ["PassThrough", "Active"] if args.tracing == "both" else [args.tracing]
        if args.importtime:
            for tracing in modes:
                importtime(python, sandbox, args.importtime, tracing, args.top)
            return
        for tracing in modes:
            started = time.monotonic()
            report(measure(python, sandboxes, tracing, args.runs), tracing, args.runs)
            print(f"({time.monotonic() - started:.0f} s)")
        load = os.getloadavg()
        print(f"load average at end: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")


if __name__ == "__main__":
    main()
