"""The desktop bundle and what ships with it: the .desktop entry, the app icons, the About dialog's
licence list, and (slow, opt-in) the built bundle starting on the demo album and saving a screenshot.

The bundle test runs when CULLER_TEST_BUNDLE=1 (it builds dist/culler/ first if missing: a few
minutes) or when dist/culler/ already exists; otherwise it is skipped.
"""

from __future__ import annotations

import configparser
import os
import shutil
import subprocess
import sys
import time
import tomllib
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from culler.ui.window import about

ROOT = Path(__file__).resolve().parents[1]
ICON_DIR = ROOT / "resources" / "icons" / "app"
DESKTOP = ROOT / "resources" / "culler.desktop"
BUNDLE = ROOT / "dist" / "culler"
BUNDLE_EXE = BUNDLE / ("culler.exe" if sys.platform == "win32" else "culler")
PNG_SIZES = (16, 32, 48, 64, 128, 256, 512)


# --- the desktop entry ------------------------------------------------------------------------

def _desktop_entry() -> dict[str, str]:
    parser = configparser.ConfigParser(interpolation=None, strict=True)
    parser.optionxform = str  # keys are case-sensitive in desktop entries
    parser.read(DESKTOP, encoding="utf-8")
    return dict(parser["Desktop Entry"])


def test_desktop_entry_launches_culler_with_its_icon():
    entry = _desktop_entry()
    assert entry["Type"] == "Application"
    assert entry["Name"] == "culler"
    assert entry["Exec"].split()[0] == "culler"
    assert entry["Terminal"] == "false"
    assert "Photography" in entry["Categories"].split(";") and entry["Categories"].endswith(";")
    # the Icon= name is what packaging installs into the hicolor theme from resources/icons/app
    assert entry["Icon"] == "culler" and (ICON_DIR / "culler-256.png").is_file()


@pytest.mark.skipif(shutil.which("desktop-file-validate") is None,
                    reason="desktop-file-validate not installed (Debian: desktop-file-utils)")
def test_desktop_entry_passes_desktop_file_validate():
    result = subprocess.run(["desktop-file-validate", str(DESKTOP)], capture_output=True, text=True)
    assert result.returncode == 0 and result.stdout.strip() == "", result.stdout + result.stderr


