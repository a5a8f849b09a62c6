"""The one parameter schema of the project.

A `Param` declares one setting (a model hyperparameter, a node's config field, a
preprocessing option). The canvas, the inspectors, the API and the executor all derive
from it, and `validate_value` is the single place a value is checked: the inspector POST,
the REST API and the executor call the same function, so a value accepted in one place is
accepted everywhere.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

QUOTED_MAX = 64  # the most of a value (an id, a name, a setting) a message quotes


def quoted(value) -> str:
    """A value as a message quotes it: its first QUOTED_MAX characters (the length of the
    longest node id), so a longer one is cut rather than echoed whole."""
    text = str(value)
    return repr(text if len(text) <= QUOTED_MAX else text[:QUOTED_MAX - 4] + "…")


KINDS = ("int", "float", "select", "bool", "range", "str", "multiselect", "columns", "column", "values")
VALUES_MAX = 50  # values a "values" Param holds at most
VALUE_TEXT_MAX = 100  # characters of one text value of a "values" Param, at most


class ParamError(ValueError):
    """A value does not fit its Param; the message is a sentence for a person."""

    def __init__(self, name: str, message: str):
        super().__init__(message)
        self.name = name
        self.message = message


@dataclass(frozen=True)
class Param:
    name: str
    kind: str
    default: Any = None
    min: float | None = None
    max: float | None = None
    choices: tuple = ()
    nullable: bool = False
    log: bool = False
    help: str = ""
    advanced: bool = False
    label: str = ""
    step: float | None = None
    # Problem types the param applies to (empty: all). Lets one plugin expose, e.g.,
    # `criterion` with gini/entropy for classification and squared_error for regression.
    problem_types: tuple = ()
    # Choices per problem type, where they differ ({"classification": (...), ...}).
    choices_by_problem: dict = field(default_factory=dict, hash=False, compare=False)
    # Optuna: whether this param is tuned. The search covers the declared [min, max] (on a
    # log scale when `log`), unless a narrower search_min/search_max is declared with the
    # reason in `search_note`, which the inspector and the API show.
    tunable: bool = True
    search_min: float | None = None
    search_max: float | None = None
    search_note: str = ""
    # How an inspector shows it, declared, not re-encoded by hand in a panel:
    # visible_if: shown only when one of these (other param, value) pairs holds, e.g.
    # (("use_cv", True), ("use_optuna", True)); choices_from: its choices come from what
    # flows in at design time ("columns": the input's columns, "scalar_metrics": the
    # metrics the upstream model offers that a search can optimise).
    visible_if: tuple = ()
    choices_from: str = ""
    # display "percent": a fraction shown, and posted by the inspector, as a whole percentage
    # on a slider between min and max (the API and the config keep the fraction)
    display: str = ""

    def __post_init__(self):
        if self.kind not in KINDS:
            raise ValueError(f"Param {self.name!r}: unknown kind {self.kind!r}")
        if (self.search_min is not None or self.search_max is not None) and not self.search_note:
            raise ValueError(f"Param {self.name!r}: a narrower search range needs its reason in search_note")

    def search_range(self) -> tuple | None:
        """(low, high, log) that Optuna samples a number from, or None when not searched."""
        if not self.tunable or self.kind not in ("int", "float"):
            return None
        lo = self.search_min if self.search_min is not None else self.min
        hi = self.search_max if self.search_max is not None else self.max
        if lo is None or hi is None or lo >= hi:
            return None
        return lo, hi, bool(self.log and lo > 0)

    @property
    def title(self) -> str:
        return self.label or self.name.replace("_", " ").capitalize()

    def applies_to(self, problem_type: str | None) -> bool:
        return not self.problem_types or problem_type is None or problem_type in self.problem_types

    def choices_for(self, problem_type: str | None = None) -> tuple:
        if problem_type and problem_type in self.choices_by_problem:
            return tuple(self.choices_by_problem[problem_type])
        return tuple(self.choices)

    def default_for(self, problem_type: str | None = None):
        choices = self.choices_for(problem_type)
        if self.kind == "select" and choices and self.default not in choices:
            return choices[0]
        return self.default

    def visible(self, values: dict) -> bool:
        """Whether an inspector shows the field, given the node's current values."""
        return not self.visible_if or any(values.get(name) == want for name, want in self.visible_if)

    def to_json(self, problem_type: str | None = None) -> dict:
        out = {
            "key": self.name,
            "type": self.kind,
            "label": self.title,
            "default": self.default_for(problem_type),
            "help": self.help,
            "advanced": self.advanced,
        }
        if self.min is not None:
            out["min"] = self.min
        if self.max is not None:
            out["max"] = self.max
        if self.step is not None:
            out["step"] = self.step
        if self.visible_if:
            out["visible_if"] = [list(c) for c in self.visible_if]
        if self.choices_from:
            out["choices_from"] = self.choices_from
        if self.display:
            out["display"] = self.display
        choices = self.choices_for(problem_type)
        if choices:
            out["choices"] = list(choices)
        if self.nullable:
            out["nullable"] = True
        if self.log:
            out["log"] = True
        search = self.search_range()
        if search:
            out["search"] = {"min": search[0], "max": search[1], "log": search[2]}
            if self.search_note:
                out["search"]["note"] = self.search_note
        elif not self.tunable:
            out["search"] = None
        return out


