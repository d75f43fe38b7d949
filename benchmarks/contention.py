"""Training speed beside a busy process, against tomotopy's, on the same machine.

A user's machine is never idle.  This script times neurotopic's training loop and
tomotopy's LDA iterations on the first 200,000 documents of the synthetic corpus
(``benchmarks/synthetic.py``; K=128) in four set-ups, interleaved over ``--rounds``
rounds so that a slow minute of the machine touches every set-up alike:

* ``idle``: nothing else running;
* ``busy``: beside ``while True: pass`` pinned to the first core of this process's
  affinity, at normal priority;
* ``busy, threads fixed``: the same, with the compiled passes kept on every core (the
  thread governor off; tomotopy runs as in ``busy``);
* ``nice``: the same neighbour at ``nice -n 19``;
* ``one thread``: nothing else running, ``n_jobs=1`` (tomotopy: ``workers=1``).

neurotopic's figure is one training epoch (``training.train`` on the network and
sampler ``NeuralTopicModel.fit`` builds, ``n_jobs=None``), started from the same
state every time; tomotopy's is ``--lda-iterations`` Gibbs iterations of an
``LDAModel(k=128)`` on the same tokens, with as many workers as the machine has.
Each row gives the median time over the rounds and the speed as a share of idle;
neurotopic's row also gives the share of training steps the compiled passes ran on
one thread (the governor's choice).  The table goes to docs/benchmarks.md
(section ``contention``).

Run: ``.venv/bin/python benchmarks/contention.py [--rounds 3] [--docs 200000]``.
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import statistics
import subprocess
import sys
import time
import warnings
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))
from _markdown import machine, replace_section

ROOT = Path(__file__).resolve().parents[1]
SETUPS = ("idle", "busy", "busy, threads fixed", "nice", "one thread")


@contextmanager
def neighbour(setup: str) -> Iterator[None]:
    """A busy loop on this process's first core for ``busy`` and ``nice``; else nothing."""
    if not setup.startswith("busy") and setup != "nice":
        yield
        return
    core = min(os.sched_getaffinity(0))
    niceness = 19 if setup == "nice" else 0
    code = f"import os\nos.sched_setaffinity(0, {{{core}}})\nos.nice({niceness})\nwhile True: pass"
    process = subprocess.Popen([sys.executable, "-c", code])
    try:
        time.sleep(0.5)  # running before the timing starts
        yield
    finally:
        process.kill()
        process.wait()


def corpus_head(n_docs: int) -> Path:
    """The first ``n_docs`` documents of the synthetic corpus (written when missing)."""
    from scale import head
    from synthetic import SyntheticSpec, topics_path, write_corpus

    runs = ROOT / "runs"
    full = runs / "synth.jsonl"
    if not full.is_file() or not topics_path(full).is_file():
        runs.mkdir(exist_ok=True)
        print(f"writing {full} ...", flush=True)
        write_corpus(full, SyntheticSpec())
    path = runs / f"synth-{n_docs}.jsonl"
    if not path.is_file():
        head(full, n_docs, runs)
    return path


def neurotopic_runner(texts: list[str]) -> Callable[[str], tuple[float, float]]:
    """Fit once to build the training loop's inputs; return ``run(setup)`` that times
    one epoch of ``training.train`` from that start and gives (seconds, share of steps
    on one thread)."""
    from neurotopic import NeuralTopicModel
    from neurotopic.train import training
    from neurotopic.train.pipeline import FitPipeline
    from neurotopic.train.threads import resolve_n_jobs, thread_budget

    pipeline = FitPipeline(NeuralTopicModel(n_topics=128, epochs=1, random_state=0), texts)
    stage = pipeline.text_stage()
    with pipeline.threads():
        prepared = pipeline.prepare(stage)
    captured: dict[str, Any] = {
        "network": prepared.network,
        "sampler": prepared.sampler,
        "config": prepared.config,
        "rng": copy.deepcopy(prepared.sampler.rng.bit_generator.state),
    }
    counts: Counter[int] = Counter()

    class Counting(training.ThreadGovernor):
        fixed = False

        def threads(self) -> int:
            n = self.most if self.fixed else super().threads()
            counts[n] += 1
            return n

    def run(setup: str) -> tuple[float, float]:
        network = copy.deepcopy(captured["network"])
        sampler = captured["sampler"]
        sampler.rng.bit_generator.state = copy.deepcopy(captured["rng"])
        counts.clear()
        Counting.fixed = setup == "busy, threads fixed"
        n_jobs = 1 if setup == "one thread" else None
        governor, training.ThreadGovernor = training.ThreadGovernor, Counting  # type: ignore[misc]
        try:
            with neighbour(setup), thread_budget(resolve_n_jobs(n_jobs)):
                start = time.perf_counter()
                training.train(network, sampler, captured["config"], progress=False)
                seconds = time.perf_counter() - start
        finally:
            training.ThreadGovernor = governor  # type: ignore[misc]
        return seconds, counts[1] / max(sum(counts.values()), 1)

    return run


