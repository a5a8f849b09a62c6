"""A zip archive holding several tables (a Kaggle competition's train.csv, test.csv and
sample_submission.csv) was refused as "the one to read cannot be told". It uploads as a
workbook of several sheets does: the largest table is read (the first by name of equals),
a notice names the others, and the reading option `member` (the dataset page's "Table in
the archive") reads another one. Rows to score in such an archive are still refused, the
sentence naming the file to send. Tables are real ones (tests.realdata), zipped here."""

from __future__ import annotations

import gzip
import html
import re
from pathlib import Path

import pandas as pd
import pytest

import playground_runtime
from data.datasets import DatasetError
from data.ingest import Limits, ingest_bytes, ingest_path
from tests import realdata
from tests.test_reading import _zipped

MB = 2**20


zipped = _zipped  # the reading tests' own: {name in the archive: bytes} -> the zip's bytes


def csv(frame: pd.DataFrame) -> bytes:
    return frame.to_csv(index=False).encode()


def read(raw: bytes, name: str, folder: Path, max_bytes: int = 64 * MB, **options):
    rec = ingest_bytes(raw, name, folder, max_bytes, options=options or None)
    return rec, pd.read_parquet(rec["path"])


def said(rec) -> list[str]:
    return [n["text"] for n in rec["notices"]]


def kaggle_downloads() -> dict:
    """{case: (archive name, {member: bytes} in the archive's order, the member read)}: how
    competitions and course folders come zipped."""
    titanic = realdata.titanic().reset_index(drop=True)
    titanic.insert(0, "PassengerId", range(1, len(titanic) + 1))
    train, test = titanic.iloc[:900], titanic.iloc[900:].drop(columns="survived")
    submission = pd.DataFrame({"PassengerId": test["PassengerId"], "survived": "no"})
    penguins = realdata.penguins()
    cars = realdata.mtcars()
    return {
        "a competition's three tables": ("titanic.zip", {"train.csv": csv(train), "test.csv": csv(test),
                                                          "sample_submission.csv": csv(submission)}, "train.csv"),
        # the largest is read wherever it is listed, in a folder too, a README.txt no table among CSVs
        "a folder with a README": ("penguins.zip", {"penguins/README.txt": b"Palmer penguins, 2007-2009.\n" * 400,
                                                    "penguins/test.csv": csv(penguins.iloc[250:].drop(columns="species")),
                                                    "penguins/train.csv": csv(penguins.iloc[:250])},
                                   "penguins/train.csv"),
        # zipped on a Mac: its __MACOSX copies are no tables, however large
        "zipped on a Mac": ("cars.zip", {"cars/test.csv": csv(cars.iloc[20:].drop(columns="mpg")),
                                         "__MACOSX/cars/._test.csv": b"\0" * 50_000,
                                         "cars/train.csv": csv(cars.iloc[:20]),
                                         "__MACOSX/cars/._train.csv": b"\0" * 50_000}, "cars/train.csv"),
    }


@pytest.mark.parametrize("case", sorted(kaggle_downloads()))
def test_an_archive_of_several_tables_reads_the_largest_and_names_the_others(tmp_path, case):
    archive, files, largest = kaggle_downloads()[case]
    rec_plain, want = read(files[largest], Path(largest).name, tmp_path / "plain")
    rec, got = read(zipped(files), archive, tmp_path / "archive")
    assert got.equals(want) and list(got.columns) == list(want.columns)
    tables = [n for n in files if n.endswith(".csv") and "__MACOSX" not in n]
    others = [n for n in tables if n != largest]
    assert said(rec)[0].startswith(f"Read from inside {archive!r}: {Path(largest).name!r} (")
    assert said(rec)[1] == (f"The archive holds {len(tables)} tables: {largest} was read, the largest; "
                            f"{' and '.join(others) if len(others) < 3 else ', '.join(others[:-1]) + ' and ' + others[-1]}"
                            f" {'was' if len(others) == 1 else 'were'} not; choose another table on this page.")
    assert said(rec)[2:] == said(rec_plain)  # the table's own notices, as when uploaded alone
    assert rec["reading"]["archive"] == {"kind": "zip", "member": Path(largest).name, "listed": largest,
                                         "tables": tables}
    assert rec["name"] == Path(archive).stem and rec["options"] == {}


