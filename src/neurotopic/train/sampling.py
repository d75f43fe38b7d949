"""Training triples ``(g, d+, d-)`` drawn from the document-term incidences.

A positive pair ``(g, d+)`` is a document-term incidence (term g occurs in document
d+).  An epoch visits every training incidence once in random order, so terms are
drawn in proportion to their document frequency ("per occurrence"), as Cao et al.
iterate over the corpus; ``term_power < 1`` flattens that towards rare terms
(``df ** term_power``, like word2vec's 0.75).  Each positive gets ``n_negatives``
documents drawn uniformly among those that do not contain g (rejection sampling
against a bitmap of the incidences, or their sorted keys when the bitmap is too big).
With a shuffle window of W pairs (an extension) an epoch visits the documents in random
order, W pairs at a time, shuffled within each window: every pair is still visited once,
but a step's positive documents come from about ``W / mean length`` documents, whose W1
rows stay in cache for the window's steps, and a negative pool is drawn from them too.
In a data-parallel fit each process has a sampler over its own shard of documents, so
its negatives come from that shard (see :mod:`neurotopic.distributed`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from ..errors import NeurotopicError
from .kernels import FILTER_MULTIPLIER, filter_contains, first_free, rows_contain


@dataclass(frozen=True)
class Batch:
    """One batch of triples (numpy int64 arrays)."""

    terms: np.ndarray  # (B,)
    pos_docs: np.ndarray  # (B,)
    neg_docs: np.ndarray  # (B, n_neg)


def _flat_pairs(
    docs: np.ndarray, terms: np.ndarray
) -> tuple[tuple[int, ...], np.ndarray, np.ndarray, np.ndarray]:
    """``(shape, docs, terms, out)`` for a compiled membership test: the broadcast
    shape, both ids flattened to contiguous int64, and the (flat) boolean answers."""
    shape = np.broadcast_shapes(np.shape(docs), np.shape(terms))
    flat_docs = np.array(np.broadcast_to(docs, shape), dtype=np.int64).reshape(-1)
    flat_terms = np.array(np.broadcast_to(terms, shape), dtype=np.int64).reshape(-1)
    return shape, flat_docs, flat_terms, np.empty(flat_docs.size, dtype=bool)


class IncidenceIndex:
    """Which documents contain which terms, with fast vectorised membership tests.

    Membership is a bit lookup in a packed ``n_docs x n_terms`` bitmap when that fits
    in ``max_bitmap_bytes`` (O(1) per test), else a binary search in the sorted
    ``doc * n_terms + term`` keys (O(log nnz)), done only for the keys whose bit is set in
    a hashed filter of about 16 bits per incidence (a one-hash Bloom filter): random
    negatives are almost never incidences, so nearly every test ends at the filter, and
    the answers are exact either way.

    Parameters
    ----------
    X : scipy.sparse matrix of shape (n_docs, n_terms)
        Document-term matrix; any non-zero is an incidence.
    max_bitmap_bytes : int
        Largest bitmap to build (default 256 MiB).
    """

    def __init__(self, X: sp.csr_matrix, max_bitmap_bytes: int = 2**28) -> None:
        X = sp.csr_matrix(X)
        X.sum_duplicates()
        X.eliminate_zeros()
        self.n_docs, self.n_terms = X.shape
        self.docs = np.repeat(np.arange(self.n_docs, dtype=np.int64), np.diff(X.indptr))  # (nnz,)
        self.terms = X.indices.astype(np.int64)  # (nnz,), sorted within each document
        self.indptr = X.indptr.astype(np.int64)  # (n_docs + 1,)
        self.keys = self.docs * self.n_terms + self.terms  # sorted: CSR is row-major
        self.doc_freq = np.bincount(self.terms, minlength=self.n_terms)  # (V,)
        n_bits = self.n_docs * self.n_terms
        self.bitmap: np.ndarray | None = None
        self.filter: np.ndarray | None = None
        if n_bits <= 8 * max_bitmap_bytes:
            bits = np.zeros((n_bits + 7) // 8, dtype=np.uint8)
            np.bitwise_or.at(bits, self.keys >> 3, (1 << (self.keys & 7)).astype(np.uint8))
            self.bitmap = bits
        else:
            wanted = 16 * max(len(self.keys), 1)  # bits: about 6% false positives
            self._filter_shift = 64 - min(max(int(np.ceil(np.log2(wanted))), 3), 31)
            slots = self._slots(self.keys)
            bits = np.zeros((2 ** (64 - self._filter_shift) + 7) // 8, dtype=np.uint8)
            for bit in range(8):  # one pass per bit position: duplicates set the same bit
                at = slots[(slots & 7) == bit] >> 3
                bits[at] |= np.uint8(1 << bit)
            self.filter = bits

    def _slots(self, keys: np.ndarray) -> np.ndarray:
        """Filter positions of ``keys`` by multiplicative (Fibonacci) hashing."""
        mixed = keys.astype(np.uint64) * np.uint64(FILTER_MULTIPLIER)  # wraps mod 2**64
        return np.asarray(mixed >> np.uint64(self._filter_shift)).astype(np.int64)

    def contains(self, docs: np.ndarray, terms: np.ndarray) -> np.ndarray:
        """Whether each ``docs[i]`` contains ``terms[i]`` (broadcasting shapes)."""
        if self.bitmap is not None:
            keys = docs * self.n_terms + terms
            return np.asarray((self.bitmap[keys >> 3] >> (keys & 7)) & 1, dtype=bool)
        assert self.filter is not None
        shape, flat_docs, flat_terms, found = _flat_pairs(docs, terms)
        filter_contains(  # the filter's bit, then a binary search in the sorted keys
            self.filter, self._filter_shift, self.keys, flat_docs, flat_terms, self.n_terms, found
        )
        return found.reshape(shape)

    def contains_in_rows(self, docs: np.ndarray, terms: np.ndarray) -> np.ndarray:
        """:meth:`contains` by binary search in each document's sorted terms.

        The same answers.  Slower than the bitmap, and than the filter for documents
        drawn from all of them (two cache misses a test instead of one), but the
        fastest test when a few documents take many tests, as a negative pool's do:
        their rows stay in cache.
        """
        if self.bitmap is not None:
            return self.contains(docs, terms)
        shape, flat_docs, flat_terms, found = _flat_pairs(docs, terms)
        rows_contain(self.indptr, self.terms, flat_docs, flat_terms, found)
        return found.reshape(shape)

    def sample_negatives(
        self,
        terms: np.ndarray,
        n_negatives: int,
        rng: np.random.Generator,
        max_rounds: int = 50,
        pool: int = 0,
        pool_docs: np.ndarray | None = None,
    ) -> np.ndarray:
        """Documents drawn uniformly among those not containing each term.

        Parameters
        ----------
        terms : ndarray of shape (B,)
        n_negatives : int
        rng : numpy Generator
        max_rounds : int
            Redraws of negatives that contain their term.
        pool : int
            0: every negative is drawn from all documents.  Otherwise the batch first
            draws ``pool`` documents uniformly and every negative is drawn from them
            (each is still uniform over the documents), so a batch touches about
            ``B + pool`` distinct W1 rows instead of ``B * (1 + n_negatives)``;
            negatives still containing their term after ``max_rounds`` are drawn
            from all documents.
        pool_docs : ndarray of shape (M,), optional
            Draw the pool uniformly from these documents rather than from all (a
            shuffle window's documents, see :meth:`TripleSampler.batch_at`).

        Returns
        -------
        ndarray of shape (B, n_negatives), int64
        """
        shape = (len(terms), n_negatives)
        t = np.broadcast_to(terms[:, None], shape)

        def uniform(size: int | tuple[int, int]) -> np.ndarray:
            return rng.integers(0, self.n_docs, size=size)

        def contained(neg: np.ndarray, bad: np.ndarray) -> np.ndarray:
            return self.contains(neg[bad], t[bad])

        if pool > 0:
            if pool_docs is None:
                candidates = uniform(pool)
            else:
                candidates = pool_docs[rng.integers(0, len(pool_docs), size=pool)]

            def pooled(size: int | tuple[int, int]) -> np.ndarray:
                return candidates[rng.integers(0, pool, size=size)]

            def contained_in_pool(neg: np.ndarray, bad: np.ndarray) -> np.ndarray:
                return self.contains_in_rows(neg[bad], t[bad])

            neg = pooled(shape)
            bad = self.contains_in_rows(neg, t)
            bad = redraw(neg, bad, pooled, contained_in_pool, max_rounds)
        elif self.bitmap is not None:
            return self._first_free(terms, n_negatives, rng, max_rounds + 1)
        else:
            neg = uniform(shape)
            bad = self.contains(neg, t)
        redraw(neg, bad, uniform, contained, max_rounds)
        return neg

    def _first_free(
        self, terms: np.ndarray, n_negatives: int, rng: np.random.Generator, max_tries: int
    ) -> np.ndarray:
        """Rejection sampling in one compiled pass over a block of uniform draws.

        Each negative is still uniform over the documents without its term; the block
        is drawn with room for the rejections (twice the negatives, plus 1,024) and
        drawn again, twice as large, in the rare case it runs out.
        """
        assert self.bitmap is not None
        out = np.empty((len(terms), n_negatives), dtype=np.int64)
        size = 2 * out.size + 1024
        terms = np.ascontiguousarray(terms, dtype=np.int64)
        while True:
            candidates = rng.integers(0, self.n_docs, size=size)
            if first_free(self.bitmap, self.n_terms, terms, candidates, max_tries, out) >= 0:
                return out
            size *= 2


def redraw(
    values: np.ndarray,
    bad: np.ndarray,
    draw: Callable[[int], np.ndarray],
    still_bad: Callable[[np.ndarray, np.ndarray], np.ndarray],
    max_rounds: int,
) -> np.ndarray:
    """Rejection sampling in place: redraw ``values[bad]`` until none is bad.

    Parameters
    ----------
    values : ndarray
        Draws, updated in place.
    bad : ndarray of bool, same shape
        Which draws are rejected; updated in place.
    draw : callable
        ``draw(n)``: n new values.
    still_bad : callable
        ``still_bad(values, bad)``: for the redrawn ``values[bad]``, which are still
        rejected.
    max_rounds : int
        Redraws at most; draws still bad after them stay as they are.

    Returns
    -------
    ndarray of bool
        ``bad``, True where a draw is still rejected.
    """
    for _ in range(max_rounds):
        n_bad = int(bad.sum())
        if n_bad == 0:
            break
        values[bad] = draw(n_bad)
        bad[bad] = still_bad(values, bad)
    return bad


class TripleSampler:
    """Draws training batches and a fixed held-out set of triples.

    Parameters
    ----------
    X : scipy.sparse matrix of shape (n_docs, n_terms)
        Training document-term matrix.
    n_negatives : int
        Negative documents per positive pair.
    holdout : float
        Share of incidences kept out of training to measure ranking accuracy.
    term_power : float
        Terms are drawn in proportion to ``df ** term_power`` (1.0: once per incidence).
    seed : int
        Seed of every draw.
    negative_pool : int
        Documents a batch draws its negatives from (0: all documents); see
        :meth:`IncidenceIndex.sample_negatives`.  The held-out triples always use all.
    shuffle_window : int
        0: an epoch visits the training pairs in uniformly random order.  W > 0: it
        visits the documents in random order and shuffles each run of W pairs (see
        :meth:`epoch_order`); with a negative pool, a batch's pool is drawn from its
        window's documents (:meth:`batch_at`).
    """

    def __init__(
        self,
        X: sp.csr_matrix,
        *,
        n_negatives: int = 5,
        holdout: float = 0.01,
        term_power: float = 1.0,
        seed: int = 0,
        negative_pool: int = 0,
        shuffle_window: int = 0,
    ) -> None:
        self.index = IncidenceIndex(X)
        self.negative_pool = negative_pool
        self.shuffle_window = shuffle_window
        self._window_key: tuple[np.ndarray | None, int] = (None, -1)
        self._window_docs = np.empty(0, dtype=np.int64)
        if self.index.n_docs < 2:
            raise NeurotopicError("the corpus has fewer than 2 documents; give more documents")
        if np.any(self.index.doc_freq >= self.index.n_docs):
            raise NeurotopicError(
                "a term occurs in every document, so it has no negative document; lower max_df"
            )
        self.n_negatives = n_negatives
        self.term_power = term_power
        self.rng = np.random.default_rng(seed)
        nnz = len(self.index.keys)
        n_hold = round(holdout * nnz) if holdout > 0 else 0
        perm = self.rng.permutation(nnz)
        self.holdout_ids = np.sort(perm[:n_hold])
        self.train_ids = np.sort(perm[n_hold:])
        hold_terms = self.index.terms[self.holdout_ids]
        self.holdout_batch = Batch(
            terms=hold_terms,
            pos_docs=self.index.docs[self.holdout_ids],
            neg_docs=self.index.sample_negatives(hold_terms, 1, self.rng),
        )
        df = self.index.doc_freq[self.index.terms[self.train_ids]].astype(np.float64)
        weights = df ** (term_power - 1.0)
        self._probs = None if term_power == 1.0 else weights / weights.sum()
        self._term_cdf: np.ndarray | None = None

    def training_matrix(self) -> sp.csr_matrix:
        """Which terms each document contains, without the held-out incidences.

        Returns
        -------
        scipy.sparse.csr_matrix of shape (n_docs, n_terms), float32
            1 at every training incidence.
        """
        ids = self.train_ids
        return sp.csr_matrix(
            (np.ones(len(ids), dtype=np.float32), (self.index.docs[ids], self.index.terms[ids])),
            shape=(self.index.n_docs, self.index.n_terms),
        )

    def sample_negative_terms(
        self, docs: np.ndarray, n: int, power: float = 0.75, max_rounds: int = 50
    ) -> np.ndarray:
        """Terms drawn by ``df ** power`` among those each document does not contain.

        Parameters
        ----------
        docs : ndarray of shape (B,)
        n : int

        Returns
        -------
        ndarray of shape (B, n), int64
        """
        if self._term_cdf is None:
            weights = self.index.doc_freq.astype(np.float64) ** power
            self._term_cdf = np.cumsum(weights / weights.sum())
        cdf = self._term_cdf
        shape = (len(docs), n)

        def draw(size: int) -> np.ndarray:
            u = self.rng.random(size)
            return np.minimum(np.searchsorted(cdf, u), len(cdf) - 1).astype(np.int64)

        terms = draw(len(docs) * n).reshape(shape)
        d = np.broadcast_to(docs[:, None], shape)
        bad = self.index.contains(d, terms)
        redraw(terms, bad, draw, lambda v, b: self.index.contains(d[b], v[b]), max_rounds)
        return terms

    @property
    def n_train(self) -> int:
        """Positive pairs per epoch."""
        return len(self.train_ids)

    def epoch_order(self) -> np.ndarray:
        """The ``n_train`` positive pairs of one epoch in visiting order (draws from ``rng``).

        With ``shuffle_window`` W > 0 the documents come in random order, each with its
        pairs, and every run of W pairs is then shuffled: each pair is visited once as
        before, but the pairs of a document are at most two windows apart.

        Returns
        -------
        ndarray of shape (n_train,), int64
            Incidence ids (a permutation of the training ids when ``term_power`` is 1).
        """
        if self._probs is None:
            if self.shuffle_window > 0:
                return self._windowed(self.train_ids)
            return np.asarray(self.train_ids[self.rng.permutation(len(self.train_ids))])
        ids = self.rng.choice(self.train_ids, size=len(self.train_ids), p=self._probs)
        return self._windowed(np.sort(ids)) if self.shuffle_window > 0 else np.asarray(ids)

    def _windowed(self, ids: np.ndarray) -> np.ndarray:
        """Sorted incidence ids (so grouped by document) in windowed order."""
        docs = self.index.docs[ids]
        starts = np.flatnonzero(np.diff(docs, prepend=-1))  # first pair of each document
        lengths = np.diff(np.append(starts, len(ids)))
        perm = self.rng.permutation(len(starts))
        first, length = starts[perm], lengths[perm]
        shift = np.repeat(first - (np.cumsum(length) - length), length)
        order = np.asarray(ids[np.arange(len(ids)) + shift], dtype=np.int64)
        for lo in range(0, len(order), self.shuffle_window):
            self.rng.shuffle(order[lo : lo + self.shuffle_window])
        return order

    def batch(self, ids: np.ndarray, pool_docs: np.ndarray | None = None) -> Batch:
        """The triples of the positive pairs ``ids`` (incidence ids), negatives drawn now
        (a negative pool from ``pool_docs`` when given, else from all documents)."""
        terms = self.index.terms[ids]
        return Batch(
            terms=terms,
            pos_docs=self.index.docs[ids],
            neg_docs=self.index.sample_negatives(
                terms, self.n_negatives, self.rng, pool=self.negative_pool, pool_docs=pool_docs
            ),
        )

    def batch_at(self, order: np.ndarray, start: int, stop: int) -> Batch:
        """The batch of ``order[start:stop]`` (an :meth:`epoch_order`).

        With a shuffle window and a negative pool, the pool is drawn from the documents
        of the window holding ``start`` (each of them with equal chance), so that the
        step's negatives are rows the window's steps keep in cache; across an epoch
        every document with training pairs is still drawn about equally often.
        """
        pool_docs = None
        window = self.shuffle_window
        if window > 0 and self.negative_pool > 0:
            w = start // window
            if self._window_key[0] is not order or self._window_key[1] != w:
                self._window_docs = np.unique(self.index.docs[order[w * window : (w + 1) * window]])
                self._window_key = (order, w)
            pool_docs = self._window_docs
        return self.batch(order[start:stop], pool_docs=pool_docs)

    def epoch(self, batch_size: int) -> Iterator[Batch]:
        """Batches covering one epoch of ``n_train`` positive pairs."""
        order = self.epoch_order()
        for start in range(0, len(order), batch_size):
            yield self.batch_at(order, start, start + batch_size)
