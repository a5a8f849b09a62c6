"""Score new rows with the model in this folder.

    pip install -r requirements.txt
    python predict.py rows.csv > predictions.csv          # one prediction per row, in order
    python predict.py rows.csv --proba > probabilities.csv  # a classifier's class probabilities

rows.csv (or .parquet, or a workbook: .xlsx, .xls, .ods) holds the model's feature columns (model_card.json lists them with
their types); the target and the columns the model left out may be there too and are set
aside. A missing or unknown column, or values of the wrong type, are refused with a
sentence naming them. model.skops is loaded only when every type it needs is on the
reviewed list in playground_runtime.py.
"""

import argparse
import json
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))  # playground_runtime.py, beside this file, wherever it is run from

import pandas as pd  # noqa: E402

import playground_runtime as runtime  # noqa: E402


def load_model(path: Path):
    """The model, loaded only when every type it needs is on the reviewed list."""
    return runtime.load_skops(path.read_bytes(), path.name)


def read_rows(path: Path, card: dict) -> pd.DataFrame:
    if path.suffix.lower() in (".zip", ".gz"):  # the one table inside, read as the app reads it (one rule)
        import gzip
        import shutil
        import tempfile
        import zipfile

        with tempfile.TemporaryDirectory() as folder:
            try:
                if path.suffix.lower() == ".zip":
                    with zipfile.ZipFile(path) as archive:
                        member = runtime.archive_table(archive.namelist(), f"The zip archive {path.name}", "Pass")
                        inner = Path(folder) / runtime.member_name(member)  # its name, never a path
                        with archive.open(member) as f, inner.open("wb") as out:
                            shutil.copyfileobj(f, out)
                else:
                    inner = Path(folder) / runtime.gzip_inner_name(path.name)
                    with gzip.open(path, "rb") as f, inner.open("wb") as out:
                        shutil.copyfileobj(f, out)
            except (zipfile.BadZipFile, EOFError, OSError, RuntimeError) as e:
                raise runtime.ColumnsError(f"{path.name} cannot be read: it is damaged, cut short or protected by a "
                                           f"password ({str(e)[:80]}).") from None
            print(f"note: read from inside {path.name!r}: {inner.name!r}.", file=sys.stderr)
            return read_rows(inner, card)
    if path.suffix.lower() == ".parquet":
        try:
            import pyarrow  # noqa: F401  (pandas reads Parquet with it; the model needs it not)
        except ImportError:
            raise runtime.ColumnsError(
                f"{path.name} is a Parquet file, which pandas reads with pyarrow, not installed here: pip install "
                "pyarrow (requirements.txt names the version the app used), or save the rows as CSV.") from None
        return _without_summary_rows(pd.read_parquet(path), card, None)
    # text columns stay text (a code like 007 is not the number 7), and so do numbers the training
    # file wrote otherwise than plainly (1.334,60 €: playground_runtime reads them as it wrote them)
    text = {f["name"]: str for f in card["features"] if (f["type"] == "categorical" and f["dtype"] not in ("bool", "boolean"))
            or f.get("written")}
    if path.suffix.lower() in WORKBOOKS:
        return _read_workbook(path, card)
    with path.open("rb") as f:
        cr_only = runtime.carriage_returns_alone(f.read(1 << 16))
    if cr_only:  # lines ending with a carriage return alone (Excel for Mac): read from a copy with line feeds
        import tempfile

        with tempfile.TemporaryDirectory() as folder:
            copy = Path(folder) / path.name
            copy.write_bytes(runtime.line_feeds(path.read_bytes()))
            print(f"note: {runtime.CR_LINES_SAID}", file=sys.stderr)
            return read_rows(copy, card)
    encoding = _encoding(path, card)
    sep, skip, above, lines = _layout(path, encoding)
    notes = _notes_under(path, sep, encoding)
    if notes:  # a note under the table ("Source: …"): not rows, left out as the app's reader leaves them
        import tempfile

        with tempfile.TemporaryDirectory() as folder:
            copy = Path(folder) / path.name
            copy.write_bytes(_without_notes(path, sep, encoding, len(notes)))
            print(f"note: {runtime.notes_notice([runtime.note_text(n, sep) for n in notes])}", file=sys.stderr)
            return read_rows(copy, card)
    header = lines[above] if above < len(lines) else ""
    if len(_header_names(header, sep)) == 1 and runtime.lined_up(header, lines[above + 1:-1]):
        raise runtime.ColumnsError(runtime.lined_up_said("score"))  # a printout: the app's rule and words
    if above:  # a title and an empty line above the column names, as Excel and many exports write: the app's rule
        print(f"note: {runtime.preamble_notice(lines[:above], sep, skip)}", file=sys.stderr)
    above += skip
    two = _header_in_two_rows(path, sep, encoding, above)
    # a line of units under the header (",cm,kg"): not data, left out and said, as the app's reader does
    units_line, units = _units_row(path, sep, encoding, above, two)
    # a header in two rows (a group's name over the names below it): its columns named by both, as the app names
    # them, and a joined name the header repeats numbered as the app numbers it (pandas refuses names said twice)
    names = dict(header=None, names=runtime.unique_names(two[0])[0], skiprows=above + 2 + bool(units)) if two else \
        dict(skiprows=(lambda i: i < above or i == above + 1) if units else above)  # (records: a header may take lines)
    # index_col=False: data lines with one field more than the header (a trailing delimiter the header lacks)
    # made pandas take the first column for the index and shift every name onto its neighbour's values
    names["index_col"] = False
    try:  # (its bytes decode in `encoding`: _encoding checked them all)
        columns = list(pd.read_csv(path, sep=sep, dtype=text, encoding=encoding, nrows=0, **names).columns)
        # (the lines _layout read, from the header on: `above` counts the "sep=" line they leave out)
        unnamed_first = not two and not units and runtime.row_names_header(lines[above - skip:], sep)
        if unnamed_first:  # R's write.table: no name over the row names, as the app reads it
            names = dict(names, header=0, names=[ROW_NAMES_FIELD, *columns])
        extra = not two and not unnamed_first and _one_field_more(path, encoding, sep, above, len(columns))
        if extra:  # read too, to see that it is empty in every line, as the app's reader does
            names = dict(names, header=0, names=[*columns, EXTRA])
        frame = pd.read_csv(path, sep=sep, dtype=text, encoding=encoding, keep_default_na=False,
                            na_values=_gaps(card, [*columns, EXTRA]), **names)
    except pd.errors.EmptyDataError:
        raise runtime.ColumnsError(runtime.empty_file(path.name)) from None
    if extra:
        if frame[EXTRA].notna().any():
            row = int(frame[EXTRA].notna().to_numpy().argmax()) + 1
            raise runtime.ColumnsError(
                f"These rows cannot be scored: row {row} of {path.name} has a value after the header's last column "
                f"(its lines end with a {sep!r} the header does not): name that column in the header, or leave the "
                "value out.")
        frame = frame.drop(columns=EXTRA)
        print(f"note: {runtime.trailing_delimiters_notice(1, header_too=False)}", file=sys.stderr)
    frame.columns = [runtime.header_name(c) for c in frame.columns]  # a name typed with Alt+Enter, as the app keeps it
    if two:
        print(f"note: {runtime.two_rows_notice(above + 1, two[1], two[2], 'line', 'each over the names below it')}",
              file=sys.stderr)
    if sep in runtime.DECIMAL_COMMA_DELIMITERS:  # a European export's cells as written, read once for both checks
        cells = _cells(path, sep, frame, above + (2 if two else 1) + bool(units), encoding)
        # each column's decimal separator as its first cells show it, the file's word for both checks
        shown = [runtime.column_decimal(cells.iloc[:runtime.DECIMAL_SAMPLE, i].tolist())
                 for i in range(len(cells.columns))]
        frame = _decimal_commas(sep, card, frame, cells, shown)  # decimal commas, where the file settles them
        if sep == ";" and not frame.attrs.get(runtime.FILE_DECIMAL):  # not settled so: no '.' between thousands
            _refuse_grouped_thousands(path, card, frame, cells, shown)
    names = two[0] if two else ([""] if unnamed_first else []) + _header_names(header, sep)
    if not two:
        frame, names = _without_trailing_delimiters(frame, names, above + 1, sep)
        frame, names = _unnamed(frame, names)
    frame, repeated = _named_once(frame, names)
    if units:
        print(f"note: {runtime.units_notice(units_line, list(frame.columns), units)}", file=sys.stderr)
    blank = _blank_rows(frame, card)
    if blank.any():  # ',,,,' lines a spreadsheet leaves at the end: no row to score, as the app reads them
        if blank.all():
            raise runtime.ColumnsError(runtime.header_only(path.name, blank=True))
        print(f"note: {int(blank.sum()):,} blank row(s) of {path.name} left out (every cell empty).", file=sys.stderr)
        frame = frame[~blank].reset_index(drop=True)
    if frame.empty:
        raise runtime.ColumnsError(runtime.header_only(path.name))
    frame = _without_summary_rows(frame, card, lambda: f"line {_last_line(path, sep, encoding)}")
    frame.attrs[runtime.REPEATED_NAMES] = repeated  # refused saying so, as the app refuses them
    return _text_gaps(frame, card)


