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
from gensim.models import KeyedVectors, Word2Vec

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
