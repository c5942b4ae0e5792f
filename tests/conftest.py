"""Test-wide set-up: headless Qt, no network lookups, user directories kept inside a temp folder."""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))  # so tests can import benchmarks.photo_factory

# Must be set before any QApplication exists: without a display Qt would abort the process.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
# Never wait on a Hugging Face lookup (each failed one hangs ~47 s here).
os.environ["HF_HUB_OFFLINE"] = "1"
os.environ.pop("CULLER_MODELS_DIR", None)
_home = Path(tempfile.mkdtemp(prefix="culler-tests-home-"))
for var in ("XDG_CACHE_HOME", "XDG_DATA_HOME", "XDG_CONFIG_HOME", "XDG_STATE_HOME"):
    os.environ[var] = str(_home / var.lower())
os.environ["TORCH_HOME"] = str(_home / "torch")
os.environ["HF_HOME"] = str(_home / "hf")

# torchvision must be importable on CPU torch before anything imports it (see tv_compat).
from culler.analysis import tv_compat  # noqa: E402

tv_compat.ensure()
