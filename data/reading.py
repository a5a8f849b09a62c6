"""Reading the files people have into an Arrow table: text (CSV/TSV) in whatever encoding
and regional style it was saved, and Excel workbooks. Each reader sizes the file before it
decodes a value, and says how it read it (`Reading`: the encoding, the delimiter, the sheet,
and a notice for each thing it did that the file did not say outright), so the dataset page
can show it and the user can correct it.

- Encodings: a byte-order mark decides (UTF-8, UTF-16, UTF-32); otherwise UTF-8 when every
  byte decodes as UTF-8; otherwise charset-normalizer names the script, and for Latin text
  Mac Roman (Excel for Mac) when only its reading shows no sign of a wrong code page, else
  Windows-1252 against Windows-1250 is decided by which decoding puts symbols inside words
  (measured in tests/test_reading.py: charset-normalizer alone named Windows-1250 for most
  Western European samples). A user's choice always wins.
- Header: R's `write.csv` leaves the first header cell empty (row names in column 1) and
  `write.table` leaves it out; both become a `row_names` column, an id. A trailing empty
  column is dropped, a nameless or repeated one is named; each is a notice.
- Values: numbers and dates written regionally, and gap markers, are left to data.values,
  which sees every text column; in a file with decimal commas every column is read as text
  first, so `1.234` (a thousand) is never taken for one point two.
"""

from __future__ import annotations

import codecs
import csv
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import playground_runtime
from data.datasets import DatasetError

# a header in two rows: one rule and one sentence, shared with the bundle's predict.py
header_in_two_rows, two_rows_notice = playground_runtime.header_in_two_rows, playground_runtime.two_rows_notice
_blank, _is_number, _is_number_text, _cell_name = (playground_runtime.blank_cell, playground_runtime.number_cell,
                                                     playground_runtime.number_text, playground_runtime.cell_name)
# lines above a text file's header (a title, comments): one rule, shared with the bundle's predict.py
PREAMBLE_LINES, preamble, _filled = (playground_runtime.PREAMBLE_LINES, playground_runtime.preamble,
                                     playground_runtime.filled_fields)
# a sheet read as a table, and a note under a table: one rule and its sentences, shared with predict.py
notes_notice, _reads_as_note = playground_runtime.notes_notice, playground_runtime.reads_as_note

ROW_NAMES = playground_runtime.ROW_NAMES
ENCODINGS = playground_runtime.ENCODINGS  # what the dataset page offers
NOT_A_TABLE = ("This file does not look like a table: its first line reads as a sentence, not as column names "
               "separated by commas, semicolons, tabs or |. Upload a CSV, TSV, Excel or Parquet file whose first "
               "line names the columns.")

LINED_UP, lined_up = playground_runtime.lined_up_said("upload"), playground_runtime.lined_up  # one rule, as predict.py
SPACED_UNEVEN = ("This file's header names its columns with one space between them, as R's write.table writes it, "
                 "but its lines do not split into as many values: a value holding a space is not in quotes (R writes "
                 "dates with times so, 2013-04-01 20:15:04). Write it with write.csv and upload that.")


