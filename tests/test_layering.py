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
