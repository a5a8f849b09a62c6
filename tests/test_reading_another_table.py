"""The dataset page's reading form sends a type and a role for every column of the table it
shows. A user who chose some, then chose another sheet of the workbook (or another table of a
zip archive), was refused "The file has no column …": the other table has not those columns.
Choosing another table now reads it: choices naming columns it lacks are left out, said in one
sentence on the page and in the API, and choices naming columns it has are kept. A column no
table read had (a typo) is still refused, through the form and the API, and so is a choice for
a column the table read now lacks when no other table is chosen."""

from __future__ import annotations

import html
import re

import pytest

from tests.test_archives import zipped
from tests.test_reading import workbook


def sales(month: int, n: int, columns: list) -> list:
    """A shop's sales sheet: a header, then `n` rows of the `columns` asked for."""
    make = {"store": lambda i: f"S{i % 7:02d}", "units": lambda i: (i * 7 + month) % 40 + 1,
            "price": lambda i: round(2.5 + (i * 13 % 17) / 4, 2), "code": lambda i: f"{(i * 31 + month) % 900:03d}",
            "discount": lambda i: (i * 3) % 20, "sold": lambda i: 2000 + i * 11 % 300}
    return [columns] + [[make[c](i) for c in columns] for i in range(n)]


def as_csv(rows: list) -> bytes:
    return "".join(",".join(str(v) for v in row) + "\n" for row in rows).encode()


def form_fields(page: str) -> dict:
    """What the page's reading form sends as it stands: each select's chosen option, each hidden input."""
    fields = {}
    for name, body in re.findall(r'<select[^>]*name="([^"]+)"[^>]*>(.*?)</select>', page, re.S):
        chosen = re.search(r'<option value="([^"]*)" selected>', body) or re.search(r'<option value="([^"]*)"', body)
        fields[html.unescape(name)] = html.unescape(chosen.group(1))
    for tag in re.findall(r'<input[^>]*type="hidden"[^>]*>', page):
        name, value = re.search(r'name="([^"]+)"', tag), re.search(r'value="([^"]*)"', tag)
        if name and value and name.group(1) != "csrf_token":
            fields[html.unescape(name.group(1))] = html.unescape(value.group(1))
    return fields


def notices_of(web, dataset_id: str) -> list:
    return [n["text"] for n in web.get(f"/api/v1/datasets/{dataset_id}").json()["notices"]]


# each file: (its name, its bytes, the option naming its other table, that table, how the notice names it,
# a number `k` of rows more in the first table makes another file: a dataset is its bytes' hash)
FILES = {
    "a workbook's other sheet": (
        "shop.xlsx", lambda k: workbook({"Jan": sales(1, 40 + k, ["store", "units", "price", "code", "sold"]),
                                       "Feb": sales(2, 12, ["store", "units", "discount", "sold"])}),
        "sheet", "Feb", "sheet 'Feb'"),
    "an archive's other table": (
        "shop.zip", lambda k: zipped({"train.csv": as_csv(sales(1, 60 + k, ["store", "units", "price", "code", "sold"])),
                                    "test.csv": as_csv(sales(2, 15, ["store", "units", "discount", "sold"]))}),
        "member", "test.csv", "table 'test.csv'"),
}


