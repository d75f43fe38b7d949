"""FOLDOC, the Free On-line Dictionary of Computing, from the Debian package ``dict-foldoc``.

Most FOLDOC entries start with their categories in angle brackets (``<programming>``);
:func:`load_foldoc` labels each entry by its first category and strips the entry's
hypertext markup (cross-reference braces, URLs, revision dates) so that what is left is
prose.  The database is read with :func:`~._dictd._dictd_entries`.
"""

from __future__ import annotations

import re

from . import _dictd
from ._base import Dataset, _drop_small_classes

_FOLDOC_FIX = "install it with: apt-get install dict-foldoc"

# FOLDOC markup: "(2003-07-03)" dates, "{cross reference (http://...)}" links, bare URLs.
_FOLDOC_DATE = re.compile(r"\(\d{4}-\d{2}-\d{2}\)")
_FOLDOC_LINKED_URL = re.compile(r"\s*\((?:https?|ftp|gopher|telnet|wais|news|mailto):\S*\)")
_FOLDOC_PAGE = re.compile(r"\s*\([\w./-]+\.html?\)")
_FOLDOC_URL = re.compile(r"\b(?:https?|ftp|gopher|telnet|wais)://\S*[^\s.,;:)}]")


def _foldoc_document(entry: str) -> tuple[str, str] | None:
    """``(text, category)`` of a FOLDOC entry, or None without a ``<category>`` tag."""
    head, _, body = entry.partition("\n\n")
    flat = " ".join(body.split())
    tag = re.match(r"<([^<>]+)>", flat)
    if head.startswith("00-database-") or tag is None:
        return None
    category = tag.group(1).split(",")[0].strip()
    text = flat[tag.end() :]
    for markup in (_FOLDOC_LINKED_URL, _FOLDOC_PAGE, _FOLDOC_URL):
        text = markup.sub("", text)
    # Braces go before dates, as one date is written "(2001}-02-03)".
    text = _FOLDOC_DATE.sub("", text.replace("{", "").replace("}", ""))
    text = " ".join(text.split())
    return f"{head.strip()}\n\n{text}", category


def load_foldoc(min_entries: int = 30) -> Dataset:
    """Load the Free On-line Dictionary of Computing, one document per entry.

    Reads ``/usr/share/dictd/foldoc.dict.dz`` through its index (the Debian package
    ``dict-foldoc``).  Most entries begin with a category in angle brackets
    (``<programming>``, ``<networking, protocol>``); the label is the first category named
    there.  A text is the entry's headword line(s), a blank line and the body with the tag,
    the ``{...}`` cross-reference braces (not the words inside), linked and bare URLs and the
    ``(YYYY-MM-DD)`` revision date removed.  Entries without a category, the
    ``00-database-*`` header entries and categories with fewer than ``min_entries``
    entries are left out.

    Parameters
    ----------
    min_entries : int
        Keep categories with at least this many entries.

    Returns
    -------
    Dataset
        Entries in file (alphabetical) order.

    Raises
    ------
    NeurotopicError
        If the database is missing or unreadable.
    """
    documents = [
        doc
        for entry in _dictd._dictd_entries("foldoc", "FOLDOC", _FOLDOC_FIX)
        if (doc := _foldoc_document(entry)) is not None
    ]
    texts, labels = _drop_small_classes(documents, min_entries)
    return Dataset(
        name="foldoc",
        texts=texts,
        labels=labels,
        description=(
            f"FOLDOC: {len(texts)} entries of the Free On-line Dictionary of Computing in "
            f"{len(set(labels))} categories, from {_dictd._DICTD_DIR} (Debian "
            f"package dict-foldoc); label = first category, categories of at least "
            f"{min_entries} entries"
        ),
    )
