"""Supervised read-outs of a topic model: classifiers on document-topic vectors
(:func:`doc_topic_accuracy`, :func:`doc_topic_multilabel_f1`) and the pairwise
:func:`ranking_accuracy` of scores.

Public through :mod:`neurotopic.evaluation.metrics`.  scikit-learn is imported only when a
classifier is fitted.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Sequence

import numpy as np

from ..errors import NeurotopicError
from ._checks import check_int

#: The feature transforms :func:`doc_topic_accuracy` accepts.
ACCURACY_FEATURES: tuple[str, ...] = ("probabilities", "log", "raw")

#: Added to theta before the log in :func:`doc_topic_accuracy` with ``features="log"``.
LOG_FEATURE_EPSILON = 1e-10


def _check_split(
    doc_topic: object, test_size: object, random_state: object
) -> tuple[np.ndarray, int]:
    """Check a classifier read-out's inputs: the (n_docs, n_topics) rows and the split."""
    if isinstance(test_size, bool) or not isinstance(test_size, float | int | np.floating):
        raise NeurotopicError(f"test_size must be a float in (0, 1), got {test_size!r}")
    if not 0.0 < float(test_size) < 1.0:
        raise NeurotopicError(f"test_size must be in (0, 1), got {test_size}; e.g. 0.2")
    seed = check_int(random_state, "random_state", 0)
    theta = np.asarray(doc_topic, dtype=np.float64)
    if theta.ndim != 2 or theta.shape[0] == 0 or theta.shape[1] == 0:
        raise NeurotopicError(
            f"doc_topic must be a non-empty 2-D array (n_docs, n_topics), got shape "
            f"{theta.shape}; pass the document-topic matrix"
        )
    if not np.all(np.isfinite(theta)):
        raise NeurotopicError("doc_topic has NaN or infinite values; check the model's output")
    return theta, seed


