"""Plot text is the user's data, drawn as written: a column or class named with `$` is
never read as maths (matplotlib's mathtext broke two of four plots on "$\\frac{1}{$" and
showed its parser's text), and what a library says reaches the user only inside our
sentence."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.ensemble import RandomForestClassifier
from sklearn.pipeline import make_pipeline

from plugins.base import PlotError
from plugins.evaluators import eval_data_for
from plugins.visualizers import render_plot

BROKEN_MATHS, MATHS = "$\\frac{1}{$", "$x^2$ in $"


def dollar_case():
    rng = np.random.default_rng(0)
    X = pd.DataFrame({BROKEN_MATHS: rng.normal(size=120), MATHS: rng.normal(size=120),
                      "$": rng.normal(size=120)})
    y = pd.Series(np.where(X[BROKEN_MATHS] > 0, "$a$", "$\\sqrt{$"))
    pipe = make_pipeline(RandomForestClassifier(n_estimators=20, random_state=0)).fit(X.iloc[:80], y.iloc[:80])
    return eval_data_for(pipe, X.iloc[:80], y.iloc[:80], X.iloc[80:], y.iloc[80:], "classification")


@pytest.mark.parametrize("key", ["feature_importance", "partial_dependence", "confusion_matrix", "roc_curve"])
def test_dollar_signs_in_columns_and_classes_are_drawn_as_written(key):
    assert render_plot(key, dollar_case()).startswith(b"\x89PNG")


def test_a_library_message_reaches_the_user_only_inside_our_sentence():
    from matplotlib.mathtext import MathTextParser

    from nodes.visualize import plot_problem

    with pytest.raises(ValueError) as e:  # what matplotlib says of "$\frac{1}{$" when it reads maths
        MathTextParser("agg").parse(BROKEN_MATHS)
    said = " ".join(str(e.value).split())
    problem = plot_problem(e.value)
    assert problem.startswith("It could not be drawn: the plotting library failed and said: ")
    assert said[:100] in problem and problem.endswith(".") and len(problem) <= 260
    assert plot_problem(PlotError("The test rows hold a single class; a curve needs both.")) == (
        "The test rows hold a single class; a curve needs both.")
    assert plot_problem(ZeroDivisionError()) == "It could not be drawn: the plotting library failed."


def test_the_coefficient_caveat_under_a_chart_is_not_cut_at_the_figure_edge():
    """A logistic regression's importance chart says its |coefficient|s compare only on one
    scale; with long feature names (date parts of a German export) the centred label ran
    past the figure's right edge ("…share one sca"). No ink may touch the right edge."""
    from io import BytesIO

    from matplotlib.image import imread
    from sklearn.linear_model import LogisticRegression

    rng = np.random.default_rng(0)
    names = ["Geburtsdatum_days_since_epoch", "Geburtsdatum_dayofyear", "Stadt_Düsseldorf", "Umsatz"]
    X = pd.DataFrame({n: rng.normal(size=120) for n in names})
    y = pd.Series(np.where(X["Umsatz"] > 0, "Ja", "Nein"))
    pipe = make_pipeline(LogisticRegression()).fit(X.iloc[:80], y.iloc[:80])
    png = render_plot("feature_importance", eval_data_for(pipe, X.iloc[:80], y.iloc[:80], X.iloc[80:], y.iloc[80:],
                                                        "classification"))
    pixels = imread(BytesIO(png))[:, :, :3]
    assert pixels[:, -1].min() > 0.9, "text drawn up to the right edge: cut off"


def test_long_feature_and_class_names_are_cut_so_the_chart_keeps_its_size():
    """penguins-raw: classes like 'Chinstrap penguin (Pygoscelis antarctica)' and a one-hot
    'Comments_Adult not sampled. Nest never observed with full clutch.' shrank the confusion
    matrix to a stamp under overlapping names and pushed the importance chart's title past
    the right edge ("Feature importa"). Names are cut at LABEL_CHARS; no ink at the edge."""
    from io import BytesIO

    from matplotlib.image import imread
    from sklearn.linear_model import LogisticRegression

    rng = np.random.default_rng(1)
    long_a = "Comments_Adult not sampled. Nest never observed with full clutch."
    long_b = "Comments_Adult not sampled. Nest never observed, no blood taken."  # cut alike: still two bars
    X = pd.DataFrame({long_a: rng.normal(size=150), long_b: rng.normal(size=150), "Culmen Length (mm)": rng.normal(size=150)})
    species = np.array(["Adelie Penguin (Pygoscelis adeliae)", "Chinstrap penguin (Pygoscelis antarctica)",
                        "Gentoo penguin (Pygoscelis papua)"])
    y = pd.Series(species[np.digitize(X["Culmen Length (mm)"], [-0.5, 0.5])])
    pipe = make_pipeline(LogisticRegression()).fit(X.iloc[:100], y.iloc[:100])
    d = eval_data_for(pipe, X.iloc[:100], y.iloc[:100], X.iloc[100:], y.iloc[100:], "classification")
    for key in ("feature_importance", "confusion_matrix"):
        pixels = imread(BytesIO(render_plot(key, d)))[:, :, :3]
        assert pixels[:, -1].min() > 0.9, f"{key}: drawn up to the right edge"
    matrix = imread(BytesIO(render_plot("confusion_matrix", d)))[:, :, :3]
    blue_columns = ((matrix[:, :, 0] < 0.2) & (matrix[:, :, 2] > 0.35)).any(axis=0).sum()
    assert blue_columns > 0.4 * matrix.shape[1], f"the matrix's cells span {blue_columns} px: a stamp"  # was 83 of 560


