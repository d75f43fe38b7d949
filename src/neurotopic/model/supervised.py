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

Each task is an object of :mod:`neurotopic.model.tasks`: how it encodes user labels
into targets, its loss, its outputs, its decoding and its score.  This module holds the
layer and the functions that apply a task's rules to it.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch
from torch import nn

from .tasks import READOUT_FEATURES as READOUT_FEATURES
from .tasks import TASKS as TASKS
from .tasks import Labels as Labels
from .tasks import encode_labels as encode_labels
from .tasks import get_task, plain_label
from .tasks import indicator as indicator

LABEL_READOUTS = ("refit", "joint")
#: Inputs of the label layer: ``ld`` itself, or ``log(ld + 1e-6)``.
LABEL_FEATURES = ("linear", "log")
_LOG_FLOOR = 1e-6


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
    return get_task(task).loss(outputs, targets)


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
    return get_task(task).outputs(z)


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
    kind = get_task(task)
    y, n_out = kind.refit_targets(targets)
    weight = torch.zeros(x.shape[1], n_out, dtype=torch.float64, requires_grad=True)
    bias = torch.zeros(n_out, dtype=torch.float64, requires_grad=True)
    optimiser = torch.optim.LBFGS(
        [weight, bias], max_iter=max_iter, line_search_fn="strong_wolfe", tolerance_grad=1e-9
    )

    def closure() -> torch.Tensor:
        optimiser.zero_grad()
        loss = kind.refit_loss(x @ weight + bias, y, n) + (weight * weight).sum() / (2.0 * C * n)
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
        "classes": [plain_label(c) for c in labels.classes],
        "mean": labels.mean,
        "scale": labels.scale,
        "features": features,
    }


def decode(task: str, scores: np.ndarray, classes: np.ndarray, mean: float, scale: float) -> Any:
    """Predictions from :func:`output_scores`: class labels (n,), a 0/1 indicator
    matrix (n, C) (multi-label: probability >= 0.5) or numbers (n,) (regression)."""
    return get_task(task).decode(scores, classes, mean, scale)
