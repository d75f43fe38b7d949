"""Tests for the array form of a corpus (TokenArrays) and the vectorised phrase merge."""

from __future__ import annotations

import numpy as np

from neurotopic.text.text import PhraseModel
from neurotopic.text.tokens import TokenArrays, encode_runs, merge_pairs

DOC_RUNS = [
    [["bank", "england"], ["rates"]],
    [],
    [["new", "york", "city"], ["bank"]],
]


def test_encode_runs_round_trips_documents_and_runs() -> None:
    tokens = encode_runs(DOC_RUNS)
    assert tokens.n_docs == 3
    assert tokens.types == ["bank", "england", "rates", "new", "york", "city"]
    assert tokens.ids.dtype == np.int32
    assert tokens.ids.tolist() == [0, 1, 2, 3, 4, 5, 0]
    assert tokens.doc_ptr.tolist() == [0, 3, 3, 7]
    assert tokens.run_start.tolist() == [True, False, True, True, False, False, True]
    assert tokens.to_runs() == DOC_RUNS
    assert tokens.to_lists() == [["bank", "england", "rates"], [], ["new", "york", "city", "bank"]]
    assert tokens.counts().tolist() == [2, 1, 1, 1, 1, 1]
    assert tokens.doc_ids().tolist() == [0, 0, 0, 2, 2, 2, 2]
    # An empty run is no run; a document of one token list is one run.
    assert encode_runs([[[], ["a"]], [["b", "c"]]]).to_runs() == [[["a"]], [["b", "c"]]]


def _merge(tokens: TokenArrays, pairs: list[tuple[str, str]]) -> list[list[list[str]]]:
    types = list(tokens.types)
    index = {t: i for i, t in enumerate(types)}
    left = np.array([index[a] for a, _ in pairs])
    right = np.array([index[b] for _, b in pairs])
    merged = []
    for a, b in pairs:
        types.append(a + " " + b)
        merged.append(len(types) - 1)
    ids, run_start, doc_ptr = merge_pairs(
        tokens.ids, tokens.run_start, tokens.doc_ptr, left, right, np.array(merged)
    )
    return TokenArrays(types, ids, run_start, doc_ptr).to_runs()


def test_merge_pairs_is_greedy_left_to_right_inside_runs() -> None:
    tokens = encode_runs([[["a", "b", "c", "d", "a", "b"]], [["c"], ["d", "a"]], [["b", "c"]]])
    pairs = [("a", "b"), ("b", "c"), ("c", "d")]
    # a-b-c-d: "a b" then "c d"; a pair never spans runs ("c" | "d") or documents ("a" | "b").
    assert _merge(tokens, pairs) == [[["a b", "c d", "a b"]], [["c"], ["d", "a"]], [["b c"]]]
    # A stretch of five mergeable positions merges the 1st, 3rd and 5th.
    chain = encode_runs([[["x", "x", "x", "x", "x", "x"]]])
    assert _merge(chain, [("x", "x")]) == [[["x x", "x x", "x x"]]]
    assert _merge(encode_runs([[["x", "x", "x"]]]), [("x", "x")]) == [[["x x", "x"]]]


def test_merge_pairs_agrees_with_the_python_merge_on_random_runs() -> None:
    rng = np.random.default_rng(0)
    words = ["a", "b", "c", "d"]
    doc_runs = [
        [list(rng.choice(words, size=rng.integers(1, 8))) for _ in range(rng.integers(0, 4))]
        for _ in range(300)
    ]
    layers = [{("a", "b"), ("b", "b"), ("c", "a")}, {("a b", "c"), ("c", "a b")}]
    model = PhraseModel(layers=layers, max_ngram=3)
    tokens = encode_runs(doc_runs)
    assert model.apply_arrays(tokens).to_runs() == model.apply_docs(doc_runs)
    two = PhraseModel(layers=layers, max_ngram=2)
    assert two.apply_arrays(tokens).to_runs() == two.apply_docs(doc_runs)
