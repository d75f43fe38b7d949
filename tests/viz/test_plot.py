"""Charts of a fitted model (neurotopic.plot) and the numbers behind them (_topic_data)."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import vl_convert

from neurotopic import NeuralTopicModel, NeurotopicError
from neurotopic.model.readout import data_topic_term, relevance
from neurotopic.viz import plot
from neurotopic.viz._topic_data import (
    classical_mds,
    label_topic_matrix,
    term_rows,
    topic_coordinates,
    topic_distances,
    topic_term_distributions,
)

VL_VERSION = "_".join(__import__("altair").SCHEMA_VERSION.split(".")[:2])


def _params(spec: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Every param declared anywhere in a Vega-Lite spec, by name."""
    found: dict[str, dict[str, Any]] = {}

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            for p in node.get("params", []):
                found[p["name"]] = p
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(spec)
    return found


def _values(spec: dict[str, Any], view: dict[str, Any]) -> list[dict[str, Any]]:
    """The data rows of one view (altair may move them to the top-level ``datasets``)."""
    data = view["data"]
    return list(data["values"] if "values" in data else spec["datasets"][data["name"]])


def test_jensen_shannon_distances_are_a_bounded_symmetric_metric() -> None:
    beta = np.array([[0.5, 0.5, 0.0], [0.0, 0.5, 0.5], [0.5, 0.5, 0.0], [0.0, 0.0, 1.0]])
    d = topic_distances(beta)
    np.testing.assert_allclose(d, d.T)
    np.testing.assert_allclose(np.diag(d), 0.0)
    assert d[0, 2] == pytest.approx(0.0)  # identical rows
    assert d[0, 3] == pytest.approx(1.0)  # disjoint supports: the maximum, in base 2
    assert 0.0 < d[0, 1] < 1.0
    assert d[0, 3] <= d[0, 1] + d[1, 3] + 1e-12  # triangle inequality


def test_classical_mds_recovers_planar_points() -> None:
    points = np.random.default_rng(0).normal(size=(6, 2))
    distances = np.linalg.norm(points[:, None] - points[None], axis=-1)
    coords = classical_mds(distances)
    np.testing.assert_allclose(
        np.linalg.norm(coords[:, None] - coords[None], axis=-1), distances, atol=1e-9
    )


def test_map_is_the_mds_of_the_topic_distances(fitted: NeuralTopicModel) -> None:
    xy = topic_coordinates(fitted)
    js = topic_distances(topic_term_distributions(fitted))
    # How well 2-D keeps the order of 10 distances depends on the topics (evenly spread
    # topics cannot be drawn faithfully in a plane); MDS itself is checked on planar
    # points above.  Here: the map is the MDS of this model's Jensen-Shannon distances.
    np.testing.assert_allclose(xy, classical_mds(js))
    assert xy.shape == (fitted.n_topics, 2) and np.ptp(xy, axis=0).min() > 0
    np.testing.assert_array_equal(xy, topic_coordinates(fitted))  # same picture every time


def test_topic_term_distributions_are_the_readouts(fitted: NeuralTopicModel) -> None:
    beta = topic_term_distributions(fitted)
    np.testing.assert_allclose(beta.sum(axis=1), 1.0)
    np.testing.assert_allclose(beta, fitted.components_ / fitted.components_.sum(1, keepdims=True))
    embedding = copy.deepcopy(fitted).set_readout(topic_readout="embedding")
    # lt ranks no distribution: the data readout's
    expected = data_topic_term(fitted.X_train_, fitted.term_topic_, fitted.doc_mixture_)
    np.testing.assert_allclose(topic_term_distributions(embedding), expected)


