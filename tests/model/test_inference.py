"""Tests for folding unseen documents into a fitted model (W2 and training rows fixed)."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pytest
import scipy.sparse as sp
import torch

from neurotopic.model.inference import fold_in, step_sizes
from neurotopic.train.sampling import IncidenceIndex

N_TERMS = 10  # terms 0-4 load on topic 0, terms 5-9 on topic 1


@pytest.fixture(autouse=True, scope="module")
def one_torch_thread() -> Iterator[None]:
    """Tiny full-batch steps run faster on one thread than on two contended ones."""
    n_threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(n_threads)


@pytest.fixture(scope="module")
def block_model() -> tuple[np.ndarray, np.ndarray, IncidenceIndex]:
    """A hand-made fitted model: block-structured lt, 20 training docs of one block each."""
    rng = np.random.default_rng(0)
    lt = np.where(np.arange(N_TERMS)[:, None] < 5, [0.9, 0.1], [0.1, 0.9])  # (V, 2)
    counts = np.zeros((20, N_TERMS), dtype=np.float32)
    for d in range(20):
        block = 0 if d < 10 else 5
        counts[d, block + rng.choice(5, size=3, replace=False)] = 1.0
    ld = np.where(np.arange(20)[:, None] < 10, [0.95, 0.05], [0.05, 0.95])  # (D, 2)
    return lt, ld, IncidenceIndex(sp.csr_matrix(counts))


def new_docs(*term_lists: list[int]) -> sp.csr_matrix:
    X = np.zeros((len(term_lists), N_TERMS), dtype=np.float32)
    for d, terms in enumerate(term_lists):
        X[d, terms] = 1.0
    return sp.csr_matrix(X)


def softmax(logits: np.ndarray) -> np.ndarray:
    e = np.exp(logits - logits.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def test_new_documents_get_the_topic_of_their_terms(
    block_model: tuple[np.ndarray, np.ndarray, IncidenceIndex],
) -> None:
    lt, ld, index = block_model
    X = new_docs([5, 6, 7], [0, 1], [1, 2, 8, 9], [])
    for seed in range(5):  # the draws differ by seed; the outcome should not
        logits = fold_in(X, lt, ld, index, seed=seed)
        assert logits.shape == (4, 2) and logits.dtype == np.float32
        theta = softmax(logits)
        assert theta[0, 1] > 0.6  # block-1 terms -> topic 1
        assert theta[1, 0] > 0.6  # block-0 terms -> topic 0
        assert theta[1, 1] < theta[2, 1] < theta[0, 1]  # a mixed document sits between
        assert np.all(logits[3] == 0.0)  # no terms -> uniform


def test_fold_in_is_deterministic(
    block_model: tuple[np.ndarray, np.ndarray, IncidenceIndex],
) -> None:
    lt, ld, index = block_model
    X = new_docs([5, 6], [0, 3, 9], [2, 4, 6])
    one = fold_in(X, lt, ld, index, steps=20, seed=3)
    two = fold_in(X, lt, ld, index, steps=20, seed=3)
    assert np.array_equal(one, two)


def test_documents_without_terms_and_zero_steps_give_zero_logits(
    block_model: tuple[np.ndarray, np.ndarray, IncidenceIndex],
) -> None:
    lt, ld, index = block_model
    empty = fold_in(new_docs([], []), lt, ld, index)
    assert empty.shape == (2, 2) and np.all(empty == 0.0)
    no_steps = fold_in(new_docs([5, 6]), lt, ld, index, steps=0)
    assert np.all(no_steps == 0.0)


def test_term_counts_do_not_matter(
    block_model: tuple[np.ndarray, np.ndarray, IncidenceIndex],
) -> None:
    # Like training, fold-in ranks incidences: a repeated term is one incidence.
    lt, ld, index = block_model
    once = fold_in(new_docs([0, 6, 7]), lt, ld, index, steps=20, seed=1)
    repeated = new_docs([0, 6, 7]).multiply(np.array([[3.0] + [1.0] * 5 + [2.0] * 4]))
    many = fold_in(sp.csr_matrix(repeated), lt, ld, index, steps=20, seed=1)
    np.testing.assert_allclose(once, many, rtol=1e-6)


def test_step_sizes_grow_with_the_terms_between_one_and_four_times_the_base() -> None:
    rates = step_sizes(np.array([1, 10, 15, 40, 500]), 0.01)
    assert rates.dtype == np.float32
    np.testing.assert_allclose(rates, [0.01, 0.01, 0.015, 0.04, 0.04], rtol=1e-6)


def test_grown_steps_take_a_longer_document_further_per_step() -> None:
    """One Adam step moves each logit by about the document's step: with grown steps,
    longer documents further; by default, every document alike."""
    rng = np.random.default_rng(0)
    n_terms, n_topics = 60, 3
    lt = rng.uniform(0.05, 0.95, size=(n_terms, n_topics))
    train = np.zeros((30, n_terms), dtype=np.float32)
    for d in range(30):
        train[d, rng.choice(n_terms, size=8, replace=False)] = 1.0
    ld = rng.dirichlet(np.ones(n_topics), size=30)
    index = IncidenceIndex(sp.csr_matrix(train))
    X = np.zeros((3, n_terms), dtype=np.float32)
    for d, length in enumerate((5, 20, 50)):
        X[d, rng.choice(n_terms, size=length, replace=False)] = 1.0
    X = sp.csr_matrix(X)
    grown = fold_in(X, lt, ld, index, steps=1, learning_rate=0.01, grow_with_terms=True)
    np.testing.assert_allclose(np.abs(grown).max(axis=1), [0.01, 0.02, 0.04], rtol=1e-3)
    fixed = fold_in(X, lt, ld, index, steps=1, learning_rate=0.01)  # the default
    np.testing.assert_allclose(np.abs(fixed).max(axis=1), [0.01, 0.01, 0.01], rtol=1e-3)
