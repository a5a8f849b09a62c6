"""Python source for an exported script: the project's own code a script needs, inlined,
and objects built by the app written back as the code that builds them.

`Source` collects what one script needs:

- `ref(obj)` names a function, class or module in the script: a library's (numpy, pandas,
  scikit-learn, imbalanced-learn, XGBoost, Optuna, matplotlib, SciPy, SHAP, the standard
  library) is imported; the project's own (a module in this checkout) is inlined from its
  source as this process loaded it (plugins.sources: not the file as it is now, which a
  `git pull` under a running app changes), with everything it uses, recursively, so the script imports nothing from the
  project. A name two definitions want is given to the first; the other is renamed and
  every reference to it rewritten.
- `render(value)` writes a value as code: numbers, text, containers, and objects built by the
  app (a scikit-learn transformer, a ColumnTransformer with its column selectors, a sampler
  and its function) as the constructor call that builds them again, with the parameters
  that differ from the constructor's defaults (the library versions are pinned beside it). A
  project object that names the library object computing the same (`exported_as()`, as
  playground_runtime.OnColumns a ColumnTransformer) is written as that one.

Anything else (a library the script does not install, an object with no constructor that
gives it back, a closure) raises `NotExportable` with a sentence: the script then says so
rather than silently doing something else.
"""

from __future__ import annotations

import ast
import builtins
import importlib
import inspect
import math
import re
import sys
import textwrap
import types

import numpy as np

from plugins import sources
from plugins.sources import is_project_file

# libraries a script may import (with the standard library); versions are pinned in its header
LIBRARIES = ("numpy", "pandas", "sklearn", "imblearn", "xgboost", "optuna", "matplotlib", "scipy", "shap",
             "joblib", "pyarrow")
ALIASES = {"numpy": "np", "pandas": "pd"}
DISTRIBUTIONS = {"numpy": "numpy", "pandas": "pandas", "sklearn": "scikit-learn", "imblearn": "imbalanced-learn",
                 "xgboost": "xgboost", "optuna": "optuna", "matplotlib": "matplotlib", "scipy": "scipy",
                 "shap": "shap", "joblib": "joblib", "pyarrow": "pyarrow"}


class NotExportable(Exception):
    """A piece of a run that no script can reproduce; the message says which and why."""


def is_project_module(module) -> bool:
    return is_project_file(getattr(module, "__file__", None))


def _top(name: str) -> str:
    return name.split(".")[0]


def is_library(module_name: str) -> bool:
    top = _top(module_name)
    return top in LIBRARIES or top in sys.stdlib_module_names


def public_module(obj) -> str:
    """The shortest public module that gives `obj` under its own name (scikit-learn's
    classes live in private modules: sklearn.ensemble._forest -> sklearn.ensemble)."""
    parts = obj.__module__.split(".")
    for i in range(1, len(parts) + 1):
        if any(p.startswith("_") for p in parts[1:i]):
            break
        name = ".".join(parts[:i])
        try:
            if getattr(importlib.import_module(name), obj.__name__, None) is obj:
                return name
        except ImportError:
            continue
    return obj.__module__


def _is_constant(value) -> bool:
    if value is None or isinstance(value, (bool, int, float, str, bytes)):
        return True
    if isinstance(value, (tuple, list, frozenset, set)):
        return all(_is_constant(v) for v in value)
    if isinstance(value, dict):
        return all(_is_constant(k) and _is_constant(v) for k, v in value.items())
    return False


