"""Terms, their ids and document frequencies, and the document-term matrix.

Everything here works on a corpus in array form (:class:`~neurotopic.tokens.TokenArrays`):
document frequencies are a ``numpy.unique`` over ``(document, type)`` keys and the
document-term matrix is built from the id arrays directly.  Lists of token lists are
accepted too, and encoded first.
"""

from __future__ import annotations

import itertools
import warnings
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from ..errors import NeurotopicError
from .analyzer import Analyzer, Coverage
from .language import AUTO, check_language, detect_language
from .phrases import PhraseModel, learn_phrases_arrays
from .tokens import TokenArrays, encode_runs, unique_counts
from .words import Document, Run, encode_texts, resolve_stop_words


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

    def doc_term_matrix(self, docs: Sequence[Sequence[str]] | TokenArrays) -> sp.csr_matrix:
        """Count matrix of documents over this vocabulary.

        Parameters
        ----------
        docs : sequence of sequence of str, or TokenArrays
            Term tokens of each document; tokens outside the vocabulary are ignored.

        Returns
        -------
        scipy.sparse.csr_matrix of shape (n_docs, n_terms), float32
            ``X[d, g]`` = occurrences of term ``g`` in document ``d``; sorted indices.
        """
        tokens = docs if isinstance(docs, TokenArrays) else encode_runs([d] for d in docs)
        column = np.full(len(tokens.types), -1, dtype=np.int64)  # type id -> term id
        types = tokens.type_index()
        for term, g in self.index.items():
            if term in types:
                column[types[term]] = g
        cols = column[tokens.ids]  # (n_tokens,)
        kept = cols >= 0
        per_doc = np.bincount(tokens.doc_ids()[kept], minlength=tokens.n_docs)
        indptr = np.concatenate([[0], np.cumsum(per_doc)]).astype(np.int64)
        indices = cols[kept].astype(np.int32)
        data = np.ones(len(indices), dtype=np.float32)
        X = sp.csr_matrix((data, indices, indptr), shape=(tokens.n_docs, len(self.terms)))
        X.sum_duplicates()  # merges repeats into counts and sorts indices
        return X


def document_frequencies(tokens: TokenArrays) -> np.ndarray:
    """Number of documents containing each type, shape (n_types,), int64."""
    n_types = len(tokens.types)
    keys, _ = unique_counts(tokens.doc_ids() * n_types + tokens.ids)  # distinct (doc, type)
    return np.bincount(keys % n_types, minlength=n_types)


def build_vocabulary(
    docs: Sequence[Sequence[str]] | TokenArrays,
    *,
    min_df: int = 5,
    max_df: float = 0.5,
    max_terms: int | None = 30_000,
) -> Vocabulary:
    """Count document frequencies and keep the terms that pass the filters.

    Parameters
    ----------
    docs : sequence of sequence of str, or TokenArrays
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
    tokens = docs if isinstance(docs, TokenArrays) else encode_runs([d] for d in docs)
    df = document_frequencies(tokens)  # (n_types,)
    n_docs = tokens.n_docs
    limit = max_df * n_docs
    kept = [
        (tokens.types[i], int(df[i]))
        for i in np.flatnonzero((df >= min_df) & (df <= limit)).tolist()
    ]
    if not kept:
        raise NeurotopicError(
            f"the corpus is empty after filtering ({n_docs} documents, "
            f"{np.count_nonzero(df)} distinct terms, none in at least min_df={min_df} and at "
            f"most max_df={max_df:g} of the documents); give more or longer documents, or "
            "lower min_df"
        )
    kept.sort(key=lambda tc: (-tc[1], tc[0]))
    if max_terms is not None:
        kept = kept[:max_terms]
    terms = [t for t, _ in kept]
    freq = np.array([c for _, c in kept], dtype=np.int64)
    return Vocabulary(terms, freq, n_docs)


@dataclass(frozen=True)
class CorpusTerms:
    """A corpus turned into terms: the analyzer, its words and terms, the vocabulary.

    Attributes
    ----------
    analyzer : Analyzer
        Stop words and learned phrases, to turn new documents into the same terms.
    words : TokenArrays
        Content words with their runs, before phrase merging (what word vectors learn on).
    terms : TokenArrays
        Terms in order (phrases merged), before vocabulary filtering.
    vocabulary : Vocabulary
    """

    analyzer: Analyzer
    words: TokenArrays
    terms: TokenArrays
    vocabulary: Vocabulary

    @property
    def doc_runs(self) -> list[list[Run]]:
        """Each document's content-word runs, before phrase merging (Python lists)."""
        return self.words.to_runs()

    @property
    def doc_terms(self) -> list[list[str]]:
        """Each document's terms in order, before filtering (Python lists)."""
        return self.terms.to_lists()


