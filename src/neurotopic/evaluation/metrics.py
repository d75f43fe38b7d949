"""Evaluation metrics: topic coherence (NPMI, C_V), topic diversity, document-topic
classification accuracy (single-label) and F1 (multi-label), and ranking accuracy.

Vocabulary convention
---------------------
A topic is a sequence of term strings, best term first.  A term may be a multi-word
n-gram written with spaces (``"new york city"``).  Reference documents are token lists
(lower-cased unigram tokens in reading order); a multi-word term *occurs* in a document,
or in a sliding window, where its words occur contiguously and in order inside it.
Matching is exact: terms are not lower-cased or otherwise normalised.

The mean over topics is left to the caller, e.g. ``float(npmi(topics, docs).mean())``.
"Share of unique terms among the top-n terms" is ``diversity(topics, top_n)``.

Implementation
--------------
The documents are read once into an index of token positions (only the words that make
up topic terms are kept).  Each term's occurrences become a sorted set of integer
intervals -- of document numbers for :func:`npmi`, of sliding-window numbers for
:func:`c_v` -- and co-occurrence counts are sizes of interval-set intersections, computed
with ``numpy.searchsorted`` for the term pairs that share a topic.  Cost is about linear in
the number of tokens plus the number of occurrences of topic terms.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from itertools import chain, repeat

import numpy as np

from ..errors import NeurotopicError

__all__ = [
    "c_v",
    "diversity",
    "doc_topic_accuracy",
    "doc_topic_multilabel_f1",
    "is_multilabel",
    "npmi",
    "ranking_accuracy",
    "topic_recovery",
]

#: Smoothing constant of gensim's direct confirmation measures (used by :func:`c_v`).
CV_EPSILON = 1e-12
#: The feature transforms :func:`doc_topic_accuracy` accepts.
ACCURACY_FEATURES: tuple[str, ...] = ("probabilities", "log", "raw")

#: Added to theta before the log in :func:`doc_topic_accuracy` with ``features="log"``.
LOG_FEATURE_EPSILON = 1e-10

_Intervals = tuple[np.ndarray, np.ndarray]


# --------------------------------------------------------------------------- validation


def _check_int(value: object, name: str, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int | np.integer):
        raise NeurotopicError(
            f"{name} must be an integer, got {type(value).__name__}; pass an int >= {minimum}"
        )
    if value < minimum:
        raise NeurotopicError(f"{name} must be >= {minimum}, got {value}; pass a larger value")
    return int(value)


def _term_words(term: object, where: str) -> tuple[str, ...]:
    if not isinstance(term, str):
        raise NeurotopicError(
            f"{where} is a {type(term).__name__}, not a str; pass topics as lists of term strings"
        )
    words = tuple(term.split())
    if not words:
        raise NeurotopicError(f"{where} is an empty string; remove it from the topic")
    return words


def _check_topics(topics: Sequence[Sequence[str]], min_terms: int) -> list[list[str]]:
    """Validated copy of ``topics`` (every term checked by :func:`_term_words`)."""
    if isinstance(topics, str | bytes) or not isinstance(topics, Sequence | np.ndarray):
        raise NeurotopicError(
            "topics must be a sequence of topics, each a list of term strings; "
            "e.g. [['match', 'team'], ['bank', 'shares']]"
        )
    if len(topics) == 0:
        raise NeurotopicError("topics is empty; pass at least one topic (a list of terms)")
    checked: list[list[str]] = []
    for k, topic in enumerate(topics):
        if isinstance(topic, str | bytes) or not isinstance(topic, Sequence | np.ndarray):
            raise NeurotopicError(
                f"topic {k} is a {type(topic).__name__}, not a list of terms; "
                "pass each topic as a list of term strings"
            )
        if len(topic) < min_terms:
            raise NeurotopicError(
                f"topic {k} has {len(topic)} term(s) but at least {min_terms} are needed; "
                f"pass longer topics"
            )
        for i, term in enumerate(topic):
            _term_words(term, f"term {i} of topic {k}")
        checked.append(list(topic))
    return checked


def _check_documents(documents: Sequence[Sequence[str]]) -> None:
    if isinstance(documents, str | bytes) or not isinstance(documents, Sequence | np.ndarray):
        raise NeurotopicError(
            "documents must be a sequence of token lists (list[list[str]]); "
            "tokenise the reference texts first"
        )
    if len(documents) == 0:
        raise NeurotopicError("documents is empty; pass at least one reference document")
    for d, doc in enumerate(documents):
        if isinstance(doc, str | bytes) or not isinstance(doc, Sequence | np.ndarray):
            raise NeurotopicError(
                f"document {d} is a {type(doc).__name__}, not a list of tokens; "
                "tokenise the reference texts first (e.g. text.lower().split())"
            )


# ------------------------------------------------------------------------- token index


@dataclass(frozen=True)
class _TokenIndex:
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


def _build_index(documents: Sequence[Sequence[str]], words: set[str]) -> _TokenIndex:
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
    return _TokenIndex(offsets, lengths, codes, word_ids, positions, bounds.astype(np.int64))


# --------------------------------------------------------------------- interval algebra


def _merge(starts: np.ndarray, ends: np.ndarray) -> _Intervals:
    """Union of closed integer intervals given sorted by start: disjoint, non-adjacent."""
    if starts.size == 0:
        return starts, ends
    reach = np.maximum.accumulate(ends)
    new = np.concatenate(([True], starts[1:] > reach[:-1] + 1))
    first = np.flatnonzero(new)
    last = np.concatenate((first[1:] - 1, [starts.size - 1]))
    return starts[first], reach[last]


def _size(intervals: _Intervals) -> int:
    starts, ends = intervals
    return int((ends - starts + 1).sum())


def _covered_below(intervals: _Intervals, x: np.ndarray) -> np.ndarray:
    """Number of points of the (merged, non-empty) interval set that are ``< x``."""
    starts, ends = intervals
    cum = np.concatenate(([0], np.cumsum(ends - starts + 1)))
    k = np.searchsorted(starts, x, side="left")  # intervals starting below x
    excess = np.maximum(ends[np.maximum(k - 1, 0)] - x + 1, 0)
    return cum[k] - np.where(k > 0, excess, 0)


def _pair_counts(intervals: list[_Intervals], pairs: np.ndarray) -> np.ndarray:
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


def _co_matrix(intervals: list[_Intervals], groups: list[list[int]]) -> np.ndarray:
    """Symmetric co-occurrence counts of the terms that share a group; diagonal = counts."""
    n = len(intervals)
    pair_set = {(min(a, b), max(a, b)) for g in groups for a in g for b in g if a != b}
    pairs = np.array(sorted(pair_set), dtype=np.int64).reshape(-1, 2)
    co = np.zeros((n, n), dtype=np.int64)
    values = _pair_counts(intervals, pairs)
    co[pairs[:, 0], pairs[:, 1]] = values
    co[pairs[:, 1], pairs[:, 0]] = values
    co[np.arange(n), np.arange(n)] = [_size(iv) for iv in intervals]
    return co


def _doc_intervals(index: _TokenIndex, starts: np.ndarray) -> _Intervals:
    docs = np.searchsorted(index.offsets, starts, side="right") - 1
    return _merge(docs, docs)


def _window_intervals(
    index: _TokenIndex, starts: np.ndarray, n_words: int, window_size: int, win_offsets: np.ndarray
) -> _Intervals:
    """Windows in which gensim's boolean sliding window flags a term (see :func:`c_v`)."""
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


