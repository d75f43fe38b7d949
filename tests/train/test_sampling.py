"""Tests for incidence lookup, negative sampling and the training/held-out triples."""

from __future__ import annotations

from collections import Counter

import numpy as np
import pytest
import scipy.sparse as sp
from scipy.stats import chisquare

from neurotopic.datasets import load_bbc
from neurotopic.errors import NeurotopicError
from neurotopic.text.text import Analyzer, PhraseModel, default_stop_words
from neurotopic.text.vocabulary import build_vocabulary
from neurotopic.train.sampling import IncidenceIndex, TripleSampler

# 6 documents x 4 terms; term 0 is in docs {0, 1}, term 3 in {5} only.
DENSE = np.array(
    [
        [2, 1, 0, 0],
        [1, 0, 1, 0],
        [0, 1, 1, 0],
        [0, 0, 1, 0],
        [0, 1, 0, 0],
        [0, 0, 3, 1],
    ],
    dtype=np.float32,
)
SMALL = sp.csr_matrix(DENSE)


@pytest.fixture(scope="module")
def bbc_X() -> sp.csr_matrix:
    analyzer = Analyzer(default_stop_words(), PhraseModel())
    docs = [analyzer.terms(t) for t in load_bbc().texts[::11]]
    vocab = build_vocabulary(docs, min_df=3, max_df=0.5, max_terms=500)
    return vocab.doc_term_matrix(docs)


def incidences(X: sp.csr_matrix) -> set[tuple[int, int]]:
    d, g = X.nonzero()
    return set(zip(g.tolist(), d.tolist(), strict=True))


# ----------------------------------------------------------- IncidenceIndex


@pytest.mark.parametrize("max_bitmap_bytes", [2**28, 0])  # bitmap, then sorted keys
def test_contains_matches_the_matrix_for_every_pair(max_bitmap_bytes: int) -> None:
    index = IncidenceIndex(SMALL, max_bitmap_bytes=max_bitmap_bytes)
    assert (index.bitmap is not None) == (max_bitmap_bytes > 0)
    assert (index.filter is not None) == (max_bitmap_bytes == 0)
    docs, terms = np.meshgrid(np.arange(6), np.arange(4), indexing="ij")
    assert np.array_equal(index.contains(docs, terms), DENSE > 0)
    assert np.all(np.diff(index.keys) > 0)
    assert index.doc_freq.tolist() == [2, 3, 4, 1]


def test_explicit_zero_is_not_an_incidence() -> None:
    X = sp.csr_matrix((np.array([1.0, 0.0]), np.array([0, 1]), np.array([0, 2, 2])), shape=(2, 2))
    index = IncidenceIndex(X)
    assert index.doc_freq.tolist() == [1, 0]


@pytest.mark.parametrize("max_bitmap_bytes", [2**28, 0])  # compiled pass, then rounds
def test_negatives_never_contain_the_term(max_bitmap_bytes: int) -> None:
    index = IncidenceIndex(SMALL, max_bitmap_bytes=max_bitmap_bytes)
    rng = np.random.default_rng(0)
    terms = np.tile(np.arange(4), 500)
    neg = index.sample_negatives(terms, 3, rng)
    assert neg.shape == (2000, 3)
    assert neg.dtype == np.int64
    assert not np.any(DENSE[neg, terms[:, None]] > 0)


@pytest.mark.parametrize("max_bitmap_bytes", [2**28, 0])
def test_negatives_are_uniform_over_allowed_documents(max_bitmap_bytes: int) -> None:
    index = IncidenceIndex(SMALL, max_bitmap_bytes=max_bitmap_bytes)
    rng = np.random.default_rng(1)
    # Term 1 is in docs {0, 2, 4}: negatives should spread evenly over {1, 3, 5}.
    neg = index.sample_negatives(np.ones(3000, dtype=np.int64), 2, rng)
    counts = np.bincount(neg.ravel(), minlength=6)
    assert counts[[0, 2, 4]].tolist() == [0, 0, 0]
    assert chisquare(counts[[1, 3, 5]]).pvalue > 1e-3


