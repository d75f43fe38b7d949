"""Reading topics out of a trained NTM.

Two readouts of the same weights:

* ``"embedding"`` (the paper's): topic k's terms ranked by ``lt[:, k]``.  The ranking
  loss never compares terms with each other (adding a constant to a term's ``lt``
  leaves every margin unchanged), so this column is an extrapolation of W2's geometry
  and tends to favour rare terms near a topic direction.
* ``"data"``: one pLSA-style E-step with the trained model assigns each observed
  term occurrence to topics, ``r_dgk = lt_k(g) ld_k(d) / ls(g, d)``, and the topic's
  term distribution is ``beta_k(g) ∝ sum_d n_dg r_dgk``.  Terms are then ranked by
  relevance (Sievert & Shirley 2014), ``lam * log beta_kg + (1 - lam) * log(beta_kg / p_g)``.
* ``"background"`` (the default): the topic's term logits tilt the corpus's term
  distribution, ``beta_k(g) ∝ p_g exp(a z_gk)``, with the one scale ``a`` that best
  explains the training counts.

:data:`READOUTS` maps each name to its function, and :func:`read_topics` is the policy
the estimator applies: which readout ``"auto"`` stands for, and which relevance weight
ranks the terms (:func:`choose_relevance` on short documents).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

#: Largest relevance weight (above 1: probability weighted further by frequency).
MAX_RELEVANCE = 2.0
#: What ``topic_readout="auto"`` stands for.
AUTO_READOUT = "background"
#: Below this many distinct terms per training document, "background" ranks terms by
#: probability (relevance weight 1) by default; from it, by relevance 0.3.
SHORT_DOCUMENT_TERMS = 30.0
#: Base relevance weight of each readout that ranks by relevance (long documents).
DEFAULT_RELEVANCE = {"background": 0.3, "data": 0.5}
#: Base relevance weight of "background" on short documents.
SHORT_DOCUMENT_RELEVANCE = 1.0
#: Diversity of the top 25 terms the default relevance weight may give up against the
#: base weight (:func:`choose_relevance`).
RELEVANCE_DIVERSITY_TOLERANCE = 0.02


def data_topic_term(
    X: sp.csr_matrix, term_topic: np.ndarray, doc_topic: np.ndarray, block_size: int = 2**24
) -> np.ndarray:
    """Topic-term distributions from one E-step over the observed counts.

    Parameters
    ----------
    X : scipy.sparse matrix of shape (n_docs, n_terms)
        Term counts ``n_dg``.
    term_topic : ndarray of shape (n_terms, n_topics)
        ``lt``.
    doc_topic : ndarray of shape (n_docs, n_topics)
        ``ld``.
    block_size : int
        (incidence, topic) products computed at once (16 bytes each).

    Returns
    -------
    ndarray of shape (n_topics, n_terms), float64
        ``beta``; each row sums to 1.  Cost O(nnz * K).

    Examples
    --------
    One document with two terms, two topics; term 0 loads on topic 0 only:

    >>> X = sp.csr_matrix(np.array([[2.0, 1.0]]))
    >>> lt = np.array([[1.0, 0.0], [0.5, 0.5]])
    >>> ld = np.array([[0.5, 0.5]])
    >>> data_topic_term(X, lt, ld).round(3)
    array([[0.8, 0.2],
           [0. , 1. ]])
    """
    X = sp.csr_matrix(X, dtype=np.float64)
    lt = np.asarray(term_topic, dtype=np.float64)
    ld = np.asarray(doc_topic, dtype=np.float64)
    ls = incidence_scores(X, lt, ld, block_size)  # (nnz,): ls(g, d) of every incidence
    W = sp.csr_matrix((X.data / np.maximum(ls, 1e-12), X.indices, X.indptr), shape=X.shape)
    counts = lt * np.asarray(W.T @ ld)  # (V, K): n_kg
    totals = counts.sum(axis=0, keepdims=True)
    return (counts / np.maximum(totals, 1e-12)).T


def incidence_scores(
    X: sp.csr_matrix, term_topic: np.ndarray, doc_topic: np.ndarray, block_size: int = 2**24
) -> np.ndarray:
    """``sum_k doc_topic[d, k] term_topic[g, k]`` of every stored incidence of ``X``.

    Computed in blocks of documents holding about ``block_size`` (incidence, topic)
    products, so memory stays near ``16 * block_size`` bytes however large the corpus.

    Parameters
    ----------
    X : scipy.sparse.csr_matrix of shape (n_docs, n_terms)
    term_topic : ndarray of shape (n_terms, n_topics)
    doc_topic : ndarray of shape (n_docs, n_topics)
    block_size : int

    Returns
    -------
    ndarray of shape (X.nnz,), in the order of ``X.data``
    """
    ls = np.empty(X.nnz)
    step = max(1, block_size // max(1, doc_topic.shape[1]))
    first = 0
    while first < X.shape[0]:
        last = max(first + 1, int(np.searchsorted(X.indptr, X.indptr[first] + step, "right")) - 1)
        last = min(last, X.shape[0])
        lo, hi = X.indptr[first], X.indptr[last]
        rows = np.repeat(np.arange(first, last), np.diff(X.indptr[first : last + 1]))
        ls[lo:hi] = np.einsum("nk,nk->n", doc_topic[rows], term_topic[X.indices[lo:hi]])
        first = last
    return ls


def relevance(
    topic_term: np.ndarray, term_prob: np.ndarray, lam: float = 0.6, eps: float = 1e-12
) -> np.ndarray:
    """Sievert & Shirley's relevance, ``lam log beta + (1 - lam) log(beta / p)``.

    Parameters
    ----------
    topic_term : ndarray of shape (n_topics, n_terms)
        ``beta``.
    term_prob : ndarray of shape (n_terms,)
        Overall term probability ``p_g``.
    lam : float
        1 ranks by ``beta`` alone, 0 by lift alone.

    Returns
    -------
    ndarray of shape (n_topics, n_terms)
        Terms never assigned to a topic score ``-inf``-like (``log eps``).
    """
    log_beta = np.log(np.maximum(topic_term, eps))
    log_lift = log_beta - np.log(np.maximum(term_prob, eps))[None, :]
    score = lam * log_beta + (1.0 - lam) * log_lift
    return np.where(topic_term > eps, score, np.log(eps) * 10)


def top_term_ids(scores: np.ndarray, top_n: int) -> np.ndarray:
    """Ids of each row's ``top_n`` highest scores, best first; shape (n_topics, top_n).

    Ties are broken by the lower term id, so the order is deterministic.
    """
    top_n = min(top_n, scores.shape[1])
    order = np.argsort(-scores, axis=1, kind="stable")
    return order[:, :top_n]


def _log_softmax_terms(logits: np.ndarray) -> np.ndarray:
    """``log softmax`` over axis 0 (the terms) of a (n_terms, n_topics) array."""
    top = logits.max(axis=0, keepdims=True)
    shifted = logits - top
    return shifted - np.log(np.exp(shifted).sum(axis=0, keepdims=True))


def background_topic_term(
    topic_logits: np.ndarray, term_prob: np.ndarray, scale: float
) -> np.ndarray:
    """Topic-term distributions tilted from the background by the trained W2.

    ``beta_k(g) = p_g exp(a z_gk) / sum_h p_h exp(a z_hk)`` with ``z = le @ W2 + b``
    the pre-activations of ``lt`` and ``a`` the scale: each topic is the corpus's term
    distribution, re-weighted by how strongly the term loads on the topic (the
    background-plus-deviation form of SAGE and Scholar).  Unlike ``lt``, each topic sums
    to 1 over the terms, so a term that loads on every topic gains nothing.

    Parameters
    ----------
    topic_logits : ndarray of shape (n_terms, n_topics)
        ``z``.
    term_prob : ndarray of shape (n_terms,)
        Background ``p_g`` (terms with probability 0 get none).
    scale : float
        ``a`` (> 0), e.g. from :func:`fit_background_scale`.

    Returns
    -------
    ndarray of shape (n_topics, n_terms), float64
        Each row sums to 1.

    Examples
    --------
    Two terms, equally frequent; term 0 loads on topic 0, term 1 on topic 1:

    >>> z = np.array([[1.0, -1.0], [-1.0, 1.0]])
    >>> background_topic_term(z, np.array([0.5, 0.5]), scale=1.0).round(3)
    array([[0.881, 0.119],
           [0.119, 0.881]])
    """
    z = np.asarray(topic_logits, dtype=np.float64)
    with np.errstate(divide="ignore"):
        log_p = np.log(np.asarray(term_prob, dtype=np.float64))
    return np.exp(_log_softmax_terms(scale * z + log_p[:, None])).T


def log_likelihood(X: sp.csr_matrix, topic_term: np.ndarray, doc_topic: np.ndarray) -> float:
    """Mean log-likelihood per token, ``sum n_dg log sum_k ld_k(d) beta_k(g) / sum n_dg``.

    Parameters
    ----------
    X : scipy.sparse matrix of shape (n_docs, n_terms)
    topic_term : ndarray of shape (n_topics, n_terms)
    doc_topic : ndarray of shape (n_docs, n_topics)
    """
    X = sp.csr_matrix(X, dtype=np.float64)
    ls = incidence_scores(X, np.asarray(topic_term).T, np.asarray(doc_topic, dtype=np.float64))
    return float((X.data * np.log(np.maximum(ls, 1e-300))).sum() / max(X.data.sum(), 1e-300))


def fit_background_scale(
    X: sp.csr_matrix,
    topic_logits: np.ndarray,
    term_prob: np.ndarray,
    doc_topic: np.ndarray,
    *,
    max_incidences: int = 2**16,
    bounds: tuple[float, float] = (0.01, 10.0),
    tol: float = 0.05,
) -> float:
    """The scale ``a`` of :func:`background_topic_term` that best explains the counts.

    Maximises :func:`log_likelihood` of the training counts under ``ld`` and the tilted
    topics by golden-section search on ``log a`` (the likelihood is unimodal in practice:
    ``a -> 0`` gives the background for every topic, large ``a`` puts each topic on a
    few terms).  The likelihood is a per-token mean, so when ``X`` holds more than
    ``max_incidences`` incidences it is estimated on evenly spaced documents holding
    about that many (a scalar needs no more).

    Parameters
    ----------
    X : scipy.sparse matrix of shape (n_docs, n_terms)
    topic_logits : ndarray of shape (n_terms, n_topics)
    term_prob : ndarray of shape (n_terms,)
    doc_topic : ndarray of shape (n_docs, n_topics)
    max_incidences : int
    bounds : (float, float)
        Search interval of ``a``.
    tol : float
        Stop when the interval of ``log a`` is narrower than this.

    Returns
    -------
    float
    """
    X = sp.csr_matrix(X, dtype=np.float64)  # converted once, not at every evaluation
    doc_topic = np.asarray(doc_topic, dtype=np.float64)
    if X.nnz > max_incidences:
        n_docs = max(1, int(X.shape[0] * max_incidences / X.nnz))
        rows = np.unique(np.linspace(0, X.shape[0] - 1, n_docs).astype(np.int64))
        X, doc_topic = X[rows], doc_topic[rows]

    def score(log_a: float) -> float:
        beta = background_topic_term(topic_logits, term_prob, float(np.exp(log_a)))
        return log_likelihood(X, beta, doc_topic)

    ratio = (np.sqrt(5.0) - 1.0) / 2.0
    lo, hi = np.log(bounds[0]), np.log(bounds[1])
    c, d = hi - ratio * (hi - lo), lo + ratio * (hi - lo)
    fc, fd = score(c), score(d)
    while hi - lo > tol:
        if fc >= fd:
            hi, d, fd = d, c, fc
            c = hi - ratio * (hi - lo)
            fc = score(c)
        else:
            lo, c, fc = c, d, fd
            d = lo + ratio * (hi - lo)
            fd = score(d)
    return float(np.exp((lo + hi) / 2.0))


def _id_diversity(scores: np.ndarray, top_n: int) -> float:
    """Share of distinct term ids among each row's ``top_n`` highest scores."""
    top_n = min(top_n, scores.shape[1])
    part = np.argpartition(-scores, top_n - 1, axis=1)[:, :top_n]
    return float(np.unique(part).size / part.size)


