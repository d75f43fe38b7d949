"""Compiled CPU passes of the training loop (numba): the hinge step and the negatives.

* :func:`hinge_pass`: the ranking hinge of a batch and its gradient in one pass per
  triple.  :func:`neurotopic.train.step.hinge_gradients` in torch makes about eight
  passes over ``(B, n_neg, K)`` arrays per step (gathers, products, sums, a scatter);
  this reads each triple's two K-vectors once and accumulates its gradient in place,
  which is what bounds a step on the CPU (memory traffic, not arithmetic).
* :func:`row_adam`: Adam's step on the rows of W1 in a batch, read and written once
  each (torch's version makes about a dozen passes over gathered copies).
* :func:`row_adam_softmax`: the same step taking the gradient on ``ld = softmax(W1
  rows)``, the backward through the softmax done per row on the way (no (U, K)
  gradient array written and read back).
* :func:`first_free`: rejection sampling of negative documents in one pass over a block
  of uniform draws, against the incidence bitmap.
* :func:`filter_contains`: the membership test of corpora too large for the bitmap
  (hashed filter, then binary search), one pass instead of numpy's half-dozen.
* :func:`rows_contain`: the same test by binary search in each document's own sorted
  terms, the cheapest when a few documents take many tests (a batch's negative pool:
  their rows stay in cache).
* :func:`distinct_sorted`: a batch's distinct documents (or terms) and each id's
  position, in O(batch) with a reusable scratch array rather than O(documents).
* :func:`softmax_backward`: the gradient through each distinct document's softmax in
  one pass per row (torch: four passes over the (U, K) arrays).
* :func:`sigmoid_backward`: the gradient through the distinct terms' sigmoid, and the
  topic bias's gradient, in one pass (torch: four).
* :func:`gather_rows`: a batch's rows of W1 (random rows of a large matrix, bound by
  memory latency) copied on all cores.
* :func:`topic_shares`: each document's topic shares of its term occurrences (the rows
  a fitted model returns, :func:`neurotopic.model.shares.doc_topic_shares`) in one pass
  over its incidences, with no (incidence, topic) array in memory.

Each is compiled for fixed C-contiguous types when the module is first imported and
cached next to this file (or in numba's user cache where that is not writable).  The
float passes of the training loop are compiled with ``fastmath`` (reassociation), so
their sums run in SIMD lanes: about 2x faster, with results that differ from strict
left-to-right float32 sums by rounding (about 1e-7) and are the same from run to run on
a given machine.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

# The C-contiguous types each pass is compiled for when the module is imported (from
# the cache after the first time), so no fit pays for compilation.
_F2 = "float32[:, ::1]"
_HINGE_PASS = (
    f"void({_F2}, {_F2}, int64[::1], int64[::1], int64[:, ::1], float64, "
    f"{_F2}, float32[::1], {_F2}, {_F2}, {_F2})"
)
_ROW_ADAM = f"void({_F2}, {_F2}, {_F2}, int64[::1], {_F2}, float64, float64, float64, float64)"
_ROW_ADAM_SOFTMAX = (
    f"void({_F2}, {_F2}, {_F2}, int64[::1], {_F2}, {_F2}, float64, float64, float64, float64)"
)
_GROUP_BY = "Tuple((int64[::1], int64[::1]))(int64[::1], int64)"
_FIRST_FREE = "int64(uint8[::1], int64, int64[::1], int64[::1], int64, int64[:, ::1])"
_DISTINCT = "int64(int64[::1], int32[::1], int64[::1], int64[::1])"
_SOFTMAX_BACKWARD = f"void({_F2}, {_F2}, {_F2})"
_SIGMOID_BACKWARD = f"void({_F2}, {_F2}, float32[::1])"
_GATHER_ROWS = f"void({_F2}, int64[::1], {_F2})"
_TOPIC_SHARES = f"void(int64[::1], int64[::1], float64[::1], {_F2}, float64[:, ::1], {_F2})"
_ROWS_CONTAIN = "void(int64[::1], int64[::1], int64[::1], int64[::1], boolean[::1])"
_FILTER_CONTAINS = (
    "void(uint8[::1], int64, int64[::1], int64[::1], int64[::1], int64, boolean[::1])"
)
#: Fibonacci hashing's multiplier (2**64 / golden ratio), shared with the sampler's filter.
FILTER_MULTIPLIER = 0x9E3779B97F4A7C15


@njit(_GROUP_BY, cache=True, nogil=True)
def _group_by(keys: np.ndarray, n_keys: int) -> tuple[np.ndarray, np.ndarray]:
    """A stable counting sort: ``order[start[k]:start[k + 1]]`` are the positions of
    key ``k`` in ``keys`` (all in ``[0, n_keys)``), in increasing order."""
    start = np.zeros(n_keys + 1, dtype=np.int64)
    for e in range(keys.shape[0]):
        start[keys[e] + 1] += 1
    for key in range(n_keys):
        start[key + 1] += start[key]
    order = np.empty(keys.shape[0], dtype=np.int64)
    fill = start[:-1].copy()
    for e in range(keys.shape[0]):
        order[fill[keys[e]]] = e
        fill[keys[e]] += 1
    return start, order


# Reassociation and contraction only: no finite-math or signed-zero assumptions.
_FASTMATH = {"reassoc", "contract"}


@njit(_HINGE_PASS, cache=True, nogil=True, fastmath=_FASTMATH, parallel=True)
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

    The scores' gradient is :func:`neurotopic.model.ranking_hinge_grad`'s (mean), formed
    per triple: ``weight = 1 / (B n_neg)`` on each active negative and ``-weight *
    active`` on the positive.  Three parallel passes, each writing its own rows only, so
    the result is the same on any number of threads: the triples' scores; each distinct
    term's gradient, summed over its triples in batch order; each distinct document's,
    summed over the triples it is a positive or an active negative of, in batch order.

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
        Written: the gradient of the mean hinge with respect to ``lt``.
    grad_ld : ndarray of shape (U, K), float32
        Written: the gradient with respect to ``ld``.
    """
    n_pos, n_neg = neg_of.shape
    n_terms, k = lt.shape
    n_docs = ld.shape[0]
    weight = np.float32(1.0 / (n_pos * n_neg))
    coef_pos = np.empty(n_pos, dtype=np.float32)  # d loss / d ls(g, d+) per triple
    # 1. scores: reads only
    for b in prange(n_pos):
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
            else:
                hinge[b, j] = 0.0
        coef_pos[b] = -weight * active
    # 2. per distinct term: its triples, in batch order
    t_start, t_order = _group_by(term_of, n_terms)
    for t in prange(n_terms):
        for i in range(k):
            grad_lt[t, i] = 0.0
        for e in range(t_start[t], t_start[t + 1]):
            b = t_order[e]
            c = coef_pos[b]
            if c == 0.0:
                continue
            p = pos_of[b]
            for i in range(k):
                grad_lt[t, i] += c * ld[p, i]
            for j in range(n_neg):
                if hinge[b, j] > 0.0:
                    u = neg_of[b, j]
                    for i in range(k):
                        grad_lt[t, i] += weight * ld[u, i]
    # 3. per distinct document: the active slots it fills (slot 0 of a triple is its
    # positive, 1.. its negatives), in batch order
    slots = n_neg + 1
    doc_of = np.empty(n_pos * slots, dtype=np.int64)  # room for every slot
    code_of = np.empty(n_pos * slots, dtype=np.int64)
    e = 0
    for b in range(n_pos):
        if coef_pos[b] != 0.0:
            doc_of[e], code_of[e] = pos_of[b], b * slots
            e += 1
            for j in range(n_neg):
                if hinge[b, j] > 0.0:
                    doc_of[e], code_of[e] = neg_of[b, j], b * slots + j + 1
                    e += 1
    d_start, d_order = _group_by(doc_of[:e], n_docs)
    for u in prange(n_docs):
        for i in range(k):
            grad_ld[u, i] = 0.0
        for e in range(d_start[u], d_start[u + 1]):
            code = code_of[d_order[e]]
            b = code // slots
            c = coef_pos[b] if code % slots == 0 else weight
            t = term_of[b]
            for i in range(k):
                grad_ld[u, i] += c * lt[t, i]


