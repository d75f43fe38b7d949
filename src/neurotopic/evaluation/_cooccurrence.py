"""Co-occurrence counts of topic terms in reference documents, for the coherence metrics.

The documents are read once into an index of token positions (:func:`build_index`; only
the words that make up topic terms are kept).  Each term's occurrences become a sorted
set of disjoint integer intervals -- of document numbers (:func:`doc_intervals`, for
NPMI) or of sliding-window numbers (:func:`window_intervals`, for C_V) -- and
co-occurrence counts are sizes of interval-set intersections (:func:`co_matrix`),
computed with ``numpy.searchsorted`` for the term pairs that share a topic.  Cost is
about linear in the number of tokens plus the number of occurrences of topic terms.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from itertools import chain, repeat

import numpy as np

#: A set of closed integer intervals: (starts, ends), both of shape (n_intervals,).
Intervals = tuple[np.ndarray, np.ndarray]

# ------------------------------------------------------------------------- token index


@dataclass(frozen=True)
class TokenIndex:
    """Positions of the relevant words in the concatenated documents."""

    offsets: np.ndarray  # (n_docs,) start of each document in the concatenation
    lengths: np.ndarray  # (n_docs,) tokens per document
    codes: np.ndarray  # (n_tokens,) word id of each token, -1 for irrelevant tokens
    word_ids: dict[str, int]
    positions: np.ndarray  # positions of relevant tokens, grouped by word id, ascending
    bounds: np.ndarray  # (n_words + 1,) positions[bounds[w]:bounds[w + 1]] belong to word w

    def word_positions(self, word: str) -> np.ndarray:
        w = self.word_ids[word]
        return self.positions[self.bounds[w] : self.bounds[w + 1]]

    def term_starts(self, words: tuple[str, ...]) -> np.ndarray:
        """Sorted start positions of the contiguous, within-document occurrences of a term."""
        starts = self.word_positions(words[0])
        n_words = len(words)
        if n_words == 1 or starts.size == 0:
            return starts
        doc = np.searchsorted(self.offsets, starts, side="right") - 1
        starts = starts[starts + n_words <= self.offsets[doc] + self.lengths[doc]]
        for k in range(1, n_words):
            starts = starts[self.codes[starts + k] == self.word_ids[words[k]]]
        return starts


def build_index(documents: Sequence[Sequence[str]], words: set[str]) -> TokenIndex:
    """Index the positions of ``words`` in ``documents`` (N token lists); others are -1."""
    word_ids = {w: i for i, w in enumerate(sorted(words))}
    lengths = np.fromiter(map(len, documents), dtype=np.int64, count=len(documents))
    offsets = np.concatenate(([0], np.cumsum(lengths)[:-1])).astype(np.int64)
    n_tokens = int(lengths.sum())
    codes = np.fromiter(
        map(word_ids.get, chain.from_iterable(documents), repeat(-1)),
        dtype=np.int64,
        count=n_tokens,
    )
    relevant = np.flatnonzero(codes >= 0)
    order = np.argsort(codes[relevant], kind="stable")
    positions = relevant[order]
    bounds = np.concatenate(([0], np.cumsum(np.bincount(codes[relevant], minlength=len(word_ids)))))
    return TokenIndex(offsets, lengths, codes, word_ids, positions, bounds.astype(np.int64))


# --------------------------------------------------------------------- interval algebra


def _merge(starts: np.ndarray, ends: np.ndarray) -> Intervals:
    """Union of closed integer intervals given sorted by start: disjoint, non-adjacent."""
    if starts.size == 0:
        return starts, ends
    reach = np.maximum.accumulate(ends)
    new = np.concatenate(([True], starts[1:] > reach[:-1] + 1))
    first = np.flatnonzero(new)
    last = np.concatenate((first[1:] - 1, [starts.size - 1]))
    return starts[first], reach[last]


def _size(intervals: Intervals) -> int:
    starts, ends = intervals
    return int((ends - starts + 1).sum())


def _covered_below(intervals: Intervals, x: np.ndarray) -> np.ndarray:
    """Number of points of the (merged, non-empty) interval set that are ``< x``."""
    starts, ends = intervals
    cum = np.concatenate(([0], np.cumsum(ends - starts + 1)))
    k = np.searchsorted(starts, x, side="left")  # intervals starting below x
    excess = np.maximum(ends[np.maximum(k - 1, 0)] - x + 1, 0)
    return cum[k] - np.where(k > 0, excess, 0)


def _pair_counts(intervals: list[Intervals], pairs: np.ndarray) -> np.ndarray:
    """Intersection sizes ``|I_a & I_b|`` for each row ``(a, b)`` of ``pairs`` (shape (P, 2))."""
    counts = np.zeros(len(pairs), dtype=np.int64)
    n_int = np.array([iv[0].size for iv in intervals], dtype=np.int64)
    if len(pairs) == 0:
        return counts
    # Search in the larger set, iterate over the smaller one.
    swap = n_int[pairs[:, 0]] < n_int[pairs[:, 1]]
    big = np.where(swap, pairs[:, 1], pairs[:, 0])
    small = np.where(swap, pairs[:, 0], pairs[:, 1])
    for a in np.unique(big):
        rows = np.flatnonzero(big == a)
        if n_int[a] == 0:
            continue
        partners = small[rows]
        b_starts = np.concatenate([intervals[b][0] for b in partners])
        b_ends = np.concatenate([intervals[b][1] for b in partners])
        overlap = _covered_below(intervals[a], b_ends + 1) - _covered_below(intervals[a], b_starts)
        cum = np.concatenate(([0], np.cumsum(overlap)))
        seg = np.concatenate(([0], np.cumsum(n_int[partners])))
        counts[rows] = cum[seg[1:]] - cum[seg[:-1]]
    return counts


def co_matrix(intervals: list[Intervals], groups: list[list[int]]) -> np.ndarray:
    """Symmetric co-occurrence counts of the terms that share a group; diagonal = counts.

    Parameters
    ----------
    intervals : list of Intervals, length n_terms
        Where each term occurs (documents or windows), merged.
    groups : list of list of int
        Term numbers of each topic; only pairs within a group are counted.

    Returns
    -------
    ndarray of shape (n_terms, n_terms), int64
        ``|I_a & I_b|`` for terms ``a != b`` that share a group (0 for other pairs), and
        ``|I_a|`` on the diagonal.
    """
    n = len(intervals)
    pair_set = {(min(a, b), max(a, b)) for g in groups for a in g for b in g if a != b}
    pairs = np.array(sorted(pair_set), dtype=np.int64).reshape(-1, 2)
    co = np.zeros((n, n), dtype=np.int64)
    values = _pair_counts(intervals, pairs)
    co[pairs[:, 0], pairs[:, 1]] = values
    co[pairs[:, 1], pairs[:, 0]] = values
    co[np.arange(n), np.arange(n)] = [_size(iv) for iv in intervals]
    return co


def doc_intervals(index: TokenIndex, starts: np.ndarray) -> Intervals:
    """Numbers of the documents holding the occurrences ``starts`` (shape (n,)), merged."""
    docs = np.searchsorted(index.offsets, starts, side="right") - 1
    return _merge(docs, docs)


def window_intervals(
    index: TokenIndex, starts: np.ndarray, n_words: int, window_size: int, win_offsets: np.ndarray
) -> Intervals:
    """Windows in which gensim's boolean sliding window flags a term.

    The rule is that of :func:`~neurotopic.evaluation.metrics.c_v` (see its docstring).

    Parameters
    ----------
    index : TokenIndex
        The reference documents.
    starts : ndarray of shape (n_occurrences,), int64
        Sorted start positions of the term (:meth:`TokenIndex.term_starts`).
    n_words : int
        Words in the term.
    window_size : int
        Sliding window length in tokens.
    win_offsets : ndarray of shape (n_docs,), int64
        Number of the first window of each document.

    Returns
    -------
    Intervals
        The numbers of the windows that flag the term, merged.
    """
    if n_words > window_size or starts.size == 0:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty
    doc = np.searchsorted(index.offsets, starts, side="right") - 1
    base = index.offsets[doc]
    length = index.lengths[doc]
    local = starts - base
    # Flagged when the term's last word enters the window ...
    enter = np.maximum(local + n_words - window_size, 0)
    # ... until the first word of the earliest occurrence at or after that window leaves.
    first = starts[np.searchsorted(starts, base + enter, side="left")] - base
    leave = np.minimum(first, length - window_size)
    short = length < window_size  # one window holds the whole document
    lo = win_offsets[doc] + np.where(short, 0, enter)
    hi = win_offsets[doc] + np.where(short, 0, leave)
    return _merge(lo, hi)