def choose_relevance(
    topic_term: np.ndarray,
    term_prob: np.ndarray,
    base: float,
    *,
    tolerance: float = 0.02,
    step: float = 0.1,
    max_lambda: float = MAX_RELEVANCE,
    top_n: int = 25,
) -> float:
    """The relevance weight: ``base``, raised while the topics keep their distinct terms.

    A weight above ``base`` ranks a topic's terms more by their probability, which is
    what recovers a topic's most frequent terms when those belong to it alone; where
    frequent terms are shared (function-like words of short glosses), the same move
    fills every topic with them.  Topic diversity of the top ``top_n`` terms tells the
    two apart without labels, so the weight is raised from ``base`` in steps of
    ``step`` (up to ``max_lambda``) as long as diversity stays within ``tolerance`` of
    diversity at ``base``, and stops at the first step that loses more.  Above 1 the
    relevance ``lam log beta + (1 - lam) log(beta / p)`` equals ``log beta + (lam - 1)
    log p``: probability weighted further by the term's frequency.

    Parameters
    ----------
    topic_term : ndarray of shape (n_topics, n_terms)
        ``beta``.
    term_prob : ndarray of shape (n_terms,)
        ``p_g``.
    base : float
        Weight to start from (the readout's default).
    tolerance : float
        Diversity that may be lost against ``base``.
    step, max_lambda : float
        Grid of the weights tried: ``base + step, base + 2 step, ...`` up to ``max_lambda``.
    top_n : int
        Leading terms of each topic that diversity counts.

    Returns
    -------
    float
        The chosen weight, ``base <= lam <= max(base, max_lambda)``.  Cost: one ranking
        of ``beta`` per weight tried.

    Examples
    --------
    Three topics, each holding one frequent and one rare term of its own, and a
    frequent term all share: frequency may weigh more until the shared term enters
    the top two.

    >>> beta = np.array([[0.30, 0.20, 0, 0, 0, 0, 0.50],
    ...                  [0, 0, 0.30, 0.20, 0, 0, 0.50],
    ...                  [0, 0, 0, 0, 0.30, 0.20, 0.50]])
    >>> p = beta.mean(axis=0)
    >>> choose_relevance(beta, p, 0.3, top_n=2)
    0.5

    Without the shared term nothing stops it before ``max_lambda``:

    >>> own = beta[:, :6] / beta[:, :6].sum(axis=1, keepdims=True)
    >>> choose_relevance(own, own.mean(axis=0), 0.3, top_n=2)
    2.0
    """

    def diversity_at(lam: float) -> float:
        return _id_diversity(relevance(topic_term, term_prob, lam), top_n)

    floor = diversity_at(base) - tolerance
    chosen = base
    for k in range(1, int(np.floor((max_lambda - base) / step + 1e-9)) + 1):
        lam = round(base + k * step, 10)
        if diversity_at(lam) < floor:
            break
        chosen = lam
    return float(chosen)


