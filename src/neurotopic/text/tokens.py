"""A corpus's tokens as flat arrays (:class:`TokenArrays`), and array operations on them.

Python lists of lists of strings cost about 60 bytes per token and a Python step per
token; these arrays cost 5 bytes per token (an int32 type id and a run flag), and every
operation on them (counting, pairing, merging phrases, building the document-term
matrix, windows for word vectors) is a numpy pass.  The only Python work per token is
mapping token strings to ids, done in C by ``map`` over a ``dict``.
"""

from __future__ import annotations

import itertools
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class TokenArrays:
    """The tokens of a corpus as flat arrays: documents concatenated, CSR-style.

    Attributes
    ----------
    types : list of str
        Token type strings; a token's id indexes this list.  It holds every type seen
        while encoding (stop words included, though their tokens are dropped) and, after
        phrase merging, the phrases ("new york").
    ids : ndarray of shape (n_tokens,), int32
        Type id of each token, documents in order.
    run_start : ndarray of shape (n_tokens,), bool
        True where a token starts a run of content words; the first token of every
        document starts a run, so a pair of tokens inside a run is inside a document.
    doc_ptr : ndarray of shape (n_docs + 1,), int64
        The tokens of document ``d`` are ``ids[doc_ptr[d]:doc_ptr[d + 1]]``.
    """

    types: list[str]
    ids: np.ndarray
    run_start: np.ndarray
    doc_ptr: np.ndarray

    @property
    def n_docs(self) -> int:
        """Number of documents (empty ones included)."""
        return len(self.doc_ptr) - 1

    def type_index(self) -> dict[str, int]:
        """Type string -> id (built on each call)."""
        return {t: i for i, t in enumerate(self.types)}

    def counts(self) -> np.ndarray:
        """Occurrences of each type, shape (n_types,)."""
        return np.bincount(self.ids, minlength=len(self.types))

    def doc_ids(self) -> np.ndarray:
        """The document of each token, shape (n_tokens,), int64."""
        return np.repeat(np.arange(self.n_docs, dtype=np.int64), np.diff(self.doc_ptr))

    def to_lists(self) -> list[list[str]]:
        """Each document's tokens as strings (a Python list per document: slow and large)."""
        words = np.asarray(self.types, dtype=object)[self.ids].tolist()
        ptr = self.doc_ptr.tolist()
        return [words[a:b] for a, b in itertools.pairwise(ptr)]

    def to_runs(self) -> list[list[list[str]]]:
        """Each document's runs, as :func:`neurotopic.text.content_runs` returns them."""
        words = np.asarray(self.types, dtype=object)[self.ids].tolist()
        starts = np.flatnonzero(self.run_start).tolist()
        bounds = [*starts, len(words)]
        runs = [words[a:b] for a, b in itertools.pairwise(bounds)]
        first_run = np.searchsorted(starts, self.doc_ptr).tolist()  # (n_docs + 1,)
        return [runs[a:b] for a, b in itertools.pairwise(first_run)]


def assemble(
    types: list[str], ids: list[np.ndarray], run_start: list[np.ndarray], lengths: list[np.ndarray]
) -> TokenArrays:
    """:class:`TokenArrays` from chunks: each chunk's ids, run flags and document lengths."""
    doc_lengths = np.concatenate(lengths) if lengths else np.zeros(0, dtype=np.int64)
    return TokenArrays(
        types=types,
        ids=np.concatenate(ids) if ids else np.zeros(0, dtype=np.int32),
        run_start=np.concatenate(run_start) if run_start else np.zeros(0, dtype=bool),
        doc_ptr=np.concatenate([[0], np.cumsum(doc_lengths)]).astype(np.int64),
    )


class TypeTable:
    """Grows a type table while token lists are mapped to ids in C (no Python per token)."""

    def __init__(self) -> None:
        self.ids: defaultdict[str, int] = defaultdict(itertools.count().__next__)
        self.types: list[str] = []

    def encode(self, tokens: list[str]) -> tuple[np.ndarray, list[str]]:
        """Ids of ``tokens`` (int64) and the types first seen in them, in id order."""
        ids = np.array(list(map(self.ids.__getitem__, tokens)), dtype=np.int64)
        new = list(itertools.islice(self.ids, len(self.types), None))
        self.types.extend(new)
        return ids, new


