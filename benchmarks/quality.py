"""The side-by-side benchmark: neurotopic against LDA on a suite of labelled corpora.

Fits, on the same raw texts and scored by the same code (:mod:`neurotopic.compare`):

* neurotopic's NTM (default settings, ``random_state`` = seed);
* tomotopy LDA (collapsed Gibbs, 1,000 iterations, 2 workers);
* gensim ``LdaMulticore`` (10 passes, 2 workers), when asked for;
* BERTopic (k-means) and FASTopic (200 epochs) on all-MiniLM-L6-v2 sentence embeddings
  (:mod:`neurotopic.peers`), when asked for; the embeddings are computed once per corpus
  and their time is added to each of those fits;

on ten labelled corpora that install offline (:mod:`neurotopic.datasets`), split in two:

* the tuning half (BBC News, NewsArticles, WordNet glosses, health tweets): defaults are
  chosen by looking at these only;
* the held-out half (fortunes, FOLDOC, GCIDE fields, House of Commons speeches, manual
  pages): reported, never used to choose a default.

Every corpus is fitted at K = 20 and 50, and at 100 when it has 20,000 documents or more.
Accuracy is a logistic regression on the doc-topic rows exactly as ``fit_transform``
returns them (``neurotopic.metrics.doc_topic_accuracy``, ``features="probabilities"``).
With ``--unseen``, each corpus also gets the NTM's accuracy on documents it never saw:
fitted on 80% of the corpus, the classifier trained on those rows and tested on
``transform`` of the other 20%, at every seed.

Prints one table per corpus and K as it goes (mean ± std over seeds), a summary table of
the NTM against tomotopy (and, with the embedding-based models, a table of every model),
and with ``--out FILE`` writes them to section ``--section`` (default ``quality``) of a
Markdown file; ``docs/benchmarks.md`` keeps its other sections.

Run: ``.venv/bin/python benchmarks/quality.py --suite all [--corpora a,b] [--ks 20,50]
[--seeds 0,1,2] [--models ntm,tomotopy,bertopic,fastopic] [--unseen]
[--out docs/benchmarks.md] [--section quality] [--ntm-param key=value ...]``

The whole suite takes about half an hour per seed on two cores; time it on an otherwise
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
from neurotopic.datasets import load_dataset
from neurotopic.evaluation.compare import ComparisonRow, compare_models, format_table
from neurotopic.evaluation.peers import embed_documents

#: The tuning half: defaults are chosen by looking at these corpora only.
TUNING: tuple[str, ...] = ("bbc", "news-articles", "wordnet", "healthtweets")
#: The held-out half: reported, never used to choose a default.
HELD_OUT: tuple[str, ...] = ("fortunes", "foldoc", "gcide", "commons", "manpages")
SUITES: dict[str, tuple[str, ...]] = {
    "tuning": TUNING,
    "held-out": HELD_OUT,
    "all": TUNING + HELD_OUT,
}
#: Numbers of topics fitted on every corpus, plus LARGE_K on corpora of LARGE_DOCS or more.
KS: tuple[int, ...] = (20, 50)
LARGE_K, LARGE_DOCS = 100, 20_000
LDA_ITERATIONS = 1000
LDA_PASSES = 10
WORKERS = 2
SHOWN_TOPICS = 5
SHOWN_TERMS = 10


@dataclass
class Section:
    """One corpus's results at one K."""

    corpus: str
    k: int
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
    from importlib.metadata import PackageNotFoundError, version

    for name in ("tomotopy", "gensim", "torch", "bertopic", "fastopic"):
        try:
            parts.append(f"{name} {version(name)}")
        except PackageNotFoundError:
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


def tomotopy_checks(rows: list[ComparisonRow]) -> dict[str, tuple[float, float, bool]]:
    """The NTM against tomotopy (means over seeds): metric -> (ntm, tomotopy, reached).

    Compared: NPMI, diversity and accuracy at least tomotopy's, fit time at most a third
    of tomotopy's.  Empty when either model is missing.
    """
    if not any(r.model == "ntm" for r in rows) or not any(r.model == "tomotopy" for r in rows):
        return {}
    checks = {}
    for key in ("npmi", "diversity", "accuracy"):
        ntm, lda = mean_of(rows, "ntm", key), mean_of(rows, "tomotopy", key)
        checks[key] = (ntm, lda, bool(ntm >= lda))
    ntm, lda = mean_of(rows, "ntm", "fit_seconds"), mean_of(rows, "tomotopy", "fit_seconds")
    checks["fit_seconds"] = (ntm, lda, bool(ntm <= lda / 3))
    return checks