def doc_topic_accuracy(
    doc_topic: np.ndarray,
    labels: Sequence[Hashable] | np.ndarray,
    *,
    test_size: float = 0.2,
    random_state: int = 0,
    features: str = "probabilities",
) -> dict[str, float]:
    r"""Accuracy and macro-F1 of a logistic regression on document-topic vectors.

    The documents are split into train and test sets stratified by label
    (``sklearn.model_selection.train_test_split`` with ``test_size`` and
    ``random_state``).  Features are

    * ``"probabilities"`` (default): :math:`x = \theta`, exactly as the model returned
      it (no transform, no scaling): what a user's ``LogisticRegression().fit(theta, y)``
      sees, so a model whose rows hide their information in tiny probabilities scores
      low, as it would for the user;
    * ``"log"``: :math:`x = \log(\theta + 10^{-10})`, then standardised;
    * ``"raw"``: :math:`x = \theta`, then standardised,

    the standardising ``StandardScaler`` fitted on the training rows.  A multinomial
    ``LogisticRegression(C=1.0, max_iter=1000)`` (lbfgs) is fitted on the training rows
    and scored on the test rows:

    .. math::

        \mathrm{accuracy} = \frac{1}{n_\mathrm{test}} \sum_d [\hat y_d = y_d], \qquad
        \mathrm{macro\_F1} = \frac{1}{C} \sum_{c=1}^{C}
            \frac{2\,\mathrm{P}_c \mathrm{R}_c}{\mathrm{P}_c + \mathrm{R}_c}.

    Parameters
    ----------
    doc_topic : ndarray of shape (n_docs, K)
        Topic proportions theta of each document (non-negative for ``"log"``).
    labels : sequence or ndarray of hashable, length n_docs
        Class of each document (str or int, sortable).
    test_size : float
        Share of documents in the test set, in (0, 1).
    random_state : int
        Seed of the split.
    features : {"probabilities", "log", "raw"}
        Feature transform, see above.

    Returns
    -------
    dict
        ``{"accuracy": float, "macro_f1": float}``, both in [0, 1].

    Raises
    ------
    NeurotopicError
        If shapes disagree, values are not finite (or negative with ``"log"``), there are
        fewer than 2 classes, a class has fewer than 2 documents, the split leaves fewer
        documents than classes on one side, or an argument is out of range.

    Examples
    --------
    Two classes whose documents are dominated by different topics are perfectly separated.

    >>> theta = np.array([[0.9, 0.1], [0.8, 0.2], [0.7, 0.3], [0.95, 0.05], [0.85, 0.15],
    ...                   [0.1, 0.9], [0.2, 0.8], [0.3, 0.7], [0.05, 0.95], [0.15, 0.85]])
    >>> labels = ["sport"] * 5 + ["tech"] * 5
    >>> doc_topic_accuracy(theta, labels, test_size=0.4)
    {'accuracy': 1.0, 'macro_f1': 1.0}
    """
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import accuracy_score, f1_score
    from sklearn.model_selection import train_test_split
    from sklearn.preprocessing import StandardScaler

    if features not in ACCURACY_FEATURES:
        raise NeurotopicError(
            f"features must be one of {', '.join(ACCURACY_FEATURES)}, got {features!r}; pick one"
        )
    theta, random_state = _check_split(doc_topic, test_size, random_state)
    if features == "log" and theta.min() < 0:
        raise NeurotopicError(
            f"doc_topic has a negative value ({theta.min():.3g}) but features='log' needs "
            "proportions >= 0; pass topic proportions or use features='raw'"
        )
    if isinstance(labels, str | bytes):
        raise NeurotopicError("labels must be a sequence with one label per document")
    y = np.asarray(list(labels))
    if y.ndim != 1 or y.shape[0] != theta.shape[0]:
        raise NeurotopicError(
            f"labels has {y.shape[0] if y.ndim else 0} entries but doc_topic has "
            f"{theta.shape[0]} rows; pass one label per document"
        )
    try:
        classes, counts = np.unique(y, return_counts=True)
    except TypeError as error:
        raise NeurotopicError(
            "labels are not mutually comparable (mixed types?); pass all str or all int labels"
        ) from error
    if len(classes) < 2:
        raise NeurotopicError(
            f"labels have {len(classes)} distinct class(es) but classification needs at "
            "least 2; pass labelled documents of several classes"
        )
    if counts.min() < 2:
        rare = classes[int(np.argmin(counts))]
        rare = rare.item() if isinstance(rare, np.generic) else rare
        raise NeurotopicError(
            f"label {rare!r} has only {counts.min()} document but a stratified split "
            "needs at least 2 per class; drop that class or add documents"
        )
    n_docs, n_classes = theta.shape[0], len(classes)
    n_test = math.ceil(float(test_size) * n_docs)
    if n_test < n_classes or n_docs - n_test < n_classes:
        raise NeurotopicError(
            f"test_size={test_size} splits {n_docs} documents into {n_docs - n_test} train "
            f"and {n_test} test, but each side needs at least one per class ({n_classes}); "
            "change test_size or add documents"
        )

    x = np.log(theta + LOG_FEATURE_EPSILON) if features == "log" else theta
    x_train, x_test, y_train, y_test = train_test_split(
        x, y, test_size=float(test_size), random_state=random_state, stratify=y
    )
    if features != "probabilities":
        scaler = StandardScaler().fit(x_train)
        x_train, x_test = scaler.transform(x_train), scaler.transform(x_test)
    model = LogisticRegression(C=1.0, max_iter=1000)
    model.fit(x_train, y_train)
    predicted = model.predict(x_test)
    return {
        "accuracy": float(accuracy_score(y_test, predicted)),
        "macro_f1": float(f1_score(y_test, predicted, average="macro")),
    }


def is_multilabel(labels: object) -> bool:
    """Whether ``labels`` are label sets (multi-label) rather than one label per document.

    Label sets are lists, tuples, sets or frozensets of labels, one per document, or a
    2-D binary indicator array of shape (n_docs, n_classes).

    Examples
    --------
    >>> is_multilabel([["sport", "long"], ["tech"]]), is_multilabel(["sport", "tech"])
    (True, False)
    """
    if isinstance(labels, np.ndarray):
        return labels.ndim == 2
    if isinstance(labels, str | bytes) or not isinstance(labels, Sequence):
        return False
    return len(labels) > 0 and all(
        isinstance(v, list | tuple | set | frozenset | np.ndarray) for v in labels
    )


