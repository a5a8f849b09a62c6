"""What the predict endpoint makes of JSON records, by the rule it runs (executor.deployments.
request_frame with the web layer's JSON reader, then playground_runtime.prepare_rows and
unseen_values, as `_serve` does), over classes of requests a client sends.

Found by a tester: in a batch, a record that left out a feature's key was scored as if its
value were missing, while the same record sent alone was refused (422, "missing column").
Now a record that leaves out a column the model needs is refused in a batch too, by its
place, saying that null is how a missing value is sent; null itself, a CSV body's empty
cell, and a record leaving out a column the model does not need are scored as before."""

from __future__ import annotations

import json

import pandas as pd
import pytest

import playground_runtime
from data.store import Invalid
from executor.deployments import request_frame
from web.errors import parse_json

FEATURES = [
    {"name": "age", "type": "numeric", "dtype": "int64", "missing": 0, "min": 18.0, "max": 90.0},
    {"name": "income", "type": "numeric", "dtype": "float64", "missing": 3, "min": 0.0, "max": 250000.0},
    {"name": "plan", "type": "categorical", "dtype": "str", "missing": 0, "categories": ["free", "pro"]},
    {"name": "note", "type": "categorical", "dtype": "str", "missing": 0, "unused": True},  # a Drop columns step's
]
LEFT_OUT = ["customer", "churned"]  # an id and the target: set aside when sent
ROW = {"customer": "C1", "age": 41, "income": 52000.5, "plan": "pro", "note": "x"}


def rows(n: int) -> list[dict]:
    return [{**ROW, "customer": f"C{i}", "age": 20 + i} for i in range(n)]


def without(record: dict, *keys: str) -> dict:
    return {k: v for k, v in record.items() if k not in keys}


def scored(records: list[dict]) -> list[str]:
    """The warnings of records the endpoint scores (ColumnsError when it refuses them)."""
    frame = request_frame(json.dumps({"records": records}).encode(), "application/json", parse_json, (200, 6))
    left_out = playground_runtime.set_aside_row_names(LEFT_OUT, FEATURES, frame)
    X = playground_runtime.prepare_rows(frame, FEATURES, left_out)
    return playground_runtime.unseen_values(X, FEATURES)


def refusal(records: list[dict]) -> str:
    with pytest.raises(playground_runtime.ColumnsError) as e:
        scored(records)
    return str(e.value)


def batch(n: int, leave: dict[int, tuple]) -> list[dict]:
    """n records, record i (from 0) leaving out the keys leave[i]."""
    return [without(r, *leave.get(i, ())) for i, r in enumerate(rows(n))]


NULL_HINT = 'send every column in every record; a missing value is sent as null: "{}": null'

REFUSED = {  # (records, what the refusal says)
    "the second of two leaves out a number":
        (batch(2, {1: ("income",)}), ["record 2 leaves out 'income'", NULL_HINT.format("income")]),
    "the first of three leaves out a category":
        (batch(3, {0: ("plan",)}), ["record 1 leaves out 'plan'", NULL_HINT.format("plan")]),
    "the last of 40 leaves out one":
        (batch(40, {39: ("age",)}), ["record 40 leaves out 'age'"]),
    "three records leave out the same one":
        (batch(10, {2: ("age",), 4: ("age",), 9: ("age",)}), ["records 3, 5 and 10 leave out 'age'"]),
    "many records leave one out: the first five, then how many more":
        (batch(500, {i: ("income",) for i in range(1, 500, 2)}),
         ["records 2, 4, 6, 8, 10 and 245 more leave out 'income'"]),
    "two columns, by different records":
        (batch(6, {1: ("age",), 3: ("plan", "income")}),
         ["record 2 leaves out 'age'", "record 4 leaves out 'income'", "record 4 leaves out 'plan'"]),
    "a record that names another key instead":
        ([*rows(2), {**without(ROW, "plan"), "Plan": "pro"}], ["record 3 leaves out 'plan'"]),
    "a record that holds only the id":
        ([*rows(3), {"customer": "C9"}], ["record 4 leaves out 'age'", "record 4 leaves out 'income'",
                                           "record 4 leaves out 'plan'"]),
}


@pytest.mark.parametrize("case", list(REFUSED))
def test_a_record_that_leaves_out_a_column_the_model_needs_is_refused_by_its_place(case):
    records, said = REFUSED[case]
    detail = refusal(records)
    assert detail.startswith("These rows cannot be scored: "), detail
    for words in said:
        assert words in detail, (case, detail)
    assert "missing column" not in detail, detail  # the others send it: it is not a column nobody sends


def test_a_record_sent_alone_and_the_same_record_in_a_batch_are_both_refused():
    alone = refusal([without(ROW, "income")])
    assert alone == "These rows cannot be scored: missing column 'income'."
    assert "record 2 leaves out 'income'" in refusal([ROW, without(ROW, "income")])
    # every record of a batch leaving it out: the column is missing, as for one record
    assert refusal([without(r, "income") for r in rows(3)]) == alone


SCORED = {  # near misses: nothing is left out that the model needs, or a gap is sent as one
    "null where a value is missing": ([ROW, {**ROW, "income": None}], 0),
    "null in every record": ([{**r, "income": None} for r in rows(3)], 0),
    "null where training had no gap: scored, and said": ([ROW, {**ROW, "age": None}], 1),
    "the same keys in another order": ([ROW, dict(reversed(list(ROW.items())))], 0),
    "a record leaving out the id": ([ROW, without(ROW, "customer")], 0),
    "a record leaving out a column a step drops": ([ROW, without(ROW, "note")], 0),
    "only some records send the target": ([{**ROW, "churned": True}, ROW], 0),
    "one record, every column": ([ROW], 0),
}


@pytest.mark.parametrize("case", list(SCORED))
def test_a_gap_sent_as_null_or_a_column_the_model_does_not_need_left_out_is_scored(case):
    records, warnings = SCORED[case]
    said = scored(records)
    assert len(said) == warnings, (case, said)
    assert not any("leave" in s for s in said), said


def test_an_empty_cell_in_a_csv_body_is_a_missing_value():
    """A CSV body names every column in its header: an empty cell is a gap, scored as before."""
    frame = pd.DataFrame(rows(3)).astype({"income": object})
    frame.loc[1, "income"] = None
    read = request_frame(frame.to_csv(index=False).encode(), "text/csv", parse_json, (200, 6))
    X = playground_runtime.prepare_rows(read, FEATURES, playground_runtime.set_aside_row_names(LEFT_OUT, FEATURES,
                                                                                               read))
    assert X["income"].isna().tolist() == [False, True, False]


def test_a_record_that_holds_nothing_is_still_refused_as_empty():
    with pytest.raises(Invalid, match=r"^Records 3, 4 have no value in any column"):
        scored([*rows(2), {k: None for k in ROW}, {}])
