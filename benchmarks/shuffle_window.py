"""Training steps under a uniform epoch order against windowed ones, interleaved.

Fits ``NeuralTopicModel`` up to fine-tuning (default: the scale benchmark's 1M-document
synthetic corpus, K=128, default negative pool), then runs the training step on batches
from epoch orders with each ``shuffle_window`` asked for, alternating blocks of
``--block`` steps between them on the same weights (A B, then B A, ...), so that the
host's memory speed, which swings within minutes on a shared machine, is the same for
both.  Prints each order's triples per second, its distinct W1 rows per step, and the
median (and quartiles) over blocks of the speed-up over the first order.

Run: ``.venv/bin/python benchmarks/shuffle_window.py [--corpus runs/synth.jsonl]
[--windows 0,20480] [--block 40] [--topics 128]`` (the corpus: ``benchmarks/synthetic.py``
writes it, about 35 s).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

from neurotopic import NeuralTopicModel
from neurotopic.text.corpus import read_corpus
from neurotopic.train.optim import DenseAdam, RowAdam
from neurotopic.train.pipeline import FitPipeline
from neurotopic.train.sampling import TripleSampler
from neurotopic.train.step import StepScratch, TrainConfig, compute_step

ROOT = Path(__file__).resolve().parents[1]


def interleaved(
    network: Any, sampler: TripleSampler, config: TrainConfig, windows: list[int], block: int
) -> dict[int, dict[str, Any]]:
    """Seconds per step of each window's order, block by block, on shared weights."""
    orders = {}
    for w in windows:
        sampler.shuffle_window = w
        orders[w] = sampler.epoch_order()
    dense_opt = DenseAdam([network.topic_weight, network.topic_bias], lr=config.topic_learning_rate)
    row_opt = RowAdam(network.doc_logits.weight.data, lr=config.doc_learning_rate)
    scratch = StepScratch(network.doc_logits.num_embeddings, network.term_vectors.shape[0])
    size = config.batch_size
    n_steps = sampler.n_train // size
    out: dict[int, dict[str, Any]] = {w: {"seconds": [], "rows": []} for w in windows}
    for k, first in enumerate(range(0, n_steps, block)):
        last = min(n_steps, first + block)
        for w in windows if k % 2 == 0 else windows[::-1]:
            sampler.shuffle_window = w
            start = time.perf_counter()
            for step in range(first, last):
                batch = sampler.batch_at(orders[w], step * size, (step + 1) * size)
                dense_opt.zero_grad(set_to_none=True)
                result = compute_step(network, sampler, batch, config, None, scratch=scratch)
                dense_opt.step()
                result.apply(row_opt)
            out[w]["seconds"].append((time.perf_counter() - start) / (last - first))
            if k < 5:  # distinct rows of a few batches (not timed)
                rows = np.concatenate([batch.pos_docs, batch.neg_docs.ravel()])
                out[w]["rows"].append(len(np.unique(rows)))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=ROOT / "runs" / "synth.jsonl")
    parser.add_argument("--windows", default="0,20480", help="comma-separated; 0: uniform")
    parser.add_argument("--block", type=int, default=40, help="steps per block")
    parser.add_argument("--topics", type=int, default=128)
    args = parser.parse_args()
    windows = [int(w) for w in args.windows.split(",")]
    if not args.corpus.is_file():
        sys.exit(f"error: {args.corpus} not found; write it with benchmarks/synthetic.py")
    texts, _ = read_corpus(args.corpus)
    result: dict[int, dict[str, Any]] = {}
    triples = [0]

    pipeline = FitPipeline(NeuralTopicModel(args.topics, epochs=1, random_state=0), texts)
    stage = pipeline.text_stage()
    with pipeline.threads():
        prepared = pipeline.prepare(stage)
        triples[0] = prepared.config.batch_size * prepared.sampler.n_negatives
        result.update(
            interleaved(prepared.network, prepared.sampler, prepared.config, windows, args.block)
        )
    base = np.asarray(result[windows[0]]["seconds"])
    print(f"{len(texts):,} documents, K={args.topics}, {len(base)} blocks of {args.block} steps")
    print("| shuffle_window | triples/s | distinct W1 rows a step | speed-up: median (q25-q75) |")
    print("|---|---|---|---|")
    for w in windows:
        sec = np.asarray(result[w]["seconds"])
        ratio = base / sec
        q25, q50, q75 = np.quantile(ratio, [0.25, 0.5, 0.75])
        print(
            f"| {w} | {triples[0] / sec.mean():,.0f} | {np.mean(result[w]['rows']):,.0f} | "
            f"{q50:.3f} ({q25:.3f}-{q75:.3f}) |"
        )


if __name__ == "__main__":
    main()
