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
"""

from __future__ import annotations

import functools
import re
import unicodedata
import warnings
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

from ..errors import NeurotopicError
from .language import (
    NO_SPACE_LANGUAGES,
    SEGMENTED_LANGUAGES,
    language_stop_words,
    normalize_word,
    warn_no_stop_words,
)
from .segment import Segmenter
from .tokens import (
    TokenArrays,
    TypeTable,
    assemble,
    encode_runs,
    merge_pairs,
    type_id,
    unique_counts,
)

# A token: a letter (of any script), then letters, digits, combining marks or inner
# hyphens.  Apostrophes split tokens, so contractions and possessives leave short stubs
# ("don", "t", "s") that the stop-word list and the minimum length remove.  Pure-ASCII
# text takes the ASCII pattern, which finds the same tokens faster.
_ASCII_TOKEN_RE = re.compile(r"[a-z][a-z0-9]*(?:-[a-z0-9]+)*")
_POSSESSIVE_RE = re.compile(r"['\u2019]s\b")
# Letters and digits (what a token may hold): ``\w`` less the underscore.
_NON_WORD_RE = re.compile(r"[\W_]+")
# Han ideographs and kana: words that only a segmenter finds.
_UNSEGMENTED_RE = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")

#: A document: raw text, or its tokens (pre-tokenized input).
Document = str | Sequence[str]
#: A run of content words is split where a stop word or a too-short token stood.
Run = list[str]
#: Share of a corpus's letters and digits in no token above which fitting warns.
MAX_UNTOKENIZED = 0.2


@functools.cache
def _unicode_token_re() -> re.Pattern[str]:
    """The token pattern for any script (built once: ``\\w`` plus combining marks).

    Python's ``\\w`` leaves out combining marks (categories Mn, Mc, Me), which Indic and
    other scripts write inside words (the vowel signs of हिन्दी); they are added here.
    """
    ranges: list[str] = []
    start = None
    for cp in range(0x20000):
        char = chr(cp)
        mark = unicodedata.category(char) in ("Mn", "Mc", "Me") and not char.isalnum()
        if mark and start is None:
            start = cp
        elif not mark and start is not None:
            ranges.append(f"{re.escape(chr(start))}-{re.escape(chr(cp - 1))}")
            start = None
    word = "[\\w" + "".join(ranges) + "]"
    return re.compile(rf"[^\W\d_]{word}*(?:-{word}+)*")


def default_stop_words() -> frozenset[str]:
    """scikit-learn's English stop-word list plus possessive and contraction stubs."""
    return frozenset(ENGLISH_STOP_WORDS) | {
        "s",
        "t",
        "don",
        "didn",
        "doesn",
        "isn",
        "wasn",
        "aren",
        "weren",
        "won",
        "wouldn",
        "couldn",
        "shouldn",
        "hasn",
        "haven",
        "hadn",
        "ll",
        "ve",
        "re",
        "mr",
        "mrs",
        "ms",
    }


def resolve_stop_words(
    stop_words: str | Sequence[str] | None, language: str | None = "en"
) -> frozenset[str]:
    """The stop-word set for a ``stop_words`` parameter.

    Parameters
    ----------
    stop_words : "auto", "english", sequence of str or None
        "auto": the list of ``language`` (English: :func:`default_stop_words`; other
        languages: stopwordsiso's list, see :mod:`neurotopic.language`); "english":
        :func:`default_stop_words` whatever the language; a sequence: its words,
        normalised like tokens (NFC, casefolded); None: no stop words.
    language : str or None
        The corpus's language code (None: unknown, no list).

    Returns
    -------
    frozenset of str
    """
    if stop_words is None:
        return frozenset()
    if isinstance(stop_words, str):
        if stop_words == "english" or (stop_words == "auto" and language == "en"):
            return default_stop_words()
        if stop_words != "auto":
            raise NeurotopicError(
                "stop_words must be 'auto' (the language's list), 'english', a list of "
                f"words or None, got {stop_words!r}"
            )
        found = language_stop_words(language) if language else None
        if found is None:
            warn_no_stop_words(str(language))
            return frozenset()
        return found
    return frozenset(normalize_word(w) for w in stop_words)