@njit(inline="always", nogil=True)
def _adam_coefficients(
    step_size: float, beta1: float, beta2: float, eps: float
) -> tuple[np.float32, ...]:  # pragma: no cover - inlined
    """``b1, b2, 1 - b1, 1 - b2, step_size, eps`` in float32, as :func:`_adam_element` takes."""
    b1, b2 = np.float32(beta1), np.float32(beta2)
    c1, c2 = np.float32(1.0 - beta1), np.float32(1.0 - beta2)
    return b1, b2, c1, c2, np.float32(step_size), np.float32(eps)


@njit(inline="always", nogil=True)
def _adam_element(
    weight: np.ndarray,
    exp_avg: np.ndarray,
    exp_avg_sq: np.ndarray,
    d: int,
    i: int,
    g: np.float32,
    b1: np.float32,
    b2: np.float32,
    c1: np.float32,
    c2: np.float32,
    lr: np.float32,
    eps: np.float32,
) -> None:  # pragma: no cover - compiled into its callers
    """Adam's update of ``weight[d, i]`` and its moments with gradient ``g`` (SparseAdam's
    form: ``lr`` is the bias-corrected step size): the one Adam step of the kernels."""
    m = b1 * exp_avg[d, i] + c1 * g
    v = b2 * exp_avg_sq[d, i] + c2 * g * g
    exp_avg[d, i] = m
    exp_avg_sq[d, i] = v
    weight[d, i] -= lr * m / (np.sqrt(v) + eps)


