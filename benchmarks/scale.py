"""The scale benchmark: a million short documents, from raw text to saved model, on this machine.

The workload: 1M documents of about 10 tokens over a 30,000-word vocabulary with 128
planted LDA topics (``benchmarks/synthetic.py`` writes it, with its true topics).  The
script runs, each in its own process under ``/usr/bin/time -v`` (wall time, peak RSS):

1. ``neurotopic fit CORPUS --topics 128 --out DIR --quiet --force --epochs 1`` on the
   first 10k, 100k and 1M documents of the same corpus (the growth table), reading back
   the saved model: recovery of the planted topics (:func:`neurotopic.metrics.
   topic_recovery`, top 20 terms), training triples per second (``history.json``) and
   seconds per stage (``config.json``);
2. tomotopy LDA on the largest corpus: reading and tokenising, then 5 Gibbs iterations on
   2 workers, extrapolated to 1,000 iterations;
3. gensim ``LdaMulticore`` on the largest corpus: 1 pass, 2 workers;

and measures this machine's memory bandwidth and random-row gather rate, to put the
training throughput in context.

One epoch, not the default 20: an epoch of the 1M-document corpus is 50M triples, and
on this corpus more epochs do not raise planted-topic recovery (100k documents, seed 0,
read at ``relevance_lambda=1``: 0.693 at the k-means start, 0.677 after 1 epoch, 0.683
after 3 with early stopping off; ``--epochs`` sets another count).  Prints everything;
with ``--out FILE`` also writes the ``scale`` section of FILE (``--out docs/benchmarks.md``).
Timings are printed, never asserted.

Run: ``.venv/bin/python benchmarks/scale.py [--corpus runs/synth.jsonl]
[--sizes 10000,100000,1000000] [--epochs 1] [--no-lda] [--n-jobs N] [--out docs/benchmarks.md]``
(it generates the corpus first when it is missing: about 20 s).
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))
from _markdown import machine, replace_section
from synthetic import SyntheticSpec, topics_path, write_corpus

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
TOP_N = 20
GOALS = {"seconds": 300.0, "rss_gb": 6.0, "recovery": 0.7, "triples_per_second": 2e6}


# ------------------------------------------------------------------------ processes
def timed(command: Sequence[str]) -> dict[str, Any]:
    """Run ``command`` under ``/usr/bin/time -v``: wall seconds, peak RSS (GB), stdout."""
    start = time.perf_counter()
    proc = subprocess.run(
        ["/usr/bin/time", "-v", *command], capture_output=True, text=True, check=False
    )
    seconds = time.perf_counter() - start
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed:\n{proc.stderr[-3000:]}")
    match = re.search(r"Maximum resident set size \(kbytes\): (\d+)", proc.stderr)
    rss_gb = int(match.group(1)) / 1e6 if match else float("nan")
    return {"seconds": seconds, "rss_gb": rss_gb, "stdout": proc.stdout}


def head(corpus: Path, n_docs: int, workdir: Path) -> Path:
    """The first ``n_docs`` lines of ``corpus`` as a file of their own (streamed)."""
    out = workdir / f"{corpus.stem}-{n_docs}.jsonl"
    with open(corpus, encoding="utf-8") as src, open(out, "w", encoding="utf-8") as dst:
        for i, line in enumerate(src):
            if i == n_docs:
                break
            dst.write(line)
    return out


def load_truth(corpus: Path) -> list[list[str]]:
    return list(json.loads(topics_path(corpus).read_text(encoding="utf-8"))["topics"])


# --------------------------------------------------------------------- neurotopic
def fit_neurotopic(
    corpus: Path, truth: list[list[str]], epochs: int, workdir: Path, n_jobs: int | None = None
) -> dict[str, Any]:
    """``neurotopic fit`` in a subprocess, then the saved model's figures."""
    from neurotopic.evaluation.metrics import topic_recovery

    out = workdir / f"model-{corpus.stem}"
    command = [str(BIN / "neurotopic"), "fit", str(corpus), "--topics", "128"]
    command += ["--out", str(out), "--quiet", "--force", "--epochs", str(epochs)]
    if n_jobs is not None:
        command += ["--n-jobs", str(n_jobs)]
    run = timed(command)
    topics = json.loads((out / "topics.json").read_text(encoding="utf-8"))
    history = json.loads((out / "history.json").read_text(encoding="utf-8"))
    config = json.loads((out / "config.json").read_text(encoding="utf-8"))
    learned = [[t["term"] for t in topic["terms"]] for topic in topics]
    trained = [h for h in history if h["epoch"] > 0]
    n_lines, n_distinct = 0, 0  # documents, and their distinct words (about the pairs)
    with open(corpus, encoding="utf-8") as lines:
        for line in lines:
            n_lines += 1
            n_distinct += len(set(json.loads(line)["text"].split()))
    shutil.rmtree(out, ignore_errors=True)
    return {
        "command": " ".join(["neurotopic", *command[1:]]).replace(str(workdir) + "/", ""),
        "docs": n_lines,
        "words_per_doc": n_distinct / max(n_lines, 1),
        "seconds": run["seconds"],
        "rss_gb": run["rss_gb"],
        "recovery": topic_recovery(truth, learned, top_n=TOP_N),
        "epochs": len(trained),
        "triples_per_second": (
            float(np.mean([h["triples_per_second"] for h in trained])) if trained else float("nan")
        ),
        "heldout": [round(h["heldout_ranking_accuracy"], 3) for h in history],
        "stages": {k: round(v, 1) for k, v in config.get("fit_seconds", {}).items()},
    }


