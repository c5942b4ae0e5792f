"""`culler models import` accepts only files it can vouch for, and `models status` says when an
installed file is damaged and how to replace it (issue 17, case 11)."""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

from tests.hardening.conftest import run_culler

CLIP = "open_clip_model.safetensors"


def _models(tmp_path: Path, *args: str):
    return run_culler("models", *args, env_extra={"CULLER_MODELS_DIR": str(tmp_path / "models"),
                                                  "XDG_CACHE_HOME": str(tmp_path / "cache"),
                                                  "HOME": str(tmp_path / "home")})


def _status(tmp_path: Path) -> dict:
    r = _models(tmp_path, "status", "--json")
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout)


def test_a_link_out_of_the_import_folder_is_refused(tmp_path):
    secret = tmp_path / "elsewhere" / "passwd"
    secret.parent.mkdir()
    secret.write_text("root:x:0:0:secret\n")
    src = tmp_path / "usb" / "clip"
    src.mkdir(parents=True)
    (src / CLIP).symlink_to(secret)
    r = _models(tmp_path, "import", str(tmp_path / "usb"))
    assert r.returncode == 1 and "outside" in r.stdout + r.stderr
    assert not (tmp_path / "models" / "clip" / CLIP).exists()
    assert _status(tmp_path)["clip"] == "missing"


def test_import_checks_the_sha256_its_source_folder_recorded(tmp_path):
    good = os.urandom(4096)
    src = tmp_path / "usb" / "clip"
    src.mkdir(parents=True)
    (src / CLIP).write_bytes(good[:-1] + bytes([good[-1] ^ 1]))  # one bit rotted on the way
    (src / "manifest.json").write_text(json.dumps({CLIP: {"size": len(good),
                                                          "sha256": hashlib.sha256(good).hexdigest()}}))
    r = _models(tmp_path, "import", str(tmp_path / "usb"))
    assert r.returncode == 1 and "SHA-256" in r.stdout + r.stderr
    assert not (tmp_path / "models" / "clip" / CLIP).exists()
    (src / CLIP).write_bytes(good)
    r = _models(tmp_path, "import", str(tmp_path / "usb"))
    assert "imported" in r.stdout and (tmp_path / "models" / "clip" / CLIP).read_bytes() == good


def test_status_says_damaged_with_the_fix(tmp_path):
    src = tmp_path / "usb" / "clip"
    src.mkdir(parents=True)
    (src / CLIP).write_bytes(os.urandom(4096))
    assert "imported" in _models(tmp_path, "import", str(tmp_path / "usb")).stdout
    assert _status(tmp_path)["clip"] == "ok"
    installed = tmp_path / "models" / "clip" / CLIP
    installed.write_bytes(os.urandom(4096))  # same size, other bytes
    os.utime(installed, ns=(1, 1))
    assert _status(tmp_path)["clip"].startswith("failed: damaged")
    r = _models(tmp_path, "status")
    assert "damaged" in r.stdout and "culler models download clip" in r.stdout
    installed.unlink()
    installed.symlink_to("/etc/hostname")  # put there by hand
    r = _models(tmp_path, "status")
    assert "damaged" in r.stdout and "is a link" in r.stdout
