"""The HTML report (neurotopic.report) and ``neurotopic report``, read as HTML.

What a browser does with it is in test_report_browser.py.
"""

from __future__ import annotations

import copy
import csv
import json
import re
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from neurotopic import NeuralTopicModel, NeurotopicError
from neurotopic.cli import main
from neurotopic.viz.report import build_report, representative_documents, write_report


class _Resources(HTMLParser):
    """Every tag attribute that could load something, and the inline JSON blocks."""

    def __init__(self) -> None:
        super().__init__()
        self.links: list[tuple[str, str, str]] = []
        self.json_blocks: dict[str, str] = {}
        self._json_id: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        for name in ("src", "href", "srcset", "data", "action", "poster"):
            if values.get(name) is not None:
                self.links.append((tag, name, str(values[name])))
        if tag == "script" and values.get("type") == "application/json":
            self._json_id = values.get("id")

    def handle_data(self, data: str) -> None:
        if self._json_id is not None:
            self.json_blocks[self._json_id] = self.json_blocks.get(self._json_id, "") + data

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._json_id = None


def _parse(page: str) -> _Resources:
    parser = _Resources()
    parser.feed(page)
    return parser


@pytest.fixture(scope="module")
def corpus(bbc_small: tuple[list[str], list[str]]) -> tuple[list[str], list[str]]:
    texts, labels = bbc_small
    return texts[::4], labels[::4]  # 150 documents of every class


@pytest.fixture(scope="module")
def page(fitted: NeuralTopicModel, corpus: tuple[list[str], list[str]]) -> str:
    texts, labels = corpus
    return build_report(fitted, texts, labels, n_docs=3)


def test_the_report_loads_nothing_from_outside(page: str) -> None:
    parsed = _parse(page)
    assert all(value.startswith("#") for _, _, value in parsed.links), parsed.links
    assert "<link" not in page
    assert not re.search(r"@import|url\(\s*['\"]?(https?:)?//", page)
    assert "vegaEmbed" in page and "window.vegaEmbed=" in page  # the runtime is inline
    assert len(page.encode()) < 2_000_000


def test_the_report_holds_every_chart_and_topic(page: str, fitted: NeuralTopicModel) -> None:
    blocks = _parse(page).json_blocks
    specs = json.loads(blocks["report-specs"])
    assert set(specs) == {"explorer", "prevalence", "similarity", "curves", "labels"}
    for chart in specs.values():
        assert chart["$schema"].startswith("https://vega.github.io/schema/vega-lite/")
    assert json.loads(blocks["report-topics"]) == fitted.topics(top_n=10)
    for k, terms in enumerate(fitted.topics(top_n=10)):
        assert f'data-topic="{k}"' in page
        assert ", ".join(terms) in page  # the "All topics" table
    assert "heldout_ranking_accuracy" in page and "npmi" in page  # metrics from evaluate
    assert "relevance_lambda" in page and "topic_readout" in page  # settings
    assert "relevance weight in use" in page  # the weight relevance_lambda=None chose


def test_the_report_shows_each_topics_most_representative_documents(
    page: str, fitted: NeuralTopicModel, corpus: tuple[list[str], list[str]]
) -> None:
    texts, _ = corpus
    theta = fitted.transform(texts)
    best = representative_documents(theta, 3)
    for k, docs in enumerate(best):
        assert docs == sorted(range(len(texts)), key=lambda d: (-theta[d, k], d))[:3]
        section = page.split(f'<div class="topic-docs" data-topic="{k}"')[1].split("topic-docs")[0]
        for d in docs:
            assert f"document {d} · p(topic {k} | document) = {theta[d, k]:.3f}" in section


def test_text_from_the_corpus_cannot_inject_markup(fitted: NeuralTopicModel) -> None:
    evil = "</script><script>alert('x')</script> <b>bold</b> film award actor " * 3
    page = build_report(fitted, [evil, "the film won an award"], ["</script>", "b"], evaluate=False)
    assert "<script>alert" not in page
    assert "&lt;/script&gt;&lt;script&gt;alert" in page
    assert "<b>bold</b>" not in page
    json.loads(_parse(page).json_blocks["report-specs"])  # still valid JSON


def test_without_a_corpus_the_report_leaves_out_documents_and_labels(
    fitted: NeuralTopicModel,
) -> None:
    page = build_report(fitted)
    specs = json.loads(_parse(page).json_blocks["report-specs"])
    assert "labels" not in specs
    assert 'class="topic-docs"' not in page
    assert "Pass a corpus" in page
    assert f"{fitted.history_[-1]['heldout_ranking_accuracy']:.4f}" in page


def test_a_supervised_model_gets_its_label_heatmap_without_labels(
    fitted: NeuralTopicModel,
) -> None:
    supervised = copy.copy(fitted)
    supervised.label_weight_ = np.ones((fitted.n_topics, 2))
    supervised.classes_ = np.array(["no", "yes"])
    specs = json.loads(_parse(build_report(supervised)).json_blocks["report-specs"])
    assert "label weight" in json.dumps(specs["labels"])