def doc_topic_multilabel_f1(
    doc_topic: np.ndarray,
    label_sets: Sequence[Sequence[Hashable]] | np.ndarray,
    *,
    test_size: float = 0.2,
    random_state: int = 0,
) -> dict[str, float]:
    r"""Micro- and macro-F1 of one-vs-rest logistic regressions on document-topic vectors.

    The multi-label counterpart of :func:`doc_topic_accuracy`.  Each document's label set
    becomes a row of binary targets (``sklearn.preprocessing.MultiLabelBinarizer``); the
    documents are split into train and test sets (``train_test_split`` with ``test_size``
    and ``random_state``, not stratified); one ``LogisticRegression(C=1.0, max_iter=1000)``
    per label (``OneVsRestClassifier``) is fitted on the training rows of
    :math:`x = \theta`, exactly as the model returned it, and predicts each test
    document's labels.  Labels that are present in every training document or in none
    cannot be learnt and are left out of both scores.  With :math:`TP_c, FP_c, FN_c`
    counted on the test rows for each scored label :math:`c` of :math:`C`:

    .. math::

        \mathrm{micro\_F1} = \frac{2 \sum_c TP_c}{2 \sum_c TP_c + \sum_c FP_c + \sum_c FN_c},
        \qquad
        \mathrm{macro\_F1} = \frac{1}{C} \sum_{c=1}^{C} \frac{2\,TP_c}{2\,TP_c + FP_c + FN_c}

    (a label with no positive and no predicted positive scores 0).

    Parameters
    ----------
    doc_topic : ndarray of shape (n_docs, K)
        Topic proportions theta of each document.
    label_sets : sequence of sequences of hashable, or ndarray of shape (n_docs, n_classes)
        Each document's labels (possibly empty), or a binary indicator matrix.
    test_size : float
        Share of documents in the test set, in (0, 1).
    random_state : int
        Seed of the split.

    Returns
    -------
    dict
        ``{"micro_f1": float, "macro_f1": float}``, both in [0, 1].

    Raises
    ------
    NeurotopicError
        If shapes disagree, values are not finite, the split leaves a side empty, or no
        label is present in some training documents and absent from others.

    Examples
    --------
    Documents dominated by topic 0 carry "sport", by topic 1 "tech".

    >>> theta = np.array([[0.9, 0.1], [0.8, 0.2], [0.7, 0.3], [0.95, 0.05], [0.85, 0.15],
    ...                   [0.1, 0.9], [0.2, 0.8], [0.3, 0.7], [0.05, 0.95], [0.15, 0.85]])
    >>> sets = [["sport"]] * 5 + [["tech"]] * 5
    >>> doc_topic_multilabel_f1(theta, sets, test_size=0.4)
    {'micro_f1': 1.0, 'macro_f1': 1.0}
    """
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import f1_score
    from sklearn.model_selection import train_test_split
    from sklearn.multiclass import OneVsRestClassifier
    from sklearn.preprocessing import MultiLabelBinarizer

    theta, random_state = _check_split(doc_topic, test_size, random_state)
    if isinstance(label_sets, np.ndarray):
        targets = np.asarray(label_sets)
        if targets.ndim != 2 or not np.isin(targets, (0, 1)).all():
            raise NeurotopicError(
                "a label indicator matrix must be 2-D and hold only 0 and 1; "
                "pass one row of 0/1 per document, or lists of labels"
            )
        targets = targets.astype(np.int64)
    else:
        if isinstance(label_sets, str | bytes):
            raise NeurotopicError("label_sets must hold one list of labels per document")
        sets = [
            [v]
            if isinstance(v, str | bytes) or not isinstance(v, Sequence | set | frozenset)
            else list(v)
            for v in label_sets
        ]
        try:
            targets = MultiLabelBinarizer().fit_transform(sets)
        except TypeError as error:
            raise NeurotopicError(
                "labels are not mutually comparable (mixed types?); pass all str or all int labels"
            ) from error
    if targets.shape[0] != theta.shape[0]:
        raise NeurotopicError(
            f"label_sets has {targets.shape[0]} entries but doc_topic has {theta.shape[0]} "
            "rows; pass one label set per document"
        )
    n_docs = theta.shape[0]
    n_test = math.ceil(float(test_size) * n_docs)
    if n_test < 1 or n_docs - n_test < 2:
        raise NeurotopicError(
            f"test_size={test_size} splits {n_docs} documents into {n_docs - n_test} train "
            f"and {n_test} test; add documents or change test_size"
        )
    x_train, x_test, y_train, y_test = train_test_split(
        theta, targets, test_size=float(test_size), random_state=random_state
    )
    learnable = (y_train.min(axis=0) == 0) & (y_train.max(axis=0) == 1)  # (n_classes,)
    if not learnable.any():
        raise NeurotopicError(
            "no label is present in some training documents and absent from others, so "
            "none can be learnt; pass label sets that differ between documents"
        )
    y_train, y_test = y_train[:, learnable], y_test[:, learnable]
    model = OneVsRestClassifier(LogisticRegression(C=1.0, max_iter=1000))
    model.fit(x_train, y_train)
    predicted = model.predict(x_test)
    return {
        "micro_f1": float(f1_score(y_test, predicted, average="micro", zero_division=0)),
        "macro_f1": float(f1_score(y_test, predicted, average="macro", zero_division=0)),
    }


