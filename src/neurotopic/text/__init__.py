"""Text: from raw documents to term ids.

Reading corpora from files (:mod:`~neurotopic.text.corpus`), tokenising and stop words
(:mod:`~neurotopic.text.words`, :mod:`~neurotopic.text.tokens`,
:mod:`~neurotopic.text.language`, :mod:`~neurotopic.text.segment`), phrase terms
(:mod:`~neurotopic.text.phrases`), a model's document-to-terms settings
(:mod:`~neurotopic.text.analyzer`), the vocabulary (:mod:`~neurotopic.text.vocabulary`),
the word vectors the model starts from (:mod:`~neurotopic.text.embeddings`) and the
analysed corpus a fit keeps (:mod:`~neurotopic.text.stage`).  ``neurotopic.text`` was
once the module now at ``neurotopic.text.text`` (which re-exports the names of
``words``, ``phrases`` and ``analyzer``); its names are re-exported here, so ``from
neurotopic.text import tokenize`` keeps working.
"""

from typing import Any as _Any

from . import text as _text
from .analyzer import MAX_UNTOKENIZED as MAX_UNTOKENIZED
from .analyzer import NEEDS_TOKENIZER as NEEDS_TOKENIZER
from .analyzer import Analyzer as Analyzer
from .analyzer import Coverage as Coverage
from .phrases import PhraseModel as PhraseModel
from .phrases import learn_phrases as learn_phrases
from .phrases import learn_phrases_arrays as learn_phrases_arrays
from .words import Document as Document
from .words import Run as Run
from .words import content_runs as content_runs
from .words import default_stop_words as default_stop_words
from .words import encode_texts as encode_texts
from .words import normalize_tokens as normalize_tokens
from .words import resolve_stop_words as resolve_stop_words
from .words import tokenize as tokenize


def __getattr__(name: str) -> _Any:
    """Any other name of the former module ``neurotopic.text`` (now ``neurotopic.text.text``)."""
    try:
        return getattr(_text, name)
    except AttributeError:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}") from None
