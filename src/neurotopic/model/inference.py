"""Fold-in: fit W1 rows for unseen documents with W2 (and the training rows) fixed.

A new document gets the same two kinds of triples it would get in training:

* as ``d+``: each of its terms g against ``n_negatives`` training documents without g;
* as ``d-``: as many training incidences ``(g', d+')`` with g' absent from it.

With W2 and the training documents fixed, ``lt(g)`` and the training side's scores are
constants, so a step costs one softmax and two dense products per new document.  The
rows are optimised together with Adam from uniform logits for a fixed number of steps.
A document's draws are counter-based hashes of the model's seed, its own terms and the
draw's position (no shared random stream), and its row is computed in a padded dense
layout (no scatter-adds), so its vector does not depend on which other documents are
folded in with it, and the same input gives the same output.  The set-up of a group of
documents is vectorised (no per-document Python loop besides one checksum).
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
import torch

from ..train.optim import RowAdam
from ..train.sampling import IncidenceIndex
from .network import ranking_hinge, ranking_hinge_grad

#: A document of at most this many distinct terms takes the base step size; above it the
#: step grows in proportion to the terms, up to MAX_STEP_SCALE times the base.
EVIDENCE_TERMS = 10
MAX_STEP_SCALE = 4.0


def step_sizes(n_terms: np.ndarray, learning_rate: float) -> np.ndarray:
    """Each document's Adam step: ``learning_rate * clip(n_terms / 10, 1, 4)``.

    Adam moves a logit by about its step whatever the gradient, so ``steps`` times the
    step bounds how far a row travels from its start.  A document of a few terms is
    little evidence, and a row that travels far on it sharpens on noise; a long document
    is much evidence, and its training row travelled as far as its many updates took it.
    This rule lets the step grow with the distinct terms, from the base at 10 terms
    or fewer to four times the base at 40 or more (``fold_in(grow_with_terms=True)``).

    Parameters
    ----------
    n_terms : ndarray of shape (n_docs,)
        Distinct vocabulary terms of each document.
    learning_rate : float
        The base step.

    Returns
    -------
    ndarray of shape (n_docs,), float32

    Examples
    --------
    >>> step_sizes(np.array([3, 10, 20, 40, 200]), 0.01).round(3).tolist()
    [0.01, 0.01, 0.02, 0.04, 0.04]
    """
    scale = np.clip(np.asarray(n_terms, dtype=np.float64) / EVIDENCE_TERMS, 1.0, MAX_STEP_SCALE)
    return (learning_rate * scale).astype(np.float32)


def fold_in(
    X_new: sp.csr_matrix,
    term_topic: np.ndarray,
    train_doc_topic: np.ndarray,
    train_index: IncidenceIndex,
    *,
    n_negatives: int = 5,
    steps: int = 50,
    learning_rate: float = 0.01,
    margin: float = 0.5,
    seed: int = 0,
    init_logits: np.ndarray | None = None,
    max_elements: int = 20_000_000,
    grow_with_terms: bool = False,
) -> np.ndarray:
    """Document-topic logits of new documents.

    Parameters
    ----------
    X_new : scipy.sparse matrix of shape (n_new, n_terms)
        New documents over the training vocabulary.
    term_topic : ndarray of shape (n_terms, n_topics)
        ``lt`` of the fitted model.
    train_doc_topic : ndarray of shape (n_train_docs, n_topics)
        ``ld`` of the training documents.
    train_index : IncidenceIndex
        Incidences of the training documents.
    n_negatives : int
        Negative training documents per term of a new document.
    steps : int
        Adam steps.
    learning_rate : float
        Adam's step: each step moves a logit by about this much whatever the size of
        its gradient, so ``steps * learning_rate`` bounds how far a row travels from
        its start.  Small steps keep a short document (a few terms of evidence) near
        the mean of its terms' topics instead of sharpening it on noise.
    margin : float
    seed : int
    init_logits : ndarray of shape (n_new, n_topics), optional
        Starting logits (default: zeros, the uniform distribution).
    max_elements : int
        Documents are processed in groups whose padded tensors hold at most about
        this many floats.
    grow_with_terms : bool
        Give each document the step :func:`step_sizes` (``learning_rate`` up to 10
        distinct terms, growing to four times it at 40) instead of ``learning_rate``.
        It brings rows folded in from long documents closer to their training rows
        (what :meth:`NeuralTopicModel.transform` uses), but makes them worse features
        for a classifier trained on folded-in rows (what the sNTM's label readout
        uses; ``docs/model.md``, "Folding in new documents").

    Returns
    -------
    ndarray of shape (n_new, n_topics), float32
        Logits (W1 rows); ``softmax`` gives the document-topic vectors.  Documents
        without a vocabulary term get zeros (the uniform distribution).
    """
    X = sp.csr_matrix(X_new)
    X.sum_duplicates()
    X.eliminate_zeros()
    n_new, n_topics = X.shape[0], term_topic.shape[1]
    out = np.zeros((n_new, n_topics), dtype=np.float32)
    if init_logits is not None:
        out[:] = init_logits
    if X.nnz == 0 or steps == 0:
        return out
    problem = _FoldIn(
        lt=np.ascontiguousarray(term_topic, dtype=np.float32),
        ld_train=np.ascontiguousarray(train_doc_topic, dtype=np.float32),
        train_index=train_index,
        n_negatives=n_negatives,
        steps=steps,
        learning_rate=learning_rate,
        margin=margin,
        seed=seed,
    )
    lengths = np.diff(X.indptr)
    rates = step_sizes(lengths, learning_rate) if grow_with_terms else None
    docs = np.flatnonzero(lengths)
    docs = docs[np.argsort(lengths[docs], kind="stable")]  # similar lengths pad little
    start = 0
    while start < len(docs):
        # Grow the group while its padded tensors stay under max_elements.
        stop, longest = start, 0
        while stop < len(docs):
            longest_next = max(longest, int(lengths[docs[stop]]))
            size = (stop - start + 1) * longest_next * (n_negatives + 1) * n_topics
            if stop > start and size > max_elements:
                break
            longest, stop = longest_next, stop + 1
        group = docs[start:stop]
        init = (
            np.zeros((len(group), n_topics), dtype=np.float32)
            if init_logits is None
            else np.asarray(init_logits[group], dtype=np.float32)
        )
        out[group] = problem.solve(X, group, longest, init, None if rates is None else rates[group])
        start = stop
    return out


def _splitmix64(x: np.ndarray) -> np.ndarray:
    """The splitmix64 finaliser: a well-mixed uint64 per input uint64 (vectorised)."""
    with np.errstate(over="ignore"):
        z = x + np.uint64(0x9E3779B97F4A7C15)
        z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        return np.asarray(z ^ (z >> np.uint64(31)))


def _draw(
    seed: int, doc_key: np.ndarray, stream: int, slot: np.ndarray, attempt: int, high: int
) -> np.ndarray:
    """Counter-based draws in ``[0, high)``: a pure function of (seed, document, stream,
    slot, attempt), so a document's draws do not depend on the other documents."""
    with np.errstate(over="ignore"):
        x = _splitmix64(np.uint64(seed) ^ (doc_key.astype(np.uint64) << np.uint64(16)))
        x = _splitmix64(x ^ np.uint64(stream * 0x1000003 + attempt * 0x9E37))
        x = _splitmix64(x + slot.astype(np.uint64))
    return np.asarray(x % np.uint64(high)).astype(np.int64)


