"""neurotopic.export: a fitted model in the shape other tools read (pyLDAvis)."""

from __future__ import annotations

import numpy as np
import pytest

from neurotopic import NeuralTopicModel
from neurotopic.viz.export import to_pyldavis


def test_pyldavis_inputs_describe_the_training_corpus(fitted: NeuralTopicModel) -> None:
    data = to_pyldavis(fitted)
    n_terms = fitted.X_train_.shape[1]
    assert data["topic_term_dists"].shape == (fitted.n_topics, n_terms)
    np.testing.assert_allclose(data["topic_term_dists"].sum(axis=1), 1.0)
    np.testing.assert_allclose(data["doc_topic_dists"], fitted.doc_topic_)
    assert list(data["vocab"]) == fitted.terms_
    counts = np.asarray(fitted.X_train_.sum(axis=0)).ravel()
    np.testing.assert_array_equal(data["term_frequency"], counts)
    assert (data["term_frequency"] > 0).all()  # pyLDAvis divides by it
    np.testing.assert_array_equal(
        data["doc_lengths"], np.asarray(fitted.X_train_.sum(axis=1)).ravel()
    )
    # The most probable term of each topic is one of the topic's top terms.
    for k, terms in enumerate(fitted.topics(top_n=30)):
        assert fitted.terms_[int(data["topic_term_dists"][k].argmax())] in terms


def test_pyldavis_inputs_of_new_documents(
    fitted: NeuralTopicModel, bbc_small: tuple[list[str], list[str]]
) -> None:
    texts = bbc_small[0][:20]
    data = to_pyldavis(fitted, texts)
    np.testing.assert_allclose(data["doc_topic_dists"], fitted.transform(texts), atol=1e-12)
    lengths = np.asarray(fitted.doc_term_matrix(texts).sum(axis=1)).ravel()
    np.testing.assert_array_equal(data["doc_lengths"], lengths)
    assert data["doc_lengths"].sum() > 0


def test_pyldavis_prepare_accepts_them(fitted: NeuralTopicModel) -> None:
    pyLDAvis = pytest.importorskip("pyLDAvis")  # pip install "neurotopic[pyldavis]"
    vis = pyLDAvis.prepare(**to_pyldavis(fitted), n_jobs=1, mds="pcoa", sort_topics=False)
    shown = set(vis.topic_info["Term"])
    for terms in fitted.topics(top_n=3):
        assert shown & set(terms)
