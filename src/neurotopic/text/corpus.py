"""Read a user's corpus from a ``.txt``, ``.jsonl`` or ``.csv`` file, optionally gzip-compressed.

Formats (chosen by the file name's extension, case-insensitively):

``.txt``
    One document per line.  Blank (empty or whitespace-only) lines are skipped.
``.jsonl``
    One JSON object per line; the document is the value of ``text_field`` and, when
    ``label_field`` is given, its label is the value of ``label_field`` (a string, number or
    list).  Blank lines are skipped, since they hold no record.
``.csv``
    A header row, then one document per row; ``text_field`` and ``label_field`` name columns.
    Blank lines are skipped; an empty text cell is kept as the empty document ``""`` so that
    documents stay aligned with rows.

Each may end in ``.gz`` (``corpus.jsonl.gz``).  Files are read as UTF-8, with or without a
byte-order mark, one line at a time, so memory use does not grow with the file's size.
Every problem is reported as a :class:`~neurotopic.errors.NeurotopicError` whose one-line
message names the file and says how to fix it.
"""

from __future__ import annotations

import csv
import gzip
import json
import os
import zlib
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Protocol

from ..errors import NeurotopicError

__all__ = ["SUPPORTED_EXTENSIONS", "iter_corpus", "read_corpus"]

#: The file name endings :func:`iter_corpus` understands, each also with ``.gz`` appended.
SUPPORTED_EXTENSIONS: tuple[str, ...] = (".txt", ".jsonl", ".csv")

_BOM = b"\xef\xbb\xbf"
_GZIP_MAGIC = b"\x1f\x8b"
# How many bytes at the start of a file are checked for signs of binary content.
_SNIFF_BYTES = 8192
_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")
# The largest value ``csv.field_size_limit`` accepts on every platform (a C long may be 32-bit).
_CSV_FIELD_LIMIT = 2**31 - 1


class _ByteStream(Protocol):
    """What :func:`_iter_lines` needs of an open file: ``peek`` and iteration over lines."""

    def peek(self, size: int, /) -> bytes:
        """Return buffered bytes (at least one unless at the end) without consuming them."""
        ...

    def __iter__(self) -> Iterator[bytes]:
        """Iterate over the lines, each ending in a newline but perhaps the last."""
        ...


def _one_line(text: str) -> str:
    """Collapse ``text`` onto one line so that it can be quoted inside an error message."""
    return " ".join(text.split())


def _detect_format(path: Path) -> tuple[str, bool]:
    """Return the format (``"txt"``, ``"jsonl"`` or ``"csv"``) and whether ``path`` is gzipped.

    Parameters
    ----------
    path : Path
        The corpus file.

    Returns
    -------
    tuple of (str, bool)
        The format name and ``True`` for a ``.gz`` file.

    Raises
    ------
    NeurotopicError
        If the extension is not one of :data:`SUPPORTED_EXTENSIONS` (optionally plus ``.gz``).
    """
    name = path.name.lower()
    compressed = name.endswith(".gz")
    if compressed:
        name = name[: -len(".gz")]
    for extension in SUPPORTED_EXTENSIONS:
        if name.endswith(extension):
            return extension[1:], compressed
    suffix = "".join(path.suffixes[-2:]) if compressed else path.suffix
    supported = ", ".join(SUPPORTED_EXTENSIONS)
    raise NeurotopicError(
        f"corpus file '{path}' has unsupported extension '{suffix or '(none)'}'; "
        f"rename or convert it to one of: {supported} (each optionally gzip-compressed, "
        f"e.g. corpus.jsonl.gz)"
    )


@contextmanager
def _open_binary(path: Path, compressed: bool) -> Iterator[_ByteStream]:
    """Open ``path`` for reading lines of bytes, decompressing on the fly when ``compressed``.

    Parameters
    ----------
    path : Path
        The corpus file.
    compressed : bool
        Whether the file is gzip-compressed.

    Yields
    ------
    _ByteStream
        The open file, which iterates over its lines (each ending in ``b"\\n"`` but the last).

    Raises
    ------
    NeurotopicError
        If the file cannot be opened.
    """
    try:
        stream = gzip.open(path, "rb") if compressed else path.open("rb")
    except OSError as error:
        reason = error.strerror or _one_line(str(error))
        raise NeurotopicError(
            f"cannot read corpus file '{path}' ({reason}); check the path and its permissions"
        ) from error
    with stream:
        yield stream


