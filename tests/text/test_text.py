"""Tests for tokenising, content-word runs and phrase (n-gram) terms."""

from __future__ import annotations

import json

import numpy as np
import pytest

from neurotopic.datasets import load_bbc
from neurotopic.text.text import (
    Analyzer,
    PhraseModel,
    content_runs,
    default_stop_words,
    encode_texts,
    learn_phrases,
    learn_phrases_arrays,
    tokenize,
)
from neurotopic.text.tokens import encode_runs
from neurotopic.text.vocabulary import analyse_corpus

STOP = default_stop_words()


@pytest.fixture(scope="module")
def bbc_runs() -> list[list[list[str]]]:
    """Content-word runs of ~200 BBC articles spread over all five classes."""
    texts = load_bbc().texts[::11]
    return [content_runs(tokenize(t), STOP) for t in texts]


@pytest.fixture(scope="module")
def bbc_phrases(bbc_runs: list[list[list[str]]]) -> PhraseModel:
    return learn_phrases(bbc_runs, max_ngram=3)


def all_phrases(model: PhraseModel) -> set[str]:
    return {a + " " + b for layer in model.layers for a, b in layer}


# ------------------------------------------------------------------ tokenize


def test_tokenize_docstring_example() -> None:
    assert tokenize("The Bank of England's rate-setters met.") == [
        "the",
        "bank",
        "of",
        "england",
        "rate-setters",
        "met",
    ]


def test_tokenize_possessives() -> None:
    # 's is dropped (straight or curly apostrophe), a plural possessive keeps its word.
    assert tokenize("James's car, the banks' loans") == ["james", "car", "the", "banks", "loans"]
    assert tokenize("Blair\u2019s plan") == ["blair", "plan"]


def test_tokenize_hyphens_keep_inner_only() -> None:
    assert tokenize("a well-known, long-term deal -- end- -start") == [
        "a",
        "well-known",
        "long-term",
        "deal",
        "end",
        "start",
    ]


def test_tokenize_digits_need_a_leading_letter() -> None:
    # Numbers alone are not tokens; digits inside a token are kept.
    assert tokenize("In 2004 the G8 sold 3.2bn MP3 players") == [
        "in",
        "the",
        "g8",
        "sold",
        "bn",
        "mp3",
        "players",
    ]


def test_tokenize_lowercases_and_ignores_punctuation() -> None:
    assert tokenize("BBC NEWS: Hello,World!!") == ["bbc", "news", "hello", "world"]
    assert tokenize("") == []


# -------------------------------------------------------------- stop words


def test_default_stop_words_extend_sklearn() -> None:
    assert {"the", "of", "and", "mr", "mrs", "s", "t"} <= STOP
    assert "minister" not in STOP


def test_contractions_are_removed_as_stop_words() -> None:
    assert content_runs(tokenize("I don't think it isn't fair"), STOP) == [["think"], ["fair"]]


# ------------------------------------------------------------ content_runs


def test_content_runs_docstring_example() -> None:
    tokens = ["the", "bank", "of", "england", "raised", "rates"]
    assert content_runs(tokens, frozenset({"the", "of"})) == [
        ["bank"],
        ["england", "raised", "rates"],
    ]


def test_content_runs_break_at_stop_words_and_short_tokens() -> None:
    tokens = ["prime", "minister", "x", "tony", "blair", "and", "the", "chancellor"]
    assert content_runs(tokens, frozenset({"and", "the"})) == [
        ["prime", "minister"],
        ["tony", "blair"],
        ["chancellor"],
    ]
    # min_len=5 also removes (and breaks at) "tony".
    assert content_runs(tokens, frozenset({"and", "the"}), min_len=5) == [
        ["prime", "minister"],
        ["blair"],
        ["chancellor"],
    ]


def test_content_runs_of_only_stop_words_is_empty() -> None:
    assert content_runs(["the", "of", "a"], STOP) == []
    assert content_runs([], STOP) == []


def test_content_runs_keep_every_content_token_in_order(
    bbc_runs: list[list[list[str]]],
) -> None:
    text = load_bbc().texts[0]
    expected = [t for t in tokenize(text) if t not in STOP and len(t) >= 2]
    assert [t for r in bbc_runs[0] for t in r] == expected
    assert all(t not in STOP for runs in bbc_runs for r in runs for t in r)


