"""Tests for reading user corpora from .txt, .jsonl and .csv files (optionally gzipped)."""

from __future__ import annotations

import csv
import gzip
import io
import json
from pathlib import Path

import pytest

from neurotopic.errors import NeurotopicError
from neurotopic.text.corpus import iter_corpus, read_corpus

SENTENCES = [
    "The central bank raised interest rates to slow inflation.",
    "Striker scores twice as the home side wins the cup final.",
    "A new vaccine trial reported fewer infections among older patients.",
    "Parliament votes on the budget after a long debate on taxes.",
]
TOPICS = ["economy", "sport", "health", "politics"]


def write_jsonl(path: Path, records: list[object]) -> Path:
    """Write one JSON value per line, gzip-compressed if the name ends in .gz."""
    data = "".join(json.dumps(record) + "\n" for record in records).encode("utf-8")
    path.write_bytes(gzip.compress(data) if path.name.endswith(".gz") else data)
    return path


def write_csv(path: Path, rows: list[list[str]]) -> Path:
    """Write rows with the csv module, gzip-compressed if the name ends in .gz."""
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    data = buffer.getvalue().encode("utf-8")
    path.write_bytes(gzip.compress(data) if path.name.endswith(".gz") else data)
    return path


def expect_error(
    path: Path, *needles: str, text_field: str = "text", label_field: str | None = None
) -> str:
    """Read ``path`` fully; assert a one-line NeurotopicError naming the file and ``needles``."""
    with pytest.raises(NeurotopicError) as info:
        read_corpus(path, text_field=text_field, label_field=label_field)
    message = str(info.value)
    assert "\n" not in message and "\r" not in message
    assert path.name in message
    for needle in needles:
        assert needle in message, (needle, message)
    return message


# --------------------------------------------------------------------------------------------
# Reading each format


def test_txt_one_document_per_line_skipping_blank_lines(tmp_path: Path) -> None:
    path = tmp_path / "news.txt"
    path.write_text(
        f"{SENTENCES[0]}\n\n   \n{SENTENCES[1]}\r\n\t\n{SENTENCES[2]}\n{SENTENCES[3]}",
        encoding="utf-8",
    )
    texts, labels = read_corpus(path)
    assert texts == SENTENCES
    assert labels is None
    assert list(iter_corpus(str(path))) == [(s, None) for s in SENTENCES]


def test_txt_keeps_unicode_and_strips_a_byte_order_mark(tmp_path: Path) -> None:
    path = tmp_path / "cafe.txt"
    path.write_bytes("\ufeffLe café servait des crêpes.\nZürich hosts the summit.\n".encode())
    texts, _ = read_corpus(path)
    assert texts == ["Le café servait des crêpes.", "Zürich hosts the summit."]


def test_txt_gz_and_upper_case_extension(tmp_path: Path) -> None:
    path = tmp_path / "NEWS.TXT.GZ"
    path.write_bytes(gzip.compress("\n".join(SENTENCES).encode("utf-8")))
    texts, labels = read_corpus(path)
    assert texts == SENTENCES
    assert labels is None


def test_jsonl_with_text_and_labels_of_every_kind(tmp_path: Path) -> None:
    records: list[object] = [
        {"id": 1, "body": SENTENCES[0], "topic": "economy"},
        {"id": 2, "body": SENTENCES[1], "topic": 7},
        {"id": 3, "body": SENTENCES[2], "topic": 0.5},
        {"id": 4, "body": SENTENCES[3], "topic": ["politics", "economy"]},
    ]
    path = write_jsonl(tmp_path / "articles.jsonl", records)
    texts, labels = read_corpus(path, text_field="body", label_field="topic")
    assert texts == SENTENCES
    assert labels == ["economy", 7, 0.5, ["politics", "economy"]]
    texts_only, no_labels = read_corpus(path, text_field="body")
    assert texts_only == SENTENCES
    assert no_labels is None


def test_jsonl_keeps_empty_texts_and_skips_blank_lines(tmp_path: Path) -> None:
    path = tmp_path / "mixed.jsonl"
    path.write_text(
        json.dumps({"text": SENTENCES[0], "label": "economy"})
        + "\n\n"
        + json.dumps({"text": "", "label": "none"})
        + "\n   \n"
        + json.dumps({"text": "Café owners protest \u201cunfair\u201d rents.", "label": "x"})
        + "\n",
        encoding="utf-8-sig",
    )
    texts, labels = read_corpus(path, label_field="label")
    assert texts == [SENTENCES[0], "", "Café owners protest \u201cunfair\u201d rents."]
    assert labels == ["economy", "none", "x"]


def test_jsonl_gz(tmp_path: Path) -> None:
    records: list[object] = [
        {"text": s, "topic": t} for s, t in zip(SENTENCES, TOPICS, strict=True)
    ]
    path = write_jsonl(tmp_path / "articles.jsonl.gz", records)
    texts, labels = read_corpus(path, label_field="topic")
    assert texts == SENTENCES
    assert labels == TOPICS


