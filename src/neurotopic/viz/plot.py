"""Charts of a fitted model: free functions that return Vega-Lite figures (altair).

Each function takes a fitted :class:`~neurotopic.NeuralTopicModel` and returns an altair
chart, which renders inline in Jupyter and can be saved with ``chart.save("x.html")``.
A saved HTML file holds the Vega runtime inline (0.9 MB, from ``vl-convert-python``), so
it opens from disk with no network; ``chart.save("x.html", inline=False)`` loads the
runtime from a CDN instead. The HTML report (:mod:`neurotopic.report`) is made of these
same charts.

Why Vega-Lite through altair: selecting a topic and re-ranking its terms with the
relevance slider are declared in the chart specification (the relevance formula is a
Vega expression), so the same chart is interactive in a notebook and in the report
without hand-written event code; and its offline runtime (vega, vega-lite and
vega-embed in one 0.9 MB script from ``vl-convert-python``) is a fifth of plotly.js.

Examples
--------
>>> from neurotopic import plot
>>> plot.topic_explorer(model)            # doctest: +SKIP
>>> plot.training_curves(model).save("curves.html")  # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

import altair as alt

from .._params import validate_params
from ..errors import NeurotopicError
from ..model.readout import MAX_RELEVANCE
from ._topic_data import (
    label_topic_matrix,
    relevance_expression,
    term_rows,
    topic_coordinates,
    topic_similarity,
)

if TYPE_CHECKING:
    from ..estimator import NeuralTopicModel

__all__ = [
    "LAMBDA_PARAM",
    "TOPIC_PARAM",
    "label_heatmap",
    "label_heatmap_from_matrix",
    "topic_explorer",
    "topic_map",
    "topic_prevalence",
    "topic_similarity_heatmap",
    "topic_terms",
    "training_curves",
]

#: Name of the topic selection (a Vega signal) in :func:`topic_map` and :func:`topic_explorer`.
TOPIC_PARAM = "topic"
#: Name of the relevance weight (a Vega signal bound to a slider) in :func:`topic_terms`.
LAMBDA_PARAM = "relevance_lambda"

_SELECTED, _OTHER, _OVERALL = "#c0392b", "#7f9fbf", "#d5dde6"


class _SavesOffline:
    """``save`` with ``inline=True`` by default: an HTML file that draws offline."""

    def save(self, fp: str | Path | IO[Any], format: str | None = None, **kwargs: Any) -> None:
        """altair's ``Chart.save``, with the Vega runtime inline in HTML unless
        ``inline=False`` is passed."""
        kwargs.setdefault("inline", True)
        super().save(fp, format, **kwargs)  # type: ignore[misc]


class OfflineChart(_SavesOffline, alt.Chart):  # type: ignore[misc]
    """An ``altair.Chart`` whose HTML ``save`` works offline (see the module docstring)."""


class OfflineLayerChart(_SavesOffline, alt.LayerChart):  # type: ignore[misc]
    """An ``altair.LayerChart`` whose HTML ``save`` works offline."""


class OfflineHConcatChart(_SavesOffline, alt.HConcatChart):  # type: ignore[misc]
    """An ``altair.HConcatChart`` whose HTML ``save`` works offline."""


def _short_label(terms: Sequence[str], n: int = 3) -> str:
    return ", ".join(terms[:n])


def _topic_rows(model: NeuralTopicModel) -> list[dict[str, Any]]:
    """One row per topic: id, map coordinates, prevalence and top terms."""
    xy = topic_coordinates(model)  # (K, 2)
    top = model.topics(top_n=10)
    return [
        {
            "topic": k,
            "x": round(float(xy[k, 0]), 5),
            "y": round(float(xy[k, 1]), 5),
            "prevalence": round(float(model.topic_prevalence_[k]), 5),
            "top_terms": ", ".join(top[k][:6]),
            "name": f"{k}: {_short_label(top[k])}",
        }
        for k in range(model.n_topics)
    ]


def _topic_selection(initial: int) -> Any:
    return alt.selection_point(
        name=TOPIC_PARAM,
        fields=["topic"],
        on="click",
        clear=False,
        toggle=False,
        value=[{"topic": int(initial)}],
    )


def _map_layers(model: NeuralTopicModel, select: Any, size: int) -> alt.LayerChart:
    base = alt.Chart(alt.InlineData(values=_topic_rows(model)))
    x = alt.X("x:Q", axis=None, scale=alt.Scale(zero=False, padding=36))
    y = alt.Y("y:Q", axis=None, scale=alt.Scale(zero=False, padding=36))
    tooltip = [
        alt.Tooltip("topic:N", title="topic"),
        alt.Tooltip("prevalence:Q", format=".1%"),
        alt.Tooltip("top_terms:N", title="top terms"),
    ]
    circles = (
        base.mark_circle(opacity=0.7, stroke="white", strokeWidth=1.5, cursor="pointer")
        .encode(
            x=x,
            y=y,
            size=alt.Size(
                "prevalence:Q", scale=alt.Scale(zero=True, range=[0, size * 9]), legend=None
            ),
            color=alt.condition(select, alt.value(_SELECTED), alt.value(_OTHER)),
            order=alt.Order("prevalence:Q", sort="descending"),  # small circles on top
            tooltip=tooltip,
        )
        .add_params(select)
    )
    labels = base.mark_text(
        fontSize=12, fontWeight="bold", color="#1b2631", cursor="pointer"
    ).encode(x=x, y=y, text="topic:N", tooltip=tooltip)
    return OfflineLayerChart(
        layer=[circles, labels],
        width=size,
        height=size,
        title=alt.TitleParams(
            "Intertopic distance map",
            subtitle=["Jensen-Shannon distance, 2-D by classical MDS;", "area = prevalence"],
            anchor="start",
        ),
    )


def topic_map(model: NeuralTopicModel, *, size: int = 420) -> alt.LayerChart:
    """Topics as circles sized by prevalence, placed by their term distributions.

    Positions are the classical multidimensional scaling (principal coordinates) of the
    Jensen-Shannon distances between topic-term distributions, as in LDAvis; a circle's
    area is the topic's prevalence. Clicking a circle selects the topic (the selection
    is named :data:`TOPIC_PARAM`); hovering shows its top terms.

    Parameters
    ----------
    model : NeuralTopicModel
        A fitted model.
    size : int, default=420
        Width and height in pixels.

    Returns
    -------
    altair.LayerChart
    """
    return _map_layers(model, _topic_selection(0), size)


def _terms_layers(
    model: NeuralTopicModel, topic_filter: Any, top_n: int, relevance_lambda: float | None
) -> alt.LayerChart:
    lam = relevance_lambda if relevance_lambda is not None else model.relevance_weight()
    if lam is None:  # the "embedding" readout ranks by lt: start the slider at 1
        lam = 1.0
    validate_params({"relevance_lambda": lam})
    slider = alt.param(
        name=LAMBDA_PARAM,
        value=float(lam),
        bind=alt.binding_range(min=0, max=MAX_RELEVANCE, step=0.01, name="relevance λ "),
    )
    base = (
        alt.Chart(alt.InlineData(values=term_rows(model, top_n)))
        .transform_filter(topic_filter)
        .transform_calculate(relevance=relevance_expression(LAMBDA_PARAM))
        .transform_window(
            rank="row_number()",
            sort=[
                alt.SortField("relevance", order="descending"),
                alt.SortField("id", order="ascending"),
            ],
        )
        .transform_filter(alt.datum.rank <= top_n)
    )
    y = alt.Y(
        "term:N",
        sort=alt.EncodingSortField("rank", op="min", order="ascending"),
        title=None,
        axis=alt.Axis(labelLimit=160),
    )
    tooltip = [
        alt.Tooltip("term:N"),
        alt.Tooltip("relevance:Q", format=".3f"),
        alt.Tooltip("p_topic:Q", title="p(term | topic)", format=".4f"),
        alt.Tooltip("freq:Q", title="frequency in corpus", format=","),
        alt.Tooltip("topic_freq:Q", title="estimated in topic", format=",.0f"),
    ]
    overall = base.mark_bar(color=_OVERALL).encode(
        x=alt.X("freq:Q", title="frequency: in corpus (grey), in topic (red)"),
        y=y,
        tooltip=tooltip,
    )
    in_topic = base.mark_bar(color=_SELECTED).encode(x="topic_freq:Q", y=y, tooltip=tooltip)
    return OfflineLayerChart(
        layer=[overall, in_topic],
        width=400,
        height=alt.Step(14),
        title=alt.TitleParams(
            f"Top {top_n} terms by relevance",
            subtitle=[
                "relevance = λ log p(term | topic)",
                "  + (1 − λ) log p(term | topic) / p(term)",
            ],
            anchor="start",
        ),
    ).add_params(slider)


def topic_terms(
    model: NeuralTopicModel,
    topic: int = 0,
    *,
    top_n: int = 30,
    relevance_lambda: float | None = None,
) -> alt.LayerChart:
    """A topic's top terms as bars, re-ranked live by a relevance slider.

    Relevance (Sievert & Shirley 2014) is
    ``lam * log p(g | k) + (1 - lam) * log(p(g | k) / p(g))``, the formula of
    :func:`neurotopic.readout.relevance`, computed in the chart from the slider's
    ``lam`` (named :data:`LAMBDA_PARAM`). Grey bars are a term's frequency in the
    training corpus; red bars its estimated frequency within the topic.

    Parameters
    ----------
    model : NeuralTopicModel
        A fitted model.
    topic : int, default=0
        Topic id in ``[0, n_topics)``.
    top_n : int, default=30
        Terms shown.
    relevance_lambda : float or None, default=None
        Initial slider value; None uses the model's ``relevance_lambda``.

    Returns
    -------
    altair.LayerChart
    """
    if not 0 <= topic < model.n_topics:
        raise NeurotopicError(f"topic must be in [0, {model.n_topics}), got {topic}")
    return _terms_layers(model, alt.datum.topic == int(topic), top_n, relevance_lambda)


def topic_explorer(
    model: NeuralTopicModel,
    *,
    top_n: int = 30,
    relevance_lambda: float | None = None,
    size: int = 420,
) -> alt.HConcatChart:
    """:func:`topic_map` and :func:`topic_terms` side by side, linked (as LDAvis).

    Clicking a topic on the map shows its terms; the slider re-ranks them. The first
    topic shown is the most prevalent.

    Returns
    -------
    altair.HConcatChart
    """
    select = _topic_selection(int(model.topic_prevalence_.argmax()))
    terms = _terms_layers(model, select, top_n, relevance_lambda)
    return OfflineHConcatChart(hconcat=[_map_layers(model, select, size), terms], spacing=40)


def topic_prevalence(model: NeuralTopicModel) -> alt.Chart:
    """Each topic's prevalence (mean document-topic probability) as a bar.

    Returns
    -------
    altair.Chart
    """
    return (
        OfflineChart(alt.InlineData(values=_topic_rows(model)))
        .mark_bar(color=_OTHER)
        .encode(
            x=alt.X("prevalence:Q", axis=alt.Axis(format="%"), title="prevalence"),
            y=alt.Y("name:N", sort=alt.EncodingSortField("topic"), title=None),
            tooltip=[
                alt.Tooltip("name:N", title="topic"),
                alt.Tooltip("prevalence:Q", format=".1%"),
            ],
        )
        .properties(title="Topic prevalence", width=300)
    )


def topic_similarity_heatmap(model: NeuralTopicModel) -> alt.Chart:
    """Topic-to-topic similarity, ``1 - Jensen-Shannon distance`` (base 2), as a heatmap.

    Returns
    -------
    altair.Chart
    """
    sim = topic_similarity(model)  # (K, K)
    k = model.n_topics
    rows = [
        {"a": i, "b": j, "similarity": round(float(sim[i, j]), 4)}
        for i in range(k)
        for j in range(k)
    ]
    axis = alt.Axis(labelAngle=0)
    return (
        OfflineChart(alt.InlineData(values=rows))
        .mark_rect()
        .encode(
            x=alt.X("a:O", title="topic", axis=axis),
            y=alt.Y("b:O", title="topic"),
            color=alt.Color("similarity:Q", scale=alt.Scale(scheme="blues", domain=[0, 1])),
            tooltip=["a:O", "b:O", alt.Tooltip("similarity:Q", format=".3f")],
        )
        .properties(title="Topic similarity", width=alt.Step(18), height=alt.Step(18))
    )


def training_curves(model: NeuralTopicModel) -> alt.HConcatChart:
    """Hinge and ranking accuracy per epoch, on training and held-out triples.

    Epoch 0 is the pre-trained start (held-out figures only).

    Returns
    -------
    altair.HConcatChart
    """
    panels = {
        "hinge": (("hinge", "training"), ("heldout_hinge", "held-out")),
        "ranking accuracy": (
            ("ranking_accuracy", "training"),
            ("heldout_ranking_accuracy", "held-out"),
        ),
    }
    charts = []
    for title, series in panels.items():
        rows = [
            {"epoch": int(h["epoch"]), "set": name, "value": float(h[key])}
            for h in model.history_
            for key, name in series
            if key in h and h[key] == h[key]  # NaN != NaN: drop the missing epoch-0 figures
        ]
        charts.append(
            alt.Chart(alt.InlineData(values=rows))
            .mark_line(point=True)
            .encode(
                x=alt.X("epoch:Q", axis=alt.Axis(tickMinStep=1)),
                y=alt.Y("value:Q", title=title, scale=alt.Scale(zero=False)),
                color=alt.Color("set:N", title=None, sort=["training", "held-out"]),
                tooltip=["epoch:Q", "set:N", alt.Tooltip("value:Q", format=".4f")],
            )
            .properties(title=title.capitalize(), width=300, height=200)
        )
    return OfflineHConcatChart(hconcat=charts)


def label_heatmap(
    model: NeuralTopicModel,
    texts: Sequence[str] | None = None,
    labels: Sequence[Any] | None = None,
) -> alt.LayerChart:
    """Labels x topics: mean topic probability per label, or a supervised model's weights.

    Parameters
    ----------
    model : NeuralTopicModel
        A fitted model.
    texts, labels : sequence, optional
        Documents and one label each; the cell is the mean ``p(topic | document)`` of
        the label's documents (folded in with ``transform``). Without them, a supervised
        model's ``label_weight_`` (n_topics x n_outputs) is shown.

    Returns
    -------
    altair.LayerChart
    """
    names, matrix, what = label_topic_matrix(model, texts, labels)  # (L, K)
    return label_heatmap_from_matrix(names, matrix, what)


def label_heatmap_from_matrix(names: Sequence[str], matrix: Any, what: str) -> alt.LayerChart:
    """The chart of :func:`label_heatmap` from a precomputed (n_labels, n_topics) matrix."""
    rows = [
        {"label": str(name), "topic": k, "value": round(float(v), 4)}
        for name, row in zip(names, matrix, strict=True)
        for k, v in enumerate(row)
    ]
    # Probabilities on a sequential scale; signed weights on a diverging one centred on 0.
    scale = (
        alt.Scale(scheme="blues")
        if what.startswith("mean")
        else alt.Scale(scheme="redblue", domainMid=0)
    )
    base = alt.Chart(alt.InlineData(values=rows)).encode(
        x=alt.X("topic:O", axis=alt.Axis(labelAngle=0)),
        y=alt.Y("label:N", title=None, sort=[str(n) for n in names]),
    )
    cells = base.mark_rect().encode(
        color=alt.Color("value:Q", title=what, scale=scale),
        tooltip=["label:N", "topic:O", alt.Tooltip("value:Q", title=what, format=".3f")],
    )
    text = base.mark_text(fontSize=10).encode(text=alt.Text("value:Q", format=".2f"))
    return OfflineLayerChart(
        layer=[cells, text],
        title=f"Labels x topics ({what})",
        width=alt.Step(34),
        height=alt.Step(24),
    )
