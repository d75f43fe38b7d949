"""FitPipeline: the fit's steps, run one by one, are the fit."""

from __future__ import annotations

import numpy as np
import pytest

from neurotopic import NeuralTopicModel, NeurotopicError
from neurotopic.train.pipeline import FitPipeline
from neurotopic.train.training import train

QUICK = dict(vector_size=30, epochs=2, batch_size=1024, random_state=0, early_stopping=False)


@pytest.fixture(scope="module")
def texts(bbc_small: tuple) -> list[str]:
    return list(bbc_small[0][:300])


def test_the_steps_one_by_one_give_the_fit(texts: list[str]) -> None:
    fitted = NeuralTopicModel(5, **QUICK).fit(texts)
    model = NeuralTopicModel(5, **QUICK)
    pipeline = FitPipeline(model, texts)
    stage = pipeline.text_stage()
    assert stage.X.shape == (300, len(stage.vocabulary))
    assert stage.term_vectors.shape == (len(stage.vocabulary), 30)
    with pipeline.threads():
        prepared = pipeline.prepare(stage)
        # What the loop starts from: pre-trained W2, one W1 row per document.
        assert prepared.network.doc_logits.weight.shape == (300, 5)
        assert prepared.config.epochs == 2 and prepared.resume is None
        history = pipeline.train(prepared)
        pipeline.finish(prepared, history)
    assert [h["epoch"] for h in history] == [0, 1, 2]
    assert model.terms_ == fitted.terms_
    np.testing.assert_allclose(model.doc_topic_, fitted.doc_topic_, rtol=0, atol=1e-6)
    np.testing.assert_allclose(model.components_, fitted.components_, rtol=0, atol=1e-6)
    assert set(pipeline.timings) >= {"text", "vectors", "pretrain", "train"}


def test_a_benchmark_can_replay_the_loop_from_the_prepared_state(texts: list[str]) -> None:
    pipeline = FitPipeline(NeuralTopicModel(5, **QUICK), texts)
    stage = pipeline.text_stage()
    with pipeline.threads():
        prepared = pipeline.prepare(stage)
        before = prepared.network.topic_weight.detach().clone()
        history = train(prepared.network, prepared.sampler, prepared.config, progress=False)
    assert len(history) == 3
    assert not np.array_equal(before.numpy(), prepared.network.topic_weight.detach().numpy())


def test_construction_checks_before_any_work(texts: list[str]) -> None:
    with pytest.raises(NeurotopicError, match="n_topics must be"):
        FitPipeline(NeuralTopicModel(1), texts)
    with pytest.raises(NeurotopicError, match="not a single string"):
        FitPipeline(NeuralTopicModel(5), "one document")
    with pytest.raises(NeurotopicError, match="needs labels"):
        FitPipeline(NeuralTopicModel(5, task="classification"), texts)
