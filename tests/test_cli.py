"""The command line: the happy path end to end, and one-line errors (exit 2) for bad input."""

from __future__ import annotations

import csv
import gzip
import json
from pathlib import Path

import numpy as np
import pytest

from neurotopic.cli import build_parser, main

FAST_ARGS = ["--epochs", "2", "--seed", "0", "--quiet"]


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory, bbc_small: tuple) -> Path:
    path = tmp_path_factory.mktemp("corpus") / "bbc.jsonl"
    texts, labels = bbc_small
    with open(path, "w", encoding="utf-8") as fh:
        for t, y in zip(texts[:300], labels[:300], strict=True):
            fh.write(json.dumps({"body": t, "label": y}) + "\n")
    return path


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory: pytest.TempPathFactory, corpus: Path) -> Path:
    out = tmp_path_factory.mktemp("models") / "m"
    assert (
        main(
            [
                "fit",
                str(corpus),
                "--text-field",
                "body",
                "--topics",
                "4",
                "--out",
                str(out),
                *FAST_ARGS,
            ]
        )
        == 0
    )
    return out


def _fails(argv: list[str], capsys: pytest.CaptureFixture[str], expect: str) -> str:
    code = main(argv)
    err = capsys.readouterr().err
    assert code == 2, err
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert "Traceback" not in err
    assert expect in lines[0], lines[0]
    return lines[0]


