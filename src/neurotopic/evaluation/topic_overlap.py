"""Term overlap of topics: :func:`diversity` among a model's topics and
:func:`topic_recovery` of planted topics.

Public through :mod:`neurotopic.evaluation.metrics`.  Terms are compared as exact strings.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ._checks import check_int, check_topics


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
    top_n = check_int(top_n, "top_n", 1)
    topics_ = [t[:top_n] for t in check_topics(topics, 1)]
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
    top_n = check_int(top_n, "top_n", 1)
    true_ = [list(dict.fromkeys(t[:top_n])) for t in check_topics(true_topics, 1)]
    learned = [list(dict.fromkeys(t[:top_n])) for t in check_topics(learned_topics, 1)]
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
