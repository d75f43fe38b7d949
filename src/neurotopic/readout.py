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
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp


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
    ls = np.empty(X.nnz)  # (nnz,): ls(g, d) of every incidence
    # In blocks of documents holding about block_size (incidence, topic) products, so
    # memory stays near 16 * block_size bytes however large the corpus.
    step = max(1, block_size // max(1, ld.shape[1]))
    first = 0
    while first < X.shape[0]:
        last = max(first + 1, int(np.searchsorted(X.indptr, X.indptr[first] + step, "right")) - 1)
        last = min(last, X.shape[0])
        lo, hi = X.indptr[first], X.indptr[last]
        rows = np.repeat(np.arange(first, last), np.diff(X.indptr[first : last + 1]))
        ls[lo:hi] = np.einsum("nk,nk->n", ld[rows], lt[X.indices[lo:hi]])
        first = last
    W = sp.csr_matrix((X.data / np.maximum(ls, 1e-12), X.indices, X.indptr), shape=X.shape)
    counts = lt * np.asarray(W.T @ ld)  # (V, K): n_kg
    totals = counts.sum(axis=0, keepdims=True)
    return (counts / np.maximum(totals, 1e-12)).T


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
