"""Export planning time for a 7,000-photo album (RAW+JPEG pairs, some sidecars, name clashes in
the destination); prints one JSON object. `plan_sha1` lets two versions prove identical plans."""
import hashlib
import json
import shutil
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from culler.core.export_plan import ExportOptions, make_plan
from culler.core.records import Decision, Photo, PhotoMeta

N = int(sys.argv[1]) if len(sys.argv) > 1 else 7000
root = Path(tempfile.mkdtemp())
album = root / "album"
dest = root / "out"
t0 = datetime(2024, 1, 1)
photos = []
for i in range(N):
    folder = album / f"day{i // 2000}"
    folder.mkdir(parents=True, exist_ok=True)
    stem = f"IMG_{i:05d}"
    for name in (stem + ".CR3", stem + ".JPG") + ((stem + ".xmp",) if i % 10 == 0 else ()):
        (folder / name).touch()
    photos.append(Photo(f"day{i // 2000}/{stem}.CR3", "raw", 1, 1_700_000_000_000_000_000 + i,
                        companions=[f"day{i // 2000}/{stem}.JPG"],
                        meta=PhotoMeta(t0 + timedelta(seconds=i * 7), 1, 6000, 4000, "Canon EOS R6"), id=i + 1))
decisions = {p.id: Decision("pick", 3) for p in photos}
(dest / "2024-01-01").mkdir(parents=True)
for i in range(0, 500, 5):  # earlier exports already took some names
    (dest / "2024-01-01" / f"IMG_{i:05d}.CR3").touch()
out = {"photos": N}
digest = hashlib.sha1()
for layout, xmp in (("flat", False), ("date", True), ("album", False)):
    opts = ExportOptions(dest=dest, select="picks", layout=layout, xmp=xmp)
    t, c = time.perf_counter(), time.process_time()
    plan = make_plan(album, photos, decisions, opts)
    label = f"{layout}{'_xmp' if xmp else ''}"
    out[f"make_plan_{label}_s"] = round(time.perf_counter() - t, 3)
    out[f"make_plan_{label}_cpu_s"] = round(time.process_time() - c, 3)  # steadier on a busy machine
    out[f"operations_{layout}"] = len(plan)
    for op in plan:
        digest.update(op.describe().replace(str(root), "ROOT").encode())
out["plan_sha1"] = digest.hexdigest()
# A template that names every photo alike ({date}): each name needs a _N suffix (issue 17: was O(n^2)).
opts = ExportOptions(dest=root / "same", select="picks", name_template="{date}")
t, c = time.perf_counter(), time.process_time()
plan = make_plan(album, photos, decisions, opts)
out["make_plan_same_name_s"] = round(time.perf_counter() - t, 3)
out["make_plan_same_name_cpu_s"] = round(time.process_time() - c, 3)
shutil.rmtree(root, ignore_errors=True)
print(json.dumps(out))
