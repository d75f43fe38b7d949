"""save/load: a round trip gives the same model; writes are atomic; bad dirs fail cleanly."""

from __future__ import annotations

import csv
import importlib
import json
from pathlib import Path

import numpy as np
import pytest

import neurotopic
from neurotopic import NeuralTopicModel, NeurotopicError
from neurotopic.io import write_atomically, write_doc_topics_csv


def test_round_trip_keeps_topics_and_transform(
    fitted: NeuralTopicModel, bbc_small: tuple, tmp_path: Path
) -> None:
    path = tmp_path / "model"
    fitted.save(path)
    loaded = NeuralTopicModel.load(path)
    assert loaded.get_params() == fitted.get_params()
    assert loaded.topics(10) == fitted.topics(10)
    np.testing.assert_array_equal(loaded.doc_topic_, fitted.doc_topic_)
    texts = bbc_small[0][:20]
    np.testing.assert_array_equal(loaded.transform(texts), fitted.transform(texts))
    topics = json.loads((path / "topics.json").read_text())
    assert [t["terms"][0]["term"] for t in topics] == [t[0] for t in fitted.topics(1)]
    config = json.loads((path / "config.json").read_text())
    assert config["format"] == "neurotopic-model" and config["params"]["n_topics"] == 5
    assert not any(p.suffix == ".pkl" for p in path.iterdir())
    # the background readout's scale is saved, not fitted again: the same topics
    assert config["readout"] == {"topic_readout": "background", "scale": fitted.background_scale_}
    assert loaded.background_scale_ == fitted.background_scale_
    np.testing.assert_array_equal(loaded.components_, fitted.components_)


def test_save_refuses_to_overwrite_unless_asked(fitted: NeuralTopicModel, tmp_path: Path) -> None:
    path = tmp_path / "model"
    fitted.save(path)
    with pytest.raises(NeurotopicError, match="already exists"):
        fitted.save(path)
    (path / "marker").write_text("old")
    fitted.save(path, overwrite=True)
    assert not (path / "marker").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model"]


def test_failed_write_leaves_nothing(tmp_path: Path) -> None:
    def broken(tmp: Path) -> None:
        (tmp / "config.json").write_text("{}")
        raise OSError("disk full")

    with pytest.raises(OSError, match="disk full"):
        write_atomically(tmp_path / "model", broken, overwrite=False)
    assert list(tmp_path.iterdir()) == []


def test_interrupted_overwrite_keeps_the_old_model(
    fitted: NeuralTopicModel, tmp_path: Path
) -> None:
    path = tmp_path / "model"
    fitted.save(path)

    def interrupted(tmp: Path) -> None:
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        write_atomically(path, interrupted, overwrite=True)
    assert NeuralTopicModel.load(path).topics(3) == fitted.topics(3)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model"]


def test_load_rejects_a_model_with_mismatched_weights(
    fitted: NeuralTopicModel, tmp_path: Path
) -> None:
    path = tmp_path / "model"
    fitted.save(path)
    vocab = json.loads((path / "vocabulary.json").read_text())
    vocab["terms"] = vocab["terms"][:-3]
    vocab["doc_freq"] = vocab["doc_freq"][:-3]
    (path / "vocabulary.json").write_text(json.dumps(vocab))
    with pytest.raises(NeurotopicError, match="corrupt"):
        NeuralTopicModel.load(path)


def test_public_api_is_exactly_all() -> None:
    public = {name for name in dir(neurotopic) if not name.startswith("_")}
    modules = {
        "cli",
        "compare",
        "evaluation",
        "corpus",
        "datasets",
        "embeddings",
        "errors",
        "estimator",
        "inference",
        "io",
        "kernels",
        "language",
        "memory",
        "metrics",
        "model",
        "optim",
        "peers",
        "plot",
        "export",
        "report",
        "supervised",
        "checkpoint",
        "persist",
        "distributed",
        "fingerprint",
        "stage",
        "stopping",
        "pretrain",
        "readout",
        "sampling",
        "segment",
        "text",
        "threads",
        "tokens",
        "train",
        "training",
        "viz",
        "vocabulary",
    }
    assert public - modules == set(neurotopic.__all__) - {"__version__"}
    for name in neurotopic.__all__:
        assert getattr(neurotopic, name) is not None
    # The former flat module paths are the very modules of the role subpackages.
    for old, new in neurotopic._ALIASES.items():
        moved = importlib.import_module(f"neurotopic.{new}")
        assert importlib.import_module(f"neurotopic.{old}") is moved
        assert getattr(neurotopic, old) is moved
        assert moved.__name__ == moved.__spec__.name == f"neurotopic.{new}"
    from neurotopic.model import NTMNetwork
    from neurotopic.text import tokenize

    assert NTMNetwork is neurotopic.model.network.NTMNetwork
    assert tokenize is neurotopic.text.text.tokenize
    assert neurotopic.evaluation.evaluate_topics is neurotopic.evaluation.evaluate.evaluate_topics


@pytest.mark.parametrize("block_rows", [3, 65536])
def test_doc_topics_csv_matches_csv_module_formatting(
    fitted: NeuralTopicModel, tmp_path: Path, block_rows: int
) -> None:
    theta = np.vstack([fitted.doc_topic_[:50], np.eye(fitted.n_topics)[:2]]).astype(np.float32)
    path = tmp_path / "doc_topics.csv"
    write_doc_topics_csv(path, theta, block_rows=block_rows)
    expected = tmp_path / "expected.csv"
    with open(expected, "w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["doc", *[f"topic_{i}" for i in range(theta.shape[1])], "dominant_topic"])
        for d, row in enumerate(theta):
            writer.writerow([d, *[f"{p:.6f}" for p in row], int(row.argmax())])
    assert path.read_bytes() == expected.read_bytes()


def test_doc_topics_csv_falls_back_for_values_outside_the_unit_interval(tmp_path: Path) -> None:
    path = tmp_path / "doc_topics.csv"
    write_doc_topics_csv(path, np.array([[-0.5, 1.5], [0.25, 0.75]]))
    rows = list(csv.reader(open(path, encoding="utf-8")))
    assert rows[1:] == [["0", "-0.500000", "1.500000", "1"], ["1", "0.250000", "0.750000", "1"]]