EXTRA = "\0 after the last column"  # the field a trailing delimiter the header lacks makes: no name a header has


def _blank_rows(frame: pd.DataFrame, card: dict) -> pd.Series:
    """The rows with no value: every cell empty, or a '-' in a number column (left as written for
    runtime to read: _gaps), as the app's reader finds them."""
    empty, numbers = frame.isna(), {f["name"] for f in card["features"] if f["type"] == "numeric"}
    for i, name in enumerate(frame.columns):
        if name in numbers and not pd.api.types.is_numeric_dtype(frame.iloc[:, i]):
            empty.iloc[:, i] = empty.iloc[:, i] | (frame.iloc[:, i].astype(str).str.strip() == "-")
    return empty.all(axis=1)


def _gaps(card: dict, columns: list) -> dict:
    """What the parser reads as a gap in each column, as the app's parser reads it (pandas' own
    words would make a text column's 'None', a level, a gap): in a number or date column its
    words for a gap ('n/a', '#N/A' …), the symbols ('.', '?', '-' …) and 'None' being read and
    said by runtime.prepare_rows, as the app's reader says them (a '-' may be Excel's zero among
    amounts written so, or where the training file wrote 0 so); in a text column only an empty
    cell (its words and symbols for a gap are read by the app's rule, `_text_gaps`); in another
    column a word for a gap."""
    kinds = {f["name"]: f for f in card["features"]}

    def gap(name):
        f = kinds.get(name)
        if f and f["type"] in ("numeric", "datetime"):
            return list(runtime.PARSE_MISSING_WORDS)  # (as the app's parser reads them, unsaid)
        if f and f["type"] == "categorical" and f["dtype"] not in ("bool", "boolean"):
            return [""]
        return list(runtime.MISSING_WORDS)
    return {c: gap(c) for c in columns}


