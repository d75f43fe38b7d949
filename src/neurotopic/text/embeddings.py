"""Word vectors, trained on the corpus or loaded, and term vectors ``le(g)``.

A term's vector is the sum of its words' vectors (Cao et al. 2015, section 3); by
default it is then scaled to unit length, so the dot products ``le(g) @ W2`` measure
direction rather than the frequency-driven vector norm (Schakel & Wilson 2015).
"""

from __future__ import annotations

import os
import warnings
import zlib
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import scipy.linalg
import scipy.sparse as sp
import torch
from gensim.models import KeyedVectors, Word2Vec
from gensim.models.callbacks import CallbackAny2Vec
from threadpoolctl import threadpool_limits

from ..errors import NeurotopicError
from ..train.threads import torch_threads, usable_cores
from .language import normalize_word
from .tokens import TokenArrays, encode_runs

#: Tokens per block of :func:`window_cooccurrence` (about 300 bytes each while a block is
#: counted).  A corpus of up to about two million content tokens is counted in one
#: block.
COOCCURRENCE_BLOCK_TOKENS = 2**21


def _stable_hash(text: str) -> int:
    """A hash that does not change between Python processes (unlike ``hash``)."""
    return zlib.crc32(text.encode("utf-8"))


class _EpochProgress(CallbackAny2Vec):
    """Reports each finished word2vec epoch (``"word2vec epoch 3/20"``); reads nothing
    of the model, so the vectors are the same with or without it."""

    def __init__(self, epochs: int, report: Callable[[str], None]) -> None:
        self.epochs, self.report, self.done = epochs, report, 0

    def on_epoch_end(self, model: Any) -> None:
        self.done += 1
        self.report(f"word2vec epoch {self.done}/{self.epochs}")


