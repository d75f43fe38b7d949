"""One evaluation protocol for every topic model (neurotopic's and LDA's alike).

The same reference documents, tokenisation, top-N and classifier are used for every
model, so figures from :func:`evaluate_topics` are comparable across models.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from ..text.text import Document, normalize_tokens, tokenize
from .classification import doc_topic_accuracy, doc_topic_multilabel_f1, is_multilabel
from .coherence import c_v, npmi
from .topic_overlap import diversity


def reference_tokens(
    texts: Sequence[Document], tokenizer: Callable[[Document], list[str]] | None = None
) -> list[list[str]]:
    """Reference documents for coherence: every normalised token, in reading order.

    Stop words are kept so that a multi-word term is found exactly where its words
    are contiguous in the text.

    Parameters
    ----------
    texts : sequence of str, or of lists of str
        Raw documents or their tokens.
    tokenizer : callable, optional
        The model's tokenizer (``NeuralTopicModel.analyzer_.tokens``), so that the
        reference has the model's words in any language; default :func:`tokenize`
        for raw text.
    """
    if tokenizer is not None:
        return [tokenizer(t) for t in texts]
    return [tokenize(t) if isinstance(t, str) else normalize_tokens(t) for t in texts]


def evaluate_topics(
    topics: Sequence[Sequence[str]],
    reference: Sequence[Sequence[str]],
    *,
    doc_topic: np.ndarray | None = None,
    labels: Sequence[Any] | np.ndarray | None = None,
    random_state: int = 0,
) -> dict[str, Any]:
    """Coherence, diversity and (with labels) document-topic accuracy.

    Parameters
    ----------
    topics : sequence of sequence of str
        Each topic's terms, best first (at least 25 for diversity; 10 are scored for
        coherence).
    reference : sequence of sequence of str
        Reference documents as token lists (see :func:`reference_tokens`).
    doc_topic : ndarray of shape (n_docs, n_topics), optional
        Document-topic vectors of the labelled documents, scored exactly as given (the
        caller chooses the rows: a model's training rows, or fold-in rows of new text).
    labels : sequence, optional
        One label per row of ``doc_topic``; or, for multi-label data, one list of labels
        per row (or a binary indicator matrix, see
        :func:`neurotopic.metrics.is_multilabel`).
    random_state : int
        Seed of the 80/20 split of the accuracy measure.

    Returns
    -------
    dict
        ``npmi`` (document co-occurrence NPMI of the top 10, mean over topics), ``c_v``
        (gensim's C_V of the top 10), ``diversity`` (unique share of the top 25),
        ``topic_quality`` (npmi x diversity, as in ETM) and, with labels, ``accuracy`` and
        ``macro_f1`` of logistic regression on the document-topic vectors
        (:func:`~neurotopic.metrics.doc_topic_accuracy`); with label sets, ``micro_f1``
        and ``macro_f1`` of one-vs-rest logistic regressions instead
        (:func:`~neurotopic.metrics.doc_topic_multilabel_f1`).
    """
    top10 = [list(t[:10]) for t in topics]
    result: dict[str, Any] = {
        "npmi": float(np.mean(npmi(top10, reference, top_n=10))),
        "c_v": float(np.mean(c_v(top10, reference, top_n=10))),
        "diversity": float(diversity(topics, top_n=25)),
    }
    result["topic_quality"] = result["npmi"] * result["diversity"]
    if labels is not None and doc_topic is not None:
        if is_multilabel(labels):
            result.update(doc_topic_multilabel_f1(doc_topic, labels, random_state=random_state))
        else:
            scores = doc_topic_accuracy(doc_topic, labels, random_state=random_state)
            result["accuracy"] = scores["accuracy"]
            result["macro_f1"] = scores["macro_f1"]
    return result
