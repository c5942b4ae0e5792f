"""ruff over the code and the tests, with the configuration in pyproject.toml: any finding fails."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PATHS = ("culler", "tests", "benchmarks")


def _ruff(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "ruff", "check", "--no-cache", *args],
                          capture_output=True, text=True, cwd=cwd)


def test_ruff_finds_nothing():
    out = _ruff(*PATHS)
    assert "No module named ruff" not in out.stderr, "ruff is missing: ./dev.sh setup installs requirements-dev.txt"
    assert out.returncode == 0, out.stdout[-6000:] + out.stderr


def test_ruff_reports_a_finding_with_the_project_rules(tmp_path):
    bad = tmp_path / "bad.py"
    bad.write_text('"""A module with the mistakes the rules are for."""\nimport os, sys\n\n\ndef f(x=[]):\n'
                   '    return undefined_name\n')
    out = _ruff("--config", str(ROOT / "pyproject.toml"), str(bad), "--output-format", "concise", cwd=tmp_path)
    assert out.returncode == 1
    for code in ("E401", "F401", "B006", "F821"):
        assert code in out.stdout
