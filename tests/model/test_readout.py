"""Tests for the data-driven topic-term readout, relevance and top-term selection."""

from __future__ import annotations

import doctest

import numpy as np
import pytest
import scipy.sparse as sp

from neurotopic import NeuralTopicModel
from neurotopic.model import readout
from neurotopic.model.readout import choose_relevance, data_topic_term, relevance, top_term_ids


@pytest.fixture
def problem() -> tuple[sp.csr_matrix, np.ndarray, np.ndarray]:
    """Counts (8 docs x 6 terms, term 4 never occurs), lt and ld."""
    rng = np.random.default_rng(0)
    counts = rng.integers(0, 4, size=(8, 6)) * (rng.random((8, 6)) < 0.6)
    counts[:, 4] = 0
    counts[0, 0] = 2  # term 0 occurs somewhere
    lt = rng.uniform(0.05, 0.95, size=(6, 3))
    logits = rng.normal(size=(8, 3))
    ld = np.exp(logits) / np.exp(logits).sum(1, keepdims=True)
    return sp.csr_matrix(counts.astype(np.float32)), lt, ld


def test_docstring_example() -> None:
    runner = doctest.DocTestRunner()
    for test in doctest.DocTestFinder().find(readout):
        runner.run(test)
    results = runner.summarize(verbose=False)
    assert results.attempted >= 2
    assert results.failed == 0


def test_rows_are_distributions_with_no_mass_on_unseen_terms(
    problem: tuple[sp.csr_matrix, np.ndarray, np.ndarray],
) -> None:
    X, lt, ld = problem
    beta = data_topic_term(X, lt, ld)
    assert beta.shape == (3, 6) and beta.dtype == np.float64
    np.testing.assert_allclose(beta.sum(axis=1), 1.0, rtol=1e-12)
    assert np.all(beta >= 0)
    assert np.all(beta[:, 4] == 0.0)


def test_matches_a_loop_over_occurrences(
    problem: tuple[sp.csr_matrix, np.ndarray, np.ndarray],
) -> None:
    X, lt, ld = problem
    dense = X.toarray()
    n_kg = np.zeros((3, 6))
    for d in range(dense.shape[0]):
        for g in range(dense.shape[1]):
            if dense[d, g]:
                resp = lt[g] * ld[d] / (lt[g] * ld[d]).sum()  # r_dgk
                n_kg[:, g] += dense[d, g] * resp
    expected = n_kg / n_kg.sum(axis=1, keepdims=True)
    np.testing.assert_allclose(data_topic_term(X, lt, ld), expected, rtol=1e-10)


def test_total_mass_equals_the_counts(
    problem: tuple[sp.csr_matrix, np.ndarray, np.ndarray],
) -> None:
    # Responsibilities sum to 1 over topics, so the un-normalised n_kg spread each term's
    # count over topics; with a single topic beta is the corpus term distribution.
    X, lt, _ = problem
    beta = data_topic_term(X, lt[:, :1], np.ones((X.shape[0], 1)))
    counts = np.asarray(X.sum(axis=0)).ravel()
    np.testing.assert_allclose(beta[0], counts / counts.sum(), rtol=1e-10)


def test_relevance_lam_one_is_log_beta() -> None:
    beta = np.array([[0.5, 0.3, 0.2, 0.0], [0.1, 0.1, 0.1, 0.7]])
    p = np.array([0.4, 0.1, 0.1, 0.4])
    score = relevance(beta, p, lam=1.0)
    np.testing.assert_allclose(score[:, :3][0], np.log([0.5, 0.3, 0.2]))
    assert top_term_ids(score, 4).tolist() == top_term_ids(beta, 4).tolist()
    # Terms never assigned to a topic rank below every assigned term.
    assert score[0, 3] < score[0, :3].min()


def test_relevance_lam_zero_ranks_by_lift() -> None:
    beta = np.array([[0.5, 0.3, 0.2, 0.0]])
    p = np.array([0.7, 0.1, 0.1, 0.1])
    score = relevance(beta, p, lam=0.0)
    np.testing.assert_allclose(score[0, :3], np.log([0.5 / 0.7, 3.0, 2.0]))
    assert top_term_ids(score, 4).tolist() == [[1, 2, 0, 3]]
    mixed = relevance(beta, p, lam=0.6)
    np.testing.assert_allclose(
        mixed[0, :3], 0.6 * np.log(beta[0, :3]) + 0.4 * np.log(beta[0, :3] / p[:3])
    )


def test_top_term_ids_breaks_ties_by_lower_id() -> None:
    scores = np.array([[1.0, 3.0, 3.0, 0.0, 3.0], [2.0, 2.0, 2.0, 2.0, 2.0]])
    assert top_term_ids(scores, 3).tolist() == [[1, 2, 4], [0, 1, 2]]
    assert top_term_ids(scores, 10).shape == (2, 5)
    assert top_term_ids(scores, 10)[0].tolist() == [1, 2, 4, 0, 3]


def test_data_topic_term_in_blocks_is_exact() -> None:
    rng = np.random.default_rng(0)
    X = sp.random(300, 80, density=0.05, random_state=1, format="csr", dtype=np.float32)
    X.data[:] = rng.integers(1, 4, X.nnz)
    lt = rng.random((80, 7)).astype(np.float32)
    ld = rng.dirichlet(np.ones(7), 300)
    whole = data_topic_term(X, lt, ld)
    for block_size in (1, 50, 700):  # one document per block ... a few dozen
        np.testing.assert_array_equal(data_topic_term(X, lt, ld, block_size=block_size), whole)


