"""The fine-tuning loop: batches of triples, the ranking hinge, per-row W1 updates.

The loop can hand its state to a checkpoint after every epoch, stop cleanly at the end
of a step on SIGINT or SIGTERM, continue from a saved state exactly as if it had never
stopped, and run data-parallel (see :mod:`neurotopic.distributed`).
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numba
import numpy as np
import torch
from tqdm.auto import tqdm

from ..errors import NeurotopicError
from ..model.network import NTMNetwork, ranking_hinge
from .distributed import Collective
from .optim import DenseAdam, RowAdam
from .sampling import Batch, TripleSampler
from .step import StepResult, StepScratch, Supervision, TrainConfig, _tensors, compute_step
from .stopping import stop_on_signals
from .threads import ThreadGovernor


@dataclass
class TrainState:
    """Where training stands between two steps: what a checkpoint holds besides weights.

    Attributes
    ----------
    epoch : int
        Completed epochs.
    step : int
        Completed steps of epoch ``epoch + 1`` (0 at an epoch boundary).
    history : list of dict
        Records of epochs 0 to ``epoch`` (see :func:`train`).
    rng_state : dict
        The sampler's ``rng.bit_generator.state`` (JSON-serialisable).
    dense_optimiser : dict
        The ``"state"`` of Adam's ``state_dict()`` on W2, its bias and the label layer.
    row_optimiser : dict
        :meth:`neurotopic.optim.RowAdam.state_dict` of W1.
    order : ndarray of shape (n_pairs,) or None
        The positive pairs of the epoch in progress, in visiting order (``step > 0``).
    totals : dict of str to float
        Running sums of the epoch in progress (``step > 0``).
    """

    epoch: int
    step: int
    history: list[dict[str, Any]]
    rng_state: dict[str, Any]
    dense_optimiser: dict[int, dict[str, torch.Tensor]]
    row_optimiser: dict[str, Any]
    order: np.ndarray | None = None
    totals: dict[str, float] = field(default_factory=dict)


@torch.no_grad()
def evaluate_triples(network: NTMNetwork, batch: Batch, margin: float) -> dict[str, float]:
    """Hinge and ranking accuracy (share with ``ls+ > ls-``, ties count 1/2) of triples."""
    if len(batch.terms) == 0:
        return {"hinge": float("nan"), "ranking_accuracy": float("nan")}
    device = network.topic_weight.device
    terms, pos, neg = _tensors(batch, device)
    ls_pos, ls_neg = network(terms, pos, neg)
    diff = ls_pos.unsqueeze(-1) - ls_neg
    acc = ((diff > 0).float() + 0.5 * (diff == 0).float()).mean()
    return {
        "hinge": float(ranking_hinge(ls_pos, ls_neg, margin).mean()),
        "ranking_accuracy": float(acc),
    }


def _heldout(
    network: NTMNetwork, sampler: TripleSampler, margin: float, comm: Collective
) -> dict[str, float]:
    """Held-out hinge and ranking accuracy, over every rank's held-out triples."""
    held = evaluate_triples(network, sampler.holdout_batch, margin)
    if comm.world_size == 1:
        return held
    n = len(sampler.holdout_batch.terms)
    hinge, correct, count = comm.sum(
        [held["hinge"] * n if n else 0.0, held["ranking_accuracy"] * n if n else 0.0, n]
    )
    if count == 0:
        return {"hinge": float("nan"), "ranking_accuracy": float("nan")}
    return {"hinge": hinge / count, "ranking_accuracy": correct / count}


