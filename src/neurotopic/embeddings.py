"""Word vectors, trained on the corpus or loaded, and term vectors ``le(g)``.

A term's vector is the sum of its words' vectors (Cao et al. 2015, section 3); by
default it is then scaled to unit length, so the dot products ``le(g) @ W2`` measure
direction rather than the frequency-driven vector norm (Schakel & Wilson 2015).
"""

from __future__ import annotations

import os
import zlib
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import scipy.sparse as sp
from gensim.models import KeyedVectors, Word2Vec
from sklearn.utils.extmath import randomized_svd

from .errors import NeurotopicError


def _stable_hash(text: str) -> int:
    """A hash that does not change between Python processes (unlike ``hash``)."""
    return zlib.crc32(text.encode("utf-8"))


def train_word2vec(
    sentences: Sequence[Sequence[str]],
    *,
    vector_size: int = 100,
    epochs: int = 5,
    window: int = 5,
    min_count: int = 2,
    seed: int = 0,
    workers: int = 1,
) -> KeyedVectors:
    """Train skip-gram word2vec on the corpus with gensim.

    Parameters
    ----------
    sentences : sequence of sequence of str
        Word tokens (unigrams) of each document.
    vector_size, epochs, window, min_count : int
        As in :class:`gensim.models.Word2Vec`.
    seed : int
        Seed of the vector initialisation and sampling.
    workers : int
        Threads; only ``workers=1`` gives the same vectors on every run.

    Returns
    -------
    gensim.models.KeyedVectors
    """
    model = Word2Vec(
        sentences=[list(s) for s in sentences if s],
        vector_size=vector_size,
        window=window,
        min_count=min_count,
        sg=1,
        negative=5,
        epochs=epochs,
        seed=seed,
        workers=workers,
        hashfxn=_stable_hash,
    )
    return model.wv


def window_cooccurrence(
    sentences: Sequence[Sequence[str]], index: dict[str, int], window: int
) -> sp.csr_matrix:
    """Symmetric co-occurrence counts of words within ``window`` positions.

    Offset ``k`` counts ``(window - k + 1) / window`` (word2vec's dynamic window in
    expectation); words missing from ``index`` are dropped first and windows never
    cross documents.  Vectorised over the whole corpus, one pass per offset.

    Parameters
    ----------
    sentences : sequence of sequence of str
    index : dict of str to int
        Word -> row.
    window : int

    Returns
    -------
    scipy.sparse.csr_matrix of shape (len(index), len(index))
    """
    n = len(index)
    ids_per_doc = [
        np.fromiter((index[w] for w in s if w in index), dtype=np.int64) for s in sentences
    ]
    lengths = np.fromiter((len(a) for a in ids_per_doc), dtype=np.int64, count=len(ids_per_doc))
    tokens = np.concatenate(ids_per_doc) if ids_per_doc else np.zeros(0, np.int64)
    doc = np.repeat(np.arange(len(lengths)), lengths)
    rows, cols, vals = [], [], []
    for k in range(1, window + 1):
        same = doc[:-k] == doc[k:]
        a, b = tokens[:-k][same], tokens[k:][same]
        weight = np.full(len(a), (window - k + 1) / window)
        rows += [a, b]
        cols += [b, a]
        vals += [weight, weight]
    if not rows:
        return sp.csr_matrix((n, n))
    cooc = sp.csr_matrix(
        (np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))), shape=(n, n)
    )
    cooc.sum_duplicates()
    return cooc


