"""Runs the deep models on the pipeline's batches, splitting the models over parallel threads.

Why not one DeepAnalyzer with torch using every core: on 2 cores torch's intra-op threads
(OpenMP) wait for each other at every layer, and whenever another thread of the process (the
decode/technical prefetch) or the GUI takes a core, the other torch thread spins at a barrier.
Measured on a busy 2-core VM, NIMA cost 1,550 ms CPU per photo with 2 torch threads against 400 ms
with 1. So the models are split into groups of about equal cost - NIMA (InceptionResNetV2 at
299 px) | CLIP-IQA (RN50) + the CLIP embedding (ViT-B-32), both at 224 px - each group a
DeepAnalyzer of its own running in its own thread with `threads // groups` torch threads.
The OS then shares the cores between whole, independent computations, without barriers.
With one thread allowed (the GUI's default on 2 cores), all models run in one analyzer, in turn.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np

# Groups of roughly equal cost (ms per photo at 2 threads, ENVIRONMENT.md: nima ~100-115,
# clipiqa ~58 + clip ~47). A model not named here runs in a group of its own.
MODEL_GROUPS = (("nima",), ("clipiqa", "clip"))


def plan_groups(names: list[str], threads: int) -> tuple[list[tuple[str, ...]], int]:
    """(model groups to run in parallel, torch threads per group) for `threads` CPU threads."""
    names = list(names)
    groups = [tuple(n for n in g if n in names) for g in MODEL_GROUPS]
    groups = [g for g in groups if g] + [(n,) for n in names if not any(n in g for g in MODEL_GROUPS)]
    if threads <= 1 or len(groups) <= 1:
        return [tuple(names)], max(1, threads)
    parallel = min(len(groups), threads)
    if parallel < len(groups):  # fewer threads than groups: merge the tail into the last group
        groups = groups[:parallel - 1] + [tuple(n for g in groups[parallel - 1:] for n in g)]
    return groups, max(1, threads // parallel)


class DeepRunner:
    """The pipeline's view of the deep models: status(), available(), run(images), close()."""

    def __init__(self, models_dir: Path, names: list[str], threads: int | None = None, times=None) -> None:
        from culler.analysis import deep

        self.times = times  # a pipeline_progress.StepTimes, or None
        total = threads if threads and threads > 0 else deep.default_threads()
        self.groups, self.threads_per_group = plan_groups(names, total)
        self.analyzers = [deep.DeepAnalyzer(Path(models_dir), names=g, threads=self.threads_per_group)
                          for g in self.groups]
        self._pool = (ThreadPoolExecutor(max_workers=len(self.analyzers) - 1, thread_name_prefix="culler-deep")
                      if len(self.analyzers) > 1 else None)

    def _each(self, call):
        """call(analyzer) for every analyzer, in parallel; results in analyzer order."""
        if self._pool is None:
            return [call(a) for a in self.analyzers]
        futures = [self._pool.submit(call, a) for a in self.analyzers[1:]]
        first = call(self.analyzers[0])
        return [first] + [f.result() for f in futures]

    def load(self) -> None:
        """Build every model, one analyzer after the other: their first use imports torch,
        open_clip, timm and pyiqa, and imports racing in two threads are not safe."""
        for a in self.analyzers:
            a.available()

    def status(self) -> dict[str, str]:
        merged: dict[str, str] = {}
        for s in self._each(lambda a: a.status()):
            merged.update(s)
        return merged

    def available(self) -> list[str]:
        return [n for names in self._each(lambda a: a.available()) for n in names]

    def run(self, images: list[np.ndarray]) -> list[tuple[dict[str, float], dict[str, np.ndarray]]]:
        merged: list[tuple[dict, dict]] = [({}, {}) for _ in images]

        def run_one(a):
            if self.times is None:
                return a.run(images)
            with self.times.measure("+".join(a.names)) as t:
                t.n = len(images)
                return a.run(images)

        for results in self._each(run_one):
            for (signals, embeddings), (s, e) in zip(merged, results):
                signals.update(s)
                embeddings.update(e)
        return merged

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True)
            self._pool = None
        for a in self.analyzers:
            a.close()