@pytest.mark.parametrize("case", list(FILES))
def test_choosing_another_table_on_the_page_reads_it_leaving_out_the_choices_it_has_no_columns_for(web, case):
    filename, raw, option, other, where = FILES[case]
    up = web.post("/api/v1/datasets", files={"file": (filename, raw(0))})
    assert up.status_code == 201, up.text
    ds = up.json()["id"]
    assert "price" in [c["name"] for c in up.json()["profile"]["columns"]]
    # the user chooses types and roles on the table shown: 'code' a category, 'price' a number, 'store' an id
    fields = form_fields(web.get(f"/datasets/{ds}").text)
    assert fields["type:code"] == "auto" and fields[option] != other
    chosen = {**fields, "type:code": "category", "type:price": "number", "role:store": "id"}
    first = web.post(f"/datasets/{ds}/reading", data=chosen, follow_redirects=False)
    assert first.status_code == 303, html.unescape(first.text)
    # ... then another table, with the form as the page now draws it
    fields = form_fields(web.get(f"/datasets/{ds}").text)
    assert fields["type:code"] == "category" and fields["type:price"] == "number" and fields["role:store"] == "id"
    sent = web.post(f"/datasets/{ds}/reading", data={**fields, option: other}, follow_redirects=False)
    assert sent.status_code == 303, html.unescape(sent.text)
    now = web.get(f"/api/v1/datasets/{ds}").json()
    assert [c["name"] for c in now["profile"]["columns"]] == ["store", "units", "discount", "sold"]
    said = f"The types chosen for 'price' and 'code' were left out: {where} has no such columns."  # the form's order
    assert [n for n in notices_of(web, ds) if "left out" in n] == [said]
    page = html.unescape(web.get(f"/datasets/{ds}?saved=reading").text)
    assert said in page and "The file has no column" not in page
    # the role chosen for a column the other table has is kept
    assert now["options"].get("roles") == {"store": "id"} and "types" not in now["options"], now["options"]
    assert [c.get("role") for c in now["profile"]["columns"] if c["name"] == "store"] == ["id"]
    # read again on that table: nothing is left out, nothing said of it
    again = web.post(f"/datasets/{ds}/reading", data=form_fields(web.get(f"/datasets/{ds}").text),
                     follow_redirects=False)
    assert again.status_code == 303 and not [n for n in notices_of(web, ds) if "left out" in n]


def test_one_left_out_choice_is_said_in_the_singular_with_types_and_roles_named_apart(web):
    filename, raw, option, other, where = FILES["a workbook's other sheet"]
    ds = web.post("/api/v1/datasets", files={"file": ("shop-one.xlsx", raw(1))}).json()["id"]
    assert web.put(f"/api/v1/datasets/{ds}/reading", json={"roles": {"code": "ignore"}}).status_code == 200
    moved = web.put(f"/api/v1/datasets/{ds}/reading", json={"sheet": "Feb", "roles": {"code": "ignore"}})
    assert moved.status_code == 200, moved.text
    assert [n for n in notices_of(web, ds) if "left out" in n] == [
        "The role chosen for 'code' was left out: sheet 'Feb' has no such column."]
    back = web.put(f"/api/v1/datasets/{ds}/reading", json={"sheet": "Jan", "types": {"code": "category"}})
    assert back.status_code == 200, back.text
    both = web.put(f"/api/v1/datasets/{ds}/reading", json={"sheet": "Feb", "types": {"code": "category", "units": "number"},
                                                           "roles": {"price": "id", "store": "id"}})
    assert both.status_code == 200, both.text
    assert [n for n in notices_of(web, ds) if "left out" in n] == [
        "The type chosen for 'code' and the role chosen for 'price' were left out: sheet 'Feb' has no such columns."]
    assert both.json()["options"] == {"sheet": "Feb", "types": {"units": "number"}, "roles": {"store": "id"}}


@pytest.mark.parametrize("case", list(FILES))
def test_a_column_no_table_had_is_still_refused_and_so_is_one_the_same_table_lacks(web, case):
    filename, raw, option, other, _ = FILES[case]
    up = web.post("/api/v1/datasets", files={"file": ("typo-" + filename, raw(2))})
    ds = up.json()["id"]
    before = web.get(f"/api/v1/datasets/{ds}").json()
    # the API, no other table: a typo is refused as it was, nothing changed
    typo = web.put(f"/api/v1/datasets/{ds}/reading", json={"types": {"pricee": "number"}})
    assert typo.status_code in (400, 422) and "The file has no column 'pricee'." in typo.text, typo.text
    # another table, and a column neither table has: refused too
    both = web.put(f"/api/v1/datasets/{ds}/reading", json={option: other, "types": {"pricee": "number"}})
    assert both.status_code in (400, 422) and "The file has no column 'pricee'." in both.text, both.text
    # the form, no other table, a column of neither: refused on the page
    fields = form_fields(web.get(f"/datasets/{ds}").text)
    page = web.post(f"/datasets/{ds}/reading", data={**fields, "type:pricee": "number"}, follow_redirects=False)
    assert page.status_code in (400, 422) and "The file has no column 'pricee'." in html.unescape(page.text)
    # on the other table, a column only the first had, with no table change: refused (it is not the table shown)
    assert web.put(f"/api/v1/datasets/{ds}/reading", json={option: other}).status_code == 200
    gone = web.put(f"/api/v1/datasets/{ds}/reading", json={option: other, "types": {"price": "number"}})
    assert gone.status_code in (400, 422) and "The file has no column 'price'." in gone.text, gone.text
    assert web.get(f"/api/v1/datasets/{ds}").json()["n_rows"] != before["n_rows"]


