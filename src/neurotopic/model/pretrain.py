"""Pre-training: W2 from the term vectors, W1 from the terms' codes.

W2 starts either at the centroids of a spherical k-means of the term vectors
(:func:`cluster_topic_weights`, the default) or as the encoder of an auto-encoder of
them (:func:`pretrain_topic_weights`, Cao et al.'s pre-training).  Both place the
network away from the saddle that stopped the earlier implementation (``lt`` about 0.5
everywhere and ``ld`` about 1/K, where every ``ls(g, d)`` is the same and the ranking
gradient vanishes):

* k-means gives each topic a direction the term vectors cluster around, and a bias
  that puts ``lt`` above 1/2 for the terms nearest it only;
* after auto-encoding, W2's columns are rescaled so every topic's pre-activation
  ``le @ W2 + b`` has mean 0 and standard deviation ``spread`` over the vocabulary,
  so ``lt`` spreads over (0.1, 0.9) instead of sitting at 0.5;
* a document's W1 row is the *mean* (not the raw sum, which saturates the softmax
  for long documents) of its terms' ``lt``, standardised per topic over documents and
  multiplied by ``temperature``: O(1), centred logits that already differ between
  documents.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
import torch

from ..errors import NeurotopicError
from ..train.optim import DenseAdam


def pretrain_topic_weights(
    term_vectors: np.ndarray,
    n_topics: int,
    *,
    steps: int = 300,
    learning_rate: float = 0.01,
    spread: float = 1.5,
    seed: int = 0,
    max_terms: int | None = 4096,
) -> tuple[np.ndarray, np.ndarray]:
    """Auto-encode ``le`` through a K-unit sigmoid layer; return the encoder.

    The code is ``h = sigmoid(le @ W2 + b)`` and the decoder a separate linear layer;
    the loss is the mean squared reconstruction error, minimised full-batch with Adam.

    Parameters
    ----------
    term_vectors : ndarray of shape (n_terms, dim)
    n_topics : int
    steps : int
        Adam steps (full batch).
    learning_rate : float
    spread : float
        Target standard deviation of each topic's pre-activation over terms.
    seed : int
    max_terms : int or None
        Auto-encode at most this many terms, drawn uniformly without replacement (the
        encoder has ``dim x K`` weights whatever the vocabulary, so a sample of the
        embedding's geometry trains it; the cost of a step is proportional to the terms
        used).  The rescaling uses every term.  None: all terms.

    Returns
    -------
    weight : ndarray of shape (dim, n_topics), float32
        W2.
    bias : ndarray of shape (n_topics,), float32
    """
    gen = torch.Generator().manual_seed(seed)
    le = torch.from_numpy(np.ascontiguousarray(term_vectors, dtype=np.float32))
    sample = le
    if max_terms is not None and le.shape[0] > max_terms:
        rows = np.sort(np.random.default_rng(seed).choice(le.shape[0], max_terms, replace=False))
        sample = le[torch.from_numpy(rows)]
    dim = le.shape[1]
    enc = (torch.randn(dim, n_topics, generator=gen) / dim**0.5).requires_grad_()
    enc_b = torch.zeros(n_topics, requires_grad=True)
    dec = (torch.randn(n_topics, dim, generator=gen) / n_topics**0.5).requires_grad_()
    dec_b = torch.zeros(dim, requires_grad=True)
    opt = DenseAdam([enc, enc_b, dec, dec_b], lr=learning_rate)
    for _ in range(steps):
        opt.zero_grad()
        recon = torch.sigmoid(sample @ enc + enc_b) @ dec + dec_b
        loss = ((recon - sample) ** 2).mean()
        loss.backward()
        opt.step()
    with torch.no_grad():
        pre = le @ enc  # (V, K)
        std = pre.std(dim=0).clamp_min(1e-6)
        weight = enc * (spread / std)
        bias = -(le @ weight).mean(dim=0)
    return weight.numpy().astype(np.float32), bias.numpy().astype(np.float32)


def _unit_rows(M: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(M, axis=1, keepdims=True)
    return M / np.maximum(norms, 1e-12)


def spherical_kmeans(
    vectors: np.ndarray, n_clusters: int, *, n_iter: int = 30, seed: int = 0
) -> np.ndarray:
    """Unit-length centroids of a spherical k-means (cosine), greedy k-means++ seeding.

    Parameters
    ----------
    vectors : ndarray of shape (n, dim)
        Rows to cluster (normalised to unit length here).
    n_clusters : int
    n_iter : int
        Most Lloyd iterations; stops earlier when no assignment changes.
    seed : int

    Returns
    -------
    ndarray of shape (n_clusters, dim), float32
        Each row has unit length.  Deterministic for a given seed.

    Examples
    --------
    >>> X = np.array([[1.0, 0.1], [1.0, -0.1], [0.1, 1.0], [-0.1, 1.0]])
    >>> C = spherical_kmeans(X, 2, seed=0)
    >>> sorted(np.round(np.abs(C[:, 0]), 2).tolist())
    [0.0, 1.0]
    """
    V = _unit_rows(np.asarray(vectors, dtype=np.float32))
    n = V.shape[0]
    if n < n_clusters:
        raise NeurotopicError(
            f"the vocabulary has {n} terms, fewer than the {n_clusters} topics; "
            "ask for fewer topics or lower min_df"
        )
    rng = np.random.default_rng(seed)
    centres = np.empty((n_clusters, V.shape[1]), dtype=np.float32)
    centres[0] = V[rng.integers(n)]
    # squared distance of unit vectors to their nearest centre: 2 - 2 cos
    nearest = np.maximum(2.0 - 2.0 * (V @ centres[0]), 0.0)
    n_local = 2 + int(np.log(n_clusters))  # greedy k-means++, as scikit-learn seeds
    for c in range(1, n_clusters):
        total = nearest.sum()
        if total > 0:
            picks = rng.choice(n, size=n_local, p=nearest / total)
        else:
            picks = rng.integers(n, size=n_local)
        # each candidate's distances; keep the one that leaves the least total distance
        trial = np.minimum(nearest, np.maximum(2.0 - 2.0 * (V[picks] @ V.T), 0.0))
        best = int(trial.sum(axis=1).argmin())
        centres[c] = V[picks[best]]
        nearest = trial[best]
    assign = np.full(n, -1)
    for _ in range(n_iter):
        sims = V @ centres.T  # (n, K)
        new = sims.argmax(axis=1)
        if np.array_equal(new, assign):
            break
        assign = new
        members = sp.csr_matrix((np.ones(n), (assign, np.arange(n))), shape=(n_clusters, n))
        sums = np.asarray(members @ V)  # (K, dim)
        empty = np.flatnonzero(np.asarray(members.sum(axis=1)).ravel() == 0)
        if len(empty):  # re-seed at the rows farthest from their centres
            far = np.argsort(sims[np.arange(n), assign], kind="stable")[: len(empty)]
            sums[empty] = V[far]
        centres = _unit_rows(sums)
    return centres


def cluster_topic_weights(
    term_vectors: np.ndarray,
    n_topics: int,
    *,
    scale: float = 8.0,
    quantile: float = 0.9,
    seed: int = 0,
) -> tuple[np.ndarray, np.ndarray]:
    """W2 and its bias from a spherical k-means of the term vectors (extension).

    Topic k's column of W2 is ``scale`` times the unit centroid ``c_k`` and its bias
    puts the pre-activation ``le @ W2 + b`` at 0 at the ``quantile`` of ``le . c_k``
    over the vocabulary, so ``lt_k > 1/2`` for the ``1 - quantile`` share of terms
    nearest the centroid.  Not in Cao et al., who auto-encode the vectors
    (:func:`pretrain_topic_weights`); the auto-encoder's directions mix clusters of
    terms, so each topic starts as a blend of themes that training does not undo on
    short documents (``docs/model.md``, "Topics start at clusters").

    Parameters
    ----------
    term_vectors : ndarray of shape (n_terms, dim)
        ``le``.
    n_topics : int
    scale : float
        Norm of each column of W2 (the sharpness of ``lt`` around the centroid).
    quantile : float
        In (0, 1): the share of terms a topic starts below 1/2 on.
    seed : int

    Returns
    -------
    weight : ndarray of shape (dim, n_topics), float32
        W2.
    bias : ndarray of shape (n_topics,), float32
    """
    le = np.asarray(term_vectors, dtype=np.float64)
    centres = spherical_kmeans(le, n_topics, seed=seed)  # (K, dim)
    weight = scale * centres.T  # (dim, K)
    bias = -np.quantile(le @ weight, quantile, axis=0)  # (K,)
    return weight.astype(np.float32), bias.astype(np.float32)


def mean_term_topic(X: sp.csr_matrix, term_topic: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Mean ``lt`` over each document's distinct terms.

    Returns
    -------
    mean : ndarray of shape (n_docs, n_topics)
        Zeros for documents without terms.
    has_terms : ndarray of shape (n_docs,), bool
    """
    B = sp.csr_matrix(X, copy=True)
    B.eliminate_zeros()
    B.data[:] = 1.0
    lengths = np.asarray(B.sum(axis=1)).ravel()  # (D,)
    sums = np.asarray(B @ term_topic)  # (D, K); rows without terms are zeros
    has = lengths > 0
    # In place, rows without terms left as they are: no (D, K) temporaries (a 1M x 128
    # corpus: 512 MB each, seconds of memory traffic).
    np.divide(sums, lengths[:, None], out=sums, where=has[:, None])
    return sums, has


