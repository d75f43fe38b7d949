"""Tests of benchmarks/synthetic.py, the generator of issue 5's planted-topic corpus."""

from __future__ import annotations

import copy
import importlib.util
import json
import sys
from pathlib import Path
from types import ModuleType

import numpy as np
import pytest

from neurotopic import NeuralTopicModel
from neurotopic.evaluation.metrics import topic_recovery
from neurotopic.model.readout import base_relevance
from neurotopic.text.corpus import read_corpus
from neurotopic.text.text import default_stop_words, tokenize

SCRIPT = Path(__file__).resolve().parents[1] / "benchmarks" / "synthetic.py"


@pytest.fixture(scope="module")
def synthetic() -> ModuleType:
    spec = importlib.util.spec_from_file_location("synthetic", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["synthetic"] = module  # dataclasses look their module up by name
    spec.loader.exec_module(module)
    return module


def test_corpus_shapes_and_truth(synthetic: ModuleType, tmp_path: Path) -> None:
    spec = synthetic.SyntheticSpec(n_docs=3000, n_words=500, n_topics=8, seed=1)
    path = tmp_path / "synth.jsonl"
    truth = synthetic.write_corpus(path, spec, top_n=10, chunk_docs=700)
    texts, _ = read_corpus(path)
    assert len(texts) == 3000
    tokens = [tokenize(t) for t in texts]
    lengths = np.array([len(t) for t in tokens])
    # Every word survives the tokenizer (pseudo-words, no stop words), lengths ~ Poisson(10).
    assert lengths.min() >= spec.min_length
    assert sum(map(len, (t.split() for t in texts))) == lengths.sum() == truth["n_tokens"]
    assert 9.5 < lengths.mean() < 10.5
    vocabulary = {w for t in tokens for w in t}
    assert len(vocabulary) <= 500
    assert not vocabulary & default_stop_words()
    assert all(len(w) == 6 and w.isalpha() for w in vocabulary)
    saved = json.loads((tmp_path / "synth.topics.json").read_text(encoding="utf-8"))
    assert saved == json.loads(json.dumps(truth))
    assert saved["spec"]["n_docs"] == 3000
    assert np.array(saved["topics"]).shape == (8, 10)
    assert all(np.all(np.diff(w) <= 0) for w in saved["weights"])  # best first
    assert sum(saved["prevalence"]) == pytest.approx(1.0, abs=1e-4)


def test_generation_is_seeded(synthetic: ModuleType, tmp_path: Path) -> None:
    spec = synthetic.SyntheticSpec(n_docs=500, n_words=300, n_topics=5, seed=3)
    a, b = tmp_path / "a.jsonl", tmp_path / "b.jsonl"
    synthetic.write_corpus(a, spec)
    synthetic.write_corpus(b, spec, chunk_docs=64)  # chunking does not change the draws...
    assert a.read_text() != b.read_text()  # ... of the vocabulary and topics, only of docs
    c = tmp_path / "c.jsonl"
    synthetic.write_corpus(c, spec)
    assert a.read_text() == c.read_text()
    topics_a, topics_b = (json.loads((tmp_path / f"{n}.topics.json").read_text()) for n in "ab")
    assert topics_a["topics"] == topics_b["topics"]
    assert topics_a["weights"] == topics_b["weights"]


def test_planted_topics_show_in_the_documents(synthetic: ModuleType, tmp_path: Path) -> None:
    # With alpha 0.01 most documents draw from one topic: a document's words fall mostly
    # in one true topic's top words.
    spec = synthetic.SyntheticSpec(n_docs=2000, n_words=400, n_topics=6, seed=0)
    truth = synthetic.write_corpus(tmp_path / "s.jsonl", spec, top_n=40)
    texts, _ = read_corpus(tmp_path / "s.jsonl")
    tops = [set(t) for t in truth["topics"]]
    best = [max(len(set(t.split()) & top) for top in tops) / len(set(t.split())) for t in texts]
    assert np.mean(best) > 0.6
    assert topic_recovery(truth["topics"], truth["topics"]) == 1.0


def test_sample_rows_draws_from_each_row(synthetic: ModuleType) -> None:
    rng = np.random.default_rng(0)
    probs = np.array([[1.0, 0.0, 0.0], [0.0, 0.5, 0.5], [0.0, 0.0, 1.0]])
    rows = np.repeat([0, 1, 2], 2000)
    draws = synthetic.sample_rows(np.cumsum(probs, axis=1), rows, rng)
    assert set(draws[:2000]) == {0}
    assert set(draws[4000:]) == {2}
    assert abs(np.mean(draws[2000:4000] == 1) - 0.5) < 0.05


def test_default_relevance_rises_on_planted_topics(synthetic: ModuleType, tmp_path: Path) -> None:
    # Frequent words that each belong to one topic: ranking more by frequency finds
    # them, and the default weight (neurotopic.readout.choose_relevance) goes above 1.
    spec = synthetic.SyntheticSpec(n_docs=20000, n_words=2000, n_topics=16, seed=0)
    truth = synthetic.write_corpus(tmp_path / "s.jsonl", spec, top_n=20)["topics"]
    texts, _ = read_corpus(tmp_path / "s.jsonl")
    model = NeuralTopicModel(16, random_state=0, min_df=2).fit(texts)
    assert base_relevance(model.topic_readout_, model.X_train_) == 1.0  # short documents
    assert model.relevance_lambda_ is not None and model.relevance_lambda_ > 1.0
    chosen = topic_recovery(truth, model.topics(20), top_n=20)
    base = copy.deepcopy(model).set_readout(relevance_lambda=1.0)
    assert chosen > topic_recovery(truth, base.topics(20), top_n=20) + 0.02  # 0.87 vs 0.83
