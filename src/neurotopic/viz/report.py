"""A self-contained HTML report of a fitted model.

One file with every script, style and datum inline, that opens from disk with no
network: the intertopic distance map linked to each topic's terms (re-ranked by a
relevance slider), prevalence and similarity, and, given a corpus, each topic's most
representative documents, a label x topic heatmap and the evaluation metrics; then the
training curves and the model's settings. The charts are those of
:mod:`neurotopic.plot` (Vega-Lite); the Vega runtime (0.9 MB) comes from
``vl-convert-python``, which bundles it for offline use.
"""

from __future__ import annotations

import html
import json
import math
import os
import re
from collections.abc import Callable, Sequence
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

import altair as alt
import numpy as np
from sklearn.utils.validation import check_is_fitted

from .. import io
from .._params import check_labels
from .._version import __version__
from ..errors import NeurotopicError
from ..model.tasks import get_task
from . import plot
from ._topic_data import label_topic_matrix

if TYPE_CHECKING:
    from ..estimator import NeuralTopicModel

__all__ = ["METRIC_NOTES", "build_report", "representative_documents", "write_report"]

#: One line on each metric that ``evaluate`` may return, shown beside its value.
METRIC_NOTES = {
    "npmi": "document co-occurrence NPMI of each topic's top 10 terms (mean; -1 to 1)",
    "c_v": "C_V coherence of the top 10 terms (mean; 0 to 1)",
    "diversity": "unique share of all topics' top 25 terms",
    "topic_quality": "npmi x diversity",
    "accuracy": "logistic regression on the corpus's document-topic vectors, 20% held out",
    "micro_f1": "label sets: one-vs-rest logistic regressions, F1 over all labels' decisions",
    "macro_f1": "the same classifier's F1, averaged over labels",
    "training_heldout_ranking_accuracy": "the fit's last epoch: triples held out of the "
    "training corpus ranked correctly (not measured on the report's corpus)",
}
_SNIPPET_CHARS = 300


def _vega_bundle() -> str:
    """vega + vega-lite + vega-embed in one script, for the Vega-Lite version altair writes."""
    try:
        import vl_convert
    except ImportError:  # pragma: no cover - a declared dependency
        raise NeurotopicError(
            "the report needs vl-convert-python for its offline charts; "
            "pip install vl-convert-python"
        ) from None
    version = "_".join(alt.SCHEMA_VERSION.split(".")[:2])  # "v6.4.1" -> "v6_4"
    # The stub wants a snippet; without one the call returns the libraries alone.
    bundle: Callable[..., str] = vl_convert.javascript_bundle
    return bundle(vl_version=version)


def _script_json(data: Any) -> str:
    """JSON that is safe inside a ``<script>`` element (no ``</script>`` can appear)."""
    text = json.dumps(data, ensure_ascii=False, allow_nan=False, separators=(",", ":"))
    return text.replace("<", "\\u003c")


def _snippet(text: str, limit: int = _SNIPPET_CHARS) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1].rstrip() + "…"


def _table(
    header: Sequence[str], rows: Sequence[Sequence[str]], row_attrs: Sequence[str] | None = None
) -> str:
    head = "".join(f"<th>{html.escape(h)}</th>" for h in header)
    attrs = row_attrs or [""] * len(rows)
    body = "".join(f"<tr{a}>{''.join(row)}</tr>" for a, row in zip(attrs, rows, strict=True))
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _td(value: Any, numeric: bool = False) -> str:
    cls = ' class="num"' if numeric else ""
    return f"<td{cls}>{html.escape(str(value))}</td>"


def _format_value(value: Any) -> str:
    if isinstance(value, float | np.floating):
        return "n/a" if math.isnan(value) else f"{value:.4f}"
    text = repr(value) if not isinstance(value, str) else value
    return text if len(text) <= 80 else text[:77] + "..."


def representative_documents(doc_topic: np.ndarray, n_docs: int = 5) -> list[list[int]]:
    """Each topic's documents with the highest ``p(topic | document)``, best first.

    Parameters
    ----------
    doc_topic : ndarray of shape (n_docs, n_topics)
    n_docs : int
        Documents per topic.

    Returns
    -------
    list of list of int
        One list of document indices per topic; ties go to the earlier document.
    """
    order = np.argsort(-np.asarray(doc_topic), axis=0, kind="stable")  # (D, K)
    return [order[:n_docs, k].tolist() for k in range(order.shape[1])]


def _label_text(label: Any) -> str:
    """A document's label, or its label set as ``a, b``."""
    if isinstance(label, list | tuple | set | frozenset):
        return ", ".join(str(v) for v in label)
    return str(label)


