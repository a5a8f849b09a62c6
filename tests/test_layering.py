"""The layering rules, checked on the source: the engine side never imports the web
framework, and the rendering side never touches the database."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def imports_of(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def files(*folders):
    return [p for f in folders for p in sorted((ROOT / f).rglob("*.py"))]


@pytest.mark.parametrize("path", files("nodes", "plugins", "executor", "data"), ids=lambda p: str(p.relative_to(ROOT)))
def test_engine_side_never_imports_the_web_framework(path):
    bad = {m for m in imports_of(path) if m.split(".")[0] in {"fasthtml", "starlette", "uvicorn"}}
    assert not bad, f"{path.relative_to(ROOT)} imports {bad}"


@pytest.mark.parametrize("path", files("components", "inspectors"), ids=lambda p: str(p.relative_to(ROOT)))
def test_rendering_side_never_touches_the_database(path):
    bad = {m for m in imports_of(path)
           if m.split(".")[0] in {"sqlite3", "sqlite_utils", "huey"} or m in {"data.store", "executor.jobs"}}
    assert not bad, f"{path.relative_to(ROOT)} imports {bad}"


def test_the_layers_contract_holds():
    """import-linter's layers contract (pyproject.toml): web > inspectors | components >
    executor > data > nodes > plugins, imports inside functions included."""
    import subprocess
    import sys

    lint = Path(sys.executable).with_name("lint-imports")
    r = subprocess.run([str(lint), "--no-cache"], cwd=ROOT, capture_output=True, text=True)
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-2000:]
    assert "1 kept, 0 broken" in r.stdout


def test_the_runtime_module_imports_only_the_model_libraries():
    """playground_runtime ships verbatim in every model bundle: it may import numpy, pandas,
    scikit-learn, imbalanced-learn and xgboost (and the standard library), nothing of ours,
    and stays one file."""
    import sys

    runtime = ROOT / "playground_runtime"
    assert [p.name for p in runtime.glob("*.py")] == ["__init__.py"]
    allowed = {"numpy", "pandas", "sklearn", "imblearn", "xgboost", "__future__"}
    roots = {m.split(".")[0] for m in imports_of(runtime / "__init__.py")}
    bad = {r for r in roots if r not in allowed and r not in sys.stdlib_module_names}
    assert not bad, f"playground_runtime imports {bad}"


def test_no_import_cycle_between_modules():
    """Every import, at the top of a module or inside a function, in one graph (grimp's):
    the standard library's graphlib finds no cycle in it."""
    from graphlib import CycleError, TopologicalSorter

    import grimp

    graph = grimp.build_graph("plugins", "nodes", "data", "executor", "inspectors", "components", "web",
                              "playground_runtime")
    deps = {m: graph.find_modules_directly_imported_by(m) for m in graph.modules}
    # a package's __init__ importing its own submodules is not a cycle of ours
    deps = {m: {d for d in ds if not m.startswith(d + ".") and not d.startswith(m + ".")} for m, ds in deps.items()}
    try:
        list(TopologicalSorter(deps).static_order())
    except CycleError as e:
        pytest.fail(f"import cycle: {' -> '.join(e.args[1])}")
