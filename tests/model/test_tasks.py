"""The task objects: one per supervised task, looked up by name."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from neurotopic import NeurotopicError
from neurotopic.model.supervised import READOUT_FEATURES, refit_label_layer
from neurotopic.model.tasks import TASK_TYPES, TASKS, get_task


def test_every_task_name_has_one_object() -> None:
    assert tuple(TASK_TYPES) == TASKS
    assert {name: get_task(name).name for name in TASKS} == dict(zip(TASKS, TASKS, strict=True))
    assert READOUT_FEATURES == {
        "classification": "log",
        "multilabel": "log",
        "regression": "linear",
    }
    with pytest.raises(NeurotopicError, match="task must be None or one of"):
        get_task("ranking")


def test_outputs_decode_and_score_follow_the_task() -> None:
    z = np.array([[2.0, 0.0, -1.0], [-1.0, 0.5, 3.0]])
    classes = np.array(["a", "b", "c"])
    probs = get_task("classification").outputs(z)
    np.testing.assert_allclose(probs.sum(axis=1), 1.0)
    assert list(get_task("classification").decode(probs, classes, 0.0, 1.0)) == ["a", "c"]
    assert get_task("classification").score(["a", "b"], np.array(["a", "c"]), classes) == 0.5

    sig = get_task("multilabel").outputs(z)
    assert ((sig > 0) & (sig < 1)).all()
    decoded = get_task("multilabel").decode(sig, classes, 0.0, 1.0)
    assert decoded.tolist() == [[1, 1, 0], [0, 1, 1]]
    assert get_task("multilabel").score([["a", "b"], ["c"]], decoded, list(classes)) == 0.5
    assert get_task("multilabel").prediction_text(decoded[1], ["a", "b", "c"]) == "b|c"

    regression = get_task("regression")
    assert not regression.has_proba and regression.n_outputs(7) == 1
    assert regression.decode(np.array([[1.0], [-1.0]]), classes, 10.0, 2.0).tolist() == [12, 8]
    assert regression.prediction_text(np.float64(12.25), []) == "12.25"


def test_the_refit_loss_is_the_tasks_loss() -> None:
    # Classification: the refitted layer separates what the features separate.
    ld = np.array([[0.9, 0.1], [0.8, 0.2], [0.1, 0.9], [0.2, 0.8]])
    w, b = refit_label_layer("classification", ld, np.array([0, 0, 1, 1]), features="log")
    assert w.shape == (2, 2) and b.shape == (2,)
    y = torch.tensor([[1.0, 0.0], [0.0, 1.0]])
    z = torch.tensor([[3.0, -3.0], [-3.0, 3.0]])
    multilabel = get_task("multilabel")
    assert float(multilabel.refit_loss(z, y, 2)) == pytest.approx(
        float(multilabel.loss(z, y)) * 2, rel=1e-6
    )
