"""Where the vision-language model lives and what the user allows it: endpoint, model, key, limits.

Read from the environment (CULLER_VLM_URL, CULLER_VLM_MODEL, CULLER_VLM_KEY), which wins, then
from `vlm.json` in culler's config folder; the key also from `vlm_key` there, a file only its owner
may read (0600), which is where the window's settings dialog keeps it (never in vlm.json).
A local endpoint (loopback, a private address, a single-label or .local/.lan/.home.arpa name)
needs no key and no consent; any other endpoint gets photos only after the user consented once
for it (`vlm_consent.json` next to the settings).
The key is kept out of repr() and every message goes through `redact` before it is shown.
Photos sent per day are counted across albums in `vlm_usage.json` in the data folder.
"""

from __future__ import annotations

import ipaddress
import json
import os
import time
from dataclasses import dataclass, field, fields
from pathlib import Path
from urllib.parse import urlsplit

from culler.core.critique import AUTHORITIES

SETTINGS_FILE = "vlm.json"
KEY_FILE = "vlm_key"
SHORTLISTS = ("groups", "review")  # the best frame of each group / every photo, in review order
CONSENT_FILE = "vlm_consent.json"
USAGE_FILE = "vlm_usage.json"
_LOCAL_SUFFIXES = (".localhost", ".local", ".lan", ".home", ".home.arpa", ".internal")


class VlmConfigError(Exception):
    """The endpoint is missing or the settings cannot be used; str() says what to do."""


@dataclass(frozen=True)
class VlmConfig:
    url: str | None = None
    model: str | None = None
    key: str | None = field(default=None, repr=False)
    authority: str = "explain"  # explain | rescue | decide (see culler.core.critique)
    timeout_s: float = 120.0  # per request
    retries: int = 2  # after a timeout, a 429 or a 5xx
    backoff_s: float = 2.0  # first wait after a 5xx or a timeout; doubles each time
    max_retry_after_s: float = 120.0  # a longer Retry-After stops the run instead of waiting
    requests_per_minute: float = 0.0  # 0 = no limit
    max_photos_per_run: int = 50
    daily_photos: int = 500
    price_per_photo: float | None = None  # in the user's currency; None = not shown
    seconds_per_photo: float | None = None  # for the estimate before sending; None = measured or guessed
    group_frames: int = 6  # frames of a burst sent in one ranking request
    long_edge: int = 1024
    shortlist: int = 20  # photos the window's "Ask about the shortlist" takes
    shortlist_from: str = "groups"  # one of SHORTLISTS

    @property
    def local(self) -> bool:
        return bool(self.url) and is_local(self.url)

    def describe(self) -> str:
        return f"{self.model or '(no model)'} at {safe_url(self.url)}"


def load_config(config_dir: Path, environ: dict | None = None) -> VlmConfig:
    """The settings file overlaid with the environment; raises VlmConfigError on a bad file."""
    env = os.environ if environ is None else environ
    values: dict = {}
    path = Path(config_dir) / SETTINGS_FILE
    if path.exists():
        try:
            values = json.loads(path.read_text(encoding="utf-8"))
            if not isinstance(values, dict):
                raise ValueError("not a JSON object")
        except (OSError, ValueError) as e:
            raise VlmConfigError(f"{path} cannot be read ({e}); fix or delete it") from e
    known = {f.name: f for f in fields(VlmConfig)}
    unknown = sorted(set(values) - set(known))
    if unknown:
        raise VlmConfigError(f"{path}: unknown setting(s) {', '.join(unknown)}; "
                             f"known: {', '.join(known)}")
    for name, value in values.items():
        numeric = isinstance(known[name].default, (int, float)) or name in ("price_per_photo", "seconds_per_photo")
        if numeric:
            wrong = not isinstance(value, (int, float)) or isinstance(value, bool)
        else:
            wrong = not isinstance(value, str)
        if wrong and not (value is None and known[name].default is None):
            raise VlmConfigError(f"{path}: {name} must be {'a number' if numeric else 'text'}, not {value!r}")
    stored_key = read_key(config_dir)
    if stored_key:
        values["key"] = stored_key
    for var, name in (("CULLER_VLM_URL", "url"), ("CULLER_VLM_MODEL", "model"), ("CULLER_VLM_KEY", "key")):
        if env.get(var):
            values[name] = env[var]
    if values.get("authority", "explain") not in AUTHORITIES:
        raise VlmConfigError(f"authority must be one of {', '.join(AUTHORITIES)}")
    if values.get("shortlist_from", "groups") not in SHORTLISTS:
        raise VlmConfigError(f"shortlist_from must be one of {', '.join(SHORTLISTS)}")
    return VlmConfig(**values)


