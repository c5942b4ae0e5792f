"""Where the deep models run: CUDA, else Apple MPS, else the CPU; CULLER_DEVICE=cpu forces the CPU.

torch is imported (~2 s) only when an accelerator could be there, so a CPU-only machine running the
models on OpenVINO never pays for it. CUDA and MPS run the PyTorch path; neither was available on the
machines culler was measured on, so those paths are written but unverified.
"""

from __future__ import annotations

import importlib.util
import os
from collections.abc import Mapping
from pathlib import Path

DEVICE_ENV = "CULLER_DEVICE"


def _accelerator_possible() -> bool:
    """Whether CUDA or MPS could be there, without importing torch (~2 s): a CUDA build of torch
    (read from its version.py) and an NVIDIA driver, or an Apple Silicon Mac."""
    import platform
    import sys

    if sys.platform == "darwin" and platform.machine() == "arm64":
        return True
    spec = importlib.util.find_spec("torch")
    if spec is None or not spec.origin:
        return False
    try:
        version = (Path(spec.origin).parent / "version.py").read_text()
    except OSError:
        return True  # cannot tell: let torch answer
    cuda_build = "cuda: Optional[str] = None" not in version and "cuda = None" not in version
    return cuda_build and Path("/proc/driver/nvidia").exists()


def choose_device(preferred: str | None = None, environ: Mapping[str, str] | None = None) -> str:
    """'cuda', else 'mps', else 'cpu'; `preferred` or CULLER_DEVICE (e.g. 'cpu') decides when given.
    Imports torch only when an accelerator could be present."""
    env = os.environ if environ is None else environ
    preferred = preferred or env.get(DEVICE_ENV, "").strip().lower() or None
    if preferred:
        return preferred
    if not _accelerator_possible():
        return "cpu"
    import torch

    if torch.cuda.is_available():
        return "cuda"
    mps = getattr(torch.backends, "mps", None)
    if mps is not None and mps.is_available():
        return "mps"
    return "cpu"
