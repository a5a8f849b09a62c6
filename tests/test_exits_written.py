"""A model trained on a European export (Windows-1252, semicolons, decimal commas, '.' between
thousands, euro amounts, percentages, day-first dates) scores rows written the same way in
every exit: the bundle's predict.py (found by a new user: it refused the very file the model
was trained on, as not UTF-8 and for its '.' between thousands), "Score a file", and the
predict endpoint with a CSV body (naming no charset) and with JSON records holding the values
as written. Each gives the predictions of the same rows written plainly, and says how it read
them. The rule (playground_runtime's `_written_numbers`, by the reader's own pattern) is
checked over classes of values, with the near misses it must refuse."""

from __future__ import annotations

import io
import json

import numpy as np
import pandas as pd
import pytest

import playground_runtime
from tests.test_bundle import predict_py, run, unzip
from tests.test_exits_agree import scored_by_every_exit

pytestmark = pytest.mark.usefixtures("consumer")


def orders(n: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame({
        "Region": rng.choice(["Süd", "Nord", "Österreich"], n),
        "Umsatz": rng.gamma(2, 900, n).round(2),
        "Rabatt": rng.choice([0.0, 0.025, 0.05, 0.125], n),
        "Datum": pd.Timestamp("2023-01-01") + pd.to_timedelta(rng.integers(0, 700, n), "D"),
        "Menge": rng.integers(1, 40, n)})
    frame["Gewinn"] = (frame["Umsatz"] * (0.3 - frame["Rabatt"]) + frame["Menge"] * 2 + rng.normal(0, 5, n)).round(2)
    return frame


def european(frame: pd.DataFrame) -> bytes:
    """The rows as a German Excel export writes them: 1.334,60 €, 2,5 %, 13.04.2023, ';', Windows-1252."""
    out = frame.copy()
    out["Umsatz"] = out["Umsatz"].map(lambda v: f"{v:,.2f} €".replace(",", "X").replace(".", ",").replace("X", "."))
    out["Rabatt"] = out["Rabatt"].map(lambda v: f"{v * 100:.1f} %".replace(".", ","))
    out["Datum"] = out["Datum"].dt.strftime("%d.%m.%Y")
    return out.to_csv(sep=";", index=False).encode("cp1252")


@pytest.fixture(scope="module")
def model(web, tmp_path_factory):
    """A linear regression of Gewinn trained on a European export: (run id, bundle, key, folder)."""
    folder = tmp_path_factory.mktemp("written")
    up = web.post("/api/v1/datasets", files={"file": ("export.csv", european(orders(240, 1)))})
    assert up.status_code == 201, up.text
    said = " ".join(n["text"] for n in up.json()["notices"])
    assert "Windows-1252" in said and "decimal comma" in said and "percentages as fractions" in said, said
    job = run(web, {"name": "written", "nodes": [
        {"id": "d", "type": "dataset", "config": {"dataset_id": up.json()["id"], "target_column": "Gewinn",
                                                  "problem_type": "regression"}},
        {"id": "s", "type": "split", "config": {"test_size": 0.25}},
        {"id": "m", "type": "model", "config": {"algorithm": "linear_regression"}}],
        "edges": [{"source": "d", "target": "s"}, {"source": "s", "target": "m"}]})
    bundle = unzip(web, job["id"], "m", folder / "bundle")
    assert web.post(f"/api/v1/jobs/{job['id']}/models/m/deploy", json={"name": "written"}).status_code == 201
    key = web.post("/api/v1/keys", json={"name": "written"}).json()["key"]
    return job["id"], bundle, key, folder


def scored(web, model, name: str, data: bytes, records: list[dict]) -> dict:
    """{exit: (predictions or None, what it said)} for a file's bytes and the same rows as JSON records."""
    return scored_by_every_exit(web, model, name, data, "written", records)


def test_the_card_keeps_how_the_training_file_wrote_its_numbers_and_its_encoding(model):
    _, bundle, _, _ = model
    card = json.loads((bundle / "model_card.json").read_text())
    features = {f["name"]: f for f in card["features"]}
    assert features["Umsatz"]["written"] == {"decimal": ",", "currency": ["€"], "percent": False}
    assert features["Rabatt"]["written"] == {"decimal": ",", "currency": [], "percent": True}
    assert "written" not in features["Menge"]  # plain whole numbers: nothing to keep
    assert card["dataset"]["encoding"] == "cp1252"
    md = (bundle / "MODEL_CARD.md").read_text()
    assert "Umsatz (decimal comma; euro amounts), Rabatt (decimal comma; percentages as fractions)" in md
    assert "reads a file that is not UTF-8 as cp1252" in md


def test_rows_written_as_the_training_file_score_alike_in_every_exit(web, model):
    rows = orders(12, 7).drop(columns="Gewinn")
    plain = rows.assign(Datum=rows["Datum"].dt.strftime("%Y-%m-%d"))
    want = scored(web, model, "plain.csv", plain.to_csv(index=False).encode(),
                  plain.to_dict(orient="records"))
    assert all(out is not None for out, _ in want.values()), want
    assert len({json.dumps(out) for out, _ in want.values()}) == 1, want  # the exits agree on plain rows
    data = european(rows)
    as_written = pd.read_csv(io.BytesIO(data), sep=";", encoding="cp1252", dtype=str)
    got = scored(web, model, "export.csv", data, as_written.to_dict(orient="records"))
    for exit, (out, said) in got.items():
        assert out == want[exit][0], (exit, said)
        if exit != "endpoint json":  # JSON is text already: no encoding to read it in
            assert "cp1252" in said or "Windows-1252" in said, (exit, said)
    for exit in ("predict.py", "endpoint json"):  # the runtime's rule, said in its words
        said = got[exit][1]
        # the thousands point said as the app says it (predict.py's "decimal comma, like '1.000' → 1000" read as a
        # wrong reading to a tester); the percentages, which have none, say none
        assert "'Umsatz': 12 values written as the training file wrote its numbers (decimal comma; '.' between " \
               "thousands; euro amounts) read so" in said, (exit, said)
        assert "(decimal comma; percentages as fractions) read so" in said, (exit, said)
    assert "kept as text" not in got["app"][1] + got["endpoint csv"][1]
    # how the values were read is said as that, not as a warning (a new user took predict.py's "warning: 200
    # values written as the training file wrote its numbers" on the training file itself for something wrong)
    lines = got["predict.py"][1].splitlines()
    assert [line for line in lines if "written as the training file wrote" in line and not line.startswith("read: ")] \
        == [], lines
    assert not any(line.startswith("warning:") for line in lines), lines
    json_answer = json.loads(got["endpoint json"][1])  # [detail, warnings, reading]
    assert json_answer[1] is None and any("read so" in r for r in json_answer[2]), json_answer


def test_a_number_written_in_another_style_is_refused_saying_how_the_training_file_wrote_it(web, model):
    rows = orders(3, 8).drop(columns="Gewinn")
    records = pd.read_csv(io.BytesIO(european(rows)), sep=";", encoding="cp1252", dtype=str).to_dict(orient="records")
    records[1]["Umsatz"] = "1,334.60 €"  # the other decimal separator: 1334.6 or 1.3346?
    got = scored(web, model, "other.csv", b"", records)["endpoint json"]
    assert got[0] is None
    assert ("'Umsatz' should hold numbers written as in the training file (decimal comma; euro amounts), like "
            "'1.234,5 €', or numbers sent as numbers (values like '1,334.60 €', the first in row 2)") in got[1], got[1]


def test_a_csv_body_that_is_not_in_the_charset_it_names_is_refused_saying_where_and_what_to_send(web, model):
    """A Windows export sent as `charset=utf-8` (a client that names UTF-8 whatever it sends)
    was refused "The CSV body is not UTF-8 text.": no line, no byte, no way on. The refusal
    now says where and, when the training file's encoding reads the body, to name it; a body
    in another charset than the one named, which the training encoding does not read, is told
    to name its own; a body naming no charset that is not UTF-8 is read in the training
    file's encoding, as before."""
    rows = orders(4, 9).drop(columns="Gewinn")
    body = european(rows)
    lines = body.split(b"\n")
    first = next(i for i, line in enumerate(lines, 1) if line != line.decode("cp1252").encode("ascii", "ignore"))
    byte = next(b for b in lines[first - 1] if b > 0x7F)

    def detail(content_type, data=body):
        r = web.post("/api/v1/deployments/written/predict", content=data,
                     headers={"Authorization": f"Bearer {model[2]}", "Content-Type": content_type})
        return r.status_code, r.json().get("detail") or ""

    for named in ("utf-8", "UTF8", "utf_8"):
        status, said = detail(f"text/csv; charset={named}")
        assert status == 422, said
        assert said == (f"The CSV body is not UTF-8 text, as its Content-Type says (line {first} holds the byte 0x{byte:02X}, "
                        "which UTF-8 does not have there). It decodes as Windows-1252 (Western European), the encoding "
                        "the training file was read in: if it is written in that, send it as text/csv; charset=cp1252."), said
    # Shift-JIS named as ascii: the training encoding is no help then ('、' is 0x81 0x41, and cp1252 has no 0x81)
    status, said = detail("text/csv; charset=ascii", "Region;Umsatz\nテスト、;1,5\n".encode("shift_jis"))
    assert status == 422 and said.startswith("The CSV body is not ascii text, as its Content-Type says (line 2 holds "
                                             "the byte 0x83"), said
    assert said.endswith("name the encoding it is written in (text/csv; charset=windows-1252), or send UTF-8."), said
    # near misses that still read: the charset it is in, or none (the training file's encoding, said)
    for content_type in ("text/csv; charset=windows-1252", "text/csv; charset=cp1252", "text/csv"):
        status, said = detail(content_type)
        assert status == 200, (content_type, said)


# --------------------------------------------------------------------------- the rule, over classes of values
COMMA_EURO = {"name": "x", "type": "numeric", "dtype": "float64",
              "written": {"decimal": ",", "currency": ["€"], "percent": False}}
DOT_DOLLAR = {"name": "x", "type": "numeric", "dtype": "float64",
              "written": {"decimal": ".", "currency": ["$"], "percent": False}}
COMMA_PERCENT = {"name": "x", "type": "numeric", "dtype": "float64",
                 "written": {"decimal": ",", "currency": [], "percent": True}}

READ = [  # (format, as written, the number)
    (COMMA_EURO, "1.334,60 €", 1334.6), (COMMA_EURO, "€ 1.334,60", 1334.6), (COMMA_EURO, "1334,6", 1334.6),
    (COMMA_EURO, "EUR 12,5", 12.5), (COMMA_EURO, "(12,50 €)", -12.5), (COMMA_EURO, "-3", -3.0),
    (COMMA_EURO, "1 234 567,89", 1234567.89), (COMMA_EURO, "1.234.567", 1234567.0), (COMMA_EURO, "0,5", 0.5),
    (COMMA_EURO, ",5", 0.5), (COMMA_EURO, "12,50 €-", -12.5), (COMMA_EURO, "1.234", 1234.0),
    (DOT_DOLLAR, "$1,234.50", 1234.5), (DOT_DOLLAR, "(1,234.50)", -1234.5), (DOT_DOLLAR, "USD 7", 7.0),
    (DOT_DOLLAR, "1'234.5", 1234.5), (DOT_DOLLAR, "−2.5", -2.5),
    (COMMA_PERCENT, "7,0 %", 0.07), (COMMA_PERCENT, "12,5%", 0.125), (COMMA_PERCENT, "0", 0.0),
    (COMMA_PERCENT, "100 %", 1.0),
    # a column of plain numbers, as the dataset's download and most programs write them, whichever
    # way the training file wrote its own: no decimal comma can be read there
    (COMMA_EURO, "1334.6", 1334.6), (COMMA_EURO, "1.33", 1.33), (COMMA_PERCENT, "0.07", 0.07),
    (COMMA_EURO, "1e3", 1000.0),
]
REFUSED = [  # near misses: each a different number, or no number, under the training file's way
    (COMMA_EURO, "1,334.60"),
    (COMMA_EURO, "7,0 %"), (COMMA_EURO, "abc"), (COMMA_EURO, "(12,50"), (COMMA_EURO, "1.2.3"),
    (DOT_DOLLAR, "1.234,50"), (DOT_DOLLAR, "12,5"),
    (COMMA_PERCENT, "7,0"), (COMMA_PERCENT, "0,07"), (COMMA_PERCENT, "7 € "),  # (no currency trained: not another)
]


@pytest.mark.parametrize("col,text,number", READ)
def test_each_way_the_training_file_wrote_a_number_is_read_so(col, text, number):
    notes = []
    got = playground_runtime.prepare_rows(pd.DataFrame({"x": [text, None, ""]}, dtype=object), [col]).attrs
    values = playground_runtime._as_kind(pd.Series([text, None, ""], dtype=object), col, notes)
    assert values is not None and values.iloc[0] == pytest.approx(number, rel=0, abs=1e-12), (text, values)
    assert values.iloc[1:].isna().all()
    assert got is not None


@pytest.mark.parametrize("col,text", REFUSED)
def test_a_number_written_otherwise_is_refused_not_guessed(col, text):
    with pytest.raises(playground_runtime.ColumnsError) as e:
        playground_runtime.prepare_rows(pd.DataFrame({"x": ["1", text]}, dtype=object), [col])
    if col["written"]["decimal"] == "." and "," in text:  # a decimal comma no file settles (settled_decimal)
        assert str(e.value).startswith("These rows cannot be scored: 'x' holds numbers written with a decimal comma"), \
            str(e.value)
        return
    assert f"values like {text.strip()!r}, the first in row 2" in str(e.value) or repr(text) in str(e.value), str(e.value)
    assert "written as in the training file" in str(e.value)


OTHER_CURRENCY = [  # (format, as written, the currencies the sentence names: the rows', the training file's)
    (COMMA_EURO, "12 $", "dollar amounts ($)", "euro amounts (€)"),
    (COMMA_EURO, "12 USD", "dollar amounts (USD)", "euro amounts (€)"),
    (COMMA_EURO, "£ 12,50", "pound amounts (£)", "euro amounts (€)"),
    (COMMA_EURO, "(12,50 CHF)", "franc amounts (CHF)", "euro amounts (€)"),
    (DOT_DOLLAR, "12 €", "euro amounts (€)", "dollar amounts ($)"),
    (DOT_DOLLAR, "1.234,50 €", "euro amounts (€)", "dollar amounts ($)"),  # the other separator too: the unit first
    (DOT_DOLLAR, "EUR 12.50", "euro amounts (EUR)", "dollar amounts ($)"),
    (DOT_DOLLAR, "¥1,200", "yen amounts (¥)", "dollar amounts ($)"),
]


@pytest.mark.parametrize("col,text,rows,trained", OTHER_CURRENCY)
def test_amounts_in_another_currency_are_refused_naming_both_currencies(col, text, rows, trained):
    """One rule (playground_runtime.rows_currency) for text the rows write ('12 €' in a column
    of dollars) and for numbers a reader read from such text (its NUMBERS_READ): the column,
    the rows' currency, the training file's, and how to write them."""
    unit = trained.split(" amounts")[0]
    sentence = (f"These rows cannot be scored: 'x' holds {rows} where the training file wrote {trained}: the model "
                f"would take them for {unit} amounts; convert them to {unit} amounts, written like "
                f"{playground_runtime._written_example(col['written'])!r} or as plain numbers.")
    with pytest.raises(playground_runtime.ColumnsError) as e:
        playground_runtime.prepare_rows(pd.DataFrame({"x": ["1", text, None]}, dtype=object), [col])
    assert str(e.value) == sentence
    read = pd.DataFrame({"x": [1.0, 12.0, None]})  # as the app's reader read them, and what it saw
    sign = rows.split("(")[1].rstrip(")")
    read.attrs[playground_runtime.NUMBERS_READ] = {"x": {"decimal": ".", "currency": [sign], "percent": False}}
    with pytest.raises(playground_runtime.ColumnsError) as e:
        playground_runtime.prepare_rows(read, [col])
    assert str(e.value) == sentence


@pytest.mark.parametrize("col,text", [(DOT_DOLLAR, "USD 12.50"), (DOT_DOLLAR, "12.50 $"), (DOT_DOLLAR, "($12.50)"),
                                      (DOT_DOLLAR, "CAD 12.50"), (DOT_DOLLAR, "1,234.50"), (DOT_DOLLAR, "12.5"),
                                      (COMMA_EURO, "12,50 EUR"), (COMMA_EURO, "€ 12,50"), (COMMA_EURO, "12,50"),
                                      (COMMA_PERCENT, "7,0 %")])
def test_the_same_currency_by_its_code_or_none_is_no_other_currency(col, text):
    """Near misses: the training file's currency by its code (or a code CURRENCIES names alike:
    CAD is a dollar to the reader too), its sign after the amount, amounts without a currency,
    percentages: read, and no word of another currency."""
    X = playground_runtime.prepare_rows(pd.DataFrame({"x": [text, None]}, dtype=object), [col])
    assert X["x"].notna().sum() == 1
    for signs in (["USD"], ["$", "CAD"], []):
        read = pd.DataFrame({"x": [1.0, 12.0]})
        read.attrs[playground_runtime.NUMBERS_READ] = {"x": {"decimal": ".", "currency": signs, "percent": False}}
        assert playground_runtime.prepare_rows(read, [DOT_DOLLAR])["x"].tolist() == [1.0, 12.0]


def test_numbers_sent_as_numbers_and_plain_columns_are_taken_as_they_are():
    values = playground_runtime._as_kind(pd.Series([1334.6, 7, None], dtype=object), COMMA_EURO, [])
    assert values.tolist()[:2] == [1334.6, 7.0]
    plain = {"name": "x", "type": "numeric", "dtype": "float64"}  # no `written`: '1.334,60 €' is no number there
    assert playground_runtime._as_kind(pd.Series(["1.334,60 €"], dtype=object), plain) is None
    assert playground_runtime._as_kind(pd.Series(["1.5"], dtype=object), plain).tolist() == [1.5]


# --------------------------------------------------------------------------- Parquet rows
BLOCK_PYARROW = """
import runpy, sys
class NoPyarrow:
    def find_spec(self, name, path=None, target=None):
        if name == "pyarrow" or name.startswith("pyarrow."):
            raise ImportError("No module named 'pyarrow'")
sys.meta_path.insert(0, NoPyarrow())
sys.argv = ["predict.py", sys.argv[1]]
runpy.run_path("predict.py", run_name="__main__")
"""


def test_predict_py_scores_parquet_rows_and_says_what_it_needs_without_pyarrow(model):
    """predict.py reads Parquet (the dataset's download is Parquet), which pandas reads with
    pyarrow, a library the model does not need: requirements.txt names its version, commented
    out, and without it predict.py says so (pandas' own error named two engines to choose from)."""
    import subprocess
    import sys

    from tests.test_bundle import clean_env

    _, bundle, _, folder = model
    rows = orders(6, 9).drop(columns="Gewinn")
    rows.to_csv(folder / "rows.csv", index=False)
    rows.to_parquet(folder / "rows.parquet", index=False)
    from_csv, from_parquet = predict_py(bundle, folder / "rows.csv"), predict_py(bundle, folder / "rows.parquet")
    assert from_csv.returncode == 0 and from_parquet.returncode == 0, from_parquet.stderr
    assert from_parquet.stdout == from_csv.stdout
    assert "# pyarrow==" in (bundle / "requirements.txt").read_text()
    blocked = subprocess.run([sys.executable, "-I", "-c", BLOCK_PYARROW, str(folder / "rows.parquet")], cwd=bundle,
                             env=clean_env(), capture_output=True, text=True, timeout=120)
    assert blocked.returncode != 0
    assert "rows.parquet is a Parquet file, which pandas reads with pyarrow, not installed here: pip install pyarrow" \
        in blocked.stderr, blocked.stderr


@pytest.mark.parametrize("decimal", [".", ","])
def test_the_example_of_how_to_write_an_amount_is_written_as_people_write_it_and_read_back(decimal):
    """A refusal says how to write the column's numbers: '1,234.5 $' read oddly for dollars
    (found by a helper). With a decimal point a sign goes first ('$1,234.5', '€1,234.5'), a code
    or a word with a space ('USD 1,234.5'); with a decimal comma after ('1.234,5 €'); every
    example is read back as 1234.5 by the rule that reads rows to score."""
    for sign in playground_runtime.CURRENCIES:
        fmt = {"decimal": decimal, "currency": [sign]}
        example = playground_runtime._written_example(fmt)
        if decimal == ",":
            assert example.endswith(f" {sign}"), example
        elif sign.isalpha():
            assert example.startswith(f"{sign} "), example
        else:
            assert example.startswith(sign) and example[len(sign)].isdigit(), example
        read = playground_runtime._written_numbers(pd.Series([example]), {"name": "amount", "written": fmt})
        assert read is not None and read.tolist() == [1234.5], (sign, decimal, example)


def _deals_model(web, folder, name: str, probability) -> tuple:
    """A linear regression of `value` on a workbook of deals, its Probability cells formatted as Excel shows a
    percentage ('0%': the cell holds 0.5 and shows 50%) or holding percentage points (50), deployed as `name`."""
    from openpyxl import Workbook

    rng = np.random.default_rng(11)
    n = 120
    p = rng.choice([0.1, 0.25, 0.5, 0.75, 0.9], n)
    amount = rng.uniform(100, 9000, n).round(2)
    book = Workbook()
    sheet = book.active
    sheet.append(["Deal", "Amount", "Probability", "value"])
    for i in range(n):
        sheet.append([f"D{i}", float(amount[i]), float(probability(p[i])), round(float(amount[i] * p[i]), 2)])
        sheet.cell(i + 2, 2).number_format = "#,##0.00"
        sheet.cell(i + 2, 3).number_format = "0%" if probability(0.5) == 0.5 else "0"
    raw = io.BytesIO()
    book.save(raw)
    up = web.post("/api/v1/datasets", files={"file": (f"{name}.xlsx", raw.getvalue())})
    assert up.status_code == 201, up.text
    job = run(web, {"name": name, "nodes": [
        {"id": "d", "type": "dataset", "config": {"dataset_id": up.json()["id"], "target_column": "value",
                                                  "problem_type": "regression"}},
        {"id": "s", "type": "split", "config": {"test_size": 0.25}},
        {"id": "m", "type": "model", "config": {"algorithm": "linear_regression"}}],
        "edges": [{"source": "d", "target": "s"}, {"source": "s", "target": "m"}]})
    bundle = unzip(web, job["id"], "m", folder / f"bundle-{name}")
    assert web.post(f"/api/v1/jobs/{job['id']}/models/m/deploy", json={"name": name}).status_code == 201
    return job["id"], bundle, web.post("/api/v1/keys", json={"name": name}).json()["key"], folder


@pytest.mark.usefixtures("consumer")
def test_excels_own_csv_of_percentages_is_scored_alike_by_every_exit(web, tmp_path):
    """A model trained on a workbook (Probability cells showing 50%, holding 0.5) was given the rows as Excel's
    Save as CSV writes them ('50%', '4,720.18'): Score a file and the endpoint's CSV read 50% as 0.5, predict.py
    and JSON records refused it as a percentage in a column of plain numbers (a new user). Every exit reads a
    column of percentages as fractions now, said; a column mixing them with plain numbers is refused by every
    exit; and where the training values were percentage points (50), 0.5 is said to be a scale apart."""
    rows = pd.DataFrame({"Deal": ["N1", "N2", "N3", "N4"], "Amount": [4720.18, 310.5, 12000.0, 845.25],
                         "Probability": [0.5, 0.25, 0.9, 0.1]})
    excel = rows.assign(Amount=[f"{v:,.2f}" for v in rows["Amount"]],
                        Probability=[f"{v:.0%}" for v in rows["Probability"]])
    model = _deals_model(web, tmp_path, "deals-fractions", lambda p: p)
    want = scored_by_every_exit(web, model, "plain.csv", rows, "deals-fractions")["app"][0]
    got = scored_by_every_exit(web, model, "excel.csv", excel.to_csv(index=False), "deals-fractions",
                               records=excel.to_dict(orient="records"))
    for exit_, (predictions, how) in got.items():
        assert predictions == want, (exit_, how)
        assert "percentages as fractions" in how, (exit_, how)
        assert "scale apart" not in how, (exit_, how)
    mixed = excel.assign(Probability=["50%", "0.25", "90%", "0.1"])
    refused = scored_by_every_exit(web, model, "mixed.csv", mixed.to_csv(index=False), "deals-fractions",
                                   records=mixed.to_dict(orient="records"))
    assert all(predictions is None for predictions, _ in refused.values()), refused
    points = _deals_model(web, tmp_path, "deals-points", lambda p: round(p * 100))
    got = scored_by_every_exit(web, points, "excel.csv", excel.to_csv(index=False), "deals-points",
                               records=excel.to_dict(orient="records"))
    for exit_, (predictions, how) in got.items():
        assert predictions is not None and "'Probability': 4 rows hold values 10 times or more outside the training " \
            "range" in how and "a percentage read as a fraction" in how, (exit_, how)
