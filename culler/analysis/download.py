"""Resumable, verified HTTP download of one file (standard library only).

`fetch(url, dest, ...)` streams into `dest + ".part"`, resumes an earlier partial transfer with an
HTTP Range request, checks the size and the SHA-256 and only then renames the file into place, so
a corrupted or truncated payload is never installed. Every socket operation has a timeout, so a
server that accepts the connection but never answers makes `fetch` fail instead of hanging.

Where the expected SHA-256 comes from (in order): the caller (hashes published by the model's
source), else a hash the server declares for the file (Hugging Face sends the Git LFS SHA-256 of a
file as `X-Linked-Etag` on its redirect, and as the `ETag` of the file), else nothing: the hash is
then computed and returned so the caller can record it (trust on first use).
"""

from __future__ import annotations

import hashlib
import http.client
import os
import re
import socket
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from culler import __version__

CHUNK = 1 << 20
_SHA256 = re.compile(r"^[0-9a-f]{64}$")
_CONTENT_RANGE = re.compile(r"bytes (\d+)-(\d+)/(\d+|\*)")

ProgressCallback = Callable[[int, "int | None"], None]


class DownloadError(Exception):
    """A download failed; the message says what happened in words a user can act on."""


@dataclass(frozen=True)
class FetchResult:
    path: Path
    size: int
    sha256: str
    verified_by: str  # 'known' (caller's hash), 'server' (hash the server declared) or 'first-use'


def part_path(dest: Path) -> Path:
    return dest.with_name(dest.name + ".part")


def sha256_of(path: Path, progress: ProgressCallback | None = None) -> str:
    digest = hashlib.sha256()
    done = 0
    total = path.stat().st_size
    with open(path, "rb") as f:
        while chunk := f.read(CHUNK):
            digest.update(chunk)
            done += len(chunk)
            if progress:
                progress(done, total)
    return digest.hexdigest()


def _declared_sha256(headers) -> str | None:
    for key in ("X-Linked-Etag", "ETag"):
        value = (headers.get(key) or "").strip().strip('"').lower()
        if value.startswith("w/"):
            continue  # a weak ETag is not a content hash
        if _SHA256.match(value):
            return value
    return None


class _RecordingRedirects(urllib.request.HTTPRedirectHandler):
    """Keeps the headers of redirect responses: Hugging Face declares the file's hash there."""

    def __init__(self) -> None:
        self.headers: list = []

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        self.headers.append(headers)
        return super().redirect_request(req, fp, code, msg, headers, newurl)


def _describe(exc: BaseException) -> str:
    if isinstance(exc, urllib.error.HTTPError):
        return f"the server answered HTTP {exc.code} {exc.reason}"
    if isinstance(exc, (socket.timeout, TimeoutError)):
        return "the server stopped answering (timed out)"
    if isinstance(exc, urllib.error.URLError):
        reason = exc.reason
        if isinstance(reason, (socket.timeout, TimeoutError)):
            return "the server did not answer (timed out)"
        return f"could not connect ({reason})"
    if isinstance(exc, http.client.IncompleteRead):
        return "the connection was closed before the file was complete"
    return f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__


def _mb(n: int) -> str:
    return f"{n / 1e6:.1f} MB"