def test_background_topics_are_tilted_background_distributions() -> None:
    rng = np.random.default_rng(1)
    z = rng.normal(scale=3.0, size=(50, 4))  # (V, K)
    p = rng.dirichlet(np.ones(50))
    p[7] = 0.0  # a term that never occurs gets no mass
    p /= p.sum()
    beta = readout.background_topic_term(z, p, scale=0.5)
    assert beta.shape == (4, 50)
    np.testing.assert_allclose(beta.sum(axis=1), 1.0)
    assert (beta[:, 7] == 0).all()
    # log beta - log p - a z is one constant per topic (the normaliser)
    seen = p > 0
    rest = np.log(beta[:, seen]) - np.log(p[seen]) - 0.5 * z[seen].T
    np.testing.assert_allclose(rest, rest[:, :1] * np.ones_like(rest), atol=1e-9)
    # a -> 0: every topic is the background
    np.testing.assert_allclose(readout.background_topic_term(z, p, 1e-9), np.tile(p, (4, 1)))


def test_background_scale_maximises_the_likelihood(
    problem: tuple[sp.csr_matrix, np.ndarray, np.ndarray],
) -> None:
    X, lt, ld = problem
    z = np.log(lt / (1 - lt)) * 3.0  # pre-activations of lt, sharpened
    counts = np.asarray(X.sum(axis=0)).ravel()
    p = counts / counts.sum()
    best = readout.fit_background_scale(X, z, p, ld, tol=1e-4)
    assert 0.01 < best < 10.0

    def loglik(a: float) -> float:
        return readout.log_likelihood(X, readout.background_topic_term(z, p, a), ld)

    grid = np.exp(np.linspace(np.log(0.01), np.log(10.0), 400))
    assert loglik(best) >= max(loglik(a) for a in grid) - 1e-6
    # the likelihood is a per-token mean, so a sub-sample of documents estimates it
    sub = readout.fit_background_scale(X, z, p, ld, max_incidences=X.nnz // 3, tol=1e-4)
    assert sub != best and abs(np.log(sub / best)) < 0.5


def test_log_likelihood_matches_a_loop(
    problem: tuple[sp.csr_matrix, np.ndarray, np.ndarray],
) -> None:
    X, lt, ld = problem
    beta = (lt / lt.sum(axis=0)).T  # (K, V)
    dense = X.toarray()
    total = sum(
        dense[d, g] * np.log(ld[d] @ beta[:, g])
        for d in range(dense.shape[0])
        for g in range(dense.shape[1])
        if dense[d, g]
    )
    assert readout.log_likelihood(X, beta, ld) == pytest.approx(total / dense.sum())


def _diversity_at(beta: np.ndarray, p: np.ndarray, lam: float, top_n: int) -> float:
    ids = top_term_ids(relevance(beta, p, lam), top_n)
    return np.unique(ids).size / ids.size


def test_choose_relevance_stops_at_the_first_step_that_costs_diversity() -> None:
    rng = np.random.default_rng(3)
    beta = rng.dirichlet(np.full(300, 0.05), size=12)
    beta[:, :5] += 0.05  # five terms frequent in every topic
    beta /= beta.sum(axis=1, keepdims=True)
    p = beta.mean(axis=0)
    lam = choose_relevance(beta, p, 0.3, tolerance=0.02, step=0.1, top_n=10)
    base = _diversity_at(beta, p, 0.3, 10)
    assert 0.3 <= lam < 2.0  # the shared terms stop it before the end
    assert _diversity_at(beta, p, lam, 10) >= base - 0.02
    assert _diversity_at(beta, p, round(lam + 0.1, 10), 10) < base - 0.02
    # a looser tolerance lets it go further, none keeps the base weight
    assert choose_relevance(beta, p, 0.3, tolerance=0.2, top_n=10) > lam
    assert choose_relevance(beta, p, 0.3, tolerance=-1.0, top_n=10) == 0.3


def test_choose_relevance_raises_the_weight_when_frequent_terms_are_exclusive() -> None:
    # disjoint topics: frequency never makes two topics share a term
    rng = np.random.default_rng(4)
    beta = np.zeros((6, 240))
    for k in range(6):
        beta[k, 40 * k : 40 * (k + 1)] = rng.dirichlet(np.full(40, 0.3))
    p = beta.mean(axis=0)
    assert choose_relevance(beta, p, 1.0, top_n=20) == readout.MAX_RELEVANCE
    assert choose_relevance(beta, p, 1.0, top_n=20, max_lambda=1.5) == 1.5


def test_read_topics_applies_the_policy_of_each_readout(fitted: NeuralTopicModel) -> None:
    from neurotopic.model.readout import (
        READOUTS,
        TrainedWeights,
        base_relevance,
        read_topics,
        short_documents,
    )

    z = fitted.term_vectors_ @ fitted.topic_weight_ + fitted.topic_bias_
    weights = TrainedWeights(
        fitted.X_train_, z, fitted.term_topic_, fitted.doc_mixture_, fitted.term_prob_
    )
    assert sorted(READOUTS) == ["background", "data", "embedding"]
    auto = read_topics("auto", weights)
    assert auto.name == "background" and auto.background_scale is not None
    np.testing.assert_allclose(auto.components, fitted.components_)
    assert not short_documents(fitted.X_train_)  # news articles
    assert auto.relevance_lambda == base_relevance("background", fitted.X_train_) == 0.3
    # A scale given is used as it is: the same components without a new search.
    again = read_topics("background", weights, auto.background_scale)
    np.testing.assert_array_equal(again.components, auto.components)
    data = read_topics("data", weights)
    assert data.background_scale is None and data.relevance_lambda == 0.5
    np.testing.assert_allclose(data.components.sum(axis=1), 1.0)
    embedding = read_topics("embedding", weights)
    assert embedding.relevance_lambda is None
    np.testing.assert_array_equal(embedding.components, fitted.term_topic_.T)