def train_word2vec(
    sentences: Sequence[Sequence[str]],
    *,
    vector_size: int = 100,
    epochs: int = 5,
    window: int = 5,
    min_count: int = 2,
    seed: int = 0,
    workers: int = 1,
    progress: Callable[[str], None] | None = None,
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
    progress : callable, optional
        Called with one line after each epoch (``"word2vec epoch 3/20"``).

    Returns
    -------
    gensim.models.KeyedVectors
    """
    callbacks = [_EpochProgress(epochs, progress)] if progress is not None else []
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
        callbacks=callbacks,
    )
    return model.wv


def _cooccurrence_block(tokens: np.ndarray, doc: np.ndarray, n: int, window: int) -> sp.csr_matrix:
    """Weighted window counts of one block of whole documents (rows of ``tokens``)."""
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


def window_cooccurrence(
    sentences: Sequence[Sequence[str]] | TokenArrays,
    index: dict[str, int],
    window: int,
    *,
    block_tokens: int = COOCCURRENCE_BLOCK_TOKENS,
) -> sp.csr_matrix:
    """Symmetric co-occurrence counts of words within ``window`` positions.

    Offset ``k`` counts ``(window - k + 1) / window`` (word2vec's dynamic window in
    expectation); words missing from ``index`` are dropped first and windows never
    cross documents.  Vectorised: one pass per offset over blocks of whole documents of
    about ``block_tokens`` tokens, whose sparse counts are summed, so memory stays near
    300 bytes per block token plus the result.

    Parameters
    ----------
    sentences : sequence of sequence of str, or TokenArrays
        Word tokens of each document.
    index : dict of str to int
        Word -> row.
    window : int
    block_tokens : int
        Tokens per block (a longer document is a block of its own).

    Returns
    -------
    scipy.sparse.csr_matrix of shape (len(index), len(index))
    """
    n = len(index)
    corpus = (
        sentences if isinstance(sentences, TokenArrays) else encode_runs([s] for s in sentences)
    )
    row_of_type = np.fromiter((index.get(w, -1) for w in corpus.types), np.int64, len(corpus.types))
    rows = row_of_type[corpus.ids]
    kept = rows >= 0
    tokens, doc = rows[kept], corpus.doc_ids()[kept]  # (n_kept,), documents in order
    ptr = np.searchsorted(doc, np.arange(corpus.n_docs + 1))  # kept tokens per document
    first = 0  # blocks are documents first .. last - 1
    total = sp.csr_matrix((n, n))
    while True:
        last = int(np.searchsorted(ptr, ptr[first] + block_tokens, side="right")) - 1
        last = min(max(last, first + 1), corpus.n_docs)
        block = _cooccurrence_block(
            tokens[ptr[first] : ptr[last]], doc[ptr[first] : ptr[last]], n, window
        )
        total = block if first == 0 else total + block
        first = last
        if first >= corpus.n_docs:
            return total


def _torch_csr(M: sp.csr_matrix) -> torch.Tensor:
    """``M`` (float32) as a torch sparse CSR tensor (int64 indices; the values shared)."""
    with warnings.catch_warnings():  # "Sparse CSR tensor support is in beta state"
        warnings.simplefilter("ignore", UserWarning)
        return torch.sparse_csr_tensor(
            torch.from_numpy(M.indptr.astype(np.int64)),
            torch.from_numpy(M.indices.astype(np.int64)),
            torch.from_numpy(M.data),
            size=M.shape,
            check_invariants=False,
        )


def randomized_svd_float32(
    M: sp.csr_matrix,
    rank: int,
    *,
    n_iter: int = 5,
    n_oversamples: int = 10,
    seed: int = 0,
    n_threads: int | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Left singular vectors and values of a large sparse matrix, in float32 on all cores.

    The algorithm of :func:`sklearn.utils.extmath.randomized_svd` (Halko, Martinsson &
    Tropp 2011: a Gaussian sketch, ``n_iter`` LU-normalised power iterations, an SVD of
    the projected matrix), with the sparse products in float32 by torch's CSR kernel on
    all cores (row-parallel, so the sums do not depend on the number of threads; ``M.T``
    is stored as its own CSR matrix): about 3x faster than scipy's product on 2 cores,
    and 8x faster than the float64 original overall for a 30,000 x 30,000 matrix with
    50M non-zeros.

    Parameters
    ----------
    M : scipy.sparse.csr_matrix of shape (n_rows, n_cols)
    rank : int
    n_iter, n_oversamples : int
        As in scikit-learn.
    seed : int
        Seed of the sketch; the result does not depend on the number of cores.
    n_threads : int, optional
        Threads of the sparse products (default: :func:`neurotopic.threads.usable_cores`).

    Returns
    -------
    u : ndarray of shape (n_rows, rank), float32
        Each column's largest-magnitude entry is positive.
    s : ndarray of shape (rank,), float32
        Singular values, decreasing.
    """
    M = sp.csr_matrix(M, dtype=np.float32)
    M.sort_indices()
    Mt = sp.csr_matrix(M.T)  # row-major transpose: both products read rows
    A, At = _torch_csr(M), _torch_csr(Mt)
    rng = np.random.default_rng(seed)
    Q = rng.standard_normal((M.shape[1], rank + n_oversamples), dtype=np.float32)

    def product(S: torch.Tensor, X: np.ndarray) -> np.ndarray:
        return (S @ torch.from_numpy(np.ascontiguousarray(X))).numpy()

    # The sparse products are row-parallel: the same sums on any number of threads.  The
    # dense factorisations run on one BLAS thread: LAPACK's blocked QR and LU give other
    # roundings on other thread counts, and a second thread that shares its core with
    # another process makes them many times slower.
    with (
        torch_threads(n_threads or usable_cores()),
        threadpool_limits(limits=1, user_api="blas"),
    ):
        for _ in range(n_iter):
            Q = scipy.linalg.lu(product(A, Q), permute_l=True)[0]
            Q = scipy.linalg.lu(product(At, Q), permute_l=True)[0]
        Q = scipy.linalg.qr(product(A, Q), mode="economic")[0]  # (n_rows, rank + p)
        B = product(At, Q).T  # (rank + p, n_cols) = Q.T @ M
        # B's left singular pairs from the eigenpairs of the small B B^T (in float64):
        # the same numbers as scipy.linalg.svd(B) without its right vectors, 40x faster.
        B = B.astype(np.float64)
        eigvals, eigvecs = scipy.linalg.eigh(B @ B.T)  # ascending
        order = np.argsort(eigvals)[::-1][:rank]
        s = np.sqrt(np.maximum(eigvals[order], 0.0))
        u = Q @ eigvecs[:, order].astype(np.float32)  # float32
    signs = np.sign(u[np.abs(u).argmax(axis=0), np.arange(rank)])
    return u * np.where(signs == 0, 1, signs), s[:rank].astype(np.float32)


def ppmi_matrix(
    sentences: Sequence[Sequence[str]] | TokenArrays,
    *,
    window: int = 5,
    min_count: int = 2,
    context_power: float = 0.75,
) -> tuple[list[str], sp.csr_matrix]:
    """The words and the window co-occurrence PPMI matrix that :func:`train_ppmi` factorises.

    Returns
    -------
    words : list of str
        Words counted at least ``min_count`` times, most frequent first.
    ppmi : scipy.sparse.csr_matrix of shape (n_words, n_words), float32
        Rows are words, columns contexts; only positive entries are stored.
    """
    corpus = (
        sentences if isinstance(sentences, TokenArrays) else encode_runs([s] for s in sentences)
    )
    counts = corpus.counts()  # (n_types,)
    frequent = np.flatnonzero((counts > 0) & (counts >= min_count)).tolist()
    count_of = {corpus.types[i]: int(counts[i]) for i in frequent}
    words = sorted(count_of, key=lambda w: (-count_of[w], w))
    index = {w: i for i, w in enumerate(words)}
    n_words = len(words)
    if n_words == 0:
        return words, sp.csr_matrix((0, 0), dtype=np.float32)
    cooc = window_cooccurrence(corpus, index, window)
    if cooc.nnz == 0:
        return words, sp.csr_matrix((n_words, n_words), dtype=np.float32)
    total = cooc.sum()
    word_count = np.asarray(cooc.sum(axis=1)).ravel()
    context = np.asarray(cooc.sum(axis=0)).ravel() ** context_power
    context_p = context / context.sum()
    # pmi = log(n / N) - log(n(w) / N) - log(p_a(c)), in place: one extra array of nnz.
    pmi = cooc.data / total
    np.log(pmi, out=pmi)
    part = word_count[np.repeat(np.arange(n_words), np.diff(cooc.indptr))] / total
    pmi -= np.log(part, out=part)
    part = context_p[cooc.indices]
    pmi -= np.log(part, out=part)
    del part
    np.maximum(pmi, 0.0, out=pmi)
    ppmi = sp.csr_matrix((pmi.astype(np.float32), cooc.indices, cooc.indptr), shape=cooc.shape)
    del cooc, pmi
    ppmi.eliminate_zeros()
    return words, ppmi


def train_ppmi(
    sentences: Sequence[Sequence[str]] | TokenArrays,
    *,
    vector_size: int = 100,
    window: int = 5,
    min_count: int = 2,
    context_power: float = 0.75,
    n_iter: int = 5,
    seed: int = 0,
    n_threads: int | None = None,
) -> KeyedVectors:
    """Word vectors from a truncated SVD of the window co-occurrence PPMI matrix.

    The count-based counterpart of skip-gram with negative sampling (Levy, Goldberg &
    Dagan, TACL 2015): co-occurrences within ``window`` words, weighted like word2vec's
    dynamic window (offset ``k`` counts ``(window - k + 1) / window``), then

    ``PPMI(w, c) = max(0, log(n(w, c) N / (n(w) N_a(c))))`` with context counts raised
    to ``context_power`` (``N_a(c) = n(c)^a / sum_c' n(c')^a * N``), and
    ``vectors = U sqrt(S)`` of the rank-``vector_size`` randomized SVD: scikit-learn's
    computed by :func:`randomized_svd_float32` on ``n_threads`` cores, in float32 with
    row-parallel sparse products (``docs/model.md`` gives its share of a fit).

    Deterministic for a given ``seed`` and an order of magnitude faster than
    skip-gram on a 2-core machine.

    Parameters
    ----------
    sentences : sequence of sequence of str, or TokenArrays
        Word tokens of each document; windows never cross documents.
    vector_size, window, min_count : int
        Dimension, window half-width and minimum word count.
    context_power : float
        Context-distribution smoothing exponent ``a``.
    n_iter : int
        Power iterations of the randomized SVD.
    seed : int
        Seed of the randomized SVD.
    n_threads : int, optional
        Threads of its sparse products (default: every usable core); the vectors are
        the same on any count.

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
    words, ppmi = ppmi_matrix(
        sentences, window=window, min_count=min_count, context_power=context_power
    )
    n_words = len(words)
    kv = KeyedVectors(vector_size)
    if n_words == 0:
        return kv
    if ppmi.nnz == 0:
        kv.add_vectors(words, np.zeros((n_words, vector_size), dtype=np.float32))
        return kv
    rank = min(vector_size, n_words - 1) if n_words > 1 else 1
    u, s = randomized_svd_float32(ppmi, rank, n_iter=n_iter, seed=seed, n_threads=n_threads)
    vectors = np.zeros((n_words, vector_size), dtype=np.float32)
    vectors[:, :rank] = u * np.sqrt(s)
    kv.add_vectors(words, vectors)
    return kv


def load_vectors(path: str | os.PathLike[str], *, trust_pickle: bool = False) -> KeyedVectors:
    """Load pre-trained word vectors, guessing the format from the file.

    Supported: word2vec binary (``.bin``), word2vec text (a ``count dim`` header line,
    as fastText's ``.vec``), GloVe text (no header), optionally gzip-compressed
    (``.gz``).  None of these can carry code.  Files saved by gensim's
    ``KeyedVectors.save`` (``.kv`` / ``.model``) are Python pickles, and loading one
    runs whatever code it holds, so they are read only with ``trust_pickle=True``
    (the CLI's ``--trust-pickle``), for files you made yourself.

    Raises
    ------
    NeurotopicError
        If the file is missing, is a pickle and ``trust_pickle`` is False, or cannot be
        read as word vectors.
    """
    p = Path(path)
    if not p.is_file():
        raise NeurotopicError(
            f"vectors file '{p}' does not exist; pass a word2vec (.bin/.txt), GloVe (.txt) "
            "or fastText (.vec) file"
        )
    suffixes = [s.lower() for s in p.suffixes]
    try:
        if suffixes and suffixes[-1] in (".kv", ".model"):
            if not trust_pickle:
                raise NeurotopicError(
                    f"vectors file '{p}' is a gensim pickle, and loading it would run any code "
                    "it holds; save the vectors as word2vec text or binary, or pass "
                    "trust_pickle=True for a file you made yourself"
                )
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
            "word2vec/GloVe text or fastText (.vec) file"
        ) from None


def term_vectors(
    terms: Sequence[str], vectors: KeyedVectors, *, normalize: bool = True
) -> tuple[np.ndarray, np.ndarray]:
    """Embed each term as the sum of its words' vectors.

    A word is looked up as it is, then (for files whose keys keep their case, such as
    fastText's, in any script) by its NFC-normalised, casefolded key: the first such key
    in the file, its most frequent form in fastText's order ("Haus" for "haus").

    Parameters
    ----------
    terms : sequence of str
        Terms (casefolded, as the tokenizers give them); multi-word terms are
        space-separated.
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

    Raises
    ------
    NeurotopicError
        If a word vector holds NaN or an infinity (it would make every weight NaN).
    """
    if len(vectors.vectors) and not np.all(np.isfinite(vectors.vectors)):
        bad = int((~np.isfinite(vectors.vectors)).any(axis=1).sum())
        raise NeurotopicError(
            f"the word vectors hold NaN or infinite values ({bad} words); fix or drop "
            "those rows of the vectors file"
        )
    dim = int(vectors.vector_size)
    le = np.zeros((len(terms), dim), dtype=np.float32)
    found = np.zeros(len(terms), dtype=bool)
    key_to_index = vectors.key_to_index
    table = vectors.vectors
    folded: dict[str, int] | None = None  # casefolded key -> first index, built if needed

    def lookup(word: str) -> int | None:
        nonlocal folded
        j = key_to_index.get(word)
        if j is None:
            if folded is None:
                folded = {}
                for key, index in key_to_index.items():
                    folded.setdefault(normalize_word(str(key)), index)
            j = folded.get(word)
        return j

    for i, term in enumerate(terms):
        ids = [lookup(w) for w in term.split(" ")]
        if all(j is not None for j in ids):
            le[i] = table[ids].sum(axis=0)
            found[i] = True
    if normalize:
        norms = np.linalg.norm(le, axis=1, keepdims=True)
        np.divide(le, norms, out=le, where=norms > 0)
    return le, found