def tokenize(text: str) -> list[str]:
    """Normalise a text (NFC, casefold) and split it into word tokens, in any script.

    A token is a letter followed by letters, digits, combining marks and inner hyphens;
    numbers alone are no token.  Chinese and Japanese need a segmenter (see
    :class:`Analyzer` and :mod:`neurotopic.segment`): here a run of their characters
    is one token.

    Parameters
    ----------
    text : str
        Raw document text.

    Returns
    -------
    list of str
        Tokens in order; a possessive ``'s`` is dropped and any other apostrophe
        ends a token (``"didn't"`` -> ``"didn"``, ``"t"``).

    Examples
    --------
    >>> tokenize("The Bank of England's rate-setters didn't meet.")
    ['the', 'bank', 'of', 'england', 'rate-setters', 'didn', 't', 'meet']
    >>> tokenize("Die Benutzeroberfläche lässt sich schnell ausführen.")
    ['die', 'benutzeroberfläche', 'lässt', 'sich', 'schnell', 'ausführen']
    """
    if text.isascii():
        return _ASCII_TOKEN_RE.findall(_POSSESSIVE_RE.sub("", text.lower()))
    folded = unicodedata.normalize("NFC", text).casefold().replace("_", " ")
    return _unicode_token_re().findall(_POSSESSIVE_RE.sub("", folded))


def normalize_tokens(tokens: Sequence[str], where: str = "a document") -> list[str]:
    """Tokens from a tokenizer or pre-tokenized input, normalised like :func:`tokenize`'s.

    Each token is NFC-normalised and casefolded; empty tokens are dropped.

    Raises
    ------
    NeurotopicError
        If a token is not a string or holds whitespace (a space joins the words of a
        phrase term).
    """
    if isinstance(tokens, str):
        raise NeurotopicError(
            f"the tokens of {where} are one string; a tokenizer must return a list of tokens"
        )
    out: list[str] = []
    for token in tokens:
        if not isinstance(token, str):
            raise NeurotopicError(
                f"a token of {where} is a {type(token).__name__}, not a string; give strings"
            )
        word = normalize_word(token)
        if word:
            if not word.isprintable() or " " in word:
                raise NeurotopicError(
                    f"token {token!r} of {where} holds whitespace; split it in two or "
                    "join its words with '_' (phrases are found from the tokens)"
                )
            out.append(word)
    return out


def content_runs(tokens: Sequence[str], stop_words: frozenset[str], min_len: int = 2) -> list[Run]:
    """Split a token list into runs of content words.

    Stop words and tokens shorter than ``min_len`` are removed, and each removal
    ends the current run.

    Examples
    --------
    >>> content_runs(["the", "bank", "of", "england", "raised", "rates"], frozenset({"the", "of"}))
    [['bank'], ['england', 'raised', 'rates']]
    """
    runs: list[Run] = []
    current: Run = []
    for tok in tokens:
        if tok in stop_words or len(tok) < min_len:
            if current:
                runs.append(current)
                current = []
        else:
            current.append(tok)
    if current:
        runs.append(current)
    return runs