@dataclass
class Reading:
    """How a file was read: shown on the dataset page, kept with the dataset."""

    format: str
    encoding: str | None = None
    encoding_detected: bool = False
    delimiter: str | None = None
    sheet: str | None = None
    sheets: list = field(default_factory=list)
    header_row: int = 1
    decimal: str | None = None  # the decimal separator of the file's ambiguous number columns
    # the one the file settles for all its numbers (playground_runtime.settled_decimal): rows to score read by it
    decimal_settled: str | None = None
    # in a comma-separated file, which column shows its numbers have a decimal point, asked when needed
    # (data.values.point_settled_once): a comma in a quoted value there is no decimal comma
    decimal_point: object = None
    notices: list = field(default_factory=list)  # [{"column": name | None, "text": sentence}]
    roles: dict = field(default_factory=dict)  # roles the file itself implies (row names: id)
    why: dict = field(default_factory=dict)  # {column: why the file marks it an id} (a Parquet file's index)
    blank_rows: int = 0  # blank lines or sheet rows among the data that the reader skipped (said by drop_blank_rows)
    last_line: int | None = None  # the file line (sheet row) of the last data row, when known
    settled: set = field(default_factory=set)  # text columns the reader read and said why (not read again as text)
    # every column whose name the header repeats: [name, place (1 = first), name it was given]
    # (playground_runtime.REPEATED_NAMES: rows to score with such a header are refused saying so)
    repeated: list = field(default_factory=list)
    # {column: "day" | "month"}: the date columns written with numbers and the order they were
    # read in (a model keeps it: rows to score written so are read alike, playground_runtime)
    date_orders: dict = field(default_factory=dict)
    # {column: {"order", "example", "shows"}}: how those columns were read, for rows to score
    # (playground_runtime.DATES_READ: the model reads them by its rule and says it in its words)
    dates_read: dict = field(default_factory=dict)
    # {column: {"decimal": "," | ".", "currency": [signs], "percent": bool}}: the number columns
    # written otherwise than plain numbers (1.334,60 €, 7,0 %) and how (a model keeps it: rows to
    # score written so are read alike, playground_runtime)
    number_formats: dict = field(default_factory=dict)
    # the date system a workbook's numbers count days in, as it flags it ("1900" or "1904"; None:
    # not a workbook): a number column chosen as dates is read as Excel day numbers in it
    date_system: str | None = None
    # {column: "1900" | "1904"}: the number columns chosen as dates, read as Excel day numbers in
    # that system (a model keeps it: numbers in rows to score are read alike, playground_runtime)
    day_numbers: dict = field(default_factory=dict)
    # {column: how many of its values are no number}: the columns of numbers a few such values ('ERR')
    # kept as text, said so (a left-out id among them is pointed to Number on the dataset page: nodes.dataset)
    unreadable_numbers: dict = field(default_factory=dict)
    # {column: how many '-' were read as gaps}: in a number column (a model whose training file wrote 0
    # as '-' scores this table's '-' as gaps, which nodes.predict says)
    dash_gaps: dict = field(default_factory=dict)

    def notice(self, text: str, column: str | None = None) -> None:
        self.notices.append({"column": column, "text": text})

    def read_as(self, name: str, got, notice: bool = True) -> None:
        """A column converted by data.values: its notice said (`notice`), the order its
        dates were read in kept (`date_orders`), and how its numbers were written when that
        was other than plain numbers (`number_formats`: a number column has a notice then)."""
        if notice and got.notice:
            self.notice(got.notice, name)
        if got.kind == "date" and got.details.get("order"):
            self.date_orders[name] = got.details["order"]
            self.dates_read[name] = {k: got.details.get(k) for k in ("order", "example", "shows")}
        else:
            self.date_orders.pop(name, None)
            self.dates_read.pop(name, None)
        if got.kind == "date" and got.details.get("day_numbers"):
            self.day_numbers[name] = got.details["day_numbers"]
        else:
            self.day_numbers.pop(name, None)
        if got.kind == "number" and got.notice and got.details.get("decimal"):
            # `unreadable`: Number chosen for it read that many values that are no number as gaps (a model
            # reads such values in rows to score as gaps too: playground_runtime's `unreadable_gaps`)
            self.number_formats[name] = {"decimal": got.details["decimal"],
                                         "currency": list(got.details.get("currency") or []),
                                         "percent": bool(got.details.get("percent")),
                                         **({"comma_open": True} if got.details.get("comma_open") else {}),
                                         # its zeros written '-' (a model reads '-' in rows to score as 0 too)
                                         **({"dash_zero": True} if got.details.get("dash_zero") else {}),
                                         **({"unreadable": got.details["unreadable"]}
                                            if got.details.get("unreadable") else {})}
        else:
            self.number_formats.pop(name, None)
        if got.kind == "number" and got.details.get("dash_gaps"):
            self.dash_gaps[name] = got.details["dash_gaps"]
        else:
            self.dash_gaps.pop(name, None)
        if got.kind == "text" and got.details.get("unreadable"):
            self.unreadable_numbers[name] = got.details["unreadable"]
        else:
            self.unreadable_numbers.pop(name, None)

    def repeated_name(self, name: str, first: int, place: int, given: str) -> None:
        """The header names `name` again at column `place` (1 = first; its first copy at
        `first`), and that copy is named `given`: said, and every copy recorded (`repeated`)."""
        copies = sum(1 for r in self.repeated if r[0] == name)
        if not copies:
            self.repeated.append([name, first, name])
        self.repeated.append([name, place, given])
        self.notice(playground_runtime.repeated_notice(name, max(copies, 1) + 1, given), given)

    def to_json(self) -> dict:
        return {"format": self.format, "encoding": self.encoding, "encoding_name": encoding_name(self.encoding),
                "encoding_detected": self.encoding_detected,
                "delimiter": self.delimiter, "sheet": self.sheet, "sheets": self.sheets,
                "header_row": self.header_row, "decimal": self.decimal,
                **({"date_orders": dict(self.date_orders)} if self.date_orders else {}),
                **({"number_formats": dict(self.number_formats)} if self.number_formats else {}),
                **({"date_system": self.date_system} if self.date_system else {}),
                **({"decimal_settled": self.decimal_settled} if self.decimal_settled else {}),
                **({"day_numbers": dict(self.day_numbers)} if self.day_numbers else {}),
                **({"unreadable_numbers": dict(self.unreadable_numbers)} if self.unreadable_numbers else {}),
                **({"dash_gaps": dict(self.dash_gaps)} if self.dash_gaps else {})}


encoding_name = playground_runtime.encoding_name


def check_encoding(codec) -> str:
    if not isinstance(codec, str) or len(codec) > 40:
        raise DatasetError("Name the encoding as text, e.g. utf-8 or cp1252.")
    try:
        return codecs.lookup(codec).name
    except LookupError:
        raise DatasetError(f"Unknown encoding {codec!r}; use one of {', '.join(ENCODINGS)}.") from None


# --------------------------------------------------------------------------- encodings
# the encoding rules, shared with the exits (predict.py, Score a file, the endpoint): playground_runtime
BOMS, bom_encoding = playground_runtime.BOMS, playground_runtime.bom_encoding


def is_utf8(head: bytes, complete: bool) -> bool:
    try:
        codecs.getincrementaldecoder("utf-8")().decode(head, final=complete)
        return True
    except UnicodeDecodeError:
        return False


def script_guess(text: bytes) -> str | None:
    """charset-normalizer's encoding of text in another script than Latin (Cyrillic, Greek,
    CJK), for playground_runtime.legacy_encoding, which imports only the model's libraries."""
    from charset_normalizer import from_bytes

    best = from_bytes(text).best()
    return best.encoding if best is not None else None


def legacy_encoding(sample: bytes) -> str:
    return playground_runtime.legacy_encoding(sample, script_guess)


def non_utf8_lines(path: Path, limit: int = 1 << 16) -> bytes:
    """Lines of the file that are not UTF-8, up to `limit` bytes: what the detection reads."""
    out, size = [], 0
    with open(path, "rb") as f:
        for line in f:
            if any(b > 127 for b in line):
                try:
                    line.decode("utf-8")
                except UnicodeDecodeError:
                    out.append(line)
                    size += len(line)
                    if size >= limit:
                        break
    return b"".join(out)


# --------------------------------------------------------------------------- files that are not what their name says
_JSON_OBJECT = re.compile(r'(?:\[\s*)*\{\s*"(?:[^"\\\n]|\\.)*"\s*:')
_WEB_PAGE = re.compile(r"(?:<!--.*?-->\s*)*<(?:!doctype\s+html|html|head|body|table|meta|style)\b", re.I | re.S)
_XML_SPREADSHEET = re.compile(r"<\?xml[^>]*>.*urn:schemas-microsoft-com:office:spreadsheet", re.S)
_SAVE_AS = {
    "JSON": "JSON is not read here: save it as CSV, Excel or Parquet (with pandas: pd.read_json(path).to_csv(...)) "
            "and upload that.",
    "a web page (HTML)": "Web banking and business systems often export a web page under a spreadsheet's name: open "
                         "it in Excel and save it as .xlsx (or as CSV), and upload that.",
    "an Excel 2003 XML spreadsheet": "Open it in Excel and save it as .xlsx, and upload that.",
}


