"""What one pipeline run did, in figures and in two plain lines: the run report.

The pipeline attaches it to its last Progress (stage 'done' or 'cancelled'), so whoever reads the
progress - `culler analyze`, the window's analysis thread - gets it without reading the
pipeline's attributes from another thread.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

STAGE_NAMES = ("scan", "models", "analyse", "group")  # the stages timed, in run order


@dataclass(frozen=True)
class RunReport:
    """`photos` in the album after the scan; of those, `analysed` measured by this run, `up_to_date`
    left alone (analysed before, unchanged), `failed` {path: reason} and `vanished` (gone mid-run);
    photos the run did not reach (a cancel) are in none of these. `models` {name: 'ok' | 'missing' |
    'failed: ...'}, empty when the run asked for none (technical signals only); `models_used` the
    ones that ran on this run's photos. `stage_seconds` wall seconds per stage (STAGE_NAMES),
    `seconds` the whole run; `groups` None when the run stopped before grouping."""

    photos: int
    analysed: int
    up_to_date: int
    failed: dict[str, str] = field(default_factory=dict)
    vanished: tuple[str, ...] = ()
    models: dict[str, str] = field(default_factory=dict)
    models_used: tuple[str, ...] = ()
    groups: int | None = None
    cancelled: bool = False
    stage_seconds: dict[str, float] = field(default_factory=dict)
    seconds: float = 0.0

    @property
    def models_missing(self) -> tuple[str, ...]:
        return tuple(n for n, s in self.models.items() if s == "missing")

    @property
    def models_failed(self) -> dict[str, str]:
        return {n: s.removeprefix("failed: ") for n, s in self.models.items() if s.startswith("failed")}

    def lines(self) -> list[str]:
        """Two lines a person reads: what happened to the photos, then the models and the time."""
        photos = [f"{self.analysed} analysed", f"{self.up_to_date} already up to date"]
        if self.failed:
            counts = Counter(_gist(reason) for reason in self.failed.values()).most_common()
            shown = ", ".join(f"{n} {reason}" for reason, n in counts[:3])
            shown += ", ..." if len(counts) > 3 else ""
            photos.append(f"{len(self.failed)} failed ({shown})")
        if self.vanished:
            photos.append(f"{len(self.vanished)} vanished")
        left = self.photos - self.analysed - self.up_to_date - len(self.failed) - len(self.vanished)
        if left > 0:
            photos.append(f"{left} not reached")
        head = "Run cancelled" if self.cancelled else "Run finished"
        first = f"{head}: {self.photos} photos - {', '.join(photos)}"
        if self.groups is not None:
            first += f"; {self.groups} group{'s' if self.groups != 1 else ''} of 2 or more frames"

        models = [f"used {', '.join(self.models_used) or 'none'}" if self.models else "none asked for"]
        if self.models_missing:
            models.append(f"missing {', '.join(self.models_missing)} (`culler models download` or `import DIR`)")
        if self.models_failed:
            models.append("failed " + ", ".join(f"{n} ({_short(why)})" for n, why in self.models_failed.items()))
        times = ", ".join(f"{stage} {self.stage_seconds[stage]:.1f} s" for stage in STAGE_NAMES
                          if stage in self.stage_seconds)
        second = f"Models: {'; '.join(models)}. Time: {times or '-'} ({self.seconds:.1f} s in all)."
        return [first + ".", second]


def _gist(reason: str) -> str:
    """A failure's reason up to its first explanation: 'the file is truncated (an interrupted
    copy...)' -> 'the file is truncated' (the full reasons are listed per file)."""
    return _short(re.split(r" \(|, |; ", reason, maxsplit=1)[0], 50)


def _short(text: str, limit: int = 80) -> str:
    return text if len(text) <= limit else text[:limit - 1] + "…"