def encode_texts(
    texts: Iterable[Document],
    stop_words: frozenset[str],
    *,
    tokenizer: Callable[[Document], list[str]] | None = None,
    min_len: int = 2,
    chunk_docs: int = 4096,
) -> TokenArrays:
    """Tokenise a stream of documents into :class:`TokenArrays` of content words.

    Equivalent to ``[content_runs(tokenizer(t), stop_words, min_len) for t in texts]``,
    but the texts are read once, in chunks of ``chunk_docs`` (they may come from a
    generator), and a chunk's tokens are mapped to ids, filtered and split into runs
    with array operations.

    Parameters
    ----------
    texts : iterable of str, or of lists of str
    stop_words : frozenset of str
        Removed; each removal (like a token shorter than ``min_len``) ends a run.
    tokenizer : callable, optional
        Document -> tokens; default :func:`tokenize` (raw text only).
    min_len : int
        Shortest content word.
    chunk_docs : int
        Documents tokenised per array step.

    Returns
    -------
    TokenArrays
    """
    table = TypeTable()
    content = np.zeros(0, dtype=bool)  # (n_types,) whether a type is a content word
    ids_parts: list[np.ndarray] = []
    start_parts: list[np.ndarray] = []
    length_parts: list[np.ndarray] = []
    tokens: list[str] = []
    lengths: list[int] = []

    def flush() -> None:
        nonlocal content
        ids, new = table.encode(tokens)
        flags = np.fromiter(
            (w not in stop_words and len(w) >= min_len for w in new), bool, len(new)
        )
        content = np.concatenate([content, flags])
        n = np.asarray(lengths, dtype=np.int64)  # (n_docs_chunk,)
        keep = content[ids]  # (n_tokens_chunk,)
        starts = np.zeros(len(ids), dtype=bool)  # a doc's first token or one after a removal
        starts[(np.cumsum(n) - n)[n > 0]] = True
        starts[1:] |= ~keep[:-1]
        doc = np.repeat(np.arange(len(n)), n)
        ids_parts.append(ids[keep].astype(np.int32))
        start_parts.append(starts[keep])
        length_parts.append(np.bincount(doc[keep], minlength=len(n)))
        tokens.clear()
        lengths.clear()

    split = tokenizer if tokenizer is not None else tokenize
    for text in texts:
        words = split(text)  # type: ignore[arg-type]
        tokens.extend(words)
        lengths.append(len(words))
        if len(lengths) >= chunk_docs:
            flush()
    if lengths:
        flush()
    return assemble(table.types, ids_parts, start_parts, length_parts)


@dataclass
class PhraseModel:
    """Learned n-gram phrases, applied greedily left to right, layer by layer.

    Attributes
    ----------
    layers : list of set of tuple(str, str)
        ``layers[i]`` holds the pairs merged in pass ``i``; the parts of a pair may
        themselves be phrases from earlier passes (``("new york", "city")``).
    max_ngram : int
        No merged term has more words than this.
    """

    layers: list[set[tuple[str, str]]] = field(default_factory=list)
    max_ngram: int = 3

    @staticmethod
    def _merge(run: Run, pairs: set[tuple[str, str]], max_ngram: int) -> Run:
        out: Run = []
        i, n = 0, len(run)
        while i < n:
            if i + 1 < n and (run[i], run[i + 1]) in pairs:
                merged = run[i] + " " + run[i + 1]
                if merged.count(" ") < max_ngram:
                    out.append(merged)
                    i += 2
                    continue
            out.append(run[i])
            i += 1
        return out

    def apply(self, runs: Iterable[Run]) -> list[Run]:
        """Merge detected phrases inside each run.

        Parameters
        ----------
        runs : iterable of list of str
            Content-word runs of one or more documents.

        Returns
        -------
        list of list of str
            The runs with phrase pairs replaced by space-joined terms.
        """
        result = [list(r) for r in runs]
        for pairs in self.layers:
            if pairs:
                result = [self._merge(r, pairs, self.max_ngram) for r in result]
        return result

    def apply_docs(self, doc_runs: Iterable[Sequence[Run]]) -> list[list[Run]]:
        """:meth:`apply` for each document's list of runs."""
        return [self.apply(runs) for runs in doc_runs]

    def apply_arrays(self, tokens: TokenArrays) -> TokenArrays:
        """:meth:`apply` on a whole corpus in array form (the same merges, vectorised).

        Parameters
        ----------
        tokens : TokenArrays
            Content words with their runs.

        Returns
        -------
        TokenArrays
            The merged tokens; new phrase types are appended to ``types``.
        """
        types = list(tokens.types)
        index = {t: i for i, t in enumerate(types)}
        ids, run_start, doc_ptr = tokens.ids, tokens.run_start, tokens.doc_ptr
        for pairs in self.layers:
            left, right, merged = [], [], []
            for a, b in sorted(pairs):
                if a in index and b in index and (a + " " + b).count(" ") < self.max_ngram:
                    left.append(index[a])
                    right.append(index[b])
                    merged.append(type_id(a + " " + b, types, index))
            ids, run_start, doc_ptr = merge_pairs(
                ids, run_start, doc_ptr, np.array(left), np.array(right), np.array(merged)
            )
        return TokenArrays(types, ids, run_start, doc_ptr)

    def to_json(self) -> dict[str, object]:
        """A JSON-serialisable form: ``{"max_ngram": 3, "layers": [[[a, b], ...], ...]}``."""
        return {
            "max_ngram": self.max_ngram,
            "layers": [sorted([a, b] for a, b in layer) for layer in self.layers],
        }

    @classmethod
    def from_json(cls, data: dict[str, object]) -> PhraseModel:
        """Rebuild a model written by :meth:`to_json`."""
        layers_raw = data["layers"]
        assert isinstance(layers_raw, list)
        layers = [{(str(a), str(b)) for a, b in layer} for layer in layers_raw]
        max_ngram = data["max_ngram"]
        assert isinstance(max_ngram, int)
        return cls(layers=layers, max_ngram=max_ngram)


