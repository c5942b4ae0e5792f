"""The core, the analysis and the pipeline never import Qt, and start-up imports no heavy library."""

import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
HEADLESS = [ROOT / "culler" / "core", ROOT / "culler" / "analysis", ROOT / "culler" / "pipeline.py",
            ROOT / "culler" / "cli", ROOT / "culler" / "context.py"]
HEAVY = {"torch", "pyiqa", "open_clip", "sklearn", "cv2", "timm", "torchvision", "clip"}


def _python_files():
    for p in HEADLESS:
        yield from ([p] if p.is_file() else sorted(p.rglob("*.py")))


def _module_level_imports(tree):
    for node in tree.body:
        if isinstance(node, ast.Import):
            yield from (a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            yield node.module


def test_headless_modules_never_import_qt():
    offenders = []
    for path in _python_files():
        tree = ast.parse(path.read_text(), str(path))
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            offenders += [f"{path.relative_to(ROOT)}: {n}" for n in names if n.split(".")[0] in {"PySide6", "culler.ui"} or n.startswith("culler.ui")]
    assert offenders == []


def test_heavy_libraries_are_imported_lazily():
    offenders = []
    for path in sorted((ROOT / "culler").rglob("*.py")):
        tree = ast.parse(path.read_text(), str(path))
        offenders += [f"{path.relative_to(ROOT)}: {n}" for n in _module_level_imports(tree) if n.split(".")[0] in HEAVY]
    assert offenders == []


def test_cli_help_starts_without_heavy_libraries():
    code = ("import sys, culler.__main__ as m\n"
            "try:\n    m.main(['--help'])\nexcept SystemExit:\n    pass\n"
            f"print(sorted(set(k.split('.')[0] for k in sys.modules) & set({sorted(HEAVY | {'PySide6'})!r})))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip().splitlines()[-1] == "[]"


def test_every_module_has_a_docstring():
    missing = [str(p.relative_to(ROOT)) for p in sorted((ROOT / "culler").rglob("*.py"))
               if ast.get_docstring(ast.parse(p.read_text())) is None]
    assert missing == []
