"""Tests for W2's start (k-means, the auto-encoder) and the W1 initialisation."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pytest
import scipy.sparse as sp
import torch

from neurotopic.errors import NeurotopicError
from neurotopic.model.pretrain import (
    cluster_topic_weights,
    initial_doc_logits,
    pretrain_topic_weights,
    spherical_kmeans,
)


def low_rank_vectors(n_terms: int = 300, dim: int = 16, rank: int = 3, seed: int = 0) -> np.ndarray:
    """Unit term vectors that mostly live in a ``rank``-dimensional subspace."""
    rng = np.random.default_rng(seed)
    le = rng.normal(size=(n_terms, rank)) @ rng.normal(size=(rank, dim))
    le += 0.05 * rng.normal(size=(n_terms, dim))
    return (le / np.linalg.norm(le, axis=1, keepdims=True)).astype(np.float32)


def sigmoid(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-z))


@pytest.fixture(autouse=True, scope="module")
def one_torch_thread() -> Iterator[None]:
    """Tiny full-batch steps run faster on one thread than on two contended ones."""
    n_threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(n_threads)


# ------------------------------------------------- spherical k-means and W2


def clustered_vectors(
    n_clusters: int = 6, per: int = 40, dim: int = 12, seed: int = 0
) -> tuple[np.ndarray, np.ndarray]:
    """Unit vectors around ``n_clusters`` random directions, and each one's cluster."""
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(n_clusters, dim))
    labels = np.repeat(np.arange(n_clusters), per)
    vectors = centres[labels] + 0.25 * rng.normal(size=(len(labels), dim))
    return (vectors / np.linalg.norm(vectors, axis=1, keepdims=True)).astype(np.float32), labels


def test_spherical_kmeans_finds_planted_clusters() -> None:
    vectors, labels = clustered_vectors()
    centres = spherical_kmeans(vectors, 6, seed=0)
    np.testing.assert_allclose(np.linalg.norm(centres, axis=1), 1.0)
    assign = (vectors @ centres.T).argmax(axis=1)
    # every planted cluster maps to one centroid, and no two share one
    pairs = {(int(a), int(b)) for a, b in zip(labels, assign, strict=True)}
    assert len(pairs) == 6 and len({b for _, b in pairs}) == 6
    np.testing.assert_array_equal(centres, spherical_kmeans(vectors, 6, seed=0))


def test_cluster_topic_weights_light_up_the_nearest_terms() -> None:
    vectors, labels = clustered_vectors()
    W2, b = cluster_topic_weights(vectors, 6, scale=8.0, quantile=0.9, seed=0)
    assert W2.shape == (12, 6) and b.shape == (6,)
    np.testing.assert_allclose(np.linalg.norm(W2, axis=0), 8.0, rtol=1e-5)
    lt = sigmoid(vectors @ W2 + b)
    assert np.allclose((lt > 0.5).mean(axis=0), 0.1, atol=0.01)  # a tenth per topic
    # the terms a topic lights up come from one planted cluster
    for k in range(6):
        assert len(set(labels[lt[:, k] > 0.5])) == 1


def test_kmeans_needs_as_many_terms_as_topics() -> None:
    with pytest.raises(NeurotopicError, match="fewer than the 8 topics"):
        spherical_kmeans(np.eye(5, dtype=np.float32), 8)


# ----------------------------------------------------- pretrain_topic_weights


@pytest.mark.parametrize("spread", [0.5, 1.5])
def test_pre_activations_are_centred_with_the_requested_spread(spread: float) -> None:
    le = low_rank_vectors()
    weight, bias = pretrain_topic_weights(le, 4, steps=10, spread=spread, seed=0)
    assert weight.shape == (16, 4) and weight.dtype == np.float32
    assert bias.shape == (4,) and bias.dtype == np.float32
    z = le @ weight + bias  # (V, K)
    np.testing.assert_allclose(z.mean(axis=0), 0.0, atol=1e-4)
    np.testing.assert_allclose(z.std(axis=0, ddof=1), spread, rtol=1e-3)


