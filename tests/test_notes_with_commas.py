"""Notes under a table whose prose holds the file's delimiter ("Prices in US dollars, list
price before discount."): the app refused the upload, "Line 303 has 1 fields but the header
has 10" (the 'Notes:' line above it), and the bundle's predict.py read every note line under a
table as a row to score, a prediction each, where the app left them out. One rule now
(playground_runtime.footnotes) in the app's reader, Score a file and predict.py, said alike;
a sheet saved as CSV by Excel ends its notes in lines of commas alone (',,'), which hid them from
the rule. A last line as wide as a row, or one holding a number, is still data (or refused as
before)."""

from __future__ import annotations

import pytest

from data import ingest
from tests.test_exits_layout import CARD, app_read, predict_module

BODY = "name,x,y\n" + "".join(f"n{i},{25 + i % 3}.5,{80 + i}\n" for i in range(40))

NOTES = {  # the lines under the table, and the notes said
    "a heading and a comma": ("\nNotes:\nPrices in US dollars, list price before discount.\nSource: Stengos (2006).\n",
                              ["Notes:", "Prices in US dollars, list price before discount.", "Source: Stengos (2006)."]),
    "three commas in a source": ("\nSource: BLS, CPS, March supplement, 2024 revision\n",
                                 ["Source: BLS, CPS, March supplement, 2024 revision"]),
    "no comma (as before)": ("\nSource: ERP export of the finance department\n",
                             ["Source: ERP export of the finance department"]),
    "a sheet saved as CSV, ',,' lines under it": ("\n,,\nSource: ERP export of finance,,\n,,\n,,\n",
                                                  ["Source: ERP export of finance"]),
    "a comma note above ',,' lines": ("\nNotes: amounts in euros, rounded\n,,\n", ["Notes: amounts in euros, rounded"]),
    "quoted, CRLF": ('\r\n"Prepared by finance, not audited"\r\nNote: all amounts, in euros\r\n',
                     ["Prepared by finance, not audited", "Note: all amounts, in euros"]),
}


def write(tmp_path, name: str, text: str):
    path = tmp_path / name
    path.write_bytes(text.encode("utf-8"))
    return path


@pytest.mark.parametrize("case", list(NOTES))
def test_notes_under_a_table_are_left_out_by_every_reader_saying_so(tmp_path, case, capsys):
    tail, said = NOTES[case]
    path = write(tmp_path, "rows.csv", BODY + tail)
    record = ingest.ingest_path(path, path.name, tmp_path, ingest.Limits(max_bytes=1 << 24))
    assert record["n_rows"] == 40, record.get("notices")
    notice = ("The last line" if len(said) == 1 else f"The last {len(said)} lines") + \
        f" ({', '.join(repr(s) for s in said)})"
    assert any(notice in n["text"] for n in record["notices"]), record["notices"]
    frame, reading = app_read(path)
    assert len(frame) == 40 and any(notice in s for s in reading), reading
    capsys.readouterr()
    script = predict_module().read_rows(path, CARD)
    assert len(script) == 40 and script["name"].tolist() == frame["name"].tolist()
    assert notice in capsys.readouterr().err


ROWS = {  # near misses: data at the end, or a line no reader can take for a note
    "a row of text as wide as the others": (BODY + "\nSource: BLS, CPS March, 2024 revision\n", 41),
    "a short row with a number": (BODY + "\nSource: BLS, 2024\n", None),
}


@pytest.mark.parametrize("case", list(ROWS))
def test_a_line_as_wide_as_a_row_or_holding_a_number_is_no_note(tmp_path, case):
    text, rows = ROWS[case]
    path = write(tmp_path, "rows.csv", text)
    if rows is None:
        with pytest.raises(Exception, match="fields"):
            ingest.ingest_path(path, path.name, tmp_path, ingest.Limits(max_bytes=1 << 24))
        return
    frame, reading = app_read(path)
    script = predict_module().read_rows(path, CARD)
    assert len(frame) == len(script) == rows and not any("note under the table" in s for s in reading)