DELIMITER_NAMES = {",": "commas", ";": "semicolons", "\t": "tabs", "|": "| signs", " ": "spaces"}  # "values separated by …"


def other_text_format(text: str, complete: bool) -> str | None:
    """What a text file is when it is not a table: 'JSON' (an object with a quoted key at
    its start, or the whole file parses as JSON), 'a web page (HTML)', 'an Excel 2003 XML
    spreadsheet'; None otherwise (a header such as [id],[name] is a table's)."""
    t = text.lstrip("\ufeff \t\r\n")
    if t.startswith(("{", "[")):
        if _JSON_OBJECT.match(t):
            return "JSON"
        if complete:
            import json

            try:
                json.loads(t)
            except ValueError:
                return None
            return "JSON"
        return None
    if t.startswith("<"):
        if _XML_SPREADSHEET.match(t[:4096]):
            return "an Excel 2003 XML spreadsheet"
        if _WEB_PAGE.match(t.split("?>", 1)[-1].lstrip() if t.startswith("<?xml") else t):
            return "a web page (HTML)"
    return None


def binary_kind(data: bytes) -> str | None:
    """What a file that is not text is, by its signature: 'an Excel workbook (.xlsx)', 'an
    OpenDocument spreadsheet (.ods)' (its first member names its type), 'a zip archive', 'an Excel 97-2003 workbook (.xls)', 'a Parquet file', 'gzip-compressed
    data'; None for anything else (text in any encoding, UTF-16 too: no guess from stray
    zero bytes). Found by a new user: an .xlsx posted as a CSV body was answered with the
    csv module's "new-line character seen in unquoted field"."""
    if data[:4] == b"PK\x03\x04":
        if data[30:38] == b"mimetype" and b"application/vnd.oasis.opendocument.spreadsheet" in data[38:120]:
            return "an OpenDocument spreadsheet (.ods)"  # LibreOffice's, Numbers' and Google Sheets' export
        return "an Excel workbook (.xlsx)" if b"xl/workbook.xml" in data else "a zip archive"
    if data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        return "an Excel 97-2003 workbook (.xls)"
    if data[:4] == b"PAR1" and data[-4:] == b"PAR1" and len(data) > 8:  # its signature at both ends: a text
        return "a Parquet file"                                            # table's header may begin PAR1
    if data[:2] == b"\x1f\x8b":
        return "gzip-compressed data"
    return None


def not_a_workbook(path: Path, ext: str) -> str:
    """The refusal of a file with a workbook's name that no workbook reader opens: what it
    is when its first bytes say (a web page, JSON, a text table), else damaged."""
    with open(path, "rb") as f:
        head = f.read(1 << 16)
        complete = f.read(1) == b""
    damaged = "The workbook cannot be read: it is damaged, cut short, or not an Excel file."
    if not head.strip() or b"\x00" in head[:8192]:
        return damaged
    codec = bom_encoding(head) or ("utf-8" if is_utf8(head, complete) else "cp1252")
    text = head.decode(codec, "replace")
    other = other_text_format(text, complete)
    if other:
        return f"This file holds {other}, not an Excel workbook, though its name ends in {ext}. {_SAVE_AS[other]}"
    lines = [line for line in text.lstrip("\ufeff").splitlines()[:20] if line.strip()]
    delimiter = sniff("\n".join(lines), "csv") if lines else ","
    if len(lines) >= 2 and delimiter in lines[0] and sum(delimiter in line for line in lines) >= len(lines) - 1:
        said = DELIMITER_NAMES[delimiter]
        return (f"This file is text, a table of values separated by {said}, not an Excel workbook, though its name "
                f"ends in {ext}: rename it to end in .csv and upload it again.")
    return damaged


# --------------------------------------------------------------------------- text files
def sniff(sample: str, fmt: str) -> str:
    return playground_runtime.sniff_delimiter(sample, fmt == "tsv")


@dataclass
class TextLayout:
    encoding: str  # a Python codec name
    delimiter: str
    header: list  # the column names, as they will be
    skip_rows: int  # lines before the first data row
    reading: Reading
    raw_header: list = field(default_factory=list)
    drop: list = field(default_factory=list)  # column positions to drop after parsing (empty trailing ones)
    prose: bool = False  # the header reads like a sentence
    head: bytes = b""  # the first 64 KB
    bom: bool = False  # the encoding came from a byte-order mark
    empty_above: int = 0  # empty lines above the header (a title's), which text_line_facts counts among the data's
    extra_field: bool = False  # the data lines end with one empty field more than the header has (dropped)


