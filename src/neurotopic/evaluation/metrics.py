"""Evaluation metrics: topic coherence (NPMI, C_V), topic diversity, document-topic
classification accuracy (single-label) and F1 (multi-label), and ranking accuracy.

Vocabulary convention
---------------------
A topic is a sequence of term strings, best term first.  A term may be a multi-word
n-gram written with spaces (``"new york city"``).  Reference documents are token lists
(lower-cased unigram tokens in reading order); a multi-word term *occurs* in a document,
or in a sliding window, where its words occur contiguously and in order inside it.
Matching is exact: terms are not lower-cased or otherwise normalised.

The mean over topics is left to the caller, e.g. ``float(npmi(topics, docs).mean())``.
"Share of unique terms among the top-n terms" is ``diversity(topics, top_n)``.

Implementation
--------------
This module gathers the public names of :mod:`~neurotopic.evaluation.coherence` (NPMI,
C_V), :mod:`~neurotopic.evaluation.topic_overlap` (diversity, topic recovery) and
:mod:`~neurotopic.evaluation.classification` (accuracy, F1, ranking accuracy).
For coherence, the documents are read once into an index of token positions (only the
words that make up topic terms are kept).  Each term's occurrences become a sorted set of
integer intervals -- of document numbers for :func:`npmi`, of sliding-window numbers for
:func:`c_v` -- and co-occurrence counts are sizes of interval-set intersections, computed
with ``numpy.searchsorted`` for the term pairs that share a topic.  Cost is about linear in
the number of tokens plus the number of occurrences of topic terms.
"""

from __future__ import annotations

from .classification import ACCURACY_FEATURES as ACCURACY_FEATURES
from .classification import LOG_FEATURE_EPSILON as LOG_FEATURE_EPSILON
from .classification import (
    doc_topic_accuracy,
    doc_topic_multilabel_f1,
    is_multilabel,
    ranking_accuracy,
)
from .coherence import CV_EPSILON as CV_EPSILON
from .coherence import c_v, npmi
from .topic_overlap import diversity, topic_recovery

__all__ = [
    "c_v",
    "diversity",
    "doc_topic_accuracy",
    "doc_topic_multilabel_f1",
    "is_multilabel",
    "npmi",
    "ranking_accuracy",
    "topic_recovery",
]
