"""Pipe-separated files named .psv (a database's or a mainframe's export): refused at the door
("Files ending in .psv are not supported"), though the same bytes named .txt were read, bars
found (a new user). A .psv file is read as delimited text, its delimiter found, as a dataset, as
rows to score in the app and by predict.py, and inside a zip archive."""

from __future__ import annotations

import zipfile

import pytest

from data import ingest
from tests.test_exits_layout import CARD, app_read, predict_module

TEXT = "name|x|y\nalpha|1.5|2\nbeta|2.25|3\ngamma|-4|5\n"
FILES = {"bars.psv": TEXT, "BARS.PSV": TEXT, "semicolons.psv": TEXT.replace("|", ";"),
         "quoted.psv": 'name|x|y\n"alpha | one"|1.5|2\nbeta|2.25|3\n'}


@pytest.mark.parametrize("name", list(FILES))
def test_a_psv_file_is_read_as_delimited_text_everywhere(tmp_path, name):
    path = tmp_path / name
    path.write_text(FILES[name])
    record = ingest.ingest_path(path, name, tmp_path, ingest.Limits(max_bytes=1 << 24))
    assert [c["name"] for c in record["profile"]["columns"]] == ["name", "x", "y"], record["profile"]
    frame, _ = app_read(path)
    script = predict_module().read_rows(path, CARD)
    assert list(frame.columns) == list(script.columns) == ["name", "x", "y"]
    assert frame["x"].tolist() == script["x"].astype(float).tolist()
    assert frame["name"].iloc[0] == ("alpha | one" if name == "quoted.psv" else "alpha")


def test_a_psv_file_in_a_zip_archive_is_its_table(tmp_path):
    archive = tmp_path / "export.zip"
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("export/readme.txt", "Exported by the billing system.\n")
        z.writestr("export/rows.psv", TEXT)
    record = ingest.ingest_path(archive, archive.name, tmp_path, ingest.Limits(max_bytes=1 << 24))
    assert [c["name"] for c in record["profile"]["columns"]] == ["name", "x", "y"]


def test_another_ending_is_still_refused_naming_what_is_read(tmp_path):
    path = tmp_path / "rows.dat"
    path.write_text(TEXT)
    with pytest.raises(ingest.DatasetError, match=r"Files ending in \.dat are not supported; upload CSV, TSV or other "
                                                 r"delimited text \(\.txt, \.psv\)"):
        ingest.ingest_path(path, path.name, tmp_path, ingest.Limits(max_bytes=1 << 24))
