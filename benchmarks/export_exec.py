"""Export execution time (copy and move of N RAW+JPEG pairs, 200 KB + 100 KB, to a folder on the
same disk and, as root, to a tmpfs); prints one JSON object. Each file costs its own fsync plus the
journal's two fsync'd lines (intent, result), so this shows what crash safety costs."""
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from culler.core.export import ExportOptions, execute, make_plan
from culler.core.records import Photo

N = int(sys.argv[1]) if len(sys.argv) > 1 else 300
root = Path(tempfile.mkdtemp())
out = {"pairs": N}


def album(folder: Path) -> list:
    folder.mkdir(parents=True)
    photos = []
    for i in range(N):
        (folder / f"IMG_{i:05d}.CR3").write_bytes(os.urandom(200_000))
        (folder / f"IMG_{i:05d}.JPG").write_bytes(os.urandom(100_000))
        photos.append(Photo(f"IMG_{i:05d}.CR3", "raw", companions=[f"IMG_{i:05d}.JPG"], id=i + 1))
    return photos


def run(label: str, mode: str, dest: Path) -> None:
    src = root / f"album_{label}"
    photos = album(src)
    plan = make_plan(src, photos, {}, ExportOptions(dest=dest, select="all", mode=mode))
    t, c = time.perf_counter(), time.process_time()
    result = execute(plan, journal_dir=src / ".culler" / "exports")
    assert result.ok and result.photos == N, result.error
    out[f"{label}_s"] = round(time.perf_counter() - t, 3)
    out[f"{label}_cpu_s"] = round(time.process_time() - c, 3)


run("copy_same_disk", "copy", root / "out_copy")
run("move_same_disk", "move", root / "out_move")
tmpfs = root / "tmpfs"
tmpfs.mkdir()
mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=512m", "tmpfs", str(tmpfs)], capture_output=True)
if mounted.returncode == 0:
    try:
        run("move_to_tmpfs", "move", tmpfs / "out")
    finally:
        subprocess.run(["umount", "-l", str(tmpfs)], capture_output=True)
out["load_avg_1min"] = os.getloadavg()[0]
shutil.rmtree(root, ignore_errors=True)
print(json.dumps(out))
