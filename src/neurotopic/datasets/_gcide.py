"""GCIDE definitions labelled by subject field, from the Debian package ``dict-gcide``.

The GNU Collaborative International Dictionary of English (mostly Webster's 1913) marks
many senses with a field such as ``(Zool.)`` or ``(Law)``.  This module splits an entry
into its senses (:func:`_gcide_senses`), cleans GCIDE's markup out of each definition and
keeps the senses with exactly one field, which becomes the label (:func:`load_gcide`).  The
database is read with :func:`~._dictd._dictd_entries`.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator

from . import _dictd
from ._base import Dataset, _drop_small_classes, _remove_nested

_GCIDE_FIX = "install it with: apt-get install dict-gcide"

# GCIDE markup: "[ae]", "[=o]", "[a^]" stand for letters inside words; other "[...]" are
# etymologies, usage notes ("[Obs.]") and sources ("[1913 Webster]"); "\Ab*jure"\" is the
# pronunciation; a domain label is a short capitalised parenthesis: "(Zool.)", "(Law)".
_GCIDE_LETTERS = re.compile(r"(?<=[A-Za-z])\[([^\]\s]{1,3})\]|\[([^\]\s]{1,3})\](?=[A-Za-z])")
_GCIDE_BRACKETS = re.compile(r"\[[^\[\]]*\]")
_GCIDE_PRONUNCIATION = re.compile(r"\\[^\\]*\\")
_GCIDE_LABEL = re.compile(r"\s*\(([A-Z][^()\[\]{}]{0,38})\)")
_GCIDE_CITATION = re.compile(r"\s?--\s?(?:[A-Z][\w'&.]*\.?\s?){1,4}")
_GCIDE_SENSE = re.compile(r"(\d+)\.\s")


def _gcide_letters(text: str) -> str:
    """Replace GCIDE's bracketed letter codes inside words by their letters."""
    return _GCIDE_LETTERS.sub(
        lambda m: "".join(c for c in (m.group(1) or m.group(2)) if c.isalpha()), text
    )


def _gcide_clean(text: str) -> str:
    """A definition without brackets, braces, pronunciations and ``--Author.`` citations."""
    text = _GCIDE_PRONUNCIATION.sub("", _gcide_letters(text))
    text = _remove_nested(_GCIDE_BRACKETS, text)
    text = _GCIDE_CITATION.sub(" ", text.replace("{", "").replace("}", ""))
    return " ".join(text.split()).lstrip(",;: ")


def _gcide_leading_labels(text: str) -> tuple[list[str], str]:
    """The domain labels a sense starts with, and the text after them."""
    labels: list[str] = []
    while (match := _GCIDE_LABEL.match(text)) and len(match.group(1).split()) <= 4:
        labels.append(match.group(1).strip())
        text = text[match.end() :]
    return labels, text


