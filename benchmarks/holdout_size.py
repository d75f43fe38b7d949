"""Which corpora of the quality suite hold out enough incidences for early stopping.

Early stopping weighs the held-out ranking accuracy, and below
``MIN_STOPPING_TRIPLES`` held-out triples it is off and every epoch runs. The held-out
triples are ``holdout`` of the document-term incidences: by default 1%, raised on a corpus
of fewer than 200,000 incidences to what early stopping needs (at most 10%), so early
stopping is off only below 20,000 incidences. This script builds each corpus's
document-term matrix exactly as a default fit does (the text stage only, no training) and
prints, per corpus: documents, incidences, held-out triples and whether early stopping
is on.

``python benchmarks/holdout_size.py [--corpora bbc,...] [--out docs/benchmarks.md]``
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from _markdown import machine, replace_section
from quality import HELD_OUT, SUITES, TUNING

from neurotopic import NeuralTopicModel
from neurotopic.datasets import load_dataset
from neurotopic.train.pipeline import FitPipeline
from neurotopic.train.training import MIN_STOPPING_TRIPLES, resolve_holdout


def doc_term_shape(texts: list[str]) -> tuple[int, int]:
    """Documents and document-term incidences of a default fit's matrix (text stage
    only)."""
    X = FitPipeline(NeuralTopicModel(random_state=0), texts).text_stage().X
    return int(X.shape[0]), int(X.nnz)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpora", default=",".join(SUITES["all"]))
    parser.add_argument("--out", type=Path, default=None, help="Markdown file to update")
    args = parser.parse_args(argv)
    corpora = [c.strip() for c in args.corpora.split(",") if c.strip()]
    unknown = [c for c in corpora if c not in SUITES["all"]]
    if unknown:
        parser.error(f"unknown corpus {', '.join(unknown)}; use {', '.join(SUITES['all'])}")

    default = NeuralTopicModel()
    lines = [
        "| half | corpus | documents | incidences | per document | held-out triples "
        "| early stopping |",
        "|---|---|---|---|---|---|---|",
    ]
    for name in corpora:
        data = load_dataset(name)
        n_docs, nnz = doc_term_shape(list(data.texts))
        holdout = resolve_holdout(default.holdout, nnz, default.early_stopping)
        held = round(holdout * nnz)
        half = "tuning" if name in TUNING else "held out" if name in HELD_OUT else "-"
        on = "on" if held >= MIN_STOPPING_TRIPLES else "off (every epoch runs)"
        line = (
            f"| {half} | {name} | {n_docs:,} | {nnz:,} | {nnz / n_docs:.1f} "
            f"| {holdout:.1%} | {held:,} | {on} |"
        )
        print(line, flush=True)
        lines.append(line)

    text = "\n".join(
        [
            "## Which corpora stop training early",
            "",
            f"- command: `python benchmarks/holdout_size.py --out docs/benchmarks.md`; "
            f"machine: {machine()}",
            f"- the document-term matrix of a default fit (text stage only); held-out "
            f"triples = holdout x incidences, with `holdout={default.holdout!r}` (1%, raised "
            f"on small corpora to what early stopping needs, at most 10%); early stopping "
            f"needs at least {MIN_STOPPING_TRIPLES:,} of them, and without it all `epochs` "
            f"run",
            "",
            *lines,
        ]
    )
    if args.out is not None:
        replace_section(args.out, "holdout-size", text)
        print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
