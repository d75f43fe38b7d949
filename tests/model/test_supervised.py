"""The supervised NTM (sNTM): label encoding, joint training, predict/score, save/load."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from neurotopic import NeuralTopicModel, NeurotopicError
from neurotopic.model.supervised import (
    decode,
    encode_labels,
    indicator,
    output_scores,
    refit_label_layer,
)

from ..conftest import FAST


@pytest.fixture(scope="module")
def split(
    bbc_small: tuple[list[str], list[str]],
) -> tuple[list[str], list[str], list[str], list[str]]:
    texts, labels = bbc_small
    train = [i for i in range(len(texts)) if i % 5]
    test = [i for i in range(len(texts)) if not i % 5]
    return (
        [texts[i] for i in train],
        [labels[i] for i in train],
        [texts[i] for i in test],
        [labels[i] for i in test],
    )


@pytest.fixture(scope="module")
def classifier(split: tuple) -> NeuralTopicModel:
    train_texts, train_labels, _, _ = split
    return NeuralTopicModel(8, task="classification", random_state=0, **FAST).fit(
        train_texts, train_labels
    )


# ------------------------------------------------------------- label encoding


def test_classes_are_sorted_and_targets_index_them() -> None:
    labels = encode_labels("classification", ["b", "a", "b", "a", "c", "c"], 6)
    assert labels.classes == ["a", "b", "c"]
    assert labels.targets.tolist() == [1, 0, 1, 0, 2, 2]


def test_multilabel_accepts_sets_and_indicator_matrices() -> None:
    sets = encode_labels("multilabel", [["x", "y"], ["y"], ["x"], []], 4)
    assert sets.classes == ["x", "y"]
    assert sets.targets.tolist() == [[1, 1], [0, 1], [1, 0], [0, 0]]
    matrix = encode_labels("multilabel", np.array([[1, 0], [0, 1], [1, 1]]), 3)
    assert matrix.classes == [0, 1] and matrix.targets.shape == (3, 2)
    assert indicator([["y"], ["x", "y"]], ["x", "y"]).tolist() == [[0, 1], [1, 1]]


def test_regression_targets_are_standardised_and_decoded_back() -> None:
    labels = encode_labels("regression", ["1.5", 2, 3.5, 5], 4)
    assert abs(labels.targets.mean()) < 1e-6 and abs(labels.targets.std() - 1) < 1e-6
    restored = decode(
        "regression", labels.targets[:, None], np.array([]), labels.mean, labels.scale
    )
    np.testing.assert_allclose(restored, [1.5, 2, 3.5, 5], rtol=1e-6)


@pytest.mark.parametrize(
    ("task", "y", "match"),
    [
        ("classification", None, "needs labels"),
        ("classification", ["a", "a", "a"], "at least 2 classes"),
        ("classification", ["a", "a", "b"], "'b' occurs in only one document"),
        ("classification", ["a", "", "a"], "document 1 has no label"),
        ("classification", ["a", "b"], "got 2 labels for 3 documents"),
        ("classification", [["a"], ["b"], ["a"]], "use task='multilabel'"),
        ("multilabel", ["a", "b", "a"], "not a list"),
        ("multilabel", [["a"], ["a"], ["a", "z"]], "'z' occurs in only one document"),
        ("multilabel", [["a"], ["a"], ["a"]], "at least 2 distinct labels"),
        ("regression", ["1", "two", "3"], "'two', not a number"),
        ("regression", [2, 2, 2], "the same for every document"),
        ("ranking", [1, 2, 3], "task must be None or one of"),
    ],
)
def test_bad_labels_get_one_line_errors(task: str, y: object, match: str) -> None:
    with pytest.raises(NeurotopicError, match=match) as info:
        encode_labels(task, y, 3)
    assert "\n" not in str(info.value)


def test_output_scores_are_distributions() -> None:
    rng = np.random.default_rng(0)
    ld = rng.dirichlet(np.ones(4), size=6)
    w, b = rng.normal(size=(4, 3)), rng.normal(size=3)
    proba = output_scores("classification", ld, w, b)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    sig = output_scores("multilabel", ld, w, b)
    assert ((sig > 0) & (sig < 1)).all()


# ------------------------------------------------------------------- the model


def test_snt_classifier_predicts_held_out_documents(
    classifier: NeuralTopicModel, split: tuple
) -> None:
    _, _, test_texts, test_labels = split
    assert classifier.task_ == "classification"
    assert list(classifier.classes_) == sorted(set(test_labels))
    proba = classifier.predict_proba(test_texts)
    assert proba.shape == (len(test_texts), 5)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-5)
    predicted = classifier.predict(test_texts)
    assert list(predicted) == list(classifier.classes_[proba.argmax(axis=1)])
    accuracy = classifier.score(test_texts, test_labels)
    assert accuracy == pytest.approx(np.mean(predicted == np.asarray(test_labels)))
    assert accuracy > 0.8  # 5 balanced classes: chance is 0.2
    assert "label_loss" in classifier.history_[-1]
    assert classifier.history_[-1]["heldout_ranking_accuracy"] > 0.6  # still a topic model
    assert classifier.label_weight_.shape == (8, 5)


def _purity(doc_topic: np.ndarray, labels: np.ndarray) -> float:
    """Share of documents whose dominant topic's majority class is their own."""
    dominant = doc_topic.argmax(axis=1)
    codes = np.unique(labels, return_inverse=True)[1]
    return sum(np.bincount(codes[dominant == k]).max() for k in np.unique(dominant)) / len(labels)


