"""N-gram (phrase) terms: learning them from a corpus and merging them into documents.

A *term* is a unigram or an n-gram of up to ``max_ngram`` words, written with single
spaces (``"new york city"``).  Phrases are detected from the corpus the way gensim's
``Phrases`` does (the "original" scorer of Mikolov et al. 2013), applied in layers
(bigrams, then bigrams of bigrams and words, ...), but only inside runs of content
words (:func:`~neurotopic.text.words.content_runs`): a stop word breaks a run, so no
phrase starts or ends with one and no phrase jumps over a removed word.  The learned
phrases are plain data (JSON-serialisable), so a fitted model re-applies them to new
documents exactly.

Phrase counts come from sorting pair keys and merging is a vectorised pass per layer
(:func:`learn_phrases_arrays`, :meth:`PhraseModel.apply_arrays`), with no Python loop
per token.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np

from .tokens import TokenArrays, encode_runs, merge_pairs, type_id, unique_counts
from .words import Run


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

    def apply_arrays(self, tokens: TokenArrays) -> TokenArrays:
        """:meth:`apply` on a whole corpus in array form (the same merges, vectorised).

        Parameters
        ----------
        tokens : TokenArrays
            Content words with their runs.

        Returns
        -------
        TokenArrays
            The merged tokens; new phrase types are appended to ``types``.
        """
        types = list(tokens.types)
        index = {t: i for i, t in enumerate(types)}
        ids, run_start, doc_ptr = tokens.ids, tokens.run_start, tokens.doc_ptr
        for pairs in self.layers:
            left, right, merged = [], [], []
            for a, b in sorted(pairs):
                if a in index and b in index and (a + " " + b).count(" ") < self.max_ngram:
                    left.append(index[a])
                    right.append(index[b])
                    merged.append(type_id(a + " " + b, types, index))
            ids, run_start, doc_ptr = merge_pairs(
                ids, run_start, doc_ptr, np.array(left), np.array(right), np.array(merged)
            )
        return TokenArrays(types, ids, run_start, doc_ptr)

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


def learn_phrases_arrays(
    tokens: TokenArrays,
    *,
    max_ngram: int = 3,
    min_count: int = 5,
    threshold: float = 10.0,
) -> tuple[PhraseModel, TokenArrays]:
    """:func:`learn_phrases` on a corpus in array form; also returns the merged tokens.

    Each pass counts the pairs of adjacent tokens inside runs by sorting their keys
    ``left * n_types + right``, scores them all at once and merges the chosen pairs with
    one vectorised pass (:func:`neurotopic.tokens.merge_pairs`).

    Returns
    -------
    phrases : PhraseModel
    terms : TokenArrays
        ``tokens`` with the phrases merged (``phrases.apply_arrays(tokens)``).
    """
    model = PhraseModel(layers=[], max_ngram=max_ngram)
    types = list(tokens.types)
    index = {t: i for i, t in enumerate(types)}
    ids, run_start, doc_ptr = tokens.ids, tokens.run_start, tokens.doc_ptr
    for _ in range(max(0, max_ngram - 1)):
        n_types = len(types)
        counts = np.bincount(ids, minlength=n_types)
        n_words = np.fromiter((t.count(" ") + 1 for t in types), np.int64, n_types)
        inner = ~run_start[1:]
        keys, pair_counts = unique_counts(
            ids[:-1][inner].astype(np.int64) * n_types + ids[1:][inner]
        )
        a, b = np.divmod(keys, n_types)
        score = (pair_counts - min_count) / (counts[a] * counts[b]) * np.count_nonzero(counts)
        chosen = (pair_counts >= min_count) & (n_words[a] + n_words[b] <= max_ngram)
        chosen &= score > threshold
        if not chosen.any():
            break
        a, b = a[chosen], b[chosen]
        pairs = list(zip(a.tolist(), b.tolist(), strict=True))
        model.layers.append({(types[i], types[j]) for i, j in pairs})
        merged = np.array([type_id(types[i] + " " + types[j], types, index) for i, j in pairs])
        ids, run_start, doc_ptr = merge_pairs(ids, run_start, doc_ptr, a, b, merged)
    return model, TokenArrays(types, ids, run_start, doc_ptr)


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
    return learn_phrases_arrays(
        encode_runs(doc_runs), max_ngram=max_ngram, min_count=min_count, threshold=threshold
    )[0]