# ----------------------------------------------------------------- the policy
@dataclass(frozen=True)
class TrainedWeights:
    """What a readout reads: the trained weights and the training counts.

    ``X`` (n_docs, n_terms) counts; ``term_logits`` ``z = le W2 + b`` (n_terms,
    n_topics); ``term_topic`` ``lt = sigmoid(z)``; ``doc_topic`` ``ld`` (n_docs,
    n_topics); ``term_prob`` the terms' share of the training tokens (n_terms,).
    """

    X: sp.csr_matrix
    term_logits: np.ndarray
    term_topic: np.ndarray
    doc_topic: np.ndarray
    term_prob: np.ndarray


@dataclass(frozen=True)
class TopicReadout:
    """Topics read from the weights: ``components`` (n_topics, n_terms), the readout's
    name, its fitted scale (``"background"`` only) and the default relevance weight
    (None for ``"embedding"``, which ranks by ``lt`` itself)."""

    name: str
    components: np.ndarray
    background_scale: float | None
    relevance_lambda: float | None


def _background(weights: TrainedWeights, scale: float | None) -> tuple[np.ndarray, float | None]:
    if scale is None:
        scale = fit_background_scale(
            weights.X, weights.term_logits, weights.term_prob, weights.doc_topic
        )
    scale = float(scale)
    return background_topic_term(weights.term_logits, weights.term_prob, scale), scale