def test_fit_writes_a_complete_model_dir(
    model_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    names = {p.name for p in model_dir.iterdir()}
    assert {
        "config.json",
        "vocabulary.json",
        "weights.safetensors",
        "topics.json",
        "doc_topics.csv",
        "history.json",
    } <= names
    topics = json.loads((model_dir / "topics.json").read_text())
    assert len(topics) == 4 and all(len(t["terms"]) >= 10 for t in topics)
    rows = list(csv.reader(open(model_dir / "doc_topics.csv", encoding="utf-8")))
    assert rows[0] == ["doc", "topic_0", "topic_1", "topic_2", "topic_3", "dominant_topic"]
    assert len(rows) == 301
    probs = np.array([[float(x) for x in r[1:5]] for r in rows[1:]])
    np.testing.assert_allclose(probs.sum(1), 1.0, atol=1e-4)
    assert [int(r[5]) for r in rows[1:]] == list(probs.argmax(1))
    assert not [p for p in model_dir.parent.iterdir() if ".tmp-" in p.name]


def test_topics_command(model_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["topics", str(model_dir), "--top", "5"]) == 0
    out = capsys.readouterr().out.strip().splitlines()
    assert len(out) == 4 and all(line.startswith("topic") for line in out)
    assert main(["topics", str(model_dir), "--json", "--top", "3"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert [len(t["terms"]) for t in data] == [3, 3, 3, 3]
    first = data[0]["terms"][0]["term"]
    assert main(["topics", str(model_dir), "--json", "--exclude", first]) == 0
    hidden = json.loads(capsys.readouterr().out)
    assert all(t["term"] != first for topic in hidden for t in topic["terms"])
    # The command's JSON and the saved topics.json are the same records, cut at --top.
    saved = json.loads((model_dir / "topics.json").read_text())
    assert [t["topic"] for t in data] == [t["topic"] for t in saved]
    for shown, whole in zip(data, saved, strict=True):
        assert shown["prevalence"] == pytest.approx(whole["prevalence"])
        assert [t["term"] for t in shown["terms"]] == [t["term"] for t in whole["terms"][:3]]


def test_transform_command(
    model_dir: Path, corpus: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    new = tmp_path / "new.txt.gz"
    with gzip.open(new, "wt", encoding="utf-8") as fh:
        fh.write("Shares in the company rose after profits beat forecasts.\n")
        fh.write("The striker scored twice as the club won the cup match.\n")
    out = tmp_path / "dt.csv"
    assert main(["transform", str(model_dir), str(new), "--out", str(out)]) == 0
    rows = list(csv.reader(open(out, encoding="utf-8")))
    assert len(rows) == 3 and len(rows[1]) == 6
    _fails(["transform", str(model_dir), str(new), "--out", str(out)], capsys, "already exists")
    assert main(["transform", str(model_dir), str(new), "--out", str(out), "--force"]) == 0


def test_missing_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "m"
    _fails(["fit", str(tmp_path / "nope.txt"), "--out", str(out), *FAST_ARGS], capsys, "nope.txt")
    assert not out.exists()


def test_unknown_device(corpus: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "m"
    argv = ["fit", str(corpus), "--text-field", "body", "--out", str(out), "--device", "gpu0"]
    _fails([*argv, *FAST_ARGS], capsys, "unknown device 'gpu0'; use auto, cpu or cuda")
    assert not out.exists()


def test_empty_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    empty = tmp_path / "empty.txt"
    empty.write_text("")
    _fails(["fit", str(empty), "--out", str(tmp_path / "m"), *FAST_ARGS], capsys, "empty.txt")
    assert not (tmp_path / "m").exists()


def test_binary_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    binary = tmp_path / "data.txt"
    binary.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" * 20)
    _fails(["fit", str(binary), "--out", str(tmp_path / "m"), *FAST_ARGS], capsys, "data.txt")


def test_non_utf8_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    latin = tmp_path / "latin.txt"
    latin.write_bytes("caf\xe9 cr\xe8me br\xfbl\xe9e\n".encode("latin-1") * 5)
    _fails(["fit", str(latin), "--out", str(tmp_path / "m"), *FAST_ARGS], capsys, "UTF-8")


def test_missing_field(corpus: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _fails(
        ["fit", str(corpus), "--text-field", "content", "--out", str(tmp_path / "m"), *FAST_ARGS],
        capsys,
        "content",
    )
    assert not (tmp_path / "m").exists()


def test_missing_csv_column(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "docs.csv"
    path.write_text("id,title\n1,Markets rally\n2,Election called\n", encoding="utf-8")
    _fails(["fit", str(path), "--out", str(tmp_path / "m"), *FAST_ARGS], capsys, "text")


def test_corpus_empty_after_filtering(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "tiny.txt"
    path.write_text("alpha beta\ngamma delta\nepsilon zeta\n", encoding="utf-8")
    _fails(
        ["fit", str(path), "--out", str(tmp_path / "m"), *FAST_ARGS],
        capsys,
        "empty after filtering",
    )
    assert not (tmp_path / "m").exists()


@pytest.mark.parametrize(
    ("k", "expect"),
    [("1", "n_topics must be an integer >= 2"), ("100000", "larger than the vocabulary")],
)
def test_bad_topic_count(
    k: str, expect: str, corpus: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _fails(
        [
            "fit",
            str(corpus),
            "--text-field",
            "body",
            "--topics",
            k,
            "--out",
            str(tmp_path / "m"),
            *FAST_ARGS,
        ],
        capsys,
        expect,
    )
    assert not (tmp_path / "m").exists()


def test_unreadable_vectors(
    corpus: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    vec = tmp_path / "vectors.bin"
    vec.write_bytes(b"not vectors at all")
    argv = [
        "fit",
        str(corpus),
        "--text-field",
        "body",
        "--vectors",
        str(vec),
        "--out",
        str(tmp_path / "m"),
        *FAST_ARGS,
    ]
    _fails(argv, capsys, "vectors.bin")
    missing = [
        "fit",
        str(corpus),
        "--text-field",
        "body",
        "--vectors",
        str(tmp_path / "none.txt"),
        "--out",
        str(tmp_path / "m"),
        *FAST_ARGS,
    ]
    _fails(missing, capsys, "none.txt")
    assert not (tmp_path / "m").exists()


def test_existing_out_needs_force(
    model_dir: Path, corpus: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = (model_dir / "weights.safetensors").stat().st_mtime_ns
    _fails(
        ["fit", str(corpus), "--text-field", "body", "--out", str(model_dir), *FAST_ARGS],
        capsys,
        "--force",
    )
    assert (model_dir / "weights.safetensors").stat().st_mtime_ns == before


def test_missing_model_dir(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _fails(["topics", str(tmp_path / "absent")], capsys, "does not exist")


def test_corrupt_model_dir(
    model_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import shutil

    broken = tmp_path / "broken"
    shutil.copytree(model_dir, broken)
    (broken / "weights.safetensors").write_bytes(b"\x00garbage")
    _fails(["topics", str(broken)], capsys, "corrupt")
    (broken / "config.json").write_text("{not json")
    _fails(["topics", str(broken)], capsys, "corrupt")
    (broken / "vocabulary.json").unlink()
    _fails(["topics", str(broken)], capsys, "vocabulary.json")


def test_usage_errors_are_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main(["fit"])
    assert info.value.code == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "required" in err[0]


def test_parser_lists_every_subcommand() -> None:
    text = build_parser().format_help()
    for command in ("fit", "topics", "transform", "demo"):
        assert command in text


# ------------------------------------------------------------------ supervised


def test_fit_supervised_then_predict(
    corpus: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "snt"
    args = ["fit", str(corpus), "--text-field", "body", "--topics", "5", "--out", str(out)]
    sup = ["--label-field", "label", "--task", "classification", "--quiet", "--epochs", "8"]
    assert main([*args, *sup]) == 0
    preds = tmp_path / "pred.csv"
    assert (
        main(["predict", str(out), str(corpus), "--text-field", "body", "--out", str(preds)]) == 0
    )
    with open(preds, encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    truth = [json.loads(line)["label"] for line in open(corpus, encoding="utf-8")]
    classes = sorted(set(truth))
    assert rows[0] == ["doc", "prediction", *[f"p_{c}" for c in classes]]
    assert len(rows) == 301
    accuracy = np.mean([r[1] == y for r, y in zip(rows[1:], truth, strict=True)])
    assert accuracy > 0.7  # 3 classes in these 300 documents: chance is about 1/3
    for r in rows[1:]:
        assert abs(sum(float(p) for p in r[2:]) - 1.0) < 1e-4


def test_fit_multilabel_from_json_lists(tmp_path: Path, bbc_small: tuple) -> None:
    texts, labels = bbc_small
    path = tmp_path / "multi.jsonl"
    with open(path, "w", encoding="utf-8") as fh:
        for t, y in zip(texts[:300], labels[:300], strict=True):
            tags = [y] + (["long"] if len(t) > 2000 else [])
            fh.write(json.dumps({"text": t, "tags": tags}) + "\n")
    out = tmp_path / "m"
    args = ["fit", str(path), "--topics", "5", "--out", str(out), "--label-field", "tags"]
    assert main([*args, "--task", "multilabel", *FAST_ARGS]) == 0
    preds = tmp_path / "p.csv"
    assert main(["predict", str(out), str(path), "--out", str(preds)]) == 0
    header = next(csv.reader(open(preds, encoding="utf-8")))
    assert "p_long" in header and f"p_{labels[0]}" in header


@pytest.mark.parametrize(
    ("extra", "match"),
    [
        (["--task", "classification"], "--task and --label-field go together"),
        (["--label-field", "label"], "--task and --label-field go together"),
        (["--label-field", "nope", "--task", "classification"], "has no field 'nope'"),
        (["--label-field", "label", "--task", "regression"], "not a number"),
        (["--vector-size", "0"], "vector_size must be a positive integer"),
        (["--n-jobs", "0"], "n_jobs must be a nonzero integer"),
    ],
)
def test_bad_supervised_input_is_one_line(
    corpus: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    extra: list[str],
    match: str,
) -> None:
    args = ["fit", str(corpus), "--text-field", "body", "--out", str(tmp_path / "x")]
    assert main([*args, *extra, *FAST_ARGS]) == 2
    err = capsys.readouterr().err.strip()
    assert match in err and "\n" not in err
    assert not (tmp_path / "x").exists()


def test_predict_with_an_unsupervised_model_is_refused(
    model_dir: Path, corpus: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "p.csv"
    args = ["predict", str(model_dir), str(corpus), "--text-field", "body", "--out", str(out)]
    assert main(args) == 2
    assert "is unsupervised" in capsys.readouterr().err
    assert not out.exists()


def test_single_class_and_singleton_labels_are_refused(
    tmp_path: Path, bbc_small: tuple, capsys: pytest.CaptureFixture[str]
) -> None:
    texts, _ = bbc_small
    for name, ys, match in [
        ("one.jsonl", ["x"] * 200, "at least 2 classes"),
        ("rare.jsonl", ["a"] * 199 + ["b"], "'b' occurs in only one document"),
    ]:
        path = tmp_path / name
        with open(path, "w", encoding="utf-8") as fh:
            for t, y in zip(texts[:200], ys, strict=True):
                fh.write(json.dumps({"text": t, "y": y}) + "\n")
        args = ["fit", str(path), "--out", str(tmp_path / "o"), "--label-field", "y"]
        assert main([*args, "--task", "classification", *FAST_ARGS]) == 2
        assert match in capsys.readouterr().err


def test_fit_options_reach_the_estimator() -> None:
    from neurotopic.cli.commands import _fit_options

    args = build_parser().parse_args(
        ["fit", "c.jsonl", "--out", "m", "--topic-init", "autoencoder", "--no-early-stopping"]
    )
    options = _fit_options(args)
    assert options["topic_init"] == "autoencoder" and options["early_stopping"] is False
    default = _fit_options(build_parser().parse_args(["fit", "c.jsonl", "--out", "m"]))
    assert default["topic_init"] is None  # the estimator's default (kmeans) applies
    with pytest.raises(SystemExit):
        build_parser().parse_args(["fit", "c.jsonl", "--out", "m", "--topic-init", "lda"])


# ------------------------------------------------------------------ user-facing fixes


def test_cuda_without_a_gpu_stops_at_once_in_one_line(
    corpus: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import torch

    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    out = tmp_path / "m"
    argv = ["fit", str(corpus), "--text-field", "body", "--out", str(out), "--device", "cuda"]
    line = _fails([*argv, "--epochs", "2"], capsys, "needs a CUDA GPU")
    assert "--device cpu" in line
    assert not out.exists() and not (tmp_path / "m.checkpoint").exists()
    assert list(tmp_path.iterdir()) == []


def test_a_usage_error_points_to_the_subcommands_help(
    capsys: pytest.CaptureFixture[str],
) -> None:
    for argv, command in (
        (["fit", "c.jsonl", "--out", "m", "--bogus", "1"], "fit"),
        (["evaluate", "m", "c.jsonl", "--top", "3"], "evaluate"),
        (["fit", "c.jsonl", "--out", "m", "--max-df", "half"], "fit"),
    ):
        with pytest.raises(SystemExit) as info:
            main(argv)
        assert info.value.code == 2
        err = capsys.readouterr().err.strip().splitlines()
        assert len(err) == 1 and err[0].endswith(f"see neurotopic {command} --help"), err


def test_max_df_and_min_df_reach_the_estimator() -> None:
    from neurotopic.cli.commands import _fit_options

    args = build_parser().parse_args(
        ["fit", "c.jsonl", "--out", "m", "--max-df", "0.3", "--min-df", "2"]
    )
    assert _fit_options(args)["max_df"] == 0.3 and _fit_options(args)["min_df"] == 2
    default = build_parser().parse_args(["fit", "c.jsonl", "--out", "m"])
    assert _fit_options(default)["max_df"] is None  # the estimator's 0.5 applies


def test_fit_prints_topics_on_stdout_and_progress_on_stderr(
    corpus: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "m"
    argv = ["fit", str(corpus), "--text-field", "body", "--topics", "4", "--out", str(out)]
    assert main([*argv, "--epochs", "2", "--max-df", "0.3"]) == 0
    captured = capsys.readouterr()
    lines = captured.out.strip().splitlines()
    assert len(lines) == 4 and all(line.startswith("topic ") for line in lines), captured.out
    assert "epoch 1/2" in captured.err and "fitted 300 documents" in captured.err
    vocabulary = json.loads((out / "vocabulary.json").read_text(encoding="utf-8"))
    assert max(vocabulary["doc_freq"]) <= 0.3 * 300


def _tags_corpus(path: Path, bbc_small: tuple) -> Path:
    texts, labels = bbc_small
    with open(path, "w", encoding="utf-8") as fh:
        for t, y in zip(texts[:300], labels[:300], strict=True):
            second = "leisure" if y in ("sport", "entertainment") else "affairs"
            fh.write(json.dumps({"body": t, "label": y, "tags": [y, second]}) + "\n")
    return path


def test_evaluate_reads_label_sets_and_says_what_it_scores(
    model_dir: Path, tmp_path: Path, bbc_small: tuple, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _tags_corpus(tmp_path / "tags.jsonl", bbc_small)
    argv = ["evaluate", str(model_dir), str(path), "--text-field", "body"]
    assert main([*argv, "--label-field", "tags", "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert 0.5 < result["micro_f1"] <= 1.0 and "accuracy" not in result
    assert result["rows"] == "fold-in"
    assert main([*argv, "--label-field", "label"]) == 0
    text = capsys.readouterr().out
    assert "accuracy" in text and "folded in with transform" in text
    assert "training_heldout_ranking_accuracy" in text