# ------------------------------------------------------------ encode_texts


def test_encode_texts_equals_content_runs_on_bbc(bbc_runs: list[list[list[str]]]) -> None:
    texts = load_bbc().texts[::11]
    tokens = encode_texts(texts, STOP)
    assert tokens.n_docs == len(texts)
    assert tokens.to_runs() == bbc_runs
    # Chunking (and reading from a generator) changes nothing.
    small = encode_texts((t for t in texts), STOP, chunk_docs=7)
    assert small.to_runs() == bbc_runs
    assert small.types == tokens.types
    np.testing.assert_array_equal(small.ids, tokens.ids)


def test_encode_texts_keeps_empty_documents_and_breaks_runs_at_removals() -> None:
    tokens = encode_texts(["", "The of a", "Bank of England raised rates", "x y ok"], STOP)
    assert tokens.doc_ptr.tolist() == [0, 0, 0, 4, 5]
    assert tokens.to_runs() == [[], [], [["bank"], ["england", "raised", "rates"]], [["ok"]]]


# ------------------------------------------------------------ learn_phrases


def test_learn_phrases_finds_known_bbc_phrases(bbc_phrases: PhraseModel) -> None:
    found = all_phrases(bbc_phrases)
    for phrase in ("prime minister", "tony blair", "gordon brown", "chief executive"):
        assert phrase in found
    # Frequent words that merely co-occur are not phrases.
    assert "said told" not in found


def test_learned_phrases_have_no_stop_words_and_respect_max_ngram(
    bbc_phrases: PhraseModel,
) -> None:
    found = all_phrases(bbc_phrases)
    words_per_phrase = [len(p.split(" ")) for p in found]
    assert max(words_per_phrase) == 3  # trigrams exist on BBC ...
    assert min(words_per_phrase) == 2
    assert all(w not in STOP for p in found for w in p.split(" "))


def test_applied_phrases_only_join_adjacent_words(
    bbc_runs: list[list[list[str]]], bbc_phrases: PhraseModel
) -> None:
    merged = bbc_phrases.apply_docs(bbc_runs)
    n_multi = 0
    for runs, new_runs in zip(bbc_runs, merged, strict=True):
        assert len(runs) == len(new_runs)  # a phrase never spans two runs
        for run, new_run in zip(runs, new_runs, strict=True):
            assert " ".join(new_run) == " ".join(run)  # same words, same order
            assert all(len(t.split(" ")) <= 3 for t in new_run)
            n_multi += sum(" " in t for t in new_run)
    assert n_multi > 100


def test_learn_phrases_arrays_returns_the_merged_corpus(
    bbc_runs: list[list[list[str]]], bbc_phrases: PhraseModel
) -> None:
    model, merged = learn_phrases_arrays(encode_runs(bbc_runs), max_ngram=3)
    assert model.layers == bbc_phrases.layers
    expected = bbc_phrases.apply_docs(bbc_runs)  # the reference, token-by-token merge
    assert merged.to_runs() == expected
    assert bbc_phrases.apply_arrays(encode_runs(bbc_runs)).to_runs() == expected


def test_learn_phrases_never_merges_across_a_stop_word() -> None:
    texts = ["The Bank of England raised rates."] * 50 + [f"filler{i} words" for i in range(40)]
    doc_runs = [content_runs(tokenize(t), STOP) for t in texts]
    model = learn_phrases(doc_runs, min_count=2, threshold=0.1)
    found = all_phrases(model)
    assert "bank england" not in found
    assert "england raised" in found  # adjacent content words still pair up


def test_learn_phrases_score_formula() -> None:
    # (count(ab) - min_count) / (count(a) count(b)) * n_types = (10 - 5) / 100 * n_types.
    def corpus(n_fillers: int) -> list[list[list[str]]]:
        return [[["new", "york"]]] * 10 + [[[f"w{i}"]] for i in range(n_fillers)]

    # n_types = 12 -> score 0.6; n_types = 8 -> score 0.4.
    assert learn_phrases(corpus(10), max_ngram=2, min_count=5, threshold=0.5).layers == [
        {("new", "york")}
    ]
    assert learn_phrases(corpus(6), max_ngram=2, min_count=5, threshold=0.5).layers == []
    # A pair seen fewer than min_count times is never a phrase.
    assert learn_phrases(corpus(10), max_ngram=2, min_count=11, threshold=-100).layers == []