# --- icons ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("size", PNG_SIZES)
def test_each_png_icon_is_the_size_it_claims_with_a_transparent_corner(size):
    with Image.open(ICON_DIR / f"culler-{size}.png") as im:
        assert im.format == "PNG" and im.size == (size, size)
        rgba = np.asarray(im.convert("RGBA"))
    assert rgba[0, 0, 3] == 0, "the rounded square leaves the corner transparent"
    assert rgba[size // 2, size // 2, 3] == 255 and rgba[..., :3].std() > 20, "the icon is drawn, not blank"


def test_windows_ico_and_macos_icns_carry_every_size():
    with Image.open(ICON_DIR / "culler.ico") as ico:
        assert {(s, s) for s in (16, 32, 48, 256)} <= set(ico.info["sizes"])
    with Image.open(ICON_DIR / "culler.icns") as icns:
        sizes = {(w, h) for w, h, _scale in icns.info["sizes"]}
        assert {(16, 16), (32, 32), (128, 128), (256, 256), (512, 512)} <= sizes


def test_svg_source_is_a_square_512_canvas():
    from defusedxml import ElementTree

    svg = ElementTree.parse(ICON_DIR / "culler.svg").getroot()
    assert svg.tag.endswith("svg") and svg.get("viewBox") == "0 0 512 512"


# --- the About dialog's licences ----------------------------------------------------------------

def _declared_dependencies() -> set[str]:
    deps = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    names = {d.split(";")[0].split("[")[0].split(">")[0].split("<")[0].split("=")[0].strip() for d in deps}
    return {about._normalise(n) for n in names} | {"pyiqa"}  # pyiqa: installed --no-deps


def test_about_lists_every_bundled_library_with_a_licence():
    rows = about.licence_rows()
    listed = {about._normalise(name): (version, licence) for name, version, licence in rows}
    missing = sorted(_declared_dependencies() - set(listed))
    assert missing == []
    assert [name for name, (_v, licence) in listed.items() if not licence.strip()] == []
    assert all(version for version, _licence in listed.values())
    # the transitive requirements are bundled too (e.g. torch needs sympy; open_clip needs ftfy)
    assert {"sympy", "ftfy", "huggingface-hub"} <= set(listed)
    assert "pytest" not in listed and "culler" not in listed


def test_about_states_pyiqa_noncommercial_terms_and_the_heif_binary_licence():
    rows = {about._normalise(n): lic for n, _v, lic in about.licence_rows()}
    assert rows["pyiqa"] == "PolyForm-Noncommercial-1.0.0"  # what pyiqa 0.1.16's metadata says
    assert "GPLv2" in rows["pillow-heif"] and "libheif" in rows["pillow-heif"]
    assert "LibRaw" in rows["rawpy"]
    assert rows["pyside6-essentials"].startswith("LGPL-3.0")
    restricted = {about._normalise(n) for n, _v, _l in about.restricted_rows()}
    assert {"pyiqa", "pillow-heif"} <= restricted


def test_about_dialog_shows_version_and_each_licence_text(qtbot):
    from PySide6.QtWidgets import QLabel, QPlainTextEdit, QTableWidget

    import culler

    dialog = about.show_about(None)
    qtbot.addWidget(dialog)
    labels = " ".join(label.text() for label in dialog.findChildren(QLabel))
    assert f"culler {culler.__version__}" in labels
    assert "pyiqa (PolyForm-Noncommercial-1.0.0)" in labels  # the note on restrictive terms
    table = dialog.findChild(QTableWidget, "about_licences")
    names = [table.item(r, 0).text() for r in range(table.rowCount())]
    assert names == [name for name, _v, _l in about.licence_rows()]
    table.setCurrentCell(names.index("pyiqa"), 0)
    text = dialog.findChild(QPlainTextEdit, "about_licence_text").toPlainText()
    assert "Required Notice: Copyright (c) 2022 Chaofeng Chen" in text  # PolyForm asks to pass this on
    dialog.close()


# --- the built bundle (slow, opt-in) -----------------------------------------------------------

def _bundle_wanted() -> bool:
    return os.environ.get("CULLER_TEST_BUNDLE") == "1" or BUNDLE.is_dir()


@pytest.fixture(scope="module")
def bundle() -> Path:
    if not _bundle_wanted():
        pytest.skip("set CULLER_TEST_BUNDLE=1 (builds dist/culler, several minutes) or build it first")
    if not BUNDLE_EXE.is_file():
        script = ROOT / "packaging" / ("build.ps1" if sys.platform == "win32" else "build.sh")
        cmd = ["powershell", "-File", str(script)] if sys.platform == "win32" else ["bash", str(script)]
        subprocess.run(cmd, check=True, cwd=ROOT, timeout=1800)
    return BUNDLE_EXE


def _clean_env(tmp_path: Path) -> dict[str, str]:
    """A user with nothing set up: fresh home and XDG folders, no model files, offline hub."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CULLER_", "PYTHON", "VIRTUAL_ENV"))}
    home = tmp_path / "home"
    env.update(HOME=str(home), QT_QPA_PLATFORM="offscreen", HF_HUB_OFFLINE="1",
               XDG_CACHE_HOME=str(home / ".cache"), XDG_DATA_HOME=str(home / ".local/share"),
               XDG_CONFIG_HOME=str(home / ".config"), TORCH_HOME=str(home / "torch"), HF_HOME=str(home / "hf"))
    env["PATH"] = "/usr/bin:/bin"  # not the venv: the bundle must carry its own Python
    return env


@pytest.mark.slow
@pytest.mark.timeout(900)
def test_bundle_opens_the_demo_album_and_saves_a_screenshot(bundle, tmp_path):
    from culler.app import SCREENSHOT_SIZE

    demo_session = BUNDLE / "_internal" / "resources" / "demo" / ".culler"
    had_session = demo_session.exists()
    out = tmp_path / "shot.png"
    started = time.monotonic()
    try:
        result = subprocess.run([str(bundle), "--screenshot", str(out), "--demo", "--signals", "technical"],
                                env=_clean_env(tmp_path), cwd=tmp_path, capture_output=True, text=True, timeout=600)
    finally:
        if not had_session:  # the bundled demo album is writable here: leave the bundle as built
            shutil.rmtree(demo_session, ignore_errors=True)
    seconds = time.monotonic() - started
    assert result.returncode == 0, result.stderr[-3000:]
    assert "not installed" not in result.stderr
    with Image.open(out) as im:
        assert im.size == SCREENSHOT_SIZE
        rgb = np.asarray(im.convert("RGB"))
    assert rgb.std() > 25, "the screenshot is blank"
    colours = np.unique(rgb.reshape(-1, 3)[::7], axis=0)
    assert len(colours) > 2000, f"only {len(colours)} colours: no photo thumbnails painted"
    print(f"bundle: demo screenshot in {seconds:.1f} s")


@pytest.mark.slow
def test_bundle_carries_resources_and_licences_but_no_build_leftovers(bundle):
    internal = BUNDLE / "_internal"
    resources = internal / "resources"
    for rel in ("style.qss", "keymap.json", "icons/app/culler-256.png", "culler.desktop"):
        assert (resources / rel).is_file(), rel
    assert any((resources / "demo").glob("*.jpg"))
    assert not list(resources.rglob("*.py")), "build scripts are not shipped"
    assert not list(internal.rglob("torch/include")) and not list(internal.rglob("torch/test"))
    assert not list(internal.rglob("libcudart*")), "no CUDA libraries in a CPU bundle"
    assert not list(internal.rglob("tkinter")) and not (internal / "PySide6" / "Qt" / "qml").exists()
    assert not (internal / "scipy").exists() and not (internal / "pandas").exists(), "unused libraries left out"


def _bundled_top_levels(internal: Path) -> set[str]:
    """Top-level import names in the bundle: the frozen archive's modules plus collected folders/extensions."""
    from PyInstaller.archive.readers import CArchiveReader

    names = {n.split(".")[0] for n in CArchiveReader(str(BUNDLE_EXE)).open_embedded_archive("PYZ.pyz").toc}
    for path in internal.iterdir():
        if path.is_dir() and (path / "__init__.py").exists() or path.suffix in (".so", ".pyd"):
            names.add(path.name.split(".")[0])
    return names


@pytest.mark.slow
def test_bundle_carries_a_licence_for_every_library_it_bundles(bundle):
    """The About dialog in the bundle lists the distributions whose metadata the bundle carries:
    every bundled library must be among them with a licence, and none may be listed without code."""
    import importlib.metadata

    internal = BUNDLE / "_internal"
    owners = importlib.metadata.packages_distributions()
    bundled = {about._normalise(d) for top in _bundled_top_levels(internal) for d in owners.get(top, [])}
    bundled.discard("culler")
    carried = {}
    for info in internal.glob("*.dist-info"):
        dist = importlib.metadata.PathDistribution(info)
        carried[about._normalise(dist.metadata["Name"])] = about.licence_of(dist)
    assert sorted(bundled - set(carried)) == [], "bundled code without its licence"
    assert sorted(set(carried) - bundled) == [], "licences listed for libraries that are not bundled"
    assert [name for name, licence in carried.items() if not licence] == []
    assert carried["pyiqa"] == "PolyForm-Noncommercial-1.0.0" and "torch" in carried


@pytest.mark.slow
@pytest.mark.timeout(1200)
def test_bundle_scores_with_all_three_models_from_a_models_folder(bundle, tmp_path):
    """torch, pyiqa (CLIP-IQA, NIMA) and open_clip load and run inside the bundle, offline, from
    model files in CULLER_MODELS_DIR (random weights of the real architectures: ~1 GB, ~15 s)."""
    import json

    from benchmarks.random_weights import write_all

    models = tmp_path / "models"
    write_all(models)
    album = tmp_path / "album"
    album.mkdir()
    for src in sorted((ROOT / "resources" / "demo").glob("*.jpg"))[:3]:
        shutil.copy2(src, album / src.name)
    env = _clean_env(tmp_path) | {"CULLER_MODELS_DIR": str(models)}
    out = tmp_path / "analysis.json"
    result = subprocess.run([str(bundle), "analyze", str(album), "--json", str(out)], env=env, cwd=tmp_path,
                            capture_output=True, text=True, timeout=900)
    assert result.returncode == 0, result.stderr[-3000:]
    report = json.loads(out.read_text())
    assert report["models"] == {"clipiqa": "ok", "nima": "ok", "clip": "ok"}, result.stderr[-2000:]
    for photo in report["photos"]:
        assert photo["status"] == "ok"
        assert 0 <= photo["signals"]["clipiqa"] <= 1 and 1 <= photo["signals"]["nima"] <= 10
