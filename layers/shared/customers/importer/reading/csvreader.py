"""Streaming CSV records with exact byte offsets, so an import can stop anywhere and resume there.

The file is read in blocks of whole lines (``\\n`` is one byte in both UTF-8 and cp1252, never inside
a multi-byte sequence). A block is decoded as UTF-8 at once; if that fails, its lines are decoded one
by one, UTF-8 first and Windows-1252 for a line that is not valid UTF-8. Deciding per line means a
cp1252 byte deep inside an otherwise UTF-8 file cannot crash the import, and a valid UTF-8 line is
never mis-decoded (cp1252 text with accents is practically never valid UTF-8). ``csv.reader`` pulls
lines only as it needs them, so after each record the lines consumed give the exact byte position
where the next record starts.
"""

from __future__ import annotations

import csv
import itertools
from codecs import BOM_UTF8
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, BinaryIO

DELIMITERS = (",", ";", "\t")
UNDECODABLE = "\ufffd"
# A real export's header is a few hundred bytes. The header is kept in the checkpoint (a DynamoDB item,
# 400 KB) and echoed by the summary event (EventBridge, 256 KB), so anything near those is refused.
HEADER_LIMIT = 32 << 10
# Identifiers, name, platform and PayNow's 50 metadata keys need a few dozen columns; exports with
# extra columns stay far below this. It bounds what the checkpoint and the reports carry per column.
MAX_HEADER_COLUMNS = 500
_CONTROL = frozenset(chr(c) for c in range(32)) - {"\t"} | {"\x7f"}


class CsvFileError(Exception):
    """The file as a whole cannot be read as a CSV import (reported before any PayNow call)."""


@dataclass(frozen=True, slots=True)
class Position:
    """Where reading stands: byte offset of the next unread line and physical lines consumed so far."""

    offset: int
    line: int


# One CSV record: the 1-based physical line it starts on, its fields, and an error for a malformed
# record (then the fields are empty). A plain tuple: a million of them go by.
Record = tuple[int, list[str], str | None]


@dataclass(frozen=True, slots=True)
class TextSample:
    """What the start of the data holds: lines that are not UTF-8 (so Windows-1252) and lines of
    non-ASCII UTF-8; a file pasted together from two sources holds both."""

    windows_1252: bool
    utf8_text: bool

    def __or__(self, other: TextSample) -> TextSample:
        return TextSample(self.windows_1252 or other.windows_1252, self.utf8_text or other.utf8_text)


@dataclass(frozen=True, slots=True)
class Header:
    fields: list[str]
    delimiter: str
    bom: bool
    end: Position
    windows_1252: bool = False  # the header line is not UTF-8

    @property
    def text(self) -> TextSample:
        """The header line's own kind of text, to combine with ``sample_text`` of the data."""
        return TextSample(self.windows_1252, not self.windows_1252 and not "".join(self.fields).isascii())


class _Lines:
    """Decoded lines of a binary stream, counting bytes and lines consumed (header reading).

    Reading stops with ``CsvFileError`` past ``limit`` bytes, so neither a file without newlines
    nor an unclosed quote in the header can make the header swallow the file.
    """

    __slots__ = ("_end", "_limit", "_stream", "cp1252_lines", "line", "offset")

    def __init__(self, stream: BinaryIO, start: Position, limit: int) -> None:
        self._stream = stream
        self.offset = start.offset
        self.line = start.line
        self.cp1252_lines = 0
        self._limit = limit
        self._end = start.offset + limit

    def __iter__(self) -> _Lines:
        return self

    def __next__(self) -> str:
        budget = self._end - self.offset
        raw = self._stream.readline(budget + 1)
        if not raw:
            raise StopIteration
        if len(raw) > budget:
            raise CsvFileError(
                f"no header line within the first {self._limit // 1024} KiB (an unclosed quote in the "
                "header, or not a CSV file?)"
            )
        size = len(raw)
        self.offset += size
        self.line += 1
        try:
            return raw.decode("utf-8")
        except UnicodeDecodeError:
            self.cp1252_lines += 1
            # The five bytes cp1252 leaves undefined become U+FFFD; row validation rejects those rows.
            return raw.decode("cp1252", errors="replace")


