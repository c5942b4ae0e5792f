"""Deep signals for a batch of decoded photos: CLIP-IQA, NIMA, an open_clip embedding and any
pyiqa metric registered since - every model in registry.MODELS, built by its `builder` class.

`DeepAnalyzer(models_dir)` builds only the models whose files are on disk (`model_files.locate`);
a model without files is reported 'missing' and skipped, and with no model files at all `run` returns
empty results without importing torch. Nothing here touches the network: HF_HUB_OFFLINE=1 is set
before open_clip/timm/pyiqa are imported, architectures are built without pretrained downloads and
weights come from local files only (see deep_clipiqa.py, deep_nima.py, deep_clip.py, deep_pyiqa.py).

Inputs: RGB uint8 arrays of any size, decoded once by the caller (a ~1024 px decode is plenty).
Each model gets the input its registry entry names, made here with Pillow (antialiased, fast on uint8):
- clipiqa: the WHOLE frame, short side 224 bicubic (3:2 -> 224 x 336), nothing cropped: its
  attention pool has no positional embedding, so any size is valid; text prompts encoded once.
  pyiqa's `metric(path)` runs it at full resolution (27-32 s per 12 MP photo, here ~90 ms).
- nima: 299 x 299 (short side 299 bilinear, centre crop) - what pyiqa's NIMA does itself.
- clip: 224 x 224 centre crop (open_clip's ViT-B-32 preprocessing) -> 512-d unit vector.
Photos run in batches (default 8), one batch per input shape (whole frames differ in aspect).

Execution (`paths` says which ran, e.g. {'nima': 'openvino bf16'}):
- on the CPU, OpenVINO when installed (deep_openvino.py): each model converted from the loaded
  weights at first use, cached by the weight files' hash, bf16 where the CPU has native bf16
  (AVX512_BF16 or AMX), else f32; 2-3x faster than PyTorch and ready without importing torch.
- PyTorch otherwise (`backend='torch'` or CULLER_DEEP_BACKEND=torch, openvino missing, a
  conversion that fails, or a CUDA/MPS device): exact fp32, or the bf16 fast path on AMX CPUs
  (deep_precision.py).
CULLER_DEEP_PRECISION=fp32 (or precision='fp32') forces exact fp32 on either. The tolerances against
exact fp32 (NIMA <= 0.02 on 1-10, CLIP-IQA <= 0.005, embedding cosine >= 0.999) are tested.
Device: CUDA, else Apple MPS, else the CPU; CULLER_DEVICE=cpu forces the CPU. The accelerator
paths are written for but not exercised on the machines this was built on (no GPU): unverified.

Threads: the analysis runs in a background thread while the GUI decodes thumbnails and paints, so
the default leaves one core free: max(1, cores - 1). With PyTorch on contended cores (benchmarks/deep.py
on 2 cores at load ~10) 2 threads were 2.5x SLOWER than 1: torch's worker threads spin-wait for a
core; pipeline/deep.py therefore runs model groups side by side with one thread each.
"""

from __future__ import annotations

import importlib
import logging
import os
import threading
from collections.abc import Mapping
from pathlib import Path

import numpy as np

from culler.analysis import model_files, registry
from culler.analysis.deep_torch import prepare_offline_imports

log = logging.getLogger(__name__)


def default_threads() -> int:
    return max(1, (os.cpu_count() or 1) - 1)


BACKEND_ENV = "CULLER_DEEP_BACKEND"


def as_rgb_uint8(image: np.ndarray) -> np.ndarray:
    """Accept grey, RGBA and float images too; raise ValueError for anything that is not an image."""
    a = np.asarray(image)
    if a.ndim == 2:
        a = np.stack([a] * 3, axis=-1)
    if a.ndim != 3 or a.shape[2] not in (1, 3, 4) or a.shape[0] < 1 or a.shape[1] < 1:
        raise ValueError(f"not an RGB image (shape {a.shape})")
    if a.shape[2] == 1:
        a = np.repeat(a, 3, axis=2)
    a = a[..., :3]
    if a.dtype == np.uint16:
        a = (a >> 8).astype(np.uint8)
    elif a.dtype != np.uint8:
        scale = 255.0 if np.issubdtype(a.dtype, np.floating) and float(np.nanmax(a)) <= 1.0 else 1.0
        a = np.clip(np.nan_to_num(a.astype(np.float32) * scale), 0, 255).astype(np.uint8)
    return np.ascontiguousarray(a)


def _resize_short_side(image, size: int, resample: str):
    """Short side to `size`, the long side as torchvision's `resize(int)` rounds it (pyiqa, open_clip)."""
    from PIL import Image

    w, h = image.size
    short, long = (w, h) if w <= h else (h, w)
    long_new = int(size * long / short)
    new_w, new_h = (size, long_new) if w <= h else (long_new, size)
    filt = Image.Resampling.BICUBIC if resample == "bicubic" else Image.Resampling.BILINEAR
    return image.resize((new_w, new_h), filt, reducing_gap=3.0) if (new_w, new_h) != (w, h) else image