@pytest.mark.parametrize("lam", [0.0, 0.23, 0.5, 0.81, 1.0])
def test_slider_candidates_hold_the_top_terms_at_every_lambda(
    fitted: NeuralTopicModel, lam: float
) -> None:
    rows = term_rows(fitted, top_n=30)
    full = relevance(fitted.components_, fitted.term_prob_, lam)  # (K, V)
    for k in range(fitted.n_topics):
        mine = [r for r in rows if r["topic"] == k]
        # The formula the chart evaluates in the browser, on the rows it receives.
        score = {
            r["id"]: lam * r["log_beta"] + (1 - lam) * (r["log_beta"] - r["log_p"]) for r in mine
        }
        shown = sorted(score, key=lambda g: (-score[g], g))[:30]
        expected = np.argsort(-full[k], kind="stable")[:30].tolist()
        # The same top terms, up to near-ties that rounding to 1e-6 may swap.
        np.testing.assert_allclose(full[k][shown[:25]], full[k][expected[:25]], atol=1e-5)
        assert len(set(shown[:25]) ^ set(expected[:25])) <= 2


def test_term_rows_carry_frequencies(fitted: NeuralTopicModel) -> None:
    rows = term_rows(fitted, top_n=10)
    counts = np.asarray(fitted.X_train_.sum(axis=0)).ravel()
    for r in rows:
        assert r["term"] == fitted.terms_[r["id"]]
        assert r["freq"] == counts[r["id"]]
        assert 0 <= r["topic_freq"] <= r["freq"]
    per_topic = np.bincount([r["topic"] for r in rows], minlength=fitted.n_topics)
    assert (per_topic >= 10).all()


def test_explorer_declares_the_selection_and_the_slider(fitted: NeuralTopicModel) -> None:
    spec = plot.topic_explorer(fitted).to_dict()
    params = _params(spec)
    topic = params[plot.TOPIC_PARAM]
    assert topic["select"]["type"] == "point"
    assert topic["value"] == [{"topic": int(fitted.topic_prevalence_.argmax())}]
    slider = params[plot.LAMBDA_PARAM]
    assert slider["value"] == fitted.relevance_weight()
    assert slider["bind"]["input"] == "range"
    assert slider["bind"]["min"] == 0 and slider["bind"]["max"] == 2  # lambda above 1 too
    vl_convert.vegalite_to_vega(spec, vl_version=VL_VERSION)  # compiles


def test_every_chart_compiles_and_renders(
    fitted: NeuralTopicModel, bbc_small: tuple[list[str], list[str]]
) -> None:
    texts, labels = bbc_small
    charts = [
        plot.topic_map(fitted),
        plot.topic_terms(fitted, 1, relevance_lambda=0.2),
        plot.topic_prevalence(fitted),
        plot.topic_similarity_heatmap(fitted),
        plot.training_curves(fitted),
        plot.label_heatmap(fitted, texts[:60], labels[:60]),
    ]
    for chart in charts:
        svg = vl_convert.vegalite_to_svg(chart.to_dict(), vl_version=VL_VERSION)
        assert svg.startswith("<svg")
    map_svg = vl_convert.vegalite_to_svg(plot.topic_map(fitted).to_dict(), vl_version=VL_VERSION)
    for k in range(fitted.n_topics):
        assert f">{k}</text>" in map_svg  # every topic is labelled on the map


def test_topic_terms_rejects_a_bad_topic_or_lambda(fitted: NeuralTopicModel) -> None:
    with pytest.raises(NeurotopicError, match="topic must be in"):
        plot.topic_terms(fitted, fitted.n_topics)
    with pytest.raises(NeurotopicError, match="relevance_lambda"):
        plot.topic_terms(fitted, 0, relevance_lambda=2.5)


def test_training_curves_show_the_history(fitted: NeuralTopicModel) -> None:
    spec = plot.training_curves(fitted).to_dict()
    accuracy = [r for r in _values(spec, spec["hconcat"][1]) if r["set"] == "held-out"]
    assert [r["epoch"] for r in accuracy] == [h["epoch"] for h in fitted.history_]
    assert [r["value"] for r in accuracy] == [
        h["heldout_ranking_accuracy"] for h in fitted.history_
    ]
    hinge = _values(spec, spec["hconcat"][0])
    assert 0 not in {r["epoch"] for r in hinge if r["set"] == "training"}  # NaN at the start


