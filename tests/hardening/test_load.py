"""Under load: a 2,000-photo album opens (scan + store sync) and the grid scrolls through every
row, decoding every thumbnail, with memory that stops growing (the thumbnail caches are bounded).
benchmarks/load_20k.py measures the same at 5,000-20,000 photos, with the analysis.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from tests.hardening.conftest import ROOT


@pytest.mark.slow
def test_a_2000_photo_album_opens_and_scrolls_with_bounded_memory(tmp_path):
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    done = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "load_20k.py"), "--sizes", "2000",
                           "--no-analysis", "--workdir", str(tmp_path)],
                          capture_output=True, text=True, env=env, timeout=300, cwd=ROOT)
    assert done.returncode == 0, done.stderr[-3000:]
    [result] = json.loads(done.stdout.strip().splitlines()[-1])["results"]
    assert "failed" not in result, result.get("failed")
    assert result["photos"] == result["rows"] == 2000
    assert result["last_row_shown"] == 2000  # scrolled to the very end
    # Generous bounds (2 cores, shared CI): the whole session well under 1 GB, and no growth
    # beyond the bounded thumbnail caches: the last quarter of the scroll adds almost nothing.
    assert result["peak_rss_mb"] < 900, result
    along = result["rss_mb_while_scrolling"]
    assert along[-1] - along[-3] < 60, along
