"""Session store timings for a 20,000-photo album; prints one JSON object."""
import json
import statistics
import sys
import tempfile
import threading
import time
from datetime import datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import numpy as np

from culler.core.records import Photo, PhotoMeta
from culler.core.store import Store

N = 20000
root = Path(tempfile.mkdtemp())
album = root / "album"
album.mkdir()
t0 = datetime(2024, 1, 1)
photos = [Photo(f"day{i // 2000}/IMG_{i:05d}.CR3", "raw", 25_000_000 + i, 1_700_000_000_000_000_000 + i,
                companions=[f"day{i // 2000}/IMG_{i:05d}.JPG"],
                meta=PhotoMeta(t0 + timedelta(seconds=i / 3), 1, 6000, 4000, "Canon EOS R6", "RF 24-70",
                               1 / 250, 2.8, 400, 50.0, 0.0)) for i in range(N)]
out = {"photos": N}


def timed(fn):
    t = time.perf_counter()
    r = fn()
    return r, time.perf_counter() - t


store, out["open_new_s"] = timed(lambda: Store.open(album, root / "data"))
_, out["sync_photos_first_s"] = timed(lambda: store.sync_photos(photos))
_, out["sync_photos_rescan_s"] = timed(lambda: store.sync_photos(photos))
ps, out["photos_list_s"] = timed(store.photos)
ids = [p.id for p in ps]
_, out["decide_all_20000_one_step_s"] = timed(lambda: store.decide(ids, flag="pick"))
lat = []
for i in range(500):
    _, s = timed(lambda i=i: store.decide([ids[i * 37 % N]], rating=i % 5 + 1))
    lat.append(s)
out["decide_one_ms_median"] = round(statistics.median(lat) * 1000, 3)
out["decide_one_ms_p95"] = round(sorted(lat)[int(0.95 * len(lat))] * 1000, 3)
_, out["undo_one_ms"] = timed(store.undo)
out["undo_one_ms"] *= 1000
ds = []
for _ in range(10):
    _, s = timed(store.decisions)
    ds.append(s)
out["decisions_20000_ms_median"] = round(statistics.median(ds) * 1000, 2)
rng = np.random.default_rng(0)
emb = rng.normal(size=512).astype(np.float32)
tiny = rng.random((32, 32)).astype(np.float32)
sig = {k: 0.5 for k in ("sharpness", "motion_blur", "noise", "highlights_clipped", "shadows_clipped", "brightness",
                        "exposure", "contrast", "faces", "eyes_closed", "eyes_open", "clipiqa", "nima")}


def analyse():
    for pid in ids:
        store.put_analysis(pid, (1, 2), sig, embeddings={"clip": emb}, tiny=tiny)


_, s = timed(analyse)
out["put_analysis_ms_per_photo"] = round(s / N * 1000, 3)
# decisions while the analysis thread writes
lat = []
th = threading.Thread(target=analyse)
th.start()
while th.is_alive() and len(lat) < 2000:
    _, s = timed(lambda: store.decide([ids[len(lat) % N]], flag=("reject", "pick")[len(lat) % 2]))
    lat.append(s)
    time.sleep(0.002)
th.join()
out["decide_during_analysis_ms_median"] = round(statistics.median(lat) * 1000, 3)
out["decide_during_analysis_ms_max"] = round(max(lat) * 1000, 3)
out["decide_during_analysis_ms_p99"] = round(sorted(lat)[int(0.99 * len(lat))] * 1000, 3)
out["decide_during_analysis_over_20ms"] = sum(x > 0.02 for x in lat)
out["decide_during_analysis_n"] = len(lat)
_, out["all_signals_s"] = timed(store.all_signals)
_, out["embeddings_clip_s"] = timed(lambda: store.embeddings("clip"))
_, out["tiny_images_s"] = timed(store.tiny_images)
store.close()
out["db_mb"] = round(sum(p.stat().st_size for p in (album / ".culler").glob("session.sqlite*")) / 1e6, 1)
store, out["reopen_with_quick_check_s"] = timed(lambda: Store.open(album, root / "data"))
store.close()
print(json.dumps({k: round(v, 4) if isinstance(v, float) else v for k, v in out.items()}))