def train_ppmi(
    sentences: Sequence[Sequence[str]],
    *,
    vector_size: int = 100,
    window: int = 5,
    min_count: int = 2,
    context_power: float = 0.75,
    seed: int = 0,
) -> KeyedVectors:
    """Word vectors from a truncated SVD of the window co-occurrence PPMI matrix.

    The count-based counterpart of skip-gram with negative sampling (Levy, Goldberg &
    Dagan, TACL 2015): co-occurrences within ``window`` words, weighted like word2vec's
    dynamic window (offset ``k`` counts ``(window - k + 1) / window``), then

    ``PPMI(w, c) = max(0, log(n(w, c) N / (n(w) N_a(c))))`` with context counts raised
    to ``context_power`` (``N_a(c) = n(c)^a / sum_c' n(c')^a * N``), and
    ``vectors = U sqrt(S)`` of the rank-``vector_size`` randomized SVD.

    Deterministic for a given ``seed`` and an order of magnitude faster than
    skip-gram on a 2-core machine.

    Parameters
    ----------
    sentences : sequence of sequence of str
        Word tokens of each document; windows never cross documents.
    vector_size, window, min_count : int
        Dimension, window half-width and minimum word count.
    context_power : float
        Context-distribution smoothing exponent ``a``.
    seed : int
        Seed of the randomized SVD.

    Returns
    -------
    gensim.models.KeyedVectors
        Vectors of shape (n_words, vector_size).

    Examples
    --------
    >>> docs = [["cat", "dog", "pet"], ["dog", "pet", "food"], ["stock", "market"]] * 5
    >>> kv = train_ppmi(docs, vector_size=2, window=2)
    >>> kv.vectors.shape
    (6, 2)
    """
    counts: dict[str, int] = {}
    for s in sentences:
        for w in s:
            counts[w] = counts.get(w, 0) + 1
    words = sorted((w for w, c in counts.items() if c >= min_count), key=lambda w: (-counts[w], w))
    index = {w: i for i, w in enumerate(words)}
    n_words = len(words)
    kv = KeyedVectors(vector_size)
    if n_words == 0:
        return kv
    cooc = window_cooccurrence(sentences, index, window)
    if cooc.nnz == 0:
        kv.add_vectors(words, np.zeros((n_words, vector_size), dtype=np.float32))
        return kv
    total = cooc.sum()
    word_count = np.asarray(cooc.sum(axis=1)).ravel()
    context = np.asarray(cooc.sum(axis=0)).ravel() ** context_power
    context_p = context / context.sum()
    r = np.repeat(np.arange(n_words), np.diff(cooc.indptr))
    pmi = (
        np.log(cooc.data / total) - np.log(word_count[r] / total) - np.log(context_p[cooc.indices])
    )
    ppmi = sp.csr_matrix((np.maximum(pmi, 0.0), cooc.indices, cooc.indptr), shape=cooc.shape)
    ppmi.eliminate_zeros()
    rank = min(vector_size, n_words - 1) if n_words > 1 else 1
    u, s, _ = randomized_svd(ppmi, n_components=rank, n_iter=5, random_state=seed)
    vectors = np.zeros((n_words, vector_size), dtype=np.float32)
    vectors[:, :rank] = u * np.sqrt(s)
    kv.add_vectors(words, vectors)
    return kv


def load_vectors(path: str | os.PathLike[str]) -> KeyedVectors:
    """Load pre-trained word vectors, guessing the format from the file.

    Supported: word2vec binary (``.bin``), word2vec text (a ``count dim`` header line),
    GloVe text (no header), optionally gzip-compressed (``.gz``), and files saved by
    gensim's ``KeyedVectors.save`` (``.kv`` / ``.model``).

    Raises
    ------
    NeurotopicError
        If the file is missing or cannot be read as word vectors.
    """
    p = Path(path)
    if not p.is_file():
        raise NeurotopicError(
            f"vectors file '{p}' does not exist; pass a word2vec (.bin/.txt), GloVe (.txt) "
            "or gensim KeyedVectors (.kv) file"
        )
    suffixes = [s.lower() for s in p.suffixes]
    try:
        if suffixes and suffixes[-1] in (".kv", ".model"):
            return KeyedVectors.load(str(p))
        if ".bin" in suffixes:
            return KeyedVectors.load_word2vec_format(str(p), binary=True)
        try:
            return KeyedVectors.load_word2vec_format(str(p), binary=False)
        except (ValueError, IndexError, UnicodeDecodeError):
            return KeyedVectors.load_word2vec_format(str(p), binary=False, no_header=True)
    except NeurotopicError:
        raise
    except Exception as exc:  # gensim raises many types for a bad file
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise NeurotopicError(
            f"cannot read word vectors from '{p}' ({reason}); pass a word2vec binary (.bin), "
            "word2vec/GloVe text or gensim KeyedVectors (.kv) file"
        ) from None


def term_vectors(
    terms: Sequence[str], vectors: KeyedVectors, *, normalize: bool = True
) -> tuple[np.ndarray, np.ndarray]:
    """Embed each term as the sum of its words' vectors.

    Parameters
    ----------
    terms : sequence of str
        Terms; multi-word terms are space-separated.
    vectors : KeyedVectors
        Word vectors.
    normalize : bool
        Scale each summed vector to unit L2 norm.

    Returns
    -------
    le : ndarray of shape (n_terms, dim), float32
        Term vectors; rows of terms with a missing word are zero.
    found : ndarray of shape (n_terms,), bool
        Whether every word of the term has a vector.
    """
    dim = int(vectors.vector_size)
    le = np.zeros((len(terms), dim), dtype=np.float32)
    found = np.zeros(len(terms), dtype=bool)
    key_to_index = vectors.key_to_index
    table = vectors.vectors
    for i, term in enumerate(terms):
        ids = [key_to_index.get(w) for w in term.split(" ")]
        if all(j is not None for j in ids):
            le[i] = table[ids].sum(axis=0)
            found[i] = True
    if normalize:
        norms = np.linalg.norm(le, axis=1, keepdims=True)
        np.divide(le, norms, out=le, where=norms > 0)
    return le, found