def _to_chw(image) -> np.ndarray:
    return np.asarray(image, dtype=np.float32).transpose(2, 0, 1) / 255.0


def square_crop(image, size: int, resample: str) -> np.ndarray:
    """Short side resized to `size`, centre crop to size x size; returns 3 x size x size float32 in 0-1.

    `image` is a PIL image. The crop offsets follow torchvision's `center_crop`.
    """
    resized = _resize_short_side(image, size, resample)
    new_w, new_h = resized.size
    left = int(round((new_w - size) / 2.0))
    top = int(round((new_h - size) / 2.0))
    return _to_chw(resized.crop((left, top, left + size, top + size)))


def whole_frame(image, size: int, resample: str) -> np.ndarray:
    """Short side resized to `size`, nothing cropped: 3 x H x W float32 in 0-1."""
    return _to_chw(_resize_short_side(image, size, resample))


def prepare(image, model) -> np.ndarray:
    """The input `model` (a scorer or a loaded model) takes for a PIL image."""
    shape = whole_frame if getattr(model, "whole_frame", False) else square_crop
    return shape(image, model.input_size, model.resample)


def _prepare_all(image, keys) -> dict[tuple, np.ndarray]:
    """{input key: array} for one PIL image, resizing once per (size, resampling): CLIP-IQA's whole
    frame and the embedding's centre crop share their 224 px bicubic resize."""
    resized: dict[tuple, object] = {}
    out = {}
    for size, resample, whole in keys:
        r = resized.get((size, resample))
        if r is None:
            r = resized[(size, resample)] = _resize_short_side(image, size, resample)
        out[(size, resample, whole)] = _to_chw(r) if whole else square_crop(r, size, resample)
    return out


def _input_key(model) -> tuple:
    return model.input_size, model.resample, getattr(model, "whole_frame", False)


class TorchModel:
    """A PyTorch scorer behind the same call as an OpenVinoModel: numpy batch in, numpy out."""

    backend = "torch"

    def __init__(self, scorer, device: str, spec: registry.ModelSpec) -> None:
        self.scorer = scorer
        self.device = device
        self.input_size = spec.input_size
        self.resample = spec.resample
        self.whole_frame = spec.whole_frame
        self.precision = scorer.precision

    def __call__(self, batch: np.ndarray) -> np.ndarray:
        import torch

        x = torch.from_numpy(batch).to(self.device)
        with torch.inference_mode():
            fn = getattr(self.scorer, "embed", None) or self.scorer.score
            return fn(x).float().cpu().numpy()