def test_a_workbook_to_score_names_no_page_to_choose_another_sheet_on(tmp_path):
    """Score a file read a two-sheet workbook and said "choose another sheet on this page", a
    page rows to score do not have (a new user): rows to score are told how to score another
    sheet; a dataset's page keeps its sentence."""
    from data.config import settings
    from data.ingest import ingest_path, read_converted
    from data.uploads import _limits

    path = tmp_path / "book.xlsx"
    path.write_bytes(workbook({"Notes": [["made by"], ["the shop"]],
                               "Data": sales(1, 30, ["store", "units", "price"])}))
    as_dataset = ingest_path(path, "book.xlsx", tmp_path / "ds", _limits(settings()))
    scored = ingest_path(path, "book.xlsx", tmp_path / "scored", _limits(settings()), table_only=True)
    page = [n["text"] for n in as_dataset["notices"] if "sheet" in n["text"]]
    score = [n["text"] for n in scored["notices"] if "sheet" in n["text"]]
    assert len(page) == 1 and page[0].endswith("; choose another sheet on this page."), page
    assert len(score) == 1 and score[0].endswith("; to score another sheet, save it as a workbook or CSV of its own."), \
        score
    assert page[0].split(";")[0] == score[0].split(";")[0]  # the same sheet read, said alike
    assert list(read_converted(scored["tmp_path"]).columns) == ["store", "units", "price"]


def target_error(web, dataset_id: str, target: str, problem: str = "regression") -> str | None:
    """What validating a workflow whose Dataset node predicts `target` of the dataset says of its target."""
    wf = web.post("/api/v1/workflows", json={"name": f"predict {target}", "nodes": [
        {"id": "d", "type": "dataset", "config": {"dataset_id": dataset_id, "target_column": target,
                                                  "problem_type": problem}}], "edges": []}).json()
    check = web.post(f"/api/v1/workflows/{wf['id']}/validate").json()
    return ((check.get("field_errors") or {}).get("d") or {}).get("target_column")


@pytest.mark.parametrize("case", list(FILES))
def test_a_target_another_table_lacks_is_said_with_the_table_the_dataset_now_reads(web, case):
    """A user looking at a Kaggle zip's test.csv (or a workbook's other sheet) on the dataset page
    broke every workflow predicting the first table's target, told only "Column 'price' is not in
    the dataset.": the sentence now names the table read and where to choose another. A target
    the other table has stays valid; a typo on a plain CSV keeps the plain sentence."""
    filename, raw, option, other, where = FILES[case]
    ds = web.post("/api/v1/datasets", files={"file": (filename, raw(7))}).json()["id"]
    assert target_error(web, ds, "price") is None and target_error(web, ds, "sold") is None
    assert web.put(f"/api/v1/datasets/{ds}/reading", json={option: other}).status_code == 200
    said = target_error(web, ds, "price")
    assert said == (f"Column 'price' is not in the dataset: the dataset now reads {where}"
                    f"{' of its archive' if option == 'member' else ''}; choose on its page the one with this "
                    "column, or another target here."), said
    assert target_error(web, ds, "sold") is None  # the other table has it: no false alarm
    plain = web.post("/api/v1/datasets", files={"file": ("shop.csv", as_csv(sales(3, 30 + len(case), ["store", "units",
                                                                                                       "sold"])))}).json()["id"]
    assert target_error(web, plain, "prices") == "Column 'prices' is not in the dataset."
