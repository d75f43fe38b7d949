"""The supervised extension (sNTM): a label layer on the document-topic vector ``ld(d)``.

Cao et al. (2015, section 4) put a label layer on top of ``ld(d)`` and train it jointly
with the ranking hinge, so that topics are shaped by the labels:

- classification: ``p(y | d) = softmax(ld(d) @ W3 + b3)``, cross-entropy;
- multi-label: ``p(y_c | d) = sigmoid(ld(d) @ W3 + b3)_c``, binary cross-entropy;
- regression: ``y_hat(d) = ld(d) @ W3 + b3`` on the standardised target, squared error.

The joint loss of a batch is ``hinge + label_loss_weight * label loss``, the label loss
taken over the batch's distinct documents.

At prediction a new document's ``ld`` comes from fold-in, which sees no label, while
the jointly trained layer saw training vectors that the label loss itself had shaped.
:func:`refit_label_layer` (``label_readout="refit"``, an extension) therefore refits
the layer, after training, on the training documents folded in exactly like new ones,
as an L2-regularised generalised linear model (on ``log ld`` for classification and
multi-label, on ``ld`` for regression; :data:`READOUT_FEATURES`).

This module turns user labels into targets (with one-line errors for bad labels),
holds the layer, its loss, and decodes its outputs.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import scipy.sparse as sp
import torch
from torch import nn

from ..errors import NeurotopicError

TASKS = ("classification", "multilabel", "regression")
LABEL_READOUTS = ("refit", "joint")
#: Inputs of the label layer: ``ld`` itself, or ``log(ld + 1e-6)``.
LABEL_FEATURES = ("linear", "log")
#: Input of a refitted label layer per task: "log" (``log ld``) or "linear" (``ld``).
READOUT_FEATURES = {"classification": "log", "multilabel": "log", "regression": "linear"}
_LOG_FLOOR = 1e-6


@dataclass
class Labels:
    """Targets of the training documents for one task.

    Attributes
    ----------
    task : str
        One of :data:`TASKS`.
    targets : ndarray
        Class ids, shape (D,), int64 (classification); indicator matrix, shape (D, C),
        float32 (multi-label); standardised targets, shape (D,), float32 (regression).
    classes : list
        Class labels in output order (empty for regression).
    mean, scale : float
        Regression standardisation: ``y = mean + scale * y_hat``.
    """

    task: str
    targets: np.ndarray
    classes: list[Any] = field(default_factory=list)
    mean: float = 0.0
    scale: float = 1.0

    @property
    def n_outputs(self) -> int:
        """Units of the label layer."""
        return 1 if self.task == "regression" else len(self.classes)


def _plain(value: Any) -> Any:
    """A numpy scalar as a Python value (JSON-serialisable class labels)."""
    return value.item() if isinstance(value, np.generic) else value


def _check_rare(counts: Counter[Any], what: str) -> None:
    rare = sorted((str(c) for c, n in counts.items() if n < 2))
    if rare:
        shown = ", ".join(repr(r) for r in rare[:3]) + (" ..." if len(rare) > 3 else "")
        raise NeurotopicError(
            f"{what} {shown} occurs in only one document; give every label at least "
            "2 documents or drop it"
        )


def encode_labels(task: str, y: Any, n_docs: int) -> Labels:
    """Validate user labels and turn them into training targets.

    Parameters
    ----------
    task : {"classification", "multilabel", "regression"}
    y : array-like
        Strings or ints of shape (D,) (classification); lists of label sets, or a binary
        indicator matrix of shape (D, C) (multi-label); numbers of shape (D,)
        (regression).
    n_docs : int
        Number of training documents D.

    Returns
    -------
    Labels

    Raises
    ------
    NeurotopicError
        On a missing or mis-sized ``y``, a single class, a label present in only one
        document, or a non-numeric or constant regression target.
    """
    if task not in TASKS:
        raise NeurotopicError(f"task must be None or one of {', '.join(TASKS)}, got {task!r}")
    if y is None:
        raise NeurotopicError(f"task={task!r} needs labels: pass y to fit")
    if sp.issparse(y):
        y = y.toarray()
    n_y = y.shape[0] if hasattr(y, "shape") else len(y)
    if n_y != n_docs:
        raise NeurotopicError(f"got {n_y} labels for {n_docs} documents; give one per document")
    if task == "classification":
        return _encode_classes(np.asarray(y, dtype=object))
    if task == "multilabel":
        return _encode_multilabel(y)
    return _encode_regression(y)


def _encode_classes(y: np.ndarray) -> Labels:
    if y.ndim != 1:
        raise NeurotopicError(
            "classification labels must be one per document (a 1-d list); "
            "for label sets use task='multilabel'"
        )
    for i, value in enumerate(y):
        if value is None or (isinstance(value, str) and not value.strip()):
            raise NeurotopicError(f"document {i} has no label; give every document a label")
        if isinstance(value, list | tuple | set | frozenset):
            raise NeurotopicError(
                f"document {i} has a list of labels; use task='multilabel' for label sets"
            )
    counts = Counter(_plain(v) for v in y)
    if len(counts) < 2:
        raise NeurotopicError(
            f"classification needs at least 2 classes, got only {next(iter(counts))!r}"
        )
    _check_rare(counts, "label")
    classes = sorted(counts, key=lambda c: (str(type(c)), c))
    index = {c: i for i, c in enumerate(classes)}
    targets = np.array([index[_plain(v)] for v in y], dtype=np.int64)
    return Labels("classification", targets, classes)


def _encode_multilabel(y: Any) -> Labels:
    if hasattr(y, "ndim") and np.asarray(y).ndim == 2:
        matrix = np.asarray(y)
        if not np.isin(matrix, (0, 1)).all():
            raise NeurotopicError(
                "a multi-label indicator matrix must hold only 0 and 1; "
                "or pass a list of label sets"
            )
        classes: list[Any] = list(range(matrix.shape[1]))
    else:
        sets = []
        for i, value in enumerate(y):
            if isinstance(value, str) or not isinstance(value, Sequence | set | frozenset):
                raise NeurotopicError(
                    f"document {i}'s labels are {value!r}, not a list; multi-label "
                    "labels are lists of labels (CLI: a JSON list in the label field)"
                )
            sets.append({_plain(v) for v in value})
        classes = sorted(set().union(*sets), key=lambda c: (str(type(c)), c))
        index = {c: j for j, c in enumerate(classes)}
        matrix = np.zeros((len(sets), len(classes)), dtype=np.float32)
        for i, labels in enumerate(sets):
            matrix[i, [index[c] for c in labels]] = 1.0
    counts = Counter({c: int(n) for c, n in zip(classes, matrix.sum(axis=0), strict=True)})
    if sum(1 for n in counts.values() if n > 0) < 2:
        raise NeurotopicError("multi-label needs at least 2 distinct labels in the corpus")
    _check_rare(counts, "label")
    return Labels("multilabel", matrix.astype(np.float32), classes)


def _encode_regression(y: Any) -> Labels:
    values = []
    for i, value in enumerate(y):
        try:
            values.append(float(value))
        except (TypeError, ValueError):
            raise NeurotopicError(
                f"regression target of document {i} is {value!r}, not a number; "
                "give a numeric target for every document"
            ) from None
    target = np.asarray(values, dtype=np.float64)
    if not np.isfinite(target).all():
        i = int(np.flatnonzero(~np.isfinite(target))[0])
        raise NeurotopicError(f"regression target of document {i} is {target[i]}; give a number")
    with np.errstate(over="ignore", invalid="ignore"):
        scale, mean = float(target.std()), float(target.mean())
    if not (np.isfinite(scale) and np.isfinite(mean) and np.abs(target).max() < 1e150):
        raise NeurotopicError(
            "the regression target's values are too large to standardise (up to "
            f"{np.abs(target).max():.3g}); rescale them, for example to thousands or logs"
        )
    if scale == 0:
        raise NeurotopicError("the regression target is the same for every document")
    return Labels("regression", ((target - mean) / scale).astype(np.float32), [], mean, scale)


class LabelLayer(nn.Module):
    """The sNTM label layer ``ld @ W3 + b3``, zero-initialised.

    Parameters
    ----------
    n_topics : int
    n_outputs : int
    """

    def __init__(self, n_topics: int, n_outputs: int) -> None:
        super().__init__()
        self.weight = nn.Parameter(torch.zeros(n_topics, n_outputs))  # W3, (K, C)
        self.bias = nn.Parameter(torch.zeros(n_outputs))  # b3, (C,)

    def forward(self, doc_topic: torch.Tensor) -> torch.Tensor:
        """Raw outputs of shape (n, C) from ``ld`` of shape (n, K)."""
        return doc_topic @ self.weight + self.bias


def label_loss(task: str, outputs: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
    """Mean loss of the label layer's outputs (n, C) against targets (see module doc)."""
    if task == "classification":
        return nn.functional.cross_entropy(outputs, targets)
    if task == "multilabel":
        return nn.functional.binary_cross_entropy_with_logits(outputs, targets)
    return nn.functional.mse_loss(outputs[:, 0], targets)


