"""OpenVINO execution of the deep models: converted from the loaded weights at first use, cached.

Why: on CPUs without AMX (AMD EPYC/Zen 4, most laptops) PyTorch eager runs these models in fp32.
OpenVINO's CPU plugin runs the same graphs faster, and on CPUs with native bf16 instructions
(AVX512_BF16 or AMX) it runs them in bf16 by default. Measured on a 2-core AMD EPYC (AVX512_BF16,
no AMX), 1 thread, batch 8, CPU ms per photo, random weights:

    model                      torch fp32   OpenVINO f32   OpenVINO bf16
    NIMA (InceptionResNetV2)      429           262            137
    CLIP-IQA (RN50, 224 px)       167           133             67
    CLIP ViT-B-32                 112            90             46

ONNX Runtime fp32 was measured too (ENVIRONMENT.md: 127 vs 212 ms for NIMA at 2 threads, about
OpenVINO's f32); it has no bf16 CPU kernels and open_clip's ViT does not export to ONNX
(`_native_multi_head_attention`), so it was not kept. OpenVINO converts the PyTorch modules
directly (`openvino.convert_model`, tracing), ViT included.

What is converted: each scorer's whole function from a 0-1 RGB batch to its output - normalisation,
network and the score formula (CLIP-IQA's text features are constants in the graph) - so a
cached model runs without importing torch, open_clip or pyiqa: that is what makes the models
ready in about a second instead of ~10.

Cache: `<user cache>/culler/openvino/<model>-<sha256 of the weight files>-<format>.xml/.bin`,
written at first use (tens of seconds), never shipped. The weight files' SHA-256 is remembered
per (path, size, mtime) in `hashes.json` so it is not recomputed on every start. A corrupt or
unreadable cache entry is rebuilt. Anything failing here (openvino missing, conversion refused)
makes DeepAnalyzer fall back to PyTorch for that model, with the reason logged.

Precision: 'auto' runs bf16 where the CPU has native bf16 instructions (OpenVINO's
OPTIMIZATION_CAPABILITIES lists BF16: AVX512_BF16 or AMX), else f32; 'fp32' forces f32
(`CULLER_DEEP_PRECISION=fp32`). `precision` of a loaded model says which ran.
"""

from __future__ import annotations

import importlib.util
import json
import logging
import os
import threading
from collections.abc import Callable
from pathlib import Path

import numpy as np

log = logging.getLogger(__name__)

# Bump when what is converted changes (wrappers, input shapes): old cache entries are then ignored.
FORMAT = "v1"
_hash_lock = threading.Lock()


def _openvino():
    """`import openvino`, with its usage telemetry switched off.

    OpenVINO reports its import and every conversion to Google Analytics unless the user opted out
    (`openvino_telemetry`, a dependency of the wheel), and writes ~/intel. A photo app sends nothing
    anywhere. ovc imports that module inside try/except and then uses its own no-op stub: a None
    entry in sys.modules makes the import fail; if openvino was imported before, the stub is put
    in place of the module in ovc's globals."""
    import sys

    if "openvino" not in sys.modules:
        sys.modules["openvino_telemetry"] = None
    import openvino as ov

    try:
        from openvino.tools.ovc import convert_impl, telemetry_stub, telemetry_utils, utils
    except ImportError:  # a release laid out otherwise: nothing more to switch off
        return ov
    convert_impl.tm = telemetry_utils.tm = utils.tm = telemetry_stub
    return ov


def available() -> bool:
    return importlib.util.find_spec("openvino") is not None


def cache_root(environ=None) -> Path:
    import platformdirs

    env = os.environ if environ is None else environ
    if env.get("CULLER_OPENVINO_CACHE"):
        return Path(env["CULLER_OPENVINO_CACHE"])
    return Path(platformdirs.user_cache_dir("culler", appauthor=False)) / "openvino"


def files_digest(files: dict[str, Path], root: Path) -> str:
    """SHA-256 over the weight files (name + content hash), remembered per (path, size, mtime)."""
    from culler.analysis.download import sha256_of

    index_path = root / "hashes.json"
    with _hash_lock:
        try:
            index = json.loads(index_path.read_text())
        except (OSError, ValueError):
            index = {}
        parts, changed = [], False
        for name, path in sorted(files.items()):
            path = Path(path).resolve()
            st = path.stat()
            key = f"{st.st_size}:{st.st_mtime_ns}"
            entry = index.get(str(path))
            if not (isinstance(entry, dict) and entry.get("key") == key):
                entry = {"key": key, "sha256": sha256_of(path)}
                index[str(path)] = entry
                changed = True
            parts.append(f"{name}={entry['sha256']}")
        if changed:
            try:
                root.mkdir(parents=True, exist_ok=True)
                tmp = index_path.with_suffix(f".tmp{os.getpid()}")
                tmp.write_text(json.dumps(index))
                os.replace(tmp, index_path)
            except OSError as exc:  # a read-only cache: hash again next time
                log.warning("could not remember the weight files' hashes in %s: %s", root, exc)
    import hashlib

    return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:32]


