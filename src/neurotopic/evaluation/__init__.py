"""Evaluation: measuring and comparing topic models.

The shared evaluation protocol (:mod:`~neurotopic.evaluation.evaluate`), the coherence,
diversity and classification metrics (:mod:`~neurotopic.evaluation.metrics`, which gathers
:mod:`~neurotopic.evaluation.coherence`, :mod:`~neurotopic.evaluation.topic_overlap` and
:mod:`~neurotopic.evaluation.classification`), and the comparison with LDA and other topic
models (:mod:`~neurotopic.evaluation.compare`, fitting :mod:`~neurotopic.evaluation.baselines`
and :mod:`~neurotopic.evaluation.peers`).  ``neurotopic.evaluation`` was once the module now at
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
