"""Tests for document-frequency filtering, term order and the document-term matrix."""

from __future__ import annotations

import numpy as np
import pytest

from neurotopic.datasets import load_bbc
from neurotopic.errors import NeurotopicError
from neurotopic.text.text import Analyzer, PhraseModel, default_stop_words
from neurotopic.text.tokens import encode_runs
from neurotopic.text.vocabulary import Vocabulary, analyse_corpus, build_vocabulary

# Document frequencies: a 5, b 3, d 2, e 2, c 1 (of 5 documents); "b" twice in doc 0.
DOCS = [
    ["a", "b", "b", "c"],
    ["a", "b", "d"],
    ["a", "b", "e"],
    ["a", "d", "e"],
    ["a"],
]


def test_filters_are_exact_on_a_hand_example() -> None:
    vocab = build_vocabulary(DOCS, min_df=2, max_df=0.6, max_terms=None)
    # a (5 > 0.6 * 5 = 3) and c (1 < 2) are dropped; b (3 <= 3) is kept.
    assert vocab.terms == ["b", "d", "e"]
    assert vocab.doc_freq.tolist() == [3, 2, 2]
    assert vocab.n_docs == 5
    assert len(vocab) == 3


def test_min_df_and_max_df_bounds() -> None:
    assert build_vocabulary(DOCS, min_df=1, max_df=1.0, max_terms=None).terms == [
        "a",
        "b",
        "d",
        "e",
        "c",
    ]
    assert build_vocabulary(DOCS, min_df=3, max_df=1.0, max_terms=None).terms == ["a", "b"]
    # b is in 3/5 = 0.6 of the documents: kept at max_df=0.6, dropped just below.
    assert "b" not in build_vocabulary(DOCS, min_df=1, max_df=0.59, max_terms=None).terms


def test_max_terms_keeps_most_frequent_with_alphabetical_ties() -> None:
    assert build_vocabulary(DOCS, min_df=1, max_df=1.0, max_terms=3).terms == ["a", "b", "d"]
    assert build_vocabulary(DOCS, min_df=1, max_df=1.0, max_terms=100).terms == [
        "a",
        "b",
        "d",
        "e",
        "c",
    ]


def test_order_does_not_depend_on_document_or_token_order() -> None:
    shuffled = [list(reversed(doc)) for doc in reversed(DOCS)]
    one = build_vocabulary(DOCS, min_df=1, max_df=1.0, max_terms=None)
    other = build_vocabulary(shuffled, min_df=1, max_df=1.0, max_terms=None)
    assert one.terms == other.terms
    assert np.array_equal(one.doc_freq, other.doc_freq)


def test_empty_after_filtering_raises_one_line_error() -> None:
    with pytest.raises(NeurotopicError, match="min_df") as info:
        build_vocabulary(DOCS, min_df=6, max_df=1.0)
    assert "\n" not in str(info.value)
    assert isinstance(info.value, ValueError)


@pytest.mark.parametrize(("min_df", "max_df"), [(0, 0.5), (1, 0.0), (1, 1.5)])
def test_bad_filter_values_raise(min_df: int, max_df: float) -> None:
    with pytest.raises(NeurotopicError):
        build_vocabulary(DOCS, min_df=min_df, max_df=max_df)


@pytest.mark.parametrize("max_terms", [0, -1])
def test_non_positive_max_terms_raises(max_terms: int) -> None:
    with pytest.raises(NeurotopicError):
        build_vocabulary(DOCS, min_df=1, max_df=1.0, max_terms=max_terms)


def test_index_and_subset() -> None:
    vocab = build_vocabulary(DOCS, min_df=1, max_df=1.0, max_terms=None)
    assert vocab.index == {"a": 0, "b": 1, "d": 2, "e": 3, "c": 4}
    sub = vocab.subset(np.array([3, 1]))
    assert sub.terms == ["e", "b"]
    assert sub.doc_freq.tolist() == [2, 3]
    assert sub.n_docs == 5


def test_doc_term_matrix_counts_and_ignores_unknown_tokens() -> None:
    vocab = Vocabulary(["b", "d", "e"], np.array([3, 2, 2]), 5)
    X = vocab.doc_term_matrix([["e", "b", "zzz", "b"], [], ["d", "d", "d", "a"]])
    assert X.shape == (3, 3)
    assert X.dtype == np.float32
    assert X.toarray().tolist() == [[2, 0, 1], [0, 0, 0], [0, 3, 0]]
    assert X.has_sorted_indices
    assert X.nnz == 3  # repeats merged into counts


def test_doc_term_matrix_matches_vocabulary_on_bbc() -> None:
    texts = load_bbc().texts[::11]
    analyzer = Analyzer(default_stop_words(), PhraseModel())
    docs = [analyzer.terms(t) for t in texts]
    vocab = build_vocabulary(docs, min_df=3, max_df=0.5, max_terms=500)
    assert len(vocab) == 500
    assert np.all(np.diff(vocab.doc_freq) <= 0)  # decreasing document frequency
    X = vocab.doc_term_matrix(docs)
    assert np.array_equal(np.asarray((X > 0).sum(axis=0)).ravel(), vocab.doc_freq)
    index = vocab.index
    assert X.sum() == sum(1 for doc in docs for t in doc if t in index)
    assert vocab.doc_freq.min() >= 3
    assert vocab.doc_freq.max() <= 0.5 * len(docs)


def test_token_arrays_give_the_same_vocabulary_and_matrix_as_lists() -> None:
    texts = load_bbc().texts[::11]
    corpus = analyse_corpus(texts, min_df=3)
    docs = corpus.doc_terms  # Python lists of the same terms
    assert docs == [
        [t for r in runs for t in r] for runs in corpus.analyzer.phrases.apply_docs(corpus.doc_runs)
    ]
    from_lists = build_vocabulary(docs, min_df=3)
    assert from_lists.terms == corpus.vocabulary.terms
    np.testing.assert_array_equal(from_lists.doc_freq, corpus.vocabulary.doc_freq)
    X = corpus.vocabulary.doc_term_matrix(corpus.terms)
    assert (X != corpus.vocabulary.doc_term_matrix(docs)).nnz == 0
    assert (X != corpus.vocabulary.doc_term_matrix(encode_runs([d] for d in docs))).nnz == 0
    # Every document's terms are those the analyzer gives it alone.
    analyzer, index = corpus.analyzer, corpus.vocabulary.index
    for d in (0, 7, len(texts) - 1):
        counts = np.zeros(len(index))
        for t in analyzer.terms(texts[d]):
            if t in index:
                counts[index[t]] += 1
        np.testing.assert_array_equal(X[d].toarray().ravel(), counts)
