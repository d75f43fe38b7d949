"""compare_models: every model fitted and scored the same way, on real text (BBC News)."""

from __future__ import annotations

import numpy as np
import pytest

from neurotopic import NeuralTopicModel, NeurotopicError
from neurotopic.datasets import Dataset
from neurotopic.evaluation.compare import (
    ComparisonRow,
    available_models,
    compare_models,
    format_table,
    prepare_terms,
)

#: Tiny settings: the figures are checked for sanity, not quality.
TINY_NTM = dict(epochs=2, word2vec_epochs=5, vector_size=32, pretrain_steps=50, device="cpu")
BACKENDS = tuple(m for m in ("tomotopy", "gensim") if m in available_models())
METRICS = {"npmi", "c_v", "diversity", "topic_quality", "accuracy", "macro_f1"}


@pytest.fixture(scope="module")
def corpus(bbc: Dataset) -> tuple[list[str], list[str]]:
    """300 BBC articles, evenly over the 5 classes."""
    idx = np.linspace(0, len(bbc.texts) - 1, 300).astype(int)
    return [bbc.texts[i] for i in idx], [bbc.labels[i] for i in idx]


@pytest.fixture(scope="module")
def rows(corpus: tuple[list[str], list[str]]) -> list[ComparisonRow]:
    texts, labels = corpus
    return compare_models(
        texts,
        [5],
        labels=labels,
        models=("ntm", *BACKENDS),
        random_state=0,
        ntm_params=TINY_NTM,
        lda_iterations=50,
        lda_passes=2,
    )


def test_one_row_per_model_and_k(rows: list[ComparisonRow]) -> None:
    assert [(r.model, r.n_topics) for r in rows] == [(m, 5) for m in ("ntm", *BACKENDS)]
    for row in rows:
        assert set(row.metrics) == METRICS
        assert all(np.isfinite(v) for v in row.metrics.values())
        assert row.fit_seconds > 0
        assert len(row.topics) == 5
        assert all(len(topic) == 25 for topic in row.topics)
        assert row.extras["n_terms"] > 25


def test_lda_document_vectors_beat_chance(rows: list[ComparisonRow]) -> None:
    lda = [r for r in rows if r.model != "ntm"]
    assert lda
    for row in lda:
        assert row.metrics["accuracy"] > 0.2, row.model  # 5 balanced classes


def test_ntm_extras(rows: list[ComparisonRow]) -> None:
    ntm = rows[0]
    assert ntm.extras["triples_per_second"] > 0
    assert 0.0 <= ntm.extras["heldout_ranking_accuracy"] <= 1.0


def test_lda_sees_the_ntm_terms(corpus: tuple[list[str], list[str]]) -> None:
    texts, _ = corpus
    doc_terms, vocab = prepare_terms(texts)
    ntm = NeuralTopicModel(
        5, random_state=0, epochs=0, word2vec_epochs=1, vector_size=16, pretrain_steps=0
    )
    ntm.fit(texts)
    # The NTM may drop terms without a word vector, nothing else.
    assert set(ntm.terms_) <= set(vocab.terms)
    assert len(ntm.terms_) >= 0.95 * len(vocab)
    kept = set(ntm.terms_)
    for d in (0, 150, 299):
        ntm_doc = [t for t in ntm.analyzer_.terms(texts[d]) if t in kept]
        assert [t for t in doc_terms[d] if t in kept] == ntm_doc
    assert any(" " in t for t in vocab.terms)  # phrases are single tokens
    assert all(t in vocab.index for doc in doc_terms for t in doc)


def test_ntm_text_params_reach_the_lda_terms(corpus: tuple[list[str], list[str]]) -> None:
    texts, _ = corpus
    _, unigrams = prepare_terms(texts, max_ngram=1, min_df=10)
    assert not any(" " in t for t in unigrams.terms)
    assert unigrams.doc_freq.min() >= 10


def test_format_table_lists_every_model(rows: list[ComparisonRow]) -> None:
    table = format_table(rows)
    lines = table.splitlines()
    assert lines[0].startswith("| model")
    assert "NPMI" in lines[0] and "fit seconds" in lines[0]
    assert len(lines) == 2 + len(rows)
    for row in rows:
        assert any(line.startswith(f"| {row.model} ") for line in lines[2:])


def test_format_table_merges_seeds() -> None:
    a = ComparisonRow("gensim", 5, 1.0, {"npmi": 0.1, "diversity": 0.5}, [["a"]])
    b = ComparisonRow("gensim", 5, 3.0, {"npmi": 0.3, "diversity": 0.7}, [["a"]])
    table = format_table([a, b])
    assert len(table.splitlines()) == 3
    assert "0.200 ± 0.141" in table and "2.0 ± 1.4" in table
    assert " - " in table  # no accuracy without labels


def test_unknown_model_is_refused() -> None:
    with pytest.raises(NeurotopicError, match="unknown model 'bert'"):
        compare_models(["a text"] * 10, [2], models=("ntm", "bert"))


def test_ntm_params_cannot_set_k_twice() -> None:
    with pytest.raises(NeurotopicError, match="n_topics"):
        compare_models(["a text"] * 10, [2], ntm_params={"n_topics": 3})


def test_lda_alias_resolves_to_a_backend() -> None:
    names = available_models()
    assert names[:2] == ("ntm", "lda")
    assert set(names[2:]) <= {"tomotopy", "gensim", "bertopic", "fastopic"}
