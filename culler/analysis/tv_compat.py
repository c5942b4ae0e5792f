"""Make torchvision importable on a CPU-only torch whose torchvision has no loadable C extension.

torchvision 0.28.0 is published only as a CUDA build; on CPU torch its extension fails to load
and its Python side then registers fake kernels for ``torchvision::nms``/``qnms``, operators that
were never defined, so ``import torchvision`` (and open_clip, timm, pyiqa) raise
``RuntimeError: operator torchvision::nms does not exist``. Defining the two schemas first lets
the pure-Python parts (transforms, models) work; ``torchvision.ops`` stays unusable, so culler
decodes with Pillow/OpenCV. ``ensure()`` must run before anything imports torchvision.
It is thread-safe: threads calling it at once (e.g. the analysis thread and a test's or a tool's
own thread) define the schemas once; a second definition would raise.
"""

from __future__ import annotations

import importlib.machinery
import sys
import threading

_library = None  # keeps the torch.library.Library alive: dropping it would undefine the ops
_lock = threading.Lock()  # one definer at a time: the check and the definition must be one step


def _extension_loads() -> bool:
    # The path finder alone: where torchvision lies on disk, without running (and re-entering)
    # import hooks that may themselves call ensure() the first time torchvision is looked up.
    spec = importlib.machinery.PathFinder.find_spec("torchvision")
    if spec is None or not spec.submodule_search_locations:
        return True  # no torchvision: nothing to fix
    from pathlib import Path

    import torch

    for folder in spec.submodule_search_locations:
        for lib in Path(folder).glob("_C*.so"):
            try:
                torch.ops.load_library(str(lib))
                return True
            except (OSError, RuntimeError):
                return False
        if any(Path(folder).glob("_C*.pyd")):
            return True
    return False


def ensure() -> None:
    """Define torchvision's operator schemas when its compiled extension cannot provide them."""
    global _library
    if _library is not None:
        return
    with _lock:
        if _library is not None or "torchvision" in sys.modules:
            return
        if _extension_loads():
            return
        import torch

        lib = torch.library.Library("torchvision", "DEF")
        lib.define("nms(Tensor dets, Tensor scores, float iou_threshold) -> Tensor")
        lib.define("qnms(Tensor qdets, Tensor scores, float iou_threshold) -> Tensor")
        _library = lib
