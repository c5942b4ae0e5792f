"""`culler critique` and the `vlm` field of `culler analyze --json`, as a user runs them: a real
subprocess talking to a real chat-completions server on 127.0.0.1."""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.vlm.chat_server import ChatServer
from tests.vlm.conftest import KEY

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def home(tmp_path):
    return tmp_path / "home"


def culler(home: Path, *args, url: str | None = None, key: str | None = KEY, code: str | None = None):
    env = {k: v for k, v in os.environ.items() if not k.startswith("CULLER_VLM_")}
    for var in ("XDG_CACHE_HOME", "XDG_DATA_HOME", "XDG_CONFIG_HOME", "XDG_STATE_HOME"):
        env[var] = str(home / var.lower())
    env["CULLER_MODELS_DIR"] = str(home / "no-models")
    env["PYTHONPATH"] = str(ROOT)
    if url:
        env.update(CULLER_VLM_URL=url, CULLER_VLM_MODEL="test-vlm")
    if key:
        env["CULLER_VLM_KEY"] = key
    command = ["-c", code] if code else ["-m", "culler"]
    return subprocess.run([sys.executable, *command, *map(str, args)], capture_output=True, text=True,
                          env=env, cwd=ROOT, timeout=300)


def test_no_endpoint_is_said_at_once_and_nothing_changes(album, home):
    out = culler(home, "critique", album)
    assert out.returncode == 2 and "CULLER_VLM_URL" in out.stderr
    assert not (album / ".culler").exists()


def test_unreachable_endpoint_is_said_before_any_analysis(album, home):
    with ChatServer("ok") as server:
        url = server.url
    out = culler(home, "critique", album, url=url)
    assert out.returncode == 1 and "is not reachable" in out.stderr
    assert not (album / ".culler").exists()


def test_a_cloud_endpoint_needs_consent_first(album, home):
    out = culler(home, "critique", album, url="https://vlm.example.com/v1")
    assert out.returncode == 3 and "--consent" in out.stderr and "nothing was sent" in out.stderr
    assert not (album / ".culler").exists()
    assert KEY not in out.stderr


def test_without_the_openai_package_it_says_what_to_install(album, home):
    with ChatServer("ok") as server:
        code = ("import sys; sys.modules['openai'] = None; from culler.__main__ import main; "
                "sys.exit(main(sys.argv[1:]))")
        out = culler(home, "critique", album, url=server.url, code=code)
        assert out.returncode == 1 and "pip install 'culler[vlm]'" in out.stderr
        assert server.requests == []


def test_dry_run_counts_estimates_and_prices_without_sending(album, home):
    config = home / "xdg_config_home" / "culler"
    config.mkdir(parents=True)
    (config / "vlm.json").write_text(json.dumps({"price_per_photo": 0.004, "seconds_per_photo": 3}))
    with ChatServer("ok") as server:
        out = culler(home, "critique", album, "--top", "3", "--dry-run", "--signals", "technical", url=server.url)
        assert out.returncode == 0, out.stderr
        assert server.requests == []
    assert "3 photo(s) to ask (3 image(s)) to test-vlm at http://127.0.0.1" in out.stderr
    assert "about 9 s" in out.stderr and "cost about 0.01" in out.stderr


def test_critique_then_analyze_json_carries_the_answers_and_the_key_is_nowhere(album, home, tmp_path):
    with ChatServer("ok") as server:
        out = culler(home, "critique", album, "--top", "3", "--signals", "technical",
                     "--json", tmp_path / "critique.json", url=server.url)
        assert out.returncode == 0, out.stderr
        assert len(server.requests) == 3
        assert "3 answered, 0 malformed" in out.stderr
        again = culler(home, "critique", album, "--top", "3", "--signals", "technical", url=server.url)
        assert again.returncode == 0 and "3 already answered (cached, not sent)" in again.stderr
        assert len(server.requests) == 3
        groups = culler(home, "critique", album, "--groups", "--signals", "technical", url=server.url)
        assert groups.returncode == 0, groups.stderr
    doc = json.loads((tmp_path / "critique.json").read_text())
    assert doc["model"] == "test-vlm" and len(doc["photos"]) == 3
    assert all(p["vlm"]["verdict"] == "keep" and p["vlm"]["score"] == 8 for p in doc["photos"])
    assert doc["authority"] == "explain"
    assert all(p["suggestion_with_model"] == p["suggestion"] for p in doc["photos"])  # explain changes nothing
    assert all(p["path"] + "  keep    8/10  composition  Sharp eyes" in out.stdout for p in doc["photos"])

    report = culler(home, "analyze", album, "--signals", "technical", "--json", tmp_path / "analyze.json")
    assert report.returncode == 0, report.stderr
    photos = json.loads((tmp_path / "analyze.json").read_text())["photos"]
    answered = [p for p in photos if p["vlm"] is not None]
    assert sorted(p["path"] for p in answered) == sorted(p["path"] for p in doc["photos"])
    assert set(answered[0]["vlm"]) == {"model", "verdict", "score", "issues", "critique"}
    assert sum(p["vlm"] is None for p in photos) == len(photos) - 3

    # Reports (export --report) carry the critiques too.
    for name in ("report.csv", "report.html"):
        export = culler(home, "export", album, "--to", tmp_path / "dest", "--dry-run", "--report", tmp_path / name)
        assert export.returncode == 0, export.stderr
    with open(tmp_path / "report.csv", newline="", encoding="utf-8") as f:
        rows = {r["path"]: r for r in csv.DictReader(f)}
    assert {p["path"]: (rows[p["path"]]["vlm_verdict"], rows[p["path"]]["vlm_score"]) for p in doc["photos"]} == \
        {p["path"]: ("keep", "8") for p in doc["photos"]}
    assert sum(r["vlm_verdict"] == "" for r in rows.values()) == len(rows) - 3
    assert (tmp_path / "report.html").read_text().count("model: keep 8/10 · Sharp eyes, clean background.") == 3

    texts = [out.stdout, out.stderr, again.stderr, groups.stderr, report.stderr]
    assert not any(KEY in t for t in texts)
    for folder in (album, home, tmp_path):
        for f in folder.rglob("*"):
            if f.is_file():
                assert KEY.encode() not in f.read_bytes(), f