# Names the importer reads as text (any letter case); the content decides whether it is a usable CSV.
TEXT_SUFFIXES = (".csv", ".txt", ".tsv")
_SAVE_AS_CSV = "save it as 'CSV UTF-8' in your spreadsheet (File > Save As) and upload the .csv file"
_KNOWN_OTHERS = {
    ".xlsx": "an Excel workbook",
    ".xlsm": "an Excel workbook",
    ".xls": "an Excel workbook",
    ".numbers": "a Numbers spreadsheet",
    ".ods": "an OpenDocument spreadsheet",
    ".json": "a JSON file",
    ".zip": "a zip archive",
    ".gz": "a compressed file",
}
# Workbooks are zip (xlsx, numbers, ods) or OLE (xls) containers.
_CONTAINER_MAGIC = (b"PK\x03\x04", b"\xd0\xcf\x11\xe0")


def name_problem(key: str) -> str | None:
    """Why an object of this name is not imported (None: read it). Case never matters."""
    name = key.rsplit("/", 1)[-1]
    lowered = name.lower()
    if lowered.endswith(TEXT_SUFFIXES):
        return None
    suffix = "." + lowered.rsplit(".", 1)[-1] if "." in lowered else ""
    kind = _KNOWN_OTHERS.get(suffix, f"a {suffix} file" if suffix else "a file without extension")
    return f"{name[:100]!r} is {kind}, not CSV: {_SAVE_AS_CSV}"


def read_header(stream: BinaryIO) -> Header:
    """Read the header record from the start of the file: BOM, delimiter and column names."""
    first = stream.peek(4)[:4] if hasattr(stream, "peek") else b""
    if first.startswith(_CONTAINER_MAGIC):
        raise CsvFileError(f"the file is a spreadsheet workbook, not CSV: {_SAVE_AS_CSV}")
    if first[:2] in (b"\xff\xfe", b"\xfe\xff") or (len(first) >= 2 and b"\x00" in first):
        raise CsvFileError(
            "the file is UTF-16; save it as 'CSV UTF-8' (or Windows-1252 CSV) and upload again"
        )
    bom = first[:3] == BOM_UTF8
    offset = 0
    if bom:
        stream.read(3)
        offset = 3
    lines = _Lines(stream, Position(offset, 0), HEADER_LIMIT)
    for text in lines:
        if not text.strip():
            continue
        if "\r" in text.rstrip("\r\n"):
            raise CsvFileError("the file uses CR-only line endings (classic Mac); save it with CRLF or LF")
        delimiter = sniff_delimiter(text)
        head: list[str] = []
        try:
            if text.rstrip("\r\n").count('"') % 2 == 0:
                head = next(csv.reader([text], delimiter=delimiter))
            else:
                # A quoted header cell with an embedded newline: let csv pull the rest.
                def _rest(first_text: str = text) -> Iterator[str]:
                    yield first_text
                    yield from lines

                head = next(csv.reader(_rest(), delimiter=delimiter))
        except csv.Error as exc:
            raise CsvFileError(f"the header line is not valid CSV ({exc})") from None
        _check_header(head)
        return Header(
            fields=head,
            delimiter=delimiter,
            bom=bom,
            end=Position(lines.offset, lines.line),
            windows_1252=lines.cp1252_lines > 0,
        )
    raise CsvFileError("the file is empty (no header line)")


# How much of the data the first hop reads to tell a UTF-8 upload from a Windows-1252 one.
ENCODING_SAMPLE_BYTES = 1 << 20


def sample_text(stream: BinaryIO) -> TextSample:
    """The next ``ENCODING_SAMPLE_BYTES`` of the stream, line by line (a character cut by the
    sample's end counts as neither). Accented Windows-1252 text is practically never valid UTF-8."""
    sample = stream.read(ENCODING_SAMPLE_BYTES)
    if sample.isascii():
        return TextSample(windows_1252=False, utf8_text=False)
    try:
        sample.decode("utf-8")
    except UnicodeDecodeError:
        pass
    else:
        return TextSample(windows_1252=False, utf8_text=True)
    cut = len(sample) == ENCODING_SAMPLE_BYTES
    lines = sample.split(b"\n")
    windows_1252 = utf8_text = False
    for number, line in enumerate(lines, start=1):
        if line.isascii():
            continue
        try:
            line.decode("utf-8")
        except UnicodeDecodeError as exc:
            at_cut = cut and number == len(lines) and exc.end == len(line)
            if at_cut and exc.reason == "unexpected end of data":
                # Valid up to a character the sample's end cut: UTF-8 text only if some came before
                # (a lone Windows-1252 accent at the cut looks like a cut UTF-8 lead byte).
                utf8_text = utf8_text or not line[: exc.start].isascii()
            else:
                windows_1252 = True
        else:
            utf8_text = True
        if windows_1252 and utf8_text:
            break  # nothing more to learn
    return TextSample(windows_1252=windows_1252, utf8_text=utf8_text)


