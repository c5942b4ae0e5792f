"""Fixtures of the hardening tests: the hostile album (built once per session, copied per test)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.hardening.corpus import build_corpus, copy_corpus

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def corpus_template(tmp_path_factory):
    folder = tmp_path_factory.mktemp("corpus") / "hostile"
    return folder, build_corpus(folder)


@pytest.fixture
def corpus(corpus_template, tmp_path):
    """(a fresh copy of the hostile album, its entries)."""
    template, entries = corpus_template
    return copy_corpus(template, tmp_path / "hostile"), entries


def culler_command(*args: str, drop_root_read: bool = False) -> list[str]:
    """`python -m culler ARGS`; with drop_root_read, without root's power to read any file
    (CAP_DAC_OVERRIDE / CAP_DAC_READ_SEARCH dropped with setpriv), so chmod 000 stops reads."""
    cmd = [sys.executable, "-m", "culler", *args]
    if drop_root_read and os.geteuid() == 0:
        caps = "-dac_override,-dac_read_search"
        cmd = ["setpriv", f"--bounding-set={caps}", f"--inh-caps={caps}", *cmd]
    return cmd


def run_culler(*args: str, timeout: float = 180, drop_root_read: bool = False, env_extra=None):
    env = dict(os.environ, PYTHONPATH=str(ROOT), **(env_extra or {}))
    return subprocess.run(culler_command(*args, drop_root_read=drop_root_read), cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=timeout, stdin=subprocess.DEVNULL)


def can_drop_root_read() -> bool:
    """Whether setpriv can take root's read-anything capability away here (containers may refuse)."""
    if os.geteuid() != 0:
        return True  # chmod 000 already stops an ordinary user
    try:
        r = subprocess.run(["setpriv", "--bounding-set=-dac_override,-dac_read_search",
                            "--inh-caps=-dac_override,-dac_read_search", "true"],
                           capture_output=True, timeout=10)
    except (OSError, subprocess.SubprocessError):
        return False
    return r.returncode == 0