def learn_phrases_arrays(
    tokens: TokenArrays,
    *,
    max_ngram: int = 3,
    min_count: int = 5,
    threshold: float = 10.0,
) -> tuple[PhraseModel, TokenArrays]:
    """:func:`learn_phrases` on a corpus in array form; also returns the merged tokens.

    Each pass counts the pairs of adjacent tokens inside runs by sorting their keys
    ``left * n_types + right``, scores them all at once and merges the chosen pairs with
    one vectorised pass (:func:`neurotopic.tokens.merge_pairs`).

    Returns
    -------
    phrases : PhraseModel
    terms : TokenArrays
        ``tokens`` with the phrases merged (``phrases.apply_arrays(tokens)``).
    """
    model = PhraseModel(layers=[], max_ngram=max_ngram)
    types = list(tokens.types)
    index = {t: i for i, t in enumerate(types)}
    ids, run_start, doc_ptr = tokens.ids, tokens.run_start, tokens.doc_ptr
    for _ in range(max(0, max_ngram - 1)):
        n_types = len(types)
        counts = np.bincount(ids, minlength=n_types)
        n_words = np.fromiter((t.count(" ") + 1 for t in types), np.int64, n_types)
        inner = ~run_start[1:]
        keys, pair_counts = unique_counts(
            ids[:-1][inner].astype(np.int64) * n_types + ids[1:][inner]
        )
        a, b = np.divmod(keys, n_types)
        score = (pair_counts - min_count) / (counts[a] * counts[b]) * np.count_nonzero(counts)
        chosen = (pair_counts >= min_count) & (n_words[a] + n_words[b] <= max_ngram)
        chosen &= score > threshold
        if not chosen.any():
            break
        a, b = a[chosen], b[chosen]
        pairs = list(zip(a.tolist(), b.tolist(), strict=True))
        model.layers.append({(types[i], types[j]) for i, j in pairs})
        merged = np.array([type_id(types[i] + " " + types[j], types, index) for i, j in pairs])
        ids, run_start, doc_ptr = merge_pairs(ids, run_start, doc_ptr, a, b, merged)
    return model, TokenArrays(types, ids, run_start, doc_ptr)


def learn_phrases(
    doc_runs: Sequence[Sequence[Run]],
    *,
    max_ngram: int = 3,
    min_count: int = 5,
    threshold: float = 10.0,
) -> PhraseModel:
    """Detect phrases with gensim's default scorer, ``max_ngram - 1`` passes.

    A pair (a, b) of adjacent tokens becomes a phrase when::

        (count(a b) - min_count) / (count(a) * count(b)) * n_token_types > threshold

    (Mikolov et al. 2013, as in ``gensim.models.phrases.original_scorer``).

    Parameters
    ----------
    doc_runs : sequence of sequence of list of str
        For each document, its content-word runs (see :func:`content_runs`).
    max_ngram : int
        Longest term, in words; 1 disables phrases.
    min_count : int
        Pairs seen fewer times are ignored.
    threshold : float
        Score a pair must exceed.

    Returns
    -------
    PhraseModel
    """
    return learn_phrases_arrays(
        encode_runs(doc_runs), max_ngram=max_ngram, min_count=min_count, threshold=threshold
    )[0]


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