def stopped_early(history: list[dict[str, Any]], n_iter_no_change: int, tol: float) -> bool:
    """Whether none of the last ``n_iter_no_change`` epochs beat the best before them.

    Scores are the held-out ranking accuracies of ``history`` (epoch 0, the pre-trained
    start, included); an epoch counts as better when it exceeds that best by more than
    ``tol``.  Decided from the history alone, so a resumed fit stops where an
    uninterrupted one does.  Never stops without held-out triples or with
    ``n_iter_no_change = 0``.

    Examples
    --------
    >>> h = [{"heldout_ranking_accuracy": a} for a in (0.80, 0.82, 0.81, 0.815)]
    >>> stopped_early(h, 2, 0.0), stopped_early(h, 3, 0.0)
    (True, False)
    """
    scores = [float(h["heldout_ranking_accuracy"]) for h in history]
    if n_iter_no_change < 1 or len(scores) <= n_iter_no_change or not np.all(np.isfinite(scores)):
        return False
    best = max(scores[:-n_iter_no_change])
    return max(scores[-n_iter_no_change:]) <= best + tol


#: Early stopping is off below this many held-out triples: the standard error of their
#: ranking accuracy (0.009 at 2,000 and 0.8) would swamp the per-epoch gains it weighs,
#: and a 300-document corpus stopped after two epochs by chance.  Such corpora train in
#: seconds anyway.
MIN_STOPPING_TRIPLES = 2000
#: ``holdout="auto"``: the share held out, raised on small corpora up to MAX_AUTO_HOLDOUT.
AUTO_HOLDOUT, MAX_AUTO_HOLDOUT = 0.01, 0.1


def resolve_holdout(holdout: float | str, n_incidences: int, early_stopping: bool) -> float:
    """The share of incidences to hold out (what ``holdout="auto"`` stands for).

    ``"auto"`` holds out 1% of the incidences, and on a corpus too small for 1% to
    give ``MIN_STOPPING_TRIPLES`` held-out triples, as many as that needs (at most
    ``MAX_AUTO_HOLDOUT``), so that early stopping can weigh the epochs there too.
    Without early stopping the held-out triples only report progress, and 1% is kept.
    A number is returned as it is.

    Parameters
    ----------
    holdout : float or "auto"
        The estimator's ``holdout``.
    n_incidences : int
        Document-term incidences of the training matrix (all ranks together).
    early_stopping : bool
        The estimator's ``early_stopping``.

    Returns
    -------
    float
        A share in [0, 0.5).

    Examples
    --------
    >>> resolve_holdout("auto", 1_000_000, True), resolve_holdout("auto", 50_000, True)
    (0.01, 0.04)
    >>> resolve_holdout("auto", 50_000, False), resolve_holdout(0.2, 50_000, True)
    (0.01, 0.2)
    """
    if not isinstance(holdout, str):
        return float(holdout)
    if not early_stopping or n_incidences <= 0:
        return AUTO_HOLDOUT
    needed = MIN_STOPPING_TRIPLES / n_incidences
    return float(min(MAX_AUTO_HOLDOUT, max(AUTO_HOLDOUT, needed)))


def _check_finite(network: NTMNetwork, epoch: int) -> None:
    """Stop with a one-line error when training has made a weight NaN or infinite."""
    weights = (network.topic_weight, network.topic_bias, network.doc_logits.weight)
    # A sum is NaN or infinite when any element is, and needs no temporary array as
    # large as W1 (``isfinite(W1)`` would add one to a large fit's peak memory).
    if not all(bool(torch.isfinite(w.detach().sum())) for w in weights):
        raise NeurotopicError(
            f"training diverged: the weights hold NaN or infinite values after epoch {epoch}; "
            "check the word vectors and labels, or lower the learning rates"
        )


def progress_interval(stream: Any) -> float:
    """Seconds between progress-bar redraws: tqdm's 0.1 on a terminal, 5 elsewhere.

    Where the stream is not a terminal (a CI log, ``nohup``, a notebook's captured
    output) every redraw stays in the file, so a fit writes one line every 5 seconds
    instead of one per batch.
    """
    isatty = getattr(stream, "isatty", None)
    try:
        return 0.1 if isatty is not None and isatty() else 5.0
    except ValueError:  # a closed stream
        return 5.0