# ------------------------------------------------------------------------------ metrics


def npmi(
    topics: Sequence[Sequence[str]], documents: Sequence[Sequence[str]], top_n: int = 10
) -> np.ndarray:
    r"""Document co-occurrence NPMI coherence of each topic (ETM's ``get_topic_coherence``).

    With :math:`N` reference documents, :math:`D(w)` the number of documents containing
    term :math:`w` and :math:`D(w_i, w_j)` the number containing both,
    :math:`p(w) = D(w)/N` and :math:`p(w_i, w_j) = D(w_i, w_j)/N`,

    .. math::

        \mathrm{NPMI}(w_i, w_j) = \frac{\log \frac{p(w_i, w_j)}{p(w_i)\,p(w_j)}}
                                       {-\log p(w_i, w_j)},

    with :math:`\mathrm{NPMI} = -1` when :math:`D(w_i, w_j) = 0` (this includes every pair
    with a term that never occurs) and :math:`\mathrm{NPMI} = 1` when
    :math:`D(w_i, w_j) = N` (both terms in every document; the formula is 0/0 there).
    A topic's score is the mean over the :math:`\binom{n}{2}` pairs :math:`i < j` of its
    first :math:`n = \min(\text{top\_n}, \text{len(topic)})` terms.  Scores lie in
    :math:`[-1, 1]`; higher is more coherent.

    Parameters
    ----------
    topics : sequence of sequence of str, length K
        Terms of each topic, best first; multi-word terms use single spaces.
    documents : sequence of sequence of str, length N
        Reference documents as token lists.  A multi-word term occurs in a document when
        its words occur there contiguously and in order.
    top_n : int
        Number of leading terms of each topic to score (>= 2).

    Returns
    -------
    ndarray of shape (K,), float64
        NPMI coherence of each topic.

    Raises
    ------
    NeurotopicError
        If a topic has fewer than 2 terms, a term is not a non-empty string, ``documents``
        is empty or not a list of token lists, or ``top_n < 2``.

    Examples
    --------
    Four documents; ``a`` is in 3, ``b`` and ``c`` in 2 each, ``a b`` co-occur in 2 and
    ``a c``, ``b c`` in 1 each: NPMI(a, b) = log(4/3)/log 2 = 0.41504,
    NPMI(a, c) = log(2/3)/log 4 = -0.29248, NPMI(b, c) = log 1/log 4 = 0, mean 0.04085.

    >>> docs = [["a", "b"], ["a", "b", "c"], ["a"], ["c"]]
    >>> npmi([["a", "b", "c"]], docs).round(5)
    array([0.04085])
    >>> npmi([["a", "d"], ["new york", "a"]], [["in", "new", "york", "a"], ["york", "new"]])
    array([-1.,  1.])
    """
    top_n = _check_int(top_n, "top_n", 2)
    _check_documents(documents)
    topics_ = [t[:top_n] for t in _check_topics(topics, 2)]
    terms = sorted({term for topic in topics_ for term in topic})
    term_id = {term: i for i, term in enumerate(terms)}
    words = {term: _term_words(term, "term") for term in terms}
    index = _build_index(documents, {w for ws in words.values() for w in ws})
    intervals = [_doc_intervals(index, index.term_starts(words[t])) for t in terms]
    groups = [[term_id[t] for t in topic] for topic in topics_]
    co = _co_matrix(intervals, groups)
    n_docs = float(len(documents))
    scores = np.empty(len(groups))
    for k, group in enumerate(groups):
        i, j = np.triu_indices(len(group), k=1)
        gi, gj = np.asarray(group)[i], np.asarray(group)[j]
        d_ij = co[gi, gj].astype(np.float64)
        with np.errstate(divide="ignore", invalid="ignore"):
            p_ij = d_ij / n_docs
            p_i = co[gi, gi] / n_docs
            p_j = co[gj, gj] / n_docs
            value = np.log(p_ij / (p_i * p_j)) / -np.log(p_ij)
        value = np.where(d_ij == 0, -1.0, np.where(d_ij == n_docs, 1.0, value))
        scores[k] = value.mean()
    return scores