class OpenVinoModel:
    """A compiled model: `__call__(batch float32 N x 3 x H x W in 0-1) -> numpy output (N or N x D)`."""

    backend = "openvino"

    def __init__(self, compiled, input_size: int, resample: str, whole_frame: bool, precision: str) -> None:
        self.compiled = compiled
        self.input_size = input_size
        self.resample = resample
        self.whole_frame = whole_frame
        self.precision = precision
        self._request = compiled.create_infer_request()

    def __call__(self, batch: np.ndarray) -> np.ndarray:
        out = self._request.infer({0: np.ascontiguousarray(batch, dtype=np.float32)})
        return np.array(out[0], dtype=np.float32)


def load(name: str, files: dict[str, Path], export: Callable, *, input_size: int, resample: str,
         whole_frame: bool = False, threads: int = 1, precision: str = "auto",
         environ=None) -> OpenVinoModel:
    """The cached OpenVINO model for `name`, converting it first when needed.

    `export()` -> (torch module mapping a 0-1 batch to the output, example input); it is called
    (importing torch and the model libraries) only when the cache has no entry.
    """
    ov = _openvino()
    root = cache_root(environ)
    xml = root / f"{name}-{files_digest(files, root)}-{FORMAT}.xml"
    core = ov.Core()
    model = None
    if xml.exists() and xml.with_suffix(".bin").exists():
        try:
            model = core.read_model(str(xml))
        except Exception as exc:  # noqa: BLE001 - a damaged cache entry is rebuilt, not fatal
            log.warning("cached OpenVINO model %s unreadable (%s); converting again", xml, exc)
    if model is None:
        model = _convert(export, whole_frame)
        try:
            root.mkdir(parents=True, exist_ok=True)
            tmp = xml.with_name(xml.stem + f".tmp{os.getpid()}.xml")
            ov.save_model(model, str(tmp), compress_to_fp16=False)  # keep the exact fp32 weights
            os.replace(tmp.with_suffix(".bin"), xml.with_suffix(".bin"))
            os.replace(tmp, xml)
        except (OSError, RuntimeError) as exc:  # e.g. a read-only cache folder: convert again next time
            log.warning("could not cache the OpenVINO model in %s: %s", root, exc)
    # No pinning: the model groups run in threads of their own (pipeline/deep.py), and OpenVINO pins
    # each one-thread stream to the same first core, so two groups shared one core while the other
    # idled. benchmarks/analysis.py, 240 photos, AMD EPYC: 3.76 photos/s pinned, 5.61 unpinned, at the
    # same CPU time.
    config = {"INFERENCE_NUM_THREADS": max(1, int(threads)), "PERFORMANCE_HINT": "LATENCY",
              "ENABLE_CPU_PINNING": False}
    # Asked for explicitly, not left to OpenVINO's default (which varies between releases and CPUs):
    # on AVX512_BF16 without AMX (AMD Zen 4) bf16 halves the time too, within the tested tolerances.
    native_bf16 = "BF16" in core.get_property("CPU", "OPTIMIZATION_CAPABILITIES")
    config["INFERENCE_PRECISION_HINT"] = "bf16" if precision != "fp32" and native_bf16 else "f32"
    compiled = core.compile_model(model, "CPU", config)
    ran = str(compiled.get_property("INFERENCE_PRECISION_HINT")).lower()
    ran = "bf16" if "bf" in ran else "f16" if "f16" in ran else "fp32"
    return OpenVinoModel(compiled, input_size, resample, whole_frame, ran)


def _convert(export: Callable, whole_frame: bool):
    import warnings

    import torch

    ov = _openvino()
    module, example = export()
    shape = [-1, 3, -1, -1] if whole_frame else [-1, 3, example.shape[2], example.shape[3]]
    with torch.no_grad(), warnings.catch_warnings():
        # the tracer's notes on shape checks inside open_clip/pyiqa; the outputs are tested
        warnings.simplefilter("ignore", torch.jit.TracerWarning)
        return ov.convert_model(module, example_input=example, input=[ov.PartialShape(shape)])
