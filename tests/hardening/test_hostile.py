"""Hostile files: XMP sidecars that try entity expansion or to read other files, model files that
try to run code when loaded, and export names crafted to write outside the chosen folder.
"""

from __future__ import annotations

import os
import pickle
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from benchmarks.photo_factory import real_photo, resize, write_jpeg
from tests.hardening.corpus import BILLION_LAUGHS, external_entity_sidecar

# Files opened while `_watch` is on (Python's audit hook: every open() of the process, C code too
# when it goes through Python's io; expat would need Python to open an external entity).
_opened: list[str] | None = None


def _audit(event: str, args) -> None:
    if _opened is not None and event == "open" and args and isinstance(args[0], (str, bytes, os.PathLike)):
        _opened.append(os.fsdecode(args[0]))


sys.addaudithook(_audit)


class _Watch:
    def __enter__(self):
        global _opened
        _opened = []
        return _opened

    def __exit__(self, *exc):
        global _opened
        _opened = None


def test_sidecars_with_entity_expansion_or_external_entities_are_refused_with_a_reason(tmp_path):
    from culler.core import album, xmp

    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET")
    img = resize(real_photo("astronaut"), 120, 120)
    write_jpeg(tmp_path / "laughs.jpg", img)
    write_jpeg(tmp_path / "xxe.jpg", img)
    (tmp_path / "laughs.xmp").write_text(BILLION_LAUGHS)
    (tmp_path / "xxe.xmp").write_text(external_entity_sidecar(secret))
    (tmp_path / "xxe_param.xmp").write_text(
        f'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY % p SYSTEM "file://{secret}"> %p;]><x/>')

    for name in ("laughs.xmp", "xxe.xmp", "xxe_param.xmp"):
        with _Watch() as opened:
            started = time.perf_counter()
            decision, problem = xmp.read_sidecar_checked(tmp_path / name)
            took = time.perf_counter() - started
        assert decision is None and problem, name
        assert "entit" in problem.lower() or "dtd" in problem.lower() or "unsafe" in problem.lower(), problem
        assert "TOP-SECRET" not in problem and str(secret) not in opened, (name, opened)
        assert took < 1.0, f"{name} took {took:.1f} s"
        assert xmp.read_sidecar(tmp_path / name) is None

    problems = {}
    photos = album.scan(tmp_path, on_error=lambda rel, reason: problems.setdefault(rel, reason))
    assert {p.path: p.status for p in photos} == {"laughs.jpg": "ok", "xxe.jpg": "ok"}
    assert all(p.sidecar_decision is None for p in photos)
    assert set(problems) == {"laughs.xmp", "xxe.xmp"}  # each named with its reason (the photo still opens)

    from culler.core.records import Decision

    before = (tmp_path / "laughs.xmp").read_bytes()
    with pytest.raises(xmp.SidecarError):
        xmp.write_sidecar(tmp_path / "laughs.xmp", Decision("pick", 3))
    assert (tmp_path / "laughs.xmp").read_bytes() == before  # never overwritten


