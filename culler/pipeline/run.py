"""The analysis of an album as a generator of progress reports: scan, analyse, group, rank.

    pipeline = Pipeline(album_root, store, ctx)
    for progress in pipeline.run():      # e.g. inside the UI's analysis QThread
        ...                              # pipeline.pause()/resume()/cancel() from any thread

Stages
1. scan: sync the album folder into the store (cheap re-check when the store already knows it).
2. analyse, per photo that changed since its last analysis (store.analysed_keys()):
   decode ONCE at ~1000 px -> technical signals -> a 32x32 grey thumbnail for the grouping's pixel
   check (technical.py); the decoded image then waits for the deep models, which run on batches
   of `batch_size` images. Results are written to the store as they arrive, so a cancelled or
   crashed run resumes where it stopped. Photos go in album order except those asked for with
   `prioritise(paths)` (order.py), which go next.
   Decoding + technical measures run in a small prefetch pool *while* the deep models run on
   earlier batches, and the deep models themselves are split over parallel threads with one
   torch thread each (pipeline/deep.py): on 2 cores that keeps both cores busy without torch's
   OpenMP threads spinning at barriers whenever another thread (or the GUI) takes a core. Up to
   DEEP_BATCHES_IN_FLIGHT batches are queued, so each model group works at its own pace; results
   are still stored in photo order. A pause first stores the batches in flight; a cancel drops
   the deep work not yet started (those photos get it on the next run) and keeps the rest.
3. group + rank: fused scores (analysis.score.fuse), bursts/duplicates (core.grouping) and
   best-of-group suggestions (core.ranking) are recomputed and stored (grouping.py).
The last Progress carries the run report (report.py): photos analysed, up to date, failed with
reasons; models used, missing, failed; wall seconds per stage.

Where the time goes (benchmarks/analysis.py, 12 MP JPEGs, AMD EPYC with AVX512_BF16 and no AMX,
2 cores shared with other jobs at load ~5, CPU ms per photo): decode at 1/4 scale 37, technical 28,
NIMA 141, CLIP-IQA (whole frame) + CLIP embedding 145 - the models on OpenVINO in bf16
(analysis/deep_openvino.py; PyTorch fp32 needed ~760 for the three); ~0.37 CPU-s per photo in all,
i.e. ~5 photos/s on two free cores. Loading the cached models takes ~1.3 s (~0.5 s CPU), overlapped
with the first decodes; the first conversion of the models, once per set of weight files, 1-2 min.

Every photo gets every requested signal; a photo analysed without the deep models (technical run,
models missing then, cancelled mid-batch) is analysed again once those models are available.
"""

from __future__ import annotations

import os
import time
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

import numpy as np

from culler.core.taste_blend import ALBUM_DEFAULT
from culler.pipeline.order import WorkOrder
from culler.pipeline.progress import Progress, RateMeter, RunControl, StepTimes
from culler.pipeline.report import RunReport
from culler.pipeline.technical import ANALYSIS_LONG_EDGE, Prepared, clean_signals, prepare

__all__ = ["Pipeline", "Progress", "ANALYSIS_LONG_EDGE"]

# Decode + technical of one photo (~70 ms) is a third of the deep models' time per photo (~200 ms);
# one prefetch worker hides it behind the inference; on bigger machines a second one helps.
PREFETCH_WORKERS = 1 if (os.cpu_count() or 1) <= 2 else 2
# Photos decoded ahead while the deep models load (~1-2 s once converted, deep_openvino.py): more
# would only hold memory and decide the order before the window can say what is on screen.
PREFETCH_WHILE_LOADING = 16
# Analysis threads for the window (the UI should pass threads=WINDOW_ANALYSIS_THREADS; left alone it
# gets the DeepAnalyzer default, all cores but one). benchmarks/ui_latency.py on 2 cores at load ~6
# from other jobs, every model on OpenVINO: 1 thread 0.8 photos/s, event lateness p95 6.1 ms;
# 2 threads (one per model group, pipeline/deep.py) 1.33 photos/s, p95 5.0 ms. The window's analysis
# thread runs niced, so the GUI keeps its latency with every core busy.
WINDOW_ANALYSIS_THREADS = os.cpu_count() or 1
# Deep batches queued at once: each model group (pipeline/deep.py) may run this many batches ahead
# of the slowest one instead of waiting for it at the end of every batch.
DEEP_BATCHES_IN_FLIGHT = 3