def _iter_lines(path: Path, compressed: bool, counter: list[int]) -> Iterator[tuple[int, str]]:
    """Yield ``(line_number, line)`` for each line of ``path``, decoded from UTF-8.

    Lines keep their line endings (as with ``newline=""``), so that the :mod:`csv` module can
    read quoted fields spanning several lines.  A leading UTF-8 byte-order mark is dropped.

    Parameters
    ----------
    path, compressed
        As :func:`_open_binary`.
    counter : list of int
        A one-element list that receives the number of (decompressed) bytes read, so that the
        caller can tell an empty file from one without documents.

    Yields
    ------
    tuple of (int, str)
        The 1-based line number and the decoded line.

    Raises
    ------
    NeurotopicError
        If the content is binary, not UTF-8, or a corrupt gzip stream.
    """
    offset = 0
    line_number = 0
    with _open_binary(path, compressed) as stream:
        try:
            _sniff(path, stream.peek(_SNIFF_BYTES)[:_SNIFF_BYTES], compressed)
            for raw in stream:
                line_number += 1
                start = len(_BOM) if line_number == 1 and raw.startswith(_BOM) else 0
                nul = raw.find(b"\x00")
                if nul >= 0:
                    raise _binary_error(path, line_number, offset + nul)
                try:
                    line = raw[start:].decode("utf-8")
                except UnicodeDecodeError as error:
                    raise NeurotopicError(
                        f"corpus file '{path}' is not valid UTF-8 (line {line_number}, byte "
                        f"offset {offset + start + error.start}); re-encode it as UTF-8, "
                        f"e.g. iconv -f latin1 -t UTF-8"
                    ) from None
                offset += len(raw)
                counter[0] = offset
                yield line_number, line
        except (gzip.BadGzipFile, EOFError, zlib.error) as error:
            raise NeurotopicError(
                f"corpus file '{path}' is not a valid gzip file ({_one_line(str(error))}); "
                f"re-compress it with gzip, or drop the .gz from its name if it is plain text"
            ) from None


def _binary_error(path: Path, line_number: int, offset: int) -> NeurotopicError:
    """Return the error for a NUL byte at ``offset`` (on line ``line_number``) of ``path``."""
    return NeurotopicError(
        f"corpus file '{path}' looks binary (NUL byte on line {line_number}, byte offset "
        f"{offset}); pass a UTF-8 text file ({', '.join(SUPPORTED_EXTENSIONS)}), re-encoding "
        f"it as UTF-8 if it is UTF-16 text"
    )


def _sniff(path: Path, head: bytes, compressed: bool) -> None:
    """Reject a file whose first bytes show it is UTF-16, gzip (named without .gz) or binary.

    Parameters
    ----------
    path : Path
        The corpus file, for error messages.
    head : bytes
        The first bytes of its (decompressed) content.
    compressed : bool
        Whether the file was opened as gzip.

    Raises
    ------
    NeurotopicError
        If ``head`` starts with a UTF-16 byte-order mark or the gzip magic number, or holds a
        NUL byte.
    """
    if head.startswith(_UTF16_BOMS):
        raise NeurotopicError(
            f"corpus file '{path}' is UTF-16 encoded; re-encode it as UTF-8, "
            f"e.g. iconv -f UTF-16 -t UTF-8"
        )
    if head.startswith(_GZIP_MAGIC) and not compressed:
        raise NeurotopicError(
            f"corpus file '{path}' is gzip-compressed but its name does not end in .gz; "
            f"rename it to '{path.name}.gz' or decompress it"
        )
    nul = head.find(b"\x00")
    if nul >= 0:
        raise _binary_error(path, head.count(b"\n", 0, nul) + 1, nul)


def _iter_txt(lines: Iterable[tuple[int, str]]) -> Iterator[tuple[str, None]]:
    """Yield one document per non-blank line."""
    for _, line in lines:
        if line.strip():
            yield line.rstrip("\r\n"), None


