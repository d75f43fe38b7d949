"""Argument checks shared by the metrics (:mod:`neurotopic.evaluation.metrics`).

Each check raises :class:`~neurotopic.errors.NeurotopicError` with a message that says
what to pass instead.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from ..errors import NeurotopicError


def is_sequence(value: object) -> bool:
    """Whether ``value`` is a sequence or an array, but not a ``str`` or ``bytes``."""
    return not isinstance(value, str | bytes) and isinstance(value, Sequence | np.ndarray)


def check_filled_sequence(values: Sequence[Any], wrong_type: str, empty: str) -> None:
    """Raise ``wrong_type`` unless :func:`is_sequence`, ``empty`` if it has no items."""
    if not is_sequence(values):
        raise NeurotopicError(wrong_type)
    if len(values) == 0:
        raise NeurotopicError(empty)


def check_int(value: object, name: str, minimum: int) -> int:
    """``value`` as an ``int``, checked to be an integer (not a bool) ``>= minimum``."""
    if isinstance(value, bool) or not isinstance(value, int | np.integer):
        raise NeurotopicError(
            f"{name} must be an integer, got {type(value).__name__}; pass an int >= {minimum}"
        )
    if value < minimum:
        raise NeurotopicError(f"{name} must be >= {minimum}, got {value}; pass a larger value")
    return int(value)


def term_words(term: object, where: str) -> tuple[str, ...]:
    """The words of a term string (split on white space); ``where`` names it in errors."""
    if not isinstance(term, str):
        raise NeurotopicError(
            f"{where} is a {type(term).__name__}, not a str; pass topics as lists of term strings"
        )
    words = tuple(term.split())
    if not words:
        raise NeurotopicError(f"{where} is an empty string; remove it from the topic")
    return words


def check_topics(topics: Sequence[Sequence[str]], min_terms: int) -> list[list[str]]:
    """Validated copy of ``topics`` (every term checked by :func:`term_words`).

    Parameters
    ----------
    topics : sequence of sequence of str, length K
        Terms of each topic.
    min_terms : int
        The fewest terms a topic may have.

    Returns
    -------
    list of list of str, length K
        Each topic as a list.
    """
    check_filled_sequence(
        topics,
        "topics must be a sequence of topics, each a list of term strings; "
        "e.g. [['match', 'team'], ['bank', 'shares']]",
        "topics is empty; pass at least one topic (a list of terms)",
    )
    checked: list[list[str]] = []
    for k, topic in enumerate(topics):
        if not is_sequence(topic):
            raise NeurotopicError(
                f"topic {k} is a {type(topic).__name__}, not a list of terms; "
                "pass each topic as a list of term strings"
            )
        if len(topic) < min_terms:
            raise NeurotopicError(
                f"topic {k} has {len(topic)} term(s) but at least {min_terms} are needed; "
                f"pass longer topics"
            )
        for i, term in enumerate(topic):
            term_words(term, f"term {i} of topic {k}")
        checked.append(list(topic))
    return checked


def check_documents(documents: Sequence[Sequence[str]]) -> None:
    """Check that ``documents`` is a non-empty sequence of token lists."""
    check_filled_sequence(
        documents,
        "documents must be a sequence of token lists (list[list[str]]); "
        "tokenise the reference texts first",
        "documents is empty; pass at least one reference document",
    )
    for d, doc in enumerate(documents):
        if not is_sequence(doc):
            raise NeurotopicError(
                f"document {d} is a {type(doc).__name__}, not a list of tokens; "
                "tokenise the reference texts first (e.g. text.lower().split())"
            )