def label_features(doc_topic: np.ndarray, features: str = "linear") -> np.ndarray:
    """The label layer's input from ``ld``: ``ld`` itself or ``log(ld + 1e-6)``."""
    if features == "log":
        return np.log(np.asarray(doc_topic, dtype=np.float64) + _LOG_FLOOR)
    return np.asarray(doc_topic)


def output_scores(
    task: str,
    doc_topic: np.ndarray,
    weight: np.ndarray,
    bias: np.ndarray,
    features: str = "linear",
) -> np.ndarray:
    """Probabilities (classification, multi-label) or standardised predictions (regression).

    Parameters
    ----------
    doc_topic : ndarray of shape (n, K)
    weight : ndarray of shape (K, C)
    bias : ndarray of shape (C,)
    features : {"linear", "log"}
        The layer's input (:func:`label_features`).

    Returns
    -------
    ndarray of shape (n, C)
    """
    z = label_features(doc_topic, features) @ weight + bias
    if task == "classification":
        z = z - z.max(axis=1, keepdims=True)
        e = np.exp(z)
        return np.asarray(e / e.sum(axis=1, keepdims=True))
    if task == "multilabel":
        return np.asarray(1.0 / (1.0 + np.exp(-z)))
    return np.asarray(z)


def refit_label_layer(
    task: str,
    doc_topic: np.ndarray,
    targets: np.ndarray,
    *,
    features: str,
    C: float = 10.0,
    max_iter: int = 500,
) -> tuple[np.ndarray, np.ndarray]:
    """Fit the label layer alone on fixed document-topic vectors (L-BFGS, float64).

    Minimises ``sum_d loss(d) / n + ||W3||^2 / (2 C n)``: multinomial logistic
    regression (classification), one logistic regression per label (multi-label) or
    ridge regression (regression), which is scikit-learn's objective for the same C.

    Parameters
    ----------
    task : {"classification", "multilabel", "regression"}
    doc_topic : ndarray of shape (n, K)
        ``ld`` of the training documents (folded in, for ``label_readout="refit"``).
    targets : ndarray
        :attr:`Labels.targets`: class ids (n,), an indicator matrix (n, C) or
        standardised numbers (n,).
    features : {"linear", "log"}
        The layer's input (:func:`label_features`).
    C : float
        Inverse L2 strength.
    max_iter : int
        L-BFGS iterations at most.

    Returns
    -------
    weight : ndarray of shape (K, C_out), float32
    bias : ndarray of shape (C_out,), float32

    Examples
    --------
    Two topics that separate two classes:

    >>> ld = np.array([[0.9, 0.1], [0.8, 0.2], [0.1, 0.9], [0.2, 0.8]])
    >>> w, b = refit_label_layer("classification", ld, np.array([0, 0, 1, 1]), features="log")
    >>> output_scores("classification", ld, w, b, "log").argmax(axis=1)
    array([0, 0, 1, 1])
    """
    x = torch.from_numpy(np.ascontiguousarray(label_features(doc_topic, features), np.float64))
    n = x.shape[0]
    if task == "classification":
        y = torch.from_numpy(np.asarray(targets, dtype=np.int64))
        n_out = int(y.max()) + 1
    else:
        y = torch.from_numpy(np.asarray(targets, dtype=np.float64))
        n_out = 1 if task == "regression" else y.shape[1]
    weight = torch.zeros(x.shape[1], n_out, dtype=torch.float64, requires_grad=True)
    bias = torch.zeros(n_out, dtype=torch.float64, requires_grad=True)
    optimiser = torch.optim.LBFGS(
        [weight, bias], max_iter=max_iter, line_search_fn="strong_wolfe", tolerance_grad=1e-9
    )

    def closure() -> torch.Tensor:
        optimiser.zero_grad()
        z = x @ weight + bias
        if task == "classification":
            loss = nn.functional.cross_entropy(z, y)
        elif task == "multilabel":
            loss = nn.functional.binary_cross_entropy_with_logits(z, y, reduction="sum") / n
        else:
            loss = nn.functional.mse_loss(z[:, 0], y)
        loss = loss + (weight * weight).sum() / (2.0 * C * n)
        loss.backward()
        return loss

    optimiser.step(closure)
    return (
        weight.detach().numpy().astype(np.float32),
        bias.detach().numpy().astype(np.float32),
    )


