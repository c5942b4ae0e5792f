"""Progress reports, throughput/ETA measurement and the pause/resume/cancel switch of the pipeline.

Kept apart from run.py so the UI and the CLI can use these small pieces without the
stages. No Qt, no heavy imports.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from culler.pipeline.report import RunReport

# The stages a Progress can report, in the order a run goes through them.
STAGES = ("scan", "models", "analyse", "paused", "group", "done", "cancelled")


@dataclass(frozen=True)
class Progress:
    """One report from a running pipeline; `done`/`total` count photos of the current stage."""

    stage: str  # one of STAGES
    done: int
    total: int
    photos_per_second: float | None = None  # over a moving window; None until measurable
    eta_seconds: float | None = None  # for the current stage; None until measurable
    current_path: str | None = None  # album-relative path of the photo just handled
    message: str = ""  # one line a user can read ("3 of 5 models ready", "IMG_1.JPG vanished")
    run_report: RunReport | None = None  # on the last report of a run ('done' or 'cancelled') only

    @property
    def fraction(self) -> float:
        return self.done / self.total if self.total else 1.0

    @property
    def finished(self) -> bool:
        return self.stage in ("done", "cancelled")


class RateMeter:
    """Photos per second over a moving time window, and the ETA that follows from it.

    Results of the deep models arrive in batches, so `done` moves in steps; measuring from the
    oldest sample in the window to *now* keeps the rate from jumping after every batch.
    """

    def __init__(self, window_s: float = 20.0, clock=time.monotonic) -> None:
        self.window_s = window_s
        self._clock = clock
        self._samples: deque[tuple[float, int]] = deque()

    def start(self, done: int = 0) -> None:
        self._samples.clear()
        self._samples.append((self._clock(), done))

    def add(self, done: int) -> None:
        now = self._clock()
        if not self._samples:
            self._samples.append((now, 0))
        self._samples.append((now, done))
        # Keep one sample at or beyond the window's edge as the anchor of the measurement.
        while len(self._samples) > 2 and now - self._samples[1][0] >= self.window_s:
            self._samples.popleft()

    def rate(self) -> float | None:
        if len(self._samples) < 2:
            return None
        t0, d0 = self._samples[0]
        d1 = self._samples[-1][1]
        span = self._clock() - t0
        if d1 <= d0 or span <= 0:
            return None
        return (d1 - d0) / span

    def eta(self, remaining: int) -> float | None:
        if remaining <= 0:
            return 0.0
        r = self.rate()
        return remaining / r if r else None


class RunControl:
    """Thread-safe pause/resume/cancel flags, read by the pipeline between photos."""

    def __init__(self) -> None:
        self._cancelled = threading.Event()
        self._running = threading.Event()
        self._running.set()

    def pause(self) -> None:
        self._running.clear()

    def resume(self) -> None:
        self._running.set()

    def cancel(self) -> None:
        self._cancelled.set()
        self._running.set()  # wake a paused run so it can stop

    @property
    def cancelled(self) -> bool:
        return self._cancelled.is_set()

    @property
    def paused(self) -> bool:
        return not self._running.is_set() and not self._cancelled.is_set()

    def wait_while_paused(self, timeout: float | None = None) -> bool:
        """Block while paused (up to `timeout`); True when the run may go on, False if cancelled."""
        self._running.wait(timeout)
        return not self._cancelled.is_set()


class StepTimes:
    """CPU seconds (of the thread doing it) and wall seconds spent per step, from any thread.

    CPU time shows where the work goes even on a machine shared with other processes, where
    wall time mostly measures the neighbours.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.cpu: dict[str, float] = {}
        self.wall: dict[str, float] = {}
        self.count: dict[str, int] = {}

    def measure(self, step: str):
        return _Timed(self, step)

    def add(self, step: str, cpu: float, wall: float, n: int = 1) -> None:
        with self._lock:
            self.cpu[step] = self.cpu.get(step, 0.0) + cpu
            self.wall[step] = self.wall.get(step, 0.0) + wall
            self.count[step] = self.count.get(step, 0) + n

    def summary(self) -> dict[str, dict[str, float]]:
        """{step: {'cpu_ms': per item, 'wall_ms': per item, 'items': n}}."""
        with self._lock:
            return {k: {"cpu_ms": round(1000 * self.cpu[k] / max(1, self.count[k]), 1),
                        "wall_ms": round(1000 * self.wall[k] / max(1, self.count[k]), 1),
                        "items": self.count[k]} for k in self.cpu}


class _Timed:
    def __init__(self, times: StepTimes, step: str, n: int = 1) -> None:
        self.times, self.step, self.n = times, step, n

    def __enter__(self):
        self._cpu, self._wall = time.thread_time(), time.perf_counter()
        return self

    def __exit__(self, *exc) -> None:
        self.times.add(self.step, time.thread_time() - self._cpu, time.perf_counter() - self._wall, self.n)