def _text_gaps(frame: pd.DataFrame, card: dict) -> pd.DataFrame:
    """The text features' gaps ('NA', '-', and 'None' among numbers) read as the app reads them
    (playground_runtime.text_gaps, one rule): 'None' among words stays a value, as in training."""
    for f in card["features"]:
        if f["type"] == "categorical" and f["dtype"] not in ("bool", "boolean") and f["name"] in frame.columns \
                and frame.columns.tolist().count(f["name"]) == 1 and not pd.api.types.is_numeric_dtype(frame[f["name"]]):
            frame[f["name"]] = frame[f["name"]].mask(runtime.text_gaps(frame[f["name"]]))
    return frame


def _one_field_more(path: Path, encoding: str, sep: str, above: int, width: int) -> bool:
    """Whether the file's data lines end with a delimiter its header (`width` names, below the
    `above` lines of a title) does not, by the app reader's rule on the lines it looks at
    (playground_runtime.one_empty_field_more)."""
    with path.open("rb") as f:
        head = f.read(1 << 16)
        complete = not f.read(1)
    text = head.decode(encoding, "replace").lstrip("\ufeff").split("\n", above)[-1] if above else \
        head.decode(encoding, "replace").lstrip("\ufeff")
    return runtime.one_empty_field_more(text, sep, width, complete)


