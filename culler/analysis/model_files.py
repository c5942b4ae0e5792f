"""Where the deep models' files are found, and how they get there (which files: registry.MODELS).

Layout of a models folder (`CULLER_MODELS_DIR`, else `ctx.models_dir`): `<dir>/<model>/<file>`,
e.g. `models/clipiqa/RN50.pt`, plus `<dir>/<model>/manifest.json` recording each installed
file's size and SHA-256. Files the libraries already downloaded into their own caches are used in
place (looked up on disk only, never over the network): `$TORCH_HOME/hub/clip` and `~/.cache/clip`
(CLIP RN50), `$TORCH_HOME/hub/pyiqa` (NIMA), the Hugging Face hub cache (open_clip weights).

Hashes. CLIP RN50: OpenAI publishes its SHA-256 as a path segment of the download URL (openai/CLIP
`clip/clip.py` `_MODELS`, the same URL pyiqa's `clip_model.py` uses). NIMA: the Git LFS object id of
the file in the Hugging Face repo chaofengc/IQA-PyTorch-Weights (commit c753dca; the file name ends
with its first 8 hex digits, BasicSR's naming convention). open_clip ViT-B-32 (LAION-2B): no hash
found in any source at hand, so it is not invented: the download checks the hash Hugging Face
declares for the file (its LFS SHA-256, sent as X-Linked-Etag), and otherwise trusts the first
download, records size and SHA-256 in the manifest and checks the size from then on (trust on
first use). Hashes guard integrity; safety does not depend on them because no file is ever
unpickled with arbitrary code (see deep_clipiqa.py for the TorchScript file).

Import checks every file like a download: the known size and SHA-256, else those the importing
folder's own manifest records (a models folder copied from a machine that downloaded them), else
those recorded here earlier; a symbolic link that leads out of the importing folder is refused.
An installed file that is a link, has the wrong size, or changed since it was installed (mtime
differs, then its SHA-256 is checked) is reported "damaged", with the command that replaces it.
"""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
from collections.abc import Callable, Mapping
from pathlib import Path

from culler.analysis.download import DownloadError, FetchResult, fetch, part_path, sha256_of
from culler.analysis.registry import MODELS, ModelFile, ModelSpec

MANIFEST = "manifest.json"


_MODULE_HINTS = {
    "pkg_resources": "pkg_resources is missing (setuptools >= 81 removed it, and the `clip` package "
                     "CLIP-IQA needs imports it): pip install 'setuptools<81'",
}


# ---------------------------------------------------------------- where files are
def library_cache_roots(environ: Mapping[str, str] | None = None) -> dict[str, Path]:
    """The libraries' own cache folders, computed the way torch and huggingface_hub do (no imports)."""
    env = os.environ if environ is None else environ
    home = Path(env["HOME"]) if env.get("HOME") else Path.home()
    xdg_cache = Path(env["XDG_CACHE_HOME"]) if env.get("XDG_CACHE_HOME") else home / ".cache"
    torch_home = Path(env["TORCH_HOME"]) if env.get("TORCH_HOME") else xdg_cache / "torch"
    hf_home = Path(env["HF_HOME"]) if env.get("HF_HOME") else xdg_cache / "huggingface"
    hf_hub = env.get("HF_HUB_CACHE") or env.get("HUGGINGFACE_HUB_CACHE")
    return {"torch_hub": torch_home / "hub", "home": home,
            "hf_hub": Path(hf_hub) if hf_hub else hf_home / "hub"}


def installed_path(models_dir: Path, model: str, file: ModelFile) -> Path:
    return Path(models_dir) / model / file.name


def _library_candidates(file: ModelFile, environ) -> list[Path]:
    roots = library_cache_roots(environ)
    found: list[Path] = []
    for root_name, pattern in file.library_paths:
        root = roots[root_name]
        found += sorted(root.glob(pattern)) if "*" in pattern else [root / pattern]
    return [p for p in found if p.is_file()]


def read_manifest(models_dir: Path, model: str) -> dict:
    path = Path(models_dir) / model / MANIFEST
    try:
        data = json.loads(path.read_text())
        return data if isinstance(data, dict) else {}
    except (OSError, ValueError):
        return {}


