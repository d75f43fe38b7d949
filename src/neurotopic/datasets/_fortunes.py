"""Fortune cookies, read from the files of the Debian package ``fortunes``.

Each file in ``/usr/share/games/fortunes`` is a category of quotations, jokes and verse,
its entries separated by lines that are exactly ``%``.  :func:`load_fortunes` labels every
entry by its file, after cleaning the terminal markup some entries carry (backspace
overstriking, bells) and leaving out the categories that are pictures rather than text.
"""

from __future__ import annotations

import re
from pathlib import Path

from ..errors import NeurotopicError
from ._base import Dataset, _drop_small_classes, _remove_nested

_FORTUNES_FIX = "install it with: apt-get install fortunes"

# Where Debian's package puts the fortune files.
_FORTUNES_DIR = Path("/usr/share/games/fortunes")

# Backspace overstriking ("_\b" underlines, "a\ba" bolds) and other control characters.
_OVERSTRIKE = re.compile(r"[^\x08\n]\x08")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


def _fortune_entries(path: Path) -> list[str]:
    """The non-empty entries of a fortune file: text between lines that are exactly ``%``."""
    text = path.read_bytes().decode("utf-8", errors="replace")
    entries: list[str] = []
    for chunk in re.split(r"^%\r?$", text, flags=re.MULTILINE):
        entry = _CONTROL.sub("", _remove_nested(_OVERSTRIKE, chunk)).strip()
        if entry:
            entries.append(entry)
    return entries


def _is_ascii_art(entry: str) -> bool:
    """Whether fewer than half of an entry's non-space characters are letters."""
    visible = [c for c in entry if not c.isspace()]
    return sum(c.isalpha() for c in visible) * 2 < len(visible)


def load_fortunes(min_entries: int = 20) -> Dataset:
    """Load the fortune cookies of the Debian package ``fortunes``, labelled by file.

    Each file in ``/usr/share/games/fortunes`` is a category (``computers``, ``food``,
    ``literature``, ``politics``, ``science`` ...) whose entries are separated by lines that
    are exactly ``%``; the text is an entry, whitespace-stripped, with backspace
    overstriking and other control characters removed.  The index files ``*.dat`` and
    ``*.u8`` and subdirectories (``off/``) are skipped, and so are categories that are
    mostly ASCII art (more than half of their entries have fewer letters than other
    visible characters: only ``ascii-art`` in fortunes 1:1.99.1) and categories with fewer
    than ``min_entries`` entries (``pratchett``, ``translate-me``).  The category ``art``
    is jokes about the arts, not pictures, and is kept.

    Parameters
    ----------
    min_entries : int
        Keep categories with at least this many entries.

    Returns
    -------
    Dataset
        Entries by category (file name order), then in file order.

    Raises
    ------
    NeurotopicError
        If the fortune directory is missing or has no category left.
    """
    directory = _FORTUNES_DIR
    if not directory.is_dir():
        raise NeurotopicError(f"Fortunes need '{directory}'; {_FORTUNES_FIX}")
    documents: list[tuple[str, str]] = []
    for path in sorted(directory.iterdir()):
        if not path.is_file() or path.suffix in {".dat", ".u8"}:
            continue
        entries = _fortune_entries(path)
        if sum(_is_ascii_art(entry) for entry in entries) * 2 <= len(entries):
            documents.extend((entry, path.name) for entry in entries)
    texts, labels = _drop_small_classes(documents, min_entries)
    if not texts:
        raise NeurotopicError(
            f"'{directory}' has no fortune file with {min_entries} entries; {_FORTUNES_FIX}"
        )
    return Dataset(
        name="fortunes",
        texts=texts,
        labels=labels,
        description=(
            f"Fortunes: {len(texts)} fortune cookies (quotations, jokes, verse) in "
            f"{len(set(labels))} categories, from {directory} (Debian package fortunes); "
            "label = category file"
        ),
    )
