import io

import pytest
from customers.importer.reading import csvreader
from customers.importer.reading.csvreader import (
    CsvFileError,
    Position,
    RecordReader,
    read_header,
    sample_text,
    sniff_delimiter,
)
from hypothesis import given
from hypothesis import strategies as st


def _stream(data: bytes) -> io.BufferedReader:
    return io.BufferedReader(io.BytesIO(data))


def _read(data: bytes) -> tuple[list[str], list[tuple[int, list[str]]], RecordReader]:
    header = read_header(_stream(data))
    stream = _stream(data)
    stream.seek(header.end.offset)
    reader = RecordReader(stream, header.end, header.delimiter)
    return header.fields, [(line, fields) for line, fields, _ in reader], reader


@pytest.mark.parametrize(
    ("data", "expected_header", "expected_rows"),
    [
        (b"steam_id,name\n1,Ann\n", ["steam_id", "name"], [(2, ["1", "Ann"])]),
        (b"\xef\xbb\xbfsteam_id,name\r\n1,Ann\r\n", ["steam_id", "name"], [(2, ["1", "Ann"])]),
        (b"steam_id;name\n1;Ann\n", ["steam_id", "name"], [(2, ["1", "Ann"])]),
        (b"steam_id\tname\n1\tAnn\n", ["steam_id", "name"], [(2, ["1", "Ann"])]),
        ("steam_id,name\n1,Zoë\n".encode("cp1252"), ["steam_id", "name"], [(2, ["1", "Zoë"])]),
        (
            b'steam_id,name\n1,"two\r\nlines"\n2,B\n',
            ["steam_id", "name"],
            [(2, ["1", "two\r\nlines"]), (4, ["2", "B"])],
        ),
        (b"steam_id,name\n\n1,A\n\r\n  \n,\n2,B", ["steam_id", "name"], [(3, ["1", "A"]), (7, ["2", "B"])]),
        (b"\n\nsteam_id,name\n1,A\n", ["steam_id", "name"], [(4, ["1", "A"])]),
    ],
    ids=[
        "utf8",
        "bom-crlf",
        "semicolon",
        "tab",
        "cp1252",
        "embedded-newline",
        "blank-lines",
        "leading-blank",
    ],
)
def test_dialects(
    data: bytes, expected_header: list[str], expected_rows: list[tuple[int, list[str]]]
) -> None:
    header, rows, _ = _read(data)
    assert header == expected_header
    assert rows == expected_rows


def test_cp1252_byte_late_in_a_utf8_file_is_decoded_not_fatal() -> None:
    body = b"".join(b"7656119800%07d,name%d\n" % (i, i) for i in range(5000))
    data = (
        b"steam_id,name\n"
        + body
        + "7656119899999999,Ren\u00e9e\n".encode("cp1252")
        + "1,Jos\u00e9\n".encode()
    )
    _, rows, reader = _read(data)
    assert rows[-2][1] == ["7656119899999999", "Ren\u00e9e"]
    assert rows[-1][1] == ["1", "Jos\u00e9"]
    assert reader.cp1252_lines == 1


def _records_with_positions(
    data: bytes, start: Position, block: int
) -> list[tuple[int, list[str], Position]]:
    stream = _stream(data)
    stream.seek(start.offset)
    reader = RecordReader(stream, start, ",")
    return [(line, fields, reader.position) for line, fields, _ in reader]