class Payload:
    """Unpickling this runs `touch MARKER` (if anything ever unpickles it unrestricted)."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self):
        return (os.system, (f"touch '{self.marker}'",))


def _hostile_models_dir(folder: Path, marker: Path) -> Path:
    """Every model file replaced by a pickle with a code-running payload, with manifests that
    vouch for their sizes (an attacker who can write the folder can write those too)."""
    import torch

    from culler.analysis import model_files

    for name, spec in model_files.MODELS.items():
        for file in spec.files:
            path = model_files.installed_path(folder, name, file)
            path.parent.mkdir(parents=True, exist_ok=True)
            if file.name.endswith(".safetensors"):
                import pickle

                path.write_bytes(pickle.dumps({"visual.proj": Payload(marker)}))
            else:
                torch.save({"params": {"w": Payload(marker)}}, path)  # pickles, runs nothing
            model_files.record_installed(folder, name, file, path.stat().st_size, None, "test", "test")
    return folder


def test_model_files_that_carry_code_are_refused_and_the_code_never_runs(tmp_path, monkeypatch):
    from culler.analysis import model_files
    from culler.core.store import Store
    from culler.pipeline import Pipeline

    marker = tmp_path / "PAYLOAD-RAN"
    models = _hostile_models_dir(tmp_path / "models", marker)
    assert set(model_files.status(models).values()) == {"ok"}  # sizes vouched for: the loaders get them

    album = tmp_path / "album"
    base = resize(real_photo("coffee"), 200, 150)
    for i in range(3):
        write_jpeg(album / f"IMG_{i}.jpg", np.roll(base, 9 * i, axis=0))
    from culler.context import AppContext

    monkeypatch.setenv("CULLER_MODELS_DIR", str(models))
    ctx = AppContext.from_environment()
    assert Path(ctx.models_dir) == models
    store = Store.open(album, ctx.data_dir)
    pipeline = Pipeline(album, store, ctx, signals="all", threads=1)
    last = pipeline.run_to_end()

    assert not marker.exists(), "a model file ran code"
    assert last.stage == "done"
    assert all(state.startswith("failed") for state in pipeline.model_status.values()), pipeline.model_status
    signals = store.all_signals()
    assert len(signals) == 3 and all(s.get("sharpness") is not None for s in signals.values())
    store.close()

    # and each loader on its own (the paths the DeepAnalyzer takes)
    from culler.analysis.deep_clipiqa import load_rn50_state_dict

    files = {n: model_files.locate(n, models) for n in model_files.MODELS}
    with pytest.raises(ValueError):
        load_rn50_state_dict(next(iter(files["clipiqa"].values())))
    import torch

    with pytest.raises(pickle.UnpicklingError):
        torch.load(next(iter(files["nima"].values())), map_location="cpu", weights_only=True)
    assert not marker.exists()


def _files_outside(root: Path, dest: Path) -> set[str]:
    out = set()
    for folder, _dirs, files in os.walk(root):
        if Path(folder) == dest or dest in Path(folder).parents or ".culler" in Path(folder).parts:
            continue  # the destination, and culler's own session folder (export journals)
        out.update(os.path.join(folder, f) for f in files)
    return out


def test_export_names_cannot_escape_the_destination(tmp_path, capsys):
    from culler.__main__ import main

    album = tmp_path / "album"
    img = resize(real_photo("rocket"), 120, 90)
    names = ["..jpg", "...jpg", "..\\..\\evil.jpg", " .jpg", "-rf.jpg", "$(touch pwned).jpg"]
    from datetime import datetime

    day = datetime(2024, 1, 1, 10, 0, 0)  # the date layout's folder is a symlink out of dest
    for i, name in enumerate(names):
        write_jpeg(album / name, np.roll(img, i, axis=1), captured_at=day)
    write_jpeg(album / "sub" / "IMG_1.jpg", img, captured_at=day)
    dest = tmp_path / "dest"
    outside = tmp_path / "outside"
    outside.mkdir()
    dest.mkdir()
    (dest / "2024-01-01").symlink_to(outside)  # a symlink inside the destination pointing out
    (dest / "album").symlink_to(outside)
    before = _files_outside(tmp_path, dest)

    templates = ["../../{name}", "/etc/{name}", "{name}/../../x", "..", "..\\..\\{name}",
                 "{name}\x00", "{camera}/{name}", "{date:../%Y}", "{date:%Y/../../..}"]
    results = []
    for template in templates:
        for layout in ("flat", "album", "date"):
            code = main(["export", str(album), "--to", str(dest), "--select", "all", "-r",
                         "--name", template, "--layout", layout])  # in-process: any exception fails
            err = capsys.readouterr().err
            assert code == 0 or "culler export:" in err, (template, layout, err)
            results.append(code)
    assert _files_outside(tmp_path, dest) == before, "an export wrote outside the destination"
    assert not any(outside.iterdir()) and not (Path.cwd() / "pwned").exists()
    assert 0 in results  # the harmless ones did export (inside dest)
    assert any(c != 0 for c in results)  # the date and album layouts met the symlinks: refused
    for path in dest.rglob("*"):
        assert path.resolve().is_relative_to(dest.resolve()) or path.is_symlink()