def initial_doc_logits(
    X: sp.csr_matrix,
    term_topic: np.ndarray,
    *,
    temperature: float = 1.0,
    reference: sp.csr_matrix | None = None,
) -> np.ndarray:
    """W1 rows from the mean pre-trained ``lt`` of each document's terms.

    Parameters
    ----------
    X : scipy.sparse matrix of shape (n_docs, n_terms)
        Document-term matrix (only which terms occur matters).
    term_topic : ndarray of shape (n_terms, n_topics)
        Pre-trained ``lt``.
    temperature : float
        Standard deviation of the resulting logits per topic.
    reference : scipy.sparse matrix, optional
        Documents whose per-topic mean and standard deviation centre and scale the
        result (default: ``X`` itself); fold-in passes the training documents.

    Returns
    -------
    ndarray of shape (n_docs, n_topics), float32
        Logits, centred and scaled per topic; documents without terms get zeros.
    """
    mean, has = mean_term_topic(X, term_topic)
    ref_mean, ref_has = (mean, has) if reference is None else mean_term_topic(reference, term_topic)
    k = mean.shape[1]
    ref = ref_mean if ref_has.all() else ref_mean[ref_has]  # no copy when every row counts
    centre = ref.mean(axis=0) if ref_has.any() else np.zeros(k)
    scale = ref.std(axis=0) if ref_has.sum() > 1 else np.ones(k)
    del ref
    # In place on ``mean`` (not kept), rows without terms left at zero: the operations
    # of ``temperature * (mean - centre) / scale`` in that order, with no (D, K) copies.
    dtype = np.result_type(mean, centre)
    logits = mean if mean.dtype == dtype else mean.astype(dtype)
    rows = has[:, None]
    np.subtract(logits, centre, out=logits, where=rows)
    np.multiply(temperature, logits, out=logits, where=rows)
    np.divide(logits, np.maximum(scale, 1e-6), out=logits, where=rows)
    return logits.astype(np.float32, copy=False)