def tomotopy_lines(rows: list[ComparisonRow]) -> list[str]:
    """The comparison with tomotopy as sentences."""
    checks = tomotopy_checks(rows)
    if not checks:
        return ["the comparison needs both ntm and tomotopy"]
    lines = []
    for key, name in (("npmi", "NPMI"), ("diversity", "diversity"), ("accuracy", "accuracy")):
        ntm, lda, ok = checks[key]
        lines.append(f"{name}: {'at least' if ok else 'below'} tomotopy's ({ntm:.3f} vs {lda:.3f})")
    ntm, lda, ok = checks["fit_seconds"]
    lines.append(
        f"fit time: {'at most' if ok else 'more than'} a third of tomotopy's "
        f"({ntm:.1f}s vs {lda / 3:.1f}s)"
    )
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
    for model in ("ntm", "tomotopy", "gensim", "bertopic", "fastopic"):
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


@dataclass
class Unseen:
    """The NTM's accuracy on its training rows and on unseen documents (one corpus).

    One entry per seed in ``training`` and ``unseen``.
    """

    corpus: str
    k: int
    seeds: list[int]
    training: list[float]
    unseen: list[float]

    def row(self) -> str:
        """The table row: means over the seeds, and each seed's difference."""
        gaps = [u - t for t, u in zip(self.training, self.unseen, strict=True)]
        cells = [
            f"{np.mean(self.training):.3f}",
            f"{np.mean(self.unseen):.3f}",
            f"{np.mean(gaps):+.3f}",
        ]
        if len(self.seeds) > 1:
            cells.append(", ".join(f"{g:+.3f}" for g in gaps))
        return f"| {self.corpus} | {self.k} | " + " | ".join(cells) + " |"


def unseen_accuracy(
    texts: Sequence[str], labels: Sequence[str], k: int, seed: int, params: dict[str, Any]
) -> tuple[float, float]:
    """Accuracy on training rows and on ``transform`` of unseen documents, one protocol.

    The corpus is split 80/20 (stratified, ``seed``).  The NTM is fitted on the 80%; a
    logistic regression is trained on its ``fit_transform`` rows and tested on (a) a
    stratified 20% of those same training documents' rows, the protocol of the tables,
    and (b) ``transform`` of the 20% it never saw, with the classifier trained on all
    of the 80%.
    """
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import train_test_split

    from neurotopic import NeuralTopicModel
    from neurotopic.evaluation.metrics import doc_topic_accuracy

    y = np.asarray(labels)
    index = np.arange(len(texts))
    fit_idx, new_idx = train_test_split(index, test_size=0.2, random_state=seed, stratify=y)
    model = NeuralTopicModel(k, random_state=seed, **params)
    theta_fit = model.fit_transform([texts[i] for i in fit_idx])
    training = doc_topic_accuracy(theta_fit, y[fit_idx], random_state=seed)["accuracy"]
    theta_new = model.transform([texts[i] for i in new_idx])
    reader = LogisticRegression(C=1.0, max_iter=1000).fit(theta_fit, y[fit_idx])
    unseen = float(np.mean(reader.predict(theta_new) == y[new_idx]))
    return float(training), unseen


PEER_MODELS = ("gensim", "bertopic", "fastopic")


