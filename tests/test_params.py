"""Every NeuralTopicModel parameter is checked, from one table, before a fit does any work."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

import neurotopic.train.pipeline as pipeline_module
from neurotopic import NeuralTopicModel
from neurotopic._params import (
    PARAMETER_CONSTRAINTS,
    auto_word2vec_epochs,
    default_negative_pool,
    default_shuffle_window,
    validate_params,
)
from neurotopic.datasets import Dataset
from neurotopic.errors import NeurotopicError

#: At least one value each parameter refuses (a new parameter needs an entry here too).
INVALID: dict[str, list[object]] = {
    "n_topics": [1, 2.0, "10", True],
    "max_ngram": [0],
    "min_df": [0, 0.5],
    "max_df": [0.0, 1.5],
    "max_terms": [0, 100.0],
    "stop_words": ["german", 5, ["the", 1]],
    "language": ["klingon", 3],
    "tokenizer": ["split"],
    "vectors": [3],
    "vector_size": [0],
    "word2vec_epochs": [0],
    "normalize_vectors": ["False", 1],
    "topic_init": ["lda"],
    "pretrain_steps": [-1],
    "init_temperature": [-0.5, math.inf],
    "epochs": [-1, 2.5],
    "early_stopping": [1, "yes"],
    "n_iter_no_change": [0],
    "tol": [-0.1, math.nan],
    "batch_size": [0, 4096.0],
    "n_negatives": [0],
    "negative_pool": [-1, True],
    "shuffle_window": [-1, 2.5, True],
    "margin": [0.0, -0.1],
    "term_power": [math.inf, "1"],
    "topic_learning_rate": [0.0],
    "doc_learning_rate": [-0.05],
    "holdout": [0.5, -0.01, "always"],
    "entropy_weight": [-1.0],
    "term_negatives": [-1],
    "topic_readout": ["lt"],
    "relevance_lambda": [2.5, -0.1],
    "transform_steps": [0, 10**12],
    "task": ["ranking"],
    "label_loss_weight": [-0.1],
    "label_readout": ["both"],
    "device": [0],
    "n_jobs": [0, 1.5, True],
    "checkpoint_dir": [5],
    "random_state": [-1, 2**32, 1.5],
    "verbose": ["yes"],
}

#: Edge and alternative values each parameter accepts.
VALID: dict[str, list[object]] = {
    "n_topics": [2, np.int64(50)],
    "max_df": [1.0, 1],
    "max_terms": [None, 1],
    "stop_words": [None, "english", ["the", "a"], ("der",), frozenset({"le"})],
    "language": ["de", "zh-Hans"],
    "tokenizer": [str.split],
    "vectors": ["word2vec", "vectors.txt", Path("vectors.bin"), None],
    "word2vec_epochs": [1, None],
    "normalize_vectors": [False, np.bool_(True)],
    "init_temperature": [0.0],
    "epochs": [0],
    "tol": [0.0, 1],
    "negative_pool": [0, 1024],
    "shuffle_window": [0, None],
    "term_power": [0.0, -0.5, 0.75],
    "holdout": [0.0, 0.49, "auto"],
    "relevance_lambda": [0.0, 2.0, 1],
    "transform_steps": [1, 10_000],
    "task": ["classification", "multilabel", "regression", None],
    "device": ["cpu", "cuda:1"],
    "n_jobs": [-1, -2, 1, None],
    "checkpoint_dir": ["ckpt", Path("ckpt")],
    "random_state": [0, 2**32 - 1, np.random.RandomState(0), None],
}

INVALID_CASES = [(name, value) for name, values in INVALID.items() for value in values]


def test_every_parameter_has_a_constraint() -> None:
    params = set(NeuralTopicModel().get_params())
    assert params - PARAMETER_CONSTRAINTS.keys() == set(), "add them to neurotopic/_params.py"
    assert PARAMETER_CONSTRAINTS.keys() - params == set(), "no longer parameters"
    assert params - INVALID.keys() == set(), "add an invalid value to INVALID above"


def test_the_defaults_pass() -> None:
    validate_params(NeuralTopicModel().get_params())


@pytest.mark.parametrize(("name", "value"), [(n, v) for n, vs in VALID.items() for v in vs])
def test_valid_values_pass(name: str, value: object) -> None:
    validate_params({name: value})


@pytest.mark.parametrize(("name", "value"), INVALID_CASES)
def test_an_invalid_value_names_the_parameter(name: str, value: object) -> None:
    with pytest.raises(NeurotopicError) as info:
        validate_params({name: value})
    message = str(info.value)
    assert message.startswith(f"{name} must be "), message
    assert message.endswith(f", got {value!r}"), message
    assert "\n" not in message and "--" not in message  # one line, and no CLI flag


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"n_topics": 1}, "n_topics must be an integer >= 2, got 1"),
        ({"max_df": 0}, "max_df must be in (0, 1], got 0"),
        ({"holdout": 0.5}, "holdout must be 'auto' or in [0, 0.5), got 0.5"),
        ({"relevance_lambda": 3}, "relevance_lambda must be in [0, 2] or None, got 3"),
        ({"margin": 0}, "margin must be a number > 0, got 0"),
        ({"negative_pool": -1}, "negative_pool must be None or an integer >= 0, got -1"),
        (
            {"transform_steps": 0},
            "transform_steps must be an integer from 1 to 10000, got 0",
        ),
        ({"topic_init": "lda"}, "topic_init must be one of kmeans, autoencoder, got 'lda'"),
        (
            {"stop_words": "german"},
            "stop_words must be one of auto, english, a list of words or None, got 'german'",
        ),
        ({"verbose": "no"}, "verbose must be True or False, got 'no'"),
        ({"ntopics": 5}, "unknown parameter 'ntopics'"),
    ],
)
def test_messages_say_what_is_allowed(params: dict[str, object], message: str) -> None:
    with pytest.raises(NeurotopicError) as info:
        validate_params(params)
    assert str(info.value).startswith(message)


@pytest.fixture
def no_work(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fail the test if a fit reaches its first stage."""

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("the fit started work before checking its parameters")

    monkeypatch.setattr(pipeline_module, "analyse_corpus", refuse)