def _documents_html(
    texts: Sequence[str],
    labels: Sequence[Any] | None,
    doc_topic: np.ndarray,
    n_docs: int,
    shown: int,
) -> str:
    parts = []
    for k, docs in enumerate(representative_documents(doc_topic, n_docs)):
        items = []
        for d in docs:
            label = f" · label {html.escape(_label_text(labels[d]))}" if labels is not None else ""
            items.append(
                f'<div class="doc"><div class="meta">document {d} · '
                f"p(topic {k} | document) = {doc_topic[d, k]:.3f}{label}</div>"
                f"{html.escape(_snippet(texts[d]))}</div>"
            )
        hidden = "" if k == shown else " hidden"
        parts.append(
            f'<div class="topic-docs" data-topic="{k}"{hidden}>'
            f'<p class="note">Most representative documents of topic {k}:</p>'
            f"{''.join(items)}</div>"
        )
    return "".join(parts)


def _topic_table(model: NeuralTopicModel) -> str:
    # The training documents whose main topic each is: the same rows (``doc_topic_``)
    # as the model directory's doc_topics.csv, whatever corpus the report shows.
    header = ["topic", "prevalence", "training documents", "top 10 terms"]
    dominant = np.bincount(model.doc_topic_.argmax(axis=1), minlength=model.n_topics)
    rows = []
    for k, terms in enumerate(model.topics(top_n=10)):
        row = [_td(k, True), _td(f"{model.topic_prevalence_[k]:.1%}", True)]
        row.append(_td(int(dominant[k]), True))
        row.append(_td(", ".join(terms)))
        rows.append(row)
    # Each row carries its topic id, so the page can mark the selected topic.
    attrs = [f' class="topic-row" data-topic="{k}"' for k in range(model.n_topics)]
    return _table(header, rows, attrs)


def _metrics_html(metrics: dict[str, Any] | str | None, model: NeuralTopicModel) -> str:
    if isinstance(metrics, str):  # evaluate refused the corpus; say why, keep the report
        return "<h3>Metrics</h3>" + f"<p class='note'>Not computed: {html.escape(metrics)}</p>"
    if metrics is None:
        last = model.history_[-1].get("heldout_ranking_accuracy", float("nan"))
        metrics = {"training_heldout_ranking_accuracy": last}
        note = "<p class='note'>Pass a corpus for coherence, diversity and accuracy.</p>"
    else:
        note = (
            "<p class='note'>From <code>evaluate</code> on the report's corpus (its "
            "documents folded in with <code>transform</code>), except the training figure.</p>"
        )
    rows = [
        [_td(name), _td(_format_value(value), True), _td(METRIC_NOTES.get(name, ""))]
        for name, value in metrics.items()
    ]
    return "<h3>Metrics</h3>" + note + _table(["metric", "value", "meaning"], rows)


def _settings_html(model: NeuralTopicModel) -> str:
    facts = {
        "training documents": model.doc_topic_.shape[0],
        "terms": len(model.terms_),
        "fit seconds": f"{getattr(model, 'fit_seconds_', {}).get('total', math.nan):.1f}",
        "topic readout in use": model.topic_readout_,
        "relevance weight in use": model.relevance_weight(),  # None for "embedding"
    }
    rows = [[_td(k), _td(_format_value(v))] for k, v in facts.items() if v is not None]
    rows += [[_td(k), _td(_format_value(v))] for k, v in sorted(model.get_params().items())]
    return "<h3>Settings</h3>" + _table(["setting", "value"], rows)


def _fill(template: str, values: dict[str, str]) -> str:
    def sub(match: re.Match[str]) -> str:
        return values[match.group(1)]

    return re.sub(r"\{\{(\w+)\}\}", sub, template)


