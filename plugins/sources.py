"""The source text of the project's own modules as this process loaded them.

What the app writes out of its own code (an exported script inlines the functions and
classes a run used, plugins.codegen; a model bundle ships playground_runtime.py,
executor.bundle) must be the code this process runs. Read from the files on disk when it is
asked for, it was not, once the files changed under a running app (a `git pull` without a
restart): `inspect.getsource` (through linecache, which notices a changed file and reads it
again) cut the new file's text at the old code's line numbers, and a script failed with a
NameError or left its nodes out; a bundle shipped a runtime whose classes were not those the
running app had pickled.

So each project module's text is kept when it is imported: the import system is given, for
the project's files, a loader that reads the source once (the bytes and their size and time
from one open file), compiles, or checks its cached bytecode against, exactly those bytes,
and keeps them. `source(obj)` is `inspect.getsource` over the kept text; `module_text(name)`
a module's whole text. A module imported before this one (the few `plugins` itself needs,
and whatever came before it in the process) is read once when this module is imported, at
the process's start. Python's own modules and the libraries are not kept (they are imported
by a script, never copied into it).
"""

from __future__ import annotations

import importlib.machinery
import importlib.util
import inspect
import linecache
import os
import sys
import threading
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[1]
_texts: dict[str, str] = {}  # a module file's resolved path -> its text, as compiled
_lock = threading.Lock()


def is_project_file(path) -> bool:
    if not path:
        return False
    path = Path(path).resolve()
    return PROJECT in path.parents and "site-packages" not in path.parts


class _KeepingLoader(importlib.machinery.SourceFileLoader):
    """SourceFileLoader whose source file is read once: the stats it checks the cached
    bytecode against and the bytes it compiles are those of the one read, which are kept."""

    def _read(self) -> tuple[os.stat_result, bytes]:
        kept = getattr(self, "_kept", None)
        if kept is None:
            with open(self.path, "rb") as f:
                kept = self._kept = (os.fstat(f.fileno()), f.read())
        return kept

    def path_stats(self, path):
        if path == self.path:
            st, _ = self._read()
            return {"mtime": st.st_mtime, "size": st.st_size}
        return super().path_stats(path)

    def get_data(self, path):
        if path == self.path:
            return self._read()[1]
        return super().get_data(path)

    def exec_module(self, module):
        self._kept = None  # (a reload reads the file again)
        code = self.get_code(module.__name__)
        _keep(self.path, importlib.util.decode_source(self._read()[1]))
        exec(code, module.__dict__)


class _KeepingFinder:
    """Finds modules as Python's path finder does, and loads the project's with _KeepingLoader."""

    @classmethod
    def find_spec(cls, fullname, path=None, target=None):
        spec = importlib.machinery.PathFinder.find_spec(fullname, path, target)
        if spec is None or not isinstance(spec.loader, importlib.machinery.SourceFileLoader) \
                or not is_project_file(spec.origin):
            return spec
        spec.loader = _KeepingLoader(spec.loader.name, spec.loader.path)
        return spec


def _keep(path: str, text: str) -> None:
    with _lock:
        _texts[str(Path(path).resolve())] = text


def _install() -> None:
    if any(f is _KeepingFinder for f in sys.meta_path):
        return
    at = next((i for i, f in enumerate(sys.meta_path) if f is importlib.machinery.PathFinder), len(sys.meta_path))
    sys.meta_path.insert(at, _KeepingFinder)
    for module in list(sys.modules.values()):  # imported before this: read now, at the process's start
        path = getattr(module, "__file__", None)
        if path and path.endswith(".py") and is_project_file(path) and str(Path(path).resolve()) not in _texts:
            try:
                _keep(path, importlib.util.decode_source(Path(path).read_bytes()))
            except (OSError, SyntaxError, UnicodeDecodeError):
                pass


def module_text(module) -> str:
    """The text of a project module (a module or its name) as this process loaded it."""
    if isinstance(module, str):
        module = sys.modules.get(module) or importlib.import_module(module)
    path = str(Path(module.__file__).resolve())
    with _lock:
        text = _texts.get(path)
    if text is None:
        raise OSError(f"the source of {module.__name__} was not kept when it was loaded")
    return text


def kept(path) -> str | None:
    """The text of a project file as this process loaded it, or None when it was not loaded."""
    with _lock:
        return _texts.get(str(Path(path).resolve()))


def source(obj) -> str:
    """`inspect.getsource(obj)` for a function or class of a project module, from the text
    the module was loaded from (not the file as it is now): linecache is given that text as
    an entry it never checks against the disk (the kind it keeps for a module loaded by a
    loader), so inspect's own rules find the object in it; a traceback then quotes it too."""
    module = sys.modules.get(getattr(obj, "__module__", None) or "")
    if module is None or not is_project_file(getattr(module, "__file__", None)):
        return inspect.getsource(obj)
    text = module_text(module)
    filename = inspect.getsourcefile(obj) or module.__file__
    lines = text.splitlines(keepends=True)
    linecache.cache[filename] = (len(text), None, lines, filename)
    return inspect.getsource(obj)


_install()
