"""The clock the time-budget review runs on: monotonic seconds plus a steady tick.

The review never reads the wall clock or starts a timer itself; it is handed a clock object, so
tests (and screenshots) drive it with a `ManualClock` they advance by hand, and the app uses
`QtClock` (QElapsedTimer for the time, a ~100 ms QTimer for the ticks). A tick only says "look at
the time now": the review measures elapsed time with `now()`, so late or missed ticks never make
a photo's time longer or shorter.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from PySide6.QtCore import QElapsedTimer, QObject, Qt, QTimer

TICK_MS = 100  # often enough for a smooth countdown line, rare enough to cost nothing


class ReviewClock(Protocol):
    def now(self) -> float:
        """Monotonic seconds (only differences matter)."""

    def start(self, on_tick: Callable[[], None]) -> None:
        """Call `on_tick` regularly until `stop` (replaces an earlier callback)."""

    def stop(self) -> None: ...


class QtClock(QObject):
    """The real clock: QElapsedTimer (monotonic) and a coarse QTimer for the ticks."""

    def __init__(self, tick_ms: int = TICK_MS, parent=None) -> None:
        super().__init__(parent)
        self._elapsed = QElapsedTimer()
        self._elapsed.start()
        self._timer = QTimer(self, interval=tick_ms)
        self._timer.setTimerType(Qt.TimerType.CoarseTimer)
        self._on_tick: Callable[[], None] | None = None
        self._timer.timeout.connect(self._tick)

    def now(self) -> float:
        return self._elapsed.nsecsElapsed() / 1e9

    def start(self, on_tick: Callable[[], None]) -> None:
        self._on_tick = on_tick
        self._timer.start()

    def stop(self) -> None:
        self._timer.stop()
        self._on_tick = None

    def _tick(self) -> None:
        if self._on_tick is not None:
            self._on_tick()


class ManualClock:
    """A clock that only moves when told to: `advance(seconds)` ticks every `tick_s` on the way."""

    def __init__(self, tick_s: float = TICK_MS / 1000) -> None:
        self.tick_s = tick_s
        self._now = 1000.0
        self._on_tick: Callable[[], None] | None = None

    @property
    def running(self) -> bool:
        return self._on_tick is not None

    def now(self) -> float:
        return self._now

    def start(self, on_tick: Callable[[], None]) -> None:
        self._on_tick = on_tick

    def stop(self) -> None:
        self._on_tick = None

    def advance(self, seconds: float, step: float | None = None) -> None:
        """Move time on by `seconds`, ticking every `step` (default: the tick interval)."""
        step = step or self.tick_s
        end = self._now + seconds
        while self._now < end - 1e-12:
            self._now = min(end, self._now + step)
            if self._on_tick is not None:
                self._on_tick()
