"""Test-wide set-up: headless Qt, no network lookups, user directories kept inside a temp folder.

torch is not imported here: the headless subset (`./dev.sh test tests/core`) runs without it. The
torchvision fix (culler.analysis.tv_compat) still runs before anything imports torchvision, through
an import hook that fires on the first `import torchvision`.
"""

from __future__ import annotations

import atexit
import os
import shutil
import sys
import tempfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))  # so tests can import benchmarks.photo_factory

# Must be set before any QApplication exists: without a display Qt would abort the process.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
# Never wait on a Hugging Face lookup (each failed one hangs ~47 s here).
os.environ["HF_HUB_OFFLINE"] = "1"
os.environ.pop("CULLER_MODELS_DIR", None)


def _remove_home(home: Path, owner_pid: int) -> None:
    """Delete the run's temp home at exit (each run used to leave one in /tmp), ignoring errors.
    Folders a test made read-only (chmod 0o500, 0o000) get their permissions back first, or an
    ordinary user could neither list nor empty them."""
    if os.getpid() != owner_pid:
        return  # a forked child exiting: the home still belongs to the test run
    try:
        os.chmod(home, 0o700)
        for folder, subfolders, _files in os.walk(home):
            for name in subfolders:
                path = os.path.join(folder, name)
                try:
                    if not os.path.islink(path):  # never chmod what a link points at outside
                        os.chmod(path, 0o700)
                except OSError:
                    pass
    except OSError:
        pass
    shutil.rmtree(home, ignore_errors=True)


_home = Path(tempfile.mkdtemp(prefix="culler-tests-home-"))
atexit.register(_remove_home, _home, os.getpid())
for var in ("XDG_CACHE_HOME", "XDG_DATA_HOME", "XDG_CONFIG_HOME", "XDG_STATE_HOME"):
    os.environ[var] = str(_home / var.lower())
os.environ["TORCH_HOME"] = str(_home / "torch")
os.environ["HF_HOME"] = str(_home / "hf")



@pytest.fixture(scope="session")
def clip_dir(tmp_path_factory):
    """A models folder with only CLIP's weights (random-initialised, the real architecture)."""
    from benchmarks.random_weights import write_all

    out = tmp_path_factory.mktemp("clip-only")
    write_all(out, names=("clip",))
    return out


class _TorchvisionFirst:
    """A meta-path finder that only watches: the first time anything imports torchvision, define
    its missing operator schemas first (tv_compat.ensure), then let the normal finders load it."""

    def __init__(self) -> None:
        self.done = False

    def find_spec(self, name, path=None, target=None):
        if name == "torchvision" and not self.done:
            from culler.analysis import tv_compat

            if tv_compat._lock.locked():  # ensure() itself is looking torchvision up: let it
                return None
            self.done = True
            tv_compat.ensure()
        return None


sys.meta_path.insert(0, _TorchvisionFirst())
