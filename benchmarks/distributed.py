"""Throughput of data-parallel fits per process, and the cost of a step's all-reduce.

    .venv/bin/python benchmarks/distributed.py        # BBC News; P = 1, 2; B = 4096, 8192
    .venv/bin/python benchmarks/distributed.py --corpus wordnet --processes 1,2 --epochs 3

For each process count P and global batch size B it launches P processes with
``torchrun --standalone --nproc-per-node P`` that fit the corpus as ``neurotopic fit``
does (P = 1 runs the single-process code), ``--best-of`` times, and reports the fastest:
triples per second of all processes together (epochs 2 and later; the first warms up),
per process, per second of a process's own CPU time in the training loop (what a
dedicated core gives: time spent waiting for other processes or for a busy machine is
not in it), and milliseconds per step.  Then it times the all-reduce each step makes
(E*K + K + 1 float32 numbers, gloo) with P processes: the fastest of ``--repeats`` is
the machine's latency, the median what a step saw.  Last, it projects an epoch of 100M
documents from those measurements (:func:`projection`); docs/scaling.md quotes the
output.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

TORCHRUN = Path(sys.executable).with_name("torchrun")


def write_corpus(name: str, path: Path) -> int:
    from neurotopic.datasets import load_bbc, load_wordnet_glosses

    data = load_bbc() if name == "bbc" else load_wordnet_glosses()
    path.write_text("".join(json.dumps({"text": t}) + "\n" for t in data.texts))
    return len(data.texts)


def fit(corpus: Path, processes: int, batch_size: int, args: argparse.Namespace) -> dict[str, Any]:
    """One fit under torchrun (see :func:`worker`), summarised."""
    command = [
        *launch(processes),
        __file__,
        "--worker",
        str(corpus),
        "--topics",
        str(args.topics),
        "--epochs",
        str(args.epochs),
        "--batch-sizes",
        str(batch_size),
    ]
    run = subprocess.run(command, check=True, capture_output=True, text=True)
    ranks = [json.loads(line) for line in run.stdout.splitlines() if line.startswith("{")]
    history = next(r["history"] for r in ranks if r["rank"] == 0)
    timed = history[2:]  # epochs 2, 3, ...: the first warms up
    triples = sum(r["triples_per_second"] * r["seconds"] for r in history[1:])  # all ranks
    cpu = statistics.mean(r["cpu"] for r in ranks)
    per_second = statistics.median(r["triples_per_second"] for r in timed)
    epoch_seconds = statistics.median(r["seconds"] for r in timed)
    return {
        "processes": processes,
        "batch_size": batch_size,
        "incidences": ranks[0]["incidences"],
        "triples_per_second": per_second,
        "per_process": per_second / processes,
        "per_cpu_second": triples / processes / cpu,
        "step_ms": 1000 * epoch_seconds / -(-round(0.99 * ranks[0]["incidences"]) // batch_size),
        "heldout_accuracy": history[-1]["heldout_ranking_accuracy"],
        "dense_floats": ranks[0]["dense_floats"],
    }


def worker(corpus: Path, topics: int, epochs: int, batch_size: int) -> None:
    """Fit as ``neurotopic fit`` does, timing the training loop's wall and CPU time."""
    from neurotopic import NeuralTopicModel
    from neurotopic.text.corpus import read_corpus
    from neurotopic.train import distributed
    from neurotopic.train.pipeline import FitPipeline

    joined = distributed.init_from_env(cuda=False)
    comm = distributed.ProcessGroup.current()
    texts, _ = read_corpus(corpus)
    timing: dict[str, float] = {}
    model = NeuralTopicModel(topics, epochs=epochs, batch_size=batch_size, random_state=0)
    pipeline = FitPipeline(model, texts)
    stage = pipeline.text_stage()
    with pipeline.threads():
        prepared = pipeline.prepare(stage)
        cpu = time.thread_time()  # the loop's own CPU time: waiting for others is not in it
        history = pipeline.train(prepared)
        timing["cpu"] = time.thread_time() - cpu
        pipeline.finish(prepared, history)
    record = {
        "rank": comm.rank,
        **timing,
        "incidences": int(model.X_train_.nnz),
        "dense_floats": int(model.topic_weight_.size + model.topic_bias_.size),
        "history": model.history_ if comm.rank == 0 else None,
    }
    print(json.dumps(record), flush=True)
    if joined:
        distributed.shutdown()


def launch(processes: int) -> list[str]:
    return [str(TORCHRUN), "--standalone", "--nnodes", "1", "--nproc-per-node", str(processes)]


def time_allreduce(processes: int, floats: int, repeats: int) -> tuple[float, float]:
    """Fastest and median seconds of an all-reduce of ``floats`` float32 (gloo)."""
    command = [*launch(processes), __file__, "--allreduce", str(floats), "--repeats", str(repeats)]
    run = subprocess.run(command, check=True, capture_output=True, text=True)
    fastest, median = run.stdout.strip().splitlines()[-1].split()
    return float(fastest), float(median)