class Pipeline:
    """Analyses one album into its store. Thread-safe controls: pause(), resume(), cancel()."""

    def __init__(self, album_root: Path, store, ctx, signals: str = "all",
                 on_progress: Callable[[Progress], None] | None = None, threads: int | None = None,
                 recursive: bool = False, batch_size: int = 8, prefetch_workers: int | None = None,
                 taste_profile=ALBUM_DEFAULT):
        if signals not in ("all", "technical"):
            raise ValueError(f"signals must be 'all' or 'technical', not {signals!r}")
        self.album_root = Path(album_root)
        self.taste_profile = taste_profile  # taste_blend.blend's `profile` for the grouping stage
        self.store = store
        self.ctx = ctx
        self.signals = signals
        self.on_progress = on_progress
        # torch threads for the deep models; None = DeepAnalyzer's default (all cores but one,
        # which keeps the window responsive); headless runs pass os.cpu_count().
        self.threads = threads
        self.recursive = recursive
        self.batch_size = max(1, batch_size)
        self.prefetch_workers = prefetch_workers or PREFETCH_WORKERS
        self.control = RunControl()
        self.model_status: dict[str, str] = {}  # model name -> 'ok' | 'missing' | 'failed: ...'
        self.vanished: list[str] = []  # paths that disappeared during the run
        self.errors: dict[str, str] = {}  # path -> why it could not be analysed (this run)
        self.scan_warnings: list[tuple[str, str]] = []  # (path, reason): bad sidecars etc. (scan.py)
        self.analysed = 0  # photos analysed by this run (errors included)
        self.scanned = False  # whether this run did a full scan of the folder
        self._deep = None
        self._models_loaded = False
        self.times = StepTimes()  # where the time went, per step (benchmarks/analysis.py)
        self.deep_groups: list[tuple[str, ...]] = []  # how the deep models were split over threads
        self.deep_precision: str | None = None  # 'bf16' | 'fp32', once the models load
        self.deep_paths: dict[str, str] = {}  # model -> 'openvino bf16' | 'torch fp32' | ..., once loaded
        self.models_used: list[str] = []  # the deep models that loaded for this run's photos
        self.stage_seconds: dict[str, float] = {}  # wall seconds per stage (report.STAGE_NAMES)
        self._priority: list[str] = []
        self._order: WorkOrder | None = None

    # -- controls (any thread) ---------------------------------------------------------------
    def pause(self) -> None:
        self.control.pause()

    def resume(self) -> None:
        self.control.resume()

    def cancel(self) -> None:
        self.control.cancel()

    def prioritise(self, paths) -> None:
        """Analyse these photos (album-relative paths) next, in this order: the ones on screen, then
        the review order. Any thread, before or during run(); a new call replaces the last one.
        The few photos already decoding (the prefetch look-ahead, ~2 batches) still come first."""
        self._priority = list(paths)
        order = self._order
        if order is not None:
            order.prioritise(self._priority)

    @property
    def cancelled(self) -> bool:
        return self.control.cancelled

    # -- the run ---------------------------------------------------------------------------
    def run(self) -> Iterator[Progress]:
        """Run every stage, yielding Progress; ends with stage 'done' or 'cancelled'."""
        try:
            yield from self._run()
        finally:
            self._close_models()  # gives the models' memory (GBs) back once the run ends

    def _close_models(self) -> None:
        deep, self._deep = self._deep, None
        if deep is not None:
            deep.close()

    def _run(self) -> Iterator[Progress]:
        t_start = time.monotonic()
        yield self._report("scan", 0, 1, message=f"reading {self.album_root}")
        with self._stage("scan"):
            photos = self._scan()
        yield self._report("scan", 1, 1, message=f"{len(photos)} photos")
        for path, reason in self.scan_warnings:
            yield self._report("scan", 1, 1, current_path=path, message=f"{path}: {reason}")
        if self.cancelled:
            yield self._report("cancelled", 0, 0, message="cancelled",
                               run_report=self._run_report(photos, photos, None, t_start))
            return

        todo = self._photos_to_analyse(photos, self._plan_models())
        with self._stage("analyse"):
            yield from self._analyse(todo)
        self.stage_seconds["analyse"] -= self.stage_seconds.get("models", 0.0)  # timed on its own
        if self.cancelled:
            yield self._report("cancelled", self.analysed, len(todo),
                               message=f"cancelled after {self.analysed} of {len(todo)} photos",
                               run_report=self._run_report(photos, todo, None, t_start))
            return
        if self._deep is not None and self._models_loaded:
            self.model_status.update(self._deep.status())  # a model may have failed mid-run
        self._close_models()
        if self.vanished:
            self._forget_vanished()
        yield self._report("group", 0, 1, message="grouping bursts and ranking")
        with self.times.measure("group and rank"), self._stage("group"):
            n_groups = self._group_and_rank()
        secs = time.monotonic() - t_start
        rate = self.analysed / secs if secs > 0 and self.analysed else None
        yield self._report("done", self.analysed, len(todo), photos_per_second=rate, eta_seconds=0.0,
                           message=self._summary(len(todo), len(photos), n_groups, secs),
                           run_report=self._run_report(photos, todo, n_groups, t_start))

    def run_to_end(self) -> Progress:
        """Consume run() and return its last report (headless callers, tests); its `run_report`
        says what the run did."""
        last = None
        for report in self.run():
            last = report
        return last

    # -- stages ----------------------------------------------------------------------------
    def _scan(self) -> list:
        from culler.pipeline.scan import refresh_photos

        photos, self.scanned = refresh_photos(self.album_root, self.store, self.recursive,
                                              on_error=lambda path, why: self.scan_warnings.append((path, why)))
        return photos

    def _plan_models(self) -> list[str]:
        """Which deep models this run will use, from their files (cheap: nothing is loaded yet)."""
        from culler.analysis import model_files

        try:
            self.model_status = dict(model_files.status(Path(self.ctx.models_dir)))
        except Exception as e:  # noqa: BLE001 - a broken models folder must not stop the analysis
            from culler.analysis.registry import MODELS

            self.model_status = {name: f"failed: {e}" for name in MODELS}
        planned = [name for name, state in self.model_status.items() if state == "ok"]
        if self.signals != "all" or not planned:
            return []
        from culler.pipeline.deep import DeepRunner

        try:
            self._deep = DeepRunner(Path(self.ctx.models_dir), planned, threads=self.threads, times=self.times)
        except Exception as e:  # noqa: BLE001 - without the models the technical signals still come
            self.model_status.update({name: f"failed: {e}" for name in planned})
            return []
        self.deep_groups = list(self._deep.groups)
        return planned

    def _load_models(self) -> Iterator[Progress]:
        """Build the deep models (seconds; the prefetch pool decodes the first photos meanwhile)."""
        yield self._report("models", 0, 1, message="loading models")
        self._models_loaded = True
        try:
            with self.times.measure("load models"), self._stage("models"):
                self._deep.load()
            self.model_status.update(self._deep.status())
            ready = self._deep.available()
            self.models_used = list(ready)
            self.deep_precision = self._deep.precision
            self.deep_paths = self._deep.paths
        except Exception as e:  # noqa: BLE001
            self.model_status = {k: (f"failed: {e}" if v == "ok" else v) for k, v in self.model_status.items()}
            ready = []
        if not ready:
            self._close_models()
        yield self._report("models", 1, 1, message=self._models_message())

    def _models_message(self) -> str:
        ok = [k for k, v in self.model_status.items() if v == "ok"]
        other = [f"{k} {v}" for k, v in self.model_status.items() if v != "ok"]
        return f"models ready: {', '.join(ok) or 'none'}" + (f"; {', '.join(other)}" if other else "")

    def _photos_to_analyse(self, photos: list, deep_names: list[str]) -> list:
        analysed = self.store.analysed_keys()
        errors = self.store.analysis_errors()
        expected_signals, expected_embeddings = _deep_outputs(deep_names)
        all_signals = self.store.all_signals() if expected_signals else {}
        embedded = [set(self.store.embeddings(name)) for name in expected_embeddings]
        todo = []
        for p in photos:
            if analysed.get(p.id) != (p.size, p.mtime_ns):
                todo.append(p)
            elif p.status == "ok" and p.id not in errors:
                have = all_signals.get(p.id, {})
                if any(have.get(n) is None for n in expected_signals) or any(p.id not in e for e in embedded):
                    todo.append(p)  # analysed before without models that are now available
        return todo

    def _prepare(self, photo) -> Prepared:
        """Runs in the prefetch pool; the pixels are kept only when the deep models will need them."""
        return prepare(photo, self.album_root, self.times, keep_pixels=self._deep is not None)

    def _analyse(self, todo: list) -> Iterator[Progress]:
        total = len(todo)
        meter = RateMeter()
        meter.start(0)
        self.analysed = 0
        if not total:
            yield self._report("analyse", 0, 0, message="every photo is up to date")
            return
        pending: list[Prepared] = []  # decoded, waiting for the next deep batch
        in_flight: deque = deque()  # (photos, pipeline_deep.DeepBatch) submitted to the deep models
        # Two batches decoded ahead of the deep batches in flight: the prefetch then has work to fill
        # a core whenever the deep-model groups leave one idle.
        lookahead = 2 * self.batch_size + self.prefetch_workers
        queue: deque[Future] = deque()
        self._order = order = WorkOrder(todo)
        order.prioritise(self._priority)
        pool = ThreadPoolExecutor(max_workers=self.prefetch_workers, thread_name_prefix="culler-decode")
        try:
            def fill(ahead: int = lookahead) -> None:
                while len(queue) < ahead:
                    photo = order.next()
                    if photo is None:
                        return
                    queue.append(pool.submit(self._prepare, photo))

            if self._deep is not None:
                # Loading the models takes seconds of mostly one core: decode and measure the
                # first photos meanwhile (~3 MB each at 1000 px).
                fill(PREFETCH_WHILE_LOADING)
                yield from self._load_models()
            fill()
            yield self._report("analyse", 0, total, message=f"analysing {total} photos")
            meter.start(0)  # loading the models is not part of the throughput
            while queue:
                if self.control.paused:
                    yield from self._finish_batches(in_flight, meter, total, keep=0)
                    yield self._report("paused", self.analysed, total, message="paused")
                    self.control.wait_while_paused()
                    meter.start(self.analysed)  # the pause is not part of the throughput
                if self.cancelled:
                    break
                item = queue.popleft().result()
                fill()
                rel = item.photo.path
                if item.vanished:
                    self.vanished.append(rel)
                    total -= 1
                    yield self._report("analyse", self.analysed, total, meter, rel,
                                       message=f"{rel} vanished during analysis; skipped")
                    continue
                if item.error is not None or self._deep is None:
                    self._store(item)
                    meter.add(self.analysed)
                    yield self._report("analyse", self.analysed, total, meter, rel,
                                       message=f"{rel}: {item.error}" if item.error else "")
                    continue
                pending.append(item)
                if len(pending) >= self.batch_size:
                    self._submit(pending, in_flight)
                    pending = []
                yield from self._finish_batches(in_flight, meter, total, keep=DEEP_BATCHES_IN_FLIGHT)
            if pending:
                if self.cancelled:
                    # Keep the technical results now; the deep signals come on the next run.
                    for it in pending:
                        self._store(it)
                else:
                    self._submit(pending, in_flight)
            if self.cancelled:
                for _batch, deep_batch in in_flight:
                    deep_batch.cancel()  # what has not started stays for the next run
            yield from self._finish_batches(in_flight, meter, total, keep=0)
        finally:
            for f in queue:
                f.cancel()
            for _batch, deep_batch in in_flight:
                deep_batch.cancel()
            pool.shutdown(wait=True, cancel_futures=True)

    def _submit(self, batch: list[Prepared], in_flight: deque) -> None:
        """Hand a batch to the deep models (returns at once); its results are stored in turn."""
        in_flight.append((batch, self._deep.submit([it.rgb for it in batch])))

    def _finish_batches(self, in_flight: deque, meter: RateMeter, total: int, keep: int) -> Iterator[Progress]:
        """Store the deep batches that are done, oldest first, waiting for the oldest while more
        than `keep` are queued (results are stored in photo order)."""
        while in_flight and (len(in_flight) > keep or in_flight[0][1].done()):
            batch, deep_batch = in_flight.popleft()
            yield from self._store_batch(batch, deep_batch, meter, total)

    def _store_batch(self, batch: list[Prepared], deep_batch, meter: RateMeter, total: int) -> Iterator[Progress]:
        try:
            with self.times.measure("deep models (waited for a batch)") as t:
                t.n = len(batch)
                results = deep_batch.result()
        except Exception as e:  # noqa: BLE001 - keep technical results, retry deep next run
            results = [({}, {})] * len(batch)
            message = f"deep models failed on a batch: {type(e).__name__}: {e}"
        else:
            message = ""
        first = self.analysed
        for it, (deep_signals, embeddings) in zip(batch, results):
            it.signals.update(clean_signals(deep_signals))
            self._store(it, embeddings)
        meter.add(self.analysed)  # the whole batch at once: the rate does not zigzag within it
        for i, it in enumerate(batch):
            yield self._report("analyse", first + i + 1, total, meter, it.photo.path, message=message)

    def _store(self, item: Prepared, embeddings: dict | None = None) -> None:
        p = item.photo
        key = (p.size, p.mtime_ns)
        with self.times.measure("store"):
            self._write(item, key, embeddings)
        item.rgb = None
        self.analysed += 1

    def _write(self, item: Prepared, key: tuple[int, int], embeddings: dict | None) -> None:
        p = item.photo
        if item.error is not None:
            self.store.put_analysis(p.id, key, {}, error=item.error)
            self.errors[p.path] = item.error
        else:
            emb = {k: np.asarray(v, dtype=np.float32) for k, v in (embeddings or {}).items()}
            if item.detail is not None:
                emb["detail"] = item.detail
            self.store.put_analysis(p.id, key, item.signals, embeddings=emb or None, tiny=item.tiny)

    def _forget_vanished(self) -> None:
        """Tell the store the vanished files are gone (their decisions stay in the store)."""
        gone = set(self.vanished)
        present = [p for p in self.store.photos() if p.path not in gone]
        self.store.sync_photos(present)

    def _group_and_rank(self) -> int:
        from culler.analysis.clip_looks import for_context
        from culler.pipeline.grouping import group_and_rank

        return group_and_rank(self.store, self.taste_profile, for_context(self.ctx))

    # -- reporting -------------------------------------------------------------------------
    def _report(self, stage: str, done: int, total: int, meter: RateMeter | None = None,
                current_path: str | None = None, message: str = "",
                photos_per_second: float | None = None, eta_seconds: float | None = None,
                run_report: RunReport | None = None) -> Progress:
        if meter is not None:
            photos_per_second = meter.rate()
            eta_seconds = meter.eta(total - done)
        p = Progress(stage, done, total, photos_per_second, eta_seconds, current_path, message, run_report)
        if self.on_progress is not None:
            self.on_progress(p)
        return p

    @contextmanager
    def _stage(self, name: str):
        start = time.monotonic()
        try:
            yield
        finally:
            self.stage_seconds[name] = self.stage_seconds.get(name, 0.0) + time.monotonic() - start

    def _run_report(self, photos: list, todo: list, n_groups: int | None, t_start: float) -> RunReport:
        still_ok = [n for n in self.models_used if self.model_status.get(n) == "ok"]
        return RunReport(photos=len(photos), analysed=self.analysed - len(self.errors),
                         up_to_date=len(photos) - len(todo), failed=dict(self.errors),
                         vanished=tuple(self.vanished),
                         models=dict(self.model_status) if self.signals == "all" else {},
                         models_used=tuple(still_ok), groups=n_groups, cancelled=self.cancelled,
                         stage_seconds=dict(self.stage_seconds), seconds=time.monotonic() - t_start)

    def _summary(self, total: int, in_album: int, n_groups: int, secs: float) -> str:
        if total == 0:  # a rerun on an unchanged album: "analysed 0 of 0" would read as a failure
            parts = [f"all {in_album} photos already analysed"]
        else:
            parts = [f"analysed {self.analysed} of {total} photos in {secs:.1f} s"]
        if self.errors:
            parts.append(f"{len(self.errors)} unreadable")
        if self.vanished:
            parts.append(f"{len(self.vanished)} vanished")
        parts.append(f"{n_groups} group{'s' if n_groups != 1 else ''} of 2 or more frames")
        return ", ".join(parts)


def _deep_outputs(model_names: list[str]) -> tuple[list[str], list[str]]:
    """(signal names, embedding names) the given deep models produce (registry.MODELS)."""
    from culler.analysis.registry import MODELS

    specs = [MODELS[n] for n in model_names if n in MODELS]
    return [s for m in specs for s in m.signals], [e for m in specs for e in m.embeddings]
