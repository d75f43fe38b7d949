"""Word segmentation for Chinese and Japanese, written without spaces between words.

Both segmenters are optional (``pip install "neurotopic[cjk]"``) and loaded on first
use; without them a Chinese or Japanese corpus fails with a one-line error naming the
extra, never by dropping its text.

* Chinese: jieba (a prefix dictionary and an HMM for unknown words), precise mode.
* Japanese: SudachiPy with the core dictionary, split mode C (the longest units, so
  compounds such as 機械学習 stay whole); each word is given in its dictionary form
  (書か -> 書く), so a verb's inflections are one term.

Tokens without a letter (punctuation, spaces, numbers) are left out, as the default
tokenizer leaves them out.  Particles and auxiliaries stay as tokens: the stop words
of the language and the two-character minimum remove them and break phrase runs there.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any

from ..errors import NeurotopicError

__all__ = ["Segmenter"]

_NAMES = {"zh": "Chinese", "ja": "Japanese"}
_MODULES = {"zh": ("jieba",), "ja": ("sudachipy", "sudachidict_core")}
#: Characters handed to SudachiPy at a time (at most 4 UTF-8 bytes each: under 48 KiB).
_CHUNK_CHARS = 10_000
_SENTENCE_ENDS = ("。", "！", "？", "\n", ". ")


def _import(module: str, language: str) -> Any:
    try:
        return importlib.import_module(module)
    except ImportError:
        raise NeurotopicError(
            f"{_NAMES[language]} text needs a word segmenter ({module} is missing); install "
            'it with: pip install "neurotopic[cjk]"'
        ) from None


def _has_letter(token: str) -> bool:
    return any(c.isalpha() for c in token)


def _chunks(text: str, size: int = _CHUNK_CHARS) -> list[str]:
    """``text`` in pieces of at most ``size`` characters, cut after a sentence end or a
    line break where one falls in a piece's second half (SudachiPy reads at most 48 KiB
    at a time)."""
    pieces: list[str] = []
    start = 0
    while len(text) - start > size:
        window = text[start : start + size]
        cut = max(window.rfind(mark) for mark in _SENTENCE_ENDS) + 1
        if cut <= size // 2:
            cut = size
        pieces.append(text[start : start + cut])
        start += cut
    pieces.append(text[start:])
    return pieces


class Segmenter:
    """A callable ``text -> list of words`` for ``"zh"`` or ``"ja"``, loaded on first call.

    A copy (``copy.deepcopy``, a model copy) starts unloaded, so a fitted model never
    holds the segmenter's native objects in its state.

    Parameters
    ----------
    language : {"zh", "ja"}

    Raises
    ------
    NeurotopicError
        On the first call, when the segmenter's package is not installed.
    """

    def __init__(self, language: str) -> None:
        if language not in _NAMES:
            raise NeurotopicError(f"no word segmenter for '{language}'; use 'zh' or 'ja'")
        self.language = language
        self._split: Callable[[str], list[str]] | None = None

    def check(self) -> None:
        """Import the segmenter's packages now: a one-line error if one is missing."""
        for module in _MODULES[self.language]:
            _import(module, self.language)

    def _load(self) -> Callable[[str], list[str]]:
        self.check()
        if self.language == "zh":
            jieba = _import("jieba", "zh")
            tokenizer = jieba.Tokenizer()

            def split_zh(text: str) -> list[str]:
                return [w for w in tokenizer.lcut(text) if _has_letter(w)]

            return split_zh
        sudachipy = _import("sudachipy", "ja")
        japanese = sudachipy.Dictionary(dict="core").tokenizer(mode=sudachipy.SplitMode.C)

        def split_ja(text: str) -> list[str]:
            return [
                m.dictionary_form()
                for chunk in _chunks(text)
                for m in japanese.tokenize(chunk)
                if _has_letter(m.surface())
            ]

        return split_ja

    def __call__(self, text: str) -> list[str]:
        if self._split is None:
            self._split = self._load()
        return self._split(text)

    def __deepcopy__(self, memo: dict[int, Any]) -> Segmenter:
        return Segmenter(self.language)

    def __reduce__(self) -> tuple[type[Segmenter], tuple[str]]:
        return (Segmenter, (self.language,))

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Segmenter) and other.language == self.language

    def __hash__(self) -> int:
        return hash(("Segmenter", self.language))

    def __repr__(self) -> str:
        return f"Segmenter({self.language!r})"