def save_settings(config_dir: Path, values: dict) -> None:
    """Write these settings into vlm.json, keeping the others there; a "key" in `values` goes to
    the owner-only key file instead (None or "" forgets it), and a key left in vlm.json by hand
    moves there too. Raises VlmConfigError for an unknown setting."""
    path = Path(config_dir) / SETTINGS_FILE
    known = {f.name for f in fields(VlmConfig)}
    unknown = sorted(set(values) - known)
    if unknown:
        raise VlmConfigError(f"unknown setting(s) {', '.join(unknown)}")
    current = _read_json(path)
    values = dict(values)
    key = values.pop("key", current.pop("key", False))
    current.update(values)
    if key is not False:
        write_key(config_dir, key)
    try:
        _write_json(path, current)
    except OSError as e:
        raise VlmConfigError(f"{path} cannot be written ({e.strerror or e})") from e


def read_key(config_dir: Path) -> str | None:
    try:
        return (Path(config_dir) / KEY_FILE).read_text(encoding="utf-8").strip() or None
    except OSError:
        return None


def write_key(config_dir: Path, key: str | None) -> None:
    """Keep `key` in the key file, created readable by its owner only (0600); None forgets it."""
    path = Path(config_dir) / KEY_FILE
    if not key:
        path.unlink(missing_ok=True)
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".part")
    tmp.unlink(missing_ok=True)
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(key)
    os.replace(tmp, path)


def key_hint(key: str | None) -> str:
    """What may be shown of a key: its length and last two characters, never more."""
    if not key:
        return "(none)"
    return f"{'•' * 8}{key[-2:]} ({len(key)} characters)" if len(key) >= 12 else "•" * 8


def require_endpoint(config: VlmConfig) -> None:
    if not config.url or not config.model:
        raise VlmConfigError(
            "no vision-language model is configured: set CULLER_VLM_URL (e.g. "
            "http://localhost:11434/v1 for Ollama) and CULLER_VLM_MODEL, or put \"url\" and "
            "\"model\" in vlm.json in culler's config folder")
    if urlsplit(config.url).scheme not in ("http", "https"):
        raise VlmConfigError(f"CULLER_VLM_URL must start with http:// or https://, not {safe_url(config.url)}")
    if not config.local and not config.key:
        raise VlmConfigError(f"{safe_url(config.url)} is not a local endpoint: it needs a key "
                             "(CULLER_VLM_KEY or \"key\" in vlm.json)")


def is_local(url: str) -> bool:
    """Loopback, private or link-local addresses and LAN-style names; decided from the name alone
    (never a DNS lookup, which could say anything)."""
    host = (urlsplit(url).hostname or "").lower().rstrip(".")
    if not host:
        return False
    try:
        ip = ipaddress.ip_address(host)
    except ValueError:
        return host == "localhost" or "." not in host or host.endswith(_LOCAL_SUFFIXES)
    return ip.is_loopback or ip.is_private or ip.is_link_local


def safe_url(url: str | None) -> str:
    """The URL without user:password@ and without a query string (either may hold a secret)."""
    if not url:
        return "(none)"
    parts = urlsplit(url)
    host = parts.hostname or ""
    if parts.port:
        host += f":{parts.port}"
    return f"{parts.scheme}://{host}{parts.path}"


def redact(text: str, config: VlmConfig) -> str:
    text = str(text)
    if config.key:
        text = text.replace(config.key, "[key]")
    return text


# --------------------------------------------------------------------------- consent
def _endpoint_id(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{(parts.hostname or '').lower()}:{parts.port or ''}{parts.path.rstrip('/')}"


def needs_consent(config: VlmConfig, config_dir: Path) -> bool:
    return not config.local and _endpoint_id(config.url) not in _read_json(Path(config_dir) / CONSENT_FILE)


def give_consent(config: VlmConfig, config_dir: Path) -> None:
    path = Path(config_dir) / CONSENT_FILE
    consents = _read_json(path)
    consents[_endpoint_id(config.url)] = {"given": time.strftime("%Y-%m-%dT%H:%M:%S%z")}
    _write_json(path, consents)


# --------------------------------------------------------------------------- daily usage
def photos_sent_today(data_dir: Path) -> int:
    return int(_read_json(Path(data_dir) / USAGE_FILE).get(time.strftime("%Y-%m-%d"), 0))


def add_photos_sent(data_dir: Path, count: int) -> None:
    path = Path(data_dir) / USAGE_FILE
    usage = _read_json(path)
    today = time.strftime("%Y-%m-%d")
    usage[today] = int(usage.get(today, 0)) + count
    usage = dict(sorted(usage.items())[-40:])  # a few weeks of history is plenty
    _write_json(path, usage)


def _read_json(path: Path) -> dict:
    try:
        value = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return value if isinstance(value, dict) else {}


def _write_json(path: Path, value: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".part")
    tmp.write_text(json.dumps(value, indent=1), encoding="utf-8")
    os.replace(tmp, path)