def test_csv_with_quoting_multiline_fields_and_labels(tmp_path: Path) -> None:
    multiline = "Floods closed the roads.\nSchools stayed shut, officials said."
    rows = [
        ["id", "text", "topic"],
        ["1", SENTENCES[0], "economy"],
        ["2", 'He said "we will win", and they did, 3-1.', "sport"],
        ["3", multiline, "weather"],
        ["4", "", "empty"],
    ]
    path = write_csv(tmp_path / "articles.csv", rows)
    texts, labels = read_corpus(path, label_field="topic")
    assert texts == [SENTENCES[0], 'He said "we will win", and they did, 3-1.', multiline, ""]
    assert labels == ["economy", "sport", "weather", "empty"]
    texts_only, no_labels = read_corpus(path)
    assert texts_only == texts
    assert no_labels is None


def test_csv_with_bom_crlf_blank_lines_and_a_huge_field(tmp_path: Path) -> None:
    huge = " ".join(["inflation"] * 40_000)  # 400k characters, over csv's default limit
    path = tmp_path / "big.csv"
    content = f'\ufefftitle,body\r\n\r\nRates,"{huge}"\r\nCup final,{SENTENCES[1]}\r\n'
    path.write_bytes(content.encode("utf-8"))
    texts, labels = read_corpus(path, text_field="body", label_field="title")
    assert texts == [huge, SENTENCES[1]]
    assert labels == ["Rates", "Cup final"]


def test_csv_gz(tmp_path: Path) -> None:
    rows = [["text", "topic"], *([s, t] for s, t in zip(SENTENCES, TOPICS, strict=True))]
    path = write_csv(tmp_path / "articles.csv.gz", rows)
    texts, labels = read_corpus(path, label_field="topic")
    assert texts == SENTENCES
    assert labels == TOPICS


def test_iter_corpus_streams_documents_before_a_later_error(tmp_path: Path) -> None:
    path = tmp_path / "stream.jsonl"
    path.write_text(
        json.dumps({"text": SENTENCES[0]}) + "\n" + json.dumps({"text": SENTENCES[1]}) + "\n{\n",
        encoding="utf-8",
    )
    documents = iter_corpus(path)
    assert next(documents) == (SENTENCES[0], None)
    assert next(documents) == (SENTENCES[1], None)
    with pytest.raises(NeurotopicError, match="line 3"):
        next(documents)


# --------------------------------------------------------------------------------------------
# Errors about the path


def test_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "nowhere.txt"
    with pytest.raises(NeurotopicError) as info:
        iter_corpus(path)  # raised at once, not on first next()
    message = str(info.value)
    assert "nowhere.txt" in message and "does not exist" in message and "\n" not in message


def test_directory(tmp_path: Path) -> None:
    folder = tmp_path / "corpus.txt"
    folder.mkdir()
    expect_error(folder, "is a directory")