# ---------------------------------------------------------------------------- LDA
def _tokenised(corpus: Path) -> list[list[str]]:
    from neurotopic.text.corpus import iter_corpus
    from neurotopic.text.text import tokenize

    return [tokenize(text) for text, _ in iter_corpus(corpus)]


def run_tomotopy(corpus: Path, iterations: int = 5) -> dict[str, Any]:
    """Load and tokenise, then ``iterations`` Gibbs sweeps on 2 workers (in this process)."""
    import tomotopy as tp

    from neurotopic.evaluation.metrics import topic_recovery

    start = time.perf_counter()
    model = tp.LDAModel(k=128, min_df=5, seed=0)
    for tokens in _tokenised(corpus):
        model.add_doc(tokens)
    model.train(0, workers=2)  # builds the vocabulary and the initial assignment
    load = time.perf_counter() - start
    start = time.perf_counter()
    model.train(iterations, workers=2)
    per_iteration = (time.perf_counter() - start) / iterations
    learned = [[w for w, _ in model.get_topic_words(k, top_n=TOP_N)] for k in range(model.k)]
    return {
        "load": load,
        "per_iteration": per_iteration,
        "extrapolated_1000": load + 1000 * per_iteration,
        "recovery": topic_recovery(load_truth(corpus), learned, top_n=TOP_N),
    }


def run_gensim(corpus: Path) -> dict[str, Any]:
    """Dictionary and bag-of-words (min_df 5), then one pass of LdaMulticore, 2 workers."""
    from gensim.corpora import Dictionary
    from gensim.models import LdaMulticore

    from neurotopic.evaluation.metrics import topic_recovery

    start = time.perf_counter()
    docs = _tokenised(corpus)
    dictionary = Dictionary(docs)
    dictionary.filter_extremes(no_below=5, no_above=0.5, keep_n=None)
    bows = [dictionary.doc2bow(d) for d in docs]
    del docs
    load = time.perf_counter() - start
    start = time.perf_counter()
    model = LdaMulticore(
        bows, num_topics=128, id2word=dictionary, passes=1, workers=2, random_state=0
    )
    train = time.perf_counter() - start
    learned = [[w for w, _ in model.show_topic(k, topn=TOP_N)] for k in range(128)]
    return {
        "load": load,
        "pass": train,
        "total": load + train,
        "recovery": topic_recovery(load_truth(corpus), learned, top_n=TOP_N),
    }