def encode_runs(doc_runs: Iterable[Iterable[Sequence[str]]]) -> TokenArrays:
    """:class:`TokenArrays` of documents given as lists of runs (lists of tokens).

    Empty runs are skipped.  A document given as one token list is ``[tokens]``.
    """
    table = TypeTable()
    tokens: list[str] = []
    run_lengths: list[int] = []
    doc_lengths: list[int] = []
    for runs in doc_runs:
        n = 0
        for run in runs:
            if len(run):
                tokens.extend(run)
                run_lengths.append(len(run))
                n += len(run)
        doc_lengths.append(n)
    ids, _ = table.encode(tokens)
    run_start = np.zeros(len(ids), dtype=bool)
    run_start[np.cumsum(run_lengths, dtype=np.int64) - np.asarray(run_lengths, np.int64)] = True
    return assemble(
        table.types, [ids.astype(np.int32)], [run_start], [np.asarray(doc_lengths, np.int64)]
    )


def type_id(name: str, types: list[str], index: dict[str, int]) -> int:
    """The id of type ``name``, appended to ``types`` and ``index`` when new."""
    if name not in index:
        index[name] = len(types)
        types.append(name)
    return index[name]


def merge_pairs(
    ids: np.ndarray,
    run_start: np.ndarray,
    doc_ptr: np.ndarray,
    left: np.ndarray,
    right: np.ndarray,
    merged: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Replace adjacent ``(left[j], right[j])`` inside a run by ``merged[j]``, greedily.

    Left to right, as :meth:`neurotopic.text.PhraseModel.apply`: in a stretch of
    consecutive positions that each start a mergeable pair, the 1st, 3rd, 5th ... merge
    (each merge consumes the next token, so the next position cannot start one).
    """
    if len(left) == 0 or len(ids) < 2:
        return ids, run_start, doc_ptr
    n_types = int(max(ids.max(), left.max(), right.max())) + 1
    keys = left.astype(np.int64) * n_types + right
    order = np.argsort(keys)
    keys, merged = keys[order], merged[order]
    pair = ids[:-1].astype(np.int64) * n_types + ids[1:]  # (n_tokens - 1,)
    slot = np.minimum(np.searchsorted(keys, pair), len(keys) - 1)
    candidate = np.flatnonzero((keys[slot] == pair) & ~run_start[1:])
    if len(candidate) == 0:
        return ids, run_start, doc_ptr
    stretch = np.ones(len(candidate), dtype=bool)
    stretch[1:] = candidate[1:] != candidate[:-1] + 1
    first = candidate[stretch][np.cumsum(stretch) - 1]
    at = candidate[(candidate - first) % 2 == 0]  # positions that merge with the next
    new_ids = ids.copy()
    new_ids[at] = merged[slot[at]]
    keep = np.ones(len(ids), dtype=bool)
    keep[at + 1] = False
    removed = np.bincount(
        np.searchsorted(doc_ptr, at + 1, side="right") - 1, minlength=len(doc_ptr) - 1
    )
    new_ptr = doc_ptr - np.concatenate([[0], np.cumsum(removed)])
    return new_ids[keep], run_start[keep], new_ptr


def unique_counts(keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Sorted distinct values of an int64 array and how often each occurs.

    ``numpy.unique(keys, return_counts=True)`` by one sort: numpy 2's hash-based
    ``unique`` is many times slower on millions of integer keys.
    """
    keys = np.sort(keys)
    if len(keys) == 0:  # no pairs at all (one-word documents, say)
        return keys, np.zeros(0, dtype=np.int64)
    first = np.flatnonzero(np.concatenate([[True], keys[1:] != keys[:-1]]))
    return keys[first], np.diff(np.append(first, len(keys)))
