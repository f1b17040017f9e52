"""Background loops: SQS queues that stand in for S3 -> Lambda and EventBridge -> Lambda delivery,
the EventBridge event log, the local drop folder and the report mirror."""

from __future__ import annotations

import json
import re
import shutil
import threading
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from botocore.exceptions import ClientError

from devstack.logs import Console
from devstack.resources import Aws


class Loop:
    """A daemon thread calling ``tick`` until stopped; a failing tick is logged and retried."""

    def __init__(self, name: str, tick: Callable[[], None], interval_s: float, console: Console) -> None:
        self.name = name
        self._tick = tick
        self._interval = interval_s
        self._console = console
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)

    def start(self) -> None:
        self._thread.start()

    def _run(self) -> None:
        failures = 0
        while not self._stop.is_set():
            try:
                self._tick()
                failures = 0
            except Exception as exc:  # keep watching: the next tick may succeed (e.g. a file in use)
                failures += 1
                if failures in (1, 10) or failures % 100 == 0:
                    self._console.line(f"{self.name}: {type(exc).__name__}: {exc}")
            self._stop.wait(self._interval)

    def request_stop(self) -> None:
        self._stop.set()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)


class QueuePoller:
    """Receives from an SQS queue (long polling) and hands each message body to a callback."""

    def __init__(
        self, name: str, aws: Aws, queue_url: str, on_message: Callable[[Any], None], console: Console
    ) -> None:
        self.aws = aws
        self.queue_url = queue_url
        self.on_message = on_message
        self.loop = Loop(name, self.poll, 0.0, console)

    def poll(self) -> None:
        response = self.aws.sqs.receive_message(
            QueueUrl=self.queue_url, MaxNumberOfMessages=10, WaitTimeSeconds=1
        )
        for message in response.get("Messages", []):
            self.on_message(json.loads(message["Body"]))
            self.aws.sqs.delete_message(QueueUrl=self.queue_url, ReceiptHandle=message["ReceiptHandle"])


def _at_path(event: Mapping[str, Any], path: str) -> Any:
    value: Any = event
    for part in path.removeprefix("$").strip(".").split("."):
        if part:
            value = value.get(part) if isinstance(value, Mapping) else None
    return value


def apply_input(
    event: Mapping[str, Any],
    input_json: str | None,
    input_path: str | None,
    transformer: Mapping[str, Any] | None = None,
) -> Any:
    """A rule target's Input (constant JSON), InputPath (a simple $.a.b path) or InputTransformer
    (simple paths; a JSON template gets each value JSON-encoded, as EventBridge does) on an event."""
    if input_json is not None:
        return json.loads(input_json)
    if input_path:
        return _at_path(event, input_path)
    if transformer:
        text = str(transformer.get("InputTemplate", ""))
        for name, path in (transformer.get("InputPathsMap") or {}).items():
            text = text.replace(f"<{name}>", json.dumps(_at_path(event, str(path))))
        return json.loads(text)
    return dict(event)


