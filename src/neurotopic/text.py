"""From raw text to term tokens: tokenising, stop words and n-gram (phrase) terms.

A *term* is a unigram or an n-gram of up to ``max_ngram`` words, written with single
spaces (``"new york city"``).  Phrases are detected from the corpus the way gensim's
``Phrases`` does (the "original" scorer of Mikolov et al. 2013), applied in layers
(bigrams, then bigrams of bigrams and words, ...), but only inside runs of content
words: a stop word breaks a run, so no phrase starts or ends with one and no phrase
jumps over a removed word.  The learned phrases are plain data (JSON-serialisable),
so a fitted model re-applies them to new documents exactly.
"""

from __future__ import annotations

import itertools
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

from .errors import NeurotopicError

# A token: a letter, then letters, digits or inner hyphens.  Apostrophes split tokens,
# so contractions and possessives leave short stubs ("don", "t", "s") that the
# stop-word list and the minimum length remove.
_TOKEN_RE = re.compile(r"[a-z][a-z0-9]*(?:-[a-z0-9]+)*")
_POSSESSIVE_RE = re.compile(r"['\u2019]s\b")

#: A run of content words is split where a stop word or a too-short token stood.
Run = list[str]


def default_stop_words() -> frozenset[str]:
    """scikit-learn's English stop-word list plus possessive and contraction stubs."""
    return frozenset(ENGLISH_STOP_WORDS) | {
        "s",
        "t",
        "don",
        "didn",
        "doesn",
        "isn",
        "wasn",
        "aren",
        "weren",
        "won",
        "wouldn",
        "couldn",
        "shouldn",
        "hasn",
        "haven",
        "hadn",
        "ll",
        "ve",
        "re",
        "mr",
        "mrs",
        "ms",
    }


def resolve_stop_words(stop_words: str | Sequence[str] | None) -> frozenset[str]:
    """The stop-word set for a ``stop_words`` parameter.

    ``"english"`` gives :func:`default_stop_words`, a sequence its lower-cased words,
    None no stop words.
    """
    if stop_words is None:
        return frozenset()
    if isinstance(stop_words, str):
        if stop_words != "english":
            raise NeurotopicError(
                f"stop_words must be 'english', a list of words or None, got {stop_words!r}"
            )
        return default_stop_words()
    return frozenset(w.lower() for w in stop_words)


def tokenize(text: str) -> list[str]:
    """Lower-case a text and split it into word tokens.

    Parameters
    ----------
    text : str
        Raw document text.

    Returns
    -------
    list of str
        Tokens in order; a possessive ``'s`` is dropped and any other apostrophe
        ends a token (``"didn't"`` -> ``"didn"``, ``"t"``).

    Examples
    --------
    >>> tokenize("The Bank of England's rate-setters didn't meet.")
    ['the', 'bank', 'of', 'england', 'rate-setters', 'didn', 't', 'meet']
    """
    return _TOKEN_RE.findall(_POSSESSIVE_RE.sub("", text.lower()))


def content_runs(tokens: Sequence[str], stop_words: frozenset[str], min_len: int = 2) -> list[Run]:
    """Split a token list into runs of content words.

    Stop words and tokens shorter than ``min_len`` are removed, and each removal
    ends the current run.

    Examples
    --------
    >>> content_runs(["the", "bank", "of", "england", "raised", "rates"], frozenset({"the", "of"}))
    [['bank'], ['england', 'raised', 'rates']]
    """
    runs: list[Run] = []
    current: Run = []
    for tok in tokens:
        if tok in stop_words or len(tok) < min_len:
            if current:
                runs.append(current)
                current = []
        else:
            current.append(tok)
    if current:
        runs.append(current)
    return runs