#: Documents of a streamed corpus read ahead to detect its language.
DETECTION_PREFIX = 1000
#: Documents whose language is detected.
DETECTION_SAMPLE = 200


def _plain_text(doc: Document) -> str:
    return doc if isinstance(doc, str) else " ".join(doc)


def resolve_language(
    language: str, docs: Iterable[Document]
) -> tuple[str, Iterable[Document], bool]:
    """The corpus's language code, the documents to read and whether they are tokens.

    ``"auto"`` detects the language from 200 documents spread through a sequence, or
    through a stream's first 1,000 (which are then read again); a code is checked and
    returned.  The first document tells raw text from pre-tokenized input.

    Returns
    -------
    language : str
    docs : iterable
        The same documents (a stream re-chained after the read-ahead).
    pretokenized : bool
    """
    code = check_language(language)
    if isinstance(docs, Sequence) and not isinstance(docs, str):
        head: Sequence[Document] = docs
        rest: Iterable[Document] = docs
    else:
        stream: Iterator[Document] = iter(docs)
        head = list(itertools.islice(stream, DETECTION_PREFIX if code == AUTO else 1))
        rest = itertools.chain(head, stream)
    pretokenized = len(head) > 0 and not isinstance(head[0], str)
    if code == AUTO:  # evenly spaced documents vote
        step = max(1, len(head) // DETECTION_SAMPLE)
        code = detect_language([_plain_text(head[i]) for i in range(0, len(head), step)])
    return code, rest, pretokenized


def analyse_corpus(
    texts: Iterable[Document],
    *,
    stop_words: str | Sequence[str] | None = "auto",
    language: str = "auto",
    tokenizer: Callable[[str], Sequence[str]] | None = None,
    max_ngram: int = 3,
    min_df: int = 5,
    max_df: float = 0.5,
    max_terms: int | None = 30_000,
) -> CorpusTerms:
    """Tokenise, learn phrases and build the vocabulary: the text stage of every model.

    The texts are read once, as a stream (a generator is fine), into arrays; see
    :func:`neurotopic.text.encode_texts`.  neurotopic and the LDA models of
    :mod:`neurotopic.compare` share this function, so they see the same terms.

    Parameters
    ----------
    texts : iterable of str, or of lists of str
        Raw documents, or each document's tokens (pre-tokenized input).
    stop_words, language, tokenizer, max_ngram, min_df, max_df, max_terms
        As in :class:`~neurotopic.NeuralTopicModel`.

    Warns
    -----
    UserWarning
        When more than 20% of the letters and digits of the raw text are in no token,
        or the language is written without spaces and has no segmenter here.
    """
    if tokenizer is not None and not callable(tokenizer):
        raise NeurotopicError(
            f"tokenizer must be a function from a text to a list of tokens, got {tokenizer!r}"
        )
    code, docs, pretokenized = resolve_language(language, texts)
    stop = resolve_stop_words(stop_words, code)
    analyzer = Analyzer(
        stop,
        PhraseModel(max_ngram=max_ngram),
        language=code,
        custom_tokenizer=tokenizer is not None or pretokenized,
        tokenizer=tokenizer,
    )
    if analyzer.spaceless and not pretokenized:
        warnings.warn(
            f"language '{code}' is written without spaces and neurotopic has no word "
            "segmenter for it: each run of its letters is one token; pass tokenizer= with "
            "a segmenter for it",
            UserWarning,
            stacklevel=2,
        )
    coverage = Coverage(analyzer.tokens, segmented=analyzer.segmented)
    words = encode_texts(docs, stop, tokenizer=coverage)
    coverage.warn_if_low(code)
    phrases, terms = learn_phrases_arrays(words, max_ngram=max_ngram)
    analyzer.phrases = phrases
    vocab = build_vocabulary(terms, min_df=min_df, max_df=max_df, max_terms=max_terms)
    return CorpusTerms(analyzer, words, terms, vocab)