def c_v(
    topics: Sequence[Sequence[str]],
    documents: Sequence[Sequence[str]],
    top_n: int = 10,
    window_size: int = 110,
) -> np.ndarray:
    r"""C_V coherence of each topic, as gensim's ``CoherenceModel(coherence="c_v")``.

    Röder et al. (2015)'s C_V: boolean sliding window probabilities, NPMI direct
    confirmation, indirect cosine confirmation with one-set segmentation, arithmetic mean.
    With :math:`N` the number of sliding windows, :math:`p(w)` and :math:`p(w_i, w_j)`
    the shares of windows holding :math:`w` and both words, and
    :math:`\epsilon = 10^{-12}`,

    .. math::

        m(w_i, w_j) = \frac{\log \frac{p(w_i, w_j) + \epsilon}{p(w_i)\,p(w_j)}}
                           {-\log (p(w_i, w_j) + \epsilon)}, \qquad
        \vec v_i = \big(m(w_i, w_j)\big)_{j=1..n}, \qquad
        \vec v_W = \sum_{i=1}^{n} \vec v_i,

    .. math::

        C_V = \frac{1}{n} \sum_{i=1}^{n} \cos(\vec v_i, \vec v_W),

    including :math:`j = i` (:math:`m(w, w)` is about 1).  Per topic the terms used are
    the first ``top_n`` that occur in at least one window (terms that never occur are
    skipped, as gensim drops words missing from a dictionary built on the same texts).

    Sliding windows replicate gensim 4's ``p_boolean_sliding_window`` exactly:

    * a document of length :math:`L \ge` ``window_size`` gives :math:`L -` ``window_size``
      :math:`+ 1` windows (starting at each token); a shorter document, even an empty one,
      gives one window holding all of it; :math:`N` is the total over documents;
    * gensim updates a window's word set incrementally: when a token leaves on the left,
      its word is cleared *even if another occurrence of it is still inside the window*,
      and a word is set again only when an occurrence enters on the right.  The counts
      below follow that rule, so values match gensim to rounding error.

    Multi-word terms (which gensim cannot score) follow the same rule with the term as the
    token: it is set in the window where its last word enters (then it lies contiguously
    inside the window) and cleared in the window where the first word of one of its
    occurrences leaves.  A term longer than ``window_size`` words never occurs.

    Parameters
    ----------
    topics : sequence of sequence of str, length K
        Terms of each topic, best first; multi-word terms use single spaces.
    documents : sequence of sequence of str
        Reference documents as token lists, in reading order.
    top_n : int
        Number of (occurring) terms of each topic to score (>= 2).
    window_size : int
        Sliding window length in tokens (>= 1; gensim's C_V default is 110).

    Returns
    -------
    ndarray of shape (K,), float64
        C_V coherence of each topic, in [0, 1] in practice; higher is more coherent.

    Raises
    ------
    NeurotopicError
        On malformed topics or documents, ``top_n < 2``, ``window_size < 1``, or a topic
        none of whose terms occurs in the documents.

    Examples
    --------
    With ``window_size=2`` the two documents give the windows {a, b}, {b, c}, {a, b}
    (N = 3), so p(a) = 2/3, p(b) = 1, p(a, b) = 2/3, m(a, a) ≈ 1, m(a, b) = 0,
    m(b, b) = -1; v_a = (1, 0), v_b = (0, -1), v_W = (1, -1), so
    C_V = (cos(v_a, v_W) + cos(v_b, v_W)) / 2 = 1/sqrt(2) = 0.70711.

    >>> docs = [["a", "b", "c"], ["a", "b"]]
    >>> c_v([["a", "b"]], docs, window_size=2).round(5)
    array([0.70711])
    """
    top_n = _check_int(top_n, "top_n", 2)
    window_size = _check_int(window_size, "window_size", 1)
    _check_documents(documents)
    checked = _check_topics(topics, 1)
    all_terms = sorted({term for topic in checked for term in topic})
    words = {term: _term_words(term, "term") for term in all_terms}
    index = _build_index(documents, {w for ws in words.values() for w in ws})
    n_windows = np.maximum(index.lengths - window_size + 1, 1)
    win_offsets = np.concatenate(([0], np.cumsum(n_windows)[:-1]))

    term_id: dict[str, int] = {}
    intervals: list[_Intervals] = []
    groups: list[list[int]] = []
    for k, topic in enumerate(checked):
        group: list[int] = []
        for term in topic:
            if len(group) == top_n:
                break
            if term not in term_id:
                starts = index.term_starts(words[term])
                iv = _window_intervals(index, starts, len(words[term]), window_size, win_offsets)
                term_id[term] = len(intervals)
                intervals.append(iv)
            if intervals[term_id[term]][0].size:
                group.append(term_id[term])
        if not group:
            raise NeurotopicError(
                f"c_v: none of the terms of topic {k} occurs in the reference documents; "
                "use reference documents that share the model's vocabulary"
            )
        groups.append(group)

    co = _co_matrix(intervals, groups)
    n = float(n_windows.sum())
    scores = np.empty(len(groups))
    for k, group in enumerate(groups):
        g = np.asarray(group)
        p_ij = co[np.ix_(g, g)] / n
        p = co[g, g] / n
        m = np.log((p_ij + CV_EPSILON) / np.outer(p, p)) / -np.log(p_ij + CV_EPSILON)
        # gensim accumulates repeated terms into one coordinate of the context vectors.
        slots = np.unique(g, return_inverse=True)[1]
        fold = np.zeros((len(g), slots.max() + 1))
        fold[np.arange(len(g)), slots] = 1.0
        vectors = m @ fold  # (n, n_unique): context vector of each term
        whole = vectors.sum(axis=0)  # context vector of the whole topic
        with np.errstate(divide="ignore", invalid="ignore"):
            cos = vectors @ whole / (np.linalg.norm(vectors, axis=1) * np.linalg.norm(whole))
        scores[k] = cos.mean()
    return scores


