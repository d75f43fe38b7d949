"""The text stage's result, and its form as JSON metadata and arrays.

What a fit computes before training (terms, phrases, vocabulary, word vectors, the
document-term matrix) must be the same when a fit resumes and on every process of a
data-parallel fit.  :class:`TextStage` holds it; :meth:`TextStage.encode` gives the
JSON-serialisable metadata and the arrays that a checkpoint writes (JSON +
safetensors) and that :meth:`neurotopic.distributed.Collective.share` broadcasts.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import scipy.sparse as sp

from .analyzer import Analyzer
from .vocabulary import Vocabulary


@dataclass
class TextStage:
    """The text stage's result: what a resumed fit must not recompute differently."""

    vocabulary: Vocabulary
    analyzer: Analyzer
    term_vectors: np.ndarray  # le, (V, E)
    X: sp.csr_matrix  # (D, V) training document-term counts

    def encode(self) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
        """JSON metadata (vocabulary, stop words, phrases, language) and arrays.

        A custom tokenizer is never part of it (only whether one was used).
        """
        meta = {
            "terms": list(self.vocabulary.terms),
            "doc_freq": np.asarray(self.vocabulary.doc_freq).tolist(),
            "n_docs": int(self.vocabulary.n_docs),
            **self.analyzer.to_json(),
        }
        arrays = {
            "term_vectors": np.ascontiguousarray(self.term_vectors),
            "train_indptr": np.ascontiguousarray(self.X.indptr),
            "train_indices": np.ascontiguousarray(self.X.indices),
            "train_counts": np.ascontiguousarray(self.X.data),
        }
        return meta, arrays

    @classmethod
    def decode(cls, meta: Mapping[str, Any], arrays: Mapping[str, np.ndarray]) -> TextStage:
        """Rebuild what :meth:`encode` returned."""
        terms = [str(t) for t in meta["terms"]]
        indptr = arrays["train_indptr"]
        X = sp.csr_matrix(
            (arrays["train_counts"], arrays["train_indices"], indptr),
            shape=(len(indptr) - 1, len(terms)),
        )
        return cls(
            vocabulary=Vocabulary(
                terms, np.asarray(meta["doc_freq"], dtype=np.int64), int(meta["n_docs"])
            ),
            analyzer=Analyzer.from_json(meta),
            term_vectors=arrays["term_vectors"],
            X=X,
        )
