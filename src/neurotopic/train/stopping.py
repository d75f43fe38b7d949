"""Stopping training cleanly: SIGINT (Ctrl-C) and SIGTERM end the current step first.

A checkpointed fit must stop between two steps, never in the middle of one, so that
the state it writes is exactly that of a completed step.  While :func:`stop_on_signals`
is active, both signals only set a flag the training loop reads after each step
(SIGTERM is what Slurm and Kubernetes send before they kill a job).
"""

from __future__ import annotations

import signal
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType


class StopRequest:
    """Set by SIGINT or SIGTERM: stop at the end of the current step.

    A second signal more than ``patience`` seconds after the first raises
    ``KeyboardInterrupt`` at once (one sooner is taken as the same request: a terminal
    delivers Ctrl-C to torchrun and to its workers, and torchrun forwards it again).
    """

    def __init__(self, patience: float = 2.0) -> None:
        self.requested = False
        self.patience = patience
        self._first = 0.0

    def __call__(self, signum: int, frame: FrameType | None) -> None:
        now = time.monotonic()
        if self.requested and now - self._first > self.patience:
            raise KeyboardInterrupt
        if not self.requested:
            self.requested, self._first = True, now


@contextmanager
def stop_on_signals(enabled: bool = True) -> Iterator[StopRequest]:
    """Turn SIGINT and SIGTERM into a :class:`StopRequest` while the block runs.

    Only in the main thread and when ``enabled``; the previous handlers come back after.
    """
    stop = StopRequest()
    if not enabled or threading.current_thread() is not threading.main_thread():
        yield stop
        return
    signals = (signal.SIGINT, signal.SIGTERM)
    previous = {s: signal.getsignal(s) for s in signals}
    for s in signals:
        signal.signal(s, stop)
    try:
        yield stop
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)
