"""Streaming CSV records with exact byte offsets, so an import can stop anywhere and resume there.

Lines are read as bytes (``\\n`` is one byte in both UTF-8 and cp1252, never inside a multi-byte
sequence) and decoded one by one: UTF-8 first, Windows-1252 when a line is not valid UTF-8. Deciding
per line means a cp1252 byte deep inside an otherwise ASCII/UTF-8 file cannot crash the import, and a
valid UTF-8 line is never mis-decoded (cp1252 text with accents is practically never valid UTF-8).
``csv.reader`` pulls lines only as it needs them, so after each record the consumed byte count is the
exact position where the next record starts.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from dataclasses import dataclass
from typing import BinaryIO

BOM_UTF8 = b"\xef\xbb\xbf"
DELIMITERS = (",", ";", "\t")
# A quoted field that never closes would otherwise swallow the rest of the file into one record.
MAX_RECORD_BYTES = 256 * 1024
MAX_RECORD_LINES = 500
UNDECODABLE = "\ufffd"


class CsvFileError(Exception):
    """The file as a whole cannot be read as a CSV import (reported before any PayNow call)."""


class _RecordTooLargeError(Exception):
    pass


@dataclass(frozen=True, slots=True)
class Position:
    """Where reading stands: byte offset of the next unread line and physical lines consumed so far."""

    offset: int
    line: int


@dataclass(frozen=True, slots=True)
class Record:
    """One CSV record. ``line`` is the 1-based physical line it starts on; ``end`` is after its last byte."""

    line: int
    fields: list[str]
    end: Position
    error: str | None = None


@dataclass(frozen=True, slots=True)
class Header:
    fields: list[str]
    delimiter: str
    bom: bool
    end: Position


class _Lines:
    """Decoded lines of a binary stream, counting bytes and lines consumed."""

    __slots__ = ("_it", "cp1252_lines", "line", "offset", "record_bytes", "record_lines")

    def __init__(self, stream: BinaryIO, start: Position) -> None:
        self._it = iter(stream)
        self.offset = start.offset
        self.line = start.line
        self.record_bytes = 0
        self.record_lines = 0
        self.cp1252_lines = 0

    def __iter__(self) -> _Lines:
        return self

    def __next__(self) -> str:
        raw = next(self._it)
        size = len(raw)
        self.offset += size
        self.line += 1
        self.record_bytes += size
        self.record_lines += 1
        if self.record_bytes > MAX_RECORD_BYTES or self.record_lines > MAX_RECORD_LINES:
            raise _RecordTooLargeError
        try:
            return raw.decode("utf-8")
        except UnicodeDecodeError:
            self.cp1252_lines += 1
            # The five bytes cp1252 leaves undefined become U+FFFD; row validation rejects those rows.
            return raw.decode("cp1252", errors="replace")


def read_header(stream: BinaryIO) -> Header:
    """Read the header record from the start of the file: BOM, delimiter and column names."""
    first = stream.peek(4)[:4] if hasattr(stream, "peek") else b""
    if first[:2] in (b"\xff\xfe", b"\xfe\xff") or (len(first) >= 2 and b"\x00" in first):
        raise CsvFileError(
            "the file is UTF-16; save it as 'CSV UTF-8' (or Windows-1252 CSV) and upload again"
        )
    bom = first[:3] == BOM_UTF8
    offset = 0
    if bom:
        stream.read(3)
        offset = 3
    lines = _Lines(stream, Position(offset, 0))
    for text in lines:
        if not text.strip():
            continue
        delimiter = sniff_delimiter(text)
        head: list[str] = []
        if text.rstrip("\r\n").count('"') % 2 == 0:
            head = next(csv.reader([text], delimiter=delimiter))
        else:
            # A quoted header cell with an embedded newline: let csv pull the rest.
            def _rest(first_text: str = text) -> Iterator[str]:
                yield first_text
                yield from lines

            head = next(csv.reader(_rest(), delimiter=delimiter))
        return Header(fields=head, delimiter=delimiter, bom=bom, end=Position(lines.offset, lines.line))
    raise CsvFileError("the file is empty (no header line)")


def sniff_delimiter(header_line: str) -> str:
    """The delimiter used in the header: the most frequent of ``,`` ``;`` and tab (``,`` on a tie)."""
    counts = {d: header_line.count(d) for d in DELIMITERS}
    best = max(DELIMITERS, key=lambda d: counts[d])
    return best if counts[best] > 0 else ","


class RecordReader:
    """Data records from ``start`` (a position returned earlier). Blank lines are skipped.

    A malformed record (a quote that never closes, a record over the size limits) is yielded once
    with ``error`` set, and reading continues on the line after it.
    """

    def __init__(self, stream: BinaryIO, start: Position, delimiter: str) -> None:
        self._lines = _Lines(stream, start)
        self._delimiter = delimiter

    @property
    def cp1252_lines(self) -> int:
        """Lines that were not valid UTF-8 and were decoded as Windows-1252."""
        return self._lines.cp1252_lines

    @property
    def position(self) -> Position:
        return Position(self._lines.offset, self._lines.line)

    def __iter__(self) -> Iterator[Record]:
        lines = self._lines
        while True:
            reader = csv.reader(lines, delimiter=self._delimiter, strict=False)
            while True:
                record_start = lines.line + 1
                lines.record_bytes = 0
                lines.record_lines = 0
                try:
                    fields = next(reader)
                except StopIteration:
                    return
                except (csv.Error, _RecordTooLargeError) as exc:
                    problem = str(exc) or "record over the size limit"
                    yield Record(
                        record_start,
                        [],
                        Position(lines.offset, lines.line),
                        error=f"malformed CSV record ({problem}); check for an unclosed quote",
                    )
                    break
                if not any(fields) or not "".join(fields).strip():
                    continue
                yield Record(record_start, fields, Position(lines.offset, lines.line))