@dataclass(frozen=True)
class _Group:
    """A group of new documents in a padded layout: ``N`` documents of at most ``L``
    terms, their ``M`` term occurrences listed document by document."""

    terms: np.ndarray  # (N, L) term ids, padded with 0
    mask: np.ndarray  # (N, L) 1 where a term is, 0 in the padding
    row_of: np.ndarray  # (M,) group row of each occurrence
    pos: np.ndarray  # (M,) position of each occurrence within its document
    ids: np.ndarray  # (M,) term id of each occurrence
    doc_key: np.ndarray  # (N,) checksum of each document's terms: its draws' key

    @classmethod
    def build(cls, X: sp.csr_matrix, group: np.ndarray, longest: int) -> _Group:
        n = len(group)
        lengths = np.diff(X.indptr)[group]  # (N,)
        row_of = np.repeat(np.arange(n), lengths)  # (M,)
        starts = np.cumsum(lengths) - lengths
        pos = np.arange(len(row_of)) - starts[row_of]  # (M,)
        ids = np.concatenate([X.indices[X.indptr[d] : X.indptr[d + 1]] for d in group]).astype(
            np.int64
        )  # (M,)
        # Each document's draws depend only on the seed and its own terms.
        doc_key = np.array(
            [
                zlib.crc32(X.indices[X.indptr[d] : X.indptr[d + 1]].astype(np.int64).tobytes())
                for d in group
            ],
            dtype=np.uint64,
        )
        terms = np.zeros((n, longest), dtype=np.int64)
        mask = np.zeros((n, longest), dtype=np.float32)
        terms[row_of, pos] = ids
        mask[row_of, pos] = 1.0
        return cls(terms, mask, row_of, pos, ids, doc_key)