def test_label_matrix_finds_each_bbc_class_in_its_own_topic(
    fitted: NeuralTopicModel, bbc_small: tuple[list[str], list[str]]
) -> None:
    texts, labels = bbc_small
    names, matrix, what = label_topic_matrix(fitted, texts[::3], labels[::3])
    assert names == sorted(set(labels))
    assert what == "mean p(topic | document)"
    np.testing.assert_allclose(matrix.sum(axis=1), 1.0)
    assert len(set(matrix.argmax(axis=1))) >= 4  # 5 classes, 5 topics: (almost) one each


def test_label_matrix_counts_each_of_several_labels() -> None:
    class Stub:
        n_topics = 2

    doc_topic = np.array([[1.0, 0.0], [0.0, 1.0], [0.5, 0.5]])
    names, matrix, _ = label_topic_matrix(
        Stub(),  # type: ignore[arg-type]
        labels=[["a"], ["b", "a"], "b"],
        doc_topic=doc_topic,
    )
    assert names == ["a", "b"]
    np.testing.assert_allclose(matrix, [[0.5, 0.5], [0.25, 0.75]])


def test_label_heatmap_of_a_supervised_model_shows_its_weights(fitted: NeuralTopicModel) -> None:
    supervised = copy.copy(fitted)
    weights = np.arange(fitted.n_topics * 3, dtype=float).reshape(fitted.n_topics, 3)
    supervised.label_weight_ = weights
    supervised.classes_ = np.array(["business", "politics", "sport"])
    names, matrix, what = label_topic_matrix(supervised)
    assert names == ["business", "politics", "sport"]
    np.testing.assert_array_equal(matrix, weights.T)
    assert what == "label weight"
    spec = plot.label_heatmap(supervised).to_dict()
    assert {r["label"] for r in _values(spec, spec)} == set(names)


def test_label_heatmap_needs_labels_or_a_supervised_model(fitted: NeuralTopicModel) -> None:
    with pytest.raises(NeurotopicError, match="needs labels"):
        plot.label_heatmap(fitted)
    with pytest.raises(NeurotopicError, match="pass texts and labels"):
        plot.label_heatmap(fitted, labels=["a", "b"])


def test_a_saved_chart_draws_offline_by_default(fitted: NeuralTopicModel, tmp_path: Path) -> None:
    # Every chart's HTML holds the Vega runtime inline and loads nothing from a CDN;
    # inline=False still gives altair's CDN page for those who want a small file.
    charts = {
        "explorer": plot.topic_explorer(fitted),
        "map": plot.topic_map(fitted),
        "terms": plot.topic_terms(fitted, topic=1),
        "prevalence": plot.topic_prevalence(fitted),
        "similarity": plot.topic_similarity_heatmap(fitted),
        "curves": plot.training_curves(fitted),
        "labels": plot.label_heatmap_from_matrix(["a", "b"], np.eye(2), "mean p"),
    }
    for name, chart in charts.items():
        path = tmp_path / f"{name}.html"
        chart.save(path)
        page = path.read_text(encoding="utf-8")
        assert "cdn.jsdelivr.net" not in page and "<script src=" not in page, name
        assert len(page) > 500_000, name  # vega + vega-lite + vega-embed inline
        assert "Intertopic distance map" in page or name != "explorer"
    small = tmp_path / "cdn.html"
    charts["prevalence"].save(small, inline=False)
    assert "cdn.jsdelivr.net" in small.read_text(encoding="utf-8")
    # A chart derived from one of ours keeps the offline default.
    derived = charts["prevalence"].properties(width=200)
    derived.save(tmp_path / "derived.html")
    assert "cdn.jsdelivr.net" not in (tmp_path / "derived.html").read_text(encoding="utf-8")
