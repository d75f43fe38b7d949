"""Data-parallel fitting over ``torch.distributed``: what the processes share, and how.

Under an initialised process group of P processes (``torchrun`` starts them;
``neurotopic fit`` joins the group torchrun describes), a fit is data-parallel:

* rank 0 runs the text stage and the word vectors and broadcasts the result (the
  vocabulary and phrases as JSON bytes, the term vectors and the document-term matrix
  as arrays), so every rank has the same terms, bit for bit;
* documents are sharded by stride: rank r owns documents r, r + P, r + 2P, ...; it
  holds and updates only their rows of W1 (with their Adam moments), and draws its
  triples, negatives included, from them only;
* each step, the gradient of the dense parameters (W2, its bias and the sNTM label
  layer: E*K + K (+ K*C + C) numbers, whatever the corpus) is averaged over the ranks
  with one all-reduce before Adam's step, so they stay identical everywhere;
* training and held-out totals are summed once per epoch, and at the end the W1 rows
  are gathered, so every rank holds the whole model (the CLI saves it on rank 0).

:class:`Collective` is one process on its own, where every operation is the identity
(the single-process fit runs exactly as without this module); :class:`ProcessGroup`
is the distributed case.  No pickle is involved: objects travel as JSON bytes and
arrays as tensors.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

import numpy as np
import torch
import torch.distributed as dist

from ..errors import NeurotopicError

T = TypeVar("T")
#: What :meth:`Collective.share` sends: JSON-serialisable metadata and named arrays.
Payload = tuple[dict[str, Any], dict[str, np.ndarray]]


class Collective:
    """The collective operations a fit needs, for a process on its own.

    Every method is the identity here; :class:`ProcessGroup` overrides them.
    """

    rank: int = 0
    world_size: int = 1

    def shard(self, n_docs: int) -> np.ndarray:
        """Ids of the documents this process trains, shape (n_local,): all of them."""
        return np.arange(n_docs, dtype=np.int64)

    def sampler_seed(self, seed: int) -> int:
        """The seed of this process's triple sampler."""
        return seed

    def broadcast_seed(self, seed: int) -> int:
        """Rank 0's ``seed`` on every rank (each may have drawn its own)."""
        return seed

    def barrier(self) -> None:
        """Wait for every process."""

    def share(
        self,
        make: Callable[[], T],
        encode: Callable[[T], Payload],
        decode: Callable[[dict[str, Any], dict[str, np.ndarray]], T],
    ) -> T:
        """``make()`` run on rank 0 and sent to every rank.

        A :class:`NeurotopicError` (or any other exception) raised by ``make`` on rank 0
        is raised on every rank, so no process is left waiting.
        """
        return make()

    def all_or_none(self, make: Callable[[], T]) -> T:
        """``make()`` on every rank; if it raises a NeurotopicError on one, raise on all."""
        return make()

    def broadcast_parameters(self, params: Sequence[torch.Tensor]) -> None:
        """Give every rank rank 0's values of ``params`` (in place)."""

    def average_gradients(self, params: Sequence[torch.Tensor], stop: bool) -> bool:
        """Average ``params``' gradients over the ranks; True if any rank asks to stop."""
        return stop

    def sum(self, values: Sequence[float]) -> list[float]:
        """Element-wise sums over the ranks."""
        return list(values)

    def batch_bounds(self, n_pairs: int, batch_size: int) -> np.ndarray:
        """Where each step's batch starts in an epoch's order, then ``n_pairs``.

        Returns
        -------
        ndarray of shape (n_steps + 1,), int64
            Alone: batches of ``batch_size`` positive pairs, the last one shorter.
        """
        return np.append(np.arange(0, n_pairs, batch_size, dtype=np.int64), n_pairs)

    def gather_rows(self, rows: np.ndarray, n_rows: int) -> np.ndarray:
        """The full matrix from each rank's rows (see :meth:`shard`), on every rank."""
        return rows