class DeepAnalyzer:
    """Runs the deep models that have files. Construction is cheap; models load on first use.

    `status()` -> {name: 'ok' | 'missing' | 'failed: reason'}; `available()` -> names that run;
    `run(images)` -> per image `({'clipiqa': 0-1, 'nima': 1-10}, {'clip': float32[512] unit vector})`,
    with keys only for the models available; `paths` -> {name: 'openvino bf16' | 'torch fp32' | ...},
    how each model ran. Thread-safe (one lock); not re-entrant across processes.

    backend: 'auto' (OpenVINO on the CPU when installed, else PyTorch) or 'torch' (argument, else
    CULLER_DEEP_BACKEND). A model OpenVINO cannot convert runs on PyTorch, the reason logged.
    """

    def __init__(self, models_dir: Path, names=None, threads: int | None = None, *,
                 device: str | None = None, batch_size: int = 8, environ: Mapping[str, str] | None = None,
                 precision: str | None = None, backend: str | None = None):
        from culler.analysis.deep_precision import requested_precision

        names = tuple(registry.MODELS) if names is None else names  # None: every registered model
        unknown = [n for n in names if n not in registry.MODELS]
        if unknown:
            raise ValueError(f"unknown model(s): {', '.join(unknown)}")
        # 'auto' | 'fp32' asked for (argument, else CULLER_DEEP_PRECISION); `precision` is what runs
        # ('bf16' | 'fp32'), known once the models are built.
        self.requested_precision = requested_precision(precision, environ)
        self._environ = environ
        env = os.environ if environ is None else environ
        self.backend = (backend or env.get(BACKEND_ENV, "") or "auto").strip().lower()
        if self.backend not in ("auto", "torch"):
            raise ValueError(f"backend must be 'auto' or 'torch', not {self.backend!r}")
        self.precision: str | None = None
        self.paths: dict[str, str] = {}
        self.models_dir = Path(models_dir)
        self.names = tuple(names)
        self.threads = threads if threads is not None else default_threads()
        self.batch_size = max(1, int(batch_size))
        self._preferred_device = device
        self.device: str | None = None
        file_status = model_files.status(self.models_dir, environ)
        self._status = {n: file_status[n] for n in self.names}
        self._files = {n: model_files.locate(n, self.models_dir, environ) for n in self.names
                       if self._status[n] == "ok"}
        self._models: dict | None = None
        self._lock = threading.Lock()

    # ------------------------------------------------------------ building
    def _build(self) -> None:
        if self._models is not None:
            return
        self._models = {}
        if not self._files:
            return
        from culler.analysis.deep_device import choose_device

        self.device = choose_device(self._preferred_device, self._environ)
        from culler.analysis import deep_openvino

        use_openvino = self.backend == "auto" and self.device == "cpu" and deep_openvino.available()
        for name, files in self._files.items():
            model = None
            if use_openvino and hasattr(builder(registry.MODELS[name]), "export"):
                model = self._build_openvino(name, files)
            if model is None:
                try:
                    model = self._build_torch(name, files)
                except Exception as exc:  # any failure: report it, keep the other models
                    log.warning("deep model %s could not be built: %s", name, exc, exc_info=True)
                    self._status[name] = f"failed: {type(exc).__name__}: {exc}"
                    continue
            self._models[name] = model
            self.paths[name] = f"{model.backend} {model.precision}"
        precisions = {m.precision for m in self._models.values()}
        self.precision = "bf16" if "bf16" in precisions else "fp32" if precisions else None

    def _build_openvino(self, name: str, files):
        from culler.analysis import deep_openvino

        spec = registry.MODELS[name]

        def export():
            prepare_offline_imports()
            import torch

            torch.set_num_threads(self.threads)
            return builder(spec)(spec, files, torch.device("cpu"), "fp32").export()

        try:
            return deep_openvino.load(name, files, export, input_size=spec.input_size, resample=spec.resample,
                                      whole_frame=spec.whole_frame, threads=self.threads,
                                      precision=self.requested_precision, environ=self._environ)
        except Exception as exc:  # noqa: BLE001 - PyTorch runs the model instead
            log.warning("OpenVINO cannot run %s (%s: %s); using PyTorch", name, type(exc).__name__, exc)
            return None

    def _build_torch(self, name: str, files) -> TorchModel:
        prepare_offline_imports()
        import torch

        from culler.analysis.deep_precision import choose_precision

        torch.set_num_threads(self.threads)
        device = torch.device(self.device)
        precision = choose_precision(device, self.requested_precision)
        spec = registry.MODELS[name]
        return TorchModel(builder(spec)(spec, files, device, precision), self.device, spec)

    def status(self) -> dict[str, str]:
        with self._lock:
            self._build()
            return dict(self._status)

    def available(self) -> list[str]:
        with self._lock:
            self._build()
            return [n for n in self.names if n in self._models]

    def close(self) -> None:
        """Free the models' memory (they are rebuilt on the next use)."""
        with self._lock:
            self._models = None

    # ------------------------------------------------------------ running
    def run(self, images: list[np.ndarray]) -> list[tuple[dict[str, float], dict[str, np.ndarray]]]:
        results: list[tuple[dict, dict]] = [({}, {}) for _ in images]
        if not images:
            return results
        with self._lock:
            self._build()
            if not self._models:
                return results
            for start in range(0, len(images), self.batch_size):
                self._run_batch(images[start:start + self.batch_size], results[start:start + self.batch_size])
        return results

    def _run_batch(self, images, results) -> None:
        from PIL import Image

        models = {_input_key(m): m for m in self._models.values()}
        inputs: dict[tuple, list] = {key: [] for key in models}
        ok: list[int] = []
        for i, image in enumerate(images):
            try:
                pil = Image.fromarray(as_rgb_uint8(image))
                prepared = _prepare_all(pil, models)
            except (ValueError, TypeError, OSError) as exc:
                log.warning("deep models skip an image: %s", exc)
                continue
            ok.append(i)
            for key, array in prepared.items():
                inputs[key].append(array)
        if not ok:
            return
        for name, model in list(self._models.items()):
            try:
                outputs = _run_by_shape(model, inputs[_input_key(model)])
            except Exception as exc:  # e.g. out of memory: stop using this model, keep the others
                log.warning("deep model %s failed: %s", name, exc, exc_info=True)
                self._status[name] = f"failed: {type(exc).__name__}: {exc}"
                del self._models[name]
                continue
            spec = registry.MODELS[name]
            for i, value in zip(ok, outputs):
                for embedding in spec.embeddings:
                    results[i][1][embedding] = np.asarray(value, dtype=np.float32)
                for signal in spec.signals:
                    results[i][0][signal] = float(value)


def builder(spec: registry.ModelSpec):
    """The class that builds the model (`spec.builder`, 'module:Class'), imported now."""
    module, _, name = spec.builder.partition(":")
    return getattr(importlib.import_module(module), name)


def _run_by_shape(model, arrays: list[np.ndarray]) -> list:
    """Run `model` on the arrays, one batch per input shape (whole frames differ in aspect);
    returns the outputs in the arrays' order."""
    outputs: list = [None] * len(arrays)
    by_shape: dict[tuple, list[int]] = {}
    for j, array in enumerate(arrays):
        by_shape.setdefault(array.shape, []).append(j)
    for indices in by_shape.values():
        values = model(np.stack([arrays[j] for j in indices]))
        for j, value in zip(indices, values):
            outputs[j] = value
    return outputs