def build_report(
    model: NeuralTopicModel,
    texts: Sequence[str] | None = None,
    labels: Sequence[Any] | None = None,
    *,
    title: str | None = None,
    top_n: int = 30,
    n_docs: int = 5,
    evaluate: bool = True,
    progress: Callable[[str], None] | None = None,
) -> str:
    """The report as one HTML string (see :func:`write_report`).

    Parameters
    ----------
    model : NeuralTopicModel
        A fitted model.
    texts : sequence of str, optional
        A corpus (the training corpus or held-out documents): adds each topic's most
        representative documents and, with ``evaluate``, the metrics of ``evaluate``.
    labels : sequence, optional
        One label per text: adds the label x topic heatmap (mean topic probability per
        label) and accuracy. Without labels a supervised model's label weights are shown.
    title : str, optional
        Page title; default ``"neurotopic report: K topics"``.
    top_n : int, default=30
        Terms per topic in the bar chart.
    n_docs : int, default=5
        Representative documents per topic.
    evaluate : bool, default=True
        Compute the metrics of ``model.evaluate(texts, labels)`` (needs ``texts``).
    progress : callable, optional
        Called with one line as each stage starts (folding in, charts, metrics, page).

    Returns
    -------
    str
        A complete HTML document.
    """
    report = progress if progress is not None else (lambda message: None)
    check_is_fitted(model, "components_")
    check_labels(None if texts is None else len(texts), labels)
    if texts is not None:
        report(f"report: folding in {len(texts):,} documents")
    doc_topic = model.transform(texts) if texts is not None else None  # (D, K)
    report("report: drawing the charts")
    specs: dict[str, Any] = {
        "explorer": plot.topic_explorer(model, top_n=top_n).to_dict(),
        "prevalence": plot.topic_prevalence(model).to_dict(),
        "similarity": plot.topic_similarity_heatmap(model).to_dict(),
        "curves": plot.training_curves(model).to_dict(),
    }
    sections = ["explore", "topics", "overview", "training", "settings"]
    labels_section = ""
    # A regression target has no classes to average over or classify: the heatmap shows
    # the model's weights, and evaluate gets no labels.
    task = getattr(model, "task_", None)
    heat_labels = None if task is not None and not get_task(task).has_proba else labels
    if heat_labels is not None or getattr(model, "label_weight_", None) is not None:
        names, matrix, what = label_topic_matrix(model, texts, heat_labels, doc_topic=doc_topic)
        specs["labels"] = plot.label_heatmap_from_matrix(names, matrix, what).to_dict()
        labels_section = (
            '<section id="label-topics"><h2>Labels and topics</h2><div id="labels"></div></section>'
        )
        sections.insert(3, "label-topics")
    metrics: dict[str, Any] | str | None = None
    if texts is not None and evaluate:
        report(f"report: evaluating on {len(texts):,} documents (coherence, accuracy)")
        try:
            metrics = model.evaluate(texts, heat_labels)
        except NeurotopicError as exc:
            metrics = str(exc)
    top = model.topics(top_n=10)
    summary = (
        f"{model.n_topics} topics · {len(model.terms_):,} terms · "
        f"{model.doc_topic_.shape[0]:,} training documents"
    )
    if texts is not None:
        summary += f" · report corpus: {len(texts):,} documents"
    nav = "".join(f'<a href="#{s}">{s.replace("-", " ")}</a>' for s in sections)
    first = int(model.topic_prevalence_.argmax())  # the topic the explorer selects first
    documents = (
        _documents_html(texts, labels, doc_topic, n_docs, first)
        if texts is not None and doc_topic is not None
        else "<p class='note'>Pass a corpus to see each topic's most representative documents.</p>"
    )
    report("report: writing the page with the Vega runtime inline")
    template = (
        resources.files("neurotopic.viz").joinpath("_report_template.html").read_text("utf-8")
    )
    return _fill(
        template,
        {
            "title": html.escape(title or f"neurotopic report: {model.n_topics} topics"),
            "summary": html.escape(summary),
            "nav": nav,
            "version": html.escape(__version__),
            "vegalite_version": html.escape(alt.SCHEMA_VERSION),
            "vega_bundle": _vega_bundle(),
            "documents": documents,
            "topic_table": _topic_table(model),
            "labels_section": labels_section,
            "metrics": _metrics_html(metrics, model),
            "settings": _settings_html(model),
            "specs": _script_json(specs),
            "topics_json": _script_json(top),
            "first_topic": str(first),
            "first_terms": html.escape(", ".join(top[first])),
        },
    )


def write_report(
    model: NeuralTopicModel,
    path: str | os.PathLike[str],
    texts: Sequence[str] | None = None,
    labels: Sequence[Any] | None = None,
    *,
    overwrite: bool = False,
    title: str | None = None,
    top_n: int = 30,
    n_docs: int = 5,
    evaluate: bool = True,
    progress: Callable[[str], None] | None = None,
) -> Path:
    """Write the self-contained HTML report of a fitted model to ``path``.

    The file holds every script, style and datum; it opens from disk without network.
    It is written atomically. Parameters are those of :func:`build_report`, plus:

    Parameters
    ----------
    path : str or os.PathLike
        The ``.html`` file to write.
    overwrite : bool, default=False
        Replace an existing file; otherwise an existing file is an error.

    Returns
    -------
    Path
        ``path``.
    """
    text = build_report(
        model,
        texts,
        labels,
        title=title,
        top_n=top_n,
        n_docs=n_docs,
        evaluate=evaluate,
        progress=progress,
    )
    out = Path(path)

    def write(tmp: Path) -> None:
        tmp.write_text(text, encoding="utf-8")
        tmp.chmod(0o644)  # a page to share, not a private temporary file

    io.write_file_atomically(out, write, overwrite=overwrite)
    return out