def test_lt_leaves_the_saddle_point() -> None:
    le = low_rank_vectors()
    weight, bias = pretrain_topic_weights(le, 4, steps=10, seed=0)
    lt = sigmoid(le @ weight + bias)
    assert np.all(lt.std(axis=0) > 0.15)  # not 0.5 everywhere
    assert lt.min() < 0.2 and lt.max() > 0.8


def test_auto_encoder_finds_the_dominant_subspace() -> None:
    # Term vectors with two strong directions and 14 weak ones: the encoder of a
    # 2-unit auto-encoder should turn towards the strong ones (random start: ~0.3).
    rng = np.random.default_rng(0)
    basis, _ = np.linalg.qr(rng.normal(size=(16, 16)))
    scales = np.array([1.0, 1.0] + [0.15] * 14)
    le = ((rng.normal(size=(200, 16)) * scales) @ basis).astype(np.float32)
    strong = basis[:2]  # (2, dim)

    def alignment(steps: int) -> float:
        weight, _ = pretrain_topic_weights(le, 2, steps=steps, seed=0)
        return float(np.linalg.norm(strong @ weight) / np.linalg.norm(weight))

    start, trained = alignment(0), alignment(200)
    assert start < 0.4
    assert trained > 0.8


def test_pretrain_is_deterministic_given_the_seed() -> None:
    le = low_rank_vectors()
    one = pretrain_topic_weights(le, 4, steps=5, seed=7)
    two = pretrain_topic_weights(le, 4, steps=5, seed=7)
    other = pretrain_topic_weights(le, 4, steps=5, seed=8)
    assert np.array_equal(one[0], two[0]) and np.array_equal(one[1], two[1])
    assert not np.allclose(one[0], other[0])


# --------------------------------------------------------- initial_doc_logits


@pytest.fixture
def term_topic() -> np.ndarray:
    return np.random.default_rng(3).uniform(0.05, 0.95, size=(12, 3))


@pytest.fixture
def X() -> sp.csr_matrix:
    rng = np.random.default_rng(4)
    counts = rng.integers(0, 3, size=(40, 12)) * (rng.random((40, 12)) < 0.4)
    counts[[5, 17]] = 0  # two empty documents
    counts[8] = 0
    counts[8, [0, 3, 7]] = [1, 1, 1]
    counts[9] = 0
    counts[9, [0, 3, 7]] = [4, 2, 9]  # same terms as doc 8, other counts
    return sp.csr_matrix(counts.astype(np.float32))


@pytest.mark.parametrize("temperature", [1.0, 2.5])
def test_doc_logits_are_standardised_over_non_empty_docs(
    X: sp.csr_matrix, term_topic: np.ndarray, temperature: float
) -> None:
    logits = initial_doc_logits(X, term_topic, temperature=temperature)
    assert logits.shape == (40, 3) and logits.dtype == np.float32
    has = np.asarray(X.sum(axis=1)).ravel() > 0
    np.testing.assert_allclose(logits[has].mean(axis=0), 0.0, atol=1e-5)
    np.testing.assert_allclose(logits[has].std(axis=0), temperature, rtol=1e-4)
    assert np.all(logits[~has] == 0.0)


def test_doc_logits_use_the_mean_lt_of_present_terms(
    X: sp.csr_matrix, term_topic: np.ndarray
) -> None:
    logits = initial_doc_logits(X, term_topic)
    # Only presence counts: docs 8 and 9 share their terms, so their rows agree.
    np.testing.assert_allclose(logits[8], logits[9], rtol=1e-6)
    presence = (X.toarray() > 0).astype(np.float64)
    has = presence.sum(1) > 0
    mean = presence[has] @ term_topic / presence[has].sum(1, keepdims=True)
    expected = (mean - mean.mean(0)) / mean.std(0)
    np.testing.assert_allclose(logits[has], expected, rtol=1e-4, atol=1e-5)


def test_a_single_document_gets_zero_logits(term_topic: np.ndarray) -> None:
    X = sp.csr_matrix(np.array([[1, 0, 2] + [0] * 9, [0] * 12], dtype=np.float32))
    assert np.all(initial_doc_logits(X, term_topic) == 0.0)