def diversity(topics: Sequence[Sequence[str]], top_n: int = 25) -> float:
    r"""Topic diversity (Dieng et al., ETM): share of unique terms among the top terms.

    .. math::

        \mathrm{TD} = \frac{\left|\bigcup_k T_k\right|}{\sum_k |T_k|},

    where :math:`T_k` holds the first ``top_n`` terms of topic :math:`k` (all of them if
    the topic is shorter).  1 means no term is shared between (or repeated within) topics;
    values near :math:`1/K` mean all topics list the same terms.  Terms are compared as
    exact strings.  With ``top_n=10`` this is also the share of unique top-10 terms.

    Parameters
    ----------
    topics : sequence of sequence of str, length K
        Terms of each topic, best first.
    top_n : int
        Number of leading terms of each topic to consider (>= 1).

    Returns
    -------
    float
        Diversity in (0, 1].

    Raises
    ------
    NeurotopicError
        If ``topics`` is empty, a topic has no terms, a term is not a non-empty string,
        or ``top_n < 1``.

    Examples
    --------
    Six terms, of which ``a`` appears twice: 5 unique / 6 = 0.83333.

    >>> round(diversity([["a", "b", "c"], ["a", "d", "e"]], top_n=3), 5)
    0.83333
    >>> diversity([["a", "b", "c"], ["a", "d", "e"]], top_n=1)
    0.5
    """
    top_n = _check_int(top_n, "top_n", 1)
    topics_ = [t[:top_n] for t in _check_topics(topics, 1)]
    total = sum(len(t) for t in topics_)
    return len({term for topic in topics_ for term in topic}) / total


