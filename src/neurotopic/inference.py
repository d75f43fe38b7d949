"""Fold-in: fit W1 rows for unseen documents with W2 (and the training rows) fixed.

A new document gets the same two kinds of triples it would get in training:

* as ``d+``: each of its terms g against ``n_negatives`` training documents without g;
* as ``d-``: as many training incidences ``(g', d+')`` with g' absent from it.

With W2 and the training documents fixed, ``lt(g)`` and the training side's scores are
constants, so a step costs one softmax and two dense products per new document.  The
rows are optimised together with Adam from uniform logits for a fixed number of steps.
A document's draws are seeded by the model's seed and its own terms, and its row is
computed in a padded dense layout (no scatter-adds), so its vector does not depend on
which other documents are folded in with it, and the same input gives the same output.
"""

from __future__ import annotations

import zlib

import numpy as np
import scipy.sparse as sp
import torch

from .sampling import IncidenceIndex


def fold_in(
    X_new: sp.csr_matrix,
    term_topic: np.ndarray,
    train_doc_topic: np.ndarray,
    train_index: IncidenceIndex,
    *,
    n_negatives: int = 5,
    steps: int = 50,
    learning_rate: float = 0.1,
    margin: float = 0.5,
    seed: int = 0,
    init_logits: np.ndarray | None = None,
    max_elements: int = 20_000_000,
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
    margin : float
    seed : int
    init_logits : ndarray of shape (n_new, n_topics), optional
        Starting logits (default: zeros, the uniform distribution).
    max_elements : int
        Documents are processed in groups whose padded tensors hold at most about
        this many floats.

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
    lt = np.ascontiguousarray(term_topic, dtype=np.float32)
    ld_train = np.ascontiguousarray(train_doc_topic, dtype=np.float32)
    lengths = np.diff(X.indptr)
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
        out[group] = _fold_in_group(
            X,
            group,
            longest,
            lt,
            ld_train,
            train_index,
            init,
            n_negatives,
            steps,
            learning_rate,
            margin,
            seed,
        )
        start = stop
    return out


def _fold_in_group(
    X: sp.csr_matrix,
    group: np.ndarray,
    longest: int,
    lt: np.ndarray,
    ld_train: np.ndarray,
    train_index: IncidenceIndex,
    init: np.ndarray,
    n_negatives: int,
    steps: int,
    learning_rate: float,
    margin: float,
    seed: int,
) -> np.ndarray:
    n, k = len(group), lt.shape[1]
    side = longest * n_negatives
    terms = np.zeros((n, longest), dtype=np.int64)  # (N, L) term ids, padded
    mask = np.zeros((n, longest), dtype=np.float32)
    neg_scores = np.zeros((n, longest, n_negatives), dtype=np.float32)  # ls(g, d-), fixed
    other_terms = np.zeros((n, side), dtype=np.int64)  # g' absent from the document
    other_mask = np.zeros((n, side), dtype=np.float32)
    other_scores = np.zeros((n, side), dtype=np.float32)  # ls(g', d'), fixed
    n_train = len(train_index.keys)
    for row, d in enumerate(group):
        ids = X.indices[X.indptr[d] : X.indptr[d + 1]].astype(np.int64)
        rng = np.random.default_rng([seed, zlib.crc32(ids.tobytes())])
        m = len(ids)
        terms[row, :m] = ids
        mask[row, :m] = 1.0
        neg = train_index.sample_negatives(ids, n_negatives, rng)  # (m, n_neg)
        neg_scores[row, :m] = np.einsum("mk,mjk->mj", lt[ids], ld_train[neg])
        pick = rng.integers(0, n_train, size=m * n_negatives)
        t_other, d_other = train_index.terms[pick], train_index.docs[pick]
        keep = ~np.isin(t_other, ids)
        t_other, d_other = t_other[keep], d_other[keep]
        j = len(t_other)
        other_terms[row, :j] = t_other
        other_mask[row, :j] = 1.0
        other_scores[row, :j] = np.einsum("mk,mk->m", lt[t_other], ld_train[d_other])

    # Gradient descent on the hinge, written out by hand (no autograd): with lt and the
    # training side fixed, d loss / d ld is minus the sum of lt over the active d+
    # hinges plus the sum of lt over the active d- hinges.
    lt_t = torch.from_numpy(lt)
    lt_pos = lt_t[torch.from_numpy(terms)]  # (N, L, K)
    lt_other = lt_t[torch.from_numpy(other_terms)]  # (N, S, K)
    mask_t, other_mask_t = torch.from_numpy(mask), torch.from_numpy(other_mask)
    neg_t, other_t = torch.from_numpy(neg_scores), torch.from_numpy(other_scores)
    logits = torch.from_numpy(init.copy())
    m1, m2 = torch.zeros(n, k), torch.zeros(n, k)
    beta1, beta2, eps = 0.9, 0.999, 1e-8
    for step in range(1, steps + 1):
        ld = torch.softmax(logits, dim=-1)  # (N, K)
        ls_pos = torch.bmm(lt_pos, ld.unsqueeze(-1)).squeeze(-1)  # (N, L)
        active_pos = ((margin - ls_pos.unsqueeze(-1) + neg_t) > 0).sum(-1) * mask_t  # (N, L)
        ls_neg = torch.bmm(lt_other, ld.unsqueeze(-1)).squeeze(-1)  # (N, S)
        active_neg = ((margin - other_t + ls_neg) > 0) * other_mask_t  # (N, S)
        grad_ld = torch.bmm((active_neg.unsqueeze(1)), lt_other).squeeze(1) - torch.bmm(
            active_pos.unsqueeze(1), lt_pos
        ).squeeze(1)  # (N, K)
        grad = ld * (grad_ld - (ld * grad_ld).sum(-1, keepdim=True))  # through the softmax
        m1.mul_(beta1).add_(grad, alpha=1 - beta1)
        m2.mul_(beta2).addcmul_(grad, grad, value=1 - beta2)
        step_size = learning_rate / (1 - beta1**step)
        logits.sub_(step_size * m1 / ((m2 / (1 - beta2**step)).sqrt() + eps))
    return logits.numpy()
