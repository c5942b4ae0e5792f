"""`culler --screenshot OUT.png ALBUM` as a user runs it: a separate process, offscreen."""

from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
from PIL import Image

from tests.ui.album_factory import make_album


def test_screenshot_writes_a_picture_of_the_window(tmp_path):
    album = make_album(tmp_path / "album", n=4)
    out = tmp_path / "shot.png"
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    for var in ("XDG_CACHE_HOME", "XDG_DATA_HOME", "XDG_CONFIG_HOME"):
        env[var] = str(tmp_path / var.lower())
    run = subprocess.run([sys.executable, "-m", "culler", "--screenshot", str(out), "--signals", "technical",
                          str(album)], env=env, capture_output=True, text=True, timeout=150)
    assert run.returncode == 0, run.stderr
    with Image.open(out) as im:
        assert im.size[0] >= 1000 and im.size[1] >= 600
        pixels = np.asarray(im.convert("RGB"), dtype=np.float32)
    assert pixels.std() > 20  # thumbnails, not a blank window
    # the thumbnails' colours are there (the astronaut's orange suit), not just grey chrome
    saturation = pixels.max(axis=2) - pixels.min(axis=2)
    assert (saturation > 80).mean() > 0.01
    assert (album / ".culler").is_dir()  # the album was opened (session store beside the photos)