def _three_figures():
    """A chart of long cut names, a matrix with its colour bar, and curves with a legend:
    what the plots are made of."""
    from plugins.visualizers import _figure, _label, _style

    rng = np.random.default_rng(0)
    bars, ax = _figure(6.4, 6.8)
    names = [_label(f"Comments_Adult not sampled. Nest never observed {i}") for i in range(20)]
    ax.barh(range(20), np.sort(rng.random(20)))
    ax.set_yticks(range(20), names)
    _style(ax, "Feature importance", "importance")
    matrix, ax = _figure()
    im = ax.imshow(rng.integers(0, 50, (3, 3)), cmap="Blues")
    matrix.colorbar(im, ax=ax)
    ax.set_xticks(range(3), ["Adelie", "Chinstrap penguin (Pygoscelis antarctica)", "Gentoo"])
    _style(ax, "Confusion matrix", "predicted", "actual")
    curves, ax = _figure()
    for k in range(3):
        ax.plot(np.linspace(0, 1, 50), np.linspace(0, 1, 50) ** (k + 1), label=f"class {k} (AUC 0.9{k})")
    ax.legend(loc="lower right")
    _style(ax, "ROC curve", "false positive rate", "true positive rate")
    return [bars, matrix, curves]


def test_a_plot_laid_out_once_is_the_png_matplotlib_saves_laying_it_out_twice():
    """The layout is worked out once before the one draw that saves a plot (savefig with the
    engine on draws twice): it must give the same PNG, byte for byte."""
    import io

    from plugins.visualizers import PNG_OPTIONS, _png

    for ours, theirs in zip(_three_figures(), _three_figures()):
        assert ours.get_layout_engine() is not None
        buf = io.BytesIO()
        theirs.savefig(buf, format="png", facecolor="white", pil_kwargs=PNG_OPTIONS)
        assert _png(ours) == buf.getvalue()


def test_tick_numbers_are_written_in_full_not_under_a_hidden_multiplier():
    """A residuals plot of residuals near 2e-5 showed ticks -4 … 4 and put matplotlib's
    '1e-5' multiplier under the title, where a new user could not read it."""
    from plugins.visualizers import _figure, _style

    fig, ax = _figure()
    ax.scatter([1e6, 2e6, 3e6], [-4e-5, 1e-5, 3e-5])
    _style(ax, "Residuals", "predicted", "actual − predicted")
    fig.canvas.draw()
    assert ax.yaxis.get_offset_text().get_text() == "" and ax.xaxis.get_offset_text().get_text() == ""
    shown = [t.get_text() for t in ax.get_yticklabels()]
    assert any("0.0000" in t for t in shown), shown


@pytest.mark.parametrize("key", ["confusion_matrix", "roc_curve", "precision_recall_curve"])
def test_whole_number_classes_read_as_floats_are_drawn_as_whole_numbers(key, monkeypatch):
    """A target of 1-5 with gaps is read as floats (1.0, 2.0): the sentences name its classes
    1, 2 (plugins.tables.label_text), and so do the plots' ticks, legends and titles."""
    from matplotlib.figure import Figure
    from matplotlib.text import Text

    drawn = []
    save = Figure.savefig

    def savefig(fig, *args, **kwargs):  # every text of the figure, as it is written to the PNG
        drawn.extend(t.get_text() for t in fig.findobj(Text))
        return save(fig, *args, **kwargs)

    monkeypatch.setattr(Figure, "savefig", savefig)
    rng = np.random.default_rng(1)
    X = pd.DataFrame({"a": rng.normal(size=160), "b": rng.normal(size=160)})
    y = pd.Series(np.where(X["a"] + rng.normal(scale=0.5, size=160) > 0, 2.0, 1.0))
    pipe = make_pipeline(RandomForestClassifier(n_estimators=20, random_state=0)).fit(X.iloc[:100], y.iloc[:100])
    d = eval_data_for(pipe, X.iloc[:100], y.iloc[:100], X.iloc[100:], y.iloc[100:], "classification")
    assert render_plot(key, d).startswith(b"\x89PNG")
    text = " | ".join(drawn)
    if key == "confusion_matrix":  # the classes' ticks
        assert "1" in drawn and "2" in drawn and "1.0" not in drawn and "2.0" not in drawn, text
    else:  # the title and the legend (the axes' own ticks run 0.0 … 1.0)
        assert "positive class: 2 |" in text + " |" and ("2 (AUC " in text or "2 (AP " in text), text
        assert "2.0" not in text.replace("| 2.0 |", ""), text


@pytest.mark.parametrize("key", ["roc_curve", "precision_recall_curve"])
def test_long_class_names_in_a_curves_legend_are_cut_as_tick_labels_are(key):
    """A new user's ROC curves of classes named in 40 characters and more: the legend grew over
    the curves and its text was about 4 px on the page. Its names are cut at LABEL_CHARS, as
    tick labels are: the chart equals the one drawn from the names already cut (a class named
    in a few characters is drawn as it is, by the same test)."""
    from sklearn.linear_model import LogisticRegression

    from plugins.visualizers import _label

    rng = np.random.default_rng(2)
    X = pd.DataFrame({"a": rng.normal(size=150), "b": rng.normal(size=150)})
    long = np.array(["Fishing from the public beach near the angler home", "Fishing from a pier or a jetty",
                     "Fishing from a privately owned or rented boat"])
    codes = np.digitize(X["a"], [-0.5, 0.5])

    def drawn(names):
        y = pd.Series(np.asarray(names)[codes])
        pipe = make_pipeline(LogisticRegression()).fit(X.iloc[:100], y.iloc[:100])
        return render_plot(key, eval_data_for(pipe, X.iloc[:100], y.iloc[:100], X.iloc[100:], y.iloc[100:],
                                              "classification"))

    cut = [_label(n) for n in long]
    assert cut != list(long) and len(set(cut)) == 3
    assert drawn(long) == drawn(cut)