@pytest.mark.parametrize("name", ["notes.pdf", "data.json", "README", "archive.tar.gz"])
def test_unknown_extension_lists_the_supported_ones(tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    path.write_text(SENTENCES[0], encoding="utf-8")
    expect_error(path, "unsupported extension", ".txt", ".jsonl", ".csv", ".gz")


def test_label_field_for_plain_text(tmp_path: Path) -> None:
    path = tmp_path / "news.txt"
    path.write_text(SENTENCES[0], encoding="utf-8")
    expect_error(path, "no labels", "label_field", label_field="topic")


# --------------------------------------------------------------------------------------------
# Errors about the content


@pytest.mark.parametrize("name", ["empty.txt", "empty.jsonl", "empty.csv", "empty.txt.gz"])
def test_empty_file(tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    path.write_bytes(gzip.compress(b"") if name.endswith(".gz") else b"")
    expect_error(path, "is empty")


def test_only_blank_lines(tmp_path: Path) -> None:
    path = tmp_path / "blank.txt"
    path.write_text("\n   \n\t\n", encoding="utf-8")
    expect_error(path, "no documents", "blank")


def test_csv_with_header_only(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "header.csv", [["id", "text"]])
    expect_error(path, "no documents", "header")


def test_binary_content(tmp_path: Path) -> None:
    path = tmp_path / "image.txt"
    path.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00")
    expect_error(path, "binary", "NUL", "line 3", "byte offset 8")


def test_binary_content_after_the_first_kilobytes(tmp_path: Path) -> None:
    path = tmp_path / "late.jsonl"
    head = "".join(json.dumps({"text": s}) + "\n" for s in SENTENCES * 100).encode()
    path.write_bytes(head + b'{"text": "a\x00b"}\n')
    assert len(head) > 8192
    expect_error(path, "binary", "NUL", "line 401", f"byte offset {len(head) + 11}")


def test_non_utf8_content_names_line_and_offset(tmp_path: Path) -> None:
    path = tmp_path / "latin1.txt"
    first = f"{SENTENCES[0]}\n"
    path.write_bytes(first.encode() + "The café opened.\n".encode("latin-1"))
    offset = len(first.encode()) + len("The caf")
    expect_error(path, "not valid UTF-8", "line 2", f"byte offset {offset}", "re-encode")


def test_utf16_content(tmp_path: Path) -> None:
    path = tmp_path / "wide.csv"
    path.write_bytes("text\nhello\n".encode("utf-16"))
    expect_error(path, "UTF-16", "re-encode")


def test_gzip_content_without_gz_extension(tmp_path: Path) -> None:
    path = tmp_path / "packed.jsonl"
    path.write_bytes(gzip.compress(json.dumps({"text": SENTENCES[0]}).encode()))
    expect_error(path, "gzip", ".gz")


@pytest.mark.parametrize("damage", ["not gzip", "truncated", "bad crc"])
def test_corrupt_gzip(tmp_path: Path, damage: str) -> None:
    path = tmp_path / "broken.txt.gz"
    packed = gzip.compress("\n".join(SENTENCES * 50).encode("utf-8"))
    if damage == "not gzip":
        packed = "\n".join(SENTENCES).encode("utf-8")
    elif damage == "truncated":
        packed = packed[: len(packed) // 2]
    else:
        packed = packed[:-8] + bytes(8)
    path.write_bytes(packed)
    expect_error(path, "not a valid gzip file")


def test_invalid_json_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_text(json.dumps({"text": SENTENCES[0]}) + '\n{"text": "unclosed\n', encoding="utf-8")
    expect_error(path, "invalid JSON", "line 2")


@pytest.mark.parametrize(
    ("value", "kind"),
    [(["a", "list"], "JSON array"), ("just a string", "JSON string"), (None, "null")],
)
def test_json_line_that_is_not_an_object(tmp_path: Path, value: object, kind: str) -> None:
    path = write_jsonl(tmp_path / "values.jsonl", [{"text": SENTENCES[0]}, value])
    expect_error(path, "line 2", kind, "not a JSON object")


def test_jsonl_missing_text_field_lists_the_fields(tmp_path: Path) -> None:
    records: list[object] = [{"text": SENTENCES[0]}, {"title": "Cup final", "body": "..."}]
    path = write_jsonl(tmp_path / "fields.jsonl", records)
    expect_error(path, "line 2", "no field 'text'", "text_field", "title, body")


def test_jsonl_missing_label_field(tmp_path: Path) -> None:
    records: list[object] = [{"text": SENTENCES[0], "topic": "economy"}, {"text": SENTENCES[1]}]
    path = write_jsonl(tmp_path / "labels.jsonl", records)
    expect_error(path, "line 2", "no field 'topic'", "label_field", label_field="topic")


@pytest.mark.parametrize(
    ("value", "kind"),
    [(42, "JSON number"), (None, "null"), (["a"], "JSON array"), (True, "JSON boolean")],
)
def test_jsonl_text_that_is_not_a_string(tmp_path: Path, value: object, kind: str) -> None:
    path = write_jsonl(tmp_path / "types.jsonl", [{"text": value}])
    expect_error(path, "line 1", "'text'", kind, "not a string")


@pytest.mark.parametrize(
    ("value", "kind"), [({"a": 1}, "JSON object"), (None, "null"), ([{}], "JSON array")]
)
def test_jsonl_label_of_a_bad_type(tmp_path: Path, value: object, kind: str) -> None:
    path = write_jsonl(tmp_path / "labeltypes.jsonl", [{"text": SENTENCES[0], "topic": value}])
    expect_error(path, "line 1", "'topic'", kind, label_field="topic")


def test_csv_missing_text_column_lists_the_columns(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "columns.csv", [["id", "title", "body"], ["1", "Rates", "..."]])
    expect_error(path, "no column 'text'", "text_field", "id, title, body")


def test_csv_missing_label_column(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "columns.csv", [["id", "text"], ["1", SENTENCES[0]]])
    expect_error(path, "no column 'topic'", "label_field", "id, text", label_field="topic")


def test_csv_row_with_the_wrong_number_of_fields(tmp_path: Path) -> None:
    path = tmp_path / "ragged.csv"
    path.write_text(
        f"text,topic\n{SENTENCES[0]},economy\nRates rose, then fell,economy\n", encoding="utf-8"
    )
    expect_error(path, "line 3", "3 fields", "header has 2")


def test_csv_parse_error(tmp_path: Path) -> None:
    path = tmp_path / "carriage.csv"
    path.write_bytes(b"text\nold mac line\rending\n")
    expect_error(path, "not valid CSV", "line")