@pytest.mark.parametrize("files, read_first, why", [
    # the same table twice, listed in any order: the first by name, whatever the archive's order
    ({"part-b.csv": csv(realdata.penguins()), "part-a.csv": csv(realdata.penguins())}, "part-a.csv", 2),
    ({"2020/sales.csv": csv(realdata.mtcars()), "2019/sales.csv": csv(realdata.mtcars()),
      "notes.csv": b"note\nchecked\n"}, "2019/sales.csv", 2),
])
def test_tables_of_equal_size_read_the_first_by_name_and_say_so(tmp_path, files, read_first, why):
    rec, _ = read(zipped(files), "export.zip", tmp_path)
    assert rec["reading"]["archive"]["listed"] == read_first
    assert f"{read_first} was read, the first by name of the {why} largest (of equal size);" in said(rec)[1]
    again, _ = read(zipped(dict(reversed(list(files.items())))), "export.zip", tmp_path / "again")
    assert again["reading"]["archive"]["listed"] == read_first  # not the archive's order


def test_the_member_option_reads_the_table_chosen(tmp_path):
    archive, files, _ = kaggle_downloads()["a competition's three tables"]
    raw = zipped(files)
    _, want = read(files["test.csv"], "test.csv", tmp_path / "plain")
    rec, got = read(raw, archive, tmp_path / "archive", member="test.csv")
    assert got.equals(want) and "survived" not in got.columns
    assert said(rec)[1] == ("The archive holds 3 tables: test.csv was read, as you chose; train.csv and "
                            "sample_submission.csv were not; choose another table on this page.")
    assert rec["options"] == {"member": "test.csv"} and rec["reading"]["archive"]["listed"] == "test.csv"
    # in a folder: by its name as listed, or by its own name when no other table has it
    archive, files, _ = kaggle_downloads()["a folder with a README"]
    _, want = read(files["penguins/test.csv"], "test.csv", tmp_path / "plain-penguins")
    for member in ("penguins/test.csv", "test.csv"):
        rec, got = read(zipped(files), archive, tmp_path / member.replace("/", "-"), member=member)
        assert got.equals(want) and rec["options"] == {"member": "penguins/test.csv"}, member


@pytest.mark.parametrize("member, refusal", [
    ("valid.csv", "The zip archive holds no table 'valid.csv'; its tables are 'penguins/test.csv', 'penguins/train.csv'."),
    ("Test.csv", "The zip archive holds no table 'Test.csv'"),
    # never a path: a member is one of the archive's own listing, by its name there
    ("../test.csv", "The zip archive holds no table '../test.csv'"),
    ("penguins/../penguins/test.csv", "The zip archive holds no table 'penguins/../penguins/test.csv'"),
    ("/etc/passwd", "The zip archive holds no table '/etc/passwd'"),
    ("penguins/README.txt", "The zip archive holds no table 'penguins/README.txt'"),
])
def test_a_member_the_archive_does_not_hold_as_a_table_is_refused_naming_its_tables(tmp_path, member, refusal):
    archive, files, _ = kaggle_downloads()["a folder with a README"]
    with pytest.raises(DatasetError) as info:
        read(zipped(files), archive, tmp_path, member=member)
    assert str(info.value).startswith(refusal), str(info.value)
    assert not list(tmp_path.iterdir())  # nothing left behind


def test_a_member_named_by_its_own_name_in_two_folders_is_refused_asking_for_its_listed_name(tmp_path):
    files = {"2019/sales.csv": csv(realdata.mtcars()), "2020/sales.csv": csv(realdata.mtcars().iloc[:10])}
    with pytest.raises(DatasetError, match=re.escape("holds 2 tables named 'sales.csv'; its tables are "
                                                     "'2019/sales.csv', '2020/sales.csv'.")):
        read(zipped(files), "sales.zip", tmp_path, member="sales.csv")
    rec, got = read(zipped(files), "sales.zip", tmp_path / "listed", member="2020/sales.csv")
    assert len(got) == 10