def record_installed(models_dir: Path, model: str, file: ModelFile, size: int, sha256: str | None, source: str,
                     verified_by: str) -> None:
    """Note an installed file's size, SHA-256 and mtime in `<models_dir>/<model>/manifest.json`."""
    manifest = read_manifest(models_dir, model)
    try:
        mtime_ns = installed_path(models_dir, model, file).stat().st_mtime_ns
    except OSError:
        mtime_ns = None
    manifest[file.name] = {"size": size, "sha256": sha256, "source": source, "verified_by": verified_by,
                           "mtime_ns": mtime_ns}
    path = Path(models_dir) / model / MANIFEST
    tmp = path.with_name(MANIFEST + ".tmp")
    tmp.write_text(json.dumps(manifest, indent=2, sort_keys=True))
    os.replace(tmp, path)


def _size_problem(path: Path, file: ModelFile, recorded: dict | None) -> str | None:
    """The size recorded when the file was installed wins (random weights record theirs), else the known size."""
    want = (recorded or {}).get("size", file.size)
    size = path.stat().st_size
    if want is not None and size != want:
        return f"{path} has {size} bytes, expected {want} (download or import it again)"
    return None


def _damage(path: Path, model: str, file: ModelFile, recorded: dict | None) -> str | None:
    """Why an installed file cannot be trusted ("damaged: ..., fix: ..."), or None."""
    fix = f"; replace it with `culler models download {model}` (or `culler models import DIR`)"
    if path.is_symlink():
        return f"damaged: {path} is a link to {os.path.realpath(path)}, not an installed model file{fix}"
    problem = _size_problem(path, file, recorded)
    if problem is None and recorded and recorded.get("sha256") and recorded.get("mtime_ns") is not None \
            and path.stat().st_mtime_ns != recorded["mtime_ns"] and sha256_of(path) != recorded["sha256"]:
        problem = f"{path} changed since it was installed (its SHA-256 no longer matches)"
    return f"damaged: {problem.replace(' (download or import it again)', '')}{fix}" if problem else None


def _file_status(models_dir: Path, model: str, file: ModelFile, environ) -> tuple[Path | None, str | None]:
    """(usable path or None, problem or None) for one file; a missing file gives (None, None)."""
    own = installed_path(models_dir, model, file)
    if own.is_file() or own.is_symlink():
        problem = _damage(own, model, file, read_manifest(models_dir, model).get(file.name))
        return (None, problem) if problem else (own, None)
    problem = None
    for candidate in _library_candidates(file, environ):
        problem = _size_problem(candidate, file, None)
        if problem is None:
            return candidate, None
    return None, problem


def locate(name: str, models_dir: Path, environ: Mapping[str, str] | None = None) -> dict[str, Path] | None:
    """Paths of every file `name` needs ({file name: path}), or None when any is missing or damaged."""
    paths = {}
    for file in MODELS[name].files:
        path, _ = _file_status(Path(models_dir), name, file, environ)
        if path is None:
            return None
        paths[file.name] = path
    return paths


def missing_python_modules(name: str) -> list[str]:
    return [m for m in MODELS[name].python_modules if importlib.util.find_spec(m) is None]


def status(models_dir: Path, environ: Mapping[str, str] | None = None) -> dict[str, str]:
    """{'clipiqa': 'ok'|'missing'|'failed: reason', ...} from files on disk only (no network, no torch)."""
    result = {}
    for name, spec in MODELS.items():
        missing_modules = missing_python_modules(name)
        if missing_modules:
            hints = [_MODULE_HINTS.get(m, f"python package '{m}' is not installed") for m in missing_modules]
            result[name] = "failed: " + "; ".join(hints)
            continue
        state = "ok"
        for file in spec.files:
            path, problem = _file_status(Path(models_dir), name, file, environ)
            if problem:
                state = f"failed: {problem}"
                break
            if path is None:
                state = "missing"
        result[name] = state
    return result


# ---------------------------------------------------------------- getting files
def download(name: str, models_dir: Path, progress: Callable[[int, int | None], None] | None = None,
             timeout: float = 30.0, environ: Mapping[str, str] | None = None) -> list[Path]:
    """Download the files of model `name` into `<models_dir>/<name>/` (resumable, verified).

    Files already present (here or in a library cache) are not downloaded again. Raises
    DownloadError with a message for the user; KeyError for an unknown model name.
    """
    spec = MODELS[name]
    installed = []
    for file in spec.files:
        path, _ = _file_status(Path(models_dir), name, file, environ)
        if path is not None:
            installed.append(path)
            continue
        if not file.url:
            raise DownloadError(f"no download address is known for {file.name}; copy it in with "
                                f"`culler models import DIR`")
        target = installed_path(models_dir, name, file)
        recorded = read_manifest(models_dir, name).get(file.name, {})
        result: FetchResult = fetch(file.url, target, expected_size=file.size or recorded.get("size"),
                                    expected_sha256=file.sha256 or recorded.get("sha256"),
                                    progress=progress, timeout=timeout)
        record_installed(models_dir, name, file, result.size, result.sha256, file.url, result.verified_by)
        installed.append(result.path)
    return installed