_TOTALS = ("hinge", "correct", "count", "triples", "label", "steps", "seconds")


def _new_totals() -> dict[str, float]:
    """Running sums of an epoch; counts are integers, as the arithmetic always had them."""
    totals: dict[str, float] = dict.fromkeys(_TOTALS, 0.0)
    totals.update(count=0, triples=0, steps=0)
    return totals


def train(
    network: NTMNetwork,
    sampler: TripleSampler,
    config: TrainConfig,
    *,
    progress: bool = True,
    supervision: Supervision | None = None,
    resume: TrainState | None = None,
    checkpoint: Callable[[TrainState], None] | None = None,
    collective: Collective | None = None,
) -> list[dict[str, Any]]:
    """Fine-tune W1 and W2 on the ranking hinge.

    Parameters
    ----------
    network : NTMNetwork
        Pre-trained network (or one holding ``resume``'s weights); updated in place.
    sampler : TripleSampler
        Source of training batches and of the held-out triples.
    config : TrainConfig
    progress : bool
        Show a progress bar (stderr) with the running hinge and ranking accuracy.
    supervision : Supervision, optional
        sNTM: adds ``weight * label loss`` over the distinct documents of each batch;
        the label layer is trained with W2.
    resume : TrainState, optional
        Continue a run from this state: the optimisers' moments, the sampler's RNG,
        the epoch in progress and its totals are restored, so the run goes on exactly
        as if it had not stopped.
    checkpoint : callable, optional
        Called with the state after every epoch.  While it is set, SIGINT and SIGTERM
        stop training at the end of the current step: ``checkpoint`` gets that step's
        state, then ``KeyboardInterrupt`` is raised.
    collective : Collective, optional
        The processes of a data-parallel fit (:class:`neurotopic.distributed.ProcessGroup`):
        ``config.batch_size`` is then the global batch, dense gradients are averaged
        each step and the records sum every rank's triples.  Default: alone.

    Returns
    -------
    list of dict
        One record per epoch (epoch 0 is the pre-trained start): ``epoch``,
        ``hinge`` and ``ranking_accuracy`` on training batches, ``heldout_hinge``,
        ``heldout_ranking_accuracy``, ``seconds``, ``triples_per_second`` (and
        ``label_loss`` with supervision).
    """
    loop = _Loop(network, sampler, config, supervision, collective or Collective(), progress)
    loop.start(resume)
    with stop_on_signals(enabled=checkpoint is not None) as stop:
        try:
            for epoch in range(loop.done + 1, config.epochs + 1):
                if loop.stops_early(epoch):
                    break
                loop.run_epoch(epoch, stop, checkpoint)
                if checkpoint is not None:
                    checkpoint(loop.state(epoch, 0))
                    if loop.stop_requested:
                        raise KeyboardInterrupt
        finally:
            loop.close()
    return loop.history


