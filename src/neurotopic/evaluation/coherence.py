"""Topic coherence against reference documents: NPMI (:func:`npmi`) and C_V (:func:`c_v`).

Public through :mod:`neurotopic.evaluation.metrics`; the vocabulary convention is
described there.  Co-occurrences are counted by :mod:`neurotopic.evaluation._cooccurrence`.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ..errors import NeurotopicError
from ._checks import check_documents, check_int, check_topics, term_words
from ._cooccurrence import Intervals, build_index, co_matrix, doc_intervals, window_intervals

#: Smoothing constant of gensim's direct confirmation measures (used by :func:`c_v`).
CV_EPSILON = 1e-12


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
    top_n = check_int(top_n, "top_n", 2)
    check_documents(documents)
    topics_ = [t[:top_n] for t in check_topics(topics, 2)]
    terms = sorted({term for topic in topics_ for term in topic})
    term_id = {term: i for i, term in enumerate(terms)}
    words = {term: term_words(term, "term") for term in terms}
    index = build_index(documents, {w for ws in words.values() for w in ws})
    intervals = [doc_intervals(index, index.term_starts(words[t])) for t in terms]
    groups = [[term_id[t] for t in topic] for topic in topics_]
    co = co_matrix(intervals, groups)
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
    top_n = check_int(top_n, "top_n", 2)
    window_size = check_int(window_size, "window_size", 1)
    check_documents(documents)
    checked = check_topics(topics, 1)
    all_terms = sorted({term for topic in checked for term in topic})
    words = {term: term_words(term, "term") for term in all_terms}
    index = build_index(documents, {w for ws in words.values() for w in ws})
    n_windows = np.maximum(index.lengths - window_size + 1, 1)
    win_offsets = np.concatenate(([0], np.cumsum(n_windows)[:-1]))

    term_id: dict[str, int] = {}
    intervals: list[Intervals] = []
    groups: list[list[int]] = []
    for k, topic in enumerate(checked):
        group: list[int] = []
        for term in topic:
            if len(group) == top_n:
                break
            if term not in term_id:
                starts = index.term_starts(words[term])
                iv = window_intervals(index, starts, len(words[term]), window_size, win_offsets)
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

    co = co_matrix(intervals, groups)
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
