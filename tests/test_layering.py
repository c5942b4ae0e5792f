"""Layers as package contracts, read from every module's imports (function-level ones too):

- the headless packages (core, analysis, cli, pipeline, context) never import Qt or the window;
- core never imports the heavy parts of analysis (a module that imports torch & co. anywhere) nor
  the layers above it (pipeline, cli, ui);
- the window's packages form layers: window -> features (groups, review, export) ->
  views -> imaging, album -> base. A package imports only lower ones, never a sibling: the
  features are independent of one another and base imports no feature;
- the headless packages have no import cycles (the model builders once imported the analyzer that
  imports them);
- start-up imports no heavy library, and every module has a docstring.

The rules are checked over packages, so a new module is covered the moment it exists; a test
builds a small tree that breaks each rule and shows that it is caught.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
HEAVY = {"torch", "pyiqa", "open_clip", "sklearn", "cv2", "timm", "torchvision", "clip", "onnxruntime", "openai"}
QT = ("PySide6", "culler.ui")
UI_RANK = {"base": 0, "album": 1, "imaging": 1, "views": 2, "groups": 3, "review": 3, "export": 3, "taste": 3,
           "models": 3, "search": 3, "critique": 3, "window": 4}


def _modules(root: Path) -> dict[str, Path]:
    """Dotted module name -> file, for every module of the `culler` package under `root`."""
    out = {}
    for path in sorted((root / "culler").rglob("*.py")):
        parts = list(path.relative_to(root).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        out[".".join(parts)] = path
    return out


def _imports(name: str, path: Path) -> list[tuple[str, int]]:
    """Every module `name` imports, anywhere in the file, as (dotted name, line); `from a import b`
    yields both a and a.b, since b may be a module."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            found += [(a.name, node.lineno) for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(anchor + ([base] if base else []))
            found.append((base, node.lineno))
            found += [(f"{base}.{a.name}", node.lineno) for a in node.names]
    return found


def _under(name: str, prefix: str) -> bool:
    return name == prefix or name.startswith(prefix + ".")


def _headless(name: str) -> bool:
    top = name.split(".")[1] if "." in name else ""
    return top in ("core", "analysis", "cli", "pipeline", "context")


def _ui_package(name: str) -> str | None:
    parts = name.split(".")
    return parts[2] if len(parts) > 2 and parts[1] == "ui" else None


def layer_violations(root: Path) -> list[str]:
    modules = _modules(root)
    imports = {name: _imports(name, path) for name, path in modules.items()}
    heavy_analysis = {name for name, found in imports.items() if _under(name, "culler.analysis")
                      and any(i.split(".")[0] in HEAVY for i, _ in found)}
    out = []
    for name, found in imports.items():
        where = modules[name].relative_to(root)
        for target, line in found:
            rule = None
            if _headless(name) and any(_under(target, q) for q in QT):
                rule = "headless code imports Qt or the window"
            elif _under(name, "culler.core") and (target in heavy_analysis or any(
                    _under(target, p) for p in ("culler.cli", "culler.pipeline", "culler.ui"))):
                rule = "core imports a layer above it"
            elif (mine := _ui_package(name)) in UI_RANK and (theirs := _ui_package(target)) in UI_RANK \
                    and mine != theirs and UI_RANK[theirs] >= UI_RANK[mine]:
                rule = f"ui.{mine} may not import ui.{theirs}"
            if rule:
                out.append(f"{where}:{line}: {target} ({rule})")
    return sorted(set(out))


def test_packages_keep_their_layers():
    assert layer_violations(ROOT) == []


def test_a_broken_layer_is_caught(tmp_path):
    files = {
        "culler/core/leaky.py": "from PySide6.QtCore import QObject\n",
        "culler/core/eager.py": "def f():\n    from culler.analysis import scorer\n",
        "culler/analysis/scorer.py": "def build():\n    import torch\n",
        "culler/analysis/light.py": "import math\n",
        "culler/core/fine.py": "from culler.analysis import light\n",
        "culler/pipeline/extra.py": "import culler.ui.window.main_window\n",
        "culler/ui/groups/g.py": "from culler.ui.review import r\n",
        "culler/ui/review/r.py": "from ..views import v\n",
        "culler/ui/views/v.py": "from culler.ui.base import theme\n",
        "culler/ui/base/theme.py": "from culler.ui.window import main_window\n",
    }
    for rel, text in files.items():
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text(f'"""Test module."""\n{text}')
    found = "\n".join(layer_violations(tmp_path))
    assert "culler/core/leaky.py:2: PySide6.QtCore" in found
    assert "culler/core/eager.py:3: culler.analysis.scorer (core imports a layer above it)" in found
    assert "fine.py" not in found  # analysis modules without heavy imports are allowed
    assert "culler/pipeline/extra.py:2: culler.ui.window.main_window (headless" in found
    assert "culler/ui/groups/g.py:2: culler.ui.review (ui.groups may not import ui.review)" in found
    assert "culler/ui/base/theme.py:2: culler.ui.window (ui.base may not import ui.window)" in found
    assert "ui/review/r.py" not in found and "ui/views/v.py" not in found  # downwards is fine


def import_cycles(root: Path, packages=("core", "analysis", "pipeline", "cli")) -> list[str]:
    """Import cycles among the modules of these headless packages (function-level imports
    included), each as 'a -> b -> a' from its smallest module name."""
    modules = _modules(root)
    inside = {n for n in modules if n.split(".")[1:2] and n.split(".")[1] in packages}
    graph = {n: sorted({t for t, _ in _imports(n, modules[n]) if t in inside and t != n}) for n in inside}
    found = set()

    def walk(path: list[str]) -> None:
        for target in graph[path[-1]]:
            if target == path[0]:
                found.add(" -> ".join(path + [target]))
            elif target > path[0] and target not in path:  # each cycle once, from its smallest name
                walk(path + [target])

    for start in sorted(inside):
        walk([start])
    return sorted(found)


def test_the_headless_packages_have_no_import_cycles():
    assert import_cycles(ROOT) == []


def test_an_import_cycle_is_caught(tmp_path):
    files = {"culler/analysis/runner.py": "def f():\n    from culler.analysis import scorer\n",
             "culler/analysis/scorer.py": "def g():\n    from culler.analysis.runner import helper\n",
             "culler/analysis/helpers.py": "import math\n"}
    for rel, text in files.items():
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text(f'"""Test module."""\n{text}')
    assert import_cycles(tmp_path) == ["culler.analysis.runner -> culler.analysis.scorer -> culler.analysis.runner"]


def _module_level_imports(tree):
    for node in tree.body:
        if isinstance(node, ast.Import):
            yield from (a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            yield node.module


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


def test_the_headless_subset_does_not_import_torch():
    """tests/core is the quick subset named in the README: collecting it (the conftest and every
    test module) must not import torch, or it would cost seconds before the first test."""
    code = ("import sys, pytest\n"
            "pytest.main(['--collect-only', '-q', '-p', 'no:cacheprovider', 'tests/core'])\n"
            "print(sorted({'torch', 'torchvision'} & {k.split('.')[0] for k in sys.modules}))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True)
    assert out.stdout.strip().splitlines()[-1] == "[]"
