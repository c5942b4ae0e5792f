"""Test albums made from real photographs, a context in a temp folder, and an open window.

Shared by tests/ui and tests/e2e (import as `tests.ui.album_factory`).
"""

from __future__ import annotations

import shutil
from datetime import datetime, timedelta
from pathlib import Path

from benchmarks.photo_factory import real_photo, resize, write_jpeg

NAMES = ("astronaut", "chelsea", "coffee", "rocket", "motorcycle_left", "camera", "coins", "clock")
BROKEN = "IMG_9999.jpg"


def make_album(folder: Path, n: int = 8, broken: bool = True) -> Path:
    """`n` small JPEGs one second apart (IMG_0001.jpg ...), plus one truncated file at the end."""
    folder.mkdir(parents=True, exist_ok=True)
    start = datetime(2024, 6, 1, 9, 0, 0)
    for i in range(n):
        img = real_photo(NAMES[i % len(NAMES)])
        h, w = img.shape[:2]
        img = resize(img, 480, max(1, round(480 * h / w)))
        write_jpeg(folder / f"IMG_{i + 1:04d}.jpg", img, captured_at=start + timedelta(seconds=i))
    if broken:
        (folder / BROKEN).write_bytes(b"\xff\xd8\xff\xe0\x00\x10JFIF\x00")  # a JPEG cut short
    return folder


def copy_album(template: Path, dest: Path) -> Path:
    shutil.copytree(template, dest, ignore=shutil.ignore_patterns(".culler"))
    return dest


def make_ctx(root: Path):
    from culler.context import AppContext

    return AppContext(cache_dir=root / "cache", data_dir=root / "data", config_dir=root / "config",
                      models_dir=root / "models")


def open_window(qtbot, ctx, album: Path | None, **kwargs):
    """A shown MainWindow with `album` open and its photos in the grid."""
    from culler.ui.window.main_window import MainWindow

    kwargs.setdefault("signals", "technical")
    kwargs.setdefault("analyse", False)
    window = MainWindow(ctx, **kwargs)
    window.resize(1200, 800)
    window.show()
    qtbot.waitExposed(window)
    if album is not None:
        with qtbot.waitSignal(window.session.photos_shown, timeout=20_000):
            window.open_album(album)
    return window