_TRUE = {"true", "1", "on", "yes"}
_FALSE = {"false", "0", "off", "no", ""}


def _fmt(x) -> str:
    if isinstance(x, (int, float)) and not isinstance(x, bool) and abs(x) >= 1e15:
        return f"{x:.6g}"  # 1e+308, not its 309 digits
    if isinstance(x, float) and x.is_integer():
        return str(int(x))
    return str(x)


def value_said(value, param: Param | None = None) -> str:
    """A setting's value in a sentence, the one rule for every reason and field that words a
    Param's value: a fraction its Param shows as a percentage as one ("30%"), yes/no, a
    number to 6 significant digits, nothing set as 'not set', a list of plain values by
    commas ("-99, 999"), anything else as JSON, cut at 60 characters (a reason read
    "null → accuracy", "false → true", "0.06245642405176384", "Drop first category no")."""
    if value is None:
        return "not set"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if param is not None and param.display == "percent" and isinstance(value, (int, float)):
        return f"{value * 100:g}%"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return f"{value:.6g}"
    if isinstance(value, list) and all(isinstance(v, (str, int, float, bool)) for v in value):
        text = ", ".join(value_said(v) for v in value) if value else "none"
    else:
        text = value if isinstance(value, str) else json.dumps(value, default=str)
    return text if len(text) <= 60 else text[:57] + "…"


def value_read(v):
    """One value of a "values" Param as it means: text that reads as a plain number is that
    number ("-99" is -99, "1.5" 1.5: it then matches -99 in a column of numbers and "-99" in
    a column of text alike), other text is text ("n/a")."""
    if isinstance(v, str):
        text = v.strip()
        try:
            number = float(text)
        except ValueError:
            return text
        if not math.isfinite(number):  # "nan", "inf" are words here, not numbers
            return text
        return int(number) if number.is_integer() and "." not in text and "e" not in text.lower() else number
    return v


# a number as a file writes it: a sign, digits, one decimal point. Text float() reads otherwise ("1e3", "1_000")
# is refused, not read as 1000 without a word (and then not matching "1e3" in a text column)
_PLAIN_NUMBER = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)")


def _values(param: Param, value) -> list:
    """A list of numbers and text (a form's "-99, 999, n/a" split at its commas). An empty
    item between them ("-99, , 999") is refused, naming it (one after the last comma is the
    next value not typed yet); so is a number in a programmer's notation ("1e3")."""
    label = param.title
    if isinstance(value, str):
        # a group of thousands after a comma ("1,000", "-2,050,000"): never a value of its own, as no code
        # starts with 0, where '1,000' was read as the two values 1 and 0 without a word (found by a tester)
        grouped = re.search(r"(?<![\d.])[+-]?\d{1,3}(,0\d\d)+(?![\d.])", value)
        if grouped:
            number = grouped.group(0).replace(",", "")
            raise ParamError(param.name, f"{label}: {quoted(grouped.group(0))} reads as {len(grouped.group(0).split(','))} "
                                         f"values, as a comma separates them; type {number}, without a separator "
                                         "between thousands.")
        items = [v.strip() for v in value.split(",")]
        if items[-1] == "":
            items.pop()
        empty = next((i for i, v in enumerate(items) if not v), None)
        if empty is not None:
            where = (f" (after {quoted(items[empty - 1])})" if empty else
                     f" (before {quoted(items[1])})" if len(items) > 1 else "")
            raise ParamError(param.name, f"{label}: value {empty + 1} is empty{where}; an empty value is a gap "
                                         "already: leave it out, or type the value meant.")
        value = items
    if not isinstance(value, (list, tuple)) or not all(
            isinstance(v, (str, int, float)) and not isinstance(v, bool) for v in value):
        raise ParamError(param.name, f"{label} must be a list of values: numbers, or text for text columns.")
    for v in value:
        read = value_read(v) if isinstance(v, str) else None
        if isinstance(read, (int, float)) and not _PLAIN_NUMBER.fullmatch(v.strip()):
            # (imported here, not above: the queue's consumer imports this module and starts without numpy)
            from playground_runtime import number_said

            said = str(int(read)) if float(read).is_integer() and abs(read) < 1e15 else number_said(read)
            raise ParamError(param.name, f"{label}: {quoted(v.strip())} is the number {said} written in a "
                                         f"programmer's notation; type {said}, as a file writes it.")
    value = [value_read(v) for v in value]
    if any(isinstance(v, float) and not math.isfinite(v) for v in value):
        raise ParamError(param.name, f"{label} must be finite numbers.")
    if any(isinstance(v, str) and not v for v in value):
        raise ParamError(param.name, f"{label}: an empty value is a gap already; leave it out.")
    long = next((v for v in value if isinstance(v, str) and len(v) > VALUE_TEXT_MAX), None)
    if long is not None:
        raise ParamError(param.name, f"{label}: {quoted(long)} is longer than {VALUE_TEXT_MAX} characters.")
    value = list(dict.fromkeys(value))
    if len(value) > VALUES_MAX:
        raise ParamError(param.name, f"{label}: at most {VALUES_MAX} values; got {len(value)}.")
    return value


