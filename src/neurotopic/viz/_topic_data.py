"""The numbers behind the charts: topic distances, map positions, slider candidates.

Pure functions of a fitted model, shared by :mod:`neurotopic.plot`,
:mod:`neurotopic.report` and :mod:`neurotopic.export`.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
from scipy.special import xlogy
from sklearn.utils.validation import check_is_fitted

from .._params import check_labels, check_top_n
from ..errors import NeurotopicError
from ..model.readout import MAX_RELEVANCE, relevance

if TYPE_CHECKING:
    from ..estimator import NeuralTopicModel

#: Most labels shown in a label x topic heatmap (the most frequent ones).
MAX_LABELS = 30
_EPS = 1e-12


def topic_term_distributions(model: NeuralTopicModel) -> np.ndarray:
    """``beta``: each topic's distribution over the terms, shape (n_topics, n_terms).

    The model's ``topic_term_``: ``components_`` for the "background" and "data"
    readouts; for "embedding", the data readout's
    (:func:`neurotopic.readout.topic_term_distributions`).  Rows sum to 1.
    """
    check_is_fitted(model, "components_")
    return np.asarray(model.topic_term_, dtype=np.float64)


def topic_distances(beta: np.ndarray) -> np.ndarray:
    """Jensen-Shannon distances (base 2, in [0, 1]) between the rows of ``beta``.

    ``JSD(p, q) = sqrt(0.5 KL(p || m) + 0.5 KL(q || m))`` with ``m = (p + q) / 2``.

    Parameters
    ----------
    beta : ndarray of shape (n_topics, n_terms)
        Rows are distributions.

    Returns
    -------
    ndarray of shape (n_topics, n_topics)
        Symmetric, zero on the diagonal.

    Examples
    --------
    >>> topic_distances(np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 0.0]])).round(3)
    array([[0., 1., 0.],
           [1., 0., 1.],
           [0., 1., 0.]])
    """
    beta = np.asarray(beta, dtype=np.float64)
    n = len(beta)
    out = np.zeros((n, n))
    for i in range(n):
        m = 0.5 * (beta[i] + beta)  # (K, V)
        kl_i = (xlogy(beta[i], beta[i]) - xlogy(beta[i], m)).sum(axis=1)
        kl_j = (xlogy(beta, beta) - xlogy(beta, m)).sum(axis=1)
        out[i] = np.sqrt(np.maximum(0.5 * (kl_i + kl_j) / np.log(2.0), 0.0))
    out = 0.5 * (out + out.T)
    np.fill_diagonal(out, 0.0)
    return np.asarray(np.minimum(out, 1.0))


def classical_mds(distances: np.ndarray, n_components: int = 2) -> np.ndarray:
    """Principal coordinates of a distance matrix (classical MDS), shape (n, n_components).

    Double-centres ``-D**2 / 2`` and keeps the leading eigenvectors scaled by the square
    root of their eigenvalues. Each axis's sign is fixed so that its largest coordinate
    (in absolute value) is positive: the same distances always give the same picture.
    """
    d2 = np.asarray(distances, dtype=np.float64) ** 2
    n = len(d2)
    centre = np.eye(n) - 1.0 / n
    b = -0.5 * centre @ d2 @ centre
    values, vectors = np.linalg.eigh(b)
    order = np.argsort(values)[::-1][:n_components]
    coords = vectors[:, order] * np.sqrt(np.maximum(values[order], 0.0))
    if coords.shape[1] < n_components:
        coords = np.hstack([coords, np.zeros((n, n_components - coords.shape[1]))])
    for j in range(n_components):
        if coords[np.abs(coords[:, j]).argmax(), j] < 0:
            coords[:, j] *= -1
    return np.asarray(coords)


def topic_coordinates(model: NeuralTopicModel) -> np.ndarray:
    """Map positions of the topics, shape (n_topics, 2): MDS of Jensen-Shannon distances."""
    return classical_mds(topic_distances(topic_term_distributions(model)))


def topic_similarity(model: NeuralTopicModel) -> np.ndarray:
    """``1 - Jensen-Shannon distance`` between topics, shape (n_topics, n_topics), in [0, 1]."""
    return 1.0 - topic_distances(topic_term_distributions(model))


def relevance_expression(lam: str) -> str:
    """:func:`neurotopic.readout.relevance` as a Vega expression over a term row.

    ``lam * log_beta + (1 - lam) * (log_beta - log_p)``, where ``lam`` names a signal.
    """
    return f"{lam} * datum.log_beta + (1 - {lam}) * (datum.log_beta - datum.log_p)"


def term_rows(
    model: NeuralTopicModel, top_n: int = 30, lambda_step: float = 0.01
) -> list[dict[str, Any]]:
    """Each topic's candidate terms for the relevance slider, one row per (topic, term).

    A term is a candidate for topic k when it is among k's ``top_n + 5`` most relevant
    terms at some lambda of the grid ``0, lambda_step, ..., 2`` (the slider's range), so
    re-ranking the candidates in the browser gives the same top ``top_n`` as
    :func:`neurotopic.readout.relevance` over the whole vocabulary (LDAvis does the same).

    Returns
    -------
    list of dict
        Keys ``topic``, ``id`` (term column), ``term``, ``log_beta`` (log p(term | topic)),
        ``log_p`` (log p(term)), ``p_topic``, ``freq`` (count in the training corpus) and
        ``topic_freq`` (estimated count within the topic).
    """
    check_top_n(top_n)
    beta = topic_term_distributions(model)  # (K, V)
    term_prob = np.asarray(model.term_prob_, dtype=np.float64)  # (V,)
    X = model.X_train_
    freq = np.asarray(X.sum(axis=0)).ravel()  # (V,)
    topic_tokens = model.doc_topic_.T @ np.asarray(X.sum(axis=1)).ravel()  # (K,)
    n_terms = beta.shape[1]
    keep = min(top_n + 5, n_terms)
    candidates = np.zeros(beta.shape, dtype=bool)
    rows_k = np.arange(len(beta))[:, None]
    for lam in np.linspace(0.0, MAX_RELEVANCE, round(MAX_RELEVANCE / lambda_step) + 1):
        scores = relevance(beta, term_prob, float(lam))
        top = np.argpartition(-scores, keep - 1, axis=1)[:, :keep] if keep < n_terms else None
        if top is None:
            candidates[:] = True
            break
        candidates[rows_k, top] = True
    candidates &= beta > _EPS
    rows = []
    for k, g in zip(*np.nonzero(candidates), strict=True):
        rows.append(
            {
                "topic": int(k),
                "id": int(g),
                "term": model.terms_[g],
                "log_beta": round(float(np.log(beta[k, g])), 6),
                "log_p": round(float(np.log(max(term_prob[g], _EPS))), 6),
                "p_topic": round(float(beta[k, g]), 6),
                "freq": int(freq[g]),
                "topic_freq": round(float(min(beta[k, g] * topic_tokens[k], freq[g])), 1),
            }
        )
    return rows


def _label_list(label: Any) -> list[Any]:
    if label is None:
        return []
    if isinstance(label, list | tuple | set | frozenset):
        return list(label)
    return [label]


def label_topic_matrix(
    model: NeuralTopicModel,
    texts: Sequence[str] | None = None,
    labels: Sequence[Any] | None = None,
    *,
    doc_topic: np.ndarray | None = None,
) -> tuple[list[str], np.ndarray, str]:
    """Rows of a label x topic heatmap.

    With ``labels``, the mean ``p(topic | document)`` of each label's documents (a
    document with several labels counts for each; the :data:`MAX_LABELS` most frequent
    labels are kept). Without, a supervised model's ``label_weight_`` transposed.

    Parameters
    ----------
    model : NeuralTopicModel
    texts : sequence of str, optional
        The labelled documents; folded in with ``transform`` unless ``doc_topic`` is given.
    labels : sequence, optional
        One label (or a list of labels) per document.
    doc_topic : ndarray of shape (n_docs, n_topics), optional
        Precomputed topic distributions of ``texts``.

    Returns
    -------
    names : list of str
        Row names (labels, classes or outputs).
    matrix : ndarray of shape (n_rows, n_topics)
    what : str
        What a cell is: ``"mean p(topic | document)"`` or ``"label weight"``.
    """
    if labels is not None:
        if doc_topic is None:
            check_labels(None if texts is None else len(texts), labels)
            assert texts is not None  # checked above
            doc_topic = model.transform(texts)
        else:
            check_labels(len(doc_topic), labels, "documents")
        counts = Counter(str(v) for label in labels for v in _label_list(label))
        if not counts:
            raise NeurotopicError("every label is empty; pass documents with labels")
        names = sorted(name for name, _ in counts.most_common(MAX_LABELS))
        index = {name: i for i, name in enumerate(names)}
        sums = np.zeros((len(names), doc_topic.shape[1]))
        for row, label in zip(doc_topic, labels, strict=True):
            for v in _label_list(label):
                if str(v) in index:
                    sums[index[str(v)]] += row
        sizes = np.array([counts[name] for name in names], dtype=np.float64)
        return names, sums / sizes[:, None], "mean p(topic | document)"
    weights = getattr(model, "label_weight_", None)
    if weights is None:
        raise NeurotopicError(
            "a label x topic heatmap needs labels (texts and labels) or a supervised model"
        )
    weights = np.asarray(weights, dtype=np.float64).reshape(model.n_topics, -1)  # (K, n_out)
    classes = getattr(model, "classes_", None)
    if classes is not None and len(classes) == weights.shape[1]:
        names = [str(c) for c in classes]
    elif weights.shape[1] == 1:
        names = ["target"]
    else:
        names = [f"output {i}" for i in range(weights.shape[1])]
    return names, weights.T, "label weight"