class ProcessGroup(Collective):
    """The initialised default ``torch.distributed`` process group.

    Tensors travel on the GPU with NCCL and on the CPU otherwise (gloo).  Use
    :meth:`current` rather than the constructor.
    """

    def __init__(self) -> None:
        self.rank = dist.get_rank()
        self.world_size = dist.get_world_size()
        cuda = dist.get_backend() == "nccl"
        self.device = torch.device("cuda", torch.cuda.current_device()) if cuda else None

    @classmethod
    def current(cls) -> Collective:
        """The process group this process belongs to, or :class:`Collective` when alone."""
        if dist.is_available() and dist.is_initialized() and dist.get_world_size() > 1:
            return cls()
        return Collective()

    # ------------------------------------------------------------------ plumbing
    def _tensor(self, array: np.ndarray) -> torch.Tensor:
        tensor = torch.from_numpy(np.ascontiguousarray(array))
        return tensor if self.device is None else tensor.to(self.device)

    def _broadcast_array(self, array: np.ndarray, src: int = 0) -> np.ndarray:
        tensor = self._tensor(array)
        dist.broadcast(tensor, src=src)
        return tensor.cpu().numpy() if self.device is not None else tensor.numpy()

    def _broadcast_bytes(self, data: bytes | None, src: int = 0) -> bytes:
        size = np.array([len(data) if data is not None else 0], dtype=np.int64)
        size = self._broadcast_array(size, src)
        buffer = np.zeros(int(size[0]), dtype=np.uint8)
        if data is not None:
            buffer[:] = np.frombuffer(data, dtype=np.uint8)
        return self._broadcast_array(buffer, src).tobytes()

    def _reduce(self, values: Sequence[float], op: dist.ReduceOp.RedOpType) -> list[float]:
        tensor = self._tensor(np.asarray(values, dtype=np.float64))
        dist.all_reduce(tensor, op=op)
        return [float(v) for v in tensor.cpu().tolist()]

    # ---------------------------------------------------------------- overrides
    def shard(self, n_docs: int) -> np.ndarray:
        """Documents ``rank, rank + P, rank + 2P, ...``: every shard is a uniform sample
        of the corpus even when its documents are sorted (by class, date, source)."""
        return np.arange(self.rank, n_docs, self.world_size, dtype=np.int64)

    def sampler_seed(self, seed: int) -> int:
        """A different, reproducible seed per rank."""
        return int(np.random.SeedSequence([seed, self.rank]).generate_state(1)[0])

    def broadcast_seed(self, seed: int) -> int:
        return self.share(lambda: seed, lambda s: ({"seed": s}, {}), lambda m, a: int(m["seed"]))

    def barrier(self) -> None:
        dist.barrier()

    def share(
        self,
        make: Callable[[], T],
        encode: Callable[[T], Payload],
        decode: Callable[[dict[str, Any], dict[str, np.ndarray]], T],
    ) -> T:
        if self.rank == 0:
            try:
                value = make()
                meta, arrays = encode(value)
            except Exception as exc:
                self._broadcast_bytes(json.dumps({"error": _one_line(exc)}).encode())
                raise
            names = sorted(arrays)
            header = {
                "meta": meta,
                "arrays": [[n, arrays[n].dtype.str, list(arrays[n].shape)] for n in names],
            }
            self._broadcast_bytes(json.dumps(header).encode())
            for name in names:
                self._broadcast_array(arrays[name])
            return value
        header = json.loads(self._broadcast_bytes(None))
        if "error" in header:
            raise NeurotopicError(header["error"])
        received = {
            name: self._broadcast_array(np.zeros(shape, dtype=np.dtype(dtype)))
            for name, dtype, shape in header["arrays"]
        }
        return decode(header["meta"], received)

    def all_or_none(self, make: Callable[[], T]) -> T:
        error: NeurotopicError | None = None
        try:
            value = make()
        except NeurotopicError as exc:
            error = exc
        # The lowest failing rank tells the others its message.
        src = int(self._reduce([self.rank if error else self.world_size], dist.ReduceOp.MIN)[0])
        if src < self.world_size:
            message = self._broadcast_bytes(str(error).encode() if error else None, src)
            if error is not None:
                raise error
            raise NeurotopicError(f"on process {src}: {message.decode()}")
        return value

    def broadcast_parameters(self, params: Sequence[torch.Tensor]) -> None:
        with torch.no_grad():
            for p in params:
                data = p.data if self.device is None else p.data.to(self.device)
                dist.broadcast(data, src=0)
                p.data.copy_(data)

    def average_gradients(self, params: Sequence[torch.Tensor], stop: bool) -> bool:
        """One all-reduce of every gradient, flattened, with the stop flag appended."""
        grads = [p.grad if p.grad is not None else torch.zeros_like(p) for p in params]
        flag = torch.tensor([1.0 if stop else 0.0], device=grads[0].device)
        flat = torch.cat([g.reshape(-1) for g in grads] + [flag])
        if self.device is not None:
            flat = flat.to(self.device)
        dist.all_reduce(flat)
        flat /= self.world_size
        offset = 0
        for p, g in zip(params, grads, strict=True):
            n = g.numel()
            p.grad = flat[offset : offset + n].view_as(g).to(g.device)
            offset += n
        return bool(flat[-1].item() > 0)

    def sum(self, values: Sequence[float]) -> list[float]:
        return self._reduce(values, dist.ReduceOp.SUM)

    def batch_bounds(self, n_pairs: int, batch_size: int) -> np.ndarray:
        """The same number of steps on every rank (else the all-reduce would hang):
        ``batch_size`` is the global batch, so each rank takes about ``batch_size / P``
        pairs a step and an epoch has as many steps as a single process's."""
        per_rank = -(-batch_size // self.world_size)
        steps, fewest = self._reduce([-(-n_pairs // per_rank), -n_pairs], dist.ReduceOp.MAX)
        n_steps, min_pairs = int(steps), -int(fewest)
        if min_pairs < max(n_steps, 1):
            raise NeurotopicError(
                f"a process has {min_pairs} training pairs, fewer than the {n_steps} steps of "
                f"an epoch; use fewer than {self.world_size} processes or a larger corpus"
            )
        return (np.arange(n_steps + 1, dtype=np.int64) * n_pairs) // n_steps

    def gather_rows(self, rows: np.ndarray, n_rows: int) -> np.ndarray:
        """All-gather of the strided shards, padded to equal length."""
        per_rank = -(-n_rows // self.world_size)
        padded = np.zeros((per_rank, *rows.shape[1:]), dtype=rows.dtype)
        padded[: len(rows)] = rows
        tensor = self._tensor(padded)
        parts = [torch.empty_like(tensor) for _ in range(self.world_size)]
        dist.all_gather(parts, tensor)
        full = np.empty((n_rows, *rows.shape[1:]), dtype=rows.dtype)
        for r, part in enumerate(parts):
            n_local = len(range(r, n_rows, self.world_size))
            full[r :: self.world_size] = part.cpu().numpy()[:n_local]
        return full


def _one_line(exc: BaseException) -> str:
    text = str(exc).splitlines()[0] if str(exc) else ""
    if isinstance(exc, NeurotopicError):
        return text
    return f"process 0 failed: {type(exc).__name__}: {text}"


def init_from_env(*, cuda: bool) -> bool:
    """Join the process group ``torchrun`` describes in the environment.

    Does nothing unless ``WORLD_SIZE`` > 1 and no group is initialised yet.  The
    backend is NCCL (each process on GPU ``LOCAL_RANK``) when ``cuda``, else gloo.

    Returns
    -------
    bool
        Whether this call initialised the group (then call :func:`shutdown` at the end).
    """
    if int(os.environ.get("WORLD_SIZE", "1")) <= 1 or not dist.is_available():
        return False
    if dist.is_initialized():
        return False
    if cuda:
        torch.cuda.set_device(int(os.environ.get("LOCAL_RANK", "0")))
    dist.init_process_group(backend="nccl" if cuda else "gloo")
    return True


def shutdown() -> None:
    """Leave the process group (after :func:`init_from_env` returned True)."""
    if dist.is_available() and dist.is_initialized():
        dist.destroy_process_group()