def topic_recovery(
    true_topics: Sequence[Sequence[str]],
    learned_topics: Sequence[Sequence[str]],
    top_n: int = 20,
) -> float:
    r"""Planted-topic recovery: how well the best-matching learned topic covers each true one.

    .. math::

        R = \frac{1}{|T|} \sum_{t \in T} \max_{l \in L}
            \frac{|T_t \cap L_l|}{|T_t|},

    where :math:`T_t` holds the first ``top_n`` terms of true topic :math:`t` and
    :math:`L_l` the first ``top_n`` of learned topic :math:`l` (all terms of a shorter
    topic).  1 means every true topic's top terms appear among some learned topic's top
    terms; two true topics may match the same learned topic, so merged topics are not
    penalised twice but a missing topic scores near 0.  Terms are compared as exact strings.

    Parameters
    ----------
    true_topics : sequence of sequence of str
        The planted topics' terms, best first (e.g. the highest-probability words of a
        synthetic corpus's topics).
    learned_topics : sequence of sequence of str
        A model's topics, best term first.
    top_n : int
        Leading terms of each topic to compare (>= 1).

    Returns
    -------
    float
        Recovery in [0, 1].

    Raises
    ------
    NeurotopicError
        If either list of topics is empty, a topic has no terms, a term is not a
        non-empty string, or ``top_n < 1``.

    Examples
    --------
    True topic ``[a, b, c, d]`` is matched by ``[a, b, c, x]`` (3 of 4), true topic
    ``[e, f, g, h]`` at best by ``[e, y, z, w]`` (1 of 4): R = (0.75 + 0.25) / 2 = 0.5.

    >>> topic_recovery([["a", "b", "c", "d"], ["e", "f", "g", "h"]],
    ...                [["a", "b", "c", "x"], ["e", "y", "z", "w"]], top_n=4)
    0.5
    >>> topic_recovery([["a", "b"]], [["b", "a"], ["c", "d"]], top_n=2)
    1.0
    """
    top_n = _check_int(top_n, "top_n", 1)
    true_ = [list(dict.fromkeys(t[:top_n])) for t in _check_topics(true_topics, 1)]
    learned = [list(dict.fromkeys(t[:top_n])) for t in _check_topics(learned_topics, 1)]
    index: dict[str, int] = {}
    for topic in true_:
        for term in topic:
            index.setdefault(term, len(index))

    def incidence(topics: list[list[str]]) -> np.ndarray:
        rows = [
            (k, index[term]) for k, topic in enumerate(topics) for term in topic if term in index
        ]
        matrix = np.zeros((len(topics), len(index)), dtype=np.float64)  # (n_topics, n_terms)
        if rows:
            r, c = np.array(rows).T
            matrix[r, c] = 1.0
        return matrix

    shared = incidence(true_) @ incidence(learned).T  # (n_true, n_learned): |T_t & L_l|
    sizes = np.array([len(t) for t in true_], dtype=np.float64)
    return float((shared.max(axis=1) / sizes).mean())


def _check_split(
    doc_topic: object, test_size: object, random_state: object
) -> tuple[np.ndarray, int]:
    """Check a classifier read-out's inputs: the (n_docs, n_topics) rows and the split."""
    if isinstance(test_size, bool) or not isinstance(test_size, float | int | np.floating):
        raise NeurotopicError(f"test_size must be a float in (0, 1), got {test_size!r}")
    if not 0.0 < float(test_size) < 1.0:
        raise NeurotopicError(f"test_size must be in (0, 1), got {test_size}; e.g. 0.2")
    seed = _check_int(random_state, "random_state", 0)
    theta = np.asarray(doc_topic, dtype=np.float64)
    if theta.ndim != 2 or theta.shape[0] == 0 or theta.shape[1] == 0:
        raise NeurotopicError(
            f"doc_topic must be a non-empty 2-D array (n_docs, n_topics), got shape "
            f"{theta.shape}; pass the document-topic matrix"
        )
    if not np.all(np.isfinite(theta)):
        raise NeurotopicError("doc_topic has NaN or infinite values; check the model's output")
    return theta, seed