ROW_NAMES_FIELD = "\0 row names"  # the first field of R's write.table rows, under no name: no name a header has


def _without_trailing_delimiters(frame: pd.DataFrame, names: list, header_line: int, sep: str) -> tuple:
    """(the frame, the header's names) without the empty last columns a delimiter at the end of
    every line makes (said in the app's words); a last column with values under no name is
    refused, as the app refuses it."""
    filled = [i for i, n in enumerate(names) if str(n).strip()]
    trailing = len(names) - filled[-1] - 1 if filled else 0
    if not trailing or len(names) != len(frame.columns):
        return frame, names
    if frame.iloc[:, -trailing:].notna().any().any():
        raise runtime.ColumnsError(runtime.unnamed_last_column(header_line, sep))
    print(f"note: {runtime.trailing_delimiters_notice(trailing)}", file=sys.stderr)
    return frame.iloc[:, :-trailing], names[:-trailing]


WORKBOOKS = (".xlsx", ".xlsm", ".xls", ".ods")
WORKBOOK_KINDS = {".xlsx": "xlsx", ".xlsm": "xlsx", ".xls": "xls", ".ods": "ods"}


def _read_workbook(path: Path, card: dict) -> pd.DataFrame:
    """A workbook's sheet (the visible one with the largest used range), read as the app
    reads it (playground_runtime.largest_sheet, .sheet_table: the header row below a title, a
    header in two rows, notes under the table, merged cells ...) and said in its words, its
    cells typed as the app types them: numbers, dates and text as the sheet holds them, a gap
    written as the app reads one. python-calamine reads the file (as in the app)."""
    import datetime as dt

    try:
        from python_calamine import CalamineWorkbook
    except ImportError:
        raise runtime.ColumnsError(
            f"{path.name} is a workbook, which predict.py reads with python-calamine, not installed here: pip install "
            "python-calamine (requirements.txt names the version the app used), or save the sheet as CSV UTF-8.") \
            from None
    try:
        wb = CalamineWorkbook.from_path(str(path))
        names = list(wb.sheet_names)
        if not names:
            raise runtime.ColumnsError(f"{path.name} has no sheets.")
        index, loaded = runtime.largest_sheet(wb, names)
        chosen = loaded or wb.get_sheet_by_index(index)
        rows = chosen.to_python(skip_empty_area=False)
        runtime.excel_error_cells(path, index, rows)  # ('#DIV/0!': a gap said, as the app says it)
        ranges = list(getattr(chosen, "merged_cell_ranges", None) or [])
        merged = runtime.fill_merged(rows, ranges)
    except runtime.ColumnsError:
        raise
    except Exception:  # calamine's own words mean nothing to a person
        raise runtime.ColumnsError(f"{path.name} cannot be read as a workbook: it is damaged, protected by a password, "
                                   "or not an Excel file. Save the sheet as CSV UTF-8, or score it with the app's "
                                   "Score a file.") from None

    def say(text: str, column=None) -> None:
        print(f"note: {text}", file=sys.stderr)

    if len(names) > 1:
        say(runtime.sheet_notice(names, index, index > 0, runtime.hidden_sheets(wb, names)) + ".")
    try:
        table = runtime.sheet_table(rows, ranges, merged, names[index], say)
    except runtime.SheetError as e:
        raise runtime.ColumnsError(f"{path.name}: {e}") from None
    repeated: list = []
    for name, first, place, given in table["repeated"]:  # numbered as the app numbers them, said, and refused
        copies = sum(1 for r in repeated if r[0] == name)
        repeated += [[name, first, name]] if not copies else []
        repeated.append([name, place, given])
        say(runtime.repeated_notice(name, max(copies, 1) + 1, given))
    texts = {f["name"] for f in card["features"] if f["type"] == "categorical" and f["dtype"] not in ("bool", "boolean")}

    def cell(v, name: str):
        if v is None or (isinstance(v, str) and (not v.strip() or v.strip() in runtime.PARSE_MISSING_WORDS)):
            return None  # an empty cell, or a word for a gap ('n/a'); a number's or date's '.', '?': runtime's, said
        if name in texts and not isinstance(v, str):  # a code typed as a number is the text the app reads it as
            return runtime.cell_name(v)
        if isinstance(v, dt.date) and not isinstance(v, dt.datetime):
            return dt.datetime(v.year, v.month, v.day)
        return v

    frame = pd.DataFrame({name: pd.Series([cell(v, name) for v in cells], dtype=object)
                          for name, cells in zip(table["names"], table["columns"])}).infer_objects()
    blank = _blank_rows(frame, card)
    if table["blank_rows"] + int(blank.sum()):  # empty sheet rows among the data, as the app says them
        say(runtime.blank_rows_notice(table["blank_rows"] + int(blank.sum()), "sheet row"))
        frame = frame[~blank].reset_index(drop=True)
    frame = _without_summary_rows(frame, card, lambda: f"sheet row {table['last_row']}")
    frame.attrs[runtime.REPEATED_NAMES] = repeated
    # the ids written beside the predictions as the app writes them: 900, not the 900.0 the workbook holds
    ids = runtime.row_id_columns(card.get("id_columns") or [], card["features"], frame)
    frame = runtime.workbook_ids(frame, ids, card["features"])
    # the date system the workbook counts days in: numbers in a column the model read as Excel day numbers count so
    frame.attrs[runtime.DATE_SYSTEM] = runtime.workbook_date_system(path, WORKBOOK_KINDS[path.suffix.lower()])
    return _text_gaps(frame, card)