def allreduce_worker(floats: int, repeats: int) -> None:
    import torch
    import torch.distributed as dist

    dist.init_process_group("gloo")
    tensor = torch.ones(floats)
    for _ in range(50):
        dist.all_reduce(tensor)
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        dist.all_reduce(tensor)
        times.append(time.perf_counter() - start)
    if dist.get_rank() == 0:
        print(min(times), statistics.median(times))
    dist.destroy_process_group()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", choices=["bbc", "wordnet"], default="bbc")
    parser.add_argument("--processes", default="1,2")
    parser.add_argument("--topics", type=int, default=20)
    parser.add_argument("--epochs", type=int, default=4)
    parser.add_argument("--batch-sizes", default="4096,8192")
    parser.add_argument("--best-of", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=2000)
    parser.add_argument("--allreduce", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--worker", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.allreduce:
        allreduce_worker(args.allreduce, args.repeats)
        return
    if args.worker:
        worker(args.worker, args.topics, args.epochs, int(args.batch_sizes))
        return
    counts = [int(p) for p in args.processes.split(",")]
    with tempfile.TemporaryDirectory() as tmp:
        corpus = Path(tmp) / f"{args.corpus}.jsonl"
        n_docs = write_corpus(args.corpus, corpus)
        rows = []
        for p in counts:
            for b in [int(b) for b in args.batch_sizes.split(",")]:
                runs = [fit(corpus, p, b, args) for _ in range(args.best_of)]
                rows.append(max(runs, key=lambda r: r["triples_per_second"]))
    floats = int(rows[0]["dense_floats"]) + 1  # W2, its bias and the stop flag
    print(f"{args.corpus}: {n_docs} documents, {rows[0]['incidences']} incidences, K={args.topics}")
    print(
        "| processes | batch (global) | triples/s, all | per process | per process-CPU-second "
        "| ms per step | all-reduce ms, fastest / median | held-out acc. |"
    )
    print("|---|---|---|---|---|---|---|---|")
    latencies: dict[int, float] = {}
    for row in rows:
        p = int(row["processes"])
        fastest, median = time_allreduce(p, floats, args.repeats) if p > 1 else (0.0, 0.0)
        latencies[p] = min(latencies.get(p, fastest), fastest)
        print(
            f"| {p} | {row['batch_size']} | {row['triples_per_second']:,.0f} | "
            f"{row['per_process']:,.0f} | {row['per_cpu_second']:,.0f} | {row['step_ms']:.1f} | "
            f"{1000 * fastest:.3f} / {1000 * median:.3f} | {row['heldout_accuracy']:.3f} |"
        )
    print(f"all-reduce payload: {floats} float32 = {4 * floats / 1024:.1f} KiB per step")
    if len(rows) > 1 and max(int(r["processes"]) for r in rows) > 1:
        print()
        print(projection(rows, latencies))


#: The projection's corpus: 100M documents of 50 distinct terms, 5 negatives a pair.
PROJECTED_INCIDENCES = 100_000_000 * 50
PROJECTED_SETUPS = [(1, 4096), (16, 4096), (64, 4096), (64, 16384), (256, 16384)]


def when(seconds: float) -> str:
    """A duration in hours from one hour, else in minutes."""
    return f"{seconds / 3600:.1f} h" if seconds >= 3600 else f"{seconds / 60:.1f} min"


def projection(rows: list[dict[str, Any]], latencies: dict[int, float]) -> str:
    """An epoch of 100M documents at P processes of b pairs a step, from the measurements.

    A step's compute: ``b * 5`` triples at the per-CPU-second rate of the measured
    multi-process row with the most pairs per process (what one dedicated core gives);
    its all-reduce: ``2 (P - 1)`` ring rounds, each the fastest measured all-reduce
    divided by its own ``2 (P - 1)`` rounds.
    """
    multi = [r for r in rows if int(r["processes"]) > 1]
    base = max(multi, key=lambda r: int(r["batch_size"]) // int(r["processes"]))
    rate = float(base["per_cpu_second"])
    p0 = int(base["processes"])
    round_ms = 1000 * latencies[p0] / (2 * (p0 - 1))
    lines = [
        f"Projection: {PROJECTED_INCIDENCES:.1e} incidences (100M documents x 50 terms), "
        f"5 negatives; compute {rate:,.0f} triples per process-CPU-second (P = {p0}, "
        f"{int(base['batch_size']) // p0} pairs per process), all-reduce "
        f"{round_ms:.3f} ms per ring round (P = {p0}'s fastest / {2 * (p0 - 1)} rounds).",
        "",
        "| processes P | pairs per process per step b | global `batch_size` | steps per epoch "
        "| ms per step (compute + all-reduce) | per epoch | 20 epochs |",
        "|---|---|---|---|---|---|---|",
    ]
    for p, b in PROJECTED_SETUPS:
        steps = PROJECTED_INCIDENCES / (b * p)
        compute, reduce = 1000 * b * 5 / rate, 2 * (p - 1) * round_ms
        epoch = steps * (compute + reduce) / 1000
        lines.append(
            f"| {p} | {b:,} | {b * p:,} | {steps:,.0f} | {compute:.1f} + {reduce:.1f} | "
            f"{when(epoch)} | {when(20 * epoch)} |"
        )
    return "\n".join(lines)


if __name__ == "__main__":
    main()
