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


# every ASGI / HTTP-serving package the environment has (what the web layer may use)
WEB_PACKAGES = {"fasthtml", "starlette", "uvicorn", "sse_starlette", "httpx", "httpx2", "httpcore", "h11",
                "anyio", "python_multipart", "multipart", "itsdangerous", "websockets", "uvloop", "web", "app"}


def test_the_web_packages_listed_are_the_ones_installed():
    """The list above is not stale: each ASGI/web distribution installed is on it."""
    from importlib.metadata import packages_distributions

    installed = set(packages_distributions())
    for name in ("fasthtml", "starlette", "uvicorn", "sse_starlette"):
        assert name in installed and name in WEB_PACKAGES


@pytest.mark.parametrize("path", files("nodes", "plugins", "executor", "data"), ids=lambda p: str(p.relative_to(ROOT)))
def test_engine_side_never_imports_the_web_framework(path):
    bad = {m for m in imports_of(path) if m.split(".")[0] in WEB_PACKAGES}
    assert not bad, f"{path.relative_to(ROOT)} imports {bad}"


def test_app_py_assembles_and_defines_no_route():
    """Every route lives in a web/ module; app.py builds the app and runs the process."""
    tree = ast.parse((ROOT / "app.py").read_text())
    decorated = [f.name for f in ast.walk(tree) if isinstance(f, (ast.FunctionDef, ast.AsyncFunctionDef))
                 and f.decorator_list]
    assert decorated == []
    calls = {ast.unparse(c.func) for c in ast.walk(tree) if isinstance(c, ast.Call)}
    assert not {c for c in calls if c.endswith(("route", "Route", "add_api_route", "add_route"))}
    assert "router" not in (ROOT / "app.py").read_text()


def test_the_web_process_never_imports_the_worker(tmp_path):
    """The web side submits (executor.submit); the worker (which starts a forkserver when
    imported) is the consumer's, and so is drawing: matplotlib (26 MB the web held from its
    warm-up on) is the job host's. Checked in a fresh interpreter: after create_app, the
    warm-up `python app.py` does, a page, and a run submitted."""
    import subprocess
    import sys

    code = """
import sys, json
from app import create_app, warm_up
from starlette.testclient import TestClient
app = create_app()
warm_up(app)
seen = ["executor.worker" in sys.modules, "executor.runner" in sys.modules, "matplotlib" in sys.modules]
web = TestClient(app)
wf = json.load(open("examples/classification.json"))
made = web.post("/api/v1/workflows", json=wf).json()
r = web.post(f"/api/v1/workflows/{made['id']}/run")
assert r.status_code == 202, r.text
web.get(f"/workflows/{made['id']}")
seen += ["executor.worker" in sys.modules, "executor.runner" in sys.modules, "matplotlib" in sys.modules]
app.state.ingest.close()
print(json.dumps(seen))
"""
    r = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=240,
                       env={**__import__("os").environ, "PLAYGROUND_HOME": str(tmp_path)})
    assert r.returncode == 0, r.stderr[-3000:]
    assert r.stdout.strip().splitlines()[-1] == "[false, false, false, false, false, false]"


@pytest.mark.parametrize("path", files("components", "inspectors"), ids=lambda p: str(p.relative_to(ROOT)))
def test_rendering_side_never_touches_the_database(path):
    bad = {m for m in imports_of(path)
           if m.split(".")[0] in {"sqlite3", "sqlite_utils", "huey"} or m in {"data.store", "executor.jobs"}}
    assert not bad, f"{path.relative_to(ROOT)} imports {bad}"


def test_the_layers_contract_holds():
    """import-linter's contracts (pyproject.toml): app.py on top (nothing imports it), then
    web > inspectors | components > executor > data > nodes > plugins, imports inside
    functions included."""
    import subprocess
    import sys

    lint = Path(sys.executable).with_name("lint-imports")
    r = subprocess.run([str(lint), "--no-cache"], cwd=ROOT, capture_output=True, text=True)
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-2000:]
    assert "2 kept, 0 broken" in r.stdout


def test_the_runtime_module_imports_only_the_model_libraries():
    """playground_runtime ships verbatim in every model bundle: it may import numpy, pandas,
    scikit-learn, imbalanced-learn and xgboost (and the standard library), and skops, which
    its model loader uses and every bundle requires to read model.skops; orjson only as an
    optional speed-up of that loader (json reads the schema when it is missing:
    tests/test_bundle.py loads a file without it); nothing of ours, and it stays one file."""
    import sys

    runtime = ROOT / "playground_runtime"
    assert [p.name for p in runtime.glob("*.py")] == ["__init__.py"]
    allowed = {"numpy", "pandas", "sklearn", "imblearn", "xgboost", "skops", "__future__", "orjson"}
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


def test_the_connection_rule_and_its_sentences_are_written_once():
    """nodes/graph.py holds them; the canvas is sent them (boot.connections)."""
    sources = [p for f in ("nodes", "plugins", "executor", "data", "web", "components", "inspectors", "static")
               for p in sorted((ROOT / f).rglob("*")) if p.suffix in (".py", ".js")] + [ROOT / "app.py"]
    for phrase in ("takes one connection", "cannot be connected to itself", "s output ({"):
        holders = [str(p.relative_to(ROOT)) for p in sources if phrase in p.read_text()]
        assert holders == ["nodes/graph.py"], (phrase, holders)
    assert not [p for p in sources if "s output (${" in p.read_text() or "types.some(" in p.read_text()]