@njit(inline="always", nogil=True)
def _row_dot(a: np.ndarray, b: np.ndarray, r: int) -> np.float32:  # pragma: no cover - inlined
    """``<a[r], b[r]>`` in float32."""
    dot = np.float32(0.0)
    for i in range(a.shape[1]):
        dot += a[r, i] * b[r, i]
    return dot


@njit(_ROW_ADAM, cache=True, nogil=True, fastmath=_FASTMATH, parallel=True)
def row_adam(
    weight: np.ndarray,
    exp_avg: np.ndarray,
    exp_avg_sq: np.ndarray,
    rows: np.ndarray,
    grad: np.ndarray,
    step_size: float,
    beta1: float,
    beta2: float,
    eps: float,
) -> None:  # pragma: no cover - compiled; tests compare it with torch's SparseAdam
    """Adam's update of ``weight[rows]`` in place, with per-row moments.

    Parameters
    ----------
    weight, exp_avg, exp_avg_sq : ndarray of shape (n_rows, n_cols), float32
        Updated in place at ``rows``.
    rows : ndarray of shape (U,), int64
        Distinct row ids.
    grad : ndarray of shape (U, n_cols), float32
        Gradient on ``weight[rows]``.
    step_size : float
        ``lr * sqrt(1 - beta2 ** t) / (1 - beta1 ** t)``.
    beta1, beta2, eps : float
    """
    b1, b2, c1, c2, lr, eps32 = _adam_coefficients(step_size, beta1, beta2, eps)
    n_cols = grad.shape[1]
    for r in prange(rows.shape[0]):  # distinct rows: each is written by one iteration
        d = rows[r]
        for i in range(n_cols):
            _adam_element(weight, exp_avg, exp_avg_sq, d, i, grad[r, i], b1, b2, c1, c2, lr, eps32)


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


