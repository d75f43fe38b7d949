"""A fitted model's topics in the formats other tools read.

:func:`to_pyldavis` returns the keyword arguments of ``pyLDAvis.prepare`` for users who
already use pyLDAvis (``pip install "neurotopic[pyldavis]"``); neurotopic's own
visualisations are in :mod:`neurotopic.plot` and :mod:`neurotopic.report`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
from sklearn.utils.validation import check_is_fitted

from ._topic_data import topic_term_distributions

if TYPE_CHECKING:
    from ..estimator import NeuralTopicModel

__all__ = ["to_pyldavis"]


def to_pyldavis(model: NeuralTopicModel, texts: Sequence[str] | None = None) -> dict[str, Any]:
    """The inputs of ``pyLDAvis.prepare`` for a fitted model.

    Parameters
    ----------
    model : NeuralTopicModel
        A fitted model.
    texts : sequence of str, optional
        Documents whose topic distributions and lengths are shown (folded in with
        ``transform``); None uses the training documents.

    Returns
    -------
    dict
        ``topic_term_dists`` (n_topics, n_terms), rows sum to 1: the readout's
        ``p(term | topic)`` (the data readout's for "embedding"); ``doc_topic_dists``
        (n_docs, n_topics), rows sum to 1;
        ``doc_lengths`` (n_docs,), term counts per document; ``vocab`` (n_terms,), the
        terms; ``term_frequency`` (n_terms,), each term's count in the training corpus
        (the corpus the topics were learnt from, so every count is positive).

    Examples
    --------
    >>> import pyLDAvis  # doctest: +SKIP
    >>> vis = pyLDAvis.prepare(**to_pyldavis(model, texts))  # doctest: +SKIP
    >>> pyLDAvis.save_html(vis, "lda.html")  # doctest: +SKIP
    """
    check_is_fitted(model, "components_")
    X_train = model.X_train_
    if texts is None:
        doc_topic = np.asarray(model.doc_topic_, dtype=np.float64)
        lengths = np.asarray(X_train.sum(axis=1)).ravel()
    else:
        docs = list(texts)
        doc_topic = np.asarray(model.transform(docs), dtype=np.float64)
        lengths = np.asarray(model.doc_term_matrix(docs).sum(axis=1)).ravel()
    return {
        "topic_term_dists": topic_term_distributions(model),
        "doc_topic_dists": doc_topic / doc_topic.sum(axis=1, keepdims=True),
        "doc_lengths": lengths.astype(np.int64),
        "vocab": np.asarray(model.terms_, dtype=object),
        "term_frequency": np.asarray(X_train.sum(axis=0)).ravel().astype(np.int64),
    }