def doc_topic_accuracy(
    doc_topic: np.ndarray,
    labels: Sequence[Hashable] | np.ndarray,
    *,
    test_size: float = 0.2,
    random_state: int = 0,
    features: str = "probabilities",
) -> dict[str, float]:
    r"""Accuracy and macro-F1 of a logistic regression on document-topic vectors.

    The documents are split into train and test sets stratified by label
    (``sklearn.model_selection.train_test_split`` with ``test_size`` and
    ``random_state``).  Features are

    * ``"probabilities"`` (default): :math:`x = \theta`, exactly as the model returned
      it (no transform, no scaling): what a user's ``LogisticRegression().fit(theta, y)``
      sees, so a model whose rows hide their information in tiny probabilities scores
      low, as it would for the user;
    * ``"log"``: :math:`x = \log(\theta + 10^{-10})`, then standardised;
    * ``"raw"``: :math:`x = \theta`, then standardised,

    the standardising ``StandardScaler`` fitted on the training rows.  A multinomial
    ``LogisticRegression(C=1.0, max_iter=1000)`` (lbfgs) is fitted on the training rows
    and scored on the test rows:

    .. math::

        \mathrm{accuracy} = \frac{1}{n_\mathrm{test}} \sum_d [\hat y_d = y_d], \qquad
        \mathrm{macro\_F1} = \frac{1}{C} \sum_{c=1}^{C}
            \frac{2\,\mathrm{P}_c \mathrm{R}_c}{\mathrm{P}_c + \mathrm{R}_c}.

    Parameters
    ----------
    doc_topic : ndarray of shape (n_docs, K)
        Topic proportions theta of each document (non-negative for ``"log"``).
    labels : sequence or ndarray of hashable, length n_docs
        Class of each document (str or int, sortable).
    test_size : float
        Share of documents in the test set, in (0, 1).
    random_state : int
        Seed of the split.
    features : {"probabilities", "log", "raw"}
        Feature transform, see above.

    Returns
    -------
    dict
        ``{"accuracy": float, "macro_f1": float}``, both in [0, 1].

    Raises
    ------
    NeurotopicError
        If shapes disagree, values are not finite (or negative with ``"log"``), there are
        fewer than 2 classes, a class has fewer than 2 documents, the split leaves fewer
        documents than classes on one side, or an argument is out of range.

    Examples
    --------
    Two classes whose documents are dominated by different topics are perfectly separated.

    >>> theta = np.array([[0.9, 0.1], [0.8, 0.2], [0.7, 0.3], [0.95, 0.05], [0.85, 0.15],
    ...                   [0.1, 0.9], [0.2, 0.8], [0.3, 0.7], [0.05, 0.95], [0.15, 0.85]])
    >>> labels = ["sport"] * 5 + ["tech"] * 5
    >>> doc_topic_accuracy(theta, labels, test_size=0.4)
    {'accuracy': 1.0, 'macro_f1': 1.0}
    """
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import accuracy_score, f1_score
    from sklearn.model_selection import train_test_split
    from sklearn.preprocessing import StandardScaler

    if features not in ACCURACY_FEATURES:
        raise NeurotopicError(
            f"features must be one of {', '.join(ACCURACY_FEATURES)}, got {features!r}; pick one"
        )
    theta, random_state = _check_split(doc_topic, test_size, random_state)
    if features == "log" and theta.min() < 0:
        raise NeurotopicError(
            f"doc_topic has a negative value ({theta.min():.3g}) but features='log' needs "
            "proportions >= 0; pass topic proportions or use features='raw'"
        )
    if isinstance(labels, str | bytes):
        raise NeurotopicError("labels must be a sequence with one label per document")
    y = np.asarray(list(labels))
    if y.ndim != 1 or y.shape[0] != theta.shape[0]:
        raise NeurotopicError(
            f"labels has {y.shape[0] if y.ndim else 0} entries but doc_topic has "
            f"{theta.shape[0]} rows; pass one label per document"
        )
    try:
        classes, counts = np.unique(y, return_counts=True)
    except TypeError as error:
        raise NeurotopicError(
            "labels are not mutually comparable (mixed types?); pass all str or all int labels"
        ) from error
    if len(classes) < 2:
        raise NeurotopicError(
            f"labels have {len(classes)} distinct class(es) but classification needs at "
            "least 2; pass labelled documents of several classes"
        )
    if counts.min() < 2:
        rare = classes[int(np.argmin(counts))]
        rare = rare.item() if isinstance(rare, np.generic) else rare
        raise NeurotopicError(
            f"label {rare!r} has only {counts.min()} document but a stratified split "
            "needs at least 2 per class; drop that class or add documents"
        )
    n_docs, n_classes = theta.shape[0], len(classes)
    n_test = math.ceil(float(test_size) * n_docs)
    if n_test < n_classes or n_docs - n_test < n_classes:
        raise NeurotopicError(
            f"test_size={test_size} splits {n_docs} documents into {n_docs - n_test} train "
            f"and {n_test} test, but each side needs at least one per class ({n_classes}); "
            "change test_size or add documents"
        )

    x = np.log(theta + LOG_FEATURE_EPSILON) if features == "log" else theta
    x_train, x_test, y_train, y_test = train_test_split(
        x, y, test_size=float(test_size), random_state=random_state, stratify=y
    )
    if features != "probabilities":
        scaler = StandardScaler().fit(x_train)
        x_train, x_test = scaler.transform(x_train), scaler.transform(x_test)
    model = LogisticRegression(C=1.0, max_iter=1000)
    model.fit(x_train, y_train)
    predicted = model.predict(x_test)
    return {
        "accuracy": float(accuracy_score(y_test, predicted)),
        "macro_f1": float(f1_score(y_test, predicted, average="macro")),
    }