@njit(nogil=True, cache=True)
def _radix_sort(values: np.ndarray, bound: int) -> None:  # pragma: no cover - compiled
    """Sort ``values`` (int64, all in ``[0, bound)``) in place: LSD radix, 11 bits a pass.

    Two passes for ids under 4M, each linear in ``len(values)``, where a quicksort makes
    about log2(n) passes with unpredictable branches; the result is the same (a sorted
    array is unique).
    """
    n = values.shape[0]
    if n < 64:
        values.sort()
        return
    scratch = np.empty(n, dtype=np.int64)
    count = np.empty(2049, dtype=np.int64)
    src, dst = values, scratch
    shift, passes = 0, 0
    while ((bound - 1) >> shift) > 0:
        count[:] = 0
        for i in range(n):
            count[((src[i] >> shift) & 2047) + 1] += 1
        for b in range(2048):
            count[b + 1] += count[b]
        for i in range(n):  # stable: equal digits keep their order
            key = (src[i] >> shift) & 2047
            dst[count[key]] = src[i]
            count[key] += 1
        src, dst = dst, src
        shift += 11
        passes += 1
    if passes % 2 == 1:  # the sorted values are in the scratch array
        values[:] = scratch


@njit(_DISTINCT, cache=True, nogil=True)
def distinct_sorted(
    ids: np.ndarray, slot: np.ndarray, values: np.ndarray, inverse: np.ndarray
) -> int:  # pragma: no cover - compiled; tests compare it with torch.unique
    """Sorted distinct values of ``ids`` and each id's position among them.

    What ``torch.unique(ids, sorted=True, return_inverse=True)`` returns, in time
    proportional to ``len(ids)`` (plus sorting the distinct values) however large the
    id range.

    Parameters
    ----------
    ids : ndarray of shape (N,), int64
        Values in ``[0, len(slot))``.
    slot : ndarray of shape (n_ids,), int32
        Scratch: all -1 on entry, and all -1 again on return (int32: half the cache
        footprint of int64 for a million documents; it holds positions in the batch).
    values : ndarray of shape (N,), int64
        Written: the distinct values, sorted, in ``values[:n]``.
    inverse : ndarray of shape (N,), int64
        Written: ``values[inverse[i]] == ids[i]``.

    Returns
    -------
    int
        ``n``, the number of distinct values.
    """
    n = 0
    for i in range(ids.shape[0]):
        d = ids[i]
        if slot[d] < 0:
            slot[d] = 0
            values[n] = d
            n += 1
    _radix_sort(values[:n], slot.shape[0])
    for j in range(n):
        slot[values[j]] = j
    for i in range(ids.shape[0]):
        inverse[i] = slot[ids[i]]
    for j in range(n):
        slot[values[j]] = -1
    return n


@njit(inline="always", nogil=True)
def _contains_sorted(
    values: np.ndarray, lo: int, hi: int, key: int
) -> bool:  # pragma: no cover - inlined
    """Whether sorted ``values[lo:hi]`` holds ``key`` (binary search for the leftmost
    position with ``values[pos] >= key``)."""
    end = hi
    while lo < hi:
        mid = (lo + hi) >> 1
        if values[mid] < key:
            lo = mid + 1
        else:
            hi = mid
    return lo < end and values[lo] == key


@njit(_FILTER_CONTAINS, cache=True, nogil=True, parallel=True)
def filter_contains(
    bits: np.ndarray,
    shift: int,
    keys: np.ndarray,
    docs: np.ndarray,
    terms: np.ndarray,
    n_terms: int,
    out: np.ndarray,
) -> None:  # pragma: no cover - compiled; tests compare it with the numpy test
    """Whether each ``docs[i]`` contains ``terms[i]``: filter bit, then binary search.

    Parameters
    ----------
    bits : ndarray of uint8
        The packed one-hash filter: bit ``(key * FILTER_MULTIPLIER mod 2**64) >> shift``
        is set for every incidence key ``doc * n_terms + term``.
    shift : int
    keys : ndarray of shape (nnz,), int64
        The incidence keys, sorted.
    docs, terms : ndarray of shape (N,), int64
    n_terms : int
    out : ndarray of shape (N,), bool
        Written.
    """
    mult = np.uint64(FILTER_MULTIPLIER)
    ushift = np.uint64(shift)
    n_keys = keys.shape[0]
    for i in prange(docs.shape[0]):  # independent tests, each writes its own out[i]
        key = docs[i] * n_terms + terms[i]
        at = np.int64((np.uint64(key) * mult) >> ushift)
        if (bits[at >> 3] >> (at & 7)) & 1 == 0:
            out[i] = False
            continue
        out[i] = _contains_sorted(keys, 0, n_keys, key)