def text_layout(path: Path, fmt: str, encoding: str | None) -> TextLayout:
    """Encoding, delimiter and header of a text file, from its first 64 KB."""
    with open(path, "rb") as f:
        head = f.read(1 << 16)
        complete = f.read(1) == b""
    reading = Reading(format=fmt)
    bom = bom_encoding(head)
    if encoding:
        codec = check_encoding(encoding)
        reading.encoding = codec
    elif bom:
        codec = bom
        reading.encoding, reading.encoding_detected = codec, True
    else:
        if b"\x00" in head[:8192]:
            raise DatasetError("This file looks binary, not text; upload a CSV, TSV, Excel or Parquet file.")
        if is_utf8(head, complete):
            codec = "utf-8"
            reading.encoding, reading.encoding_detected = codec, True
        else:
            codec = legacy_encoding(head)
            reading.encoding, reading.encoding_detected = codec, True
    try:
        text = head.decode(codec, errors="replace" if not complete else "strict")
    except UnicodeDecodeError as e:
        raise DatasetError(f"The file cannot be read as {encoding_name(codec)}: byte {e.start} does not decode. "
                           "Choose another encoding.") from None
    except LookupError:
        raise DatasetError(f"Unknown encoding {codec!r}.") from None
    text = text.lstrip("\ufeff")
    if not text.strip():
        raise DatasetError(playground_runtime.empty_file("The file"))
    other = other_text_format(text, complete)
    if other:  # JSON or a web page with a .csv name was read as one column named '[{"a":1' (a new user's audit)
        raise DatasetError(f"This file holds {other}, not a table of values separated by commas, semicolons or tabs "
                           f"as a {fmt.upper()} file does. {_SAVE_AS[other]}")
    empty_above = 0
    delimiter, skip = playground_runtime.text_delimiter(text, fmt == "tsv")  # (one rule, shared with predict.py)
    if skip:  # Excel's "sep=;" line names the delimiter
        text = text.split("\n", 1)[1] if "\n" in text else ""
    reading.delimiter = delimiter
    above = preamble(text.split("\n", PREAMBLE_LINES + 2)[:PREAMBLE_LINES + 1], delimiter)
    if above:  # said once the header's line is known; its empty lines are not the table's blank lines
        parts = text.split("\n", above)  # the lines above, and the text from the header on
        reading.notice(playground_runtime.preamble_notice(parts[:above], delimiter, skip))
        empty_above = sum(1 for i, line in enumerate(parts[:above]) if i + skip and not line.strip("\r"))
        skip, text = skip + above, parts[above]
        reading.header_row = skip + 1
    spans = record_lines(text)
    if spans > 1:  # a quoted name holds a line break (Excel's Alt+Enter in a header cell): the header is one record
        parts = text.split("\n", spans)
        record = playground_runtime.header_name("\n".join(parts[:spans])).rstrip("\r")  # the one rule, as predict.py
        text = record.replace("\n", " ") + "\n" + (parts[spans] if len(parts) > spans else "")
    lines = text.split("\n", 21)
    try:
        header = next(csv.reader([record if spans > 1 else lines[0].rstrip("\r")], delimiter=delimiter))
        body = [line.rstrip("\r") for line in lines[1:21] if line.strip()]
        if len(lines) > 21 or not text.endswith("\n"):
            body = body[:-1]  # the last line of the sample may be cut short
        rows = list(csv.reader(body, delimiter=delimiter))
    except (csv.Error, StopIteration):
        raise DatasetError("The first line (the header) cannot be read.") from None
    header = [h.strip() for h in header]
    if not any(header):
        raise DatasetError("The first line (the header) is empty.")
    if len(header) == 1 and lined_up(lines[0], body):
        raise DatasetError(LINED_UP)
    if len(header) == 1 and re.fullmatch(r'"[^"]*"( "[^"]*")+', lines[0].rstrip("\r")):
        raise DatasetError(SPACED_UNEVEN)  # R's write.table header, lines of other widths: not 'a sentence'
    prose = len(header) <= 3 and any(len(h.split()) > 6 or len(h) > 60 for h in header)
    if prose and len(header) == 1:
        raise DatasetError(NOT_A_TABLE)
    raw = list(header)
    drop = []
    two = header_in_two_rows(header, rows[0], rows[1:]) if rows and len(lines) > 1 and lines[1].strip() else None
    if two:  # "Revenue,,Cost," over ",2023,2024,2023,2024": one header in two lines, said
        header, tops, joined = two
        reading.notice(two_rows_notice(skip + 1, tops, joined, "line", "each over the names below it"))
        rows, body, skip = rows[1:], body[1:], skip + 1
    if playground_runtime.no_name_over_row_names(header, rows, body):
        # R's write.table: the header has no cell over the row names
        header = [""] + header
        raw = [""] + raw
    if header[0] == "" and len(header) > 1:
        reading.roles[ROW_NAMES] = "id"
        reading.notice(playground_runtime.row_names_notice(), ROW_NAMES)  # predict.py's words, one rule
        header[0] = ROW_NAMES
    extra = bool(header[-1] and playground_runtime.one_empty_field_more(text, delimiter, len(header), complete))
    if extra:  # a trailing delimiter on every data line, not on the header: an empty last column all the same
        drop.append(len(header))
    while len(header) > 1 and header[-1] == "":
        drop.append(len(header) - 1)  # a trailing delimiter on every line: an empty last column
        header.pop()
    for i, h in enumerate(header):
        if h == "":
            header[i], said = playground_runtime.unnamed_column(i)
            reading.notice(said, header[i])
    header, copies = playground_runtime.unique_names(header)
    for copy in copies:
        reading.repeated_name(*copy)
    # (told the header's fields as the file writes them, as predict.py is: a delimiter at the end of every line too)
    units = units_row(rows, len(raw))
    if units:  # a line of units under the header: not data (said; the names stay as the header gives them)
        reading.notice(playground_runtime.units_notice(skip + spans + 1, header, units))
        skip += 1
    layout = TextLayout(codec, delimiter, header, skip + spans, reading, raw_header=raw, drop=drop)
    layout.prose, layout.head, layout.bom = prose, head, bool(bom and not encoding)
    layout.empty_above, layout.extra_field = empty_above, extra
    return layout


# a header whose quoted names hold line breaks: one rule, shared with the bundle's predict.py
RECORD_LINES, record_lines = playground_runtime.RECORD_LINES, playground_runtime.record_lines


# notes under a text table ("Source: …"): one rule, shared with the bundle's predict.py
FOOTNOTE_LINES, footnotes, note_text = (playground_runtime.FOOTNOTE_LINES, playground_runtime.footnotes,
                                        playground_runtime.note_text)


# a line of units under the header: one rule and its sentence, shared with the bundle's predict.py
UNITS_MIN_ROWS, units_row = playground_runtime.UNITS_MIN_ROWS, playground_runtime.units_row


def first_ragged_line(path: Path, delimiter: str, n_cols: int, encoding: str, skip: int, last_empty: bool = False):
    """Only when the parse failed: the first line whose field count differs, for the message
    (pyarrow's fast parser does not know line numbers); with `last_empty` (an empty last
    field the reader drops), also the first whose last field holds a value."""
    with open(path, newline="", encoding=encoding, errors="replace") as f:
        reader = csv.reader(f, delimiter=delimiter)
        for _ in range(skip):
            next(reader, None)
        for row in reader:
            if row and not (len(row) == 1 and not row[0].strip()) and (
                    len(row) != n_cols or (last_empty and row[-1].strip())):
                return reader.line_num, len(row)
    return None


# --------------------------------------------------------------------------- Excel
EXCEL = {".xlsx": "xlsx", ".xlsm": "xlsx", ".xls": "xls", ".ods": "ods"}
CELL_BYTES = 12  # the least XML a filled cell takes (<c r="A1"><v>1</v></c> is 20): an upper bound on cells
_DIMENSION = re.compile(rb'<dimension ref="([A-Z]+)([0-9]+)(?::([A-Z]+)([0-9]+))?"')