@pytest.mark.parametrize("name, raw, refusal", [
    ("penguins.csv", csv(realdata.penguins()), "The file 'penguins.csv' is no archive: there is no table in it to choose"),
    ("penguins.csv.gz", gzip.compress(csv(realdata.penguins())),
     "The gzip file 'penguins.csv.gz' holds one table: there is no other to choose"),
    ("penguins.tsv", realdata.penguins().to_csv(index=False, sep="\t").encode(), "The file 'penguins.tsv' is no archive"),
])
def test_a_member_option_on_a_file_that_is_no_zip_archive_is_refused_with_a_sentence(tmp_path, name, raw, refusal):
    with pytest.raises(DatasetError) as info:
        read(raw, name, tmp_path, member="train.csv")
    assert str(info.value).startswith(refusal) and "the reading option member" in str(info.value), str(info.value)


@pytest.mark.parametrize("files, table", [
    ({"README.txt": b"Prices of houses sold.\n" * 2000, "train.csv": csv(realdata.mtcars())}, "train.csv"),
    ({"cars.csv": csv(realdata.mtcars()), "__MACOSX/._cars.csv": b"\0" * 90_000, ".DS_Store": b"\0" * 9000},
     "cars.csv"),
    ({"export/": b"", "export/penguins.csv": csv(realdata.penguins())}, "export/penguins.csv"),
])
def test_an_archive_of_one_table_reads_as_it_did_with_no_word_of_others(tmp_path, files, table):
    """Near misses: a README, a Mac's copies, a folder are no second table."""
    rec_plain, want = read(files[table], Path(table).name, tmp_path / "plain")
    rec, got = read(zipped(files), "data.zip", tmp_path / "archive")
    assert got.equals(want)
    assert said(rec)[1:] == said(rec_plain) and not any("tables:" in t for t in said(rec))
    assert rec["reading"]["archive"] == {"kind": "zip", "member": Path(table).name}


def test_the_upload_limit_bounds_the_table_read_chosen_or_largest(tmp_path):
    """A few KB that unpack to 12 MB: the largest, read by default, stops at the limit; the
    small one chosen reads."""
    files = {"train.csv": csv(realdata.mtcars()), "test.csv": b"a,b\n" + b"1,2\n" * 3_000_000}
    raw = zipped(files)
    assert len(raw) < MB
    with pytest.raises(DatasetError, match=re.escape("unpacks past the limit of 8 MB (PLAYGROUND_MAX_UPLOAD_MB)")):
        read(raw, "big.zip", tmp_path, 8 * MB)
    with pytest.raises(DatasetError, match=re.escape("unpacks past the limit of 8 MB (PLAYGROUND_MAX_UPLOAD_MB)")):
        read(raw, "big.zip", tmp_path, 8 * MB, member="test.csv")
    rec, got = read(raw, "big.zip", tmp_path / "small", 8 * MB, member="train.csv")
    assert len(got) == 32


@pytest.mark.parametrize("case", sorted(kaggle_downloads()))
def test_rows_to_score_in_an_archive_of_several_tables_are_refused_naming_the_file_to_send(tmp_path, case):
    archive, files, _ = kaggle_downloads()[case]
    src = tmp_path / archive
    src.write_bytes(zipped(files))
    with pytest.raises(DatasetError) as info:
        ingest_path(src, archive, tmp_path, Limits(max_bytes=64 * MB), table_only=True)
    assert "rows to score come from one table, and the archive does not say which. Send 'test.csv' on its own" in \
        str(info.value), str(info.value)