def test_supervision_aligns_topics_with_labels(classifier: NeuralTopicModel, split: tuple) -> None:
    """Each class's training documents concentrate on topics of their own, more than
    without labels (same documents, settings and seed)."""
    train_texts, train_labels, _, _ = split
    labels = np.asarray(train_labels)
    unsupervised = NeuralTopicModel(8, random_state=0, **FAST).fit(train_texts)
    purity = _purity(classifier.doc_topic_, labels)
    assert purity > 0.7  # 5 balanced classes
    assert purity > _purity(unsupervised.doc_topic_, labels) + 0.05


def test_supervised_model_round_trips(
    classifier: NeuralTopicModel, split: tuple, tmp_path: Path
) -> None:
    _, _, test_texts, _ = split
    classifier.save(tmp_path / "m")
    loaded = NeuralTopicModel.load(tmp_path / "m")
    assert loaded.task_ == "classification"
    assert list(loaded.classes_) == list(classifier.classes_)
    np.testing.assert_array_equal(
        loaded.predict_proba(test_texts), classifier.predict_proba(test_texts)
    )


def test_multilabel_and_regression(split: tuple) -> None:
    train_texts, train_labels, test_texts, test_labels = split
    # real properties of the articles: the class, and whether the article is long
    median = np.median([len(t) for t in train_texts])

    def sets(texts: list[str], labels: list[str]) -> list[list[str]]:
        return [
            [c] + (["long"] if len(t) > median else []) for t, c in zip(texts, labels, strict=True)
        ]

    multi = NeuralTopicModel(8, task="multilabel", random_state=0, **FAST)
    multi.fit(train_texts, sets(train_texts, train_labels))
    assert "long" in list(multi.classes_)
    predicted = multi.predict(test_texts)
    truth = indicator(sets(test_texts, test_labels), list(multi.classes_))
    assert predicted.shape == truth.shape
    class_cols = [j for j, c in enumerate(multi.classes_) if c != "long"]
    assert (predicted[:, class_cols] == truth[:, class_cols]).mean() > 0.9
    assert 0 <= multi.score(test_texts, sets(test_texts, test_labels)) <= 1

    target = [1.0 if c == "sports" else 0.0 for c in train_labels]
    reg = NeuralTopicModel(8, task="regression", random_state=0, **FAST).fit(train_texts, target)
    r2 = reg.score(test_texts, [1.0 if c == "sports" else 0.0 for c in test_labels])
    assert r2 > 0.5
    with pytest.raises(NeurotopicError, match="predict_proba needs"):
        reg.predict_proba(test_texts[:2])


def test_refit_label_layer_matches_scikit_learn_logistic_regression() -> None:
    from sklearn.linear_model import LogisticRegression

    rng = np.random.default_rng(0)
    ld = rng.dirichlet(np.ones(5) * 0.5, size=200)
    y = (ld[:, 0] + 0.3 * rng.normal(size=200) > 0.2).astype(np.int64) + (ld[:, 1] > 0.3)
    w, b = refit_label_layer("classification", ld, y, features="log", C=10.0)
    reference = LogisticRegression(C=10.0, max_iter=5000, tol=1e-10).fit(np.log(ld + 1e-6), y)
    mine = output_scores("classification", ld, w, b, "log")
    np.testing.assert_allclose(mine, reference.predict_proba(np.log(ld + 1e-6)), atol=2e-3)


def test_joint_and_refit_readouts(classifier: NeuralTopicModel, split: tuple) -> None:
    """The default refits the layer on folded-in training vectors; "joint" keeps the
    jointly trained layer on ld.  Both predict the held-out classes."""
    train_texts, train_labels, test_texts, test_labels = split
    assert classifier.labels_meta_["features"] == "log"
    assert "label_refit" in classifier.fit_seconds_
    joint = NeuralTopicModel(
        8, task="classification", label_readout="joint", random_state=0, **FAST
    ).fit(train_texts, train_labels)
    assert joint.labels_meta_["features"] == "linear"
    # Same training, only the label layer differs.
    np.testing.assert_array_equal(joint.doc_topic_, classifier.doc_topic_)
    assert not np.allclose(joint.label_weight_, classifier.label_weight_)
    # The refit is the layer fitted on the training documents' folded-in ld (how
    # benchmarks/supervised.py gets both readouts from one fit).
    targets = encode_labels("classification", train_labels, len(train_labels)).targets
    w, b = refit_label_layer(
        "classification",
        joint.transform_mixture(train_texts, grow_with_terms=False),
        targets,
        features="log",
    )
    np.testing.assert_allclose(w, classifier.label_weight_, atol=1e-4)
    np.testing.assert_allclose(b, classifier.label_bias_, atol=1e-4)
    assert joint.score(test_texts, test_labels) > 0.8
    with pytest.raises(NeurotopicError, match="label_readout must be one of"):
        NeuralTopicModel(8, task="classification", label_readout="both").fit(
            train_texts, train_labels
        )


def test_unsupervised_model_refuses_predict(fitted: NeuralTopicModel) -> None:
    with pytest.raises(NeurotopicError, match="unsupervised"):
        fitted.predict(["a text"])
    assert fitted.task_ is None


def test_report_of_a_supervised_model_shows_topic_label_associations(
    classifier: NeuralTopicModel,
) -> None:
    import json

    from neurotopic.viz.report import build_report

    from ..viz.test_report import _parse

    page = build_report(classifier, evaluate=False)
    specs = json.loads(_parse(page).json_blocks["report-specs"])
    labels = json.dumps(specs["labels"])
    assert "label weight" in labels
    for name in classifier.classes_:
        assert f'"{name}"' in labels