@pytest.mark.parametrize(("name", "value"), INVALID_CASES)
def test_fit_refuses_an_invalid_value_before_any_work(
    name: str, value: object, bbc: Dataset, no_work: None, tmp_path: Path
) -> None:
    params = {name: value}
    if name != "checkpoint_dir":
        params["checkpoint_dir"] = tmp_path / "ckpt"
    model = NeuralTopicModel(**params)  # type: ignore[arg-type]
    with pytest.raises(NeurotopicError, match=f"^{name} must be "):
        model.fit(list(bbc.texts[:5]))
    assert not (tmp_path / "ckpt").exists()


def test_set_readout_refuses_and_keeps_the_old_value(fitted: NeuralTopicModel) -> None:
    import copy

    model = copy.deepcopy(fitted)
    with pytest.raises(NeurotopicError, match=r"^topic_readout must be one of auto,"):
        model.set_readout(topic_readout="lt")
    assert model.topic_readout == fitted.topic_readout


def test_a_saved_model_without_its_vectors_asks_for_them(bbc: Dataset, no_work: None) -> None:
    with pytest.raises(NeurotopicError, match="vectors is None"):
        NeuralTopicModel(vectors=None).fit(list(bbc.texts[:5]))


def test_size_dependent_defaults() -> None:
    assert default_negative_pool(8000, 1000) == 0
    assert default_negative_pool(8001, 1000) == 250
    assert default_shuffle_window(8000, 1000) == 0
    assert default_shuffle_window(8001, 1000) == 5000
    assert default_shuffle_window(8001, 1000, world_size=3) == 5 * 334  # batches rounded up
    assert auto_word2vec_epochs(10**9) == 5
    assert auto_word2vec_epochs(0) == 40
    assert auto_word2vec_epochs(10**6) == 8