@njit(_ROWS_CONTAIN, cache=True, nogil=True, parallel=True)
def rows_contain(
    indptr: np.ndarray,
    indices: np.ndarray,
    docs: np.ndarray,
    terms: np.ndarray,
    out: np.ndarray,
) -> None:  # pragma: no cover - compiled; tests compare it with the filter's test
    """Whether each ``docs[i]`` contains ``terms[i]``: binary search in the document's row.

    Parameters
    ----------
    indptr : ndarray of shape (n_docs + 1,), int64
    indices : ndarray of shape (nnz,), int64
        A CSR matrix's structure, each row's terms sorted.
    docs, terms : ndarray of shape (N,), int64
    out : ndarray of shape (N,), bool
        Written.
    """
    for i in prange(docs.shape[0]):  # independent tests, each writes its own out[i]
        d = docs[i]
        out[i] = _contains_sorted(indices, indptr[d], indptr[d + 1], terms[i])


@njit(_GATHER_ROWS, cache=True, nogil=True, parallel=True)
def gather_rows(
    weight: np.ndarray, rows: np.ndarray, out: np.ndarray
) -> None:  # pragma: no cover - compiled; tests compare it with index_select
    """``out[r] = weight[rows[r]]`` for every ``r``, rows split across the threads.

    Parameters
    ----------
    weight : ndarray of shape (n_rows, n_cols), float32
    rows : ndarray of shape (U,), int64
    out : ndarray of shape (U, n_cols), float32
        Written.
    """
    n_cols = weight.shape[1]
    for r in prange(rows.shape[0]):
        d = rows[r]
        for i in range(n_cols):
            out[r, i] = weight[d, i]


@njit(_SOFTMAX_BACKWARD, cache=True, nogil=True, fastmath=_FASTMATH, parallel=True)
def softmax_backward(
    ld: np.ndarray, grad_ld: np.ndarray, out: np.ndarray
) -> None:  # pragma: no cover - compiled; tests compare it with torch's operations
    """The gradient on the logits of ``ld = softmax(logits)``: ``ld * (g - <g, ld>)``.

    Parameters
    ----------
    ld : ndarray of shape (U, K), float32
    grad_ld : ndarray of shape (U, K), float32
        Gradient on ``ld``.
    out : ndarray of shape (U, K), float32
        Written: the gradient on the logits.
    """
    k = ld.shape[1]
    for r in prange(ld.shape[0]):
        dot = _row_dot(grad_ld, ld, r)
        for i in range(k):
            out[r, i] = ld[r, i] * (grad_ld[r, i] - dot)


@njit(_SIGMOID_BACKWARD, cache=True, nogil=True, fastmath=_FASTMATH)
def sigmoid_backward(
    lt: np.ndarray, grad: np.ndarray, bias_grad: np.ndarray
) -> None:  # pragma: no cover - compiled; tests compare it with torch's operations
    """``grad *= lt * (1 - lt)`` in place (through ``lt = sigmoid(z)``), and its column sums.

    One thread, rows in order, so the sums are the same on any thread count.

    Parameters
    ----------
    lt : ndarray of shape (T, K), float32
    grad : ndarray of shape (T, K), float32
        The gradient on ``lt`` in, on ``z`` out.
    bias_grad : ndarray of shape (K,), float32
        Written: ``grad``'s (out) sum over the rows.
    """
    k = lt.shape[1]
    for i in range(k):
        bias_grad[i] = 0.0
    for t in range(lt.shape[0]):
        for i in range(k):
            g = grad[t, i] * lt[t, i] * (np.float32(1.0) - lt[t, i])
            grad[t, i] = g
            bias_grad[i] += g