def test_pooled_negatives_come_from_the_pool_and_never_contain_the_term(
    bbc_X: sp.csr_matrix,
) -> None:
    index = IncidenceIndex(bbc_X)
    dense = bbc_X.toarray() > 0
    rng = np.random.default_rng(0)
    terms = rng.integers(0, bbc_X.shape[1], size=4096)
    n_docs = bbc_X.shape[0]
    pooled = index.sample_negatives(terms, 5, rng, pool=n_docs // 8)
    assert pooled.shape == (4096, 5)
    assert not np.any(dense[pooled, terms[:, None]])
    # All but rare fall-backs come from an eighth of the documents; plain draws reach all.
    assert len(np.unique(pooled)) < n_docs // 4
    plain = index.sample_negatives(terms, 5, rng)
    assert len(np.unique(plain)) > 0.9 * n_docs


def test_pooled_negatives_are_uniform_over_allowed_documents() -> None:
    index = IncidenceIndex(SMALL)
    rng = np.random.default_rng(1)
    neg = np.concatenate(
        [index.sample_negatives(np.ones(10, dtype=np.int64), 2, rng, pool=4) for _ in range(300)]
    )
    counts = np.bincount(neg.ravel(), minlength=6)
    assert counts[[0, 2, 4]].tolist() == [0, 0, 0]
    assert chisquare(counts[[1, 3, 5]]).pvalue > 1e-3


# ------------------------------------------------------------- TripleSampler


def test_holdout_is_about_one_percent_and_disjoint(bbc_X: sp.csr_matrix) -> None:
    sampler = TripleSampler(bbc_X, holdout=0.01, seed=0)
    nnz = bbc_X.nnz
    assert len(sampler.holdout_ids) == round(0.01 * nnz)
    assert np.intersect1d(sampler.holdout_ids, sampler.train_ids).size == 0
    assert np.array_equal(
        np.sort(np.concatenate([sampler.holdout_ids, sampler.train_ids])), np.arange(nnz)
    )
    assert sampler.n_train == nnz - len(sampler.holdout_ids)
    held = sampler.holdout_batch
    dense = bbc_X.toarray()
    assert np.all(dense[held.pos_docs, held.terms] > 0)  # positives are incidences
    assert held.neg_docs.shape == (len(held.terms), 1)
    assert not np.any(dense[held.neg_docs[:, 0], held.terms] > 0)
    # the matrix W1 starts from has every incidence but the held-out ones
    seen = sampler.training_matrix().toarray()
    assert np.all(seen[held.pos_docs, held.terms] == 0)
    assert seen.sum() == sampler.n_train and np.all((seen > 0) <= (dense > 0))


def test_no_holdout() -> None:
    sampler = TripleSampler(SMALL, holdout=0.0, seed=0)
    assert len(sampler.holdout_ids) == 0
    assert len(sampler.holdout_batch.terms) == 0
    assert sampler.n_train == SMALL.nnz


def test_epoch_visits_every_training_incidence_once(bbc_X: sp.csr_matrix) -> None:
    sampler = TripleSampler(bbc_X, n_negatives=3, seed=0)
    batches = list(sampler.epoch(batch_size=1000))
    assert all(len(b.terms) == 1000 for b in batches[:-1])
    assert 0 < len(batches[-1].terms) <= 1000
    pairs = Counter(
        (g, d) for b in batches for g, d in zip(b.terms.tolist(), b.pos_docs.tolist(), strict=True)
    )
    assert sum(pairs.values()) == sampler.n_train
    assert set(pairs.values()) == {1}
    held = set(
        zip(
            sampler.holdout_batch.terms.tolist(),
            sampler.holdout_batch.pos_docs.tolist(),
            strict=True,
        )
    )
    assert set(pairs) == incidences(bbc_X) - held
    dense = bbc_X.toarray()
    for b in batches:
        assert b.neg_docs.shape == (len(b.terms), 3)
        assert not np.any(dense[b.neg_docs, b.terms[:, None]] > 0)


def test_epochs_are_shuffled_differently(bbc_X: sp.csr_matrix) -> None:
    sampler = TripleSampler(bbc_X, seed=0)
    first = np.concatenate([b.terms for b in sampler.epoch(4096)])
    second = np.concatenate([b.terms for b in sampler.epoch(4096)])
    assert not np.array_equal(first, second)
    assert np.array_equal(np.sort(first), np.sort(second))


def window_spans(order: np.ndarray, docs: np.ndarray, window: int) -> np.ndarray:
    """For each document in ``order``, the last window holding one of its pairs minus the
    first (``docs``: each pair's document)."""
    w = np.arange(len(order)) // window
    first = np.full(docs.max() + 1, len(order))
    last = np.full(docs.max() + 1, -1)
    np.minimum.at(first, docs, w)
    np.maximum.at(last, docs, w)
    seen = last >= 0
    return np.asarray(last[seen] - first[seen])


@pytest.mark.parametrize("term_power", [1.0, 0.75])
def test_windowed_epochs_keep_each_documents_pairs_within_two_windows(
    bbc_X: sp.csr_matrix, term_power: float
) -> None:
    window = 500
    sampler = TripleSampler(bbc_X, seed=0, shuffle_window=window, term_power=term_power)
    uniform = TripleSampler(bbc_X, seed=0, term_power=term_power)
    order = sampler.epoch_order()
    if term_power == 1.0:  # still every training pair once
        assert np.array_equal(np.sort(order), sampler.train_ids)
    docs = sampler.index.docs[order]
    assert window_spans(order, docs, window).max() <= 1
    # A uniform shuffle spreads a document over the whole epoch.
    plain = uniform.epoch_order()
    assert np.median(window_spans(plain, uniform.index.docs[plain], window)) > 10

    def docs_per_window(d: np.ndarray) -> float:
        return float(np.mean([len(np.unique(d[i : i + window])) for i in range(0, len(d), window)]))

    assert docs_per_window(docs) < 0.2 * docs_per_window(uniform.index.docs[plain])
    again = sampler.epoch_order()
    assert not np.array_equal(order, again)  # another document order every epoch
    assert np.array_equal(np.sort(order), np.sort(again)) == (term_power == 1.0)


def test_a_windowed_pool_draws_the_negatives_from_the_windows_documents(
    bbc_X: sp.csr_matrix,
) -> None:
    window, size = 2000, 200  # about 45 documents a window, 10 pools of 20 drawn from them
    sampler = TripleSampler(bbc_X, n_negatives=3, seed=0, negative_pool=20, shuffle_window=window)
    dense = bbc_X.toarray() > 0
    drawn = []
    for _ in range(5):
        order = sampler.epoch_order()
        for start in range(0, len(order), size):
            batch = sampler.batch_at(order, start, start + size)
            assert not np.any(dense[batch.neg_docs, batch.terms[:, None]])
            lo = start // window * window
            in_window = np.isin(batch.neg_docs, sampler.index.docs[order[lo : lo + window]])
            assert in_window.mean() > 0.95  # the rest: rare fall-backs to all documents
            drawn.append(batch.neg_docs.ravel())
    # Over epochs every document with training pairs is drawn, about equally often.
    counts = np.bincount(np.concatenate(drawn), minlength=bbc_X.shape[0])
    with_pairs = np.unique(sampler.index.docs[sampler.train_ids])
    assert np.all(counts[with_pairs] > 0)
    assert np.quantile(counts[with_pairs], 0.9) < 3 * np.quantile(counts[with_pairs], 0.1)


def mean_drawn_df(sampler: TripleSampler, X: sp.csr_matrix) -> float:
    df = np.asarray((X > 0).sum(axis=0)).ravel()
    return float(np.mean(np.concatenate([df[b.terms] for b in sampler.epoch(4096)])))


def test_term_power_shifts_draws_towards_rare_terms(bbc_X: sp.csr_matrix) -> None:
    one = TripleSampler(bbc_X, term_power=1.0, seed=0)
    half = TripleSampler(bbc_X, term_power=0.5, seed=0)
    zero = TripleSampler(bbc_X, term_power=0.0, seed=0)
    df = np.asarray((bbc_X > 0).sum(axis=0)).ravel().astype(np.float64)
    # Expected df of a drawn term when term g is drawn with weight df_g ** p per incidence
    # (ignoring the 1% held out): sum df^(p + 1) / sum df^p.
    for sampler, p in ((one, 1.0), (half, 0.5), (zero, 0.0)):
        expected = np.sum(df ** (p + 1)) / np.sum(df**p)
        assert mean_drawn_df(sampler, bbc_X) == pytest.approx(expected, rel=0.05)
    assert mean_drawn_df(zero, bbc_X) < mean_drawn_df(half, bbc_X) < mean_drawn_df(one, bbc_X)


def test_same_seed_same_batches(bbc_X: sp.csr_matrix) -> None:
    def draw(seed: int) -> list[np.ndarray]:
        sampler = TripleSampler(bbc_X, term_power=0.75, seed=seed)
        out = [sampler.holdout_batch.neg_docs]
        for b in sampler.epoch(2000):
            out += [b.terms, b.pos_docs, b.neg_docs]
        return out

    one, two, other = draw(5), draw(5), draw(6)
    assert all(np.array_equal(a, b) for a, b in zip(one, two, strict=True))
    assert not all(np.array_equal(a, b) for a, b in zip(one, other, strict=True))


def test_term_in_every_document_raises() -> None:
    X = sp.csr_matrix(np.array([[1, 1, 0], [1, 0, 1], [1, 1, 1]], dtype=np.float32))
    with pytest.raises(NeurotopicError, match="every document"):
        TripleSampler(X)


def test_fewer_than_two_documents_raises() -> None:
    with pytest.raises(NeurotopicError, match="fewer than 2"):
        TripleSampler(sp.csr_matrix(np.array([[1.0, 0.0]])))


def test_negative_terms_are_absent_from_the_document_and_favour_frequent_terms(
    bbc_X: sp.csr_matrix,
) -> None:
    sampler = TripleSampler(bbc_X, holdout=0.0, seed=5)
    docs = np.repeat(np.arange(50), 40)
    terms = sampler.sample_negative_terms(docs, 3)
    assert terms.shape == (2000, 3)
    assert not sampler.index.contains(np.broadcast_to(docs[:, None], terms.shape), terms).any()
    df = sampler.index.doc_freq
    # df ** 0.75 sampling: the drawn terms are more frequent than uniform draws would be.
    assert df[terms].mean() > 1.1 * df.mean()


def test_filtered_keys_give_the_same_negatives_as_the_bitmap(bbc_X: sp.csr_matrix) -> None:
    exact = IncidenceIndex(bbc_X)
    filtered = IncidenceIndex(bbc_X, max_bitmap_bytes=1024)  # too small: hashed filter + keys
    assert exact.bitmap is not None and filtered.filter is not None
    rng = np.random.default_rng(0)
    docs = rng.integers(0, bbc_X.shape[0], size=(2000, 5))
    terms = rng.integers(0, bbc_X.shape[1], size=(2000, 5))
    docs[:100, 0], terms[:100, 0] = exact.docs[:100], exact.terms[:100]  # true incidences
    np.testing.assert_array_equal(filtered.contains(docs, terms), exact.contains(docs, terms))
    # The two draw differently (rounds of vectorised redraws, one compiled pass); neither
    # gives a document its own term, and both spread over the same documents.
    draw = exact.terms[:5000]
    a = filtered.sample_negatives(draw, 5, np.random.default_rng(1))
    b = exact.sample_negatives(draw, 5, np.random.default_rng(1))
    t = np.broadcast_to(draw[:, None], a.shape)
    assert not exact.contains(a, t).any() and not exact.contains(b, t).any()
    assert abs(a.mean() - b.mean()) < 0.02 * bbc_X.shape[0]


def test_row_search_gives_the_filter_answers_and_the_same_pooled_negatives(
    bbc_X: sp.csr_matrix,
) -> None:
    """The pool's membership test searches each document's own terms: same answers as
    the filter and the bitmap, so the same negatives from the same draws."""
    exact = IncidenceIndex(bbc_X)
    filtered = IncidenceIndex(bbc_X, max_bitmap_bytes=1024)
    rng = np.random.default_rng(0)
    docs = rng.integers(0, bbc_X.shape[0], size=(2000, 5))
    terms = rng.integers(0, bbc_X.shape[1], size=(2000, 5))
    docs[:300, 0], terms[:300, 0] = exact.docs[::7][:300], exact.terms[::7][:300]
    found = filtered.contains_in_rows(docs, terms)
    assert found[:300, 0].all() and found.sum() > 300  # true incidences, and chance ones
    np.testing.assert_array_equal(found, exact.contains(docs, terms))
    np.testing.assert_array_equal(found, filtered.contains(docs, terms))
    draw = exact.terms[:5000]
    a = filtered.sample_negatives(draw, 5, np.random.default_rng(2), pool=64)
    b = exact.sample_negatives(draw, 5, np.random.default_rng(2), pool=64)
    np.testing.assert_array_equal(a, b)
    assert not exact.contains(a, np.broadcast_to(draw[:, None], a.shape)).any()


def test_a_run_out_of_candidates_draws_a_larger_block() -> None:
    # Term 2 is in 4 of the 6 documents: 6,000 slots need about 18,000 uniform draws,
    # more than the first block of 2 * 6,000 + 1,024, so a larger one is drawn.
    index = IncidenceIndex(SMALL)
    terms = np.full(2000, 2, dtype=np.int64)
    neg = index.sample_negatives(terms, 3, np.random.default_rng(0))
    assert not np.any(DENSE[neg, 2] > 0)
    assert set(np.unique(neg).tolist()) == set(np.flatnonzero(DENSE[:, 2] == 0).tolist())
