"""Terms, their ids and document frequencies, and the document-term matrix."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from .errors import NeurotopicError
from .text import Analyzer, PhraseModel, Run, learn_phrases, resolve_stop_words


@dataclass(frozen=True)
class Vocabulary:
    """An ordered list of terms with their document frequencies.

    Attributes
    ----------
    terms : list of str
        Term strings; a term's id is its position.  Multi-word terms use spaces.
    doc_freq : ndarray of shape (n_terms,)
        Number of training documents containing each term.
    n_docs : int
        Number of training documents the frequencies were counted on.
    """

    terms: list[str]
    doc_freq: np.ndarray
    n_docs: int

    def __len__(self) -> int:
        return len(self.terms)

    @property
    def index(self) -> dict[str, int]:
        """Term -> id mapping (built on each call; cache it in loops)."""
        return {t: i for i, t in enumerate(self.terms)}

    def subset(self, keep: np.ndarray) -> Vocabulary:
        """The vocabulary restricted to the ids in ``keep`` (order kept)."""
        keep = np.asarray(keep, dtype=np.int64)
        return Vocabulary([self.terms[i] for i in keep], self.doc_freq[keep], self.n_docs)

    def doc_term_matrix(self, docs: Sequence[Sequence[str]]) -> sp.csr_matrix:
        """Count matrix of documents over this vocabulary.

        Parameters
        ----------
        docs : sequence of sequence of str
            Term tokens of each document; tokens outside the vocabulary are ignored.

        Returns
        -------
        scipy.sparse.csr_matrix of shape (n_docs, n_terms), float32
            ``X[d, g]`` = occurrences of term ``g`` in document ``d``; sorted indices.
        """
        index = self.index
        indptr = np.zeros(len(docs) + 1, dtype=np.int64)
        ids: list[int] = []
        for d, doc in enumerate(docs):
            ids.extend(i for i in map(index.get, doc) if i is not None)
            indptr[d + 1] = len(ids)
        indices = np.asarray(ids, dtype=np.int32)
        data = np.ones(len(indices), dtype=np.float32)
        X = sp.csr_matrix((data, indices, indptr), shape=(len(docs), len(self.terms)))
        X.sum_duplicates()  # merges repeats into counts and sorts indices
        return X


def build_vocabulary(
    docs: Sequence[Sequence[str]],
    *,
    min_df: int = 5,
    max_df: float = 0.5,
    max_terms: int | None = 30_000,
) -> Vocabulary:
    """Count document frequencies and keep the terms that pass the filters.

    Parameters
    ----------
    docs : sequence of sequence of str
        Term tokens of each document.
    min_df : int
        Keep terms in at least this many documents.
    max_df : float
        Drop terms in more than this share of documents (corpus-specific stop words).
    max_terms : int or None
        Keep at most this many terms, the most frequent by document frequency (ties
        broken alphabetically, so the result is deterministic).

    Returns
    -------
    Vocabulary
        Terms sorted by decreasing document frequency, then alphabetically.

    Raises
    ------
    NeurotopicError
        If no term passes the filters.
    """
    if min_df < 1:
        raise NeurotopicError(f"min_df must be >= 1, got {min_df}; pass a positive integer")
    if not 0.0 < max_df <= 1.0:
        raise NeurotopicError(f"max_df must be in (0, 1], got {max_df}; pass a share of documents")
    if max_terms is not None and max_terms < 1:
        raise NeurotopicError(
            f"max_terms must be >= 1 or None, got {max_terms}; pass a positive cap"
        )
    df: Counter[str] = Counter()
    for doc in docs:
        df.update(set(doc))
    limit = max_df * len(docs)
    kept = [(t, c) for t, c in df.items() if c >= min_df and c <= limit]
    if not kept:
        raise NeurotopicError(
            f"the corpus is empty after filtering ({len(docs)} documents, {len(df)} distinct "
            f"terms, none in at least min_df={min_df} and at most max_df={max_df:g} of the "
            "documents); give more or longer documents, or lower min_df"
        )
    kept.sort(key=lambda tc: (-tc[1], tc[0]))
    if max_terms is not None:
        kept = kept[:max_terms]
    terms = [t for t, _ in kept]
    freq = np.array([c for _, c in kept], dtype=np.int64)
    return Vocabulary(terms, freq, len(docs))


@dataclass(frozen=True)
class CorpusTerms:
    """A corpus turned into terms: the analyzer, each document's runs and terms."""

    analyzer: Analyzer
    doc_runs: list[list[Run]]  # content-word runs, before phrase merging
    doc_terms: list[list[str]]  # terms in order (phrases merged), before filtering
    vocabulary: Vocabulary


def analyse_corpus(
    texts: Sequence[str],
    *,
    stop_words: str | Sequence[str] | None = "english",
    max_ngram: int = 3,
    min_df: int = 5,
    max_df: float = 0.5,
    max_terms: int | None = 30_000,
) -> CorpusTerms:
    """Tokenise, learn phrases and build the vocabulary: the text stage of every model.

    neurotopic and the LDA models of :mod:`neurotopic.compare` share this function, so
    they see the same terms.
    """
    analyzer = Analyzer(resolve_stop_words(stop_words), PhraseModel(max_ngram=max_ngram))
    doc_runs = [analyzer.runs(t) for t in texts]
    analyzer.phrases = learn_phrases(doc_runs, max_ngram=max_ngram)
    doc_terms = [[t for r in runs for t in r] for runs in analyzer.phrases.apply_docs(doc_runs)]
    vocab = build_vocabulary(doc_terms, min_df=min_df, max_df=max_df, max_terms=max_terms)
    return CorpusTerms(analyzer, doc_runs, doc_terms, vocab)