@njit(_ROW_ADAM_SOFTMAX, cache=True, nogil=True, fastmath=_FASTMATH, parallel=True)
def row_adam_softmax(
    weight: np.ndarray,
    exp_avg: np.ndarray,
    exp_avg_sq: np.ndarray,
    rows: np.ndarray,
    ld: np.ndarray,
    grad_ld: np.ndarray,
    step_size: float,
    beta1: float,
    beta2: float,
    eps: float,
) -> None:  # pragma: no cover - compiled; tests compare it with softmax_backward + row_adam
    """:func:`row_adam` with the gradient ``ld * (g - <g, ld>)`` formed row by row.

    The numbers of :func:`softmax_backward` followed by :func:`row_adam` (same sums, in
    the same order), in one pass over each row.

    Parameters
    ----------
    weight, exp_avg, exp_avg_sq : ndarray of shape (n_rows, n_cols), float32
        Updated in place at ``rows``.
    rows : ndarray of shape (U,), int64
        Distinct row ids.
    ld : ndarray of shape (U, n_cols), float32
        ``softmax(weight[rows])``.
    grad_ld : ndarray of shape (U, n_cols), float32
        Gradient on ``ld``.
    step_size, beta1, beta2, eps : float
        As :func:`row_adam`.
    """
    b1, b2, c1, c2, lr, eps32 = _adam_coefficients(step_size, beta1, beta2, eps)
    n_cols = ld.shape[1]
    for r in prange(rows.shape[0]):
        d = rows[r]
        dot = _row_dot(grad_ld, ld, r)
        for i in range(n_cols):
            g = ld[r, i] * (grad_ld[r, i] - dot)
            _adam_element(weight, exp_avg, exp_avg_sq, d, i, g, b1, b2, c1, c2, lr, eps32)


@njit(_TOPIC_SHARES, cache=True, nogil=True, parallel=True)
def topic_shares(
    indptr: np.ndarray,
    indices: np.ndarray,
    data: np.ndarray,
    ld: np.ndarray,
    phi: np.ndarray,
    out: np.ndarray,
) -> None:  # pragma: no cover - compiled; tests compare it with the formula in numpy
    """``out[d, k] ∝ ld[d, k] sum_g n_dg phi[g, k] / sum_j ld[d, j] phi[g, j]``.

    Documents are split across the threads; each document's sums run in order in float64
    (no ``fastmath``), so its row does not depend on the thread count.  A document with
    no counted term, or whose terms have zero probability under it, keeps ``ld``.

    Parameters
    ----------
    indptr : ndarray of shape (n_docs + 1,), int64
    indices : ndarray of shape (nnz,), int64
    data : ndarray of shape (nnz,), float64
        The documents' term counts (CSR).
    ld : ndarray of shape (n_docs, n_topics), float32
        Each document's mixture; rows sum to 1.
    phi : ndarray of shape (n_terms, n_topics), float64
        ``beta`` transposed: each topic's term distribution in a column.
    out : ndarray of shape (n_docs, n_topics), float32
        Written: rows sum to 1.
    """
    k = ld.shape[1]
    for d in prange(ld.shape[0]):
        acc = np.zeros(k)
        for j in range(indptr[d], indptr[d + 1]):
            g = indices[j]
            p = 0.0
            for i in range(k):
                p += ld[d, i] * phi[g, i]
            if p > 0.0:
                w = data[j] / p
                for i in range(k):
                    acc[i] += w * phi[g, i]
        total = 0.0
        for i in range(k):
            acc[i] *= ld[d, i]
            total += acc[i]
        if total > 0.0:
            for i in range(k):
                out[d, i] = acc[i] / total
        else:
            for i in range(k):
                out[d, i] = ld[d, i]
