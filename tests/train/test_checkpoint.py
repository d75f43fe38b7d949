"""Checkpoints: an interrupted fit resumes to exactly the uninterrupted result; a killed
one leaves a complete state or none; another fit's checkpoint is refused."""

from __future__ import annotations

import json
import math
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import neurotopic.train.checkpoint as checkpoint_module
import neurotopic.train.pipeline as pipeline_module
import neurotopic.train.training as training_module
from neurotopic import NeuralTopicModel, NeurotopicError
from neurotopic.cli import main
from neurotopic.train.checkpoint import describe

#: Small, fast settings; batches of 1024 give about 30 steps per epoch on 300 documents.
QUICK = dict(
    vector_size=30,
    pretrain_steps=30,
    epochs=3,
    batch_size=1024,
    random_state=0,
    early_stopping=False,  # these tests count epochs
)


@pytest.fixture(scope="module")
def texts(bbc_small: tuple) -> list[str]:
    return list(bbc_small[0][:300])


@pytest.fixture(scope="module")
def reference(texts: list[str]) -> NeuralTopicModel:
    """The uninterrupted fit every resumed fit must reproduce."""
    return NeuralTopicModel(5, **QUICK).fit(texts)


def steps_per_epoch(model: NeuralTopicModel) -> int:
    nnz = model.X_train_.nnz
    return -(-(nnz - round(0.01 * nnz)) // QUICK["batch_size"])  # 1% held out


def _records(history: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """History without timings, NaN as None (NaN != NaN)."""
    return [
        {
            k: None if isinstance(v, float) and math.isnan(v) else v
            for k, v in record.items()
            if k not in ("seconds", "triples_per_second")
        }
        for record in history
    ]


def assert_same_fit(a: NeuralTopicModel, b: NeuralTopicModel) -> None:
    np.testing.assert_array_equal(a.topic_weight_, b.topic_weight_)
    np.testing.assert_array_equal(a.topic_bias_, b.topic_bias_)
    np.testing.assert_array_equal(a.doc_logits_, b.doc_logits_)
    assert a.terms_ == b.terms_
    assert a.topics() == b.topics()
    assert _records(a.history_) == _records(b.history_)


@pytest.fixture
def stop_at_step(
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[Callable[[int, Callable[[], None]], None]]:
    """``stop_at_step(n, action)``: run ``action`` when training computes its n-th batch."""

    def arm(n: int, action: Callable[[], None]) -> None:
        original = training_module.compute_step
        calls = [0]

        def counting(*args: Any, **kwargs: Any) -> Any:
            calls[0] += 1
            if calls[0] == n:
                action()
            return original(*args, **kwargs)

        monkeypatch.setattr(training_module, "compute_step", counting)

    yield arm


def test_ctrl_c_mid_epoch_then_resume_gives_the_uninterrupted_fit(
    texts: list[str],
    reference: NeuralTopicModel,
    tmp_path: Path,
    stop_at_step: Callable[[int, Callable[[], None]], None],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    ckpt = tmp_path / "ckpt"
    stop_at_step(steps_per_epoch(reference) + 5, lambda: signal.raise_signal(signal.SIGINT))
    handler = signal.getsignal(signal.SIGINT)
    with pytest.raises(KeyboardInterrupt):
        NeuralTopicModel(5, checkpoint_dir=ckpt, **QUICK).fit(texts)
    assert signal.getsignal(signal.SIGINT) is handler  # restored
    # The step in progress finished, then its state was written.
    assert describe(ckpt) == "1 epoch and 5 steps"
    assert sorted(p.name for p in ckpt.iterdir()) == [
        "checkpoint.json",
        "epoch-000001.step-00000005",
        "text",
    ]
    state = ckpt / "epoch-000001.step-00000005"
    assert {p.name for p in state.iterdir()} == {
        "state.json",
        "shared.safetensors",
        "rank-00000.json",
        "rank-00000.safetensors",
    }

    # Resuming does not redo the text stage, the word vectors or pre-training.
    def forbidden(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("recomputed on resume")

    for name in ("analyse_corpus", "train_ppmi", "pretrain_topic_weights"):
        monkeypatch.setattr(pipeline_module, name, forbidden)
    resumed = NeuralTopicModel(5, checkpoint_dir=ckpt, **QUICK).fit(texts)
    assert_same_fit(resumed, reference)
    assert describe(ckpt) == "3 epochs"


def test_crash_inside_a_step_resumes_from_the_last_epoch(
    texts: list[str],
    reference: NeuralTopicModel,
    tmp_path: Path,
    stop_at_step: Callable[[int, Callable[[], None]], None],
) -> None:
    """A KeyboardInterrupt that is not a signal (or a kill) lands mid-step: the state on
    disk is the last complete epoch, and resuming from it loses nothing but time."""
    ckpt = tmp_path / "ckpt"

    def crash() -> None:
        raise KeyboardInterrupt

    stop_at_step(2 * steps_per_epoch(reference) + 3, crash)
    with pytest.raises(KeyboardInterrupt):
        NeuralTopicModel(5, checkpoint_dir=ckpt, **QUICK).fit(texts)
    assert describe(ckpt) == "2 epochs"
    assert not [p for p in ckpt.iterdir() if p.name.startswith(".")]
    resumed = NeuralTopicModel(5, checkpoint_dir=ckpt, **QUICK).fit(texts)
    assert_same_fit(resumed, reference)


def test_more_epochs_continue_a_finished_fit(
    texts: list[str], reference: NeuralTopicModel, tmp_path: Path
) -> None:
    ckpt = tmp_path / "ckpt"
    short = NeuralTopicModel(5, checkpoint_dir=ckpt, **{**QUICK, "epochs": 1}).fit(texts)
    assert len(short.history_) == 2
    longer = NeuralTopicModel(5, checkpoint_dir=ckpt, **QUICK).fit(texts)
    assert_same_fit(longer, reference)
    with pytest.raises(NeurotopicError, match="3 epochs done, more than epochs=2"):
        NeuralTopicModel(5, checkpoint_dir=ckpt, **{**QUICK, "epochs": 2}).fit(texts)


def test_supervised_fit_resumes_exactly(
    bbc_small: tuple,
    reference: NeuralTopicModel,
    tmp_path: Path,
    stop_at_step: Callable[[int, Callable[[], None]], None],
) -> None:
    texts, labels = list(bbc_small[0][:300]), list(bbc_small[1][:300])
    params = {**QUICK, "task": "classification", "epochs": 2}
    expected = NeuralTopicModel(5, **params).fit(texts, labels)
    ckpt = tmp_path / "ckpt"
    stop_at_step(steps_per_epoch(reference) + 7, lambda: signal.raise_signal(signal.SIGTERM))
    with pytest.raises(KeyboardInterrupt):
        NeuralTopicModel(5, checkpoint_dir=ckpt, **params).fit(texts, labels)
    assert describe(ckpt) == "1 epoch and 7 steps"
    resumed = NeuralTopicModel(5, checkpoint_dir=ckpt, **params).fit(texts, labels)
    assert_same_fit(resumed, expected)
    np.testing.assert_array_equal(resumed.label_weight_, expected.label_weight_)
    # Other labels are another fit.
    with pytest.raises(NeurotopicError, match="other labels"):
        NeuralTopicModel(5, checkpoint_dir=ckpt, **params).fit(texts, labels[::-1])


def test_a_windowed_fit_with_a_negative_pool_resumes_exactly(
    texts: list[str],
    reference: NeuralTopicModel,
    tmp_path: Path,
    stop_at_step: Callable[[int, Callable[[], None]], None],
) -> None:
    """Mid-epoch, the pool's window is found again from the saved epoch order."""
    params = {**QUICK, "epochs": 2, "shuffle_window": 3000, "negative_pool": 64}
    expected = NeuralTopicModel(5, **params).fit(texts)
    ckpt = tmp_path / "ckpt"
    stop_at_step(steps_per_epoch(reference) + 4, lambda: signal.raise_signal(signal.SIGINT))
    with pytest.raises(KeyboardInterrupt):
        NeuralTopicModel(5, checkpoint_dir=ckpt, **params).fit(texts)
    assert describe(ckpt) == "1 epoch and 4 steps"
    resumed = NeuralTopicModel(5, checkpoint_dir=ckpt, **params).fit(texts)
    assert_same_fit(resumed, expected)


def test_another_fits_checkpoint_is_refused_in_one_line(texts: list[str], tmp_path: Path) -> None:
    ckpt = tmp_path / "ckpt"
    NeuralTopicModel(5, checkpoint_dir=ckpt, **{**QUICK, "epochs": 1}).fit(texts)
    cases = [
        (NeuralTopicModel(6, checkpoint_dir=ckpt, **QUICK), texts, "n_topics was 5, now 6"),
        (NeuralTopicModel(5, checkpoint_dir=ckpt, **QUICK), texts[:-1], "another corpus"),
        (
            NeuralTopicModel(5, checkpoint_dir=ckpt, **{**QUICK, "random_state": 1}),
            texts,
            "random_state was 0, now 1",
        ),
    ]
    for model, docs, reason in cases:
        with pytest.raises(NeurotopicError, match=reason) as info:
            model.fit(docs)
        assert len(str(info.value).splitlines()) == 1
        assert "belongs to another fit" in str(info.value)
    # Not a checkpoint at all.
    other = tmp_path / "other"
    other.mkdir()
    (other / "notes.txt").write_text("mine")
    with pytest.raises(NeurotopicError, match="is not a neurotopic checkpoint"):
        NeuralTopicModel(5, checkpoint_dir=other, **QUICK).fit(texts)
    assert (other / "notes.txt").read_text() == "mine"


def test_failed_state_write_keeps_the_previous_state(
    texts: list[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ckpt = tmp_path / "ckpt"
    original = checkpoint_module.save_file
    writes = [0]

    def failing(arrays: dict[str, np.ndarray], path: str) -> None:
        writes[0] += 1
        if writes[0] == 4:  # text stage, epoch 1 (two files), then epoch 2's first file
            raise OSError("disk full")
        original(arrays, path)

    monkeypatch.setattr(checkpoint_module, "save_file", failing)
    with pytest.raises(OSError, match="disk full"):
        NeuralTopicModel(5, checkpoint_dir=ckpt, **QUICK).fit(texts)
    assert describe(ckpt) == "1 epoch"
    assert not [p for p in ckpt.iterdir() if p.name.startswith(".")]
    # A damaged state is reported in one line, not resumed from.
    monkeypatch.setattr(checkpoint_module, "save_file", original)
    (ckpt / "epoch-000001" / "rank-00000.safetensors").write_bytes(b"not safetensors")
    with pytest.raises(NeurotopicError, match="is corrupt") as info:
        NeuralTopicModel(5, checkpoint_dir=ckpt, **QUICK).fit(texts)
    assert len(str(info.value).splitlines()) == 1


# ---------------------------------------------------------------- the CLI
CLI_ARGS = ["--topics", "4", "--epochs", "40", "--seed", "0", "--min-df", "3", "--quiet"]


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory, texts: list[str]) -> Path:
    path = tmp_path_factory.mktemp("corpus") / "bbc.jsonl"
    path.write_text("".join(json.dumps({"text": t}) + "\n" for t in texts), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def cli_reference(corpus: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("reference") / "m"
    assert main(["fit", str(corpus), "--out", str(out), *CLI_ARGS]) == 0
    assert not (out.parent / "m.checkpoint").exists()  # removed once the model is saved
    return out


def _same_model_dir(a: Path, b: Path) -> None:
    assert (a / "weights.safetensors").read_bytes() == (b / "weights.safetensors").read_bytes()
    assert (a / "topics.json").read_text() == (b / "topics.json").read_text()
    assert (a / "doc_topics.csv").read_text() == (b / "doc_topics.csv").read_text()


def test_killed_cli_fit_leaves_no_model_and_resumes(
    corpus: Path, cli_reference: Path, tmp_path: Path
) -> None:
    """SIGKILL (no chance to clean up) in the middle of training, then --resume."""
    out, ckpt = tmp_path / "m", tmp_path / "m.checkpoint"
    argv = [sys.executable, "-m", "neurotopic", "fit", str(corpus), "--out", str(out), *CLI_ARGS]
    # The environment (BLAS threads) of the in-process reference, so the word vectors match.
    proc = subprocess.Popen(argv, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    while describe(ckpt) in (None, "the text stage") and time.monotonic() < deadline:
        assert proc.poll() is None, proc.stderr.read() if proc.stderr else ""
        time.sleep(0.01)
    proc.kill()
    proc.wait()
    assert proc.returncode == -signal.SIGKILL
    assert not out.exists()  # a killed fit never leaves a model directory behind
    held = describe(ckpt)
    assert held is not None and held != "the text stage"
    # Without --resume the checkpoint is not silently overwritten.
    assert main(["fit", str(corpus), "--out", str(out), *CLI_ARGS]) == 2
    # --resume finishes the fit with the uninterrupted result, then removes the checkpoint.
    resumed = subprocess.run([*argv, "--resume", str(ckpt)], capture_output=True)
    assert resumed.returncode == 0, resumed.stderr.decode()
    _same_model_dir(out, cli_reference)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m"]


def test_ctrl_c_in_the_cli_says_how_to_resume(
    corpus: Path,
    cli_reference: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    stop_at_step: Callable[[int, Callable[[], None]], None],
) -> None:
    out, ckpt = tmp_path / "m", tmp_path / "m.checkpoint"
    argv = ["fit", str(corpus), "--out", str(out), *CLI_ARGS]
    stop_at_step(10, lambda: signal.raise_signal(signal.SIGINT))
    assert main(argv) == 130
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and f"--resume {ckpt}" in err[0], err
    assert "holds a checkpoint after" in err[0]
    assert not out.exists()
    assert main([*argv, "--resume", str(ckpt)]) == 0
    _same_model_dir(out, cli_reference)
    assert not ckpt.exists()


def test_cli_checkpoint_errors_are_one_line(
    corpus: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "m"
    code = main(["fit", str(corpus), "--out", str(out), *CLI_ARGS, "--resume", str(tmp_path)])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(err) == 1 and "is not a neurotopic checkpoint" in err[0], err
    # A leftover checkpoint with something in it: refused, then discarded by --force.
    ckpt = tmp_path / "m.checkpoint"
    (ckpt / "text").mkdir(parents=True)
    (ckpt / "checkpoint.json").write_text('{"format": "neurotopic-checkpoint"}')
    code = main(["fit", str(corpus), "--out", str(out), *CLI_ARGS])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(err) == 1 and "--resume" in err[0] and "--force" in err[0], err
    # A directory of the user's that happens to have the name is never touched.
    mine = tmp_path / "n.checkpoint"
    mine.mkdir()
    (mine / "notes.txt").write_text("mine")
    for extra in ([], ["--force"]):
        code = main(["fit", str(corpus), "--out", str(tmp_path / "n"), *CLI_ARGS, *extra])
        err = capsys.readouterr().err.strip().splitlines()
        assert code == 2 and len(err) == 1 and "is not a neurotopic checkpoint" in err[0], err
        assert (mine / "notes.txt").read_text() == "mine"
    # An input error in a fresh fit leaves no checkpoint behind.
    code = main(["fit", str(corpus), "--out", str(out), *CLI_ARGS, "--force", "--min-df", "1000"])
    assert code == 2
    assert not ckpt.exists() and not out.exists()


def test_a_fit_that_stopped_early_resumes_to_the_same_stop(
    texts: list[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(training_module, "MIN_STOPPING_TRIPLES", 0)  # a small corpus
    # tol=1: no epoch counts as an improvement, so training stops after epoch 1
    settings = {**QUICK, "early_stopping": True, "n_iter_no_change": 1, "tol": 1.0}
    ckpt = tmp_path / "ckpt"
    first = NeuralTopicModel(5, checkpoint_dir=ckpt, **settings).fit(texts)
    assert first.n_epochs_ == 1 and describe(ckpt) == "1 epoch"
    again = NeuralTopicModel(5, checkpoint_dir=ckpt, **{**settings, "epochs": 6}).fit(texts)
    assert again.n_epochs_ == 1  # the history says stop: no further epoch
    np.testing.assert_array_equal(again.doc_logits_, first.doc_logits_)
