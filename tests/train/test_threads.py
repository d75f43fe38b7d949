"""The thread budget of a fit, and the governor that picks the compiled passes' count."""

from __future__ import annotations

import os
from pathlib import Path

import numba
import pytest
import torch

from neurotopic import NeuralTopicModel, NeurotopicError
from neurotopic.train import threads
from neurotopic.train.threads import (
    ThreadGovernor,
    cgroup_cpu_limit,
    numba_pool_size,
    parse_cgroup_limit,
    resolve_n_jobs,
    thread_budget,
    usable_cores,
)


@pytest.fixture
def four_cores(monkeypatch: pytest.MonkeyPatch) -> None:
    """A process allowed four cores, with no quota or variable limiting it."""
    monkeypatch.setattr(threads, "affinity_cores", lambda: 4)
    monkeypatch.setattr(threads, "numba_pool_size", lambda: 4)
    monkeypatch.setattr(threads, "cgroup_cpu_limit", lambda: None)
    for name in ("OMP_NUM_THREADS", "LOCAL_WORLD_SIZE"):
        monkeypatch.delenv(name, raising=False)


def test_cgroup_quota_lines() -> None:
    assert parse_cgroup_limit("max 100000\n") is None
    assert parse_cgroup_limit("100000 100000\n") == 1
    assert parse_cgroup_limit("150000 100000") == 2  # --cpus=1.5
    assert parse_cgroup_limit("50000 100000") == 1
    assert parse_cgroup_limit("") is None and parse_cgroup_limit("x y") is None


def test_cgroup_v2_then_v1_files(tmp_path: Path) -> None:
    v2, quota, period = tmp_path / "cpu.max", tmp_path / "quota", tmp_path / "period"
    assert cgroup_cpu_limit(v2, quota, period) is None  # no cgroup files at all
    quota.write_text("-1\n")
    period.write_text("100000\n")
    assert cgroup_cpu_limit(v2, quota, period) is None  # v1 without a quota
    quota.write_text("300000\n")
    assert cgroup_cpu_limit(v2, quota, period) == 3
    v2.write_text("200000 100000\n")
    assert cgroup_cpu_limit(v2, quota, period) == 2  # v2 wins


@pytest.mark.usefixtures("four_cores")
def test_usable_cores_respect_every_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    assert usable_cores() == 4
    monkeypatch.setattr(threads, "cgroup_cpu_limit", lambda: 3)
    assert usable_cores() == 3
    monkeypatch.setenv("OMP_NUM_THREADS", "2,1")
    assert usable_cores() == 2
    monkeypatch.setenv("OMP_NUM_THREADS", "")
    monkeypatch.setenv("LOCAL_WORLD_SIZE", "3")  # torchrun: three processes share them
    assert usable_cores() == 1
    monkeypatch.setenv("LOCAL_WORLD_SIZE", "8")
    assert usable_cores() == 1
    monkeypatch.delenv("LOCAL_WORLD_SIZE")
    monkeypatch.setattr(threads, "numba_pool_size", lambda: 2)  # NUMBA_NUM_THREADS=2
    assert usable_cores() == 2


def test_usable_cores_on_this_machine() -> None:
    assert 1 <= usable_cores() <= len(os.sched_getaffinity(0))


@pytest.mark.usefixtures("four_cores")
def test_n_jobs_within_the_usable_cores() -> None:
    assert resolve_n_jobs(None) == resolve_n_jobs(-1) == 4
    assert resolve_n_jobs(-2) == 3 and resolve_n_jobs(-9) == 1
    assert resolve_n_jobs(2) == 2 and resolve_n_jobs(64) == 4
    for bad in (0, 1.5, "2", True):
        with pytest.raises(NeurotopicError, match="is not a thread count; pass a positive"):
            resolve_n_jobs(bad)  # type: ignore[arg-type]


def test_estimator_rejects_a_bad_n_jobs_in_one_line() -> None:
    with pytest.raises(NeurotopicError, match=r"^n_jobs must be a nonzero int.*got 0$") as err:
        NeuralTopicModel(3, n_jobs=0).fit(["a b c", "d e f"])
    assert "\n" not in str(err.value)


def test_thread_budget_sets_and_restores_every_pool() -> None:
    from threadpoolctl import threadpool_info

    n = min(2, numba_pool_size())
    before = torch.get_num_threads(), numba.get_num_threads()
    with thread_budget(n):
        assert torch.get_num_threads() == 1
        assert numba.get_num_threads() == n
        assert all(p["num_threads"] == 1 for p in threadpool_info() if p["user_api"] == "blas")
    assert (torch.get_num_threads(), numba.get_num_threads()) == before


def simulate(governor: ThreadGovernor, cost: dict[int, float], steps: int) -> list[int]:
    """Run ``steps`` steps of 1,000 items whose time per item is ``cost[threads]``."""
    used = []
    for _ in range(steps):
        n = governor.threads()
        used.append(n)
        governor.record(cost[n] * 1000, 1000)
    return used


def test_governor_keeps_the_faster_count_and_probes_less_and_less() -> None:
    governor = ThreadGovernor(2, interval=8, max_interval=128, probe=4)
    used = simulate(governor, {2: 1.0, 1: 1.6}, 600)  # idle: two threads are faster
    assert governor.current == 2 and governor.switches == 0
    assert 0 < used.count(1) < 0.1 * len(used)
    assert used[-128:].count(1) <= 4  # one trial in the last max_interval steps
    assert governor.interval == 128


def test_governor_follows_a_neighbour_that_comes_and_goes() -> None:
    governor = ThreadGovernor(2, interval=8, max_interval=64, probe=4)
    simulate(governor, {2: 1.0, 1: 1.6}, 200)
    assert governor.current == 2
    busy = simulate(governor, {2: 3.4, 1: 1.7}, 200)  # a busy process on one core
    assert governor.current == 1
    assert busy[-100:].count(1) > 90
    simulate(governor, {2: 1.0, 1: 1.6}, 200)  # it has gone
    assert governor.current == 2 and governor.switches == 2


def test_governor_walks_down_and_up_a_larger_budget() -> None:
    governor = ThreadGovernor(8, interval=4, max_interval=16, probe=2)
    simulate(governor, {8: 4.0, 4: 2.0, 2: 1.0, 1: 1.5}, 300)
    assert governor.current == 2
    simulate(governor, {8: 1.0, 4: 1.5, 2: 2.0, 1: 3.0}, 300)
    assert governor.current == 8


def test_one_thread_is_never_probed() -> None:
    governor = ThreadGovernor(1)
    assert set(simulate(governor, {1: 1.0}, 100)) == {1}
