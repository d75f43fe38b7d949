"""Where a training step spends its time: cProfile around ``training.train`` only.

Fits ``NeuralTopicModel`` on a corpus (default: the first 100,000 documents of the
scale benchmark's synthetic corpus, K=128, one epoch, default negative pool) with the
profiler switched on for the fine-tuning loop alone, then prints the triples per second
and the functions with the most own time, each as a share of the loop.

Run: ``.venv/bin/python benchmarks/profile_step.py [--corpus runs/synth100k.jsonl]
[--topics 128] [--epochs 1] [--n-jobs 1] [--top 15]`` (``runs/synth100k.jsonl``: the first
100,000 lines of the corpus ``benchmarks/synthetic.py`` writes).
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import sys
from pathlib import Path

from neurotopic import NeuralTopicModel
from neurotopic.text.corpus import read_corpus
from neurotopic.train.pipeline import FitPipeline

ROOT = Path(__file__).resolve().parents[1]
N_DOCS = 100_000


def make_default_corpus(path: Path) -> None:
    """The first 100,000 documents of ``benchmarks/synthetic.py``'s corpus (written first
    when missing, about 20 s), as ``path``."""
    sys.path.insert(0, str(Path(__file__).parent))
    from scale import head
    from synthetic import SyntheticSpec, topics_path, write_corpus

    path.parent.mkdir(parents=True, exist_ok=True)
    full = path.parent / "synth.jsonl"
    if not full.is_file() or not topics_path(full).is_file():
        print(f"writing {full} ...", flush=True)
        write_corpus(full, SyntheticSpec())
    head(full, N_DOCS, path.parent).replace(path)


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=ROOT / "runs" / "synth100k.jsonl")
    parser.add_argument("--topics", type=int, default=128)
    parser.add_argument("--epochs", type=int, default=1)
    parser.add_argument("--n-jobs", type=int, default=1)
    parser.add_argument("--top", type=int, default=15)
    args = parser.parse_args()
    if not args.corpus.is_file():
        make_default_corpus(args.corpus)
    texts, _ = read_corpus(args.corpus)
    profiler = cProfile.Profile()
    model = NeuralTopicModel(args.topics, epochs=args.epochs, n_jobs=args.n_jobs, random_state=0)
    pipeline = FitPipeline(model, texts)
    stage = pipeline.text_stage()
    with pipeline.threads():
        prepared = pipeline.prepare(stage)
        profiler.enable()  # the training loop only
        try:
            history = pipeline.train(prepared)
        finally:
            profiler.disable()
        pipeline.finish(prepared, history)
    rates = [h["triples_per_second"] for h in model.history_[1:]]
    stats = pstats.Stats(profiler)
    entries = stats.stats  # type: ignore[attr-defined]
    total = sum(v[2] for v in entries.values())
    print(
        f"{len(texts):,} documents, K={args.topics}: training {model.fit_seconds_['train']:.1f} s, "
        f"triples/s {', '.join(f'{r:,.0f}' for r in rates)}"
    )
    print(f"{'own s':>7} {'share':>6}  function")
    rows = sorted(entries.items(), key=lambda kv: -kv[1][2])[: args.top]
    for (filename, line, name), (_, _, own, _, _) in rows:
        where = f"{Path(filename).name}:{line}" if line else ""
        print(f"{own:7.2f} {own / total:6.1%}  {name} {where}")


if __name__ == "__main__":
    main()
