"""Form fields generated from a Param: the inspector shows exactly what the declaration
allows (kind, bounds, choices, nullability), with the validation message next to it."""

from __future__ import annotations

from fasthtml.common import Div, Input, Label, Option, Select, Span

from plugins.params import Param


def _num(v):
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return "" if v is None else str(v)


def Checkbox(name: str, label: str, checked: bool, disabled: bool = False, help: str = "", id: str | None = None):
    """A checkbox that always submits: a hidden 'false' first, the box's 'true' after it.
    A disabled one submits nothing, so the value stays as it was: a regression's greyed
    Stratify (shown unticked) was saved as 'no' with the next change of any other field, and
    Compare listed "Stratify yes → no", a change nobody made (found by a new user). With an
    id, htmx gives the focus back to it after the panel is re-rendered."""
    return Div(*([] if disabled else [Input(type="hidden", name=name, value="false")]),
               Label(Input(type="checkbox", name=name, value="true", checked=bool(checked), disabled=disabled, id=id),
                     label, cls="check", title=help or None), cls="field")


def ParamField(p: Param, value, name: str | None = None, error: str | None = None, problem_type: str | None = None,
               columns: list | None = None, extra=(), choices: list | None = None):
    """One Param's field. `choices`: [(value, label)] of a Param whose choices come from what
    flows in (`choices_from` other than columns: the metrics the model offers)."""
    name = name or p.name
    fid = f"f-{name}".replace(".", "-")
    help_ = [Div(p.help, cls="help")] if p.help else []
    err = [Div(error, cls="field-error", role="alert")] if error else []
    cls = "field invalid" if error else "field"
    if p.display == "percent":  # a fraction on a slider of whole percentages
        try:  # a refused post comes back as the percentage typed; a stored value is a fraction
            pct = round(float(value)) if isinstance(value, str) else round(float(value) * 100)
        except (TypeError, ValueError, OverflowError):  # "inf" typed: the slider shows the default
            pct = round(float(p.default) * 100)
        lo, hi = round((p.min or 0) * 100), round((p.max or 1) * 100)
        step = round((p.step or 0.01) * 100)
        return Div(Label(f"{p.title} ", Span(f"{pct}%", id=f"{fid}-label"), fr=fid),
                   Input(type="range", name=name, id=fid, min=str(lo), max=str(hi), step=str(step), value=str(pct),
                         data_label_for=f"{fid}-label", data_label_suffix="%"),
                   *extra, *help_, *err, cls=cls)
    if p.kind == "bool":
        box = Checkbox(name, p.title, bool(value), help=p.help, id=fid)
        return Div(*box.children, *err, cls=cls)
    if p.kind == "select":
        choices = p.choices_for(problem_type)
        control = Select(*[Option(str(c), value=str(c), selected=str(c) == str(value)) for c in choices],
                         name=name, id=fid)
    elif p.kind in ("int", "float"):
        step = p.step or (1 if p.kind == "int" else "any")
        placeholder = "none" if p.nullable else ""
        control = Input(type="number", name=name, id=fid, value=_num(value), step=step,
                        min=_num(p.min) if p.min is not None else None, max=_num(p.max) if p.max is not None else None,
                        placeholder=placeholder, inputmode="decimal")
    elif p.choices_from and p.choices_from != "columns" and choices:  # e.g. a Gate's metric: a list, not a text box
        options = list(choices) + ([(value, str(value))] if value and value not in dict(choices) else [])
        control = Select(*[Option(label, value=v, selected=v == value) for v, label in options], name=name, id=fid)
    elif p.kind == "column" or p.choices_from == "columns":  # one of the input's columns
        options = ([""] if p.nullable else []) + list(columns or [])
        control = Select(*[Option(c or "none", value=c, selected=c == (value or "")) for c in options],
                         name=name, id=fid)
    elif p.kind in ("columns", "multiselect"):
        # an option is a value, or (value, label): "age · numeric"
        options = columns if p.kind == "columns" else list(p.choices_for(problem_type))
        options = [o if isinstance(o, tuple) else (o, o) for o in options or []]
        chosen = set(value or [])
        control = Select(*[Option(label, value=c, selected=c in chosen) for c, label in options], name=name, id=fid,
                         multiple=True, size=min(6, max(3, len(options))))
        help_ = [Div(p.help or "None selected: every applicable column.", cls="help")]
    elif p.kind == "values":  # a list of numbers and text, typed separated by commas
        shown = value if isinstance(value, str) else ", ".join(_num(v) for v in value or [])
        control = Input(type="text", name=name, id=fid, value=shown, placeholder="-99, 999, n/a")
    elif p.kind == "range":
        lo, hi = (value or [p.min, p.max])[:2]
        control = Input(type="text", name=name, id=fid, value=f"{_num(lo)}, {_num(hi)}", placeholder="low, high")
    else:
        control = Input(type="text", name=name, id=fid, value="" if value is None else str(value))
    bounds = []
    if p.kind in ("int", "float") and p.min is not None and p.max is not None and p.max - p.min <= 1e6:
        bounds = [Span(f" {_num(p.min)} – {_num(p.max)}", cls="faint")]
    return Div(Label(p.title, *bounds, fr=fid), control, *help_, *err, cls=cls)