def fetch(url: str, dest: Path, *, expected_size: int | None = None, expected_sha256: str | None = None,
          progress: ProgressCallback | None = None, timeout: float = 30.0) -> FetchResult:
    """Download `url` to `dest` (resuming `dest.part`), verify it, then move it into place.

    Raises DownloadError. After an interrupted transfer the partial file is kept, so calling again
    resumes; after a size or checksum mismatch it is deleted and nothing is installed.
    """
    dest = Path(dest)
    dest.parent.mkdir(parents=True, exist_ok=True)
    part = part_path(dest)
    offset = part.stat().st_size if part.exists() else 0
    if expected_size is not None and offset > expected_size:
        part.unlink()
        offset = 0

    redirects = _RecordingRedirects()
    opener = urllib.request.build_opener(redirects)
    headers = {"User-Agent": f"culler/{__version__}", "Accept-Encoding": "identity"}
    if offset:
        headers["Range"] = f"bytes={offset}-"
    request = urllib.request.Request(url, headers=headers)
    name = dest.name
    try:
        response = opener.open(request, timeout=timeout)
    except urllib.error.HTTPError as exc:
        if exc.code == 416 and offset:
            # The partial file is at least as long as the file: verify it if we can, else start over.
            if expected_size is not None or expected_sha256 is not None:
                return _finish(part, dest, expected_size, expected_sha256, None, url)
            part.unlink(missing_ok=True)
            return fetch(url, dest, progress=progress, timeout=timeout)
        raise DownloadError(f"Downloading {name} from {url} failed: {_describe(exc)}.") from exc
    except (OSError, http.client.HTTPException) as exc:
        raise DownloadError(f"Downloading {name} from {url} failed: {_describe(exc)}. "
                            "Check the internet connection, or import the file with `culler models import`.") from exc

    with response:
        declared = None
        for h in [*redirects.headers, response.headers]:
            declared = declared or _declared_sha256(h)
        status = getattr(response, "status", 200)
        length = response.headers.get("Content-Length")
        if status == 206:
            match = _CONTENT_RANGE.match(response.headers.get("Content-Range", ""))
            if not match or int(match.group(1)) != offset:
                raise DownloadError(f"Downloading {name}: the server resumed at the wrong place; "
                                    f"delete {part} and try again.")
            total = int(match.group(3)) if match.group(3) != "*" else None
        else:
            offset = 0  # the server ignored the Range request: start over
            total = int(length) if length and length.isdigit() else None
        if expected_size is not None and total is not None and total != expected_size:
            raise DownloadError(f"Downloading {name}: the server offers {total} bytes but the file should have "
                                f"{expected_size}; it was not downloaded.")
        total = expected_size if expected_size is not None else total

        digest = hashlib.sha256()
        mode = "ab" if offset else "wb"
        done = offset
        try:
            with open(part, mode) as out:
                if offset:
                    with open(part, "rb") as existing:
                        while chunk := existing.read(CHUNK):
                            digest.update(chunk)
                if progress:
                    progress(done, total)
                while True:
                    chunk = response.read(CHUNK)
                    if not chunk:
                        break
                    out.write(chunk)
                    digest.update(chunk)
                    done += len(chunk)
                    if progress:
                        progress(done, total)
        except (OSError, http.client.HTTPException) as exc:
            raise DownloadError(f"Downloading {name} was interrupted after {_mb(done)}"
                                f"{' of ' + _mb(total) if total else ''}: {_describe(exc)}. "
                                "Run the same command again to resume.") from exc
        if total is not None and done < total:
            raise DownloadError(f"Downloading {name} was interrupted after {_mb(done)} of {_mb(total)}: "
                                "the connection was closed early. Run the same command again to resume.")
    return _finish(part, dest, expected_size, expected_sha256, declared, url, digest.hexdigest())


def _finish(part: Path, dest: Path, expected_size: int | None, expected_sha256: str | None,
            declared_sha256: str | None, url: str, sha256: str | None = None) -> FetchResult:
    name = dest.name
    size = part.stat().st_size
    if expected_size is not None and size != expected_size:
        part.unlink(missing_ok=True)
        raise DownloadError(f"Downloading {name}: got {size} bytes, expected {expected_size}; "
                            "the file was discarded and not installed.")
    sha256 = sha256 or sha256_of(part)
    want = (expected_sha256 or declared_sha256 or "").lower() or None
    if want is not None and sha256 != want:
        part.unlink(missing_ok=True)
        raise DownloadError(f"Downloading {name} from {url}: the SHA-256 checksum does not match "
                            f"(got {sha256[:12]}…, expected {want[:12]}…); the file is corrupted or not the "
                            "expected one. It was discarded and not installed.")
    os.replace(part, dest)
    verified_by = "known" if expected_sha256 else ("server" if declared_sha256 else "first-use")
    return FetchResult(dest, size, sha256, verified_by)
