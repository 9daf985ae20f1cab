"""Wall-clock limits for the runner's phases: a phase past its limit fails, it never hangs.

dbt (dbtRunner), dlt and the prediction step all run in-process, in the thread that called the runner, so
the limit has to interrupt that thread. ``deadline`` starts a watchdog thread; when the limit passes it sends
SIGUSR2 to the runner's thread (``signal.pthread_kill``: a real signal, so a blocking system call returns
EINTR and the handler runs promptly) and the handler raises ``PhaseTimeout`` there.

``PhaseTimeout`` is a ``KeyboardInterrupt`` on purpose: that is what dbt and dlt treat as "stop now". dbt
catches it around its node queue, writes run_results.json, cancels the open queries, closes its thread pool,
waits for the running nodes and returns a failed result (``dbtRunner`` never raises); dlt stops between
steps (the next load drops the packages it left and extracts again). An ordinary ``Exception`` would instead
be recorded as one node's error while dbt's worker threads went on building. Code that swallows the
interrupt (dbtRunner does) returns normally or fails for another reason; the runner looks at
``Deadline.expired`` and records the phase as failed with "phase N exceeded its S s limit" either way.

Hard backstop: a phase that has not returned ``grace`` seconds after its limit (stuck in C code that never
checks for signals, a query that cannot be cancelled) is abandoned: ``on_abandon`` gets a few seconds to record
the failure, then the process exits with status 1 (``os._exit``: no cleanup can hang). The run lock is an
flock and goes with the process; a later run finishes the date (``nba-props heal`` / ``backfill``).

Signals reach Python handlers only in the main thread. Called from another thread, ``deadline`` cannot
interrupt: the phase runs on and only the hard backstop applies (the CLI always runs phases in the main
thread). SIGUSR2 is this module's: its handler (installed once per process) ignores a SIGUSR2 it did not
ask for.
"""

from __future__ import annotations

import os
import signal
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

WATCHDOG_SIGNAL = signal.SIGUSR2
HARD_EXIT_CODE = 1
ABANDON_RECORD_SECONDS = 10.0


class PhaseTimeout(KeyboardInterrupt):
    """A phase passed its wall-clock limit (raised in the phase's thread by the watchdog)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


@dataclass
class Deadline:
    label: str
    limit: float | None
    expired: bool = False  # the limit passed while the block ran
    interrupted: bool = False  # PhaseTimeout was raised in the block's thread (at most once)
    _done: bool = False
    _thread_id: int = 0
    _finished: threading.Event = field(default_factory=threading.Event)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def message(self) -> str:
        return f"{self.label} exceeded its {self.limit:g} s limit"

    def close(self) -> None:
        """End the watch (idempotent): a SIGUSR2 still in flight raises nothing, the watchdog stops."""
        with self._lock:
            self._done = True
        self._finished.set()
        if self in _ACTIVE:
            _ACTIVE.remove(self)


_ACTIVE: list[Deadline] = []  # deadlines whose block is running, innermost last
_INSTALLED = False


def _handler(signum, frame) -> None:  # noqa: ARG001 - signal handler signature
    # no lock here: the handler runs in the watched thread, which may be inside Deadline.close()
    for state in reversed(_ACTIVE):
        if state.expired and not state._done and not state.interrupted and state._thread_id == threading.get_ident():
            state.interrupted = True
            raise PhaseTimeout(state.message)


def _install() -> bool:
    """Install the SIGUSR2 handler once (main thread only); False when it cannot be."""
    global _INSTALLED
    if _INSTALLED:
        return True
    if threading.current_thread() is not threading.main_thread():
        return False
    signal.signal(WATCHDOG_SIGNAL, _handler)
    _INSTALLED = True
    return True


@contextmanager
def deadline(
    limit: float | None,
    label: str,
    grace: float = 60.0,
    on_abandon: Callable[[str], None] | None = None,
) -> Iterator[Deadline]:
    """Run the block under a wall-clock ``limit`` (seconds; None: no limit). See the module docstring."""
    state = Deadline(label, limit, _thread_id=threading.get_ident())
    if limit is None or limit <= 0:
        yield state
        return
    can_interrupt = threading.current_thread() is threading.main_thread() and _install()

    def watch() -> None:
        if state._finished.wait(limit):
            return
        with state._lock:
            if state._done:
                return
            state.expired = True
            if can_interrupt:
                signal.pthread_kill(state._thread_id, WATCHDOG_SIGNAL)
        if state._finished.wait(max(grace, 0.0)):
            return
        _abandon(state, grace, on_abandon)

    _ACTIVE.append(state)
    threading.Thread(target=watch, name=f"deadline: {label}", daemon=True).start()
    try:
        yield state
    finally:
        # The handler raises at most once and may do so anywhere, even here: if it interrupts the first
        # close(), the second one runs undisturbed and the PhaseTimeout goes on to the caller.
        try:
            state.close()
        except PhaseTimeout:
            state.close()
            raise


def _abandon(state: Deadline, grace: float, on_abandon: Callable[[str], None] | None) -> None:
    message = f"{state.message} and did not stop within {grace:g} s; exiting"
    if on_abandon is not None:
        # the stuck thread may hold locks the callback needs: give it a bounded time, then exit regardless
        recorder = threading.Thread(target=_quietly, args=(on_abandon, message), daemon=True)
        recorder.start()
        recorder.join(ABANDON_RECORD_SECONDS)
    try:
        sys.stderr.write(f"nba-props: {message}\n")
        sys.stderr.flush()
    finally:
        os._exit(HARD_EXIT_CODE)


def _quietly(fn: Callable[[str], None], message: str) -> None:
    try:
        fn(message)
    except BaseException as exc:  # noqa: BLE001 - best effort before the process exits
        sys.stderr.write(f"nba-props: could not record the timeout: {exc!r}\n")