# ------------------------------------------------------------------ machine limits
def memory_limits(n_rows: int = 1_000_000, k: int = 128) -> dict[str, float]:
    """Streaming copy bandwidth, and random gathers of K-float rows as training does them."""
    import torch

    torch.set_num_threads(1)  # as the training loop runs by default (n_jobs=1)
    a = np.ones(2**26, dtype=np.float32)  # 256 MB
    b = np.empty_like(a)
    start = time.perf_counter()
    for _ in range(5):
        np.copyto(b, a)
    copy_gbs = 5 * 2 * a.nbytes / (time.perf_counter() - start) / 1e9  # read + write
    del a, b
    table = torch.randn(n_rows, k)  # a W1 of the workload's size
    rng = np.random.default_rng(0)
    ids = torch.from_numpy(rng.integers(0, n_rows, size=(50, 24_576)))  # a batch's rows
    start = time.perf_counter()
    for row in ids:
        table.index_select(0, row)
    gather_rows = ids.numel() / (time.perf_counter() - start)
    start = time.perf_counter()
    for row in ids:
        table.index_add_(0, row, torch.ones(len(row), k))
    scatter_rows = ids.numel() / (time.perf_counter() - start)
    return {
        "copy_gbs": copy_gbs,
        "gather_rows_per_s": gather_rows,
        "scatter_add_rows_per_s": scatter_rows,
        "row_bytes": 4 * k,
    }


# ------------------------------------------------------------------------- report
def growth_exponents(rows: list[dict[str, Any]], key: str) -> list[str]:
    """log(value ratio) / log(size ratio) between consecutive sizes (1 = linear)."""
    out = ["-"]
    for a, b in itertools.pairwise(rows):
        out.append(f"{np.log(b[key] / a[key]) / np.log(b['docs'] / a['docs']):.2f}")
    return out


