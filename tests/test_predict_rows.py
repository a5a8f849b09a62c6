"""The predict route's reading of JSON records (executor.deployments.request_frame: web.errors.
parse_json with flat_values, then records_frame): orjson's reading, taken as it is (no digit
count or shape search first). Over a corpus of generated requests, each column one class of
values a client sends (whole numbers, floats, both, true/false, text, nulls, a key some
records leave out or only later ones name, whole numbers at the 64-bit edges, lists and
objects), the frame is pandas' own `from_records` of the standard library's reading, dtype
for dtype and value for value, and what a model cannot take is refused with the same
sentence wherever it stands; a whole number past 64 bits reads as the nearest float."""

from __future__ import annotations

import json
import random

import pandas as pd
import pytest

from data.store import Invalid
from executor.deployments import request_frame
from web.errors import parse_json

COLUMN_CLASSES = {
    "ints": lambda r: r.randint(-10**6, 10**6),
    "floats": lambda r: r.uniform(-1e6, 1e6),
    "ints and floats": lambda r: r.choice([r.randint(-99, 99), r.uniform(-1, 1), -0.0, 1e300]),
    "ints and nulls": lambda r: r.choice([r.randint(0, 9), None]),
    "floats and nulls": lambda r: r.choice([r.random(), None]),
    "true/false": lambda r: r.choice([True, False]),
    "true/false and nulls": lambda r: r.choice([True, False, None]),
    "text": lambda r: r.choice(["a", "é", "日本", "😀", "", "x y", "1.5"]),
    "text and nulls": lambda r: r.choice(["a", None]),
    "nulls": lambda r: None,
    "text and numbers": lambda r: r.choice(["a", 1, 2.5]),
    "numbers and true/false": lambda r: r.choice([1, True, 0.5]),
    "64-bit edges": lambda r: r.choice([2**63 - 1, -(2**63), 2**63, 2**64 - 1, 7]),
}
REFUSED_CLASSES = {"a list": lambda r: [r.randint(0, 9)], "an object": lambda r: {"k": 1}}


def rows_of(raw: bytes) -> pd.DataFrame:
    return request_frame(raw, "application/json", parse_json)


def requests(seed: int, n: int):
    rng = random.Random(seed)
    classes = list(COLUMN_CLASSES.items())
    for i in range(n):
        columns = [(f"c{j}", gen) for j, (_, gen) in enumerate(rng.sample(classes, rng.randint(1, 6)))]
        records = [{name: gen(rng) for name, gen in columns} for _ in range(rng.randint(1, 40))]
        shape = rng.random()
        if shape < 0.2:  # a key that some records leave out
            for rec in rng.sample(records, len(records) // 2):
                rec.pop(columns[0][0], None)
        elif shape < 0.35 and len(records) > 1:  # a key only a later record names
            records[-1]["late"] = 1.5
        elif shape < 0.45:  # the same keys, written in another order
            records = [dict(reversed(list(rec.items()))) if rng.random() < 0.5 else rec for rec in records]
        elif shape < 0.5 and len(records) > 1:  # as many keys, one of them another
            records[-1] = {("other" if k == columns[0][0] else k): v for k, v in records[-1].items()}
        yield i, records


def test_a_corpus_of_requests_makes_the_frame_pandas_makes_of_the_standard_librarys_reading():
    built = 0
    for i, records in requests(20261204, 1500):
        raw = json.dumps({"records": records}).encode()
        # blank text ("", "  ") is a gap, as null is and a file's empty cell (tests/test_blank_text_gaps.py)
        gapped = [{k: None if isinstance(v, str) and not v.strip() else v for k, v in r.items()} for r in records]
        if any(all(v is None for v in r.values()) for r in gapped):  # nothing to score on: refused by its place
            with pytest.raises(Invalid, match="no value in any column"):
                rows_of(raw)
            built += 1
            continue
        ours = rows_of(raw)
        theirs = pd.DataFrame.from_records(gapped)
        pd.testing.assert_frame_equal(ours, theirs, check_exact=True, obj=f"request {i}: {raw[:200]!r}")
        built += 1
    assert built == 1500


@pytest.mark.parametrize("what", list(REFUSED_CLASSES))
def test_a_nested_value_is_refused_by_its_row_column_and_type_wherever_it_stands(what):
    rng = random.Random(what)
    for _ in range(50):
        records = [{"a": rng.random(), "b": rng.choice(["x", None])} for _ in range(rng.randint(1, 20))]
        row = rng.randrange(len(records))
        records[row]["b" if rng.random() < 0.5 else "a"] = REFUSED_CLASSES[what](rng)
        column = next(k for k, v in records[row].items() if isinstance(v, (list, dict)))
        with pytest.raises(Invalid) as info:
            rows_of(json.dumps({"records": records}).encode())
        kind = "list" if what == "a list" else "dict"
        assert info.value.detail.startswith(f"Row {row + 1}: the value of column '{column}' is a {kind};"), \
            info.value.detail


@pytest.mark.parametrize("number", ["18446744073709551616", "-9223372036854775809", "1" + "0" * 39, "9" * 60,
                                    "123456789012345678901234567890"])
def test_a_whole_number_past_64_bits_in_a_record_is_read_as_the_nearest_float(number):
    """The standard library reads it as an exact int, which a model's float column holds as
    the nearest float: the predict route reads it so at once (and no longer refuses one of
    more than 40 digits: orjson reads a long number in linear time)."""
    raw = f'{{"records": [{{"a": {number}, "b": 1.5}}]}}'.encode()
    frame = rows_of(raw)
    assert frame["a"].dtype == "float64" and frame["a"].iloc[0] == float(int(number))
    assert parse_json(raw)["records"][0]["a"] == int(number) if len(number.lstrip("-")) <= 40 else True


@pytest.mark.parametrize("raw, sentence", [
    (b'{"records": [{"a": NaN}]}', "The request body contains NaN, which is not a number in JSON."),
    (b'{"records": [{"a": 1e400}]}', "The request body contains a number too large for a float."),
    (b'{"records": [{"a": "\xff"}]}', "The request body is not UTF-8 text."),
    (b"  ", "The request body is empty: it should hold a JSON object."),
    (b'{"records": [{"a": 1}]} x', "The request body is not valid JSON (line 1, column 25: Extra data)."),
    (b'[{"a": 1}]', "The request body must be a JSON object."),
])
def test_a_body_orjson_refuses_is_refused_in_the_standard_librarys_words(raw, sentence):
    from web.errors import BadRequest

    with pytest.raises(BadRequest) as info:
        parse_json(raw, flat_values=True)
    assert info.value.detail == sentence