def _json_kind(value: object) -> str:
    """Describe the JSON type of a decoded value, e.g. ``"a JSON array"`` or ``"null"``."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a JSON boolean"
    if isinstance(value, (int, float)):
        return "a JSON number"
    if isinstance(value, str):
        return "a JSON string"
    if isinstance(value, list):
        return "a JSON array"
    if isinstance(value, dict):
        return "a JSON object"
    return f"a {type(value).__name__}"


def _field_list(names: Iterable[str]) -> str:
    """Format field or column names for an error message."""
    listed = ", ".join(_one_line(name) for name in names)
    return listed or "(none)"


def _check_label(path: Path, where: str, label_field: str, value: object) -> object:
    """Return ``value`` if it is a valid label (str, int, float or a list of those).

    Raises
    ------
    NeurotopicError
        If ``value`` is of another type.
    """
    scalar = (str, int, float)
    if isinstance(value, scalar) or (
        isinstance(value, list) and all(isinstance(item, scalar) for item in value)
    ):
        return value
    kind = _json_kind(value)
    raise NeurotopicError(
        f"corpus file '{path}' {where}: label field '{label_field}' is {kind}; labels must be "
        f"a string, a number or a list of those"
    )


def _iter_jsonl(
    path: Path,
    lines: Iterable[tuple[int, str]],
    text_field: str,
    label_field: str | None,
) -> Iterator[tuple[str, object | None]]:
    """Yield ``(text, label)`` for each JSON object line."""
    for line_number, line in lines:
        if not line.strip():
            continue
        where = f"line {line_number}"
        try:
            record = json.loads(line)
        except json.JSONDecodeError as error:
            raise NeurotopicError(
                f"corpus file '{path}' has invalid JSON on {where} ({error.msg} at column "
                f"{error.colno}); write one JSON object per line, like "
                f'{{"{text_field}": "..."}}'
            ) from None
        if not isinstance(record, dict):
            kind = _json_kind(record)
            raise NeurotopicError(
                f"corpus file '{path}' {where} is {kind}, not a JSON object; write one object "
                f'per line, like {{"{text_field}": "..."}}'
            )
        if text_field not in record:
            raise NeurotopicError(
                f"corpus file '{path}' {where} has no field '{text_field}'; choose text_field "
                f"from: {_field_list(record)}"
            )
        text = record[text_field]
        if not isinstance(text, str):
            kind = _json_kind(text)
            raise NeurotopicError(
                f"corpus file '{path}' {where}: text field '{text_field}' is {kind}, not a "
                f"string; make every '{text_field}' a string or choose another "
                f"text_field"
            )
        label: object | None = None
        if label_field is not None:
            if label_field not in record:
                raise NeurotopicError(
                    f"corpus file '{path}' {where} has no field '{label_field}'; choose "
                    f"label_field from: {_field_list(record)}, or give every line a "
                    f"'{label_field}'"
                )
            label = _check_label(path, where, label_field, record[label_field])
        yield text, label


def _iter_csv(
    path: Path,
    lines: Iterable[tuple[int, str]],
    text_field: str,
    label_field: str | None,
) -> Iterator[tuple[str, object | None]]:
    """Yield ``(text, label)`` for each row after the header."""
    if csv.field_size_limit() < _CSV_FIELD_LIMIT:
        csv.field_size_limit(_CSV_FIELD_LIMIT)
    reader = csv.reader(line for _, line in lines)
    try:
        header = next((row for row in reader if row), None)
        if header is None:
            return
        columns = {name: index for index, name in reversed(list(enumerate(header)))}
        if text_field not in columns:
            raise NeurotopicError(
                f"corpus file '{path}' has no column '{text_field}'; choose text_field "
                f"from: {_field_list(header)}"
            )
        if label_field is not None and label_field not in columns:
            raise NeurotopicError(
                f"corpus file '{path}' has no column '{label_field}'; choose label_field "
                f"from: {_field_list(header)}"
            )
        text_index = columns[text_field]
        label_index = None if label_field is None else columns[label_field]
        for row in reader:
            if not row:
                continue
            if len(row) != len(header):
                raise NeurotopicError(
                    f"corpus file '{path}' line {reader.line_num} has {len(row)} fields but the "
                    f"header has {len(header)}; quote fields that contain commas or fix the row"
                )
            label = None if label_index is None else row[label_index]
            yield row[text_index], label
    except csv.Error as error:
        raise NeurotopicError(
            f"corpus file '{path}' is not valid CSV at line {reader.line_num} "
            f"({_one_line(str(error))}); fix the quoting of that row"
        ) from None


def _iter_checked(
    path: Path,
    fmt: str,
    compressed: bool,
    text_field: str,
    label_field: str | None,
) -> Iterator[tuple[str, object | None]]:
    """Yield the documents of ``path`` and fail at the end if there were none."""
    counter = [0]
    lines = _iter_lines(path, compressed, counter)
    records: Iterator[tuple[str, object | None]]
    if fmt == "txt":
        records = _iter_txt(lines)
    elif fmt == "jsonl":
        records = _iter_jsonl(path, lines, text_field, label_field)
    else:
        records = _iter_csv(path, lines, text_field, label_field)
    count = 0
    for record in records:
        count += 1
        yield record
    if count == 0:
        if counter[0] == 0:
            raise NeurotopicError(f"corpus file '{path}' is empty; give it at least one document")
        what = "a header but no rows" if fmt == "csv" else "only blank lines"
        raise NeurotopicError(
            f"corpus file '{path}' has no documents ({what}); give it at least one document"
        )


def iter_corpus(
    path: str | os.PathLike[str],
    text_field: str = "text",
    label_field: str | None = None,
) -> Iterator[tuple[str, object | None]]:
    """Stream the documents of a corpus file, one ``(text, label)`` pair at a time.

    The path is checked at once (it must exist, be a file and have a supported extension);
    the content is checked as it is read, so a problem on line ``N`` is raised after the
    first ``N - 1`` documents have been yielded.

    Parameters
    ----------
    path : str or os.PathLike
        A ``.txt``, ``.jsonl`` or ``.csv`` file, optionally with ``.gz`` appended.
    text_field : str, default "text"
        The JSON key (``.jsonl``) or column (``.csv``) holding the text.  Ignored for ``.txt``.
    label_field : str or None, default None
        The JSON key or column holding a label; ``None`` for no labels.  Must be ``None``
        for ``.txt`` files, which have no labels.

    Returns
    -------
    Iterator of tuple of (str, object or None)
        ``(text, label)`` pairs; ``label`` is ``None`` when ``label_field`` is ``None``.
        CSV labels are strings; JSON labels are strings, numbers or lists.

    Raises
    ------
    NeurotopicError
        If the file is missing, a directory, of an unknown type, empty, binary, not UTF-8,
        corrupt gzip, or malformed (invalid JSON, a missing field or column, a text that is not
        a string), or if ``label_field`` is given for a ``.txt`` file.

    Examples
    --------
    >>> for text, label in iter_corpus("news.jsonl", label_field="topic"):  # doctest: +SKIP
    ...     print(label, text[:40])
    """
    file_path = Path(path)
    if not file_path.exists():
        raise NeurotopicError(f"corpus file '{file_path}' does not exist; check the path")
    if file_path.is_dir():
        raise NeurotopicError(
            f"corpus path '{file_path}' is a directory; pass a single file ending in one "
            f"of: {', '.join(SUPPORTED_EXTENSIONS)}"
        )
    fmt, compressed = _detect_format(file_path)
    if fmt == "txt" and label_field is not None:
        raise NeurotopicError(
            f"corpus file '{file_path}' is plain text and has no labels; drop label_field, "
            f"or use a .jsonl or .csv file with a '{label_field}' field"
        )
    return _iter_checked(file_path, fmt, compressed, text_field, label_field)


def read_corpus(
    path: str | os.PathLike[str],
    text_field: str = "text",
    label_field: str | None = None,
) -> tuple[list[str], list[object] | None]:
    """Read all the documents of a corpus file into memory.

    Parameters
    ----------
    path : str or os.PathLike
        A ``.txt``, ``.jsonl`` or ``.csv`` file, optionally with ``.gz`` appended.
    text_field : str, default "text"
        The JSON key (``.jsonl``) or column (``.csv``) holding the text.  Ignored for
        ``.txt``.
    label_field : str or None, default None
        The JSON key or column holding a label; ``None`` for no labels.

    Returns
    -------
    texts : list of str
        The documents, in file order.
    labels : list or None
        One label per document, or ``None`` when ``label_field`` is ``None``.

    Raises
    ------
    NeurotopicError
        As :func:`iter_corpus`.
    """
    texts: list[str] = []
    labels: list[object] = []
    for text, label in iter_corpus(path, text_field, label_field):
        texts.append(text)
        labels.append(label)
    return texts, (labels if label_field is not None else None)
