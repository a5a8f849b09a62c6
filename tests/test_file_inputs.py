"""What a file input offers in the browser's file picker (its `accept` list) is every kind of
file its route reads. Score a file read a .zip or .gz holding one table, as the Datasets page
does, but its picker offered neither: a Kaggle download (train.zip, test.csv.gz) was greyed
out. And the dataset page says how the values were separated in words for every delimiter
the reader finds: a write.table file said "columns separated by ' '"."""

from __future__ import annotations

import re

import pytest
from fasthtml.common import to_xml

from data.ingest import FORMATS
from data.reading import DELIMITER_NAMES


def accept_of(html: str, input_id: str) -> set[str]:
    tag = next(t for t in re.findall(r"<input\b[^>]*>", html) if f'id="{input_id}"' in t)
    return set(re.search(r'accept="([^"]*)"', tag).group(1).split(","))


def trained_job(nodes=("m",)):
    return {"id": "job_x", "status": "completed", "results": {"nodes": {}},
            "nodes": [{"node_id": n, "status": "completed", "output": {
                "algorithm": "random_forest", "portable": {"features": ["a", "b"], "classes": [0, 1]}}}
                for n in nodes]}


@pytest.mark.parametrize("ext", sorted(FORMATS))
def test_score_a_file_offers_every_kind_of_file_it_reads(ext):
    """.zip and .gz among them (a Kaggle download): the scoring route reads them, the picker
    hid them."""
    from components.results import TrainedModels

    html = to_xml(TrainedModels(trained_job(("m", "m2")), {"m": "Forest"}, {}))
    for nid in ("m", "m2"):
        assert ext in accept_of(html, f"score-file-{nid}")


@pytest.mark.parametrize("ext", [".json", ".pkl", ".tar", ".7z", ".rar", ".bz2", ".xz", ".sav", ".dta"])
def test_score_a_file_does_not_offer_files_it_refuses(ext):
    from components.results import TrainedModels

    html = to_xml(TrainedModels(trained_job(), {"m": "Forest"}, {}))
    assert ext not in accept_of(html, "score-file-m")


def test_the_datasets_page_and_score_a_file_offer_the_same_files():
    from components.pages import UploadForm
    from components.results import TrainedModels

    page = accept_of(to_xml(UploadForm()), "upload-file")
    score = accept_of(to_xml(TrainedModels(trained_job(), {"m": "Forest"}, {})), "score-file-m")
    assert page == score == set(FORMATS)


def reading_card(delimiter: str, decimal: str = ".") -> str:
    from components.pages import ReadingCard

    detail = {"id": "ds_x", "reading": {"format": "csv", "encoding": "utf-8", "encoding_name": "UTF-8",
                                        "encoding_detected": True, "delimiter": delimiter, "decimal": decimal},
              "options": {}, "notices": [], "profile": {"columns": []}}
    return to_xml(ReadingCard(detail))


@pytest.mark.parametrize("delimiter, said", [(" ", "spaces"), ("\t", "tabs"), (",", "commas"), (";", "semicolons"),
                                             ("|", "| signs")])
def test_the_dataset_page_names_every_delimiter_in_words(delimiter, said):
    """R's write.table (one space between values) was said as "columns separated by ' '"."""
    html = reading_card(delimiter)
    assert f"columns separated by {said}" in html
    assert "separated by '" not in html and "separated by &#x27;" not in html


def test_every_delimiter_the_reader_finds_has_a_name():
    """The names are the reader's own (data.reading), so a delimiter it learns is named here too."""
    for delimiter in DELIMITER_NAMES:
        html = reading_card(delimiter)
        assert f"columns separated by {DELIMITER_NAMES[delimiter]}" in html


@pytest.mark.parametrize("text, said", [
    ("Kunde;Alter;Besuche\nMüller;42;7\nWeiß;35;12\nLefèvre;51;3\n", False),  # whole numbers only: no decimals shown
    ("Kunde;Alter;Umsatz\nMüller;42;12,50\nWeiß;35;7,25\nLefèvre;51;3,00\n", True),
    ("Kunde;Alter;Umsatz\nMüller;42;1.212,50 €\nWeiß;35;7,25 €\nLefèvre;51;3,00 €\n", True),
])
def test_a_semicolon_file_is_said_to_write_a_decimal_comma_only_when_its_numbers_show_one(tmp_path, text, said):
    """A Spanish ';' export of whole numbers was said to write a 'decimal comma' (fresh eyes):
    the card says it where a column was read so."""
    from components.pages import ReadingCard
    from data.ingest import ingest_bytes

    rec = ingest_bytes(text.encode("cp1252"), "export.csv", tmp_path, 2**24)
    html = to_xml(ReadingCard({**rec, "options": {}}))
    assert ("decimal comma" in html) is said, html


def test_an_archive_holds_a_table_by_the_suffixes_the_upload_reads():
    """The one list of a table's file suffixes an archive's member is found by (predict.py's too)
    is the upload's own: a member the upload would refuse is never picked (a '.tab' was)."""
    from data.ingest import ARCHIVES
    from playground_runtime import TABLE_SUFFIXES

    assert set(TABLE_SUFFIXES) == {ext for ext, kind in FORMATS.items() if kind not in ARCHIVES}
