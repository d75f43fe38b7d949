"""Supervised tasks: classification, multi-label and regression, one object each.

A :class:`Task` says how user labels become training targets (with one-line errors for
bad labels), the label layer's loss, how its outputs are reported and decoded, and how
predictions are scored.  :data:`TASK_TYPES` holds one of each by name, and
:func:`get_task` looks one up, so no other module compares task names.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar

import numpy as np
import scipy.sparse as sp
import torch
from sklearn.metrics import accuracy_score, r2_score
from torch import nn

from ..errors import NeurotopicError

TASKS = ("classification", "multilabel", "regression")


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
        return get_task(self.task).n_outputs(len(self.classes))


def plain_label(value: Any) -> Any:
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
    kind = get_task(task)
    if y is None:
        raise NeurotopicError(f"task={task!r} needs labels: pass y to fit")
    if sp.issparse(y):
        y = y.toarray()
    n_y = y.shape[0] if hasattr(y, "shape") else len(y)
    if n_y != n_docs:
        raise NeurotopicError(f"got {n_y} labels for {n_docs} documents; give one per document")
    return kind.encode(y)


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
    counts = Counter(plain_label(v) for v in y)
    if len(counts) < 2:
        raise NeurotopicError(
            f"classification needs at least 2 classes, got only {next(iter(counts))!r}"
        )
    _check_rare(counts, "label")
    classes = sorted(counts, key=lambda c: (str(type(c)), c))
    index = {c: i for i, c in enumerate(classes)}
    targets = np.array([index[plain_label(v)] for v in y], dtype=np.int64)
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
            sets.append({plain_label(v) for v in value})
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
            if plain_label(c) in index:
                out[i, index[plain_label(c)]] = 1
    return out


# ---------------------------------------------------------------------- tasks
class Task:
    """One supervised task: its targets, loss, outputs, decoding and score.

    Attributes
    ----------
    name : str
        The ``task`` parameter's value.
    readout_features : {"linear", "log"}
        Input of a refitted label layer (``label_readout="refit"``).
    has_proba : bool
        Whether its outputs are probabilities (``predict_proba``), and its labels
        categories.
    reads_label_sets : bool
        Whether a document's labels are a set (a JSON list in a corpus file).
    """

    name: ClassVar[str]
    readout_features: ClassVar[str] = "log"
    has_proba: ClassVar[bool] = True
    reads_label_sets: ClassVar[bool] = False

    def prediction_text(self, predicted: Any, classes: Sequence[str]) -> str:
        """One document's prediction as a CSV cell."""
        return str(predicted)

    def encode(self, y: Any) -> Labels:
        """User labels (already checked to be one per document) as :class:`Labels`."""
        raise NotImplementedError

    def n_outputs(self, n_classes: int) -> int:
        """Units of the label layer."""
        return n_classes

    def loss(self, outputs: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
        """Mean loss of raw outputs (n, C) against targets, in training."""
        raise NotImplementedError

    def refit_targets(self, targets: np.ndarray) -> tuple[torch.Tensor, int]:
        """Targets as float64 tensors for :func:`refit_label_layer`, and the outputs."""
        y = torch.from_numpy(np.asarray(targets, dtype=np.float64))
        return y, int(y.shape[1])

    def refit_loss(self, z: torch.Tensor, y: torch.Tensor, n: int) -> torch.Tensor:
        """The data term of :func:`refit_label_layer`'s objective."""
        return self.loss(z, y)

    def outputs(self, z: np.ndarray) -> np.ndarray:
        """Raw outputs (n, C) as the task reports them."""
        raise NotImplementedError

    def decode(self, scores: np.ndarray, classes: np.ndarray, mean: float, scale: float) -> Any:
        """Predictions from :meth:`outputs`."""
        raise NotImplementedError

    def score(self, y: Any, predicted: np.ndarray, classes: Sequence[Any]) -> float:
        """scikit-learn's ``score`` of the predictions against ``y``."""
        raise NotImplementedError


class Classification(Task):
    """One class per document: softmax outputs, cross-entropy, accuracy."""

    name = "classification"

    def encode(self, y: Any) -> Labels:
        return _encode_classes(np.asarray(y, dtype=object))

    def loss(self, outputs: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
        return nn.functional.cross_entropy(outputs, targets)

    def refit_targets(self, targets: np.ndarray) -> tuple[torch.Tensor, int]:
        y = torch.from_numpy(np.asarray(targets, dtype=np.int64))
        return y, int(y.max()) + 1

    def outputs(self, z: np.ndarray) -> np.ndarray:
        z = z - z.max(axis=1, keepdims=True)
        e = np.exp(z)
        return np.asarray(e / e.sum(axis=1, keepdims=True))

    def decode(self, scores: np.ndarray, classes: np.ndarray, mean: float, scale: float) -> Any:
        return classes[scores.argmax(axis=1)]

    def score(self, y: Any, predicted: np.ndarray, classes: Sequence[Any]) -> float:
        return float(accuracy_score(np.asarray(y, dtype=object), predicted.astype(object)))


class MultiLabel(Task):
    """A set of labels per document: independent sigmoids, binary cross-entropy, subset
    accuracy."""

    name = "multilabel"
    reads_label_sets = True

    def prediction_text(self, predicted: Any, classes: Sequence[str]) -> str:
        return "|".join(c for c, on in zip(classes, predicted, strict=True) if on)

    def encode(self, y: Any) -> Labels:
        return _encode_multilabel(y)

    def loss(self, outputs: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
        return nn.functional.binary_cross_entropy_with_logits(outputs, targets)

    def refit_loss(self, z: torch.Tensor, y: torch.Tensor, n: int) -> torch.Tensor:
        return nn.functional.binary_cross_entropy_with_logits(z, y, reduction="sum") / n

    def outputs(self, z: np.ndarray) -> np.ndarray:
        return np.asarray(1.0 / (1.0 + np.exp(-z)))

    def decode(self, scores: np.ndarray, classes: np.ndarray, mean: float, scale: float) -> Any:
        return (scores >= 0.5).astype(np.int64)

    def score(self, y: Any, predicted: np.ndarray, classes: Sequence[Any]) -> float:
        return float(accuracy_score(indicator(y, list(classes)), predicted))


class Regression(Task):
    """A number per document: a linear output on the standardised target, squared
    error, R^2."""

    name = "regression"
    readout_features = "linear"
    has_proba = False

    def prediction_text(self, predicted: Any, classes: Sequence[str]) -> str:
        return f"{float(predicted):.6g}"

    def encode(self, y: Any) -> Labels:
        return _encode_regression(y)

    def n_outputs(self, n_classes: int) -> int:
        return 1

    def loss(self, outputs: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
        return nn.functional.mse_loss(outputs[:, 0], targets)

    def refit_targets(self, targets: np.ndarray) -> tuple[torch.Tensor, int]:
        return torch.from_numpy(np.asarray(targets, dtype=np.float64)), 1

    def outputs(self, z: np.ndarray) -> np.ndarray:
        return np.asarray(z)

    def decode(self, scores: np.ndarray, classes: np.ndarray, mean: float, scale: float) -> Any:
        return mean + scale * scores[:, 0]

    def score(self, y: Any, predicted: np.ndarray, classes: Sequence[Any]) -> float:
        return float(r2_score(np.asarray(y, dtype=np.float64), predicted))


#: Every task by name.
TASK_TYPES: dict[str, Task] = {
    task.name: task for task in (Classification(), MultiLabel(), Regression())
}
#: Input of a refitted label layer per task: "log" (``log ld``) or "linear" (``ld``).
READOUT_FEATURES = {name: task.readout_features for name, task in TASK_TYPES.items()}


def get_task(name: str) -> Task:
    """The task object of ``name`` (one of :data:`TASKS`)."""
    try:
        return TASK_TYPES[name]
    except KeyError:
        raise NeurotopicError(
            f"task must be None or one of {', '.join(TASKS)}, got {name!r}"
        ) from None
