"""The document-topic rows a fitted model returns: each document's topic shares.

The network's ``ld(d) = softmax(W1[d])`` is the mixture the ranking loss trains.  Its
information about a document lies in its logits, so the rows spread over many topics
with a small spread across documents, and a linear reader of the probabilities (a
logistic regression with its default penalty) misses part of what the logits hold.

LDA's ``theta`` is instead the share of the document's words assigned to each topic.
The same quantity under the NTM is one pLSA step from ``ld``: each occurrence of term
``g`` in document ``d`` belongs to topic ``k`` with probability
``r_dgk = ld_k(d) beta_k(g) / sum_j ld_j(d) beta_j(g)``, with ``beta`` the topics' term
distributions of the topic readout, and the document's share of topic ``k`` is

    theta_dk = sum_g n_dg r_dgk / sum_g n_dg.

``theta`` is a probability distribution, weighted towards the topics whose terms the
document actually uses, so it concentrates where a document's words do (as LDA's does)
and a linear reader sees it.  Documents without a term keep their ``ld``.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from ..train.kernels import topic_shares

__all__ = ["doc_topic_shares"]


def doc_topic_shares(X: sp.spmatrix, doc_topic: np.ndarray, topic_term: np.ndarray) -> np.ndarray:
    """Each document's share of its term occurrences per topic (one pLSA step).

    One compiled pass over the incidences, documents split across the threads, with no
    array larger than the result (:func:`neurotopic.train.kernels.topic_shares`).

    Parameters
    ----------
    X : scipy.sparse matrix of shape (n_docs, n_terms)
        Term counts ``n_dg``.
    doc_topic : ndarray of shape (n_docs, n_topics)
        ``ld``; rows sum to 1.
    topic_term : ndarray of shape (n_topics, n_terms)
        ``beta``; rows sum to 1.

    Returns
    -------
    ndarray of shape (n_docs, n_topics), float32
        Rows sum to 1.  Cost O(nnz * K).

    Examples
    --------
    One document with a term of topic 0 twice and a term shared by both topics once:

    >>> X = sp.csr_matrix(np.array([[2.0, 1.0]]))
    >>> beta = np.array([[0.5, 0.5], [0.0, 1.0]])
    >>> doc_topic_shares(X, np.array([[0.5, 0.5]]), beta).round(3)
    array([[0.778, 0.222]], dtype=float32)
    """
    X = sp.csr_matrix(X, dtype=np.float64)  # duplicate entries add up in the pass
    ld = np.ascontiguousarray(doc_topic, dtype=np.float32)
    phi = np.ascontiguousarray(np.asarray(topic_term, dtype=np.float64).T)  # (V, K)
    if X.shape[0] != ld.shape[0] or X.shape[1] != phi.shape[0] or ld.shape[1] != phi.shape[1]:
        raise ValueError(
            f"shapes disagree: X {X.shape}, doc_topic {ld.shape}, topic_term {phi.T.shape}"
        )
    out = np.empty_like(ld)
    topic_shares(
        X.indptr.astype(np.int64),
        X.indices.astype(np.int64),
        X.data,
        ld,
        phi,
        out,
    )
    return out