def _check_header(head: list[str]) -> None:
    if len(head) > MAX_HEADER_COLUMNS:
        raise CsvFileError(
            f"the header has {len(head)} columns; the limit is {MAX_HEADER_COLUMNS} (remove unused columns)"
        )
    for index, cell in enumerate(head, start=1):
        if not _CONTROL.isdisjoint(cell):
            raise CsvFileError(
                f"header column {index} contains control characters: is this really a CSV text file?"
            )


def sniff_delimiter(header_line: str) -> str:
    """The delimiter used in the header: the most frequent of ``,`` ``;`` and tab (``,`` on a tie)."""
    counts = {d: header_line.count(d) for d in DELIMITERS}
    best = max(DELIMITERS, key=lambda d: counts[d])
    return best if counts[best] > 0 else ","


class _Block:
    """Consecutive whole lines of the file, decoded, with what is needed to map lines back to bytes."""

    __slots__ = ("_known_count", "_known_offset", "byte_lens", "first_line", "lines", "start")

    def __init__(self, start: int, first_line: int, lines: list[str], byte_lens: list[int] | None) -> None:
        self.start = start
        self.first_line = first_line
        self.lines = lines
        self.byte_lens = byte_lens  # None: the block is ASCII, one byte per character
        # Positions are asked for in increasing order: continue from the last answer.
        self._known_count = 0
        self._known_offset = start

    def offset_after(self, count: int) -> int:
        """Byte offset after the first ``count`` lines of this block."""
        if count < self._known_count:
            self._known_count, self._known_offset = 0, self.start
        begin = self._known_count
        if self.byte_lens is None:
            added = sum(map(len, self.lines[begin:count]))
        else:
            added = sum(self.byte_lens[begin:count])
        self._known_count, self._known_offset = count, self._known_offset + added
        return self._known_offset


BLOCK_BYTES = 256 << 10
# No real export has a physical line this long; past it the reader cannot know where records start.
MAX_LINE_BYTES = 256 << 10
# Fed to csv after the last line read before an over-long line: a non-character, never in real text.
_STOP = "\ufdd0"


