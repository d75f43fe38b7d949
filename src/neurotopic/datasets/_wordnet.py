"""WordNet 3.0, read from the database files of the Debian/Ubuntu package ``wordnet-base``.

Each line of ``/usr/share/wordnet/data.{noun,verb,adj,adv}`` is a synset: its
lexicographer file (a coarse semantic class, see lexnames(5WN)), its words and its gloss.
:func:`_wordnet_synsets` is the one parser of those lines for both corpora made from
them: the glosses labelled by lexicographer file (:func:`load_wordnet_glosses`) and the
multi-label corpus of polysemous words (:func:`load_wordnet_words`).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from ..errors import NeurotopicError
from ._base import Dataset, MultiLabelDataset

_WORDNET_FIX = "install it with: apt-get install wordnet-base"
_WORDNET_REINSTALL = "reinstall it with: apt-get install --reinstall wordnet-base"

# Where Debian's and Ubuntu's wordnet-base package puts the WordNet 3.0 database.
_WORDNET_DIR = Path("/usr/share/wordnet")
_WORDNET_FILES = ("data.noun", "data.verb", "data.adj", "data.adv")

# WordNet's lexicographer files, indexed by the ``lex_filenum`` field (see lexnames(5WN)).
_LEXNAMES: tuple[str, ...] = (
    "adj.all",
    "adj.pert",
    "adv.all",
    "noun.Tops",
    "noun.act",
    "noun.animal",
    "noun.artifact",
    "noun.attribute",
    "noun.body",
    "noun.cognition",
    "noun.communication",
    "noun.event",
    "noun.feeling",
    "noun.food",
    "noun.group",
    "noun.location",
    "noun.motive",
    "noun.object",
    "noun.person",
    "noun.phenomenon",
    "noun.plant",
    "noun.possession",
    "noun.process",
    "noun.quantity",
    "noun.relation",
    "noun.shape",
    "noun.state",
    "noun.substance",
    "noun.time",
    "verb.body",
    "verb.change",
    "verb.cognition",
    "verb.communication",
    "verb.competition",
    "verb.consumption",
    "verb.contact",
    "verb.creation",
    "verb.emotion",
    "verb.motion",
    "verb.perception",
    "verb.possession",
    "verb.social",
    "verb.stative",
    "verb.weather",
    "adj.ppl",
)


def load_wordnet_glosses() -> Dataset:
    """Load the glosses of WordNet 3.0: one short text per synset, 117,659 in all.

    Reads ``data.noun``, ``data.verb``, ``data.adj`` and ``data.adv`` from
    ``/usr/share/wordnet`` (the Debian/Ubuntu package ``wordnet-base``).  The text is the
    gloss after ``|``, definitions and example sentences as they are.  The label is the
    synset's lexicographer file (``noun.animal``, ``verb.motion``, ``adj.all``, ... 45 in
    all), a coarse semantic class.

    Returns
    -------
    Dataset
        Glosses of nouns, then verbs, adjectives and adverbs, each in file order.

    Raises
    ------
    NeurotopicError
        If the WordNet files are missing or malformed.

    Notes
    -----
    Some glosses are shared by several synsets (about 600 repeats), e.g. short
    definitions of taxonomic genera; they are kept.
    """
    texts: list[str] = []
    labels: list[str] = []
    for lexname, _, gloss in _wordnet_synsets():
        texts.append(gloss)
        labels.append(lexname)
    directory = _WORDNET_DIR
    return Dataset(
        name="wordnet",
        texts=texts,
        labels=labels,
        description=(
            f"WordNet 3.0 glosses: {len(texts)} synset definitions with examples, from "
            f"{directory}; label = lexicographer file ({len(set(labels))} classes)"
        ),
    )


def _wordnet_synsets() -> Iterator[tuple[str, list[str], str]]:
    """``(lexicographer file, words, gloss)`` of every synset in the WordNet data files."""
    directory = _WORDNET_DIR
    if not directory.is_dir():
        raise NeurotopicError(f"WordNet glosses need '{directory}'; {_WORDNET_FIX}")
    for file_name in _WORDNET_FILES:
        path = directory / file_name
        if not path.is_file():
            raise NeurotopicError(f"WordNet file '{path}' is missing; {_WORDNET_REINSTALL}")
        with path.open(encoding="utf-8", errors="replace") as stream:
            for line_number, line in enumerate(stream, start=1):
                if line.startswith("  ") or not line.strip():
                    continue
                fields, bar, gloss = line.partition("|")
                head = fields.split(" ")
                if not bar or len(head) < 5 or not head[1].isdigit():
                    raise NeurotopicError(
                        f"WordNet file '{path}' line {line_number} is not a synset record; "
                        f"{_WORDNET_REINSTALL}"
                    )
                lex_filenum = int(head[1])
                if lex_filenum >= len(_LEXNAMES):
                    raise NeurotopicError(
                        f"WordNet file '{path}' line {line_number} has unknown lexicographer "
                        f"file number {lex_filenum}; use WordNet 3.0 (apt-get install "
                        f"wordnet-base)"
                    )
                n_words = int(head[3], 16)
                words = [w.lower() for w in head[4 : 4 + 2 * n_words : 2]]
                yield _LEXNAMES[lex_filenum], words, gloss.strip()


def load_wordnet_words(min_senses: int = 2) -> MultiLabelDataset:
    """A multi-label corpus from WordNet 3.0: one document per polysemous word.

    A document is the glosses of all the synsets a word (lemma, any part of speech)
    belongs to, joined with ``"; "``; its labels are the set of those synsets'
    lexicographer files (``noun.artifact``, ``verb.motion`` ...), so "bank" is labelled
    with ``noun.group``, ``noun.object``, ``noun.possession``, ``verb.possession`` and
    more.  Real text with real, overlapping labels; read from ``/usr/share/wordnet``.

    Parameters
    ----------
    min_senses : int
        Keep words in at least this many synsets.

    Returns
    -------
    MultiLabelDataset
        Words in alphabetical order.
    """
    glosses: dict[str, list[str]] = {}
    lexnames: dict[str, set[str]] = {}
    for lexname, words, gloss in _wordnet_synsets():
        for word in dict.fromkeys(words):
            glosses.setdefault(word, []).append(gloss)
            lexnames.setdefault(word, set()).add(lexname)
    kept = sorted(w for w, g in glosses.items() if len(g) >= min_senses)
    return MultiLabelDataset(
        name="wordnet-words",
        words=kept,
        texts=["; ".join(glosses[w]) for w in kept],
        labels=[sorted(lexnames[w]) for w in kept],
        description=(
            f"WordNet 3.0 words: {len(kept)} words with at least {min_senses} senses, each "
            "document the glosses of its senses; labels = the set of their lexicographer "
            f"files (multi-label, {len(set().union(*map(set, lexnames.values())))} labels)"
        ),
    )