def test_learn_phrases_builds_trigrams_only_up_to_max_ngram() -> None:
    doc_runs = [[["new", "york", "city"]]] * 20 + [[[f"w{i}"]] for i in range(30)]
    three = learn_phrases(doc_runs, max_ngram=3, min_count=5, threshold=1.0)
    assert three.apply([["new", "york", "city", "hall"]]) == [["new york city", "hall"]]
    two = learn_phrases(doc_runs, max_ngram=2, min_count=5, threshold=1.0)
    assert len(two.layers) == 1
    assert two.apply([["new", "york", "city"]]) == [["new york", "city"]]


def test_max_ngram_one_learns_no_phrases(bbc_runs: list[list[list[str]]]) -> None:
    model = learn_phrases(bbc_runs, max_ngram=1)
    assert model.layers == []
    assert model.apply(bbc_runs[0]) == bbc_runs[0]


# ------------------------------------------------------------- PhraseModel


def test_phrase_model_merges_greedily_left_to_right() -> None:
    model = PhraseModel(layers=[{("a", "b"), ("b", "c")}], max_ngram=2)
    assert model.apply([["a", "b", "c"], ["b", "c", "a"]]) == [["a b", "c"], ["b c", "a"]]


def test_phrase_model_apply_does_not_exceed_max_ngram() -> None:
    layers = [{("new", "york")}, {("new york", "city")}]
    assert PhraseModel(layers=layers, max_ngram=2).apply([["new", "york", "city"]]) == [
        ["new york", "city"]
    ]
    assert PhraseModel(layers=layers, max_ngram=3).apply([["new", "york", "city"]]) == [
        ["new york city"]
    ]


def test_phrase_model_json_round_trip(
    bbc_runs: list[list[list[str]]], bbc_phrases: PhraseModel
) -> None:
    data = json.loads(json.dumps(bbc_phrases.to_json()))
    restored = PhraseModel.from_json(data)
    assert restored.max_ngram == bbc_phrases.max_ngram
    assert restored.layers == bbc_phrases.layers
    assert restored.apply_docs(bbc_runs) == bbc_phrases.apply_docs(bbc_runs)


def test_phrase_model_json_is_independent_of_set_order() -> None:
    pairs = [("a", "b"), ("c", "d"), ("b", "e")]
    one = PhraseModel(layers=[set(pairs)])
    other = PhraseModel(layers=[set(reversed(pairs))])
    assert json.dumps(one.to_json()) == json.dumps(other.to_json())


# ---------------------------------------------------------------- Analyzer


def test_analyzer_terms_merge_phrases_and_drop_stop_words() -> None:
    analyzer = Analyzer(STOP, PhraseModel(layers=[{("prime", "minister")}], max_ngram=2))
    text = "The Prime Minister's office said the prime minister of Italy"
    assert analyzer.runs(text) == [
        ["prime", "minister", "office", "said"],
        ["prime", "minister"],
        ["italy"],
    ]
    assert analyzer.terms(text) == ["prime minister", "office", "said", "prime minister", "italy"]


def test_analyzer_with_bbc_phrases(bbc_phrases: PhraseModel) -> None:
    analyzer = Analyzer(STOP, bbc_phrases)
    terms = analyzer.terms("Tony Blair, the prime minister, met Gordon Brown.")
    assert terms == ["tony blair", "prime minister", "met", "gordon brown"]


def test_term_arrays_are_the_terms_of_each_document() -> None:
    texts = load_bbc().texts[:300]
    analyzer = analyse_corpus(texts, stop_words="english", max_ngram=3, min_df=3).analyzer
    assert any(layer for layer in analyzer.phrases.layers)  # phrases are merged
    arrays = analyzer.term_arrays(texts)
    assert arrays.to_lists() == [analyzer.terms(t) for t in texts]