def _header_names(header: str, sep: str) -> list:
    import csv

    return next(csv.reader([header.rstrip("\r\n")], delimiter=sep), [])


def _layout(path: Path, encoding: str) -> tuple:
    """(the delimiter, 1 for Excel's "sep=;" line naming it (else 0), the lines after it above
    the header, the file's first lines after it), from its first 64 KB, by the app reader's
    rules (playground_runtime.text_delimiter, .preamble: a title, comments, empty
    lines above the column names)."""
    with path.open("rb") as f:
        head = f.read(1 << 16)
    text = head.decode(encoding, "replace").lstrip("\ufeff")
    sep, skip = runtime.text_delimiter(text, path.suffix.lower() in (".tsv", ".tab"))
    if skip:
        text = text.split("\n", 1)[1] if "\n" in text else ""
    lines = text.split("\n", runtime.PREAMBLE_LINES + 2)[:runtime.PREAMBLE_LINES + 1]
    return sep, skip, runtime.preamble(lines, sep), lines


def _named_once(frame: pd.DataFrame, names: list) -> tuple:
    """(the frame, its columns whose name the header repeats, as playground_runtime.
    REPEATED_NAMES lists them: [name, place (1 = first), the name it was given]): each copy
    of a name named as the app names it ('Cylinders_2', playground_runtime.unique_names),
    and said in the app's words."""
    if len(names) != len(frame.columns):
        return frame, []
    names = [str(n).strip() or given for n, given in zip(names, frame.columns)]  # (an empty name: as pandas named it)
    given, copies = runtime.unique_names(names)
    if not copies:
        return frame, []
    for at, (name, _, _, new) in enumerate(copies):
        n = sum(1 for c in copies[:at] if c[0] == name) + 2
        print(f"note: {runtime.repeated_notice(name, n, new)}", file=sys.stderr)
    repeated = [[n, i + 1, g] for i, (n, g) in enumerate(zip(names, given)) if names.count(n) > 1]
    return frame.set_axis(given, axis=1), repeated


def _script_guess(text: bytes):
    """charset-normalizer's encoding of text in another script (Cyrillic, Greek, CJK) when it is
    installed, as the app has it; without it the Latin code pages only (Windows-1252, -1250)."""
    try:
        from charset_normalizer import from_bytes
    except ImportError:
        return None
    best = from_bytes(text).best()
    return best.encoding if best is not None else None


def _encoding(path: Path, card: dict) -> str:
    """The file's encoding, by the rule the app's upload reads files by (playground_runtime.
    text_encoding: a byte-order mark, UTF-8, the training file's encoding, a code page),
    said when it is not UTF-8."""
    encoding, said = runtime.text_encoding(path.read_bytes(), path.name, (card.get("dataset") or {}).get("encoding"),
                                           _script_guess)
    if said:
        print(f"note: {said}", file=sys.stderr)
    return encoding


