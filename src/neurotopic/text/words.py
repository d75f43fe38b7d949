"""From raw text to content words: tokenising, stop words and runs of content words.

A whole corpus is handled as flat arrays (:class:`~neurotopic.tokens.TokenArrays`: one
type id per token, documents concatenated, CSR-style offsets), built while the texts
stream past (:func:`encode_texts`), so its memory is a few bytes per token and no Python
loop runs per token.  Phrase terms are learned from these runs in
:mod:`~neurotopic.text.phrases`.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Callable, Iterable, Sequence

import numpy as np
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

from ..errors import NeurotopicError
from .language import language_stop_words, normalize_word, warn_no_stop_words
from .tokens import TokenArrays, TypeTable, assemble

# A token: a letter (of any script), then letters, digits, combining marks or inner
# hyphens.  Apostrophes split tokens, so contractions and possessives leave short stubs
# ("don", "t", "s") that the stop-word list and the minimum length remove.  Pure-ASCII
# text takes the ASCII pattern, which finds the same tokens faster.
_ASCII_TOKEN_RE = re.compile(r"[a-z][a-z0-9]*(?:-[a-z0-9]+)*")
_POSSESSIVE_RE = re.compile(r"['\u2019]s\b")

#: A document: raw text, or its tokens (pre-tokenized input).
Document = str | Sequence[str]
#: A run of content words is split where a stop word or a too-short token stood.
Run = list[str]


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
