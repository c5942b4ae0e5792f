"""Endpoint settings, what counts as local, consent per endpoint, and the daily count."""

from __future__ import annotations

import json

import pytest

from culler.analysis.vlm_config import (
    VlmConfig,
    VlmConfigError,
    add_photos_sent,
    give_consent,
    is_local,
    key_hint,
    load_config,
    needs_consent,
    photos_sent_today,
    redact,
    require_endpoint,
    safe_url,
    save_settings,
)


@pytest.mark.parametrize("url", ["http://localhost:11434/v1", "http://127.0.0.1:8080/v1", "http://[::1]:1234/v1",
                                 "http://192.168.1.20:8000/v1", "http://10.0.0.5/v1", "http://gpu-box:1234/v1",
                                 "http://studio.local:1234/v1", "http://nas.lan/v1", "http://ai.home.arpa/v1"])
def test_local_endpoints(url):
    assert is_local(url)


@pytest.mark.parametrize("url", ["https://api.openai.com/v1", "https://8.8.8.8/v1",
                                 "https://localhost.example.com/v1", "https://openrouter.ai/api/v1", "nonsense"])
def test_remote_endpoints(url):
    assert not is_local(url)


def test_environment_overrides_the_settings_file(tmp_path):
    (tmp_path / "vlm.json").write_text(json.dumps({"url": "http://localhost:1/v1", "model": "a",
                                                   "max_photos_per_run": 7, "authority": "rescue"}))
    config = load_config(tmp_path, {"CULLER_VLM_MODEL": "b", "CULLER_VLM_KEY": "sk-secret"})
    assert (config.url, config.model, config.key, config.max_photos_per_run, config.authority) == \
        ("http://localhost:1/v1", "b", "sk-secret", 7, "rescue")
    assert "sk-secret" not in repr(config)
    assert redact("bad key sk-secret", config) == "bad key [key]"


@pytest.mark.parametrize("content, message", [("{", "cannot be read"), ('{"urll": "x"}', "unknown setting"),
                                              ('{"authority": "boss"}', "authority must be"),
                                              ('{"timeout_s": "fast"}', "timeout_s must be a number"),
                                              ('{"model": 3}', "model must be text"),
                                              ('{"retries": null}', "retries must be a number")])
def test_bad_settings_files_say_what_is_wrong(tmp_path, content, message):
    (tmp_path / "vlm.json").write_text(content)
    with pytest.raises(VlmConfigError, match=message):
        load_config(tmp_path, {})


def test_an_endpoint_is_required_and_a_remote_one_needs_a_key():
    with pytest.raises(VlmConfigError, match="CULLER_VLM_URL"):
        require_endpoint(VlmConfig())
    with pytest.raises(VlmConfigError, match="needs a key"):
        require_endpoint(VlmConfig(url="https://api.example.com/v1", model="m"))
    require_endpoint(VlmConfig(url="http://localhost:11434/v1", model="m"))  # a local one needs none


def test_consent_is_per_endpoint_and_remembered(tmp_path):
    cloud = VlmConfig(url="https://api.example.com/v1", model="m", key="k")
    other = VlmConfig(url="https://other.example.com/v1", model="m", key="k")
    local = VlmConfig(url="http://localhost:11434/v1", model="m")
    assert needs_consent(cloud, tmp_path) and needs_consent(other, tmp_path)
    assert not needs_consent(local, tmp_path)
    give_consent(cloud, tmp_path)
    assert not needs_consent(VlmConfig(url="https://API.example.com/v1/", model="x", key="k"), tmp_path)
    assert needs_consent(other, tmp_path)


def test_safe_url_drops_credentials_and_query():
    assert safe_url("https://user:pw@api.example.com:8443/v1?key=abc") == "https://api.example.com:8443/v1"


def test_photos_sent_today_add_up(tmp_path):
    assert photos_sent_today(tmp_path) == 0
    add_photos_sent(tmp_path, 3)
    add_photos_sent(tmp_path, 2)
    assert photos_sent_today(tmp_path) == 5


def test_saved_settings_keep_the_key_in_an_owner_only_file_never_in_vlm_json(tmp_path):
    import stat

    (tmp_path / "vlm.json").write_text(json.dumps({"model": "a", "key": "sk-typed-by-hand-0000", "retries": 4}))
    save_settings(tmp_path, {"url": "http://localhost:1/v1", "authority": "decide", "shortlist": 12})
    on_disk = json.loads((tmp_path / "vlm.json").read_text())
    assert on_disk == {"model": "a", "retries": 4, "url": "http://localhost:1/v1", "authority": "decide",
                       "shortlist": 12}  # the hand-written key moved out, the rest kept
    key_file = tmp_path / "vlm_key"
    assert key_file.read_text() == "sk-typed-by-hand-0000" and stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert load_config(tmp_path, {}).key == "sk-typed-by-hand-0000"
    assert load_config(tmp_path, {"CULLER_VLM_KEY": "sk-env"}).key == "sk-env"  # the environment wins

    save_settings(tmp_path, {"key": "sk-new-one-123456"})
    assert load_config(tmp_path, {}).key == "sk-new-one-123456"
    assert "sk-new" not in (tmp_path / "vlm.json").read_text()
    assert key_hint("sk-new-one-123456") == "••••••••56 (17 characters)" and key_hint("short") == "••••••••"
    save_settings(tmp_path, {"key": None})  # forgotten
    assert not key_file.exists() and load_config(tmp_path, {}).key is None
    with pytest.raises(VlmConfigError, match="unknown setting"):
        save_settings(tmp_path, {"urll": "x"})
    (tmp_path / "vlm.json").write_text(json.dumps({"shortlist_from": "everything"}))
    with pytest.raises(VlmConfigError, match="shortlist_from must be"):
        load_config(tmp_path, {})