def ranking_accuracy(scores_pos: np.ndarray, scores_neg: np.ndarray) -> float:
    r"""Share of (positive, negative) score pairs ranked correctly; ties count 1/2.

    Each positive is compared with its own negative(s), as in NTM's pairwise training
    objective:

    .. math::

        \mathrm{RA} = \frac{1}{nm} \sum_{i=1}^{n} \sum_{j=1}^{m}
            \Big([s^+_i > s^-_{ij}] + \tfrac12 [s^+_i = s^-_{ij}]\Big).

    Parameters
    ----------
    scores_pos : ndarray of shape (n,)
        Score of each positive (term, document) pair.
    scores_neg : ndarray of shape (n,) or (n, m)
        Score of the negative(s) drawn for each positive.

    Returns
    -------
    float
        Ranking accuracy in [0, 1]; 0.5 is chance.

    Raises
    ------
    NeurotopicError
        If the arrays are empty, their shapes do not match, or they hold NaN.

    Examples
    --------
    Pairs (3 vs 1), (2 vs 2) and (1 vs 4): (1 + 1/2 + 0) / 3 = 0.5.

    >>> ranking_accuracy(np.array([3.0, 2.0, 1.0]), np.array([1.0, 2.0, 4.0]))
    0.5
    >>> ranking_accuracy(np.array([3.0, 2.0]), np.array([[1.0, 4.0], [0.0, 1.0]]))
    0.75
    """
    pos = np.asarray(scores_pos, dtype=np.float64)
    neg = np.asarray(scores_neg, dtype=np.float64)
    if pos.ndim != 1 or pos.size == 0:
        raise NeurotopicError(
            f"scores_pos must be a non-empty 1-D array, got shape {pos.shape}; "
            "pass one score per positive pair"
        )
    if neg.ndim not in (1, 2) or neg.shape[0] != pos.shape[0] or neg.size == 0:
        raise NeurotopicError(
            f"scores_neg has shape {neg.shape} but scores_pos has shape {pos.shape}; "
            "pass shape (n,) or (n, m) with one row per positive"
        )
    if np.isnan(pos).any() or np.isnan(neg).any():
        raise NeurotopicError("ranking scores contain NaN; check the model's output")
    diff = pos[:, None] - neg.reshape(pos.shape[0], -1)
    return float(((diff > 0) + 0.5 * (diff == 0)).mean())