def test_a_regression_model_shows_its_weights_not_one_row_per_target_value(
    fitted: NeuralTopicModel, corpus: tuple[list[str], list[str]]
) -> None:
    regression = copy.copy(fitted)
    regression.task_ = "regression"
    regression.label_weight_ = np.linspace(-1, 1, fitted.n_topics)[:, None]
    regression.classes_ = np.array([])
    texts = corpus[0][:30]
    page = build_report(regression, texts, [float(len(t)) for t in texts])
    specs = json.loads(_parse(page).json_blocks["report-specs"])
    rows = json.dumps(specs["labels"])
    assert "label weight" in rows and '"label": "target"' in rows
    assert "Not computed" not in page and "npmi" in page


def test_bad_arguments_are_one_line_errors(fitted: NeuralTopicModel, tmp_path: Path) -> None:
    with pytest.raises(NeurotopicError, match="labels need their texts"):
        build_report(fitted, labels=["a"])
    with pytest.raises(NeurotopicError, match="one label per text"):
        build_report(fitted, ["a text"], ["a", "b"])
    path = tmp_path / "r.html"
    path.write_text("keep me")
    with pytest.raises(NeurotopicError, match="already exists"):
        write_report(fitted, path)
    assert path.read_text() == "keep me"


@pytest.fixture(scope="module")
def model_dir(fitted: NeuralTopicModel, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("model") / "m"
    fitted.save(path)
    return path


def test_cli_writes_the_report(
    model_dir: Path,
    corpus: tuple[list[str], list[str]],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    texts, labels = corpus
    jsonl = tmp_path / "c.jsonl"
    jsonl.write_text(
        "".join(
            json.dumps({"body": t, "y": y}) + "\n"
            for t, y in zip(texts[:40], labels[:40], strict=True)
        )
    )
    out = tmp_path / "report.html"
    argv = ["report", str(model_dir), "--corpus", str(jsonl), "--text-field", "body"]
    assert main([*argv, "--label-field", "y", "--out", str(out), "--docs", "2"]) == 0
    assert str(out) in capsys.readouterr().out
    specs: dict[str, Any] = json.loads(_parse(out.read_text()).json_blocks["report-specs"])
    assert "labels" in specs
    assert main([*argv, "--out", str(out)]) == 2  # exists
    assert "already exists" in capsys.readouterr().err
    assert main([*argv, "--out", str(out), "--force", "--title", "BBC <test>"]) == 0
    assert "<title>BBC &lt;test&gt;</title>" in out.read_text()


@pytest.mark.parametrize(
    ("extra", "expect"),
    [
        (["--label-field", "y"], "--label-field needs --corpus"),
        (["--corpus", "a.jsonl", "--dataset", "bbc"], "not allowed with"),
        (["--dataset", "nope"], "unknown dataset"),
        (["--top", "0"], "at least 1"),
    ],
)
def test_cli_errors(
    model_dir: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    extra: list[str],
    expect: str,
) -> None:
    try:
        code = main(["report", str(model_dir), "--out", str(tmp_path / "r.html"), *extra])
    except SystemExit as exc:  # argparse's own usage errors
        code = exc.code
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2
    assert len(err) == 1 and expect in err[0], err
    assert not (tmp_path / "r.html").exists()


def test_the_topic_table_counts_training_documents_as_doc_topics_csv(
    page: str, fitted: NeuralTopicModel, model_dir: Path
) -> None:
    # The report's corpus (150 documents here) does not change the count: it is the
    # training rows, the same as the model directory's doc_topics.csv.
    with open(model_dir / "doc_topics.csv", encoding="utf-8") as fh:
        dominant = [int(row["dominant_topic"]) for row in csv.DictReader(fh)]
    expected = np.bincount(dominant, minlength=fitted.n_topics)
    assert "<th>training documents</th>" in page
    for k in range(fitted.n_topics):
        row = page.split(f'<tr class="topic-row" data-topic="{k}">')[1].split("</tr>")[0]
        cells = re.findall(r"<td[^>]*>([^<]*)</td>", row)
        assert int(cells[2]) == expected[k], (k, cells)


def test_the_report_evaluates_label_sets(
    fitted: NeuralTopicModel, corpus: tuple[list[str], list[str]]
) -> None:
    texts, labels = corpus
    sets = [[y, "leisure" if y in ("sport", "entertainment") else "affairs"] for y in labels]
    page = build_report(fitted, texts, sets, n_docs=2)
    assert "micro_f1" in page and "Not computed" not in page
    heatmap = json.dumps(json.loads(_parse(page).json_blocks["report-specs"])["labels"])
    assert '"label":"leisure"' in heatmap.replace(" ", "")  # a row per label of the sets


def test_cli_report_with_json_list_labels_shows_progress_on_stderr(
    model_dir: Path,
    corpus: tuple[list[str], list[str]],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    texts, labels = corpus
    jsonl = tmp_path / "tags.jsonl"
    jsonl.write_text(
        "".join(
            json.dumps({"text": t, "tags": [y, "long" if len(t) > 2000 else "short"]}) + "\n"
            for t, y in zip(texts, labels, strict=True)
        )
    )
    out = tmp_path / "report.html"
    argv = ["report", str(model_dir), "--corpus", str(jsonl), "--label-field", "tags"]
    assert main([*argv, "--out", str(out)]) == 0
    captured = capsys.readouterr()
    assert "report: folding in 150 documents" in captured.err
    assert "report: evaluating" in captured.err
    assert "report:" not in captured.out and str(out) in captured.out
    assert "micro_f1" in out.read_text(encoding="utf-8")
    assert main([*argv, "--out", str(out), "--force", "--quiet"]) == 0
    assert "report:" not in capsys.readouterr().err