class _Names(ast.NodeVisitor):
    """The names a definition reads (outside annotations), the names it binds itself, the
    project imports inside it (to be inlined instead), and `module.attr` uses."""

    def __init__(self):
        self.loads, self.bound, self.local_imports, self.attrs, self.import_nodes = [], set(), {}, [], []
        self.libraries: set = set()  # libraries a function imports in its body (xgboost's build): the script needs them

    def visit_Name(self, node):
        if isinstance(node.ctx, ast.Load):
            self.loads.append(node)
        else:
            self.bound.add(node.id)

    def visit_Attribute(self, node):
        if isinstance(node.value, ast.Name) and isinstance(node.value.ctx, ast.Load):
            self.attrs.append(node)
        self.generic_visit(node)

    def visit_arg(self, node):
        self.bound.add(node.arg)  # its annotation is not visited

    def _function(self, node):
        for d in node.decorator_list:
            self.visit(d)
        self.visit(node.args)
        for stmt in node.body:
            self.visit(stmt)

    visit_FunctionDef = visit_AsyncFunctionDef = _function

    def visit_arguments(self, node):
        for a in [*node.posonlyargs, *node.args, *node.kwonlyargs, node.vararg, node.kwarg]:
            if a is not None:
                self.visit_arg(a)
        for d in [*node.defaults, *node.kw_defaults]:
            if d is not None:
                self.visit(d)

    def visit_AnnAssign(self, node):
        self.visit(node.target)
        if node.value is not None:
            self.visit(node.value)

    def visit_ImportFrom(self, node):
        module = sys.modules.get(node.module or "")
        if module is not None and is_project_module(module):
            self.import_nodes.append(node)
            for a in node.names:
                if a.asname and a.asname != a.name:
                    raise NotExportable(f"it imports {a.name} as {a.asname} from the project")
                self.local_imports[a.name] = getattr(module, a.name)
        else:
            self.libraries.add(_top(node.module or ""))
            for a in node.names:
                self.bound.add(a.asname or a.name)

    def visit_Import(self, node):
        for a in node.names:
            module = sys.modules.get(a.name)
            if module is not None and is_project_module(module):
                raise NotExportable(f"it imports the project module {a.name}")
            self.libraries.add(_top(a.name))
            self.bound.add((a.asname or a.name).split(".")[0])


