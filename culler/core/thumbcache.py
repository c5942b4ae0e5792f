"""The on-disk thumbnail cache: small JPEG files named by what they show.

Key: sha1 of (absolute path, file size, mtime_ns, thumbnail size), so a changed file (new size or
modification time) simply misses and is decoded again; stale entries are never served. Files live
at `cache_dir/ab/abcdef....jpg`, written to a temporary name and renamed (a crash never leaves a
half-written thumbnail). A cache folder that cannot be created or written is not an error: the
thumbnail is just not kept. A damaged cache file reads as a miss.
"""

from __future__ import annotations

import hashlib
import io
import os
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # numpy is imported where it is used: not needed to open the window
    import numpy as np


QUALITY = 90


def cache_key(abs_path: str, size: int, mtime_ns: int, thumb_size: int) -> str:
    text = f"{abs_path}\0{size}\0{mtime_ns}\0{thumb_size}"
    return hashlib.sha1(text.encode("utf-8", "surrogateescape")).hexdigest()


def key_for_file(source: Path, thumb_size: int) -> str:
    """The key of `source` as it is on disk now (OSError when it cannot be stat'ed)."""
    st = os.stat(source)
    return cache_key(os.path.abspath(source), st.st_size, st.st_mtime_ns, thumb_size)


def entry_path(cache_dir: Path, key: str) -> Path:
    return Path(cache_dir) / key[:2] / f"{key}.jpg"


def read(cache_dir: Path, key: str) -> np.ndarray | None:
    """The cached RGB pixels, or None on a miss (absent or damaged entry)."""
    import numpy as np
    from PIL import Image

    try:
        with open(entry_path(cache_dir, key), "rb") as f:
            data = f.read()
        with Image.open(io.BytesIO(data), formats=["JPEG"]) as im:
            return np.asarray(im.convert("RGB"))
    except (OSError, ValueError, SyntaxError):
        return None


def write(cache_dir: Path, key: str, rgb: np.ndarray) -> bool:
    """Keep a thumbnail; False (and no exception) when the cache cannot be written."""
    import numpy as np
    from PIL import Image

    target = entry_path(cache_dir, key)
    tmp = None
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        buf = io.BytesIO()
        Image.fromarray(np.ascontiguousarray(rgb)).save(buf, "JPEG", quality=QUALITY, subsampling=0)
        fd, tmp = tempfile.mkstemp(prefix=".tmp-", suffix=".jpg", dir=target.parent)
        with os.fdopen(fd, "wb") as f:
            f.write(buf.getvalue())
        os.replace(tmp, target)
        return True
    except (OSError, ValueError):
        if tmp is not None:
            try:
                os.unlink(tmp)
            except OSError:
                pass
        return False
