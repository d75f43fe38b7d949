"""The documents' topic shares: one pLSA step from ``ld``."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp

from neurotopic import NeuralTopicModel
from neurotopic.evaluation.metrics import doc_topic_accuracy
from neurotopic.model.shares import doc_topic_shares


def _random_case(seed: int = 0) -> tuple[sp.csr_matrix, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    counts = rng.poisson(0.4, size=(30, 40)).astype(float)
    counts[7] = 0.0  # a document without terms
    ld = rng.dirichlet(np.ones(6), size=30)
    beta = rng.dirichlet(np.full(40, 0.3), size=6)
    return sp.csr_matrix(counts), ld, beta


def test_shares_are_the_posterior_share_of_each_occurrence() -> None:
    X, ld, beta = _random_case()
    shares = doc_topic_shares(X, ld, beta)
    assert shares.dtype == np.float32
    dense = X.toarray()
    for d in range(dense.shape[0]):
        if dense[d].sum() == 0:
            np.testing.assert_allclose(shares[d], ld[d], rtol=1e-6)  # no evidence: ld
            continue
        posterior = ld[d][:, None] * beta  # (K, V): r_dgk before normalising over k
        posterior /= posterior.sum(axis=0, keepdims=True)
        expected = posterior @ dense[d] / dense[d].sum()
        np.testing.assert_allclose(shares[d], expected, rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(shares.sum(axis=1), 1.0, rtol=1e-6)


def test_shares_do_not_depend_on_the_thread_count() -> None:
    import numba

    X, ld, beta = _random_case(1)
    before = numba.get_num_threads()
    try:
        numba.set_num_threads(1)
        one = doc_topic_shares(X, ld, beta)
        numba.set_num_threads(min(2, numba.config.NUMBA_NUM_THREADS))
        np.testing.assert_array_equal(doc_topic_shares(X, ld, beta), one)
    finally:
        numba.set_num_threads(before)
    with pytest.raises(ValueError, match="shapes disagree"):
        doc_topic_shares(X, ld[:, :3], beta)


def test_shares_follow_the_words_and_ignore_topics_words_cannot_tell_apart() -> None:
    # terms 0-1 belong to topic 0 only, terms 2-3 to topic 1 only
    beta = np.array([[0.5, 0.5, 0.0, 0.0], [0.0, 0.0, 0.5, 0.5]])
    X = sp.csr_matrix(np.array([[3.0, 1.0, 0.0, 0.0], [1.0, 0.0, 1.0, 0.0]]))
    ld = np.array([[0.2, 0.8], [0.9, 0.1]])
    np.testing.assert_allclose(
        doc_topic_shares(X, ld, beta), [[1.0, 0.0], [0.5, 0.5]], rtol=1e-6, atol=1e-7
    )
    # topics with the same term distribution: the words carry no evidence, ld stays
    same = np.full((2, 4), 0.25)
    np.testing.assert_allclose(doc_topic_shares(X, ld, same), ld, rtol=1e-6)


def test_returned_rows_are_shares_that_spread_across_documents(
    fitted: NeuralTopicModel, bbc_small: tuple[list[str], list[str]]
) -> None:
    """On real text the rows are the shares of ld, and they separate documents more."""
    theta, ld = fitted.doc_topic_, fitted.doc_mixture_
    np.testing.assert_allclose(
        theta, doc_topic_shares(fitted.X_train_, ld, fitted.topic_term_), rtol=1e-12
    )
    np.testing.assert_allclose(theta.sum(axis=1), 1.0, rtol=1e-6)
    np.testing.assert_allclose(fitted.topic_prevalence_, theta.mean(axis=0))
    # each topic's share varies more between documents than its ld does
    assert (theta.std(axis=0) > ld.std(axis=0)).all()
    assert (theta.argmax(axis=1) == ld.argmax(axis=1)).mean() > 0.8
    labels = bbc_small[1]
    assert (
        doc_topic_accuracy(theta, labels)["accuracy"]
        >= doc_topic_accuracy(ld, labels)["accuracy"] - 0.02
    )