def _header_in_two_rows(path: Path, sep: str, encoding: str = "utf-8", above: int = 0):
    """(the column names, the group names, the names made) when the file's header (below
    the `above` lines of a title) is written in two lines ("Measures,,Person," over
    "height,weight,age,sex"), by the app reader's rule (playground_runtime.header_in_two_rows)
    on the lines it looks at (the header and the 20 below it); None otherwise."""
    import csv
    import itertools

    with path.open(encoding=encoding, errors="replace", newline="") as f:
        lines = list(itertools.islice(f, above, above + 22))
    if len(lines) < 2 or not lines[1].strip():
        return None
    top = [h.strip() for h in next(csv.reader([lines[0].lstrip("\ufeff").rstrip("\r\n")], delimiter=sep), [])]
    body = [line.rstrip("\r\n") for line in lines[1:21] if line.strip()]
    if len(lines) > 21 or not lines[-1].endswith("\n"):
        body = body[:-1]  # as the app's reader: the last line it samples may be cut short
    try:
        rows = list(csv.reader(body, delimiter=sep))
    except csv.Error:
        return None
    two = runtime.header_in_two_rows(top, rows[0], rows[1:]) if rows else None
    if two and any(not str(n).strip() for n in two[0]):  # an empty column between blocks: named as the app names it
        header = list(two[0])
        for i, name in enumerate(header):
            if not str(name).strip():
                header[i], sentence = runtime.unnamed_column(i)
                print(f"note: {sentence}", file=sys.stderr)
        two = (header, *two[1:])
    return two


def _units_row(path: Path, sep: str, encoding: str, above: int, two) -> tuple:
    """(the file's line number of a line of units under the header, [(column position, unit)]),
    or (0, []): by the app reader's rule (playground_runtime.units_row), told what it tells it:
    the header's fields (its lines found by playground_runtime.record_lines) and the 20 lines
    below it (under a header in two rows, `two`, those below its second row), blank ones left
    out, and the last of them too when it may be cut short."""
    import csv
    import io
    import itertools

    with path.open(encoding=encoding, errors="replace", newline="") as f:
        lines = list(itertools.islice(f, above, above + runtime.RECORD_LINES + 21))
    if not lines:
        return 0, []
    lines[0] = lines[0].lstrip("\ufeff")
    spans = runtime.record_lines("".join(lines))
    after = lines[spans:spans + 21]
    body = [line.rstrip("\r\n") for line in after[:20] if line.strip()]
    if len(after) >= 20 or (after and not after[-1].endswith("\n")):
        body = body[:-1]  # as the app's reader: the last line it samples may be cut short
    try:
        width = len(next(csv.reader(io.StringIO("".join(lines[:spans])), delimiter=sep), []))
        rows = list(csv.reader(body, delimiter=sep))
    except csv.Error:
        return 0, []
    units = runtime.units_row(rows[1:] if two else rows, width)
    return (above + spans + bool(two) + 1, units) if units else (0, [])


def _without_summary_rows(frame: pd.DataFrame, card: dict, where) -> pd.DataFrame:
    """A totals or means row under the table ("Total" and the column sums) is not data: left
    out and said, by the app's rule (playground_runtime.summary_rows) and in its words."""
    dates = [f["name"] for f in card["features"] if f["type"] == "datetime"]
    written = {f["name"]: f for f in card["features"] if isinstance(f.get("written"), dict)}
    found = runtime.frame_summary_rows(frame, dates, written)
    if not found:
        return frame
    print(f"note: {runtime.summary_rows_notice(found, where() if where else None)}", file=sys.stderr)
    # a label that kept a column of cells one kind ('Total' under a workbook's dates) leaves with its row: the
    # column is of that kind again, as the app's reader has it (its dates were refused as text, found by a new user)
    return frame.iloc[:len(frame) - len(found)].reset_index(drop=True).infer_objects()