def throughput_notes(
    big: dict[str, Any], before: dict[str, float], after: dict[str, float]
) -> list[str]:
    """Why the training loop runs at the rate it does: a model of its memory traffic.

    ``before`` and ``after``: :func:`memory_limits` measured before the first fit and
    after the last run (the host's memory speed changes between and within runs).
    """
    from neurotopic import NeuralTopicModel

    defaults = NeuralTopicModel()
    batch, n_neg = defaults.batch_size, defaults.n_negatives
    pool = defaults.negative_pool_for(big["docs"])  # the defaults for this corpus size
    window = defaults.shuffle_window_for(big["docs"])
    row_bytes = before["row_bytes"]
    # Random W1-sized rows per distinct row: the gather reads W1's row; W1's Adam step
    # reads and writes it and both moments.
    reads, writes = 4, 3
    # Distinct W1 rows a step (B positives, B * n_neg triples).  Uniform order: at most
    # B + pool with a pool, about B * (1 + n_neg) without.  A window of W pairs holds
    # n_w = W / L documents of L pairs (L: distinct words a document, less the 1% held
    # out); a document is among a batch's positives with chance 1 - (1 - B/W)^L and in
    # its pool (pool draws from the n_w) with 1 - (1 - 1/n_w)^pool.
    pairs = 0.99 * big["words_per_doc"]
    if window:
        n_w = window / pairs
        miss = (1 - min(batch / window, 1.0)) ** pairs * (1 - 1 / n_w) ** pool
        rows_step = n_w * (1 - miss)
    else:
        rows_step = batch + pool if pool else batch * (1 + n_neg)
    rows_per_triple = rows_step / (batch * n_neg)
    touched = rows_per_triple * (reads + writes) * row_bytes  # bytes a triple, any level
    # From memory: uniform order, every touch of a row (far larger than the cache); a
    # window, each of its rows' three arrays read once and written back once.
    per_triple = touched if not window else n_w * 3 * 2 * row_bytes / (window * n_neg)

    def stream_cap(limits: dict[str, float]) -> float:
        return limits["copy_gbs"] * 1e9 / per_triple

    def row_cap(limits: dict[str, float]) -> float:
        gather, scatter = limits["gather_rows_per_s"], limits["scatter_add_rows_per_s"]
        if window:  # each window row's three arrays fetched once, written back once
            return window * n_neg / (n_w * 3 * (1 / gather + 1 / scatter))
        return 1 / (rows_per_triple * (reads / gather + writes / scatter))

    def span(values: list[float], scale: float = 1e6, digits: int = 1) -> str:
        low, high = min(values) / scale, max(values) / scale
        return (
            f"{low:.{digits}f}"
            if f"{low:.{digits}f}" == f"{high:.{digits}f}"
            else (f"{low:.{digits}f}-{high:.{digits}f}")
        )

    both = [before, after]
    memory = (
        "Memory of this machine (one thread), measured before the first fit / after the "
        f"last run: streaming copy {before['copy_gbs']:.1f} / {after['copy_gbs']:.1f} GB/s "
        f"(read + write); random {row_bytes}-byte rows of a 1M x 128 float32 matrix on "
        "4 KiB pages: "
        f"gather {before['gather_rows_per_s'] / 1e6:.2f} / "
        f"{after['gather_rows_per_s'] / 1e6:.2f}M rows/s, scatter-add "
        f"{before['scatter_add_rows_per_s'] / 1e6:.2f} / "
        f"{after['scatter_add_rows_per_s'] / 1e6:.2f}M rows/s."
    )
    step = (
        f"Why the loop runs at {big['triples_per_second']:,.0f} triples/s. A step takes "
        f"{batch:,} positive pairs with {n_neg} negatives each ({batch * n_neg:,} triples); "
        f"the negatives come from a pool of {pool:,} documents. Each distinct W1 row of a "
        f"step is a {row_bytes}-byte row touched {reads + writes} times: the forward gather "
        "reads it, and W1's Adam step (`kernels.row_adam_softmax`, which also forms the "
        "gradient through the softmax) reads and writes it and its two moments. "
    )
    if window:
        step += (
            f"The epoch goes through the documents a window of {window:,} pairs at a time "
            f"(`shuffle_window`): about {n_w:,.0f} documents of {pairs:.1f} pairs, whose "
            f"rows and moments take {n_w * 3 * row_bytes / 2**20:.1f} MiB"
            f"{_l3_size()}, so a step touches about {rows_step:,.0f} distinct rows "
            f"(`benchmarks/shuffle_window.py` counts them), {rows_per_triple:.2f} per "
            f"triple, {touched / 1024:.2f} KB of row touches per triple that the cache "
            "serves; from memory each window row's three arrays are read once and written "
            f"back once, {per_triple:.0f} bytes per triple. At the streaming rate that caps "
            f"the loop at {span([stream_cap(x) for x in both], digits=0)}M triples/s, at "
            f"the one-thread random-row rates at {span([row_cap(x) for x in both], digits=0)}M: "
            "far above the loop, which is bound by the work of a step on the cores rather "
            "than by memory. Per triple, `benchmarks/profile_step.py` finds W1's Adam step "
            "about 45% dearer on these 1M documents than on their first 100k (its first "
            "touches of each window's rows come from memory) and the other passes about "
            "the same. "
        )
    else:
        step += (
            f"A step touches at most {rows_step:,.0f} distinct rows, {rows_per_triple:.2f} "
            f"per triple, random rows of a matrix far larger than the cache: "
            f"{per_triple / 1024:.2f} KB of random traffic per triple. At the streaming "
            f"rate above it caps the loop at {span([stream_cap(x) for x in both])}M "
            f"triples/s; at the one-thread random-row rates, at "
            f"{span([row_cap(x) for x in both], digits=2)}M triples/s. "
        )
    step += (
        "The rest of a step reads the batch's own arrays (the distinct documents' and "
        "terms' K values, a few MB, mostly in cache): the scores and their gradients in "
        "one compiled pass per triple (`kernels.hinge_pass`) and W2's two products over "
        "the batch's distinct terms. Those products, the softmax and the sigmoid run on "
        "one thread, so that a step's numbers do not depend on the thread count "
        '(docs/model.md, "Reproducibility and threads"); the compiled passes use the '
        "cores. `benchmarks/profile_step.py --corpus runs/synth.jsonl` shows where a "
        "step's time goes. "
        "The training stage of the same code varied by 15-30% between runs on this shared "
        "machine, with its memory speed."
    )
    return [memory, "", step]