def labels_meta(labels: Labels, features: str = "linear") -> dict[str, Any]:
    """What a saved model keeps of its labels (JSON): task, classes, standardisation
    and the label layer's input (``features``)."""
    return {
        "task": labels.task,
        "classes": [_plain(c) for c in labels.classes],
        "mean": labels.mean,
        "scale": labels.scale,
        "features": features,
    }


def indicator(y: Any, classes: Sequence[Any]) -> np.ndarray:
    """Multi-label ``y`` (label sets or an indicator matrix) as a (n, C) 0/1 matrix."""
    if sp.issparse(y):
        y = y.toarray()
    if hasattr(y, "ndim") and np.asarray(y).ndim == 2:
        return np.asarray(y).astype(np.int64)
    index = {c: j for j, c in enumerate(classes)}
    out = np.zeros((len(y), len(classes)), dtype=np.int64)
    for i, value in enumerate(y):
        for c in value:
            if _plain(c) in index:
                out[i, index[_plain(c)]] = 1
    return out


def decode(task: str, scores: np.ndarray, classes: np.ndarray, mean: float, scale: float) -> Any:
    """Predictions from :func:`output_scores`: class labels (n,), a 0/1 indicator
    matrix (n, C) (multi-label: probability >= 0.5) or numbers (n,) (regression)."""
    if task == "classification":
        return classes[scores.argmax(axis=1)]
    if task == "multilabel":
        return (scores >= 0.5).astype(np.int64)
    return mean + scale * scores[:, 0]