def tomotopy_runner(texts: list[str], iterations: int) -> Callable[[str], tuple[float, float]]:
    """``run(setup)``: seconds per Gibbs iteration of tomotopy's LDA on the same tokens."""
    import tomotopy as tp

    from neurotopic.train.threads import usable_cores

    start_state = tp.LDAModel(k=128, seed=0)
    for text in texts:
        start_state.add_doc(text.split())
    with warnings.catch_warnings():  # "may differ even with fixed seed if workers != 1"
        warnings.simplefilter("ignore", RuntimeWarning)
        start_state.train(0, workers=usable_cores())  # builds the model's state, untimed

    def run(setup: str) -> tuple[float, float]:
        workers = 1 if setup == "one thread" else usable_cores()
        model = start_state.copy()  # every set-up starts from the same state
        with neighbour(setup), warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            start = time.perf_counter()
            model.train(iterations, workers=workers)
            return (time.perf_counter() - start) / iterations, float("nan")

    return run


def table(results: dict[str, dict[str, list[tuple[float, float]]]], rounds: int) -> str:
    """The Markdown table of median times and speeds relative to idle."""
    lines = [
        "| set-up | neurotopic epoch, s | speed vs idle | steps on one thread "
        "| tomotopy s/iteration | speed vs idle |",
        "|---|---|---|---|---|---|",
    ]
    median = {
        (tool, setup): statistics.median(t for t, _ in runs)
        for tool, by_setup in results.items()
        for setup, runs in by_setup.items()
    }
    for setup in SETUPS:
        ntm, lda = median["neurotopic", setup], median["tomotopy", setup]
        single = statistics.median(s for _, s in results["neurotopic"][setup])
        lines.append(
            f"| {setup} | {ntm:.2f} | {median['neurotopic', 'idle'] / ntm:.2f}x | {single:.0%} "
            f"| {lda:.3f} | {median['tomotopy', 'idle'] / lda:.2f}x |"
        )
    return "\n".join(lines) + f"\n\nMedians of {rounds} interleaved rounds."


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--docs", type=int, default=200_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--lda-iterations", type=int, default=5)
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "benchmarks.md")
    args = parser.parse_args(argv)

    from neurotopic.text.corpus import read_corpus

    corpus = corpus_head(args.docs)
    texts, _ = read_corpus(corpus)
    print(f"{len(texts):,} documents from {corpus}; {machine()}", flush=True)
    runners = {
        "neurotopic": neurotopic_runner(texts),
        "tomotopy": tomotopy_runner(texts, args.lda_iterations),
    }
    results: dict[str, dict[str, list[tuple[float, float]]]] = {
        tool: {setup: [] for setup in SETUPS} for tool in runners
    }
    for round_ in range(1, args.rounds + 1):
        for setup in SETUPS:
            for tool, run in runners.items():
                seconds, single = run(setup)
                results[tool][setup].append((seconds, single))
                print(
                    f"round {round_} {setup:>10} {tool:>10}: {seconds:.3f} s"
                    + ("" if single != single else f", {single:.0%} of steps on one thread"),
                    flush=True,
                )
    text = table(results, args.rounds)
    print(text)
    section = (
        "## Training beside a busy process\n\n"
        f"`.venv/bin/python benchmarks/contention.py --rounds {args.rounds}` on the first "
        f"{args.docs:,} documents of the synthetic corpus, K=128; {machine()}.\n"
        "neurotopic: one training epoch (`n_jobs=None`); tomotopy: seconds per Gibbs "
        f"iteration of `LDAModel(k=128)` ({args.lda_iterations} iterations from the same "
        "start, all cores). "
        "`busy`: `while True: pass` pinned to one core at normal priority (`threads fixed`: "
        "neurotopic's compiled passes kept on every core); `nice`: the "
        "same at `nice -n 19`; `one thread`: `n_jobs=1` and `workers=1`, nothing else "
        "running.\n\n"
        + text
        + "\n\nRaw times (s), in round order: "
        + json.dumps(
            {
                tool: {setup: [round(t, 3) for t, _ in runs] for setup, runs in by.items()}
                for tool, by in results.items()
            }
        )
    )
    replace_section(args.out, "contention", section)
    print(f"wrote the contention section of {args.out}")


if __name__ == "__main__":
    main()
