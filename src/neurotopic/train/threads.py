"""How many threads a fit may run, and how many it should run right now.

A fit's parallel work runs on two pools: the compiled passes of the training loop
(:mod:`neurotopic.kernels`, numba's) and the sparse products of the word vectors' SVD
(torch's); everything else runs on one thread (:func:`thread_budget`).
:func:`usable_cores` is the most this process may use: the cores of its CPU affinity,
capped by a cgroup CPU quota (a container's ``--cpus``), by ``OMP_NUM_THREADS`` and
``NUMBA_NUM_THREADS`` when set, and shared equally between the processes of a
``torchrun`` job on this machine.  :func:`resolve_n_jobs` turns an estimator's
``n_jobs`` into a thread count within it.

Every parallel pass writes its own rows only, so its numbers do not depend on the
thread count; torch's other CPU operations run on one thread (their parallel sums may
change order between runs).  That is what lets :class:`ThreadGovernor` change the
compiled passes' thread count in the middle of a fit without changing the model: when
another process takes part of a core, a pass that waits at its end for a descheduled
thread can run slower on two threads than on one, and the governor measures which is
faster and uses it.
"""

from __future__ import annotations

import math
import os
import re
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import numba
import torch
from threadpoolctl import threadpool_limits

from ..errors import NeurotopicError

__all__ = [
    "ThreadGovernor",
    "cgroup_cpu_limit",
    "resolve_n_jobs",
    "thread_budget",
    "torch_threads",
    "usable_cores",
]

#: Where a cgroup (v2, then v1) states a CPU quota; read by :func:`cgroup_cpu_limit`.
CGROUP_V2_MAX = Path("/sys/fs/cgroup/cpu.max")
CGROUP_V1_QUOTA = Path("/sys/fs/cgroup/cpu/cpu.cfs_quota_us")
CGROUP_V1_PERIOD = Path("/sys/fs/cgroup/cpu/cpu.cfs_period_us")


def affinity_cores() -> int:
    """The cores this process may run on (its CPU affinity where the OS reports it)."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def parse_cgroup_limit(cpu_max: str) -> int | None:
    """Cores allowed by a cgroup v2 ``cpu.max`` line (``"QUOTA PERIOD"`` or ``"max ..."``).

    A quota of 150000 per 100000 µs allows 1.5 cores' time: 2 threads, rounded up, as
    a container runtime's ``--cpus=1.5`` intends.

    Examples
    --------
    >>> parse_cgroup_limit("150000 100000"), parse_cgroup_limit("max 100000")
    (2, None)
    """
    fields = cpu_max.split()
    if len(fields) < 2 or fields[0] == "max":
        return None
    try:
        quota, period = int(fields[0]), int(fields[1])
    except ValueError:
        return None
    if quota <= 0 or period <= 0:
        return None
    return max(1, math.ceil(quota / period))


def cgroup_cpu_limit(
    v2: Path = CGROUP_V2_MAX, v1_quota: Path = CGROUP_V1_QUOTA, v1_period: Path = CGROUP_V1_PERIOD
) -> int | None:
    """Cores allowed by this process's cgroup CPU quota, or None without a quota."""
    try:
        return parse_cgroup_limit(v2.read_text())
    except OSError:
        pass
    try:
        return parse_cgroup_limit(f"{v1_quota.read_text().strip()} {v1_period.read_text()}")
    except OSError:
        return None


def _env_threads(name: str) -> int | None:
    """The first count in an environment variable such as ``OMP_NUM_THREADS="4,2"``."""
    match = re.match(r"\s*(\d+)", os.environ.get(name, ""))
    return int(match.group(1)) if match and int(match.group(1)) > 0 else None


def numba_pool_size() -> int:
    """Threads in numba's pool (``NUMBA_NUM_THREADS``, fixed when numba is imported)."""
    return int(getattr(numba.config, "NUMBA_NUM_THREADS", affinity_cores()))