def _data(weights: TrainedWeights, scale: float | None) -> tuple[np.ndarray, float | None]:
    return data_topic_term(weights.X, weights.term_topic, weights.doc_topic), None


def _embedding(weights: TrainedWeights, scale: float | None) -> tuple[np.ndarray, float | None]:
    return weights.term_topic.T.copy(), None


#: Every readout by name: ``(weights, saved scale or None) -> (components, scale)``.
READOUTS: dict[str, Callable[[TrainedWeights, float | None], tuple[np.ndarray, float | None]]] = {
    "background": _background,
    "data": _data,
    "embedding": _embedding,
}


def topic_term_distributions(
    readout: str,
    components: np.ndarray,
    X: sp.csr_matrix,
    term_topic: np.ndarray,
    doc_topic: np.ndarray,
) -> np.ndarray:
    """``beta``: each topic's distribution over the terms, shape (n_topics, n_terms).

    ``components`` for the "background" and "data" readouts, whose rows are
    distributions already; for "embedding", whose rows are ``lt`` columns, the data
    readout's (:func:`data_topic_term` of ``X``, ``term_topic`` and ``doc_topic``).

    Parameters
    ----------
    readout : str
        The readout that produced ``components`` (resolved, not ``"auto"``).
    components : ndarray of shape (n_topics, n_terms)
    X : scipy.sparse matrix of shape (n_docs, n_terms)
        Training term counts.
    term_topic : ndarray of shape (n_terms, n_topics)
        ``lt``.
    doc_topic : ndarray of shape (n_docs, n_topics)
        ``ld`` of the training documents.

    Returns
    -------
    ndarray of shape (n_topics, n_terms), float64
        Rows sum to 1.
    """
    if readout in ("background", "data"):
        beta = np.asarray(components, dtype=np.float64)
    else:
        beta = data_topic_term(X, term_topic, doc_topic)
    return beta / np.maximum(beta.sum(axis=1, keepdims=True), 1e-12)


