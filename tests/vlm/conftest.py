"""An album of real photographs in a real session store, scored and grouped, for the VLM tests."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from culler.analysis.vlm_config import VlmConfig
from culler.core.records import GroupRow
from culler.core.store import Store
from culler.pipeline.scan import refresh_photos

# name -> (skimage image, long edge written, fused score); burst = three frames of one group
PHOTOS = {"a_astronaut.jpg": ("astronaut", 2000, 0.9), "b_coffee.jpg": ("coffee", 800, 0.7),
          "c_chelsea.jpg": ("chelsea", 1200, 0.2), "d_rocket.jpg": ("rocket", 900, 0.5)}
BURST = {"e_burst1.jpg": 0.8, "e_burst2.jpg": 0.6, "e_burst3.jpg": 0.4}
KEY = "sk-test-0123456789-NEVER-WRITE-ME"


def _rgb(name: str) -> np.ndarray:
    from skimage import data

    img = getattr(data, name)()
    return np.stack([img] * 3, -1) if img.ndim == 2 else img[..., :3]


def _write(path, rgb, long_edge: int) -> None:
    im = Image.fromarray(rgb)
    scale = long_edge / max(im.size)
    im.resize((round(im.width * scale), round(im.height * scale))).save(path, quality=90)


@pytest.fixture(scope="session")
def album_template(tmp_path_factory):
    root = tmp_path_factory.mktemp("vlm-album")
    for name, (source, edge, _) in PHOTOS.items():
        _write(root / name, _rgb(source), edge)
    base = _rgb("astronaut")
    for i, name in enumerate(BURST):
        _write(root / name, np.roll(base, 12 * i, axis=1), 600)  # three slightly different frames
    return root


@pytest.fixture
def album(tmp_path, album_template):
    import shutil

    dest = tmp_path / "album"
    shutil.copytree(album_template, dest)
    return dest


@pytest.fixture
def store(album, tmp_path):
    """The album's session with scores and one burst of three, as an analysis would leave it."""
    s = Store.open(album, tmp_path / "data")
    photos, _ = refresh_photos(album, s)
    by_name = {p.path: p.id for p in photos}
    scores = {**{n: v[2] for n, v in PHOTOS.items()}, **BURST}
    s.put_scores({by_name[n]: (v, 0.5) for n, v in scores.items()})
    for pid in by_name.values():
        s.put_analysis(pid, (0, 0), {"sharpness": 0.61, "motion_blur": 0.1, "highlights_clipped": 0.02,
                                     "shadows_clipped": 0.0, "faces": 1.0, "eyes_closed": 0.0})
    rows = [GroupRow(by_name[n], f"p{by_name[n]}") for n in PHOTOS]
    rows += [GroupRow(by_name[n], "burst", 3, rank, "pick" if rank == 1 else "reject", [], "burst")
             for rank, n in enumerate(BURST, start=1)]
    s.put_groups(rows)
    s.by_name = by_name
    yield s
    s.close()


@pytest.fixture
def config_for():
    def make(server, **kw) -> VlmConfig:
        return VlmConfig(**{"url": server.url, "model": "test-vlm", "key": KEY, "timeout_s": 2.0,
                            "retries": 1, "backoff_s": 0.05, **kw})
    return make