class DropWatcher:
    """Uploads files dropped into a folder to the import bucket, then moves them to ``uploaded/``.

    A file is uploaded once its size and mtime held still across two reads at least ``settle_s``
    apart, so a copy in progress, or a writer that pauses, is not uploaded half-written. Temporary
    names (``*.part``, ``*.tmp``, ``*.crdownload``, ``~$*`` Office lock files, dotfiles) are never
    uploaded: write under such a name, then rename into place.
    """

    IGNORED_SUFFIXES = (".part", ".tmp", ".crdownload", "~")
    IGNORED_PREFIXES = (".", "~$")

    def __init__(
        self,
        folder: Path,
        aws: Aws,
        *,
        bucket: str,
        prefix: str,
        console: Console,
        interval_s: float = 0.5,
        settle_s: float = 3.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.folder = folder
        self.uploaded = folder / "uploaded"
        self.aws = aws
        self.bucket = bucket
        self.prefix = prefix
        self.console = console
        self.settle_s = settle_s
        self._clock = clock
        # path -> (size, mtime) and when that signature was first seen
        self._seen: dict[Path, tuple[tuple[int, int], float]] = {}
        self.loop = Loop("drop-folder", self.scan, interval_s, console)

    def _ignored(self, path: Path) -> bool:
        name = path.name.lower()
        return (
            not path.is_file()
            or name.startswith(self.IGNORED_PREFIXES)
            or name.endswith(self.IGNORED_SUFFIXES)
        )

    def scan(self) -> None:
        now = self._clock()
        current: dict[Path, tuple[tuple[int, int], float]] = {}
        for path in sorted(self.folder.iterdir()):
            if self._ignored(path):
                continue
            stat = path.stat()
            signature = (stat.st_size, stat.st_mtime_ns)
            previous = self._seen.get(path)
            since = previous[1] if previous is not None and previous[0] == signature else now
            current[path] = (signature, since)
            if previous is not None and previous[0] == signature and now - since >= self.settle_s:
                self._upload(path)
        self._seen = {p: s for p, s in current.items() if p.exists()}

    def _upload(self, path: Path) -> None:
        key = self.prefix + path.name
        self.aws.s3.upload_file(str(path), self.bucket, key)
        self.uploaded.mkdir(exist_ok=True)
        target = self.uploaded / path.name
        if target.exists():
            target = self.uploaded / f"{path.stem}.{time.strftime('%Y%m%dT%H%M%S')}{path.suffix}"
        shutil.move(str(path), target)
        self.console.line(
            f"drop {path.name} -> s3://{self.bucket}/{key} (moved to {target.relative_to(self.folder)})"
        )


# The importer's report parts (``<report folder>/parts/000000001.csv``, ``…/results/parts/…``): internal
# pieces of results.csv and rejected.csv, deleted when the import finishes. Not reports.
_REPORT_PART = re.compile(r"/parts/[0-9]+\.csv$")
# Listed, then gone before it was read: a part just discarded, or a report deleted.
_SKIPPED_READS = ("PreconditionFailed", "NoSuchKey")


class ReportMirror:
    """Copies new or changed objects under the reports prefix into a local folder."""

    def __init__(
        self, aws: Aws, *, bucket: str, prefix: str, folder: Path, console: Console, interval_s: float = 0.5
    ) -> None:
        self.aws = aws
        self.bucket = bucket
        self.prefix = prefix
        self.folder = folder
        self.console = console
        self._etags: dict[str, str] = {}
        self.loop = Loop("report-mirror", self.sync, interval_s, console)

    def _target(self, key: str) -> Path | None:
        """Where ``key`` is mirrored, or None when the key would escape the folder (``..``, ``/abs``)."""
        relative = key[len(self.prefix) :]
        parts = relative.split("/")
        if not relative or relative.startswith("/") or any(p in ("", ".", "..") for p in parts):
            return None
        root = self.folder.resolve()
        target = (root / relative).resolve()
        return target if target.is_relative_to(root) and target != root else None

    def sync(self) -> None:
        paginator = self.aws.s3.get_paginator("list_objects_v2")
        for page in paginator.paginate(Bucket=self.bucket, Prefix=self.prefix):
            for item in page.get("Contents", []):
                key, etag = item["Key"], item["ETag"]
                if self._etags.get(key) == etag or key.endswith("/") or _REPORT_PART.search(key):
                    continue
                target = self._target(key)
                if target is None:
                    self._etags[key] = etag
                    self.console.line(
                        f"report s3://{self.bucket}/{key} not mirrored: it would land outside {self.folder}"
                    )
                    continue
                target.parent.mkdir(parents=True, exist_ok=True)
                partial = target.with_name(target.name + ".part")
                try:
                    # Only the listed version: a report folder is written in order (CSVs, then the
                    # final summary.json), so a summary.json rewritten since the listing would arrive
                    # without the CSVs written just before it. The next pass lists them all. An object
                    # deleted since the listing is skipped too, so it cannot end the pass.
                    body = self.aws.s3.get_object(Bucket=self.bucket, Key=key, IfMatch=etag)["Body"]
                except ClientError as exc:
                    if exc.response.get("Error", {}).get("Code") not in _SKIPPED_READS:
                        raise
                    continue
                with body, partial.open("wb") as out:
                    shutil.copyfileobj(body, out)
                partial.replace(target)
                self._etags[key] = etag
                self.console.line(f"report s3://{self.bucket}/{key} -> {target}")
                if target.name == "summary.json":
                    self.console.line(progress_line(target))


def progress_line(summary_path: Path) -> str:
    """One console line on where an import stands, from its (running or final) summary.json."""
    try:
        summary = json.loads(summary_path.read_text(encoding="utf-8"))
        counts = summary["counts"]
        done = ", ".join(
            f"{counts[k]:,} {k}" for k in ("created", "existing", "updated", "rejected") if counts.get(k)
        )
        line = f"import {summary['key']}: {summary['status']}, {counts['total']:,} rows" + (
            f" ({done})" if done else ""
        )
    except (OSError, ValueError, KeyError, TypeError) as exc:
        return f"import summary {summary_path.name} unreadable: {exc}"
    progress = summary.get("progress")
    if summary["status"] == "running" and isinstance(progress, dict):
        line += f", {progress.get('percent', 0)}% of the file, {progress.get('rows_per_second', 0):,} rows/s"
        if progress.get("seconds_left") is not None:
            line += f", about {progress['seconds_left']:.0f} s left"
    elif summary.get("error"):
        line += f": {summary['error']}"
    return line


class EventLog:
    """Writes every event seen on the stack's buses to a JSON-lines file and a console line."""

    def __init__(self, path: Path, console: Console) -> None:
        self.path = path
        self.console = console
        self._lock = threading.Lock()

    def record(self, bus: str, event: Any) -> None:
        with self._lock, self.path.open("a", encoding="utf-8") as out:
            out.write(json.dumps({"bus": bus, "event": event}, separators=(",", ":")) + "\n")
        if isinstance(event, Mapping):
            self.console.line(f"event {event.get('detail-type')!r} from {event.get('source')} on bus {bus}")