def resolve_readout(name: str) -> str:
    """The readout ``"auto"`` stands for; other names as given."""
    return AUTO_READOUT if name == "auto" else name


def short_documents(X: sp.spmatrix) -> bool:
    """Whether the training documents average fewer than :data:`SHORT_DOCUMENT_TERMS`
    distinct terms."""
    return bool(X.nnz / max(X.shape[0], 1) < SHORT_DOCUMENT_TERMS)


def base_relevance(readout: str, X: sp.spmatrix) -> float:
    """A readout's base relevance weight: :data:`DEFAULT_RELEVANCE`, or for
    ``"background"`` on short documents :data:`SHORT_DOCUMENT_RELEVANCE` (which
    :func:`read_topics` raises by :func:`choose_relevance`)."""
    if readout == "background" and short_documents(X):
        return SHORT_DOCUMENT_RELEVANCE
    return DEFAULT_RELEVANCE[readout]


def read_topics(
    readout: str, weights: TrainedWeights, background_scale: float | None = None
) -> TopicReadout:
    """Read topics with readout ``readout`` (``"auto"`` allowed), and pick its weight.

    Parameters
    ----------
    readout : str
        A name of :data:`READOUTS`, or ``"auto"``.
    weights : TrainedWeights
    background_scale : float, optional
        The scale of ``"background"`` already fitted (a loaded model, or another
        relevance weight on the same fit); None fits it.

    Returns
    -------
    TopicReadout
    """
    name = resolve_readout(readout)
    components, scale = READOUTS[name](weights, background_scale)
    lam: float | None
    if name == "embedding":
        lam = None
    elif name == "background" and short_documents(weights.X):
        lam = choose_relevance(
            components,
            weights.term_prob,
            SHORT_DOCUMENT_RELEVANCE,
            tolerance=RELEVANCE_DIVERSITY_TOLERANCE,
            max_lambda=MAX_RELEVANCE,
        )
    else:
        lam = base_relevance(name, weights.X)
    return TopicReadout(name, components, scale, lam)
