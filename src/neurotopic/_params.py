"""What each ``NeuralTopicModel`` parameter may be, in one table, and the check that reads it.

:data:`PARAMETER_CONSTRAINTS` maps every constructor parameter to the values it accepts,
as scikit-learn's ``_parameter_constraints`` does: a list of alternatives, any of which
lets a value pass.  :func:`validate_params` checks a ``get_params()`` dict against it and
raises :class:`~neurotopic.errors.NeurotopicError` with one line that names the
parameter, the value and what is allowed::

    n_topics must be an integer >= 2, got 1

The estimator calls it before a fit does any work, when :meth:`set_readout` changes
the readout, and on the settings of a saved model it loads.  A new parameter needs an
entry here (``tests/test_params.py`` fails without one).

:func:`params_to_json` is the one way parameters become JSON: for a saved model's
config and for a checkpoint's fingerprint.

The defaults that depend on the corpus's size (``negative_pool``, ``shuffle_window`` and
``word2vec_epochs`` left at None) are here too.
"""

from __future__ import annotations

import math
import numbers
import os
from collections.abc import Callable, Collection, Mapping, Sequence, Sized
from dataclasses import dataclass
from typing import Any

import numpy as np
from gensim.models import KeyedVectors

from .errors import NeurotopicError
from .model.readout import MAX_RELEVANCE
from .model.supervised import LABEL_READOUTS, TASKS
from .text.language import check_language

#: How topics are read from the trained weights (``topic_readout``).
TOPIC_READOUTS = ("auto", "background", "data", "embedding")
#: How W2 starts (``topic_init``).
TOPIC_INITS = ("kmeans", "autoencoder")
#: Fold-in steps beyond which a model's settings are refused (50 is the default; a
#: corrupt or hostile config.json could otherwise ask for a fold-in that never ends).
MAX_TRANSFORM_STEPS = 10_000
#: Above this many batches of training documents, W1's rows no longer stay in cache,
#: and the negative pool and the shuffle window switch on by default.
LARGE_CORPUS_BATCHES = 8
#: Batches per shuffle window when ``shuffle_window=None`` picks one (large corpora).
SHUFFLE_WINDOW_BATCHES = 5


# ------------------------------------------------------------------------- JSON
def _json_value(value: Any, code_names: bool) -> Any:
    if value is None or isinstance(value, str | bool | int | float):
        return value
    if isinstance(value, np.integer | np.floating | np.bool_):
        return value.item()
    if isinstance(value, os.PathLike):
        return os.fspath(value)
    if isinstance(value, set | frozenset):
        return sorted(_json_value(v, code_names) for v in value)
    if isinstance(value, list | tuple):
        return [_json_value(v, code_names) for v in value]
    if callable(value):  # a tokenizer: at most its name (the code itself is never kept)
        if not code_names:
            return None
        return f"{getattr(value, '__module__', '')}.{getattr(value, '__qualname__', '')}"
    return None  # e.g. in-memory KeyedVectors or a RandomState


def params_to_json(params: Mapping[str, Any], *, code_names: bool = False) -> dict[str, Any]:
    """Parameters as JSON values: paths as strings, sets as sorted lists, numpy scalars
    as Python numbers; in-memory objects (KeyedVectors, a RandomState) as None.

    Parameters
    ----------
    params : mapping
        ``get_params()`` of an estimator.
    code_names : bool
        A callable (``tokenizer``) as its dotted name (True: a checkpoint's fingerprint
        tells two tokenizers apart) or as None (False: a saved model never keeps code,
        and loading it asks for the tokenizer again).

    Returns
    -------
    dict
        The same keys.
    """
    return {key: _json_value(value, code_names) for key, value in params.items()}


# ------------------------------------------------------------------ constraints
def _is_integer(value: object) -> bool:
    return isinstance(value, numbers.Integral) and not isinstance(value, bool | np.bool_)


def _is_number(value: object) -> bool:
    if not isinstance(value, numbers.Real) or isinstance(value, bool | np.bool_):
        return False
    return _is_integer(value) or math.isfinite(float(value))


