"""Which language a corpus is in, and that language's stop words.

Detection uses py3langid (a maintained, offline fork of langid.py: a naive Bayes model
over byte n-grams, shipped with the package, about 140 languages, no network and no
compiled code beyond numpy).  It was chosen over lingua-language-detector because it
is small and fast, and a corpus's *main* language is an easy call: a few hundred
documents vote, so the extra accuracy lingua gains on short single texts is not needed.

Stop words come from stopwordsiso (the stopwords-iso collection, 58 languages), except
for English, which keeps scikit-learn's list plus contraction stubs
(:func:`neurotopic.text.default_stop_words`): the list every English benchmark was
tuned with.  Stop words and tokens are normalised the same way (NFC, then
``str.casefold``), so a list's "Straße" matches the text's "STRASSE".
"""

from __future__ import annotations

import unicodedata
import warnings
from collections import Counter
from collections.abc import Sequence

from ..errors import NeurotopicError

__all__ = [
    "AUTO",
    "NO_SPACE_LANGUAGES",
    "SEGMENTED_LANGUAGES",
    "check_language",
    "detect_language",
    "language_stop_words",
    "normalize_word",
]

#: The ``language`` value that detects the corpus's language.
AUTO = "auto"
#: Languages whose words are found by a segmenter (``pip install "neurotopic[cjk]"``).
SEGMENTED_LANGUAGES = frozenset({"zh", "ja"})
#: Languages written without spaces between words and without a segmenter here.
NO_SPACE_LANGUAGES = frozenset({"th", "lo", "km", "my", "bo", "dz"})
#: Detector labels read as another code: Cantonese and Wu are segmented as Chinese.
_ALIASES = {"yue": "zh", "wuu": "zh"}
#: Characters of each sampled document the detector reads.
_SAMPLE_CHARS = 2000
#: Fallback when the sample holds no text to detect.
DEFAULT_LANGUAGE = "en"


def normalize_word(word: str) -> str:
    """A token or stop word as tokens are compared: NFC-normalised, then casefolded.

    Examples
    --------
    >>> normalize_word("Straße")
    'strasse'
    """
    return unicodedata.normalize("NFC", word).casefold()


#: Codes py3langid returns (ISO 639-1 where one exists, else ISO 639-3).
_DETECTABLE = frozenset(
    "ace af am an ar ary arz as az ba bcl be bg bn br bs ca crh cs cy da de dz el en eo es "
    "et eu ext fa fi fo fr fuv fy ga gcf gcr gd gl gom grc gu gug guw ha hbo he hi hr ht hu "
    "hy id ig is it ja jv ka kab kik kk km kn ko ku ky la lb lg lij ln lo lt ltg lv mg mk ml "
    "mn mr ms mt my ne nl nn no nso oc om or pa pcm pl ps pt qu ro ru rw sa sdh se si sk sl "
    "sn so sq sr st sv sw ta te tg th tk tl tr tt ug uk ur uz uzs vec vi vo wa wuu xh yo yue "
    "zh zu".split()
)


def check_language(language: object) -> str:
    """Validate a ``language`` parameter: ``"auto"`` or a language code.

    Returns
    -------
    str
        ``"auto"`` or the lower-cased code (aliases resolved: ``"yue"`` -> ``"zh"``).

    Raises
    ------
    NeurotopicError
        If ``language`` is not a string naming a known language.
    """
    if not isinstance(language, str):
        raise NeurotopicError(
            f"language must be 'auto' or an ISO 639-1 code such as 'de', got {language!r}"
        )
    code = language.strip().lower().replace("_", "-").split("-")[0]  # "zh-Hans" -> "zh"
    if code == AUTO:
        return AUTO
    code = _ALIASES.get(code, code)
    if code not in _DETECTABLE and code not in _stop_word_languages():
        raise NeurotopicError(
            f"unknown language {language!r}; pass 'auto' or an ISO 639-1 code such as "
            "'en', 'de', 'fr', 'es', 'ru', 'zh' or 'ja'"
        )
    return code


def _stop_word_languages() -> frozenset[str]:
    import stopwordsiso

    return frozenset(stopwordsiso.langs())


def detect_language(texts: Sequence[str], *, sample: int = 200) -> str:
    """The main language of a corpus: py3langid's vote over a sample of documents.

    Up to ``sample`` documents, evenly spaced through ``texts``, are each classified
    from their first 2,000 characters; each votes with its length, and the code with
    the most weight wins.

    Parameters
    ----------
    texts : sequence of str
        The corpus (or a prefix of a streamed one).
    sample : int
        Most documents read.

    Returns
    -------
    str
        An ISO 639-1 code (``"de"``; ISO 639-3 where there is none); ``"en"`` when the
        sample holds no letters.

    Examples
    --------
    >>> detect_language(["Die Benutzeroberfläche startet schnell und zuverlässig."])
    'de'
    """
    import py3langid

    n = len(texts)
    if n == 0:
        return DEFAULT_LANGUAGE
    step = max(1, n // sample)
    votes: Counter[str] = Counter()
    for i in range(0, n, step):
        text = texts[i][:_SAMPLE_CHARS]
        weight = sum(1 for c in text if c.isalpha())
        if weight:
            code, _ = py3langid.classify(text)
            votes[_ALIASES.get(str(code), str(code))] += weight
    votes.pop("zxx", None)  # "no linguistic content"
    if not votes:
        return DEFAULT_LANGUAGE
    return votes.most_common(1)[0][0]


def language_stop_words(language: str) -> frozenset[str] | None:
    """The stop words of a language, normalised (:func:`normalize_word`).

    Returns
    -------
    frozenset of str or None
        None when stopwordsiso has no list for ``language`` (English is not asked
        here; see :func:`neurotopic.text.resolve_stop_words`).
    """
    import stopwordsiso

    if language not in stopwordsiso.langs():
        return None
    return frozenset(normalize_word(w) for w in stopwordsiso.stopwords(language))


def warn_no_stop_words(language: str) -> None:
    """Say that a language has no stop-word list (topics will hold function words)."""
    warnings.warn(
        f"no stop-word list for language '{language}'; its function words stay in the "
        "topics: pass stop_words=[...] with a list for it",
        UserWarning,
        stacklevel=3,
    )