def usable_cores() -> int:
    """The most threads this process should run at once (at least 1).

    The smallest of: the CPU affinity, the cgroup CPU quota, ``OMP_NUM_THREADS``,
    numba's pool (``NUMBA_NUM_THREADS``, read when numba is imported), then divided
    by ``LOCAL_WORLD_SIZE`` (the processes ``torchrun`` starts on this machine).
    """
    limits = [affinity_cores(), numba_pool_size()]
    limits += [n for n in (cgroup_cpu_limit(), _env_threads("OMP_NUM_THREADS")) if n]
    local = _env_threads("LOCAL_WORLD_SIZE") or 1
    return max(1, min(limits) // local)


def resolve_n_jobs(n_jobs: int | None) -> int:
    """Threads for an estimator's ``n_jobs``: within :func:`usable_cores`, at least 1.

    None or -1: all usable cores; a positive count: at most that many; -2: all but
    one, and so on (joblib's convention).

    Raises
    ------
    NeurotopicError
        For 0 or a value that is not an integer.
    """
    usable = usable_cores()
    if n_jobs is None:
        return usable
    if isinstance(n_jobs, bool) or not isinstance(n_jobs, int) or n_jobs == 0:
        raise NeurotopicError(
            f"n_jobs={n_jobs!r} is not a thread count; pass a positive integer, -1 (all "
            "cores) or None"
        )
    if n_jobs < 0:
        return max(1, usable + 1 + n_jobs)
    return min(n_jobs, usable)


@contextmanager
def torch_threads(n_threads: int) -> Iterator[None]:
    """Run torch's CPU operations on ``n_threads`` threads, then restore the count."""
    previous = torch.get_num_threads()
    if previous == n_threads:
        yield
        return
    torch.set_num_threads(n_threads)
    try:
        yield
    finally:
        torch.set_num_threads(previous)


@contextmanager
def thread_budget(n_threads: int) -> Iterator[None]:
    """Run the compiled passes on ``n_threads`` threads, torch and BLAS on one.

    The compiled passes (and the SVD's sparse products, which raise torch's count
    for their duration: they are row-parallel) carry a fit's parallel work.  torch's
    other CPU operations and numpy's and scipy's BLAS calls (k-means, the SVD's small
    factorisations, all a few milliseconds) run on one thread, where their sums cannot
    change order with the thread count.  Everything is restored after.
    """
    previous_compiled = numba.get_num_threads()
    numba.set_num_threads(min(n_threads, numba_pool_size()))
    try:
        with torch_threads(1), threadpool_limits(limits=1, user_api="blas"):
            yield
    finally:
        numba.set_num_threads(previous_compiled)


class ThreadGovernor:
    """Choose the compiled passes' thread count step by step, from measured speed.

    The training loop asks :meth:`threads` before each step and reports the step's
    time with :meth:`record`.  The governor runs at ``most`` threads; every
    ``interval`` steps it tries a neighbouring count (half, or double) for ``probe``
    steps and compares the median time per item with that of the steps before.  A
    neighbour faster by more than ``margin`` becomes the count; otherwise the wait
    before the next try doubles, up to ``max_interval`` steps, so an idle machine
    spends about ``probe / max_interval`` of its steps on trials.

    Parameters
    ----------
    most : int
        The fit's thread budget (:func:`resolve_n_jobs`).
    interval, max_interval, probe : int
        Steps between trials at first and at most, and steps per trial.
    margin : float
        Relative speed a trial must gain to change the count.
    """

    def __init__(
        self,
        most: int,
        *,
        interval: int = 32,
        max_interval: int = 512,
        probe: int = 8,
        margin: float = 0.05,
    ) -> None:
        self.most = max(1, int(most))
        self.base_interval, self.max_interval = interval, max_interval
        self.interval, self.probe, self.margin = interval, probe, margin
        self.current = self.most
        self._trial: int | None = None  # the count on trial, if any
        self._since = 0  # steps at the current count since the last trial
        self._recent: deque[float] = deque(maxlen=2 * probe)
        self._trial_times: list[float] = []
        self._direction = -1  # try fewer threads first
        self.switches = 0

    def _neighbour(self) -> int | None:
        down = self.current // 2 if self.current > 1 else None
        up = min(self.most, self.current * 2) if self.current < self.most else None
        first, second = (down, up) if self._direction < 0 else (up, down)
        self._direction = -self._direction
        return first if first is not None else second

    def threads(self) -> int:
        """The thread count for the next step."""
        if self.most == 1:
            return 1
        if self._trial is None and self._since >= self.interval and len(self._recent) >= 4:
            self._trial, self._trial_times = self._neighbour(), []
        return self._trial if self._trial is not None else self.current

    def record(self, seconds: float, items: int) -> None:
        """The time of the step just run at :meth:`threads`, and its size (triples)."""
        if self.most == 1 or items <= 0:
            return
        per_item = seconds / items
        if self._trial is None:
            self._since += 1
            self._recent.append(per_item)
            return
        self._trial_times.append(per_item)
        if len(self._trial_times) < self.probe:
            return
        trial_time = _median(self._trial_times)
        if trial_time < (1.0 - self.margin) * _median(list(self._recent)):
            self.current, self.interval = self._trial, self.base_interval
            self._recent.clear()
            self._recent.extend(self._trial_times)
            self.switches += 1
        else:
            self.interval = min(2 * self.interval, self.max_interval)
        self._trial, self._since = None, 0


def _median(values: list[float]) -> float:
    ordered = sorted(values)
    mid = len(ordered) // 2
    return ordered[mid] if len(ordered) % 2 else 0.5 * (ordered[mid - 1] + ordered[mid])
