"""Compiled CPU passes of the training loop (numba): the hinge step and the negatives.

* :func:`hinge_pass`: the ranking hinge of a batch and its gradient in one pass per
  triple.  :func:`neurotopic.training.hinge_gradients` in torch makes about eight
  passes over ``(B, n_neg, K)`` arrays per step (gathers, products, sums, a scatter);
  this reads each triple's two K-vectors once and accumulates its gradient in place,
  which is what bounds a step on the CPU (memory traffic, not arithmetic).
* :func:`first_free`: rejection sampling of negative documents in one pass over a block
  of uniform draws, against the incidence bitmap.

Each is compiled for fixed C-contiguous types when the module is first imported and
cached next to this file (or in numba's user cache where that is not writable).
"""

from __future__ import annotations

import numpy as np
from numba import njit

# The C-contiguous types each pass is compiled for when the module is imported (from
# the cache after the first time), so no fit pays for compilation.
_F2 = "float32[:, ::1]"
_HINGE_PASS = (
    f"void({_F2}, {_F2}, int64[::1], int64[::1], int64[:, ::1], float64, "
    f"{_F2}, float32[::1], {_F2}, {_F2}, {_F2})"
)
_FIRST_FREE = "int64(uint8[::1], int64, int64[::1], int64[::1], int64, int64[:, ::1])"


@njit(_HINGE_PASS, cache=True, nogil=True)
def hinge_pass(
    lt: np.ndarray,
    ld: np.ndarray,
    term_of: np.ndarray,
    pos_of: np.ndarray,
    neg_of: np.ndarray,
    margin: float,
    hinge: np.ndarray,
    ls_pos: np.ndarray,
    ls_neg: np.ndarray,
    grad_lt: np.ndarray,
    grad_ld: np.ndarray,
) -> None:  # pragma: no cover - compiled; tests compare it with autograd
    """Scores, hinge and gradients of the mean hinge of ``B x n_neg`` triples.

    Parameters
    ----------
    lt : ndarray of shape (T, K), float32
        ``lt`` of the batch's distinct terms.
    ld : ndarray of shape (U, K), float32
        ``ld`` of the batch's distinct documents.
    term_of, pos_of : ndarray of shape (B,), int64
        Row of each triple's term in ``lt`` and of its positive document in ``ld``.
    neg_of : ndarray of shape (B, n_neg), int64
        Rows of its negative documents in ``ld``.
    margin : float
    hinge, ls_neg : ndarray of shape (B, n_neg), float32
        Written: ``max(0, margin - ls+ + ls-)`` and ``ls(g, d-)``.
    ls_pos : ndarray of shape (B,), float32
        Written: ``ls(g, d+)``.
    grad_lt : ndarray of shape (T, K), float32
        Zeros in; the gradient of the mean hinge with respect to ``lt`` out.
    grad_ld : ndarray of shape (U, K), float32
        Zeros in; the gradient with respect to ``ld`` out.
    """
    n_pos, n_neg = neg_of.shape
    k = lt.shape[1]
    weight = np.float32(1.0 / (n_pos * n_neg))
    for b in range(n_pos):
        t, p = term_of[b], pos_of[b]
        score = np.float32(0.0)
        for i in range(k):
            score += lt[t, i] * ld[p, i]
        ls_pos[b] = score
        active = 0
        for j in range(n_neg):
            u = neg_of[b, j]
            other = np.float32(0.0)
            for i in range(k):
                other += lt[t, i] * ld[u, i]
            ls_neg[b, j] = other
            h = margin - score + other
            if h > 0.0:
                hinge[b, j] = h
                active += 1
                for i in range(k):
                    grad_ld[u, i] += weight * lt[t, i]
                    grad_lt[t, i] += weight * ld[u, i]
            else:
                hinge[b, j] = 0.0
        if active:
            w = weight * active
            for i in range(k):
                grad_ld[p, i] -= w * lt[t, i]
                grad_lt[t, i] -= w * ld[p, i]


@njit(_FIRST_FREE, cache=True, nogil=True)
def first_free(
    bitmap: np.ndarray,
    n_terms: int,
    terms: np.ndarray,
    candidates: np.ndarray,
    max_tries: int,
    out: np.ndarray,
) -> int:  # pragma: no cover - compiled; tests check its draws against the bitmap
    """Negative documents: for each slot, the next candidate that lacks the slot's term.

    Walks ``candidates`` (uniform document draws) once, in order, giving each slot
    ``out[b, j]`` the first unused candidate whose bit ``doc * n_terms + terms[b]`` is
    not set in ``bitmap`` (packed little-endian); after ``max_tries`` rejections a slot
    keeps its last candidate, as the rejection sampler does after its last round.

    Returns
    -------
    int
        Candidates used, or -1 when they ran out (``out`` is then incomplete).
    """
    n_pos, n_neg = out.shape
    c, n_cand = 0, candidates.shape[0]
    for b in range(n_pos):
        t = terms[b]
        for j in range(n_neg):
            tries = 0
            while True:
                if c == n_cand:
                    return -1
                d = candidates[c]
                c += 1
                tries += 1
                key = d * n_terms + t
                if ((bitmap[key >> 3] >> (key & 7)) & 1) == 0 or tries >= max_tries:
                    out[b, j] = d
                    break
    return c