def _number(param: Param, value, as_int: bool):
    label = param.title
    if isinstance(value, bool):
        raise ParamError(param.name, f"{label} must be a number, not true/false.")
    if isinstance(value, str):
        text = value.strip()
        try:
            value = float(text) if text else None
        except ValueError:
            raise ParamError(param.name, f"{label} must be a number; {quoted(value)} is not one.") from None
        if value is None:
            raise ParamError(param.name, f"{label} needs a value.")
    if not isinstance(value, (int, float)):
        raise ParamError(param.name, f"{label} must be a number.")
    if isinstance(value, float) and not math.isfinite(value):
        raise ParamError(param.name, f"{label} must be a finite number.")
    if as_int:
        if isinstance(value, float) and not value.is_integer():
            raise ParamError(param.name, f"{label} must be a whole number; {_fmt(value)} is not.")
        value = int(value)
    else:
        value = float(value)
    if param.min is not None and value < param.min:
        raise ParamError(param.name, f"{label} must be at least {_fmt(param.min)}; got {_fmt(value)}.")
    if param.max is not None and value > param.max:
        raise ParamError(param.name, f"{label} must be at most {_fmt(param.max)}; got {_fmt(value)}.")
    return value


def validate_value(param: Param, value, problem_type: str | None = None):
    """Return `value` coerced to the param's kind, or raise ParamError with a sentence.

    Form posts send strings ("5", "on", ""), JSON sends numbers: both are accepted.
    """
    label = param.title
    if value is None or (isinstance(value, str) and value.strip() == "" and param.kind not in ("str", "bool")):
        if param.nullable:
            return None
        if param.kind in ("multiselect", "columns", "values"):
            return []
        raise ParamError(param.name, f"{label} needs a value.")
    kind = param.kind
    if kind == "int":
        return _number(param, value, as_int=True)
    if kind == "float":
        return _number(param, value, as_int=False)
    if kind == "bool":
        if isinstance(value, bool):
            return value
        if isinstance(value, (int, float)) and value in (0, 1):
            return bool(value)
        if isinstance(value, str) and value.strip().lower() in _TRUE | _FALSE:
            return value.strip().lower() in _TRUE
        raise ParamError(param.name, f"{label} must be true or false.")
    if kind == "select":
        choices = param.choices_for(problem_type)
        for choice in choices:
            if value == choice or (isinstance(value, str) and not isinstance(choice, str) and value == str(choice)):
                return choice
        shown = ", ".join(str(c) for c in choices)
        raise ParamError(param.name, f"{label} must be one of {shown}; got {quoted(value)}.")
    if kind == "multiselect":
        if isinstance(value, str):
            value = [v for v in value.split(",") if v]
        if not isinstance(value, (list, tuple)) or not all(
                isinstance(v, (str, int, float)) and not isinstance(v, bool) for v in value):
            raise ParamError(param.name, f"{label} must be a list of its choices.")
        choices = param.choices_for(problem_type)
        bad = [v for v in value if choices and v not in choices]
        if bad:
            raise ParamError(param.name, f"{label}: {', '.join(quoted(v) for v in bad[:5])} "
                                         f"{'is' if len(bad) == 1 else 'are'} not one of the choices.")
        return list(dict.fromkeys(value))
    if kind == "columns":
        if isinstance(value, str):
            value = [v.strip() for v in value.split(",") if v.strip()]
        if not isinstance(value, (list, tuple)) or not all(isinstance(v, str) for v in value):
            raise ParamError(param.name, f"{label} must be a list of column names.")
        return list(dict.fromkeys(value))
    if kind in ("str", "column"):
        if not isinstance(value, str):
            raise ParamError(param.name, f"{label} must be text.")
        if param.max is not None and len(value) > param.max:
            raise ParamError(param.name, f"{label} must be at most {int(param.max)} characters.")
        if kind == "column" and not value.strip() and not param.nullable:
            raise ParamError(param.name, f"{label} needs a value.")
        return value
    if kind == "values":
        return _values(param, value)
    if kind == "range":
        if isinstance(value, str):
            value = [v for v in value.replace(" ", "").split(",") if v]
        if not isinstance(value, (list, tuple)) or len(value) != 2:
            raise ParamError(param.name, f"{label} must be a pair: low, high.")
        low = _number(param, value[0], as_int=False)
        high = _number(param, value[1], as_int=False)
        if low > high:
            raise ParamError(param.name, f"{label}: the low end ({_fmt(low)}) is above the high end ({_fmt(high)}).")
        return [low, high]
    raise ParamError(param.name, f"{label} has an unknown kind {kind!r}.")  # pragma: no cover