def _l3_size() -> str:
    """`` (the L3 cache here: 32 MiB)`` from sysfs, or nothing where sysfs lacks it."""
    try:
        size = Path("/sys/devices/system/cpu/cpu0/cache/index3/size").read_text().strip()
    except OSError:
        return ""
    if size.endswith("K") and size[:-1].isdigit():
        kib = int(size[:-1])
        size = f"{kib // 1024} MiB" if kib % 1024 == 0 else f"{kib} KiB"
    return f" (the L3 cache here: {size})"


def report(
    rows: list[dict[str, Any]],
    lda: dict[str, Any],
    limits: tuple[dict[str, float], dict[str, float]],
    corpus: Path,
) -> str:
    big = rows[-1]
    truth = json.loads(topics_path(corpus).read_text(encoding="utf-8"))
    spec = truth["spec"]
    lines = [
        "## Scale: a million short documents",
        "",
        f"Machine: {machine()}. Corpus: `benchmarks/synthetic.py` (seed {spec['seed']}): "
        f"{spec['n_docs']:,} documents, {truth['n_tokens']:,} tokens, {spec['n_words']:,} "
        f"words, {spec['n_topics']} planted topics (alpha {spec['alpha']}, eta "
        f"{spec['eta']}); recovery = mean over the true topics of the best top-{TOP_N} "
        "overlap with a learned topic (`neurotopic.metrics.topic_recovery`).",
        "",
        f"`{big['command']}`: one process, wall time and peak RSS from `/usr/bin/time -v`.",
        "",
        "| measure | neurotopic |",
        "|---|---|",
        f"| end to end, {big['docs']:,} documents | {big['seconds']:.0f} s |",
        f"| peak RSS | {big['rss_gb']:.2f} GB |",
        f"| planted-topic recovery | {big['recovery']:.3f} |",
        f"| training triples per second (mean over {big['epochs']} epochs) | "
        f"{big['triples_per_second']:,.0f} |",
        "",
        "Seconds per stage of the fit (`config.json`): "
        + ", ".join(f"{k} {v}" for k, v in big["stages"].items())
        + "; the rest of the wall time is reading the corpus, start-up and saving.",
        "",
    ]
    if lda:
        tomo, gens = lda.get("tomotopy"), lda.get("gensim")
        lines += [
            "| LDA on the same corpus | time | neurotopic's time as a share |",
            "|---|---|---|",
        ]
        if tomo:
            lines.append(
                f"| tomotopy, 1,000 iterations on 2 workers (load {tomo['load']:.0f} s + "
                f"1,000 x {tomo['per_iteration']:.2f} s, from 5 iterations) | "
                f"{tomo['extrapolated_1000']:.0f} s | "
                f"{big['seconds'] / tomo['extrapolated_1000']:.2f} |"
            )
        if gens:
            lines.append(
                f"| gensim LdaMulticore, 1 pass, 2 workers (load {gens['load']:.0f} s + "
                f"pass {gens['pass']:.0f} s) | {gens['total']:.0f} s | "
                f"{big['seconds'] / gens['total']:.2f} |"
            )
        recoveries = []
        if tomo:
            recoveries.append(f"tomotopy after 5 iterations {tomo['recovery']:.3f}")
        if gens:
            recoveries.append(f"gensim after 1 pass {gens['recovery']:.3f}")
        lines += ["", "Recovery at those points: " + "; ".join(recoveries) + ".", ""]
    time_exp, rss_exp = growth_exponents(rows, "seconds"), growth_exponents(rows, "rss_gb")
    lines += [
        "Growth (the first N documents of the same corpus; exponent = log(ratio) / "
        "log(size ratio) from the row above, 1 is linear):",
        "",
        "| documents | time | time exponent | peak RSS | RSS exponent | recovery | triples/s |",
        "|---|---|---|---|---|---|---|",
    ]
    for row, te, re_ in zip(rows, time_exp, rss_exp, strict=True):
        lines.append(
            f"| {row['docs']:,} | {row['seconds']:.0f} s | {te} | {row['rss_gb']:.2f} GB | "
            f"{re_} | {row['recovery']:.3f} | {row['triples_per_second']:,.0f} |"
        )
    lines += ["", *throughput_notes(big, *limits)]
    return "\n".join(lines) + "\n"


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=ROOT / "runs" / "synth.jsonl")
    parser.add_argument("--sizes", default="10000,100000,1000000")
    parser.add_argument("--epochs", type=int, default=1, help="passed to neurotopic fit")
    parser.add_argument("--no-lda", action="store_true", help="skip tomotopy and gensim")
    parser.add_argument("--n-jobs", type=int, help="passed to neurotopic fit (default: its own)")
    parser.add_argument(
        "--out", type=Path, default=None, help="Markdown file to update (default: print only)"
    )
    parser.add_argument("--lda", choices=["tomotopy", "gensim"], help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.lda:  # a child process: one LDA run, JSON on stdout
        runner = run_tomotopy if args.lda == "tomotopy" else run_gensim
        print(json.dumps(runner(args.corpus)))
        return

    if not args.corpus.is_file() or not topics_path(args.corpus).is_file():
        print(f"writing {args.corpus} ...", flush=True)
        write_corpus(args.corpus, SyntheticSpec())
    truth = load_truth(args.corpus)
    sizes = [int(s) for s in args.sizes.split(",")]
    before = memory_limits()
    print(f"memory before the fits: {before}", flush=True)
    rows = []
    with tempfile.TemporaryDirectory(dir=args.corpus.parent) as tmp:
        workdir = Path(tmp)
        for n in sizes:
            corpus = head(args.corpus, n, workdir)
            shutil.copy(topics_path(args.corpus), topics_path(corpus))
            row = fit_neurotopic(corpus, truth, args.epochs, workdir, args.n_jobs)
            rows.append(row)
            print(
                f"{row['docs']:>9,} documents: {row['seconds']:6.1f} s, peak RSS "
                f"{row['rss_gb']:.2f} GB, recovery {row['recovery']:.3f}, "
                f"{row['triples_per_second']:,.0f} triples/s, stages {row['stages']}, "
                f"held-out ranking accuracy {row['heldout']}",
                flush=True,
            )
        lda: dict[str, Any] = {}
        if not args.no_lda:
            largest = head(args.corpus, sizes[-1], workdir)
            shutil.copy(topics_path(args.corpus), topics_path(largest))
            for name in ("tomotopy", "gensim"):
                command = [sys.executable, __file__, "--lda", name, "--corpus", str(largest)]
                run = timed(command)
                lda[name] = {**json.loads(run["stdout"]), "rss_gb": run["rss_gb"]}
                print(f"{name}: {lda[name]}", flush=True)
    after = memory_limits()
    print(f"memory after the runs: {after}", flush=True)
    text = report(rows, lda, (before, after), args.corpus)
    print(text)
    if args.out:
        replace_section(args.out, "scale", text)
        print(f"wrote the scale section of {args.out}")


if __name__ == "__main__":
    os.environ.setdefault("PYTHONHASHSEED", "0")
    main()