def all_model_lines(sections: list[Section]) -> list[str]:
    """Every model's means over seeds, one row per corpus, K and model.

    Empty unless a model other than the NTM and tomotopy was fitted.
    """
    if not any(r.model in PEER_MODELS for s in sections for r in s.rows):
        return []
    lines = [
        "| half | corpus | K | model | NPMI | diversity | accuracy | fit s |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for section in sections:
        half = "tuning" if section.corpus in TUNING else "held out"
        for model in ("ntm", "tomotopy", *PEER_MODELS):
            if not any(r.model == model for r in section.rows):
                continue
            cells = [
                f"{mean_of(section.rows, model, key):.3f}"
                for key in ("npmi", "diversity", "accuracy")
            ]
            cells.append(f"{mean_of(section.rows, model, 'fit_seconds'):.1f}")
            lines.append(
                f"| {half} | {section.corpus} | {section.k} | {model} | " + " | ".join(cells) + " |"
            )
    return lines


def summary_lines(sections: list[Section], unseen: list[Unseen]) -> list[str]:
    """One row per corpus and K: the NTM against tomotopy, each cell marked."""
    lines = [
        "| half | corpus | K | NPMI ntm / lda | diversity ntm / lda | accuracy ntm / lda "
        "| fit s ntm / lda |",
        "|---|---|---|---|---|---|---|",
    ]
    for section in sections:
        checks = tomotopy_checks(section.rows)
        if not checks:
            continue
        cells = []
        for key in ("npmi", "diversity", "accuracy"):
            ntm, lda, ok = checks[key]
            cells.append(f"{ntm:.3f} / {lda:.3f} {'✓' if ok else '✗'}")
        ntm, lda, ok = checks["fit_seconds"]
        cells.append(f"{ntm:.1f} / {lda:.1f} {'✓' if ok else '✗'}")
        half = "tuning" if section.corpus in TUNING else "held out"
        lines.append(f"| {half} | {section.corpus} | {section.k} | " + " | ".join(cells) + " |")
    if unseen:
        lines += ["", *unseen_lines(unseen)]
    every = all_model_lines(sections)
    if every:
        lines += ["", "Every model (means over seeds):", "", *every]
    return lines


def unseen_lines(unseen: list[Unseen]) -> list[str]:
    """The unseen-document table (means over the seeds of each corpus)."""
    seeds = unseen[0].seeds
    several = len(seeds) > 1
    which = f"means over seeds {', '.join(map(str, seeds))}" if several else f"seed {seeds[0]}"
    header = "| corpus | K | accuracy, training rows | accuracy, unseen documents | difference |"
    return [
        f"Unseen documents (NTM fitted on 80%, `transform` on the other 20%, {which}):",
        "",
        header + (" difference per seed |" if several else ""),
        "|---|---|---|---|---|" + ("---|" if several else ""),
        *(u.row() for u in unseen),
    ]


TITLE = "Quality benchmark: neurotopic against LDA"


def render(
    command: str,
    started: str,
    settings: str,
    sections: list[Section],
    unseen: list[Unseen],
    title: str = TITLE,
) -> str:
    """The Markdown report: header, summary, one table per corpus and K, first topics."""
    out = [
        f"# {title}",
        "",
        f"- command: `{command}`",
        f"- date: {started}",
        f"- machine: {machine()}",
        f"- versions: {versions()}",
        f"- settings: {settings}",
        "- metrics (neurotopic.evaluation, the same for every model): NPMI = document "
        "co-occurrence NPMI of the top 10 terms, C_V of the top 10, diversity = unique "
        "share of the top 25, accuracy and macro-F1 of a logistic regression on the "
        "document-topic rows exactly as the model returns them (80/20 split of the "
        "training documents); the reference corpus is the training corpus. Fit seconds: "
        "wall time from raw text.",
        f"- tuning half (defaults chosen on these): {', '.join(TUNING)}; held-out half "
        f"(never used to choose a default): {', '.join(HELD_OUT)}.",
        "",
        "## Summary: neurotopic against tomotopy LDA",
        "",
        "✓: NPMI, diversity and accuracy at least tomotopy's; fit time at most a third of "
        "tomotopy's (means over seeds).",
        "",
        *summary_lines(sections, unseen),
        "",
    ]
    for section in sections:
        out += [f"## {section.title}", "", section.description + ".", ""]
        out += [format_table(section.rows), ""]
        out += [f"- {line}" for line in ntm_lines(section.rows) + tomotopy_lines(section.rows)]
        out.append("")
    out += ["## Topics", ""]
    for section in sections:
        out += [f"### {section.title}", ""]
        out += topic_lines(section.rows)
    return "\n".join(out).rstrip() + "\n"


def unseen_check(
    name: str,
    texts: Sequence[str],
    labels: Sequence[str],
    k: int,
    seeds: list[int],
    params: dict[str, Any],
) -> Unseen:
    """:func:`unseen_accuracy` at each seed, printed as it goes."""
    result = Unseen(name, k, seeds, [], [])
    for seed in seeds:
        training, new = unseen_accuracy(texts, labels, k, seed, params)
        result.training.append(training)
        result.unseen.append(new)
        print(
            f"  unseen documents, {name}, K={k}, seed {seed}: {training:.3f} on training "
            f"rows, {new:.3f} unseen",
            flush=True,
        )
    return result


def run_unseen_only(
    corpora: list[str],
    ks: list[int],
    seeds: list[int],
    params: dict[str, Any],
    out: Path | None,
    command: str,
    started: str,
) -> None:
    """The unseen-document check alone (see :func:`unseen_accuracy`), one K per corpus."""
    results: list[Unseen] = []
    for name in corpora:
        data = load_dataset(name)
        k = ks[0] if ks else KS[0]
        results.append(unseen_check(name, data.texts, data.labels, k, seeds, params))
    text = "\n".join(
        [
            "## Unseen documents: `transform` against the training rows",
            "",
            f"- command: `{command}`",
            f"- date: {started}",
            f"- machine: {machine()}",
            f"- seeds {', '.join(map(str, seeds))}; NTM defaults"
            + (f" with {json.dumps(params)}" if params else "")
            + "; tuning half: "
            + ", ".join(c for c in corpora if c in TUNING)
            + "; held out: "
            + ", ".join(c for c in corpora if c in HELD_OUT),
            "",
            *unseen_lines(results),
        ]
    )
    print(text)
    if out is not None:
        replace_section(out, "unseen", text)
        print(f"wrote {out}")


def main(argv: Sequence[str] | None = None) -> None:
    """Run the benchmark; see the module docstring."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--suite", choices=sorted(SUITES), default="all")
    parser.add_argument("--corpora", default="", help="comma-separated (default: the suite's)")
    parser.add_argument("--ks", default="", help="comma-separated (default: 20,50 and 100)")
    parser.add_argument("--seeds", default="0", help="comma-separated integers")
    parser.add_argument("--models", default="ntm,tomotopy", help="comma-separated")
    parser.add_argument("--unseen", action="store_true", help="also score transform (NTM)")
    parser.add_argument(
        "--unseen-only",
        action="store_true",
        help="only the unseen-document check, at each corpus's first K (section 'unseen')",
    )
    parser.add_argument("--out", type=Path, default=None, help="Markdown file to update")
    parser.add_argument(
        "--section", default="quality", help="the section of --out to write (default quality)"
    )
    parser.add_argument("--title", default=TITLE, help="the heading of the written section")
    parser.add_argument(
        "--ntm-param",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="NeuralTopicModel parameter (JSON value), repeatable; e.g. epochs=10",
    )
    args = parser.parse_args(argv)
    known = SUITES["all"]
    corpora = [c.strip() for c in args.corpora.split(",") if c.strip()] or list(SUITES[args.suite])
    unknown = [c for c in corpora if c not in known]
    if unknown:
        parser.error(f"unknown corpus {', '.join(unknown)}; use {', '.join(known)}")
    try:
        seeds = [int(s) for s in args.seeds.split(",") if s.strip()]
        chosen_ks = [int(k) for k in args.ks.split(",") if k.strip()]
    except ValueError:
        parser.error("--seeds and --ks want comma-separated integers")
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

    if args.unseen_only:
        run_unseen_only(corpora, chosen_ks, seeds, ntm_params, args.out, command, started)
        return

    sections: list[Section] = []
    unseen: list[Unseen] = []
    for name in corpora:
        data = load_dataset(name)
        ks = chosen_ks or [*KS, *([LARGE_K] if len(data.texts) >= LARGE_DOCS else [])]
        embeddings = None
        if any(m in ("bertopic", "fastopic") for m in models):
            print(f"  embedding {len(data.texts)} documents", flush=True)
            embeddings = embed_documents(data.texts)
            print(f"  embedded in {embeddings.seconds:.1f}s", flush=True)
        for k in ks:
            section = Section(name, k, f"{name}, K={k}", data.description, [])
            print(f"== {section.title}: {section.description}", flush=True)
            sections.append(section)
            for seed in seeds:
                section.rows.extend(
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
                        embeddings=embeddings,
                    )
                )
            print(format_table(section.rows))
            for line in ntm_lines(section.rows) + tomotopy_lines(section.rows):
                print(line)
            print(flush=True)
        if args.unseen and "ntm" in models:
            unseen.append(unseen_check(name, data.texts, data.labels, ks[0], seeds, ntm_params))
        if args.out is not None:
            replace_section(
                args.out,
                args.section,
                render(command, started, settings, sections, unseen, args.title),
            )
    print("\n".join(summary_lines(sections, unseen)))
    if args.out is not None:
        print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