class _Loop:
    """The state of one run of :func:`train`: optimisers, the epoch in progress, the bar."""

    def __init__(
        self,
        network: NTMNetwork,
        sampler: TripleSampler,
        config: TrainConfig,
        supervision: Supervision | None,
        comm: Collective,
        progress: bool,
    ) -> None:
        self.network, self.sampler, self.config = network, sampler, config
        self.supervision, self.comm, self.progress = supervision, comm, progress
        self.dense_params = [network.topic_weight, network.topic_bias]
        if supervision is not None:
            self.dense_params += list(supervision.layer.parameters())
        comm.broadcast_parameters(self.dense_params)
        self.dense_opt = DenseAdam(self.dense_params, lr=config.topic_learning_rate)
        # Adam per W1 row (SparseAdam's step): each row in the batch gets a normalised
        # step; rows not in the batch are untouched (no decay on the whole matrix).
        self.row_opt = RowAdam(network.doc_logits.weight.data, lr=config.doc_learning_rate)
        self.order: np.ndarray | None = None
        self.totals = _new_totals()
        self.history: list[dict[str, Any]] = []
        self.done, self.first_step = 0, 0
        self.stop_requested = False
        self.bounds = comm.batch_bounds(sampler.n_train, config.batch_size)  # (n_batches + 1,)
        self.n_batches = len(self.bounds) - 1
        # Too few held-out triples to see a change of tol: train every epoch.
        (n_held,) = comm.sum([len(sampler.holdout_batch.terms)])
        self.n_iter_no_change = config.n_iter_no_change if n_held >= MIN_STOPPING_TRIPLES else 0
        self.scratch: StepScratch | None = None
        self.budget = numba.get_num_threads()  # the compiled passes' threads, set by the caller
        self.governor = ThreadGovernor(1)
        if network.topic_weight.device.type == "cpu":
            self.scratch = StepScratch(
                network.doc_logits.num_embeddings, network.term_vectors.shape[0]
            )
            self.governor = ThreadGovernor(self.budget)
        self.bar: Any = None

    def start(self, resume: TrainState | None) -> None:
        """Epoch 0's record (the pre-trained start), or the state a checkpoint restored."""
        if resume is None:
            held = _heldout(self.network, self.sampler, self.config.margin, self.comm)
            self.history = [
                {
                    "epoch": 0,
                    "hinge": float("nan"),
                    "ranking_accuracy": float("nan"),
                    "heldout_hinge": held["hinge"],
                    "heldout_ranking_accuracy": held["ranking_accuracy"],
                    "seconds": 0.0,
                    "triples_per_second": float("nan"),
                }
            ]
        else:
            if resume.epoch > self.config.epochs:
                raise NeurotopicError(
                    f"the checkpoint has {resume.epoch} epochs done, more than epochs="
                    f"{self.config.epochs}; ask for at least {resume.epoch} epochs"
                )
            self.history = [dict(record) for record in resume.history]
            groups = self.dense_opt.state_dict()["param_groups"]
            self.dense_opt.load_state_dict(
                {"state": resume.dense_optimiser, "param_groups": groups}
            )
            self.row_opt.load_state_dict(resume.row_optimiser)
            self.sampler.rng.bit_generator.state = resume.rng_state
            self.done, self.first_step = resume.epoch, resume.step
            if resume.step > 0:
                self.order, self.totals = resume.order, {**self.totals, **resume.totals}
        self.bar = tqdm(
            total=self.config.epochs * self.n_batches,
            initial=self.done * self.n_batches + self.first_step,
            disable=not self.progress,
            desc="training",
            unit="batch",
            dynamic_ncols=True,
            leave=False,
            mininterval=progress_interval(sys.stderr),
            file=sys.stderr,
        )

    def state(self, epoch: int, step: int) -> TrainState:
        """What a checkpoint keeps after ``step`` steps of epoch ``epoch + 1``."""
        return TrainState(
            epoch=epoch,
            step=step,
            history=self.history,
            rng_state=dict(self.sampler.rng.bit_generator.state),
            dense_optimiser=self.dense_opt.state_dict()["state"],
            row_optimiser=self.row_opt.state_dict(),
            order=self.order if step > 0 else None,
            totals=dict(self.totals) if step > 0 else {},
        )

    def stops_early(self, epoch: int) -> bool:
        """Whether early stopping ends training before ``epoch`` (and say so)."""
        if not stopped_early(self.history, self.n_iter_no_change, self.config.tol):
            return False
        if self.progress:  # end the bar where training ended, not at its epoch share
            self.bar.total = self.bar.n
            self.bar.set_description_str(f"training stopped early at epoch {epoch - 1}")
            self.bar.refresh()
            self.bar.write(
                f"stopping after epoch {epoch - 1}: held-out ranking accuracy did "
                f"not improve for {self.config.n_iter_no_change} epochs",
                file=sys.stderr,
            )
        return True

    def run_epoch(
        self, epoch: int, stop: Any, checkpoint: Callable[[TrainState], None] | None
    ) -> None:
        """The steps of ``epoch`` (from a resumed step), then its record."""
        start = time.perf_counter()
        if self.order is None:
            self.order, self.totals, self.first_step = self.sampler.epoch_order(), _new_totals(), 0
        for step in range(self.first_step, self.n_batches):
            stopping = self.step(epoch, step, stop)
            if stopping and checkpoint is not None:
                self.totals["seconds"] += time.perf_counter() - start
                checkpoint(self.state(epoch - 1, step + 1))
                raise KeyboardInterrupt
        seconds = self.totals["seconds"] + (time.perf_counter() - start)
        _check_finite(self.network, epoch)
        self.record(epoch, seconds, stop.requested)
        self.order = None

    def step(self, epoch: int, step: int, stop: Any) -> bool:
        """Step ``step`` of ``epoch``: gradients, both optimisers' steps, the running
        sums.  Returns whether any process was asked to stop (``stop.requested``, read
        after the gradients, so a signal during this step stops after it)."""
        totals, order = self.totals, self.order
        assert order is not None  # set by run_epoch
        step_start = time.perf_counter()
        numba.set_num_threads(self.governor.threads())
        batch = self.sampler.batch_at(order, self.bounds[step], self.bounds[step + 1])
        self.dense_opt.zero_grad(set_to_none=True)
        result: StepResult = compute_step(
            self.network, self.sampler, batch, self.config, self.supervision, scratch=self.scratch
        )
        if result.label_loss is not None:
            totals["label"] += result.label_loss
        totals["steps"] += 1
        stopping = self.comm.average_gradients(self.dense_params, stop.requested)
        self.dense_opt.step()
        result.apply(self.row_opt)
        with torch.no_grad():
            hinge = result.hinge
            totals["hinge"] += float(hinge.sum())
            diff = result.ls_pos.unsqueeze(-1) - result.ls_neg
            totals["correct"] += float((diff > 0).sum() + 0.5 * (diff == 0).sum())
            totals["count"] += hinge.numel()
        totals["triples"] += hinge.numel()
        self.governor.record(time.perf_counter() - step_start, hinge.numel())
        self.bar.set_postfix(
            epoch=epoch,
            hinge=f"{totals['hinge'] / totals['count']:.4f}",
            acc=f"{totals['correct'] / totals['count']:.3f}",
            refresh=False,  # drawn by update, at most once per mininterval
        )
        self.bar.update(1)
        return bool(stopping)

    def record(self, epoch: int, seconds: float, stop_requested: bool) -> None:
        """The epoch's record, summed over processes, with the held-out scores."""
        held = _heldout(self.network, self.sampler, self.config.margin, self.comm)
        *summed, stops = self.comm.sum([self.totals[k] for k in _TOTALS[:-1]] + [stop_requested])
        self.stop_requested = bool(stops)
        total = dict(zip(_TOTALS[:-1], summed, strict=True))
        count = max(total["count"], 1)
        per_second = total["triples"] / seconds if seconds > 0 else float("nan")
        record: dict[str, Any] = {
            "epoch": epoch,
            "hinge": total["hinge"] / count,
            "ranking_accuracy": total["correct"] / count,
            "heldout_hinge": held["hinge"],
            "heldout_ranking_accuracy": held["ranking_accuracy"],
            "seconds": seconds,
            "triples_per_second": per_second,
        }
        if self.supervision is not None:
            record["label_loss"] = total["label"] / max(total["steps"], 1)
        self.history.append(record)
        if self.progress:
            self.bar.write(
                f"epoch {epoch}/{self.config.epochs}: hinge {record['hinge']:.4f}, "
                f"held-out ranking accuracy {held['ranking_accuracy']:.3f}",
                file=sys.stderr,  # progress; stdout is for results
            )

    def close(self) -> None:
        """Close the bar; give the compiled passes their thread budget back."""
        if self.bar is not None:
            self.bar.close()
        numba.set_num_threads(self.budget)