class Source:
    """What one script needs, collected as its code is written: imports and inlined
    definitions, in an order that defines everything before a class body needs it."""

    def __init__(self):
        self._taken: dict[str, object] = {name: "builtin" for name in dir(builtins)}
        self._names: dict[object, str] = {}  # key -> script name
        self.imports: list[str] = []
        self.definitions: list[str] = []  # source blocks, dependencies first
        self.libraries: set[str] = set()
        self._busy: set = set()

    # ------------------------------------------------------------------ naming
    def _claim(self, key, wanted: str) -> str:
        if key in self._names:
            return self._names[key]
        name, n = wanted, 2
        while name in self._taken and self._taken[name] != key:
            name, n = f"{wanted}_{n}", n + 1
        self._taken[name] = key
        self._names[key] = name
        return name

    def reserve(self, name: str) -> str:
        """A name the script's own code uses (a variable of main): never given to a definition."""
        return self._claim(("reserved", name), name)

    def _import(self, line: str, module_name: str) -> None:
        self.libraries.add(_top(module_name))
        if line not in self.imports:
            self.imports.append(line)

    # ------------------------------------------------------------------ references
    def ref(self, obj, as_name: str | None = None) -> str:
        """The script's name for a module, function, class or constant (imported, or inlined)."""
        if isinstance(obj, types.ModuleType):
            if is_project_module(obj):
                raise NotExportable(f"it uses the project module {obj.__name__} as a whole")
            if not is_library(obj.__name__):
                raise NotExportable(f"it needs the library {_top(obj.__name__)}, which an exported script does "
                                    "not install")
            wanted = as_name or ALIASES.get(obj.__name__) or obj.__name__.split(".")[-1]
            name = self._claim(("module", obj.__name__), wanted)
            parent, _, last = obj.__name__.rpartition(".")
            line = (f"import {obj.__name__}" + (f" as {name}" if name != obj.__name__ else "")) if not parent else \
                f"from {parent} import {last}" + (f" as {name}" if name != last else "")
            self._import(line, obj.__name__)
            return name
        module_name = getattr(obj, "__module__", None)
        if isinstance(obj, (types.FunctionType, type)) and module_name:
            module = sys.modules.get(module_name)
            if module is not None and is_project_module(module):
                return self._inline(obj, as_name)
            if not is_library(module_name):
                raise NotExportable(f"{obj.__qualname__} comes from {_top(module_name)}, a library an exported "
                                    "script does not install")
            where = public_module(obj)
            name = self._claim(("lib", where, obj.__qualname__), as_name or obj.__name__)
            self._import(f"from {where} import {obj.__name__}" + (f" as {name}" if name != obj.__name__ else ""),
                         where)
            return name
        if callable(obj) and module_name and is_library(module_name) and hasattr(obj, "__name__"):
            # a library's function of another kind (a numpy ufunc, a builtin of a C module)
            module = importlib.import_module(module_name)
            if getattr(module, obj.__name__, None) is obj:
                name = self._claim(("lib", module_name, obj.__name__), as_name or obj.__name__)
                self._import(f"from {module_name} import {obj.__name__}" + (
                    f" as {name}" if name != obj.__name__ else ""), module_name)
                return name
        raise NotExportable(f"{as_name or type(obj).__name__} is not code a script can carry")

    def _inline(self, obj, as_name: str | None = None) -> str:
        key = ("def", obj.__module__, obj.__qualname__)
        if key in self._names:
            return self._names[key]
        if obj.__qualname__ != obj.__name__ or obj.__name__ == "<lambda>":
            raise NotExportable(f"{obj.__qualname__} is defined inside another function")
        name = self._claim(key, as_name or obj.__name__)
        self._busy.add(key)
        try:
            block = self._rewrite(obj, name)
        except NotExportable as e:
            raise NotExportable(f"{obj.__module__}.{obj.__qualname__}: {e}") from None
        except (OSError, TypeError) as e:
            raise NotExportable(f"the source of {obj.__qualname__} cannot be read ({e})") from None
        finally:
            self._busy.discard(key)
        self.definitions.append(block)
        return name

    def _global(self, module, name: str, value) -> str:
        """The script's name for `name` as `module` defines it."""
        if isinstance(value, (types.ModuleType, types.FunctionType, type)) or (
                callable(value) and is_library(getattr(value, "__module__", None) or "")):
            return self.ref(value, name)
        if _is_constant(value) or isinstance(value, re.Pattern) and isinstance(value.pattern, str):
            key = ("const", module.__name__, name)
            if key not in self._names:
                script_name = self._claim(key, name)
                self.definitions.append(f"{script_name} = {self._constant(value)}")
            return self._names[key]
        raise NotExportable(f"it uses {name}, which is not code or a plain value")

    def _constant(self, value) -> str:
        """A plain value as written; a compiled text pattern compiled again."""
        if isinstance(value, re.Pattern):
            flags = value.flags & ~re.UNICODE  # a text pattern's own default
            return f"{self.ref(re)}.compile({value.pattern!r}" + (f", {int(flags)}" if flags else "") + ")"
        return self.render(value)

    def _rewrite(self, obj, name: str) -> str:
        source = textwrap.dedent(sources.source(obj))  # as this process loaded it, not as the file is now
        tree = ast.parse(source)
        found = _Names()
        found.visit(tree.body[0] if isinstance(tree.body[0], (ast.FunctionDef, ast.ClassDef)) else tree)
        if isinstance(tree.body[0], ast.ClassDef):
            found.bound.discard(obj.__name__)
        self.libraries |= {lib for lib in found.libraries if lib}  # found by a new user: a script of an xgboost
        # model said "pip install … scikit-learn" without xgboost, and failed on its import in a clean environment
        module = sys.modules[obj.__module__]
        scope = vars(module)
        lines = source.splitlines()
        edits = []  # (line, start col, end col, new text)

        def resolve(ident: str) -> str | None:
            if ident in found.local_imports:
                return self._global(module, ident, found.local_imports[ident])
            if ident in found.bound or ident not in scope:
                return None
            return self._global(module, ident, scope[ident])

        attr_names = {id(a.value) for a in found.attrs}
        for a in found.attrs:
            value = found.local_imports.get(a.value.id, scope.get(a.value.id)) if a.value.id not in found.bound else None
            if isinstance(value, types.ModuleType) and is_project_module(value):
                if not hasattr(value, a.attr):
                    raise NotExportable(f"{a.value.id}.{a.attr} is not defined")
                new = self._global(value, a.attr, getattr(value, a.attr))
                edits.append((a.lineno, a.col_offset, a.end_col_offset, new))
        project_modules = {a.value.id for a in found.attrs if isinstance(
            found.local_imports.get(a.value.id, scope.get(a.value.id)), types.ModuleType)
            and is_project_module(found.local_imports.get(a.value.id, scope.get(a.value.id)))}
        for node in found.loads:
            if node.id == obj.__name__ and node.id not in found.local_imports:
                new = name  # a reference to itself (recursion, a classmethod's own class)
            elif node.id in project_modules and id(node) in attr_names:
                continue  # written as the inlined attribute above
            else:
                new = resolve(node.id)
            if new is not None and new != node.id:
                edits.append((node.lineno, node.col_offset, node.end_col_offset, new))
        head = tree.body[0]
        if name != obj.__name__:
            i = head.lineno - 1
            word = "class " if isinstance(head, ast.ClassDef) else "def "
            lines[i] = lines[i].replace(word + obj.__name__, word + name, 1)
        for lineno, start, end, new in sorted(edits, reverse=True):
            line = lines[lineno - 1]
            lines[lineno - 1] = line[:start] + new + line[end:]
        for node in sorted(found.import_nodes, key=lambda n: n.lineno, reverse=True):
            del lines[node.lineno - 1:node.end_lineno]  # what it imported from the project is inlined
        return _tidy("\n".join(lines))

    # ------------------------------------------------------------------ values
    def render(self, value, _inside_output: bool = False) -> str:
        """`value` as code that builds it again."""
        if value is None or isinstance(value, (bool, str, bytes)):
            return repr(value)
        if isinstance(value, np.generic):
            return self.render(value.item())
        if isinstance(value, int):
            return repr(value)
        if isinstance(value, float):
            if math.isnan(value):
                return f"{self.ref(np)}.nan"
            if math.isinf(value):
                return f"{'-' if value < 0 else ''}{self.ref(np)}.inf"
            return repr(value)
        if isinstance(value, tuple):
            items = [self.render(v, _inside_output) for v in value]
            return "(" + ", ".join(items) + ("," if len(items) == 1 else "") + ")"
        if isinstance(value, list):
            return "[" + ", ".join(self.render(v, _inside_output) for v in value) + "]"
        if isinstance(value, dict):
            return "{" + ", ".join(f"{self.render(k)}: {self.render(v, _inside_output)}" for k, v in value.items()) + "}"
        if isinstance(value, np.ndarray):
            return f"{self.ref(np)}.array({self.render(value.tolist())}, dtype={value.dtype.name!r})"
        if isinstance(value, np.dtype):
            return f"{self.ref(np)}.dtype({value.name!r})"
        if isinstance(value, (types.FunctionType, type, types.ModuleType)):
            return self.ref(value)
        if callable(value) and not hasattr(value, "__dict__") and hasattr(value, "__name__"):
            return self.ref(value)
        return self._construct(value, _inside_output)

    def _construct(self, obj, inside_output: bool) -> str:
        if callable(getattr(obj, "exported_as", None)):  # a project step that a library object computes alike
            return self.render(obj.exported_as(), inside_output)
        cls = type(obj)
        try:
            signature = inspect.signature(cls.__init__)
        except (TypeError, ValueError):
            raise NotExportable(f"a {cls.__name__} cannot be written as code") from None
        params = [p for p in list(signature.parameters.values())[1:]
                  if p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)]
        if hasattr(obj, "get_params"):
            values = obj.get_params(deep=False)
        else:
            missing = [p.name for p in params if not hasattr(obj, p.name)]
            if missing:
                raise NotExportable(f"a {cls.__name__} does not keep its argument {missing[0]!r}, so it cannot be "
                                    "written as code")
            values = {p.name: getattr(obj, p.name) for p in params}
        output = (getattr(obj, "_sklearn_output_config", None) or {}).get("transform")
        args, keyword = [], False
        for p in params:
            if p.name not in values:
                continue
            value = values[p.name]
            if p.default is not p.empty and _same(value, p.default):
                keyword = True
                continue
            text = self.render(value, inside_output or bool(output))
            if p.kind == p.KEYWORD_ONLY or keyword or hasattr(obj, "get_params"):
                args.append(f"{p.name}={text}")
                keyword = True
            else:
                args.append(text)
        code = f"{self.ref(cls)}({', '.join(args)})"
        if output and not inside_output:
            code += f".set_output(transform={output!r})"
        return code


def _same(a, b) -> bool:
    if type(a) is not type(b) and not (isinstance(a, (int, float)) and isinstance(b, (int, float))
                                       and not isinstance(a, bool) and not isinstance(b, bool)):
        return False
    try:
        if isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b):
            return True
        return bool(a == b)
    except (TypeError, ValueError):
        return a is b


def _tidy(source: str) -> str:
    return source.rstrip() + "\n"


def wrap_call(head: str, args: list[str], indent: str = "", width: int = 100) -> str:
    """`head(arg, arg, ...)` on one line, or one argument a line when it is long."""
    one = f"{indent}{head}({', '.join(args)})"
    if len(one) <= width or not args:
        return one
    inner = ",\n".join(f"{indent}    {a}" for a in args)
    return f"{indent}{head}(\n{inner},\n{indent})"
