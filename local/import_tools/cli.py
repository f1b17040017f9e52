"""Command-line twin of the import function, for operators (run with PYTHONPATH=layers/shared:local).

    python -m import_tools.cli validate FILE.csv   # dry run: no PayNow calls, prints the report
    python -m import_tools.cli import FILE.csv     # straight to PayNow, with a progress bar

``import`` reads PAYNOW_API_URL, PAYNOW_STORE_ID and PAYNOW_API_KEY (or PAYNOW_API_KEY_SECRET, the
Secrets Manager secret). Reports are written under --report-dir (default ./import-reports).
"""

from __future__ import annotations

import argparse
import csv
import os
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from customers.adapters.paynow_client import client_from_environment
from customers.common.deadline import Deadline
from customers.importer.config import ExistingMode, ImportConfig
from customers.importer.model.report_csv import ReportEncoding
from customers.importer.model.state import ImportState, ImportStatus
from customers.importer.model.summary import Summary
from customers.importer.service import ImportService
from customers.importer.triggers import ImportRequest
from paynow.client import PayNowClient
from tqdm import tqdm

from import_tools.stores import DirectoryReportStore, LocalFileSource, MemoryCheckpointStore

# The CLI has no invocation limit; a pause only happens after a transient PayNow failure.
MAX_PASSES = 20
SHOWN_REJECTIONS = 20


class _LocalContinuer:
    def __init__(self) -> None:
        self.pending = False

    def continue_import(self, payload: Mapping[str, Any]) -> None:
        self.pending = True


def _client(environ: Mapping[str, str]) -> PayNowClient:
    if environ.get("PAYNOW_API_KEY"):
        store_id = environ.get("PAYNOW_STORE_ID")
        if not store_id:
            raise SystemExit("PAYNOW_STORE_ID is not set")
        return PayNowClient(
            store_id,
            environ["PAYNOW_API_KEY"],
            base_url=environ.get("PAYNOW_API_URL") or "https://api.paynow.gg",
        )
    try:
        return client_from_environment(environ)
    except ValueError as exc:
        raise SystemExit(f"{exc} (or set PAYNOW_API_KEY)") from None


def run(
    path: Path,
    *,
    dry_run: bool,
    report_dir: Path,
    mode: ExistingMode = ExistingMode.SKIP,
    concurrency: int = 4,
    client: PayNowClient | None = None,
    show_progress: bool = True,
) -> Summary:
    source = LocalFileSource(path)
    continuer = _LocalContinuer()
    size = path.stat().st_size
    bar = tqdm(
        total=size, unit="B", unit_scale=True, desc=path.name, disable=not show_progress, file=sys.stderr
    )

    def progress(state: ImportState) -> None:
        bar.update(state.offset - bar.n)
        bar.set_postfix(rows=state.counts.total, rejected=state.counts.rejected, refresh=False)

    service = ImportService(
        source=source,
        reports=DirectoryReportStore(report_dir),
        checkpoints=MemoryCheckpointStore(),
        api=client,
        events=None,
        continuer=continuer,
        config=ImportConfig(
            reports_prefix="",
            incoming_prefix="",
            existing_mode=mode,
            concurrency=concurrency,
            max_hops=MAX_PASSES,
            hop_reserve_seconds=0.0,
            dry_run=dry_run,
            # Without a bar, skip the per-segment callback (it formats the bar's postfix even when hidden).
            progress=progress if show_progress else None,
        ),
    )
    request = ImportRequest(bucket="local", key=path.name)
    try:
        for _ in range(MAX_PASSES):
            continuer.pending = False
            summary = service.handle(request, deadline=Deadline.after(365 * 24 * 3600.0), owner="cli")
            if not continuer.pending:
                break
    finally:
        bar.close()
    return summary


def _print(summary: Summary, out: Any) -> None:
    counts = summary.counts
    print(summary.model_dump_json(indent=2), file=out)
    if (
        summary.rejected_report
        and Path(summary.rejected_report).is_file()
        and (counts.rejected or counts.duplicates_in_file)
    ):
        print(f"\nrejected rows (first {SHOWN_REJECTIONS}; all in {summary.rejected_report}):", file=out)
        # The report is in the upload's delimiter and encoding (a BOM, if any, is read as part of row 0).
        encoding = summary.report_encoding or ReportEncoding.UTF8_BOM
        with Path(summary.rejected_report).open(encoding=encoding.codec, newline="") as handle:
            for index, row in enumerate(csv.reader(handle, delimiter=summary.delimiter or ",")):
                if index > SHOWN_REJECTIONS:
                    break
                if index:
                    print(f"  line {row[0]}: {row[2]}", file=out)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m import_tools.cli", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    validate = sub.add_parser("validate", help="dry run: read and validate, no PayNow calls")
    do_import = sub.add_parser("import", help="import into PayNow")
    for command in (validate, do_import):
        command.add_argument("file", type=Path)
        command.add_argument("--report-dir", type=Path, default=Path("import-reports"))
        command.add_argument("--quiet", action="store_true", help="no progress bar")
    do_import.add_argument("--mode", choices=[m.value for m in ExistingMode], default=ExistingMode.SKIP.value)
    do_import.add_argument("--concurrency", type=int, default=4)
    args = parser.parse_args(argv)
    if not args.file.is_file():
        parser.error(f"{args.file} is not a file")
    client = None if args.command == "validate" else _client(os.environ)
    try:
        summary = run(
            args.file,
            dry_run=args.command == "validate",
            report_dir=args.report_dir,
            mode=ExistingMode(getattr(args, "mode", "skip")),
            concurrency=getattr(args, "concurrency", 4),
            client=client,
            show_progress=not args.quiet,
        )
    finally:
        if client is not None:
            client.close()
    _print(summary, sys.stdout)
    if summary.status is not ImportStatus.COMPLETED:
        return 2
    return 1 if summary.counts.rejected else 0


if __name__ == "__main__":
    sys.exit(main())