@pytest.mark.parametrize("names, send", [
    (["train.csv", "test.csv", "sample_submission.csv"], "'test.csv'"),
    (["house-prices/train.csv", "house-prices/test.csv", "house-prices/data_description.txt"], "'test.csv'"),
    (["digits/train.csv", "digits/test_set.csv"], "'test_set.csv'"),
    (["Train.CSV", "TEST-2023.csv"], "'TEST-2023.csv'"),
    # near misses: no name says which rows are to score
    (["train.csv", "testimonials.csv"], "the table to score"),
    (["2019.csv", "2020.csv"], "the table to score"),
    (["test.csv", "test2.csv"], "the table to score"),
    (["attest.csv", "contest.csv"], "the table to score"),
])
def test_the_scoring_refusal_names_the_test_table_only_when_one_name_says_so(names, send):
    with pytest.raises(playground_runtime.ColumnsError) as info:
        playground_runtime.archive_table(names, "The zip archive rows.zip", "Pass")
    assert f"Pass {send} on its own (unzipped, or in an archive of its own)." in str(info.value), str(info.value)


# --------------------------------------------------------------------------- the app: upload, page, API, form
def test_a_kaggle_zip_uploads_and_its_page_reads_another_table(web):
    archive, files, _ = kaggle_downloads()["a competition's three tables"]
    up = web.post("/api/v1/datasets", files={"file": ("titanic-web.zip", zipped(files))})
    assert up.status_code == 201, up.text
    body = up.json()
    assert body["n_rows"] == 900 and body["target"] == "survived"
    assert body["notices"][1]["text"].startswith("The archive holds 3 tables: train.csv was read, the largest")
    page = html.unescape(web.get(f"/datasets/{body['id']}").text)
    select = re.search(r'<select name="member" id="reading-member">(.*?)</select>', page, re.S)
    assert select and re.findall(r'<option value="([^"]+)"', select.group(1)) == list(files)
    assert re.search(r'<option value="train.csv" selected>', select.group(1))
    assert "table 'train.csv', 1 of 3 in the archive" in page and "The archive holds 3 tables" in page

    # the page's form: another table is another table (its own target), read as test.csv alone is
    form = web.post(f"/datasets/{body['id']}/reading", data={"member": "test.csv", "encoding": "auto"},
                    follow_redirects=False)
    assert form.status_code == 303, html.unescape(form.text)
    now = web.get(f"/api/v1/datasets/{body['id']}").json()
    assert now["n_rows"] == len(realdata.titanic()) - 900 and "survived" not in [c["name"] for c in
                                                                                   now["profile"]["columns"]]
    assert now["options"] == {"member": "test.csv"} and now["reading"]["archive"]["listed"] == "test.csv"
    page = html.unescape(web.get(f"/datasets/{body['id']}").text)
    assert re.search(r'<option value="test.csv" selected>', page)

    # the API: back to train.csv, and an unknown table refused naming the tables (nothing changed)
    back = web.put(f"/api/v1/datasets/{body['id']}/reading", json={"member": "train.csv"})
    assert back.status_code == 200 and back.json()["n_rows"] == 900, back.text
    bad = web.put(f"/api/v1/datasets/{body['id']}/reading", json={"member": "valid.csv"})
    assert bad.status_code in (400, 422) and "its tables are 'train.csv', 'test.csv', 'sample_submission.csv'" in \
        bad.text, bad.text
    assert web.get(f"/api/v1/datasets/{body['id']}").json()["n_rows"] == 900


def test_an_upload_names_the_archive_table_to_read(web):
    archive, files, _ = kaggle_downloads()["zipped on a Mac"]
    up = web.post("/api/v1/datasets?member=cars/test.csv", files={"file": ("cars-web.zip", zipped(files))})
    assert up.status_code == 201, up.text
    assert up.json()["n_rows"] == 12 and up.json()["options"] == {"member": "cars/test.csv"}
    refused = web.post("/api/v1/datasets?member=test.csv", files={"file": ("cars.csv", csv(realdata.mtcars()))})
    assert refused.status_code in (400, 422) and "The file 'cars.csv' is no archive" in refused.text, refused.text


def test_a_page_of_one_table_offers_no_table_to_choose(web):
    up = web.post("/api/v1/datasets", files={"file": ("one-table.zip", zipped({
        "README.txt": b"Cars.\n", "cars.csv": csv(realdata.mtcars().iloc[:25])}))})
    assert up.status_code == 201, up.text
    page = html.unescape(web.get(f"/datasets/{up.json()['id']}").text)
    assert 'id="reading-member"' not in page and "in the archive" not in page