@dataclass(frozen=True)
class Interval:
    """Integers (``integer=True``) or finite numbers between ``low`` and ``high``.

    ``closed`` says which ends belong: "both", "left", "right" or "neither"; a bound of
    None is no bound.
    """

    low: float | None = None
    high: float | None = None
    closed: str = "both"
    integer: bool = False

    def accepts(self, value: object) -> bool:
        if not (_is_integer(value) if self.integer else _is_number(value)):
            return False
        x: Any = value  # an int compares exactly, however large
        left, right = self.closed in ("both", "left"), self.closed in ("both", "right")
        if self.low is not None and (x < self.low or (x == self.low and not left)):
            return False
        return self.high is None or x < self.high or (x == self.high and right)

    def __str__(self) -> str:
        low, high = self.low, self.high
        if self.integer:
            if high is None:
                return "a positive integer" if low == 1 else f"an integer >= {low}"
            return f"an integer from {low} to {high}"
        if high is None:
            return f"a number {'>=' if self.closed in ('both', 'left') else '>'} {low:g}"
        if low is None:
            return f"a number {'<=' if self.closed in ('both', 'right') else '<'} {high:g}"
        left = "[" if self.closed in ("both", "left") else "("
        right = "]" if self.closed in ("both", "right") else ")"
        return f"in {left}{low:g}, {high:g}{right}"


@dataclass(frozen=True)
class Options:
    """One of a few strings."""

    values: tuple[str, ...]

    def accepts(self, value: object) -> bool:
        return isinstance(value, str) and value in self.values

    def __str__(self) -> str:
        if len(self.values) == 1:
            return repr(self.values[0])
        return f"one of {', '.join(self.values)}"


@dataclass(frozen=True)
class Check:
    """Any value ``test`` accepts; ``description`` says which in the error."""

    test: Callable[[Any], bool]
    description: str

    def accepts(self, value: object) -> bool:
        return bool(self.test(value))

    def __str__(self) -> str:
        return self.description


@dataclass(frozen=True)
class _NoneConstraint:
    def accepts(self, value: object) -> bool:
        return value is None

    def __str__(self) -> str:
        return "None"


#: The constraint None stands for in the table: the value None itself.
NONE = _NoneConstraint()
BOOLEAN = Check(lambda v: isinstance(v, bool | np.bool_), "True or False")


def _is_language(value: object) -> bool:
    try:
        check_language(value)
    except NeurotopicError:
        return False
    return True


def _is_word_list(value: object) -> bool:
    return (
        isinstance(value, Collection)
        and not isinstance(value, str | bytes)
        and all(isinstance(w, str) for w in value)
    )


def _is_thread_count(value: object) -> bool:  # as threads.resolve_n_jobs reads it
    return isinstance(value, int) and not isinstance(value, bool) and value != 0


Constraint = Interval | Options | Check | _NoneConstraint

#: Every ``NeuralTopicModel`` parameter -> the values it accepts (any one alternative).
#: The estimator's docstring says what each value does.
PARAMETER_CONSTRAINTS: dict[str, list[Constraint]] = {
    "n_topics": [Interval(2, None, integer=True)],
    "max_ngram": [Interval(1, None, integer=True)],
    "min_df": [Interval(1, None, integer=True)],
    "max_df": [Interval(0, 1, closed="right")],
    "max_terms": [Interval(1, None, integer=True), NONE],
    "stop_words": [
        Options(("auto", "english")),
        Check(_is_word_list, "a list of words"),
        NONE,
    ],
    "language": [
        Check(_is_language, "'auto' or an ISO 639-1 code such as 'en', 'de', 'zh' or 'ja'")
    ],
    "tokenizer": [NONE, Check(callable, "a function from a text to a list of tokens")],
    "vectors": [
        Options(("ppmi", "word2vec")),
        Check(lambda v: isinstance(v, str | os.PathLike), "a path to a word-vector file"),
        Check(lambda v: isinstance(v, KeyedVectors), "gensim KeyedVectors"),
        NONE,  # a saved model's in-memory vectors: loads, but fit asks for vectors
    ],
    "vector_size": [Interval(1, None, integer=True)],
    "word2vec_epochs": [Interval(1, None, integer=True), NONE],
    "normalize_vectors": [BOOLEAN],
    "topic_init": [Options(TOPIC_INITS)],
    "pretrain_steps": [Interval(0, None, integer=True)],
    "init_temperature": [Interval(0, None)],
    "epochs": [Interval(0, None, integer=True)],
    "early_stopping": [BOOLEAN],
    "n_iter_no_change": [Interval(1, None, integer=True)],
    "tol": [Interval(0, None)],
    "batch_size": [Interval(1, None, integer=True)],
    "n_negatives": [Interval(1, None, integer=True)],
    "negative_pool": [NONE, Interval(0, None, integer=True)],
    "shuffle_window": [NONE, Interval(0, None, integer=True)],
    "margin": [Interval(0, None, closed="neither")],
    "term_power": [Check(_is_number, "a number")],
    "topic_learning_rate": [Interval(0, None, closed="neither")],
    "doc_learning_rate": [Interval(0, None, closed="neither")],
    "holdout": [Options(("auto",)), Interval(0, 0.5, closed="left")],
    "entropy_weight": [Interval(0, None)],
    "term_negatives": [Interval(0, None, integer=True)],
    "topic_readout": [Options(TOPIC_READOUTS)],
    "relevance_lambda": [Interval(0, MAX_RELEVANCE), NONE],
    "transform_steps": [Interval(1, MAX_TRANSFORM_STEPS, integer=True)],
    "task": [NONE, Options(TASKS)],
    "label_loss_weight": [Interval(0, None)],
    "label_readout": [Options(LABEL_READOUTS)],
    "device": [
        Check(lambda v: isinstance(v, str), "a device name such as 'auto', 'cpu' or 'cuda'")
    ],
    "n_jobs": [
        Check(_is_thread_count, "a nonzero integer (-1: every usable core, -2: all but one)"),
        NONE,
    ],
    "checkpoint_dir": [
        Check(lambda v: isinstance(v, str | os.PathLike), "a directory path"),
        NONE,
    ],
    "random_state": [
        Interval(0, 2**32 - 1, integer=True),
        Check(lambda v: isinstance(v, np.random.RandomState), "a numpy RandomState"),
        NONE,
    ],
    "verbose": [BOOLEAN],
}