def _last_line(path: Path, sep: str, encoding: str = "utf-8") -> int:
    """The line number of the file's last row: its last line holding a value, as the app's
    reader counts (blank lines and lines of delimiters after it do not count)."""
    text = path.read_bytes().decode(encoding, "replace").replace("\r", "")
    after = text[len(text.rstrip(" \t\n" + sep + '"')):]
    return text.count("\n") - after.count("\n") + 1


def _notes_under(path: Path, sep: str, encoding: str) -> list:
    """The lines under the table that are a note, not rows (playground_runtime.footnotes, the
    app reader's rule, on the file's last 64 KB; none in UTF-16 or UTF-32, whose bytes a cut may
    split, as the app reads them)."""
    import codecs

    if codecs.lookup(encoding).name.startswith(("utf-16", "utf-32")):
        return []
    with path.open("rb") as f:
        f.seek(max(0, path.stat().st_size - (1 << 16)))
        tail = f.read().decode(encoding, "replace")
    return runtime.footnotes(tail, sep)[0]


def _without_notes(path: Path, sep: str, encoding: str, n: int) -> bytes:
    """The file's bytes without its last `n` lines (the notes under the table) and the empty
    lines above them, as UTF-8 (its encoding, said once, is not said again of the copy)."""
    lines = path.read_bytes().decode(encoding).split("\n")
    while lines and not lines[-1].strip().strip(sep + '"'):
        lines.pop()
    del lines[-n:]
    while lines and not lines[-1].strip().strip(sep + '"'):
        lines.pop()
    return ("\n".join(lines) + "\n").encode("utf-8")


def _cells(path: Path, sep: str, frame: pd.DataFrame, header_lines: int, encoding: str = "utf-8") -> pd.DataFrame:
    """The file's cells as it writes them (text, an empty cell a gap), by position: a column to
    each of the frame's, a row to each of its rows."""
    text = pd.read_csv(path, sep=sep, dtype=str, encoding=encoding, header=None, skiprows=header_lines,
                       keep_default_na=False, na_values=[""], index_col=False)
    if len(text) != len(frame) or len(text.columns) < len(frame.columns):  # (not the frame's rows: no word from them)
        return text.iloc[:0, :0]
    return text.iloc[:, :len(frame.columns)].set_axis(list(frame.columns), axis=1)


def _decimal_commas(sep: str, card: dict, frame: pd.DataFrame, cells: pd.DataFrame, shown: list) -> pd.DataFrame:
    """The frame, its number columns as the text the file writes (`cells`) and the decimal
    separator in its attrs (playground_runtime.FILE_DECIMAL), when the file settles that every
    number in it is written with a decimal comma (playground_runtime.settled_decimal, the app
    reader's rule, on each column's first cells: playground_runtime.column_decimal):
    playground_runtime reads them so, 1.234,5 and 1,234 too, as the app reads them. Otherwise
    the frame as it was."""
    if cells.empty:
        return frame
    settled = runtime.settled_decimal(sep, shown)
    if not settled:
        return frame
    numbers = {f["name"] for f in card["features"] if f["type"] == "numeric"}
    frame = frame.copy()
    for i, name in enumerate(frame.columns):
        if name in numbers:
            frame.isetitem(i, cells.iloc[:, i].astype(object).to_numpy())
    frame.attrs[runtime.FILE_DECIMAL] = settled
    return frame


GROUPED = r"-?\d{1,3}(?:\.\d{3})+"  # 175.000, 1.250.000: a dot between groups of three digits