class RecordReader:
    """Data records from ``start`` (a position returned earlier). Blank lines are skipped.

    The file is read in blocks of whole lines that are decoded at once (C speed); ``csv.reader``
    consumes their lines through ``itertools.chain`` so no Python code runs per line. A record with a
    stray line break outside quotes is yielded once with ``error`` set, and reading continues after it.
    A line over ``MAX_LINE_BYTES`` or a field over ``csv.field_size_limit`` (an unclosed quote) means
    the reader no longer knows where a record starts: resynchronising could import text from inside a
    cell as a row. It yields one error record at the line where certainty ended, sets
    ``rest_unread`` and stops.
    """

    def __init__(self, stream: BinaryIO, start: Position, delimiter: str) -> None:
        self._stream = stream
        self._delimiter = delimiter
        self._blocks: list[_Block] = []
        self._next_offset = start.offset
        self._next_line = start.line  # lines held in blocks so far (absolute count)
        self._base = start.line  # lines consumed before the current csv reader (absolute count)
        self._reader: Any = None
        self.cp1252_lines = 0
        # After the last line (or before an over-long one) csv is fed one ``_STOP`` line: read as a
        # record of its own, input ended cleanly; swallowed into a cell, a quote was left open.
        self._ended = False
        self._overlong_line: int | None = None
        # Set when reading stopped early: why, and the rest of the file from that line was not read.
        self.rest_unread: str | None = None

    @property
    def lines_consumed(self) -> int:
        """Physical lines read so far (absolute), i.e. the last line of the record just yielded."""
        return self._base + (self._reader.line_num if self._reader is not None else 0)

    @property
    def position(self) -> Position:
        """Where the next unread record starts (exact while iteration is suspended after a record)."""
        consumed = self.lines_consumed
        return Position(self._offset_of(consumed), consumed)

    def _offset_of(self, line_count: int) -> int:
        for block in reversed(self._blocks):
            if block.first_line <= line_count:
                return block.offset_after(line_count - block.first_line)
        return self._next_offset

    def _read_blocks(self) -> Iterator[list[str]]:
        stream = self._stream
        while True:
            raw = stream.read(BLOCK_BYTES)
            if not raw:
                self._ended = True
                yield [_STOP + "\n"]
                return
            if not raw.endswith(b"\n"):
                # Complete the last line, bounded: a file without newlines must not be read whole.
                tail = len(raw) - raw.rfind(b"\n") - 1
                rest = stream.readline(max(MAX_LINE_BYTES - tail, 0) + 1)
                raw += rest
                if not raw.endswith(b"\n") and tail + len(rest) > MAX_LINE_BYTES:
                    whole = raw[: len(raw) - tail - len(rest)]
                    if whole:
                        yield self._keep(self._decode(whole)).lines
                    self._overlong_line = self._next_line + 1
                    self._ended = True
                    yield [_STOP + "\n"]
                    return
            yield self._keep(self._decode(raw)).lines

    def _keep(self, block: _Block) -> _Block:
        # Keep only blocks a record in progress may still refer to.
        consumed = self.lines_consumed
        self._blocks = [b for b in self._blocks if b.first_line + len(b.lines) > consumed]
        self._blocks.append(block)
        return block

    def _decode(self, raw: bytes) -> _Block:
        start, first_line = self._next_offset, self._next_line
        parts = raw.split(b"\n")
        last = parts.pop()  # after the final newline: b"" unless the file ends without one
        byte_lens: list[int] | None = None
        try:
            text = raw.decode("utf-8")
            lines = [line + "\n" for line in text.split("\n")]
            if not raw.isascii():
                byte_lens = [len(p) + 1 for p in parts]
        except UnicodeDecodeError:
            lines = [self._decode_line(part) + "\n" for part in parts]
            lines.append(self._decode_line(last) + "\n")
            byte_lens = [len(p) + 1 for p in parts]
        if last:
            lines[-1] = lines[-1][:-1]
            if byte_lens is not None:
                byte_lens.append(len(last))
        else:
            lines.pop()
        self._next_offset += len(raw)
        self._next_line += len(lines)
        return _Block(start, first_line, lines, byte_lens)

    def _decode_line(self, raw: bytes) -> str:
        try:
            return raw.decode("utf-8")
        except UnicodeDecodeError:
            self.cp1252_lines += 1
            # The five bytes cp1252 leaves undefined become U+FFFD; row validation rejects those rows.
            return raw.decode("cp1252", errors="replace")

    def __iter__(self) -> Iterator[Record]:
        lines = itertools.chain.from_iterable(self._read_blocks())
        delimiter = self._delimiter
        while True:
            reader = csv.reader(lines, delimiter=delimiter, strict=False)
            self._reader = reader
            base = self._base
            previous = 0
            while True:
                try:
                    fields = next(reader)
                except StopIteration:
                    return
                except csv.Error as exc:
                    start = base + previous + 1
                    if "new-line character" in str(exc) and reader.line_num - previous == 1:
                        # A stray CR outside quotes: the record ended with its line; go on after it.
                        yield (start, [], f"malformed CSV record ({exc})")
                        break
                    yield self._stop(
                        start,
                        f"a field is longer than {csv.field_size_limit() // 1024} KiB (an unclosed quote?)",
                    )
                    return
                if self._ended and fields and _STOP in fields[-1]:
                    self._base = base - 1  # the stop line is not part of the file
                    if self._overlong_line is not None or fields != [_STOP]:
                        yield self._stop(*self._end_stop(base + previous + 1, fields))
                    return
                # Blank and whitespace-only records are skipped; a filled first cell settles it cheaply.
                if fields and (fields[0].strip() or "".join(fields).strip()):
                    yield (base + previous + 1, fields, None)
                previous = reader.line_num
            self._base = base + reader.line_num

    def _end_stop(self, start: int, fields: list[str]) -> tuple[int, str]:
        """Where reading stops at an over-long line or the end of the file: there, or where a quoted
        record left open began."""
        if self._overlong_line is None:
            return start, f"the quote opened in the record on line {start} is never closed"
        reason = f"line {self._overlong_line} is longer than {MAX_LINE_BYTES // 1024} KiB"
        if fields == [_STOP]:
            return self._overlong_line, reason
        return start, reason + f" and cuts the quoted record that starts on line {start}"

    def _stop(self, line: int, reason: str) -> Record:
        self.rest_unread = (
            f"{reason}: line {line} and everything after it was not read. Rows before line {line} were "
            f"imported; fix the file and upload line {line} onwards again"
        )
        return (line, [], self.rest_unread)
