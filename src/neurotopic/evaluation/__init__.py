"""Evaluation: measuring and comparing topic models.

The shared evaluation protocol (:mod:`~neurotopic.evaluation.evaluate`), the coherence,
diversity and classification metrics (:mod:`~neurotopic.evaluation.metrics`), and the
comparison with LDA and other topic models (:mod:`~neurotopic.evaluation.compare`,
:mod:`~neurotopic.evaluation.peers`).  ``neurotopic.evaluation`` was once the module now at
``neurotopic.evaluation.evaluate``; its names are re-exported here.
"""

from typing import Any as _Any

from . import evaluate as _evaluate
from .evaluate import evaluate_topics as evaluate_topics
from .evaluate import reference_tokens as reference_tokens


def __getattr__(name: str) -> _Any:
    """Any other name of the former module ``neurotopic.evaluation`` (now ``.evaluate``)."""
    try:
        return getattr(_evaluate, name)
    except AttributeError:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}") from None