@dataclass(frozen=True)
class _FoldIn:
    """The fixed side of fold-in (``lt``, the training rows and incidences) and its
    settings; :meth:`solve` folds in one group of documents."""

    lt: np.ndarray  # (V, K) float32
    ld_train: np.ndarray  # (D, K) float32
    train_index: IncidenceIndex
    n_negatives: int
    steps: int
    learning_rate: float
    margin: float
    seed: int

    def solve(
        self,
        X: sp.csr_matrix,
        group: np.ndarray,
        longest: int,
        init: np.ndarray,
        rates: np.ndarray | None,
    ) -> np.ndarray:
        """Logits (N, K) of the documents ``group`` of ``X``, from ``init``, with
        Adam steps ``rates`` (N,) (None: ``learning_rate`` for every document)."""
        docs = _Group.build(X, group, longest)
        n_neg = self.n_negatives
        # The slot and key of each occurrence's n_negatives draws, for both kinds of triple.
        slot = (docs.pos[:, None] * n_neg + np.arange(n_neg)).astype(np.uint64)  # (M, n)
        keys = np.broadcast_to(docs.doc_key[docs.row_of][:, None], slot.shape)
        neg_scores = self._as_positive(docs, longest, slot, keys)
        other_terms, other_mask, other_scores = self._as_negative(docs, longest, slot, keys)
        return self._descend(docs, neg_scores, other_terms, other_mask, other_scores, init, rates)

    def _as_positive(
        self, docs: _Group, longest: int, slot: np.ndarray, keys: np.ndarray
    ) -> np.ndarray:
        """``ls(g, d-)`` (N, L, n): each term against ``n_negatives`` training documents
        without it, fixed."""
        n_neg, index = self.n_negatives, self.train_index
        neg = _draw(self.seed, keys, 0, slot, 0, index.n_docs)  # (M, n)
        t = np.broadcast_to(docs.ids[:, None], neg.shape)
        bad = index.contains(neg, t)
        for attempt in range(1, 51):
            if not bad.any():
                break
            neg[bad] = _draw(self.seed, keys[bad], 0, slot[bad], attempt, index.n_docs)
            bad[bad] = index.contains(neg[bad], t[bad])
        n = len(docs.doc_key)
        neg_scores = np.zeros((n, longest, n_neg), dtype=np.float32)
        neg_scores[docs.row_of, docs.pos] = np.einsum(
            "mk,mjk->mj", self.lt[docs.ids], self.ld_train[neg]
        )
        return neg_scores

    def _as_negative(
        self, docs: _Group, longest: int, slot: np.ndarray, keys: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """As many training incidences ``(g', d+')`` with g' absent from the document:
        their terms, mask and fixed scores ``ls(g', d+')``, each (N, L * n)."""
        n_neg, index = self.n_negatives, self.train_index
        n, side = len(docs.doc_key), longest * n_neg
        pick = _draw(self.seed, keys, 1, slot, 0, len(index.keys)).ravel()  # (M * n,)
        t_other, d_other = index.terms[pick], index.docs[pick]
        other_row = np.repeat(docs.row_of, n_neg)
        own = np.sort(docs.row_of * index.n_terms + docs.ids)  # this group's (row, term)
        query = other_row * index.n_terms + t_other
        found = np.minimum(np.searchsorted(own, query), len(own) - 1)
        keep = own[found] != query
        t_other, d_other, other_row = t_other[keep], d_other[keep], other_row[keep]
        counts = np.bincount(other_row, minlength=n)
        other_pos = np.arange(len(other_row)) - (np.cumsum(counts) - counts)[other_row]
        other_terms = np.zeros((n, side), dtype=np.int64)
        other_mask = np.zeros((n, side), dtype=np.float32)
        other_scores = np.zeros((n, side), dtype=np.float32)
        other_terms[other_row, other_pos] = t_other
        other_mask[other_row, other_pos] = 1.0
        other_scores[other_row, other_pos] = np.einsum(
            "mk,mk->m", self.lt[t_other], self.ld_train[d_other]
        )
        return other_terms, other_mask, other_scores

    def _descend(
        self,
        docs: _Group,
        neg_scores: np.ndarray,
        other_terms: np.ndarray,
        other_mask: np.ndarray,
        other_scores: np.ndarray,
        init: np.ndarray,
        rates: np.ndarray | None,
    ) -> np.ndarray:
        """Adam on the summed hinge, its gradient written out by hand (no autograd),
        with ``lt`` and the training side fixed; each row's step from ``rates``."""
        lt_t = torch.from_numpy(self.lt)
        lt_pos = lt_t[torch.from_numpy(docs.terms)]  # (N, L, K)
        lt_other = lt_t[torch.from_numpy(other_terms)]  # (N, S, K)
        mask_t, other_mask_t = torch.from_numpy(docs.mask), torch.from_numpy(other_mask)
        neg_t, other_t = torch.from_numpy(neg_scores), torch.from_numpy(other_scores)
        logits = torch.from_numpy(init.copy())
        # Adam's step as training takes it on W1 rows, with eps where torch.optim.Adam adds it
        optimiser = RowAdam(
            logits,
            lr=self.learning_rate,
            eps_after_correction=True,
            row_lr=None if rates is None else torch.from_numpy(rates),
        )
        margin = self.margin
        for _ in range(self.steps):
            ld = torch.softmax(logits, dim=-1)  # (N, K)
            ls_pos = torch.bmm(lt_pos, ld.unsqueeze(-1)).squeeze(-1)  # (N, L) as d+
            grad_pos, _ = ranking_hinge_grad(ranking_hinge(ls_pos, neg_t, margin), mean=False)
            ls_neg = torch.bmm(lt_other, ld.unsqueeze(-1)).squeeze(-1)  # (N, S) as d-
            hinge_neg = ranking_hinge(other_t, ls_neg.unsqueeze(-1), margin)  # (N, S, 1)
            _, grad_neg = ranking_hinge_grad(hinge_neg, mean=False)
            # d loss / d ld: each score's gradient times its term's lt, padding masked out
            weight_neg = (grad_neg.squeeze(-1) * other_mask_t).unsqueeze(1)  # (N, 1, S)
            weight_pos = (grad_pos * mask_t).unsqueeze(1)  # (N, 1, L)
            grad_ld = (torch.bmm(weight_neg, lt_other) + torch.bmm(weight_pos, lt_pos)).squeeze(1)
            optimiser.step_softmax(None, ld, grad_ld)  # through the softmax, then Adam
        return logits.numpy()


def softmax_rows(logits: np.ndarray) -> np.ndarray:
    """Row-wise softmax in float64: the document-topic vectors of W1 logits.

    Parameters
    ----------
    logits : ndarray of shape (n_docs, n_topics)

    Returns
    -------
    ndarray of shape (n_docs, n_topics), float64
        Rows sum to 1.
    """
    z = np.array(logits, dtype=np.float64)  # a copy, then in place: one (D, K) array
    z -= z.max(axis=1, keepdims=True)
    np.exp(z, out=z)
    z /= z.sum(axis=1, keepdims=True)
    return z