def is_multilabel(labels: object) -> bool:
    """Whether ``labels`` are label sets (multi-label) rather than one label per document.

    Label sets are lists, tuples, sets or frozensets of labels, one per document, or a
    2-D binary indicator array of shape (n_docs, n_classes).

    Examples
    --------
    >>> is_multilabel([["sport", "long"], ["tech"]]), is_multilabel(["sport", "tech"])
    (True, False)
    """
    if isinstance(labels, np.ndarray):
        return labels.ndim == 2
    if isinstance(labels, str | bytes) or not isinstance(labels, Sequence):
        return False
    return len(labels) > 0 and all(
        isinstance(v, list | tuple | set | frozenset | np.ndarray) for v in labels
    )


def doc_topic_multilabel_f1(
    doc_topic: np.ndarray,
    label_sets: Sequence[Sequence[Hashable]] | np.ndarray,
    *,
    test_size: float = 0.2,
    random_state: int = 0,
) -> dict[str, float]:
    r"""Micro- and macro-F1 of one-vs-rest logistic regressions on document-topic vectors.

    The multi-label counterpart of :func:`doc_topic_accuracy`.  Each document's label set
    becomes a row of binary targets (``sklearn.preprocessing.MultiLabelBinarizer``); the
    documents are split into train and test sets (``train_test_split`` with ``test_size``
    and ``random_state``, not stratified); one ``LogisticRegression(C=1.0, max_iter=1000)``
    per label (``OneVsRestClassifier``) is fitted on the training rows of
    :math:`x = \theta`, exactly as the model returned it, and predicts each test
    document's labels.  Labels that are present in every training document or in none
    cannot be learnt and are left out of both scores.  With :math:`TP_c, FP_c, FN_c`
    counted on the test rows for each scored label :math:`c` of :math:`C`:

    .. math::

        \mathrm{micro\_F1} = \frac{2 \sum_c TP_c}{2 \sum_c TP_c + \sum_c FP_c + \sum_c FN_c},
        \qquad
        \mathrm{macro\_F1} = \frac{1}{C} \sum_{c=1}^{C} \frac{2\,TP_c}{2\,TP_c + FP_c + FN_c}

    (a label with no positive and no predicted positive scores 0).

    Parameters
    ----------
    doc_topic : ndarray of shape (n_docs, K)
        Topic proportions theta of each document.
    label_sets : sequence of sequences of hashable, or ndarray of shape (n_docs, n_classes)
        Each document's labels (possibly empty), or a binary indicator matrix.
    test_size : float
        Share of documents in the test set, in (0, 1).
    random_state : int
        Seed of the split.

    Returns
    -------
    dict
        ``{"micro_f1": float, "macro_f1": float}``, both in [0, 1].

    Raises
    ------
    NeurotopicError
        If shapes disagree, values are not finite, the split leaves a side empty, or no
        label is present in some training documents and absent from others.

    Examples
    --------
    Documents dominated by topic 0 carry "sport", by topic 1 "tech".

    >>> theta = np.array([[0.9, 0.1], [0.8, 0.2], [0.7, 0.3], [0.95, 0.05], [0.85, 0.15],
    ...                   [0.1, 0.9], [0.2, 0.8], [0.3, 0.7], [0.05, 0.95], [0.15, 0.85]])
    >>> sets = [["sport"]] * 5 + [["tech"]] * 5
    >>> doc_topic_multilabel_f1(theta, sets, test_size=0.4)
    {'micro_f1': 1.0, 'macro_f1': 1.0}
    """
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import f1_score
    from sklearn.model_selection import train_test_split
    from sklearn.multiclass import OneVsRestClassifier
    from sklearn.preprocessing import MultiLabelBinarizer

    theta, random_state = _check_split(doc_topic, test_size, random_state)
    if isinstance(label_sets, np.ndarray):
        targets = np.asarray(label_sets)
        if targets.ndim != 2 or not np.isin(targets, (0, 1)).all():
            raise NeurotopicError(
                "a label indicator matrix must be 2-D and hold only 0 and 1; "
                "pass one row of 0/1 per document, or lists of labels"
            )
        targets = targets.astype(np.int64)
    else:
        if isinstance(label_sets, str | bytes):
            raise NeurotopicError("label_sets must hold one list of labels per document")
        sets = [
            [v]
            if isinstance(v, str | bytes) or not isinstance(v, Sequence | set | frozenset)
            else list(v)
            for v in label_sets
        ]
        try:
            targets = MultiLabelBinarizer().fit_transform(sets)
        except TypeError as error:
            raise NeurotopicError(
                "labels are not mutually comparable (mixed types?); pass all str or all int labels"
            ) from error
    if targets.shape[0] != theta.shape[0]:
        raise NeurotopicError(
            f"label_sets has {targets.shape[0]} entries but doc_topic has {theta.shape[0]} "
            "rows; pass one label set per document"
        )
    n_docs = theta.shape[0]
    n_test = math.ceil(float(test_size) * n_docs)
    if n_test < 1 or n_docs - n_test < 2:
        raise NeurotopicError(
            f"test_size={test_size} splits {n_docs} documents into {n_docs - n_test} train "
            f"and {n_test} test; add documents or change test_size"
        )
    x_train, x_test, y_train, y_test = train_test_split(
        theta, targets, test_size=float(test_size), random_state=random_state
    )
    learnable = (y_train.min(axis=0) == 0) & (y_train.max(axis=0) == 1)  # (n_classes,)
    if not learnable.any():
        raise NeurotopicError(
            "no label is present in some training documents and absent from others, so "
            "none can be learnt; pass label sets that differ between documents"
        )
    y_train, y_test = y_train[:, learnable], y_test[:, learnable]
    model = OneVsRestClassifier(LogisticRegression(C=1.0, max_iter=1000))
    model.fit(x_train, y_train)
    predicted = model.predict(x_test)
    return {
        "micro_f1": float(f1_score(y_test, predicted, average="micro", zero_division=0)),
        "macro_f1": float(f1_score(y_test, predicted, average="macro", zero_division=0)),
    }


