"""Small server-rendered SVG charts of a dataset's columns (data.charts computes what they
draw): a histogram for numbers, the most frequent values for categories and text, a range
for dates, and a target's class balance. No script: each bar says its numbers in a title."""

from __future__ import annotations

from fasthtml.common import Div, Span, Table, Tbody, Td, Th, Thead, Tr
from fasthtml.svg import G, Svg, Text, Title, ft_svg


def Rect(*children, **attrs):
    """An SVG rect that may hold a <title> (fasthtml.svg's Rect takes no children)."""
    return ft_svg("rect", *children, **attrs)


def fmt_num(v, grouping: bool = True) -> str:
    """Numbers as the dataset page writes them: whole numbers and anything from 1,000 up
    with thousands separators (not years: `grouping=False`), the rest with 4 significant
    digits."""
    if v is None:
        return "—"
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        return str(v)
    sep = "," if grouping else ""
    if isinstance(v, int) or (abs(v) < 1e15 and float(v).is_integer()):
        return f"{int(v):{sep}}"
    if abs(v) >= 1000:
        return f"{v:{sep}.0f}"
    return f"{v:.4g}"


def fmt_value(v) -> str:
    """A column's value as a label: dates without a midnight time, numbers as fmt_num."""
    if isinstance(v, str) and len(v) >= 19 and v[10] == "T" and v[11:19] == "00:00:00":
        return v[:10]
    if isinstance(v, str) and len(v) >= 19 and v[10] == "T":
        return v[:16].replace("T", " ")
    return fmt_num(v) if isinstance(v, (int, float)) and not isinstance(v, bool) else str(v)


def _rows(n: int) -> str:
    return f"{n:,} row" + ("" if n == 1 else "s")


def _short(text: str, n: int) -> str:
    return text if len(text) <= n else text[: n - 1] + "…"


def Histogram(chart: dict, width: int = 150, height: int = 34, label: str = "", axis: bool = False):
    """Vertical bars of equal width, tallest = full height; `axis`: min and max under it."""
    counts, edges = chart["counts"], chart["edges"]
    top = max(counts) or 1
    foot = 14 if axis else 0
    plot_h = height - foot
    step = width / len(counts)
    # a few whole numbers are bars of their own, not a block: at most 3 bins' width each
    bar_w = max(min(step - 1.5, 3 * width / 12 - 1.5), 1)
    bars = []
    for i, n in enumerate(counts):
        h = 0 if n == 0 else max(1.5, plot_h * n / top)
        lo, hi = edges[i], edges[i + 1]
        span = fmt_num((lo + hi) / 2, False) if chart.get("discrete") else f"{fmt_num(lo)} – {fmt_num(hi)}"
        bars.append(Rect(Title(f"{span}: {_rows(n)}"), x=f"{i * step + (step - bar_w) / 2:.1f}",
                         y=f"{plot_h - h:.1f}", width=f"{bar_w:.1f}", height=f"{h:.1f}", cls="bar"))
    ticks = ()
    if axis:
        lo, hi = (edges[0] + 0.5, edges[-1] - 0.5) if chart.get("discrete") else (edges[0], edges[-1])
        ticks = (G(Text(fmt_num(lo), x=0, y=height - 2), Text(fmt_num(hi), x=width, y=height - 2, text_anchor="end"),
                   cls="tick"),)
    title = label or f"Histogram: {len(counts)} bars from {fmt_num(edges[0])} to {fmt_num(edges[-1])}"
    return Svg(Title(title), Rect(x=0, y=plot_h - 0.5, width=width, height=0.5, cls="base"), *bars, *ticks,
               viewBox=f"0 0 {width} {height}", width=width, height=height, role="img", aria_label=title,
               cls="col-chart histogram", data_chart="histogram")


def TopValues(chart: dict, width: int = 190):
    """The most frequent values as horizontal bars, each with its count; the rest summed."""
    values = chart["values"]
    total = sum(n for _, n in values) + chart.get("other", 0)
    row_h, label_w, count_w = 13, 70, 44
    bar_w = width - label_w - count_w
    top = max((n for _, n in values), default=1) or 1
    rows = []
    for i, (value, n) in enumerate(values):
        y = i * row_h
        text = fmt_value(value)
        rows.append(G(Title(f"{text}: {_rows(n)} ({100 * n / total:.1f}%)"),
                      Text(_short(text, 11), x=0, y=y + 10, cls="lbl"),
                      Rect(x=label_w, y=y + 2, width=f"{max(1.5, bar_w * n / top):.1f}", height=row_h - 4,
                           rx=2, cls="bar"),
                      Text(f"{n:,}", x=width, y=y + 10, text_anchor="end", cls="num")))
    extra = ()
    if chart.get("other"):
        y = len(values) * row_h
        extra = (Text(f"+ {_rows(chart['other'])} with other values", x=0, y=y + 10, cls="lbl faint"),)
    height = (len(values) + (1 if extra else 0)) * row_h
    title = f"Most frequent values: {', '.join(fmt_value(v) for v, _ in values)}"
    return Svg(Title(title), *rows, *extra, viewBox=f"0 0 {width} {height}", width=width, height=height, role="img",
               aria_label=title, cls="col-chart top", data_chart="top")


def DateRange(chart: dict, width: int = 150):
    counts = chart["counts"]
    bars = Histogram({"counts": counts, "edges": list(range(len(counts) + 1))}, width=width, height=26,
                     label=f"Dates from {fmt_value(chart['min'])} to {fmt_value(chart['max'])}")
    return Div(bars, Div(Span(fmt_value(chart["min"])), Span("→"), Span(fmt_value(chart["max"])), cls="range"),
               cls="date-range", data_chart="dates")


def ColumnChart(chart: dict | None):
    kind = (chart or {}).get("kind")
    if kind == "histogram":
        return Histogram(chart)
    if kind == "top":
        return TopValues(chart)
    if kind == "dates":
        return DateRange(chart)
    if kind == "distinct":
        return Span("a different value in every row", cls="faint", data_chart="distinct")
    if kind == "empty":
        return Span("no values", cls="faint", data_chart="empty")
    return Span("—", cls="faint")


def ClassBalance(classes: list, missing: int = 0):
    """Each class of the target: its rows, its share of the rows that have a target, a bar.
    One line a class: a name longer than the card has room for ends in an ellipsis and is
    whole in its title."""
    total = sum(n for _, n in classes) or 1
    top = max((n for _, n in classes), default=1) or 1
    rows = [Tr(Td(Span(fmt_value(value), title=fmt_value(value)), cls="cls"),
               Td(Span(Span(cls="fill", style=f"width:{100 * n / top:.1f}%"), cls="track",
                       title=f"{n:,} of {total:,} rows"), cls="barcell"),
               Td(f"{n:,}", cls="num"), Td(f"{100 * n / total:.1f}%", cls="num"), data_class=str(value))
            for value, n in classes]
    return Table(Thead(Tr(Th("Class"), Th(""), Th("Rows", cls="num"), Th("Share", cls="num"))), Tbody(*rows),
                 cls="grid class-balance")
