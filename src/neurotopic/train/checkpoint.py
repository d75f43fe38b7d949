"""Checkpoints of a fit in progress, and resuming from them (JSON + safetensors, no pickle).

A checkpoint directory (``NeuralTopicModel(checkpoint_dir=...)``; ``OUT.checkpoint``
for ``neurotopic fit --out OUT``) holds::

    checkpoint.json            the fit it belongs to: parameters, corpus digest, seed
    text/                      the text stage, written once: vocabulary.json (terms,
                               frequencies, stop words, phrases) and text.safetensors
                               (term vectors, training document-term matrix)
    epoch-000003/              the latest training state, here after 3 epochs:
      state.json               epoch, step, processes, history
      shared.safetensors       W2, its bias, the label layer, their Adam moments
      rank-00000.json          the sampler's RNG state, the running totals of the epoch
      rank-00000.safetensors   the process's W1 rows, their Adam moments, the epoch's order

A state written on SIGINT/SIGTERM in the middle of an epoch is named
``epoch-000003.step-00000012`` (3 epochs and 12 steps done).  Each part is written
under a temporary name and renamed into place, and an older state is deleted only
once the newer one is complete, so a killed run leaves a complete state or none.  A
data-parallel fit writes one ``rank-*`` pair per process (the directory must be on
storage every process sees) and resumes with the same number of processes.
"""

from __future__ import annotations

import json
import os
import re
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import torch
from safetensors.numpy import load_file, save_file

from .. import io
from .._version import __version__
from ..errors import NeurotopicError
from ..model.network import NTMNetwork
from ..text.stage import TextStage
from .distributed import Collective
from .fingerprint import difference
from .step import Supervision
from .training import TrainState

FORMAT = "neurotopic-checkpoint"
FORMAT_VERSION = 1
_STATE = re.compile(r"^epoch-(\d{6})(?:\.step-(\d{8}))?$")


def default_path(out: str | os.PathLike[str]) -> Path:
    """``OUT.checkpoint``, next to the model directory ``OUT`` (what the CLI uses)."""
    out = Path(out)
    return out.with_name(out.name + ".checkpoint")


# ------------------------------------------------------------------ helpers
def _state_name(epoch: int, step: int) -> str:
    return f"epoch-{epoch:06d}" + (f".step-{step:08d}" if step else "")


def _states(path: Path) -> list[tuple[int, int, str]]:
    found = []
    if path.is_dir():
        for entry in path.iterdir():
            match = _STATE.match(entry.name)
            if match and entry.is_dir():
                found.append((int(match.group(1)), int(match.group(2) or 0), entry.name))
    return sorted(found)