def ranking_accuracy(scores_pos: np.ndarray, scores_neg: np.ndarray) -> float:
    r"""Share of (positive, negative) score pairs ranked correctly; ties count 1/2.

    Each positive is compared with its own negative(s), as in NTM's pairwise training
    objective:

    .. math::

        \mathrm{RA} = \frac{1}{nm} \sum_{i=1}^{n} \sum_{j=1}^{m}
            \Big([s^+_i > s^-_{ij}] + \tfrac12 [s^+_i = s^-_{ij}]\Big).

    Parameters
    ----------
    scores_pos : ndarray of shape (n,)
        Score of each positive (term, document) pair.
    scores_neg : ndarray of shape (n,) or (n, m)
        Score of the negative(s) drawn for each positive.

    Returns
    -------
    float
        Ranking accuracy in [0, 1]; 0.5 is chance.

    Raises
    ------
    NeurotopicError
        If the arrays are empty, their shapes do not match, or they hold NaN.

    Examples
    --------
    Pairs (3 vs 1), (2 vs 2) and (1 vs 4): (1 + 1/2 + 0) / 3 = 0.5.

    >>> ranking_accuracy(np.array([3.0, 2.0, 1.0]), np.array([1.0, 2.0, 4.0]))
    0.5
    >>> ranking_accuracy(np.array([3.0, 2.0]), np.array([[1.0, 4.0], [0.0, 1.0]]))
    0.75
    """
    pos = np.asarray(scores_pos, dtype=np.float64)
    neg = np.asarray(scores_neg, dtype=np.float64)
    if pos.ndim != 1 or pos.size == 0:
        raise NeurotopicError(
            f"scores_pos must be a non-empty 1-D array, got shape {pos.shape}; "
            "pass one score per positive pair"
        )
    if neg.ndim not in (1, 2) or neg.shape[0] != pos.shape[0] or neg.size == 0:
        raise NeurotopicError(
            f"scores_neg has shape {neg.shape} but scores_pos has shape {pos.shape}; "
            "pass shape (n,) or (n, m) with one row per positive"
        )
    if np.isnan(pos).any() or np.isnan(neg).any():
        raise NeurotopicError("ranking scores contain NaN; check the model's output")
    diff = pos[:, None] - neg.reshape(pos.shape[0], -1)
    return float(((diff > 0) + 0.5 * (diff == 0)).mean())
