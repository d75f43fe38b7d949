"""Pre-training: W2 as an auto-encoder of the term vectors, W1 from the terms' codes.

Both steps place the network away from the saddle that stopped the seed
implementation (``lt`` about 0.5 everywhere and ``ld`` about 1/K, where every
``ls(g, d)`` is the same and the ranking gradient vanishes):

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

from .optim import DenseAdam


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
    sums = np.asarray(B @ term_topic)  # (D, K)
    has = lengths > 0
    mean = np.zeros_like(sums)
    mean[has] = sums[has] / lengths[has, None]
    return mean, has


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
    centre = ref_mean[ref_has].mean(axis=0) if ref_has.any() else np.zeros(k)
    scale = ref_mean[ref_has].std(axis=0) if ref_has.sum() > 1 else np.ones(k)
    logits = np.zeros_like(mean)
    logits[has] = temperature * (mean[has] - centre) / np.maximum(scale, 1e-6)
    return logits.astype(np.float32)
