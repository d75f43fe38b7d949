"""Text: from raw documents to term ids.

Reading corpora from files (:mod:`~neurotopic.text.corpus`), tokenising, stop words and
phrase terms (:mod:`~neurotopic.text.text`, :mod:`~neurotopic.text.tokens`,
:mod:`~neurotopic.text.language`, :mod:`~neurotopic.text.segment`), the vocabulary
(:mod:`~neurotopic.text.vocabulary`), the word vectors the model starts from
(:mod:`~neurotopic.text.embeddings`) and the analysed corpus a fit keeps
(:mod:`~neurotopic.text.stage`).  ``neurotopic.text`` was once the module now at
``neurotopic.text.text``; its names are re-exported here, so ``from neurotopic.text import
tokenize`` keeps working.
"""

from typing import Any as _Any

from . import text as _text
from .text import MAX_UNTOKENIZED as MAX_UNTOKENIZED
from .text import NEEDS_TOKENIZER as NEEDS_TOKENIZER
from .text import Analyzer as Analyzer
from .text import Coverage as Coverage
from .text import Document as Document
from .text import PhraseModel as PhraseModel
from .text import Run as Run
from .text import content_runs as content_runs
from .text import default_stop_words as default_stop_words
from .text import encode_texts as encode_texts
from .text import learn_phrases as learn_phrases
from .text import learn_phrases_arrays as learn_phrases_arrays
from .text import normalize_tokens as normalize_tokens
from .text import resolve_stop_words as resolve_stop_words
from .text import tokenize as tokenize


def __getattr__(name: str) -> _Any:
    """Any other name of the former module ``neurotopic.text`` (now ``neurotopic.text.text``)."""
    try:
        return getattr(_text, name)
    except AttributeError:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}") from None