def _read_json(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


def _has_content(path: Path) -> bool:
    return (path / "text").is_dir() or bool(_states(path))


def _numpy(tensor: torch.Tensor) -> np.ndarray:
    return np.ascontiguousarray(tensor.detach().cpu().numpy())


def describe(path: str | os.PathLike[str]) -> str | None:
    """What a checkpoint directory holds, for messages: ``"3 epochs and 12 steps"``,
    ``"the text stage"``, or None when nothing can be resumed from it."""
    path = Path(path)
    states = _states(path)
    if states:
        epoch, step, _ = states[-1]
        done = f"{epoch} epoch{'s' if epoch != 1 else ''}"
        return done + (f" and {step} step{'s' if step != 1 else ''}" if step else "")
    return "the text stage" if (path / "text").is_dir() else None


def remove(path: str | os.PathLike[str]) -> None:
    """Delete a checkpoint directory; anything that is not a checkpoint is left alone."""
    path = Path(path)
    if (path / "checkpoint.json").is_file():
        shutil.rmtree(path, ignore_errors=True)


def prepare(path: Path, *, resume: bool, force: bool, comm: Collective | None = None) -> None:
    """Check (on rank 0) that the CLI may use ``path`` as a fit's checkpoint directory.

    With ``resume`` it must hold a checkpoint.  Without, a checkpoint with something to
    resume is refused unless ``force``, which deletes it (a directory that is not a
    checkpoint is never deleted).

    Raises
    ------
    NeurotopicError
        On every rank, when rank 0 refuses.
    """

    def check() -> None:
        if resume:
            if not (path / "checkpoint.json").is_file():
                raise NeurotopicError(
                    f"'{path}' is not a neurotopic checkpoint (no checkpoint.json); pass the "
                    "OUT.checkpoint directory an interrupted fit left"
                )
        elif not (path / "checkpoint.json").is_file():
            return  # nothing, or not a checkpoint (Checkpoint.open refuses to touch it)
        elif force:
            remove(path)
        elif _has_content(path):
            raise NeurotopicError(
                f"a checkpoint of an interrupted fit is in '{path}'; continue it with "
                f"--resume {path}, or pass --force to start over"
            )

    (comm or Collective()).share(check, lambda _: ({}, {}), lambda meta, arrays: None)


# --------------------------------------------------------------- checkpoint
class Checkpoint:
    """The checkpoint directory of one fit (see the module docstring).

    Use :meth:`open`.  Every method is called on every process of a data-parallel
    fit; rank 0 makes the decisions about the directory and tells the others.
    """

    def __init__(self, path: Path, seed: int, comm: Collective) -> None:
        self.path = path
        self.seed = seed
        self.comm = comm

    @classmethod
    def open(
        cls,
        path: str | os.PathLike[str],
        *,
        fingerprint: dict[str, Any],
        seed: int,
        comm: Collective | None = None,
    ) -> Checkpoint:
        """Use ``path`` for the fit ``fingerprint``: create it, or check it belongs to it.

        Parameters
        ----------
        path : str or path
            The checkpoint directory; created when missing (its parent must exist).
        fingerprint : dict
            From :func:`fingerprint`.
        seed : int
            The fit's seed; a checkpoint with something to resume keeps its own.
        comm : Collective, optional

        Raises
        ------
        NeurotopicError
            If ``path`` is not a checkpoint directory, is corrupt, or belongs to another
            fit (other parameters, corpus, labels or number of processes).
        """
        comm = comm or Collective()
        target = Path(path)

        def decide() -> int:
            meta_file = target / "checkpoint.json"
            if meta_file.is_file():
                try:
                    meta = _read_json(meta_file)
                except (OSError, ValueError) as exc:
                    raise _corrupt(target, exc) from None
                if not isinstance(meta, dict) or meta.get("format") != FORMAT:
                    raise NeurotopicError(f"'{meta_file}' is not a neurotopic checkpoint file")
                if int(meta.get("format_version", 0)) > FORMAT_VERSION:
                    raise NeurotopicError(
                        f"checkpoint '{target}' was written by a newer neurotopic; upgrade it"
                    )
                if _has_content(target):
                    if meta.get("fit") != fingerprint:
                        raise NeurotopicError(
                            f"checkpoint '{target}' belongs to another fit "
                            f"({difference(meta.get('fit', {}), fingerprint)}); resume with "
                            "the same settings, corpus and processes, or delete it"
                        )
                    _remove_temporaries(target)
                    return int(meta["seed"])
            elif target.is_symlink() or (
                target.exists()
                and (not target.is_dir() or any(not _temporary(e) for e in target.iterdir()))
            ):
                raise NeurotopicError(
                    f"'{target}' exists and is not a neurotopic checkpoint; choose another "
                    "checkpoint directory"
                )
            elif not target.parent.is_dir():
                raise NeurotopicError(f"directory '{target.parent}' does not exist; create it")
            target.mkdir(exist_ok=True)
            _remove_temporaries(target)
            meta = {
                "format": FORMAT,
                "format_version": FORMAT_VERSION,
                "neurotopic_version": __version__,
                "seed": int(seed),
                "fit": fingerprint,
            }
            io.write_file_atomically(
                meta_file, lambda tmp: io.write_json(tmp, meta), overwrite=True
            )
            return int(seed)

        shared_seed = comm.share(decide, lambda s: ({"seed": s}, {}), lambda m, a: int(m["seed"]))
        return cls(target, shared_seed, comm)

    # --------------------------------------------------------- text stage
    def read_text_stage(self) -> TextStage | None:
        """The saved text stage, or None (call on rank 0; :meth:`Collective.share` it)."""
        folder = self.path / "text"
        if not folder.is_dir():
            return None
        try:
            meta = _read_json(folder / "vocabulary.json")
            return TextStage.decode(meta, load_file(str(folder / "text.safetensors")))
        except Exception as exc:
            raise _corrupt(self.path, exc) from None

    def write_text_stage(self, stage: TextStage) -> None:
        """Save the text stage (rank 0), atomically."""
        meta, arrays = stage.encode()

        def write(tmp: Path) -> None:
            io.write_json(tmp / "vocabulary.json", meta)
            save_file(arrays, str(tmp / "text.safetensors"))

        io.write_atomically(self.path / "text", write, overwrite=True, only_models=False)

    # ------------------------------------------------------ training state
    def saver(
        self, network: NTMNetwork, supervision: Supervision | None
    ) -> Callable[[TrainState], None]:
        """The ``checkpoint`` callback of :func:`neurotopic.training.train`."""
        return lambda state: self.save(network, supervision, state)

    def save(self, network: NTMNetwork, supervision: Supervision | None, state: TrainState) -> None:
        """Write the training state (collective), then delete the older ones."""
        rank, name = self.comm.rank, _state_name(state.epoch, state.step)
        tmp = self.path / f".{name}.tmp"
        if rank == 0:
            shutil.rmtree(tmp, ignore_errors=True)
            tmp.mkdir()
        self.comm.barrier()
        try:
            own = {
                "doc_logits": _numpy(network.doc_logits.weight),
                "row.exp_avg": _numpy(state.row_optimiser["exp_avg"]),
                "row.exp_avg_sq": _numpy(state.row_optimiser["exp_avg_sq"]),
            }
            if state.order is not None:
                own["order"] = np.ascontiguousarray(state.order, dtype=np.int64)
            save_file(own, str(tmp / f"rank-{rank:05d}.safetensors"))
            io.write_json(
                tmp / f"rank-{rank:05d}.json",
                {
                    "rank": rank,
                    "rng": state.rng_state,
                    "row_steps": int(state.row_optimiser["steps"]),
                    "totals": state.totals,
                },
            )
            if rank == 0:
                shared = {
                    "topic_weight": _numpy(network.topic_weight),
                    "topic_bias": _numpy(network.topic_bias),
                }
                if supervision is not None:
                    shared["label_weight"] = _numpy(supervision.layer.weight)
                    shared["label_bias"] = _numpy(supervision.layer.bias)
                for index, moments in state.dense_optimiser.items():
                    for key, value in moments.items():
                        shared[f"dense.{index}.{key}"] = _numpy(value)
                save_file(shared, str(tmp / "shared.safetensors"))
                io.write_json(
                    tmp / "state.json",
                    {
                        "epoch": state.epoch,
                        "step": state.step,
                        "processes": self.comm.world_size,
                        "history": state.history,
                    },
                )
            self.comm.barrier()
            if rank == 0:
                self._commit(tmp, name)
        except BaseException:
            if rank == 0:
                shutil.rmtree(tmp, ignore_errors=True)
            raise
        self.comm.barrier()

    def _commit(self, tmp: Path, name: str) -> None:
        final = self.path / name
        if final.exists():  # the same position written again: swap, then drop the old
            old = self.path / f".{name}.old"
            shutil.rmtree(old, ignore_errors=True)
            os.replace(final, old)
            os.replace(tmp, final)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.replace(tmp, final)
        for _, _, other in _states(self.path):
            if other != name:
                shutil.rmtree(self.path / other, ignore_errors=True)

    def restore(self, network: NTMNetwork, supervision: Supervision | None) -> TrainState | None:
        """Load the latest training state into ``network`` and ``supervision`` (collective).

        Returns
        -------
        TrainState or None
            None when the checkpoint holds no training state yet.
        """
        name = self.comm.share(
            lambda: (_states(self.path) or [(0, 0, "")])[-1][2],
            lambda n: ({"name": n}, {}),
            lambda meta, arrays: str(meta["name"]),
        )
        if not name:
            return None

        def load() -> TrainState:
            try:
                return self._load(self.path / name, network, supervision)
            except NeurotopicError:
                raise
            except Exception as exc:  # unreadable, missing or malformed parts
                raise _corrupt(self.path, exc) from None

        return self.comm.all_or_none(load)

    def _load(
        self, folder: Path, network: NTMNetwork, supervision: Supervision | None
    ) -> TrainState:
        rank = self.comm.rank
        info = _read_json(folder / "state.json")
        own_info = _read_json(folder / f"rank-{rank:05d}.json")
        shared = load_file(str(folder / "shared.safetensors"))
        own = load_file(str(folder / f"rank-{rank:05d}.safetensors"))
        if int(info["processes"]) != self.comm.world_size:
            raise NeurotopicError(
                f"checkpoint '{self.path}' was written by {info['processes']} processes; "
                f"resume it with as many, not {self.comm.world_size}"
            )
        targets = [
            (network.doc_logits.weight, own["doc_logits"]),
            (network.topic_weight, shared["topic_weight"]),
            (network.topic_bias, shared["topic_bias"]),
        ]
        if supervision is not None:
            targets += [
                (supervision.layer.weight, shared["label_weight"]),
                (supervision.layer.bias, shared["label_bias"]),
            ]
        for tensor, array in targets:
            if tuple(tensor.shape) != array.shape:
                raise _corrupt(self.path, ValueError(f"a {array.shape} array for {tensor.shape}"))
        with torch.no_grad():
            for tensor, array in targets:
                tensor.copy_(torch.from_numpy(array))
        dense: dict[int, dict[str, torch.Tensor]] = {}
        for key, array in shared.items():
            if key.startswith("dense."):
                _, index, field = key.split(".", 2)
                dense.setdefault(int(index), {})[field] = torch.from_numpy(array)
        return TrainState(
            epoch=int(info["epoch"]),
            step=int(info["step"]),
            history=io.nan_records(list(info["history"])),
            rng_state=own_info["rng"],
            dense_optimiser=dense,
            row_optimiser={
                "exp_avg": torch.from_numpy(own["row.exp_avg"]),
                "exp_avg_sq": torch.from_numpy(own["row.exp_avg_sq"]),
                "steps": int(own_info["row_steps"]),
            },
            order=own.get("order"),
            totals=dict(own_info["totals"]),
        )


def _corrupt(path: Path, exc: BaseException) -> NeurotopicError:
    reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    return NeurotopicError(f"checkpoint '{path}' is corrupt ({reason}); delete it to start over")


def _temporary(entry: Path) -> bool:
    """A leftover of a run killed while writing (``.NAME.tmp-...`` or ``.NAME.old-...``)."""
    return entry.name.startswith(".") and (".tmp" in entry.name or ".old" in entry.name)


def _remove_temporaries(path: Path) -> None:
    """Leftovers of a run killed while writing (their content is incomplete)."""
    for entry in path.iterdir():
        if _temporary(entry):
            shutil.rmtree(entry, ignore_errors=True) if entry.is_dir() else entry.unlink()