def _alternatives(constraints: Sequence[Constraint]) -> str:
    words = [str(c) for c in constraints]
    return words[0] if len(words) == 1 else f"{', '.join(words[:-1])} or {words[-1]}"


def validate_params(params: Mapping[str, Any]) -> None:
    """Check parameter values against :data:`PARAMETER_CONSTRAINTS`.

    Parameters
    ----------
    params : mapping of str to object
        ``NeuralTopicModel.get_params()``, or any part of it.

    Raises
    ------
    NeurotopicError
        For the first value no alternative accepts (or a name the table lacks), in one
        line such as ``"holdout must be in [0, 0.5), got 0.7"``.
    """
    for name, value in params.items():
        constraints = PARAMETER_CONSTRAINTS.get(name)
        if constraints is None:
            raise NeurotopicError(f"unknown parameter {name!r}; see NeuralTopicModel's parameters")
        if not any(c.accepts(value) for c in constraints):
            shown = repr(value)
            if len(shown) > 80:
                shown = f"{shown[:77]}..."
            raise NeurotopicError(f"{name} must be {_alternatives(constraints)}, got {shown}")


# ------------------------------------------------------- arguments of methods
def check_top_n(top_n: int) -> int:
    """``top_n`` of the topic methods and views: an integer of at least 1."""
    if not _is_integer(top_n) or top_n < 1:
        raise NeurotopicError(f"top_n must be an integer of at least 1, got {top_n!r}")
    return int(top_n)


def check_labels(n_texts: int | None, labels: Sized | None, what: str = "texts") -> None:
    """Labels come with their texts, one per text (views, ``evaluate``, the report).

    Parameters
    ----------
    n_texts : int or None
        The number of texts, or None when none were given.
    labels : sized or None
    what : str
        What the texts are called in the message.
    """
    if labels is None:
        return
    if n_texts is None:
        raise NeurotopicError(f"labels need their texts; pass {what} and labels together")
    if len(labels) != n_texts:
        raise NeurotopicError(
            f"got {len(labels)} labels for {n_texts} {what}; pass one label per text"
        )


# ------------------------------------------------------- size-dependent defaults
def large_corpus(n_docs: int, batch_size: int) -> bool:
    """Whether ``n_docs`` training documents are too many for W1's rows to stay in
    cache (above ``8 * batch_size``): where the negative pool and the shuffle window
    switch on by default."""
    return n_docs > LARGE_CORPUS_BATCHES * batch_size


def default_negative_pool(n_docs: int, batch_size: int) -> int:
    """What ``negative_pool=None`` stands for: 0 up to ``8 * batch_size`` training
    documents, ``batch_size // 4`` above."""
    return batch_size // 4 if large_corpus(n_docs, batch_size) else 0


def default_shuffle_window(n_docs: int, batch_size: int, world_size: int = 1) -> int:
    """What ``shuffle_window=None`` stands for: 0 up to ``8 * batch_size`` training
    documents (``n_docs`` in all), five of a process's batches (``batch_size /
    world_size`` pairs) above."""
    if not large_corpus(n_docs, batch_size):
        return 0
    return SHUFFLE_WINDOW_BATCHES * -(-batch_size // world_size)


def auto_word2vec_epochs(n_tokens: int, target: float = 8e6) -> int:
    """Word2vec epochs so that about ``target`` tokens are seen, clipped to [5, 40]
    (what ``word2vec_epochs=None`` stands for)."""
    return int(np.clip(np.ceil(target / max(n_tokens, 1)), 5, 40))