@dataclass
class PhraseModel:
    """Learned n-gram phrases, applied greedily left to right, layer by layer.

    Attributes
    ----------
    layers : list of set of tuple(str, str)
        ``layers[i]`` holds the pairs merged in pass ``i``; the parts of a pair may
        themselves be phrases from earlier passes (``("new york", "city")``).
    max_ngram : int
        No merged term has more words than this.
    """

    layers: list[set[tuple[str, str]]] = field(default_factory=list)
    max_ngram: int = 3

    @staticmethod
    def _merge(run: Run, pairs: set[tuple[str, str]], max_ngram: int) -> Run:
        out: Run = []
        i, n = 0, len(run)
        while i < n:
            if i + 1 < n and (run[i], run[i + 1]) in pairs:
                merged = run[i] + " " + run[i + 1]
                if merged.count(" ") < max_ngram:
                    out.append(merged)
                    i += 2
                    continue
            out.append(run[i])
            i += 1
        return out

    def apply(self, runs: Iterable[Run]) -> list[Run]:
        """Merge detected phrases inside each run.

        Parameters
        ----------
        runs : iterable of list of str
            Content-word runs of one or more documents.

        Returns
        -------
        list of list of str
            The runs with phrase pairs replaced by space-joined terms.
        """
        result = [list(r) for r in runs]
        for pairs in self.layers:
            if pairs:
                result = [self._merge(r, pairs, self.max_ngram) for r in result]
        return result

    def apply_docs(self, doc_runs: Iterable[Sequence[Run]]) -> list[list[Run]]:
        """:meth:`apply` for each document's list of runs."""
        return [self.apply(runs) for runs in doc_runs]

    def to_json(self) -> dict[str, object]:
        """A JSON-serialisable form: ``{"max_ngram": 3, "layers": [[[a, b], ...], ...]}``."""
        return {
            "max_ngram": self.max_ngram,
            "layers": [sorted([a, b] for a, b in layer) for layer in self.layers],
        }

    @classmethod
    def from_json(cls, data: dict[str, object]) -> PhraseModel:
        """Rebuild a model written by :meth:`to_json`."""
        layers_raw = data["layers"]
        assert isinstance(layers_raw, list)
        layers = [{(str(a), str(b)) for a, b in layer} for layer in layers_raw]
        max_ngram = data["max_ngram"]
        assert isinstance(max_ngram, int)
        return cls(layers=layers, max_ngram=max_ngram)


def learn_phrases(
    doc_runs: Sequence[Sequence[Run]],
    *,
    max_ngram: int = 3,
    min_count: int = 5,
    threshold: float = 10.0,
) -> PhraseModel:
    """Detect phrases with gensim's default scorer, ``max_ngram - 1`` passes.

    A pair (a, b) of adjacent tokens becomes a phrase when::

        (count(a b) - min_count) / (count(a) * count(b)) * n_token_types > threshold

    (Mikolov et al. 2013, as in ``gensim.models.phrases.original_scorer``).

    Parameters
    ----------
    doc_runs : sequence of sequence of list of str
        For each document, its content-word runs (see :func:`content_runs`).
    max_ngram : int
        Longest term, in words; 1 disables phrases.
    min_count : int
        Pairs seen fewer times are ignored.
    threshold : float
        Score a pair must exceed.

    Returns
    -------
    PhraseModel
    """
    model = PhraseModel(layers=[], max_ngram=max_ngram)
    runs: list[Run] = [r for doc in doc_runs for r in doc]
    for _ in range(max(0, max_ngram - 1)):
        unigrams: Counter[str] = Counter()
        bigrams: Counter[tuple[str, str]] = Counter()
        for r in runs:
            unigrams.update(r)
            bigrams.update(itertools.pairwise(r))
        n_types = len(unigrams)
        pairs = {
            (a, b)
            for (a, b), c in bigrams.items()
            if c >= min_count
            and (a.count(" ") + b.count(" ") + 2) <= max_ngram
            and (c - min_count) / (unigrams[a] * unigrams[b]) * n_types > threshold
        }
        if not pairs:
            break
        model.layers.append(pairs)
        runs = [PhraseModel._merge(r, pairs, max_ngram) for r in runs]
    return model


@dataclass
class Analyzer:
    """Turns raw documents into term lists with fixed stop words and phrases.

    Parameters
    ----------
    stop_words : frozenset of str
        Words removed before phrase detection (they break runs).
    phrases : PhraseModel
        Learned phrases; empty for unigram terms.
    """

    stop_words: frozenset[str]
    phrases: PhraseModel

    def runs(self, text: str) -> list[Run]:
        """Content-word runs of one document, before phrase merging."""
        return content_runs(tokenize(text), self.stop_words)

    def terms(self, text: str) -> list[str]:
        """The term tokens of one document, in order (phrases merged)."""
        return [t for r in self.phrases.apply(self.runs(text)) for t in r]
