"""Runs the deep models on the pipeline's batches, splitting the models over parallel threads.

Why not one DeepAnalyzer with torch using every core: on 2 cores torch's intra-op threads
(OpenMP) wait for each other at every layer, and whenever another thread of the process (the
decode/technical prefetch) or the GUI takes a core, the other torch thread spins at a barrier.
Measured on a busy 2-core VM, NIMA cost 1,550 ms CPU per photo with 2 torch threads against 400 ms
with 1. So the models are split into groups of about equal cost (registry.MODELS: `thread_group`,
`cost_ms`) - NIMA (InceptionResNetV2 at 299 px) | CLIP-IQA (RN50) + the CLIP embedding (ViT-B-32),
both at 224 px - each group a DeepAnalyzer of its own running in its own thread with
`threads // groups` torch threads.
The OS then shares the cores between whole, independent computations, without barriers.
With one thread allowed (the GUI's default on 2 cores), all models run in one analyzer, in turn.

Each group has a worker thread of its own and takes the batches in order at its own pace
(`submit` returns at once): a group that finishes a batch early starts on the next one instead
of waiting for the slower group at a per-batch barrier, which left a core idle at the end of
every batch (measured on 2 cores: 1.81 of 2 cores used by the analysis, 7 % of the machine idle).
"""

from __future__ import annotations

from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

import numpy as np


def plan_groups(names: list[str], threads: int) -> tuple[list[tuple[str, ...]], int]:
    """(model groups to run in parallel, torch threads per group) for `threads` CPU threads.
    Models share a group by their registry `thread_group` (one of their own without one); the
    costliest group comes first, so with fewer threads than groups the light ones are merged."""
    from culler.analysis.registry import MODELS

    names = list(names)
    by_group: dict[str, list[str]] = {}
    for n in names:
        spec = MODELS.get(n)
        by_group.setdefault((spec.thread_group if spec else "") or f"own:{n}", []).append(n)
    groups = sorted(by_group.values(), key=lambda g: -sum(MODELS[n].cost_ms if n in MODELS else 0 for n in g))
    groups = [tuple(g) for g in groups]
    if threads <= 1 or len(groups) <= 1:
        return [tuple(names)], max(1, threads)
    parallel = min(len(groups), threads)
    if parallel < len(groups):  # fewer threads than groups: merge the tail into the last group
        groups = groups[:parallel - 1] + [tuple(n for g in groups[parallel - 1:] for n in g)]
    return groups, max(1, threads // parallel)


class DeepBatch:
    """One batch submitted to every model group; `result()` merges the groups' outputs."""

    def __init__(self, futures: list[Future], n_images: int) -> None:
        self.futures = futures
        self.n_images = n_images

    def done(self) -> bool:
        return all(f.done() for f in self.futures)

    def cancel(self) -> bool:
        """Drop the groups' work that has not started; True when any was dropped (partial results)."""
        return any([f.cancel() for f in self.futures])

    def result(self) -> list[tuple[dict[str, float], dict[str, np.ndarray]]]:
        """Waits for every group; raises what a group raised. A cancelled group adds nothing."""
        merged: list[tuple[dict, dict]] = [({}, {}) for _ in range(self.n_images)]
        for future in self.futures:
            if future.cancelled():
                continue
            for (signals, embeddings), (s, e) in zip(merged, future.result()):
                signals.update(s)
                embeddings.update(e)
        return merged


class DeepRunner:
    """The pipeline's view of the deep models: status(), available(), submit(images), close()."""

    def __init__(self, models_dir: Path, names: list[str], threads: int | None = None, times=None) -> None:
        from culler.analysis import deep

        self.times = times  # a progress.StepTimes, or None
        total = threads if threads and threads > 0 else deep.default_threads()
        self.groups, self.threads_per_group = plan_groups(names, total)
        self.analyzers = [deep.DeepAnalyzer(Path(models_dir), names=g, threads=self.threads_per_group)
                          for g in self.groups]
        # One worker per group: a group's batches run in order, the groups independently.
        self._workers = [ThreadPoolExecutor(max_workers=1, thread_name_prefix=f"culler-deep-{i}")
                         for i in range(len(self.analyzers))]

    def load(self) -> None:
        """Build every model, one analyzer after the other: their first use imports torch,
        open_clip, timm and pyiqa, and imports racing in two threads are not safe."""
        for a in self.analyzers:
            a.available()

    def status(self) -> dict[str, str]:
        merged: dict[str, str] = {}
        for a in self.analyzers:
            merged.update(a.status())
        return merged

    def available(self) -> list[str]:
        return [n for a in self.analyzers for n in a.available()]

    @property
    def precision(self) -> str | None:
        """'bf16' when any model runs in bf16, else 'fp32', once the models are built; None before."""
        ran = {a.precision for a in self.analyzers if a.precision}
        return "bf16" if "bf16" in ran else next(iter(ran), None)

    @property
    def paths(self) -> dict[str, str]:
        """How each model runs, e.g. {'nima': 'openvino bf16'}, once built (deep.DeepAnalyzer.paths)."""
        return {name: path for a in self.analyzers for name, path in getattr(a, "paths", {}).items()}

    def _run_one(self, analyzer, images):
        if self.times is None:
            return analyzer.run(images)
        with self.times.measure("+".join(analyzer.names)) as t:
            t.n = len(images)
            return analyzer.run(images)

    def submit(self, images: list[np.ndarray]) -> DeepBatch:
        """Queue the batch on every group's worker; returns at once."""
        return DeepBatch([w.submit(self._run_one, a, images) for w, a in zip(self._workers, self.analyzers)],
                         len(images))

    def close(self) -> None:
        for w in self._workers:
            w.shutdown(wait=True, cancel_futures=True)
        for a in self.analyzers:
            a.close()
