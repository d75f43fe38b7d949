"""Hostile and unlucky input: nothing runs, nothing is lost, errors are one line.

Each case goes through the command line where it is a command-line case: a pickled
vectors file, a corrupt model directory, ``--force`` on a user's folder, a writer
killed between renames, two writers at once, a reader during a rewrite, a stuck
checkpoint, non-finite numbers and strict JSON.
"""

from __future__ import annotations

import json
import os
import pickle
import shutil
import subprocess
import sys
import threading
from pathlib import Path

import numpy as np
import pytest
from safetensors.numpy import load_file, save_file

from neurotopic import NeuralTopicModel, io
from neurotopic.cli import main

from .test_cli import FAST_ARGS, _fails


@pytest.fixture(scope="module")
def texts(bbc_small: tuple) -> list[str]:
    return list(bbc_small[0][:200])


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory, texts: list[str]) -> Path:
    path = tmp_path_factory.mktemp("faults") / "corpus.txt"
    path.write_text("\n".join(t.replace("\n", " ") for t in texts) + "\n", encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def model(tmp_path_factory: pytest.TempPathFactory, corpus: Path) -> Path:
    out = tmp_path_factory.mktemp("faults-model") / "m"
    assert main(["fit", str(corpus), "--topics", "3", "--out", str(out), *FAST_ARGS]) == 0
    return out


class _Payload:
    """Unpickling this runs ``touch MARKER``: what a hostile .kv file can do."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple[object, tuple[str, ...]]:
        return (os.system, (f"touch {self.marker}",))


def test_a_pickled_vectors_file_never_runs(
    tmp_path: Path, corpus: Path, texts: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    marker = tmp_path / "pwned"
    evil = tmp_path / "evil.kv"
    evil.write_bytes(pickle.dumps(_Payload(marker)))
    out = tmp_path / "m"
    _fails(
        ["fit", str(corpus), "--out", str(out), "--vectors", str(evil), *FAST_ARGS],
        capsys,
        "is a gensim pickle, and loading it would run any code",
    )
    assert not marker.exists() and not out.exists()
    with pytest.raises(ValueError, match="trust_pickle=True"):
        NeuralTopicModel(3, vectors=str(evil)).fit(texts)
    assert not marker.exists()


def test_trust_pickle_loads_a_gensim_file_made_by_the_user(
    tmp_path: Path, corpus: Path, texts: list[str]
) -> None:
    from neurotopic.text.embeddings import train_ppmi

    kv = train_ppmi([t.lower().split() for t in texts], vector_size=20)
    kv.save(str(tmp_path / "mine.kv"))
    out = tmp_path / "m"
    args = ["fit", str(corpus), "--topics", "3", "--out", str(out), *FAST_ARGS]
    assert main([*args, "--vectors", str(tmp_path / "mine.kv"), "--trust-pickle"]) == 0
    assert io.is_model_dir(out)


def test_nan_in_a_vectors_file_is_refused(
    tmp_path: Path, corpus: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    vectors = tmp_path / "v.txt"
    rows = [f"{w} {' '.join(['0.1'] * 4)}" for w in ("the", "said", "year", "people")]
    rows[1] = "said nan 0.1 0.2 0.3"
    vectors.write_text("\n".join(rows) + "\n", encoding="utf-8")
    _fails(
        ["fit", str(corpus), "--out", str(tmp_path / "m"), "--vectors", str(vectors), "--quiet"],
        capsys,
        "the word vectors hold NaN or infinite values (1 words)",
    )


def _copy_model(model: Path, copy: Path) -> Path:
    """A copy of the model directory ``model`` at ``copy``."""
    shutil.copytree(model, copy)
    return copy


def _corrupt_copy(model: Path, tmp_path: Path, name: str, value: int) -> Path:
    """A copy of ``model`` with one entry of a saved array set to ``value``."""
    copy = _copy_model(model, tmp_path / "corrupt")
    arrays = load_file(str(copy / "weights.safetensors"))
    arrays[name] = arrays[name].copy()
    arrays[name][len(arrays[name]) // 2] = value
    save_file(arrays, str(copy / "weights.safetensors"))
    return copy


@pytest.mark.parametrize("command", ["topics", "transform", "evaluate"])
def test_a_corrupt_pointer_is_an_error_not_a_segfault(
    model: Path, corpus: Path, tmp_path: Path, command: str
) -> None:
    """Through a subprocess: a segfault would kill the test runner."""
    bad = _corrupt_copy(model, tmp_path, "train_indptr", 10**9)
    argv = {
        "topics": ["topics", str(bad)],
        "transform": ["transform", str(bad), str(corpus), "--out", str(tmp_path / "t.csv")],
        "evaluate": ["evaluate", str(bad), str(corpus)],
    }[command]
    run = subprocess.run(
        [sys.executable, "-m", "neurotopic", *argv], capture_output=True, text=True, timeout=300
    )
    assert run.returncode == 2, run.stderr
    assert run.stderr.strip().count("\n") == 0 and "Traceback" not in run.stderr
    assert "is corrupt (train_indptr is not a pointer into train_indices)" in run.stderr


def test_nan_weights_are_refused_on_load(model: Path, tmp_path: Path) -> None:
    copy = _copy_model(model, tmp_path / "corrupt")
    arrays = load_file(str(copy / "weights.safetensors"))
    arrays["topic_weight"] = np.full_like(arrays["topic_weight"], np.nan)
    save_file(arrays, str(copy / "weights.safetensors"))
    with pytest.raises(ValueError, match="topic_weight holds NaN or infinite values"):
        NeuralTopicModel.load(copy)


def test_force_replaces_only_a_model(
    tmp_path: Path, corpus: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    precious = tmp_path / "precious"
    precious.mkdir()
    (precious / "thesis.txt").write_text("four years of work", encoding="utf-8")
    _fails(
        ["fit", str(corpus), "--out", str(precious), "--force", *FAST_ARGS],
        capsys,
        "exists and is not a neurotopic model directory",
    )
    assert (precious / "thesis.txt").read_text(encoding="utf-8") == "four years of work"
    here = Path.cwd()
    os.chdir(tmp_path)
    try:
        _fails(["fit", str(corpus), "--out", ".", "--force", *FAST_ARGS], capsys, "choose another")
    finally:
        os.chdir(here)
    link = tmp_path / "link"
    link.symlink_to(precious)
    _fails(["fit", str(corpus), "--out", str(link), "--force"], capsys, "is a symbolic link")


def test_force_replaces_a_model_in_place(model: Path, tmp_path: Path) -> None:
    out = tmp_path / "m"
    fitted = NeuralTopicModel.load(model)
    fitted.save(out)
    inode = out.stat().st_ino
    fitted.save(out, overwrite=True)
    assert io.is_model_dir(out) and out.stat().st_ino != inode
    leftovers = [p.name for p in tmp_path.iterdir() if p.name.startswith(".m.") and p.is_dir()]
    assert leftovers == []


def test_transform_into_a_directory_is_one_line(
    model: Path, corpus: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _fails(
        ["transform", str(model), str(corpus), "--out", str(tmp_path), "--force"],
        capsys,
        "is a directory; pass a file path",
    )


def test_a_writer_killed_between_renames_leaves_one_complete_model(
    model: Path, tmp_path: Path
) -> None:
    """The fallback's two renames, killed after the first: the next save recovers, and
    leftovers of killed writers are cleaned; the atomic swap never leaves OUT missing."""
    fitted = NeuralTopicModel.load(model)
    out = tmp_path / "m"
    fitted.save(out)
    # A writer killed mid-write leaves hidden temporaries; the next save removes them.
    (tmp_path / ".m.tmp-killed").mkdir()
    (tmp_path / ".m.old-killed").mkdir()
    fitted.save(out, overwrite=True)
    assert sorted(p.name for p in tmp_path.iterdir() if p.is_dir()) == ["m"]
    code = (
        "import os, sys\n"
        "from neurotopic import NeuralTopicModel, io\n"
        "real = os.replace\n"
        "def replace(a, b):\n"
        "    real(a, b)\n"
        "    if '.old-' in str(b):\n"
        "        os._exit(9)  # killed right after moving the old model aside\n"
        "os.replace = replace\n"
        "io._exchange = lambda a, b: False  # the two-rename fallback\n"
        f"NeuralTopicModel.load({str(model)!r}).save({str(out)!r}, overwrite=True)\n"
    )
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert run.returncode == 9, run.stderr
    assert not out.exists()  # the fallback's window: the old model is set aside
    with pytest.raises(ValueError, match="already exists"):
        fitted.save(out)  # the next writer first puts the old model back
    assert io.is_model_dir(out)
    assert sorted(p.name for p in tmp_path.iterdir() if p.is_dir()) == ["m"]
    fitted.save(out, overwrite=True)
    assert io.is_model_dir(out)


def test_a_second_writer_gets_a_one_line_error(
    tmp_path: Path, corpus: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "m"
    with io.writer_lock(out, "fit"):
        _fails(["fit", str(corpus), "--out", str(out), *FAST_ARGS], capsys, "another neurotopic")
    with io.writer_lock(out):
        with pytest.raises(ValueError, match="another neurotopic process is writing"):
            io.write_atomically(out, lambda tmp: None, overwrite=False)


def test_a_reader_sees_one_whole_model_while_it_is_rewritten(
    model: Path, tmp_path: Path, texts: list[str]
) -> None:
    """Two different models saved over each other while another thread loads: every
    load is one of them, never a mix of one's config and the other's weights."""
    a = NeuralTopicModel.load(model)
    b = NeuralTopicModel(4, epochs=1, random_state=1, vector_size=20).fit(texts)
    out = tmp_path / "m"
    a.save(out)
    stop = threading.Event()
    errors: list[BaseException] = []

    def rewrite() -> None:
        try:
            for i in range(40):
                (a if i % 2 else b).save(out, overwrite=True)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            stop.set()

    writer = threading.Thread(target=rewrite)
    writer.start()
    loads = 0
    while not stop.is_set():
        try:
            loaded = NeuralTopicModel.load(out)
        except ValueError as exc:  # only where the system cannot swap in one rename
            assert "does not exist" in str(exc), exc
            continue
        assert loaded.n_topics in (a.n_topics, b.n_topics)
        assert loaded.topic_weight_.shape[1] == loaded.n_topics
        loads += 1
    writer.join()
    assert not errors and loads > 0


def test_a_stuck_checkpoint_is_not_a_dead_end(
    tmp_path: Path, corpus: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A kill during the first checkpoint.json rename leaves only a hidden temporary."""
    out = tmp_path / "m"
    stuck = tmp_path / "m.checkpoint"
    stuck.mkdir()
    (stuck / ".checkpoint.json.tmp-abc123").write_text("{", encoding="utf-8")
    assert main(["fit", str(corpus), "--topics", "3", "--out", str(out), *FAST_ARGS]) == 0
    assert io.is_model_dir(out)
    capsys.readouterr()
    link = tmp_path / "n.checkpoint"
    link.symlink_to(tmp_path / "elsewhere")
    _fails(
        ["fit", str(corpus), "--topics", "3", "--out", str(tmp_path / "n"), *FAST_ARGS],
        capsys,
        "is not a neurotopic checkpoint",
    )


def test_history_is_strict_json(model: Path) -> None:
    text = (model / "history.json").read_text(encoding="utf-8")
    assert "NaN" not in text
    records = json.loads(text, parse_constant=lambda c: pytest.fail(f"bare {c}"))
    assert records[0]["hinge"] is None
    assert np.isnan(NeuralTopicModel.load(model).history_[0]["hinge"])


def test_documents_without_word_pairs_are_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    corpus = tmp_path / "words.txt"
    corpus.write_text("\n".join(["economy", "football", "election"] * 20) + "\n", "utf-8")
    out = tmp_path / "m"
    _fails(["fit", str(corpus), "--out", str(out), *FAST_ARGS], capsys, "lower min_df")
    assert not out.exists() and not (tmp_path / "m.checkpoint").exists()


def test_huge_regression_targets_are_refused(texts: list[str]) -> None:
    y = [1e308 if i % 2 else -1e308 for i in range(len(texts))]
    with pytest.raises(ValueError, match="too large to standardise"):
        NeuralTopicModel(3, task="regression", epochs=1).fit(texts, y)


@pytest.mark.parametrize(
    ("case", "expect"),
    [
        ("format_version", "format_version is not an integer"),
        ("readout", "AttributeError"),
        ("transform_steps", "transform_steps must be an integer from 1 to 10000"),
        ("history", "history.json is not a list of epoch records"),
    ],
)
def test_a_corrupt_config_or_history_is_one_line(
    model: Path,
    tmp_path: Path,
    corpus: Path,
    case: str,
    expect: str,
    capsys: pytest.CaptureFixture[str],
) -> None:
    copy = _copy_model(model, tmp_path / case)
    config = json.loads((copy / "config.json").read_text(encoding="utf-8"))
    if case == "format_version":
        config["format_version"] = "abc"
    elif case == "readout":
        config["readout"] = [1]
    elif case == "transform_steps":
        config["params"]["transform_steps"] = 10**12
    else:
        (copy / "history.json").write_text('{"not": "a list"}', encoding="utf-8")
    (copy / "config.json").write_text(json.dumps(config), encoding="utf-8")
    for argv in (["evaluate", str(copy), str(corpus)], ["topics", str(copy)]):
        _fails(argv, capsys, expect)


def test_an_unwritable_output_is_one_line(
    corpus: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _fails(["fit", str(corpus), "--out", "/proc/neurotopic-model", *FAST_ARGS], capsys, "/proc")
    assert not (tmp_path / "m").exists()


def test_outputs_follow_the_umask(model: Path, tmp_path: Path) -> None:
    previous = os.umask(0o027)
    try:
        out = tmp_path / "m"
        NeuralTopicModel.load(model).save(out)
        assert out.stat().st_mode & 0o777 == 0o750
        assert all(p.stat().st_mode & 0o777 == 0o640 for p in out.iterdir())
    finally:
        os.umask(previous)


def test_topics_never_prints_terminal_escapes(
    model: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    copy = _copy_model(model, tmp_path / "crafted")
    vocabulary = json.loads((copy / "vocabulary.json").read_text(encoding="utf-8"))
    vocabulary["terms"] = [f"\x1b]0;owned\x07{t}\x9b31m" for t in vocabulary["terms"]]
    (copy / "vocabulary.json").write_text(json.dumps(vocabulary), encoding="utf-8")
    for extra in ([], ["--json"]):
        assert main(["topics", str(copy), *extra]) == 0
        out = capsys.readouterr().out
        assert not any(c in out for c in "\x1b\x07\x9b"), out[:200]
        assert "owned" in out


def test_an_io_error_on_the_second_rename_keeps_the_old_model(
    model: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fitted = NeuralTopicModel.load(model)
    out = tmp_path / "m"
    fitted.save(out)
    before = (out / "weights.safetensors").read_bytes()
    real = os.replace

    def failing(a: object, b: object) -> None:
        if Path(str(b)) == out and ".tmp-" in str(a):
            raise OSError(5, "Input/output error")
        real(a, b)  # type: ignore[arg-type]

    monkeypatch.setattr(io, "_exchange", lambda a, b: False)
    monkeypatch.setattr(io.os, "replace", failing)
    with pytest.raises(OSError, match="Input/output error"):
        fitted.save(out, overwrite=True)
    monkeypatch.undo()
    assert (out / "weights.safetensors").read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir() if p.is_dir()) == ["m"]
