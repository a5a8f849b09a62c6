"""Datasets: the samples, profiling, and ingestion of user files (valid and not)."""

from __future__ import annotations

import io
import json

import numpy as np
import pandas as pd
import pytest

from data import datasets
from data.datasets import DatasetError
from data.ingest import ingest_bytes as ingest
from plugins.tables import parse_iso_dates, profile

MB = 2**20


@pytest.mark.parametrize("dataset_id,problem_type,target", [
    ("iris", "classification", "target"), ("wine", "classification", "target"),
    ("breast_cancer", "classification", "target"), ("digits", "classification", "target"),
    ("diabetes", "regression", "target"), ("blobs", "clustering", None),
])
def test_samples_declare_what_they_are(dataset_id, problem_type, target):
    info = datasets.sample_info(dataset_id)
    df = datasets.load_sample(dataset_id)
    assert info["problem_type"] == problem_type and info["target"] == target
    assert (info["n_rows"], info["n_cols"]) == df.shape
    assert (target in df.columns) if target else "target" not in df.columns
    df.iloc[0, 0] = -999  # a copy: the cached sample is untouched
    assert datasets.load_sample(dataset_id).iloc[0, 0] != -999


def test_profile_infers_roles_and_missing_share():
    n = 40
    df = pd.DataFrame({
        "amount": np.linspace(0, 1, n), "colour": ["red", "blue"] * (n // 2),
        "day": [f"2024-01-{i % 28 + 1:02d}" for i in range(n)],
        "review": [f"This product is number {i} and I have long opinions about it, truly." for i in range(n)],
        "order_ref": [f"ORD-{1000 + i}" for i in range(n)], "label": [0, 1] * (n // 2),
    })
    df.loc[:9, "amount"] = np.nan
    df["when"] = [f"{i + 1:02d}/01/2024" for i in range(n)]  # not ISO: ambiguous, stays text
    prof = profile(parse_iso_dates(df))  # what ingest does to every file
    roles = {c["name"]: c["role"] for c in prof["columns"]}
    assert roles == {"amount": "numeric", "colour": "categorical", "day": "datetime", "review": "text",
                     "order_ref": "id", "label": "numeric", "when": "id"}
    assert next(c for c in prof["columns"] if c["name"] == "amount")["missing_pct"] == 25.0
    assert prof["suggested_target"] == "label" and prof["suggested_problem_type"] == "classification"
    json.dumps(prof)  # JSON-able all the way down (no numpy types, no NaN)


def csv_bytes():
    return b"sepal,petal,species\n5.1,1.4,setosa\n6.2,4.5,versicolor\n5.9,5.1,virginica\n5.0,1.5,setosa\n"


@pytest.mark.parametrize("name,raw", [
    ("flowers.csv", csv_bytes()),
    ("flowers.tsv", csv_bytes().replace(b",", b"\t")),
    ("flowers.txt", csv_bytes().replace(b",", b";")),
])
def test_text_files_round_trip_to_parquet(tmp_path, name, raw):
    record = ingest(raw, name, tmp_path, MB)
    back = pd.read_parquet(record["path"])
    assert list(back.columns) == ["sepal", "petal", "species"] and len(back) == 4
    assert back["sepal"].dtype.kind == "f"
    assert record["target"] == "species" and record["problem_type"] == "classification"
    assert record["id"] == "ds_" + record["content_hash"][:12]


def test_parquet_round_trip_and_idempotency(tmp_path):
    buf = io.BytesIO()
    pd.DataFrame({"x": [1, 2, 3], "y": [0.5, 1.5, 2.5]}).to_parquet(buf)
    first = ingest(buf.getvalue(), "t.parquet", tmp_path, MB)
    second = ingest(buf.getvalue(), "again.parquet", tmp_path, MB)
    assert first["id"] == second["id"] and first["format"] == "parquet"
    assert sorted(p.name for p in tmp_path.iterdir()) == [f"{first['id']}.parquet", f"{first['id']}.sample.parquet"]


@pytest.mark.parametrize("name,raw,fragment", [
    ("e.csv", b"", "empty"),
    ("h.csv", b"a,b,c\n", "no data rows"),
    ("blank.csv", b"\n\n", "empty"),
    ("nul.csv", b"a,b\x00\x00\x01", "binary"),
    ("ragged.csv", b"a,b\n1,2\n3\n", "Line 3 has 1 fields but the header has 2."),
    ("lastname.csv", b"a,\n1,2\n", "The last column has values but no name"),
    ("x.xlsx", b"PK", "The workbook cannot be read"),
    ("x.docx", b"PK", "not supported"),
    ("bad.parquet", b"PAR1xxxx", "cannot be read"),
    ("fake.parquet", b"a,b\n1,2\n", "not a Parquet file"),
])
def test_bad_files_say_why_and_leave_nothing(tmp_path, name, raw, fragment):
    with pytest.raises(DatasetError) as info:
        ingest(raw, name, tmp_path, MB)
    assert fragment in str(info.value)
    assert list(tmp_path.iterdir()) == []  # no file, no hidden temp file


def test_size_limit_is_stated_in_megabytes(tmp_path):
    raw = b"a,b\n" + b"1,2\n" * 300_000
    with pytest.raises(DatasetError, match=r"limit is 1 MB"):
        ingest(raw, "big.csv", tmp_path, MB)
    assert list(tmp_path.iterdir()) == []


def test_ids_cannot_escape_the_datasets_folder(tmp_path):
    for bad in ("../secret", "/etc/passwd", ".hidden", "a/b"):
        with pytest.raises(DatasetError):
            datasets.load_dataset(bad, tmp_path)
    record = ingest(csv_bytes(), "f.csv", tmp_path, MB)
    assert datasets.dataset_exists(record["id"], tmp_path)
    datasets.delete_dataset_file(record["id"], tmp_path)
    assert not datasets.dataset_exists(record["id"], tmp_path)


def test_coordinates_are_not_suggested_as_the_target():
    """vega's la-riots ends with longitude and latitude: the last column was suggested as
    the target (a fresh-eyes pass); a coordinate says where a row is, rarely what it is for."""
    from vega_datasets import data

    prof = profile(parse_iso_dates(data.la_riots()))
    assert prof["suggested_target"] not in ("latitude", "longitude")
    assert prof["suggested_target"] == "gender" and prof["suggested_problem_type"] == "classification"


def test_a_column_of_one_class_in_practice_or_of_hundreds_is_not_suggested_as_the_target():
    """vega's airports suggested `country`: 3,372 rows of USA and one each of four others,
    nothing to learn (a run scored 1.0, the same as always saying USA). A class column is
    not suggested when every class but the largest has fewer than FEW_CLASS_ROWS rows and
    the largest holds ONE_CLASS_SHARE of them, nor when it has more classes than a class
    column has (nlschools' 133 classroom codes); a rare class with rows enough is (fraud)."""
    from vega_datasets import data

    from plugins.tables import FEW_CLASS_ROWS, one_class_in_practice

    assert profile(data.airports())["suggested_target"] != "country"
    rng = np.random.default_rng(0)
    for majority, others in ((996, [1, 1, 1, 1]), (190, [FEW_CLASS_ROWS - 1]), (5000, [FEW_CLASS_ROWS - 1] * 3)):
        labels = ["big"] * majority + [f"c{i}" for i, n in enumerate(others) for _ in range(n)]
        frame = pd.DataFrame({"x": rng.normal(size=len(labels)), "label": rng.permutation(labels)})
        prof = profile(frame)
        assert one_class_in_practice(prof["columns"][1]) and prof["suggested_target"] != "label", others
    for majority, others in ((9_800, [200]), (12, [8, 5]), (95, [FEW_CLASS_ROWS]), (60, [9])):
        labels = ["big"] * majority + [f"c{i}" for i, n in enumerate(others) for _ in range(n)]
        frame = pd.DataFrame({"x": rng.normal(size=len(labels)), "label": rng.permutation(labels)})
        prof = profile(frame)
        assert not one_class_in_practice(prof["columns"][1]) and prof["suggested_target"] == "label", others
    codes = pd.DataFrame({"x": rng.normal(size=1330), "class": [f"k{i % 133}" for i in range(1330)]})
    assert profile(codes)["suggested_target"] != "class"


def test_whole_numbers_with_gaps_download_as_whole_numbers_and_read_back(tmp_path):
    """An age column with blanks was downloaded as 29.0: the CSV now writes 29, the Parquet
    file keeps its integer type, and both read back into the frame the models read."""
    import pyarrow.parquet as pq

    from plugins.tables import read_download

    raw = b"name,age,fare,big\na,29,1.5,9007199254740993\nb,,2.5,\nc,40,,1\n"
    rec = ingest(raw, "people.csv", tmp_path, 1 << 26)
    name, content, _ = datasets.download(rec["id"], tmp_path, "csv")
    text = b"".join(content).decode()
    assert text.splitlines() == ["name,age,fare,big", "a,29,1.5,9007199254740993", "b,,2.5,", "c,40,,1"]
    assert str(pq.read_schema(rec["path"]).field("age").type) == "int64"
    (tmp_path / "d.csv").write_text(text)
    stored = datasets.load_parquet(rec["path"])
    back = read_download(tmp_path / "d.csv", {c: str(t) for c, t in stored.dtypes.items()})
    pd.testing.assert_frame_equal(back, stored)
    pd.testing.assert_frame_equal(read_download(rec["path"]), stored)
    # the dataset page's first rows show them as the file holds them: 29, missing, 40
    from plugins.tables import preview

    shown = preview(datasets.head_rows(rec["id"], tmp_path, 20, as_stored=True), 20)
    assert [row[1] for row in shown["rows"]] == [29, None, 40] and [row[2] for row in shown["rows"]] == [1.5, 2.5, None]
    assert datasets.head_rows(rec["id"], tmp_path, 20)["age"].dtype == "float64"  # what the models read


def test_an_exported_scripts_reader_refuses_a_file_that_is_not_the_datasets_download(tmp_path):
    """Given the original upload instead of the download, a script printed other metrics
    without a word (R's row-name column read as a feature), or a traceback (a cp1252 export,
    a workbook given for Parquet): each is refused in a sentence that says what to give. (An
    R or pandas export's row names are read as the app read them: the next test.)"""
    from plugins.tables import NotTheDataset, read_download

    raw = b'"","name","age"\n"1","a",29\n"2","b",31\n'
    rec = ingest(raw, "r.csv", tmp_path, 1 << 26)
    stored = datasets.load_parquet(rec["path"])
    dtypes = {c: str(t) for c, t in stored.dtypes.items()}
    name, content, _ = datasets.download(rec["id"], tmp_path, "csv")
    (tmp_path / "download.csv").write_bytes(b"".join(content))
    pd.testing.assert_frame_equal(read_download(tmp_path / "download.csv", dtypes), stored)
    (tmp_path / "original.csv").write_bytes(raw)
    (tmp_path / "cp1252.csv").write_bytes("name,age\nGekündigt,3\n".encode("cp1252"))
    (tmp_path / "book.xlsx").write_bytes(b"PK\x03\x04 not parquet")
    for path, said in (("cp1252.csv", "is not UTF-8 text"), ("book.xlsx", "is a zip archive")):
        with pytest.raises(NotTheDataset) as e:
            read_download(tmp_path / path, dtypes)
        assert said in str(e.value) and "GET /api/v1/datasets/{id}/download" in str(e.value), str(e.value)


def test_an_exported_scripts_reader_says_what_a_file_given_for_its_parquet_download_is(tmp_path):
    """Given the original upload (an R write.table .txt, a Kaggle .zip), an exported script said
    "prestige.txt is not a Parquet file this script can read (Could not open Parquet input source
    'prestige.txt': Parquet magic bytes not found in footer. Either the file is corrupte)":
    pyarrow's words cut mid-word (fresh eyes). Each kind of file is named; the downloads, in
    Parquet and in CSV, still read as the dataset."""
    import gzip
    import io
    import zipfile

    from plugins.tables import NotTheDataset, read_download

    frame = pd.DataFrame({"education": [13.11, 12.26, 12.77], "income": [12351, 25879, 9271],
                          "type": ["prof", "prof", "wc"]})
    raw = frame.set_axis(["gov.administrators", "general.managers", "accountants"]).to_csv(sep=" ")
    rec = ingest(raw.encode(), "prestige.txt", tmp_path, 1 << 26)
    stored = datasets.load_parquet(rec["path"])
    dtypes = {c: str(t) for c, t in stored.dtypes.items()}
    kaggle = io.BytesIO()
    with zipfile.ZipFile(kaggle, "w") as z:
        z.writestr("train.csv", frame.to_csv(index=False))
    files = {"prestige.txt": (raw.encode(), "is a text file"),
             "Prestige.TSV": (frame.to_csv(sep="\t", index=False).encode(), "is a text file"),
             "train.zip": (kaggle.getvalue(), "is a zip archive"),
             "book.xlsx": (b"PK\x03\x04" + b"\x00" * 40, "is a zip archive"),
             "train.csv.gz": (gzip.compress(frame.to_csv(index=False).encode()), "is gzip-compressed"),
             "model.skops.bin": (bytes(range(256)), "is neither a Parquet file nor a CSV"),
             "empty.parquet": (b"", "is neither a Parquet file nor a CSV")}
    for name, (content, said) in files.items():
        (tmp_path / name).write_bytes(content)
        with pytest.raises(NotTheDataset) as e:
            read_download(tmp_path / name, dtypes)
        text = str(e.value)
        assert f"{tmp_path / name} {said}" in text and "GET /api/v1/datasets/{id}/download" in text, text
        assert "magic bytes" not in text and "corrupte" not in text, text
    # near misses: a Parquet file pyarrow cannot read is still said in its words, whole; the downloads read
    (tmp_path / "cut.parquet").write_bytes(b"PAR1" + b"\x00" * 20)
    with pytest.raises(NotTheDataset) as e:
        read_download(tmp_path / "cut.parquet", dtypes)
    assert "is a Parquet file this script cannot read (" in str(e.value), str(e.value)
    for fmt in ("parquet", "csv"):
        name, content, _ = datasets.download(rec["id"], tmp_path, fmt)
        (tmp_path / f"download.{fmt}").write_bytes(content.read_bytes() if fmt == "parquet" else b"".join(content))
        pd.testing.assert_frame_equal(read_download(tmp_path / f"download.{fmt}", dtypes), stored)


@pytest.mark.parametrize("index", ["R", "pandas", "pandas, numbers", "MultiIndex"])
def test_an_exported_scripts_reader_reads_row_names_as_the_app_named_them(tmp_path, capsys, index):
    """A file written with its row names (R's write.csv, pandas' to_csv with its index: an
    empty first header cell; a MultiIndex: one per level) was refused by an exported script
    naming pandas' 'Unnamed: 0', a name in no file: the empty cells are named as the app named
    them on upload ('row_names', 'column_2'), said, and the file reads as the dataset."""
    from plugins.tables import read_download

    frame = pd.DataFrame({"name": ["a", "b", "c"], "age": [29, 31, 40], "member": [True, False, True]})
    raw = {"R": frame.set_axis(["1", "2", "3"]).to_csv().replace(",name,", '"","name",', 1),
           "pandas": frame.set_axis(["r1", "r2", "r3"]).to_csv(),
           "pandas, numbers": frame.to_csv(),
           "MultiIndex": frame.set_axis(pd.MultiIndex.from_tuples([("x", 1), ("x", 2), ("y", 1)])).to_csv()}[index]
    rec = ingest(raw.encode(), "r.csv", tmp_path, 1 << 26)
    stored = datasets.load_parquet(rec["path"])
    dtypes = {c: str(t) for c, t in stored.dtypes.items()}
    (tmp_path / "original.csv").write_text(raw)
    pd.testing.assert_frame_equal(read_download(tmp_path / "original.csv", dtypes), stored)
    said = capsys.readouterr().err
    assert "note: The first column had no name (R and pandas write row names there): it is named 'row_names'" in said
    assert ("Column 2 had no name: it is named 'column_2'." in said) == (index == "MultiIndex"), said
    assert "Unnamed" not in said


def test_an_exported_scripts_reader_still_refuses_other_columns_and_values(tmp_path):
    """Near misses: row names named, but the other columns not the dataset's, or values the
    stored type does not read (a traceback before): refused in a sentence."""
    from plugins.tables import NotTheDataset, read_download

    raw = pd.DataFrame({"name": ["a", "b"], "age": [29, 31]}).set_axis(["r1", "r2"]).to_csv()
    rec = ingest(raw.encode(), "r.csv", tmp_path, 1 << 26)
    dtypes = {c: str(t) for c, t in datasets.load_parquet(rec["path"]).dtypes.items()}
    for text, said in ((raw.replace(",name,age", ",name,years"), "missing 'age'; not in the dataset 'years'"),
                       (raw.replace("29", "29,5").replace(",name,age", ";name;age").replace(",", ";"), "missing"),
                       (raw.replace(",31", ",thirty-one"),
                        "'age' does not read as the dataset's int64 (values like 'thirty-one')")):
        (tmp_path / "other.csv").write_text(text)
        with pytest.raises(NotTheDataset) as e:
            read_download(tmp_path / "other.csv", dtypes)
        assert said in str(e.value) and "GET /api/v1/datasets/{id}/download" in str(e.value), str(e.value)


@pytest.mark.parametrize("stored,written,example", [
    ("2024-01-05 15:04:05", "2024/01/05 3:04:05 PM GMT+1", "2024/01/05 3:04:05 PM GMT+1"),  # a Forms export
    ("2024-11-27", "27.11.2024", "27.11.2024"),  # a European date
    ("12.5", "12,5", "12,5"),  # a decimal comma
    ("True", "ja", "ja"),  # a German yes
])
def test_a_value_the_stored_type_does_not_read_is_quoted_whole_in_the_scripts_refusal(tmp_path, stored, written,
                                                                                      example):
    """An exported script given the user's own file, whose column does not read as the stored
    type, was refused with pandas' message cut at 80 characters ("… You might want to )", a
    helper's audit): the sentence quotes the first value that does not read, whole."""
    from plugins.tables import NotTheDataset, read_download

    frame = pd.DataFrame({"v": [stored, stored], "n": [1, 2]})
    rec = ingest(frame.to_csv(index=False).encode(), "s.csv", tmp_path, 1 << 26)
    dtypes = {c: str(t) for c, t in datasets.load_parquet(rec["path"]).dtypes.items()}
    assert dtypes["v"] not in ("str", "object"), dtypes
    (tmp_path / "mine.csv").write_text(pd.DataFrame({"v": [stored, written], "n": [1, 2]}).to_csv(index=False))
    with pytest.raises(NotTheDataset) as e:
        read_download(tmp_path / "mine.csv", dtypes)
    assert f"(values like {example!r})" in str(e.value) and "You might" not in str(e.value), str(e.value)