def _gcide_senses(entry: str) -> Iterator[tuple[str, list[str], str]]:
    """``(headword, domain labels, definition)`` of each sense of a GCIDE entry.

    The head (headword, pronunciation, part of speech, etymology) runs on while its square
    brackets are open; a label at its end applies to every sense without one of its own.
    A sense is the definition after the head, a numbered sense (``2. (Med.) ...``) or a
    phrase (``{Adipose fin} (Zool.), a soft boneless fin.``, which has its own headword and
    labels only).  Quotations (indented further), ``Note:`` and ``Syn.`` paragraphs and
    source lines (``[1913 Webster]``) are left out.
    """
    lines = entry.split("\n")
    head = [lines[0]]
    rest = 1
    while rest < len(lines) and "".join(head).count("[") > "".join(head).count("]"):
        head.append(lines[rest])
        rest += 1
    head_text = " ".join(" ".join(head).split())
    headword = _gcide_letters(head_text.partition(" \\")[0].partition(",")[0])
    headword = headword.replace("*", "").replace("`", "").replace('"', "").strip()
    trailing = _GCIDE_BRACKETS.sub("", _GCIDE_PRONUNCIATION.sub("", _gcide_letters(head_text)))
    head_labels: list[str] = []
    while (match := re.search(r"\(([A-Z][^()\[\]{}]{0,38})\)\s*$", trailing)) is not None:
        head_labels.insert(0, match.group(1).strip())
        trailing = trailing[: match.start()]
    blocks: list[list[str]] = []
    current: list[str] | None = None
    skipping = False
    for line in lines[rest:]:
        stripped = line.strip()
        indent = len(line) - len(line.lstrip())
        if not stripped:
            current, skipping = None, False
        elif stripped.startswith("["):
            continue
        elif indent <= 3 and (stripped.startswith("{") or _GCIDE_SENSE.match(stripped)):
            current, skipping = [stripped], False
            blocks.append(current)
        elif indent <= 3 and re.match(r"(?:Note|Syn|Usage)\b", stripped):
            current, skipping = None, True
        elif skipping or (current is None and indent >= 8):
            skipping = True
        elif current is None:
            current = [stripped]
            blocks.append(current)
        else:
            current.append(stripped)
    for block in blocks:
        text = " ".join(block)
        word, inherited = headword, head_labels
        if text.startswith("{"):
            phrase, brace, after = text[1:].partition("}")
            if not brace:
                continue
            word, inherited, text = _gcide_letters(phrase).replace("*", ""), [], after
        else:
            text = _GCIDE_SENSE.sub("", text, count=1) if _GCIDE_SENSE.match(text) else text
        labels, text = _gcide_leading_labels(text)
        definition = _gcide_clean(text)
        if definition:
            yield word.strip(), labels or inherited, definition


def load_gcide(min_definitions: int = 150) -> Dataset:
    """Load short GCIDE definitions labelled by their subject field (``Zool.``, ``Law`` ...).

    Reads ``/usr/share/dictd/gcide.dict.dz`` through its index (the Debian package
    ``dict-gcide``, the GNU Collaborative International Dictionary of English, mostly
    Webster's 1913).  One document per sense (see :func:`_gcide_senses`) that carries
    exactly one domain label, its own or its entry's: the headword, a blank line and the
    definition with the label, etymologies and other ``[...]`` notes, pronunciations and
    ``--Author.`` citations removed.  Labels naming two fields (``Zool. & Bot.``) count as
    none; a label with and without its final dot (``Chem``, ``Chem.``) is one field, named
    as it is written more often; fields with fewer than ``min_definitions`` senses are left
    out.  GCIDE 0.48.5 gives 36,191 definitions in 32 fields at the default of 150 (a
    median of 16 words; ``Zool.`` is 26%); at 200 only 27 fields are left.

    Parameters
    ----------
    min_definitions : int
        Keep fields with at least this many definitions.

    Returns
    -------
    Dataset
        Definitions in dictionary order; label = the domain, as abbreviated in GCIDE.

    Raises
    ------
    NeurotopicError
        If the database is missing or unreadable.
    """
    documents: list[tuple[str, str]] = []
    for entry in _dictd._dictd_entries("gcide", "GCIDE", _GCIDE_FIX):
        if entry.startswith("00-database-"):
            continue
        for word, labels, definition in _gcide_senses(entry):
            if len(labels) == 1 and not re.search(r"[&,;]| and | or ", labels[0]):
                documents.append((f"{word}\n\n{definition}", labels[0]))
    counts = Counter(label for _, label in documents)
    # "(Chem)" and "(Chem.)", "(Law)" and "(Law.)" are one field, named as it is more often.
    same: dict[str, str] = {}
    for bare in [label for label in counts if f"{label}." in counts]:
        rare, common = sorted((bare, f"{bare}."), key=lambda label: counts[label])
        same[rare] = common
    documents = [(text, same.get(label, label)) for text, label in documents]
    texts, labels = _drop_small_classes(documents, min_definitions)
    return Dataset(
        name="gcide",
        texts=texts,
        labels=labels,
        description=(
            f"GCIDE: {len(texts)} dictionary definitions in {len(set(labels))} "
            f"subject fields of at least {min_definitions}, from {_dictd._DICTD_DIR} (Debian "
            "package dict-gcide); label = the definition's field label"
        ),
    )