def _book(sheets: dict) -> bytes:
    """An .xlsx of {sheet: rows}."""
    import io

    from openpyxl import Workbook

    book = Workbook()
    book.remove(book.active)
    for name, rows in sheets.items():
        sheet = book.create_sheet(name)
        for row in rows:
            sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


@pytest.mark.parametrize("other", ["a workbook of one sheet", "a workbook of two sheets", "a CSV"])
def test_choosing_another_table_of_an_archive_of_workbooks_reads_it_from_its_own_first_sheet(web, other):
    """A zip of two workbooks (a month's reports): the dataset page's form sends the sheet select of the workbook
    read before beside the table chosen, and the other workbook was refused ("The workbook has no sheet
    'Sales'; its sheets are 'Staff'") for a choice the user never made. The table chosen starts from its own
    first sheet, said; a sheet it has, chosen, is read; one it lacks, typed by hand through the API, is refused."""
    sales = _book({"Sales": [["region", "amount", "units"]] + [[f"r{i}", i * 10.5, i % 7] for i in range(30)],
                   "Costs": [["item", "cost", "kind"]] + [[f"i{i}", i * 2.0, "ab"[i % 2]] for i in range(30)]})
    staff_rows = [["name", "age", "salary"]] + [[f"n{i}", 20 + i, 1000.0 * i] for i in range(25)]
    staff = {"a workbook of one sheet": ("b.xlsx", _book({"Staff": staff_rows})),
             "a workbook of two sheets": ("b.xlsx", _book({"Staff": staff_rows, "Notes": [["note"], ["x"]]})),
             "a CSV": ("b.csv", pd.DataFrame(staff_rows[1:], columns=staff_rows[0]).to_csv(index=False).encode())}[other]
    up = web.post("/api/v1/datasets", files={"file": (f"reports-{len(other)}.zip", zipped({"reports/a.xlsx": sales,
                                                                                           f"reports/{staff[0]}": staff[1]}))})
    assert up.status_code == 201, up.text
    ds = up.json()["id"]
    assert up.json()["reading"]["sheet"] == "Sales"
    form = web.post(f"/datasets/{ds}/reading", data={"member": f"reports/{staff[0]}", "sheet": "Sales",
                                                     "encoding": "auto"}, follow_redirects=False)
    assert form.status_code == 303, html.unescape(form.text)
    now = web.get(f"/api/v1/datasets/{ds}").json()
    assert [c["name"] for c in now["profile"]["columns"]] == ["name", "age", "salary"] and now["n_rows"] == 25
    assert now["notices"][0]["text"] == (f"Sheet 'Sales' belongs to 'reports/a.xlsx': 'reports/{staff[0]}' was read "
                                         "from its own first sheet."), now["notices"]
    assert "sheet" not in now["options"]
    assert "Sheet 'Sales' belongs to 'reports/a.xlsx'" in html.unescape(web.get(f"/datasets/{ds}").text)
    # back to the first workbook, its other sheet chosen: read (nothing left behind to say)
    back = web.post(f"/datasets/{ds}/reading", data={"member": "reports/a.xlsx", "sheet": "Costs"},
                    follow_redirects=False)
    assert back.status_code == 303, html.unescape(back.text)
    now = web.get(f"/api/v1/datasets/{ds}").json()
    assert now["reading"]["sheet"] == "Costs" and not any("first sheet" in n["text"] for n in now["notices"])
    # a sheet the other table lacks, not the one read before: refused, nothing changed
    if other != "a CSV":
        bad = web.put(f"/api/v1/datasets/{ds}/reading", json={"member": "reports/b.xlsx", "sheet": "Sales"})
        assert bad.status_code in (400, 422) and "no sheet 'Sales'" in bad.text, bad.text
        assert web.get(f"/api/v1/datasets/{ds}").json()["reading"]["sheet"] == "Costs"