def validate_params(params, values: dict | None, problem_type: str | None = None,
                    what: str = "setting") -> tuple[dict, dict]:
    """Validate a dict of values against a list of Params.

    Returns (clean, errors): clean has every applicable param (defaults filled in),
    errors maps a param name (or the unknown key) to a sentence. Unknown keys are errors,
    so a typo never silently falls back to a default.
    """
    if values is not None and not isinstance(values, Mapping):
        return {}, {"_": f"The {what}s must be an object of name: value."}
    values = dict(values or {})
    by_name = {p.name: p for p in params}
    clean, errors = {}, {}
    for key in values:
        if key not in by_name:
            errors[key] = f"Unknown {what} {quoted(key)}."
        elif not by_name[key].applies_to(problem_type):
            errors[key] = f"{by_name[key].title} does not apply to {problem_type}."
    for p in params:
        if not p.applies_to(problem_type):
            continue
        if p.name in values:
            try:
                clean[p.name] = validate_value(p, values[p.name], problem_type)
            except ParamError as e:
                errors[p.name] = e.message
        else:
            clean[p.name] = p.default_for(problem_type)
    return clean, errors


_NOT_TEXT = {"int": "must be a number", "float": "must be a number", "bool": "must be true or false",
             "range": "must be a pair of numbers: low, high", "multiselect": "must be a list of its choices",
             "columns": "must be a list of column names",
             "values": "must be a list of values (numbers, or text for text columns)"}


def storable(param: Param, value) -> str | None:
    """Why `value` can never be valid for `param`, whatever the workflow around it; None
    when it may be stored. Refused: a value not of the Param's kind, outside its declared
    bounds or choices (those of every problem type: a regression criterion is kept while
    the dataset says classification), not finite, a list or pair of the wrong shape, or
    text where the kind is a number, true/false or a list.
    Kept: a value not set yet (None, blank text; the node then says it needs one), and
    whatever depends on the rest of the workflow (a column the dataset lacks), which the
    node type's validation judges. The store refuses what this refuses, so every stored
    value is one a page can render; it is `validate_value` asked without a context."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, str) and param.kind in _NOT_TEXT:
        # a form's text ("on", "5", "a,b") is read by the inspector into the value it means;
        # stored as text it would be shown wrong ("off" as a ticked box, "a,b" as three columns)
        return f"{param.title} {_NOT_TEXT[param.kind]}, not text."
    first = None
    for problem_type in (None, *param.choices_by_problem):
        try:
            validate_value(param, value, problem_type)
            return None
        except ParamError as e:
            first = first or e.message
    return first


def shape_problems(params, values: Mapping, what: str = "setting", prefix: str = "") -> dict:
    """{prefix + name: sentence} for each value of `values` that no Param of that name can
    ever accept (`storable`); a name several Params declare (one per problem type) needs
    one of them to accept it. Names no Param declares are left to the node's validation
    ("Unknown setting"), as is everything `storable` keeps."""
    if not isinstance(values, Mapping):
        return {prefix.rstrip(".") or "_": f"The {what}s must be an object of name: value."}
    by_name: dict = {}
    for p in params:
        by_name.setdefault(p.name, []).append(p)
    out = {}
    for name, value in values.items():
        found = [storable(p, value) for p in by_name.get(name, ())]
        if found and all(found):
            out[prefix + name] = found[0]
    return out


def params_json(params, problem_type: str | None = None) -> dict:
    """Params as the API's {"main": [...], "advanced": [...]}."""
    applicable = [p for p in params if p.applies_to(problem_type)]
    return {
        "main": [p.to_json(problem_type) for p in applicable if not p.advanced],
        "advanced": [p.to_json(problem_type) for p in applicable if p.advanced],
    }
