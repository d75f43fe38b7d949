"""The documents a model reads: a list of strings, or a list of token lists."""

from __future__ import annotations

from typing import Any

from ..errors import NeurotopicError
from .text import Document as Document


def check_texts(texts: Any, what: str = "texts") -> list[Document]:
    """The documents as a list: every one a string, or every one a list of tokens.

    Parameters
    ----------
    texts : iterable of str, or of lists of str
    what : str
        The argument's name, for the error message.

    Raises
    ------
    NeurotopicError
        One line naming the problem and the fix: a single string, an empty corpus, or
        documents of mixed or wrong types.
    """
    if isinstance(texts, str | bytes):
        raise NeurotopicError(
            f"{what} must be a list of documents, not a single string; wrap it in a list"
        )
    try:
        docs = list(texts)
    except TypeError:
        raise NeurotopicError(
            f"{what} must be an iterable of strings, got {type(texts).__name__}"
        ) from None
    tokens = bool(docs) and isinstance(docs[0], list | tuple)
    for i, doc in enumerate(docs):
        if tokens and not (isinstance(doc, list | tuple) and all(isinstance(t, str) for t in doc)):
            raise NeurotopicError(
                f"document {i} of {what} is not a list of token strings; give every "
                "document as text, or every one as a list of tokens"
            )
        if not tokens and not isinstance(doc, str):
            raise NeurotopicError(
                f"document {i} of {what} is a {type(doc).__name__}, not a string; pass text "
                "strings (or every document as a list of tokens)"
            )
    if not docs:
        raise NeurotopicError(f"{what} is empty; pass at least 2 documents")
    return docs