def _column_number(letters: bytes) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + (ch - 64)
    return n


def workbook_size(path: Path, limits, ext: str = ".xlsx") -> None:
    """Rows x columns of an .xlsx/.ods workbook from its zip directory and each sheet's
    <dimension> tag, before a cell is decoded (a 1 MB workbook can hold a 1 GB sheet)."""
    try:
        zf = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError):
        raise DatasetError(not_a_workbook(path, ext)) from None
    with zf:
        infos = [i for i in zf.infolist() if i.filename.startswith(("xl/worksheets/", "content.xml"))]
        total = sum(i.file_size for i in infos)
        if total > limits.max_cells * CELL_BYTES * 4:
            raise DatasetError(f"The workbook's sheets unpack to {total / 2**20:,.0f} MB of XML, more than the cell "
                               f"limit of {limits.max_cells:,} cells (PLAYGROUND_MAX_CELLS) can hold.")
        for info in infos:
            with zf.open(info) as f:
                start = f.read(4096)
            m = _DIMENSION.search(start)
            if m and m.group(3):
                rows = int(m.group(4)) - int(m.group(2)) + 1
                cols = _column_number(m.group(3)) - _column_number(m.group(1)) + 1
                limits.check(rows, cols)
            else:
                limits.check(max(1, info.file_size // CELL_BYTES), 1, about=True)


_largest_sheet = playground_runtime.largest_sheet


def read_excel(path: Path, ext: str, limits, sheet=None, scored: bool = False):
    """The chosen sheet of a workbook (default: the visible one with the largest used range,
    _largest_sheet) as columns of Python values, from the header row on; returns (names,
    columns, reading). `scored`: rows to score, which have no page to choose another sheet on."""
    from python_calamine import CalamineWorkbook

    kind = EXCEL[ext]
    if kind in ("xlsx", "ods"):
        workbook_size(path, limits, ext)
    try:
        wb = CalamineWorkbook.from_path(str(path))
    except Exception as e:  # calamine's own words mean nothing to a person
        if "password" in str(e).lower() or "encrypt" in str(e).lower():
            raise DatasetError("The workbook is protected by a password: save it without one and upload it "
                               "again.") from None
        raise DatasetError(not_a_workbook(path, ext)) from None
    names = list(wb.sheet_names)
    if not names:
        raise DatasetError("The workbook has no sheets.")
    loaded = None
    if sheet in (None, ""):
        index, loaded = _largest_sheet(wb, names)
    elif isinstance(sheet, int) or (isinstance(sheet, str) and sheet.isdigit() and sheet not in names):
        index = int(sheet) - 1  # counted from 1, as people count sheets
        if not 0 <= index < len(names):
            raise DatasetError(f"The workbook has {len(names)} sheet(s); there is no sheet {sheet}.")
    elif sheet in names:
        index = names.index(sheet)
    else:
        raise DatasetError(f"The workbook has no sheet {str(sheet)[:80]!r}; its sheets are "
                           f"{', '.join(repr(n) for n in names[:10])}.")
    try:
        chosen = loaded or wb.get_sheet_by_index(index)
        rows = chosen.to_python(skip_empty_area=False)
        ranges = list(getattr(chosen, "merged_cell_ranges", None) or [])
        merged = playground_runtime.fill_merged(rows, ranges)
    except Exception:
        raise DatasetError(f"Sheet {names[index]!r} cannot be read: the workbook is damaged.") from None
    if kind == "xlsx":
        playground_runtime.excel_error_cells(path, index, rows)
    del loaded, chosen
    reading = Reading(format="excel", sheet=names[index], sheets=names,
                      date_system=playground_runtime.workbook_date_system(path, kind))
    if len(names) > 1:
        # (Score a file has no page to choose another sheet on: a new user was sent to one)
        hidden = playground_runtime.hidden_sheets(wb, names)
        reading.notice(playground_runtime.sheet_notice(names, index, sheet in (None, "") and index > 0, hidden)
                       + ("; to score another sheet, save it as a workbook or CSV of its own." if scored else
                          "; choose another sheet on this page."))
    limits.check(len(rows), max((len(r) for r in rows[:100]), default=0))
    hides = hidden_columns(path, kind, index, names[index])
    try:
        table = playground_runtime.sheet_table(rows, ranges, merged, names[index], reading.notice, hides)
    except playground_runtime.SheetError as e:
        raise DatasetError(str(e)) from None
    for copy in table["repeated"]:
        reading.repeated_name(*copy)
    reading.header_row, reading.blank_rows, reading.last_line = table["header_row"], table["blank_rows"], \
        table["last_row"]
    return table["names"], table["columns"], reading


_ATTRIBUTE = re.compile(r'([\w:]+)="([^"]*)"')
_COL_TAG = re.compile(r'<(?:\w+:)?col\b([^>]*)>')


def hidden_columns(path: Path, kind: str, index: int, name: str) -> set:
    """The columns (0 = A) a workbook's sheet hides (calamine does not tell), read from the
    file's own column settings: `index` (in the workbook's order, as calamine counts them)
    of an .xlsx, the sheet named `name` of an .ods or .xls. Empty when it cannot tell."""
    if kind == "ods":
        return _ods_hidden_columns(path, name)
    if kind == "xls":
        return _xls_hidden_columns(path, name)
    return _xlsx_hidden_columns(path, index)


def _xlsx_hidden_columns(path: Path, index: int) -> set:
    """An .xlsx sheet's hidden columns: the <col hidden="1"> tags above its cells, read from
    the zip without the cells. Empty for an unusual layout."""
    try:
        with zipfile.ZipFile(path) as zf:
            name = playground_runtime.xlsx_sheet_member(zf, index)
            if name is None:
                return set()
            head = b""
            with zf.open(name) as f:  # the <cols> tags come before <sheetData>: the cells are not read
                while b"sheetData" not in head and len(head) < (1 << 20) and (chunk := f.read(1 << 14)):
                    head += chunk
    except (KeyError, IndexError, StopIteration, AttributeError, OSError, zipfile.BadZipFile):
        return set()
    head = head.split(b"sheetData", 1)[0].decode("utf-8", "replace")
    hidden: set = set()
    for m in _COL_TAG.findall(head):
        a = dict(_ATTRIBUTE.findall(m))
        if a.get("hidden") in ("1", "true") and a.get("min", "").isdigit() and a.get("max", "").isdigit():
            hidden.update(range(int(a["min"]) - 1, min(int(a["max"]), 16384)))
    return hidden


ODS_TABLE = "{urn:oasis:names:tc:opendocument:xmlns:table:1.0}"
MAX_SHEET_COLUMNS = 16384  # Excel's and LibreOffice's last column (XFD): a repeated column setting counts up to it


def _ods_hidden_columns(path: Path, name: str) -> set:
    """An .ods sheet's hidden columns: its <table:table-column> settings in content.xml, in
    the sheet's order before its first row, each `table:number-columns-repeated` times (1 by
    default), hidden when `table:visibility` is "collapse" (or "filter"). Parsed as it
    streams, the rows of the sheets before it cleared as they pass. Empty when it cannot tell."""
    from xml.etree.ElementTree import ParseError, iterparse

    hidden: set = set()
    column = 0
    inside = False
    try:
        with zipfile.ZipFile(path) as zf, zf.open("content.xml") as f:
            for event, el in iterparse(f, events=("start", "end")):
                tag = el.tag
                if event == "end":
                    if tag == ODS_TABLE + "table" and inside:
                        return hidden
                    if tag == ODS_TABLE + "table-row":
                        el.clear()  # another sheet's cells: not kept
                    continue
                if tag == ODS_TABLE + "table" and not inside:
                    inside = el.get(ODS_TABLE + "name") == name
                elif inside and tag == ODS_TABLE + "table-column":
                    repeated = el.get(ODS_TABLE + "number-columns-repeated", "1")
                    n = min(int(repeated), MAX_SHEET_COLUMNS) if repeated.isdigit() else 1
                    if el.get(ODS_TABLE + "visibility") in ("collapse", "filter"):
                        hidden.update(range(column, min(column + n, MAX_SHEET_COLUMNS)))
                    column += n
                elif inside and tag.startswith(ODS_TABLE) and "row" in tag[len(ODS_TABLE):]:
                    return hidden  # the column settings come before the rows
    except (KeyError, OSError, ParseError, zipfile.BadZipFile, RuntimeError):
        return set()
    return hidden


XLS_SECTOR_FREE, XLS_END_OF_CHAIN = 0xFFFFFFFF, playground_runtime.XLS_END_OF_CHAIN
XLS_BOUNDSHEET, XLS_BOF, XLS_EOF, XLS_COLINFO, XLS_FILEPASS = 0x0085, 0x0809, 0x000A, 0x007D, 0x002F


def _xls_hidden_columns(path: Path, name: str) -> set:
    """An .xls (BIFF8) sheet's hidden columns: its COLINFO records (a range of columns, bit 0
    of their options: hidden), read from the Workbook stream of the compound file with the
    standard library (no library installed here reads them: python-calamine does not tell,
    xlrd is not installed). The sheet is found by its name among the BOUNDSHEET records.
    Empty when it cannot tell: an older format (BIFF5's Book stream), an encrypted workbook,
    a Workbook stream kept in the compound file's mini stream (under 4,096 bytes: none that
    Excel writes), a damaged file."""
    import struct

    try:
        data = path.read_bytes()
        stream = _cfb_stream(data, "Workbook")
        if stream is None:
            return set()
        sheets, at = {}, 0
        while at + 4 <= len(stream):  # the workbook's globals: where each sheet's records start
            kind, size = struct.unpack_from("<HH", stream, at)
            body = stream[at + 4:at + 4 + size]
            if kind == XLS_FILEPASS:
                return set()
            if kind == XLS_BOUNDSHEET and len(body) >= 8:
                count, wide = body[6], body[7] & 1
                text = body[8:8 + count * (2 if wide else 1)]
                sheets[text.decode("utf-16-le" if wide else "latin-1", "replace")] = struct.unpack_from("<I", body)[0]
            at += 4 + size
            if kind == XLS_EOF:
                break
        if name not in sheets:
            return set()
        hidden: set = set()
        at = sheets[name]
        if at + 4 > len(stream) or struct.unpack_from("<H", stream, at)[0] != XLS_BOF:
            return set()
        while at + 4 <= len(stream):
            kind, size = struct.unpack_from("<HH", stream, at)
            if kind == XLS_EOF:
                break
            if kind == XLS_COLINFO and size >= 10:
                first, last, _, _, options = struct.unpack_from("<HHHHH", stream, at + 4)
                if options & 1:
                    hidden.update(range(first, min(last, MAX_SHEET_COLUMNS - 1) + 1))
            at += 4 + size
        return hidden
    except (OSError, struct.error, ValueError, IndexError):
        return set()


_cfb_stream = playground_runtime.compound_stream  # (also how predict.py finds an .xls's date system)


_column_letters = playground_runtime.column_letters


def excel_columns(names: list, columns: list, reading: Reading, zero_dashes=frozenset()):
    """Python cell values to Arrow columns: a column of numbers, dates or booleans keeps
    its type; text cells in a column of numbers (a typed-in "n/a", "2.121,88 €") are read by
    data.values like any text; a column of mixed kinds is text. `zero_dashes`: columns of rows
    to score whose '-' the model learned as 0 (data.ingest.ingest_path's)."""
    import datetime as dt

    import pyarrow as pa

    from data import values as vals

    arrays = []
    for name, cells in zip(names, columns):
        kinds = set()
        for v in cells:
            if v == "" or v is None:
                continue
            kinds.add("bool" if isinstance(v, bool) else "number" if isinstance(v, (int, float)) else
                      "date" if isinstance(v, (dt.datetime, dt.date)) else
                      "text" if isinstance(v, str) else "other")
        if not kinds:
            arrays.append(pa.nulls(len(cells), pa.float64()))
        elif kinds == {"number"}:
            arr = pa.array([None if v == "" else float(v) for v in cells], pa.float64())
            arrays.append(_whole(arr))
        elif kinds == {"bool"}:
            arrays.append(pa.array([None if v == "" else v for v in cells], pa.bool_()))
        elif kinds == {"date"}:
            arrays.append(pa.array([None if v == "" else (v if isinstance(v, dt.datetime) else
                                                            dt.datetime(v.year, v.month, v.day)) for v in cells],
                                   pa.timestamp("us")))
        elif kinds == {"number", "text"}:
            arrays.append(_numbers_with_text(name, cells, reading, vals, name in zero_dashes))
        elif kinds == {"date", "text"}:
            arrays.append(_dates_with_text(name, cells, reading, vals))
        else:
            arrays.append(pa.array([None if v == "" or (isinstance(v, str) and v.strip() in playground_runtime.PARSE_MISSING_WORDS)
                                    else _cell_text(v) for v in cells], pa.string()))
    return pa.table(arrays, names=names)


def _whole(arr):
    import pyarrow as pa
    import pyarrow.compute as pc

    # (one rule, by which predict.py writes a workbook's ids too: playground_runtime.whole_numbers)
    if playground_runtime.whole_numbers(arr.drop_null().to_numpy(zero_copy_only=False)):
        return pc.cast(arr, pa.int64())
    return arr


def _numbers_with_text(name, cells, reading, vals, zero_dashes: bool = False):
    """Number cells and text cells in one column: the text read as data.values reads text
    (words and markers for a gap as missing, regional numbers as numbers); numbers if every
    text cell is one, else the column is text. `zero_dashes`: its '-' cells are 0 (rows to
    score for a model that learned them so); else the '-' read as gaps are counted (`dash_gaps`)."""
    import pyarrow as pa

    text_rows = [i for i, v in enumerate(cells) if isinstance(v, str) and v.strip() not in vals.MISSING_WORDS]
    words = [i for i, v in enumerate(cells) if isinstance(v, str) and v != "" and i not in set(text_rows)]
    texts = pa.array([cells[i] for i in text_rows], pa.string())
    got = vals.convert(name, texts, ".", zero_dashes=zero_dashes) if text_rows else None
    if got is None or got.kind in ("number", "missing"):
        read = got.array.to_pylist() if got is not None else []
        out = [float(v) if isinstance(v, (int, float)) and not isinstance(v, bool) else None for v in cells]
        for i, v in zip(text_rows, read):
            out[i] = None if v is None else float(v)
        gone = {i for i, v in zip(text_rows, read) if v is None} | set(words)
        gaps = [cells[i].strip() for i in sorted(gone)]
        zeroed = got is not None and got.details.get("dash_zero")  # its '-' read as 0 (`zero_dashes`)
        numbers = [cells[i] for i, v in zip(text_rows, read) if v is not None and not (zeroed and cells[i].strip() == "-")]
        said = []
        if numbers:
            said.append(f"{len(numbers):,} number(s) typed as text read as numbers (e.g. {numbers[0]!r})")
        if gaps:
            said.append(f"{_gaps_counted(gaps)} read as missing")
        if zeroed:
            said.append(playground_runtime.ACCOUNTING_ZERO_SAID)
        if said:
            reading.notice(f"{name}: " + "; ".join(said) + ".", name)
        dashes = sum(1 for i, v in zip(text_rows, read) if v is None and cells[i].strip() == "-")
        if dashes:  # (nodes.predict warns of them where a model learned '-' as 0)
            reading.dash_gaps[name] = dashes
        return _whole(pa.array(out, pa.float64()))
    written = [None if v in ("", None) else _cell_text(v).strip() for v in cells]
    ids = vals.too_long_integers(name, pa.array(written, pa.string()),
                                 [v for v in written if v is not None and v not in vals.GAPS])
    if ids is not None:  # an account number typed as text among numbers: said as in a CSV (values.too_long_integers)
        reading.notice(ids.notice, name)
        reading.settled.add(name)
        return ids.array.combine_chunks() if hasattr(ids.array, "combine_chunks") else ids.array
    # kept as text, said by data.values' reading of the text columns, as a CSV's such column is (with the way to
    # Number): a sentence of its own here said it twice, and stayed when Number was chosen (found by a helper)
    return pa.array([None if v == "" else _cell_text(v) for v in cells], pa.string())


def _gaps_counted(gaps: list) -> str:
    """A sheet column's gap markers, each with how many, as a CSV's are said (gaps_said)."""
    from collections import Counter

    return playground_runtime.gaps_said(Counter(gaps).items())


def _dates_with_text(name, cells, reading, vals):
    """Date cells and text cells in one column (a typed-in "n/a", a date typed as text,
    "31.12.2024"): words and markers for a gap are missing, and the other text cells are
    read as data.values reads a column of dates (day.month.year, month/day/year, month
    names, year-month-day); dates if every one of them is one, else the column is text and
    a notice names the cells that are not (a new user's audit: such a column became text
    without a word)."""
    import datetime as dt

    import pyarrow as pa

    def stamp(v):
        return v if isinstance(v, dt.datetime) else dt.datetime(v.year, v.month, v.day)

    texts = {i: v.strip() for i, v in enumerate(cells) if isinstance(v, str) and v.strip() != ""}
    gaps = [v for v in texts.values() if v in vals.GAPS]
    typed = [i for i, v in texts.items() if v not in vals.GAPS]
    written = [texts[i] for i in typed]
    n_values = sum(1 for v in cells if isinstance(v, (dt.date, dt.datetime))) + len(typed)
    got = why = None
    if typed:
        try:
            got = vals.convert(name, pa.array(written, pa.string()), ".", "date")
        except vals.TypeRefused as e:
            bad = [v for v in written if vals.date_shape(v) is None]
            shapes = vals.date_shapes(written)  # {shape: its first value} when every one is a date
            if bad:
                why = (f"{len(bad):,} of {n_values:,} values are not dates, e.g. "
                       f"{', '.join(repr(v) for v in list(dict.fromkeys(bad))[:3])}")
            elif len(shapes) > 1:
                why = (f"its {len(typed):,} dates typed as text are written in {len(shapes)} ways ("
                       + ", ".join(repr(v) for v in shapes.values()) + ")")
            else:  # not real dates (31.02.2024)
                why = (f"{e.failing:,} of {n_values:,} values typed as text are not real dates, e.g. "
                       f"{', '.join(repr(v) for v in e.examples)}")
        else:
            if got.kind != "date":  # dates that could be day or month first, or not real dates (31.02.)
                why = (f"{len(typed):,} of {n_values:,} values are dates typed as text, and "
                       + got.notice.split("kept as text: ", 1)[-1].split(";")[0].rstrip("."))
    if why is None:
        out = [None if v in ("", None) or isinstance(v, str) else stamp(v) for v in cells]
        read = got.array.to_pylist() if got is not None else []
        for i, v in zip(typed, read):
            out[i] = v
        said = []
        if typed:
            said.append(f"{len(typed):,} date(s) typed as text read as dates (e.g. {written[0]!r} → {read[0]:%Y-%m-%d})")
        if gaps:
            said.append(f"{_gaps_counted(gaps)} read as missing")
        reading.notice(f"{name}: " + "; ".join(said) + ".", name)
        return pa.array(out, pa.timestamp("us"))
    reading.notice(f"{name}: kept as text: {why}.", name)
    reading.settled.add(name)
    return pa.array([None if v == "" or (isinstance(v, str) and v.strip() in playground_runtime.PARSE_MISSING_WORDS)
                     else _cell_text(v) for v in cells], pa.string())


def _cell_text(v) -> str:
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    if hasattr(v, "isoformat"):
        return v.isoformat()
    return str(v)


# --------------------------------------------------------------------------- rows that are not data
def text_line_facts(path: Path, encoding: str, delimiter: str, careful: bool) -> tuple[int, int | None]:
    """(empty lines between the header and the last row, which the parser skips; the line
    number of the last row) of a text file, from one pass over its bytes. A line holding
    only delimiters is not counted here (it is parsed as a row of gaps: drop_blank_rows).
    Not for UTF-16/32 (no line numbers: (0, None)); empty lines are not counted in a file
    with line breaks inside quoted values (`careful`), where they may be part of a value."""
    import numpy as np

    if codecs.lookup(encoding).name.startswith(("utf-16", "utf-32")):
        return 0, None
    newlines = pairs = 0
    last = -2  # where the previous chunk's last newline was, counted from this chunk's start
    piece = 1 << 22
    # one buffer and two masks for every piece, filled in place: fresh 4 MB pieces and masks
    # cost a page fault per 4 KB, which took most of this pass (18 ms for 100,000 rows to score)
    buf, nl, both = bytearray(piece), np.empty(piece, bool), np.empty(piece, bool)
    with open(path, "rb") as f:
        while size := f.readinto(buf):
            chunk = bytes(buf[:size]).replace(b"\r", b"") if buf.find(b"\r", 0, size) >= 0 else buf
            size = len(chunk) if chunk is not buf else size
            # the newlines, and (two in a row) the empty lines, in one pass of numpy's and no list
            # of their places (which took half of reading 100,000 rows to score)
            mask = np.equal(np.frombuffer(chunk, np.uint8, size), 10, out=nl[:size])
            n = int(np.count_nonzero(mask))
            newlines += n
            if not careful and n:
                pairs += int(np.count_nonzero(np.logical_and(mask[1:], mask[:-1], out=both[:size - 1])))
                pairs += int(chunk.find(b"\n", 0, size) - last == 1)  # an empty line across the chunks' border
            last = (chunk.rfind(b"\n", 0, size) if n else last) - size
        size = f.tell()
        f.seek(max(0, size - (1 << 16)))
        tail = f.read().replace(b"\r", b"")
    after = tail[len(tail.rstrip(b" \t\n" + delimiter.encode("ascii", "ignore") + b'"')):]
    trailing = sum(1 for i in range(len(after) - 1) if after[i:i + 2] == b"\n\n")  # empty lines after the last row
    blank = 0 if careful else max(0, pairs - trailing)
    if len(after) == len(tail) and size > len(tail):
        return blank, None  # the last 64 KB hold no value
    return blank, newlines - after.count(b"\n") + 1


def drop_blank_rows(table, reading: Reading):
    """Rows with no value in any cell (a line of delimiters, an empty sheet row) are not
    data: they leave the table, with one notice counting them and the blank lines or sheet
    rows the reader already skipped (`reading.blank_rows`)."""
    import pyarrow.compute as pc

    blank = None
    for column in table.columns:
        missing = pc.is_null(column)
        blank = missing if blank is None else pc.and_(blank, missing)
    n_blank = int(pc.sum(blank).as_py() or 0) if blank is not None and table.num_rows else 0
    if n_blank:
        table = table.filter(pc.invert(blank))
    total = n_blank + reading.blank_rows
    if total:
        where = "sheet row" if reading.format == "excel" else "line"
        reading.notice(playground_runtime.blank_rows_notice(total, where))
    return table


summary_label = playground_runtime.summary_label  # a summary row's label ("Total", "Summe", "Mean" ...)


def _is_text(t) -> bool:
    import pyarrow as pa

    return pa.types.is_string(t) or pa.types.is_large_string(t)


def _kind(t) -> str:
    """An Arrow type's kind of column for playground_runtime.summary_rows."""
    import pyarrow as pa

    if _is_text(t):
        return playground_runtime.TEXT
    if pa.types.is_dictionary(t):
        return playground_runtime.CATEGORY
    if pa.types.is_integer(t) or pa.types.is_floating(t):
        return playground_runtime.NUMBER
    return playground_runtime.OTHER


def summary_rows(table) -> list[tuple[str, str]]:
    """The table's trailing summary rows, top to bottom, as (label, what), or []: the one
    rule of playground_runtime.summary_rows (the bundle's predict.py leaves out the same
    rows), told the Arrow table's columns."""
    def row(at: int) -> list:
        return [c[0].as_py() for c in table.slice(at, 1).columns]

    def numbers(i: int, n: int):
        return table.column(i).slice(0, n).to_numpy(zero_copy_only=False).astype("float64")

    return playground_runtime.summary_rows([_kind(f.type) for f in table.schema], table.num_rows, row, numbers)


def drop_totals_row(table, reading: Reading):
    """Trailing summary rows (summary_rows: a totals row, a means row, or both) leave the
    table, with a notice naming each one and the last one's line."""
    found = summary_rows(table)
    if not found:
        return table
    where = (f"line {reading.last_line}" if reading.format != "excel" else f"sheet row {reading.last_line}") \
        if reading.last_line else None
    reading.notice(playground_runtime.summary_rows_notice(found, where))
    return table.slice(0, table.num_rows - len(found))