def _refuse_grouped_thousands(path: Path, card: dict, frame: pd.DataFrame, cells: pd.DataFrame, shown: list) -> None:
    """A file separated by semicolons is a European export, where 175.000 is often a hundred
    and seventy-five thousand; pandas reads it as 175. A number column whose every value
    with a dot has it between groups of three digits (`cells`: as the file writes them) is
    refused, not read as a tenth of itself or less, unless the training file wrote that column
    so too (its `written`: read as it was, by playground_runtime), or the file's other numbers
    show a decimal point (playground_runtime.decimal_hint: 58.91 beside 1.234): then it is read
    with a decimal point, said, as the app's reader reads it (Score a file and the endpoint
    read 1.234 as one point two there, and predict.py refused the file)."""
    numbers = [f["name"] for f in card["features"]
               if f["type"] == "numeric" and f["name"] in cells.columns and not f.get("written")]
    hint = runtime.decimal_hint(shown, ";")
    for name in numbers:
        values = cells[name].dropna().str.strip()
        dotted = values[values.str.contains(".", regex=False)]
        # a value that shows the dot is a decimal point (0.750: no group of thousands starts with 0; 8.48)
        # settles the column, as the app's reader reads it (playground_runtime.decimal_shown): 1.250 beside
        # 0.750 was refused, and predict.py would not score the file its model was trained on (a new user)
        if not len(dotted) or not dotted.str.fullmatch(GROUPED).all() or runtime.decimal_shown(values.tolist()) == ".":
            continue
        if hint == ".":
            example = dotted.iloc[0]
            print(f"note: {name}: read as numbers ({runtime.POINT_BY_FILE}): {example!r} → "
                  f"{runtime.number_said(float(example))}.", file=sys.stderr)
            continue
        raise runtime.ColumnsError(
            f"{path.name} separates its columns with semicolons, and {name!r} holds values like "
            f"{', '.join(map(repr, dotted.unique()[:2]))}, where the dot may separate thousands: predict.py reads "
            "a dot as a decimal point only where a number shows it (1.5, 0.750). Write the numbers without a "
            "thousands separator (1234), or save the file separated by commas.")


def _unnamed(frame: pd.DataFrame, names: list) -> tuple:
    """(the frame, the header's names) with its unnamed columns named as the app names them
    (playground_runtime.name_unnamed: the empty first cell above R's or pandas' row names is
    `row_names`, another empty cell, a pandas MultiIndex's further levels, `column_<n>`),
    each said in the app's words. pandas named them 'Unnamed: 0' …, and renamed a column
    really called so instead ('Unnamed: 0.1'): the header's own names are taken. An empty
    name at the end (a trailing delimiter) is left as pandas read it."""
    if not names or len(names) != len(frame.columns) or all(str(n).strip() for n in names):
        return frame, names
    named, said = runtime.name_unnamed(names)
    for sentence in said:
        print(f"note: {sentence}", file=sys.stderr)
    names = [runtime.header_name(n) if str(n).strip() else m or c for n, m, c in zip(names, named, frame.columns)]
    return frame.set_axis(names, axis=1), names


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description="Score new rows with this model bundle.")
    parser.add_argument("rows", type=Path, help="a CSV, TSV, Excel (.xlsx, .xls, .ods) or Parquet file of rows to score "
                                                "(or a zip archive or .gz file holding one)")
    parser.add_argument("--proba", action="store_true", help="class probabilities (classifiers)")
    args = parser.parse_args(argv)
    card = json.loads((HERE / "model_card.json").read_text())
    try:
        model = load_model(HERE / "model.skops")
        frame = read_rows(args.rows, card)
        left_out = runtime.set_aside_row_names(card.get("left_out_columns", []), card["features"], frame)
        X = runtime.prepare_rows(frame, card["features"], left_out)
        ids = runtime.row_id_columns(card.get("id_columns") or [], card["features"], frame)
        out = runtime.with_row_ids(runtime.predictions(model, X, proba=args.proba), frame, ids)
        for sentence in runtime.reading_notes(X):  # how values were read: said, as no warning
            print(f"read: {sentence}", file=sys.stderr)
        for sentence in runtime.unseen_values(X, card["features"]):  # scored, and said
            print(f"warning: {sentence}", file=sys.stderr)
    except (runtime.ColumnsError, runtime.UntrustedModel, FileNotFoundError) as e:
        said = str(e)
        if "wrong type:" in said and args.rows.suffix.lower() not in (".parquet", *WORKBOOKS):
            said += (" predict.py reads numbers written with a decimal point and dates written as ISO 8601 (or as the "
                     "training file wrote them); the app's Score a file reads regional formats too (decimal commas, "
                     "currency, day-first dates).")
        print(said, file=sys.stderr)
        return 2
    try:
        out.to_csv(sys.stdout, index=False)
        sys.stdout.flush()
    except BrokenPipeError:  # `python predict.py rows.csv | head`: the reader had what it wanted
        import os

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # no second error as Python exits
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