def _find_in(src: Path, model: str, file: ModelFile, max_depth: int = 6) -> list[Path]:
    preferred = [src / model / file.name, src / file.name]
    found = [p for p in preferred if os.path.lexists(p)]
    base_depth = len(src.parts)
    for folder, dirs, files in os.walk(src):  # does not follow symlinked folders: no loops
        if len(Path(folder).parts) - base_depth >= max_depth:
            dirs[:] = []
        if file.name in files:
            path = Path(folder) / file.name
            if path not in found:
                found.append(path)
    return found


def _copy_verified(src: Path, target: Path, file: ModelFile, recorded: dict, root: Path) -> tuple[int, str, str]:
    """Copy `src` (found below `root`) to `target` when it is what `file` must be: its size and
    SHA-256 known, or recorded by `root`'s own manifest next to it, or earlier here.
    Returns (size, SHA-256, what verified it)."""
    real_root = os.path.realpath(root)
    real = os.path.realpath(src)
    if os.path.commonpath([real_root, real]) != real_root:
        raise DownloadError(f"{src} is a link to {real}, outside {root}; not imported")
    if not os.path.isfile(real):
        raise DownloadError(f"{src} is not a file; not imported")
    theirs = {}
    try:
        data = json.loads((Path(src).parent / MANIFEST).read_text()).get(file.name)
        theirs = data if isinstance(data, dict) else {}
    except (OSError, ValueError, AttributeError):
        pass
    want_size = file.size if file.size is not None else theirs.get("size", recorded.get("size"))
    want_sha = file.sha256 or theirs.get("sha256") or recorded.get("sha256")
    size = os.path.getsize(real)
    if want_size is not None and size != want_size:
        raise DownloadError(f"{src} has {size} bytes, expected {want_size}; not imported")
    target.parent.mkdir(parents=True, exist_ok=True)
    part = part_path(target)
    shutil.copyfile(real, part)
    sha = sha256_of(part)
    if want_sha is not None and sha != want_sha:
        part.unlink(missing_ok=True)
        raise DownloadError(f"{src} does not match the expected SHA-256 (got {sha[:12]}…, "
                            f"expected {want_sha[:12]}…); not imported")
    os.replace(part, target)
    verified_by = ("known" if file.sha256 else "import manifest" if theirs.get("sha256")
                   else "recorded" if recorded.get("sha256") else "first-use")
    return size, sha, verified_by


def import_dir(src: Path, models_dir: Path, names: tuple[str, ...] | None = None) -> dict[str, str]:
    """Copy model files from `src` into `models_dir`, verified like a download.

    Accepts the models-folder layout (`<src>/<model>/<file>`) and loose files matched by name anywhere
    below `src` (e.g. a copied `~/.cache/torch/hub`). Returns {model: 'imported' | 'already present' |
    'not found' | 'failed: reason'}.
    """
    src, models_dir = Path(src), Path(models_dir)
    if not src.is_dir():
        raise NotADirectoryError(f"{src} is not a folder")
    results = {}
    for name in names or tuple(MODELS):
        outcome = "imported"
        for file in MODELS[name].files:
            target = installed_path(models_dir, name, file)
            candidates = [c for c in _find_in(src, name, file) if c.resolve() != target.resolve()]
            recorded = read_manifest(models_dir, name).get(file.name, {})
            present = target.is_file() and not _damage(target, name, file, recorded)
            if not present:
                recorded = {}  # a damaged file's record vouches for nothing
            if not candidates:
                outcome = "already present" if present else "not found"
                if outcome == "not found":
                    break
                continue
            errors = []
            for candidate in candidates:
                try:
                    size, sha, verified_by = _copy_verified(candidate, target, file, recorded, src)
                except (DownloadError, OSError) as exc:
                    errors.append(str(exc))
                    continue
                record_installed(models_dir, name, file, size, sha, f"import:{candidate}", verified_by)
                errors = []
                break
            if errors:
                outcome = "failed: " + "; ".join(errors)
                break
        results[name] = outcome
    return results


__all__ = ["MODELS", "ModelFile", "ModelSpec", "DownloadError", "status", "locate", "download", "import_dir",
           "library_cache_roots", "read_manifest", "record_installed", "missing_python_modules", "installed_path"]
