"""Documents to terms with a model's fixed settings, and the check of what a tokenizer drops.

:class:`Analyzer` turns documents into term lists with a fixed tokenizer, stop words and
phrases; :class:`Coverage` counts the letters and digits a tokenizer leaves in no token,
so that fitting can warn when it is most of the text.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from ..errors import NeurotopicError
from .language import NO_SPACE_LANGUAGES, SEGMENTED_LANGUAGES, normalize_word
from .phrases import PhraseModel
from .segment import Segmenter
from .tokens import TokenArrays
from .words import Document, Run, content_runs, encode_texts, normalize_tokens, tokenize

# Letters and digits (what a token may hold): ``\w`` less the underscore.
_NON_WORD_RE = re.compile(r"[\W_]+")
# Han ideographs and kana: words that only a segmenter finds.
_UNSEGMENTED_RE = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")

#: Share of a corpus's letters and digits in no token above which fitting warns.
MAX_UNTOKENIZED = 0.2


class Coverage:
    """A tokenizer wrapper that counts the letters and digits its tokens leave out.

    Raw-text documents are sampled (the first ``head``, then every ``every``-th) and
    their letters and digits counted against the characters of their tokens.

    Parameters
    ----------
    tokenizer : callable
        Document -> tokens.
    segmented : bool
        Whether the tokenizer segments Chinese and Japanese; if not, tokens of Han
        ideographs or kana (whole unsegmented runs) count as no token.
    head, every : int
        Sampling of the documents counted.
    """

    def __init__(
        self,
        tokenizer: Callable[[Document], list[str]],
        *,
        segmented: bool = True,
        head: int = 500,
        every: int = 10,
    ) -> None:
        self.tokenizer = tokenizer
        self.segmented = segmented
        self.head, self.every = head, every
        self.n_docs = 0
        self.word_chars = 0  # letters and digits of the sampled texts
        self.token_chars = 0  # of them, in tokens

    def __call__(self, doc: Document) -> list[str]:
        tokens = self.tokenizer(doc)
        if isinstance(doc, str) and (self.n_docs < self.head or self.n_docs % self.every == 0):
            self.word_chars += len(_NON_WORD_RE.sub("", doc))
            kept = tokens
            if not self.segmented and _UNSEGMENTED_RE.search(doc):
                kept = [t for t in tokens if not _UNSEGMENTED_RE.search(t)]
            self.token_chars += sum(len(t) - t.count("-") for t in kept)
        self.n_docs += 1
        return tokens

    @property
    def untokenized(self) -> float:
        """Share of the sampled letters and digits in no token (0 without raw text)."""
        if self.word_chars == 0:
            return 0.0
        return max(0.0, 1.0 - self.token_chars / self.word_chars)

    def warn_if_low(self, language: str | None) -> None:
        """Warn once when more than :data:`MAX_UNTOKENIZED` of the text is in no token."""
        if self.untokenized > MAX_UNTOKENIZED:
            warnings.warn(
                f"{self.untokenized:.0%} of the corpus's letters and digits are in no word token "
                f"(language '{language}'); pass the text's language (language=) "
                "or a tokenizer= that splits it into words",
                UserWarning,
                stacklevel=4,
            )


#: Why raw text cannot be read by a model fitted with its own tokenizer.
NEEDS_TOKENIZER = (
    "this model was fitted with a custom tokenizer (or pre-tokenized documents), which is "
    "not saved with it; pass it again with model.set_params(tokenizer=...) or give "
    "documents as lists of tokens"
)


@dataclass
class Analyzer:
    """Turns documents into term lists with a fixed tokenizer, stop words and phrases.

    Parameters
    ----------
    stop_words : frozenset of str
        Words removed before phrase detection (they break runs).
    phrases : PhraseModel
        Learned phrases; empty for unigram terms.
    language : str or None
        The corpus's language code; "zh" and "ja" segment raw text into words
        (:class:`~neurotopic.segment.Segmenter`), any other splits it with
        :func:`tokenize`.
    custom_tokenizer : bool
        Whether the terms came from the user's tokenizer or pre-tokenized documents:
        raw text then needs ``tokenizer``.
    tokenizer : callable or None
        The user's ``str -> list of str`` (never saved).
    """

    stop_words: frozenset[str]
    phrases: PhraseModel
    language: str | None = None
    custom_tokenizer: bool = False
    tokenizer: Callable[[str], Sequence[str]] | None = field(
        default=None, compare=False, repr=False
    )
    segmenter: Segmenter | None = field(init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        segmented = self.language in SEGMENTED_LANGUAGES and not self.custom_tokenizer
        self.segmenter = Segmenter(str(self.language)) if segmented else None

    def to_json(self) -> dict[str, object]:
        """The analyzer's settings as JSON-ready values (a tokenizer is code: never)."""
        return {
            "stop_words": sorted(self.stop_words),
            "phrases": self.phrases.to_json(),
            "language": self.language,
            "custom_tokenizer": self.custom_tokenizer,
        }

    @classmethod
    def from_json(cls, meta: Mapping[str, Any]) -> Analyzer:
        """Inverse of :meth:`to_json` (``meta`` may hold other keys too)."""
        return cls(
            stop_words=frozenset(meta["stop_words"]),
            phrases=PhraseModel.from_json(meta["phrases"]),
            language=meta.get("language"),
            custom_tokenizer=bool(meta.get("custom_tokenizer", False)),
        )

    @property
    def segmented(self) -> bool:
        """Whether raw text is split by a segmenter or the user's tokenizer."""
        return self.segmenter is not None or self.custom_tokenizer

    @property
    def spaceless(self) -> bool:
        """Whether raw text is in a language written without spaces and no segmenter."""
        return self.language in NO_SPACE_LANGUAGES and not self.custom_tokenizer

    def tokens(self, doc: Document) -> list[str]:
        """The normalised tokens of one document (raw text or a list of tokens)."""
        if not isinstance(doc, str):
            return normalize_tokens(doc)
        if self.custom_tokenizer:
            if self.tokenizer is None:
                raise NeurotopicError(NEEDS_TOKENIZER)
            return normalize_tokens(self.tokenizer(doc), "a document (from the tokenizer)")
        if self.segmenter is not None:
            return [normalize_word(w).replace(" ", "_") for w in self.segmenter(doc)]
        return tokenize(doc)

    def runs(self, doc: Document) -> list[Run]:
        """Content-word runs of one document, before phrase merging."""
        return content_runs(self.tokens(doc), self.stop_words)

    def terms(self, doc: Document) -> list[str]:
        """The term tokens of one document, in order (phrases merged)."""
        return [t for r in self.phrases.apply(self.runs(doc)) for t in r]

    def term_arrays(self, docs: Iterable[Document]) -> TokenArrays:
        """The term tokens of many documents in array form: :meth:`terms` of each, with
        the tokenising and the phrase merges vectorised (no per-token Python loop)."""
        return self.phrases.apply_arrays(encode_texts(docs, self.stop_words, tokenizer=self.tokens))
