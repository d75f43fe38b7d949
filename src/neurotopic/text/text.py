"""From raw text to term tokens: tokenising, stop words and n-gram (phrase) terms.

A *term* is a unigram or an n-gram of up to ``max_ngram`` words, written with single
spaces (``"new york city"``).  Phrases are detected from the corpus the way gensim's
``Phrases`` does (the "original" scorer of Mikolov et al. 2013), applied in layers
(bigrams, then bigrams of bigrams and words, ...), but only inside runs of content
words: a stop word breaks a run, so no phrase starts or ends with one and no phrase
jumps over a removed word.  The learned phrases are plain data (JSON-serialisable),
so a fitted model re-applies them to new documents exactly.

A whole corpus is handled as flat arrays (:class:`~neurotopic.tokens.TokenArrays`: one
type id per token, documents concatenated, CSR-style offsets), built while the texts
stream past (:func:`encode_texts`), so its memory is a few bytes per token and no Python
loop runs per token: phrase counts come from sorting pair keys and merging is a
vectorised pass per layer (:func:`learn_phrases_arrays`, :meth:`PhraseModel.apply_arrays`).

The code is in three modules, whose names are all importable from here:
:mod:`~neurotopic.text.words` (tokenising, stop words, content-word runs),
:mod:`~neurotopic.text.phrases` (learning and merging phrases) and
:mod:`~neurotopic.text.analyzer` (a model's fixed document-to-terms settings).
"""

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
