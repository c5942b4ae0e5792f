"""`culler models download` against a real HTTP server on 127.0.0.1: progress, verification, resume, timeout."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import re
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from culler.analysis import model_files
from culler.analysis.download import DownloadError

PAYLOAD = os.urandom(3 * 1024 * 1024 + 123)
PAYLOAD_SIZE = len(PAYLOAD)
SHA = hashlib.sha256(PAYLOAD).hexdigest()


class _Handler(BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802 (http.server API)
        srv = self.server
        srv.requests.append({"path": self.path, "range": self.headers.get("Range")})
        if self.path == "/redirect":
            self.send_response(302)
            self.send_header("Location", "/file")
            if srv.declared_sha:
                self.send_header("X-Linked-Etag", f'"{srv.declared_sha}"')
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        body = srv.payload
        start = 0
        match = re.match(r"bytes=(\d+)-", self.headers.get("Range") or "")
        if match and srv.honour_range:
            start = int(match.group(1))
            self.send_response(206)
            self.send_header("Content-Range", f"bytes {start}-{len(body) - 1}/{len(body)}")
        else:
            self.send_response(200)
        self.send_header("Content-Length", str(len(body) - start))
        self.end_headers()
        data = body[start:]
        if srv.drop_after is not None and not srv.dropped:
            srv.dropped = True
            self.wfile.write(data[: srv.drop_after])
            self.wfile.flush()
            self.close_connection = True
            return
        self.wfile.write(data)

    def log_message(self, *args):
        pass


@pytest.fixture
def server():
    srv = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    srv.daemon_threads = True
    srv.payload, srv.requests, srv.honour_range = PAYLOAD, [], True
    srv.drop_after, srv.dropped, srv.declared_sha = None, False, None
    thread = threading.Thread(target=srv.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    srv.url = f"http://127.0.0.1:{srv.server_address[1]}"
    yield srv
    srv.shutdown()
    srv.server_close()


def _serve_model_from(monkeypatch, url, size=PAYLOAD_SIZE, sha256=SHA, name="nima"):
    """Point the model `name` at the test server (the real spec otherwise)."""
    spec = model_files.MODELS[name]
    file = dataclasses.replace(spec.files[0], url=url, size=size, sha256=sha256, library_paths=())
    monkeypatch.setitem(model_files.MODELS, name, dataclasses.replace(spec, files=(file,)))
    return file


def test_download_reports_progress_verifies_and_installs(server, monkeypatch, tmp_path):
    file = _serve_model_from(monkeypatch, server.url + "/file")
    calls = []
    paths = model_files.download("nima", tmp_path, progress=lambda done, total: calls.append((done, total)))
    target = tmp_path / "nima" / file.name
    assert paths == [target] and target.read_bytes() == PAYLOAD
    assert len(calls) > 3 and calls[-1] == (len(PAYLOAD), len(PAYLOAD))
    assert [d for d, _ in calls] == sorted(d for d, _ in calls)
    assert model_files.status(tmp_path)["nima"] == "ok"
    manifest = json.loads((tmp_path / "nima" / "manifest.json").read_text())
    assert manifest[file.name]["sha256"] == SHA and manifest[file.name]["verified_by"] == "known"
    assert not list(tmp_path.rglob("*.part"))


def test_corrupted_payload_is_rejected_and_not_installed(server, monkeypatch, tmp_path):
    server.payload = PAYLOAD[:-1] + bytes([PAYLOAD[-1] ^ 0xFF])  # same size, one byte flipped
    file = _serve_model_from(monkeypatch, server.url + "/file")
    with pytest.raises(DownloadError, match="SHA-256"):
        model_files.download("nima", tmp_path)
    assert not (tmp_path / "nima" / file.name).exists()
    assert not list(tmp_path.rglob("*.part"))
    assert model_files.status(tmp_path)["nima"] == "missing"


def test_wrong_size_offered_by_server_is_refused(server, monkeypatch, tmp_path):
    _serve_model_from(monkeypatch, server.url + "/file", size=len(PAYLOAD) + 10)
    with pytest.raises(DownloadError, match="bytes"):
        model_files.download("nima", tmp_path)
    assert model_files.status(tmp_path)["nima"] == "missing"


def test_interrupted_download_resumes_with_a_range_request(server, monkeypatch, tmp_path):
    server.drop_after = 1_500_000
    file = _serve_model_from(monkeypatch, server.url + "/file")
    with pytest.raises(DownloadError, match="resume"):
        model_files.download("nima", tmp_path)
    part = tmp_path / "nima" / (file.name + ".part")
    assert part.stat().st_size == 1_500_000
    assert model_files.status(tmp_path)["nima"] == "missing"

    calls = []
    model_files.download("nima", tmp_path, progress=lambda done, total: calls.append(done))
    assert server.requests[-1]["range"] == "bytes=1500000-"
    assert calls[0] == 1_500_000  # progress continues from where it stopped
    assert (tmp_path / "nima" / file.name).read_bytes() == PAYLOAD
    assert not part.exists()


def test_resume_when_the_server_ignores_range_starts_over(server, monkeypatch, tmp_path):
    server.drop_after, server.honour_range = 1_000_000, False
    file = _serve_model_from(monkeypatch, server.url + "/file")
    with pytest.raises(DownloadError):
        model_files.download("nima", tmp_path)
    model_files.download("nima", tmp_path)
    assert (tmp_path / "nima" / file.name).read_bytes() == PAYLOAD


@pytest.mark.timeout(30)
def test_server_that_never_answers_times_out_instead_of_hanging(monkeypatch, tmp_path):
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(1)  # the kernel accepts the connection; nobody ever answers
    try:
        _serve_model_from(monkeypatch, f"http://127.0.0.1:{silent.getsockname()[1]}/file")
        start = time.monotonic()
        with pytest.raises(DownloadError, match="timed out|not answer|stopped answering"):
            model_files.download("nima", tmp_path, timeout=0.5)
        assert time.monotonic() - start < 10
    finally:
        silent.close()


def test_unreachable_server_gives_a_clear_error(monkeypatch, tmp_path):
    probe = socket.socket()
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()  # nothing listens on this port now
    _serve_model_from(monkeypatch, f"http://127.0.0.1:{port}/file")
    with pytest.raises(DownloadError, match="could not connect|import"):
        model_files.download("nima", tmp_path, timeout=2)


def test_hash_declared_by_the_server_is_checked_when_none_is_published(server, monkeypatch, tmp_path):
    server.declared_sha = SHA  # like Hugging Face's X-Linked-Etag on its redirect
    server.payload = PAYLOAD[:-1] + b"\0"
    _serve_model_from(monkeypatch, server.url + "/redirect", size=None, sha256=None, name="clip")
    with pytest.raises(DownloadError, match="SHA-256"):
        model_files.download("clip", tmp_path)
    assert model_files.status(tmp_path)["clip"] == "missing"

    server.payload = PAYLOAD
    model_files.download("clip", tmp_path)
    manifest = model_files.read_manifest(tmp_path, "clip")
    assert next(iter(manifest.values()))["verified_by"] == "server"


def test_without_any_hash_the_first_download_is_recorded_and_then_enforced(server, monkeypatch, tmp_path):
    file = _serve_model_from(monkeypatch, server.url + "/file", size=None, sha256=None, name="clip")
    model_files.download("clip", tmp_path)
    entry = model_files.read_manifest(tmp_path, "clip")[file.name]
    assert entry == {**entry, "sha256": SHA, "size": len(PAYLOAD), "verified_by": "first-use"}
    assert model_files.status(tmp_path)["clip"] == "ok"
    with open(tmp_path / "clip" / file.name, "r+b") as f:
        f.truncate(1000)  # damaged later (disk full, interrupted copy...)
    assert model_files.status(tmp_path)["clip"].startswith("failed:")


def test_download_of_a_model_already_present_does_not_connect(monkeypatch, tmp_path):
    file = _serve_model_from(monkeypatch, "http://127.0.0.1:9/never", size=None, sha256=None, name="clip")
    (tmp_path / "clip").mkdir()
    (tmp_path / "clip" / file.name).write_bytes(b"weights")
    assert model_files.download("clip", tmp_path, timeout=1) == [tmp_path / "clip" / file.name]


def test_cli_download_shows_progress_on_stderr_and_installs(server, monkeypatch, tmp_path, capsys):
    import argparse

    from culler.cli import models as models_cli
    from culler.context import AppContext

    file = _serve_model_from(monkeypatch, server.url + "/file")
    parser = argparse.ArgumentParser()
    models_cli.add_arguments(parser)
    ctx = AppContext(tmp_path / "cache", tmp_path / "data", tmp_path / "config", tmp_path / "models")
    assert models_cli.run(ctx, parser.parse_args(["download", "nima"])) == 0
    out, err = capsys.readouterr()
    assert "licence" in err and "100 %" in err and "MB" in err
    assert "installed" in out and (tmp_path / "models" / "nima" / file.name).read_bytes() == PAYLOAD

    server.payload = b"x" * len(PAYLOAD)
    (tmp_path / "models" / "nima" / file.name).unlink()
    assert models_cli.run(ctx, parser.parse_args(["download", "nima"])) == 1
    assert "SHA-256" in capsys.readouterr().err