@pytest.mark.parametrize("block", [8, 64, 1 << 20])
def test_resuming_at_a_record_end_yields_exactly_the_remaining_records(
    block: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Small blocks put records (and a multi-line quoted field) across block boundaries.
    monkeypatch.setattr(csvreader, "BLOCK_BYTES", block)
    data = (
        'steam_id,name\r\n1,a\r\n2,"b\nb\u00e9"\r\n\r\n3,c\r\n'.encode()
        + "4,\u00e9\n".encode("cp1252")
        + b"5,d"
    )
    header = read_header(_stream(data))
    records = _records_with_positions(data, header.end, block)
    assert [(line, fields) for line, fields, _ in records] == [
        (2, ["1", "a"]),
        (3, ["2", "b\nb\u00e9"]),
        (6, ["3", "c"]),
        (7, ["4", "\u00e9"]),
        (8, ["5", "d"]),
    ]
    assert records[-1][2] == Position(len(data), 8)
    for index, (_, _, position) in enumerate(records):
        rest = _records_with_positions(data, position, block)
        assert [(line, fields) for line, fields, _ in rest] == [
            (line, f) for line, f, _ in records[index + 1 :]
        ]


def _records(data: bytes) -> tuple[list[tuple[int, list[str], str | None]], RecordReader]:
    header = read_header(_stream(data))
    stream = _stream(data)
    stream.seek(header.end.offset)
    reader = RecordReader(stream, header.end, header.delimiter)
    return list(reader), reader


def test_an_unclosed_quote_past_the_field_limit_stops_reading_instead_of_resyncing() -> None:
    # The lines after the quote are inside a cell: not one of them may come out as a record.
    filler = b"".join(b"76561198%09d,%s\n" % (i, b"y" * 100) for i in range(2000))  # > field limit
    data = b'steam_id,name\n76561198000000001,Ann\n1,"never closed\n' + filler
    records, reader = _records(data)
    assert [(line, fields) for line, fields, _ in records] == [(2, ["76561198000000001", "Ann"]), (3, [])]
    error = records[-1][2]
    assert error is not None
    assert "unclosed quote" in error
    assert "line 3 and everything after it was not read" in error
    assert reader.rest_unread == error


@pytest.mark.parametrize("cut_inside_quote", [False, True])
def test_an_over_long_line_stops_reading_where_certainty_ends(cut_inside_quote: bool) -> None:
    opener = b'2,"quoted\n' if cut_inside_quote else b""
    data = (
        b"steam_id,name\n1,Ann\n" + opener + b"3," + b"z" * (csvreader.MAX_LINE_BYTES + 10) + b"\n4,after\n"
    )
    records, reader = _records(data)
    lines = [(line, fields) for line, fields, _ in records]
    assert lines[0] == (2, ["1", "Ann"])
    assert ["4", "after"] not in [fields for _, fields in lines]
    assert lines[-1] == (3, [])
    assert reader.rest_unread is not None
    assert "line 3 and everything after it was not read" in reader.rest_unread
    if cut_inside_quote:
        assert "line 4 is longer than" in reader.rest_unread
        assert "quoted record that starts on line 3" in reader.rest_unread
    else:
        assert "line 3 is longer than" in reader.rest_unread


def test_a_stray_carriage_return_rejects_its_line_only() -> None:
    records, reader = _records(b"steam_id,name\n1,A\rnn\n2,Bob\n")
    assert [(line, fields) for line, fields, _ in records] == [(2, []), (3, ["2", "Bob"])]
    assert records[0][2] is not None
    assert reader.rest_unread is None


def test_header_with_too_many_columns_or_control_characters_is_refused() -> None:
    wide = ",".join(f"c{i}" for i in range(csvreader.MAX_HEADER_COLUMNS + 1)).encode()
    with pytest.raises(CsvFileError, match="columns; the limit is"):
        read_header(_stream(b"steam_id," + wide + b"\n"))
    with pytest.raises(CsvFileError, match="control characters"):
        read_header(_stream(b"steam_id," + b",".join([b"\x01"] * 100) + b"\n"))


@pytest.mark.parametrize("data", [b"\xff\xfes\x00t\x00", b"\xfe\xff\x00s", b"s\x00t\x00e\x00"])
def test_utf16_is_refused_with_advice(data: bytes) -> None:
    with pytest.raises(CsvFileError, match="UTF-16"):
        read_header(_stream(data))


def test_empty_file_is_refused() -> None:
    with pytest.raises(CsvFileError, match="empty"):
        read_header(_stream(b"\n\r\n"))


@pytest.mark.parametrize(
    ("line", "delimiter"),
    [("a,b;c", ","), ("a;b;c,d", ";"), ("a\tb\tc", "\t"), ("single", ","), ('"x;y",b,c', ",")],
)
def test_sniff_delimiter(line: str, delimiter: str) -> None:
    assert sniff_delimiter(line) == delimiter


def test_cr_only_line_endings_are_refused_with_advice() -> None:
    with pytest.raises(CsvFileError, match="CR-only"):
        read_header(_stream(b"steam_id,name\r76561198000000001,Ann\r"))


@given(st.text(st.characters(blacklist_categories=["Cs"]), max_size=200), st.integers(1, 64))
def test_utf8_text_cut_anywhere_by_the_sample_is_utf8(text: str, sample: int) -> None:
    data = text.encode("utf-8")
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(csvreader, "ENCODING_SAMPLE_BYTES", sample)
        seen = sample_text(_stream(data))
    complete = data[:sample].decode("utf-8", errors="ignore")  # a character cut at the end is neither
    assert seen == csvreader.TextSample(windows_1252=False, utf8_text=not complete.isascii())


def test_a_windows_1252_accent_at_the_samples_end_is_not_taken_for_utf8(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # 0xEB (ë) is also a UTF-8 lead byte: cut right after it, the last line looks like cut UTF-8.
    monkeypatch.setattr(csvreader, "ENCODING_SAMPLE_BYTES", 65)
    windows_1252 = ("1,Zoë\n" * 12).encode("cp1252")
    assert windows_1252[64:65] == b"\xeb"
    assert sample_text(_stream(windows_1252)) == csvreader.TextSample(windows_1252=True, utf8_text=False)
    ascii_first = b"1,Ann\n" * 10 + windows_1252
    assert ascii_first[64:65] == b"\xeb"
    assert sample_text(_stream(ascii_first)) == csvreader.TextSample(windows_1252=False, utf8_text=False)


@given(
    st.text(st.characters(min_codepoint=0x20, max_codepoint=0x7E), max_size=40),
    st.sampled_from("éüñßÀ€"),
    st.text(st.characters(min_codepoint=0x20, max_codepoint=0x7E), max_size=40),
)
def test_windows_1252_accents_within_the_sample_are_not_utf8(before: str, accent: str, after: str) -> None:
    data = f"{before}{accent}{after}\n".encode("cp1252")
    assert sample_text(_stream(data)) == csvreader.TextSample(windows_1252=True, utf8_text=False)
    utf8 = data.replace(accent.encode("cp1252"), accent.encode("utf-8"))
    assert sample_text(_stream(utf8)) == csvreader.TextSample(windows_1252=False, utf8_text=True)
    # Both kinds of line in one file: the sample sees both.
    assert sample_text(_stream(data + utf8)) == csvreader.TextSample(windows_1252=True, utf8_text=True)


def test_an_ascii_sample_holds_neither_kind_of_text() -> None:
    assert sample_text(_stream(b"76561198000000001,Ann\n")) == csvreader.TextSample(False, False)


def test_the_header_line_itself_can_show_windows_1252() -> None:
    assert read_header(_stream("steam_id,prénom\n1,A\n".encode("cp1252"))).windows_1252
    assert not read_header(_stream("steam_id,prénom\n1,A\n".encode())).windows_1252


def test_a_utf8_header_over_windows_1252_data_counts_as_both_kinds_of_text() -> None:
    stream = _stream("steam_id,metadata.prénom\n".encode() + "1,Zoë\n".encode("cp1252"))
    header = read_header(stream)
    assert header.text == csvreader.TextSample(windows_1252=False, utf8_text=True)
    assert header.text | sample_text(stream) == csvreader.TextSample(windows_1252=True, utf8_text=True)
