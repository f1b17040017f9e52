"""How the report CSVs are written: in the upload's delimiter and text encoding, safe in a spreadsheet.

A spreadsheet opens a report the way it opened the upload only if the report follows the same
conventions: Excel reads a UTF-8 file as UTF-8 only when it starts with a BOM, and reads a file
without one in the local code page (Windows-1252 in western locales). So a report keeps the upload's
delimiter, its BOM (or its absence) and, for a Windows-1252 upload, that encoding.
"""

from __future__ import annotations

import csv
import io
from codecs import BOM_UTF8
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

# A cell starting with one of these is evaluated as a formula by Excel/Sheets/LibreOffice.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
# What a character the report's encoding cannot represent is written as.
REPLACEMENT = "?"


# What decoding with errors="replace" makes of bytes it cannot decode.
DECODE_REPLACEMENT = "\N{REPLACEMENT CHARACTER}"


def _encodes(text: str, codec: str) -> bool:
    try:
        text.encode(codec)
    except UnicodeEncodeError:
        return False
    return True


def neutralise(value: str) -> str:
    """Make a cell inert in spreadsheets by prefixing a quote (OWASP CSV injection guidance)."""
    return "'" + value if value.startswith(FORMULA_TRIGGERS) else value


class ReportEncoding(StrEnum):
    """The upload's text convention, which the reports follow."""

    UTF8_BOM = "utf-8 with BOM"
    UTF8 = "utf-8"
    WINDOWS_1252 = "windows-1252"

    @classmethod
    def of_upload(cls, *, bom: bool, windows_1252: bool, utf8_text: bool) -> ReportEncoding:
        """A BOM settles it; text that is not UTF-8 was written in Windows-1252, unless UTF-8 text is
        mixed in: then UTF-8 with a BOM, which holds every character and which Excel reads."""
        if bom or (windows_1252 and utf8_text):
            return cls.UTF8_BOM
        return cls.WINDOWS_1252 if windows_1252 else cls.UTF8

    @property
    def codec(self) -> str:
        """The Python codec (the BOM is written once, by the header, never per part)."""
        return "cp1252" if self is ReportEncoding.WINDOWS_1252 else "utf-8"


@dataclass(frozen=True, slots=True)
class Encoded:
    """Report bytes, and how many of its rows had characters the encoding cannot represent (each
    written as ``REPLACEMENT``)."""

    data: bytes
    replaced_rows: int = 0


@dataclass(frozen=True, slots=True)
class ReportFormat:
    delimiter: str = ","
    encoding: ReportEncoding = ReportEncoding.UTF8_BOM

    def header(self, cells: list[str]) -> Encoded:
        """The first row of a report (the BOM, when the upload had one, goes before it)."""
        encoded = self.rows([cells])
        if self.encoding is not ReportEncoding.UTF8_BOM:
            return encoded
        return Encoded(BOM_UTF8 + encoded.data, encoded.replaced_rows)

    def rows(self, rows: Iterable[list[str]]) -> Encoded:
        """Rows as CSV (CRLF line ends, quoted where needed) in the report's encoding."""
        rows = list(rows)
        try:
            return Encoded(self._text(rows).encode(self.encoding.codec))
        except UnicodeEncodeError:
            return self._replacing(rows)

    def _replacing(self, rows: list[list[str]]) -> Encoded:
        """Rare (a character outside Windows-1252): encode row by row to count the rows affected."""
        codec = self.encoding.codec
        parts: list[bytes] = []
        replaced = 0
        for row in rows:
            text = self._text([row])
            try:
                parts.append(text.encode(codec))
            except UnicodeEncodeError:
                parts.append(text.encode(codec, errors="replace"))
                # U+FFFD stands for bytes the upload's encoding left undefined (the row was rejected
                # as undecodable): '?' loses nothing the upload held, so it is not counted.
                replaced += not _encodes(text.replace(DECODE_REPLACEMENT, ""), codec)
        return Encoded(b"".join(parts), replaced)

    def _text(self, rows: list[list[str]]) -> str:
        buffer = io.StringIO()
        csv.writer(buffer, delimiter=self.delimiter, lineterminator="\r\n").writerows(rows)
        return buffer.getvalue()
