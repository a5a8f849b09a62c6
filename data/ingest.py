"""Turning a user's file into a dataset: sized from its metadata before it is decoded,
parsed once (pyarrow), written as Parquet, profiled, and committed with its database row.

The parsing and profiling run outside the web process, in a helper process kept warm by
`IngestService` (it is restarted when it grows, so memory goes back to the system); the
web process only streams the upload to a file and commits the result.

Nothing is half-written: the Parquet file is written under a temporary name and renamed
in the same transaction that inserts the row (data.store.Store.commit_dataset); start-up
removes whatever a killed upload left (`clean_leftovers`).
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import os
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path

from data.charts import column_charts
from data.datasets import DatasetError
from plugins.tables import parse_iso_dates, plain_dtypes, profile

FORMATS = {".csv": "csv", ".tsv": "tsv", ".txt": "csv", ".parquet": "parquet", ".pq": "parquet"}
TMP_PREFIX = ".upload-"


@dataclass(frozen=True)
class Limits:
    max_bytes: int
    max_columns: int = 2000
    max_cells: int = 50_000_000  # rows x columns

    def check(self, rows: int, cols: int, about: bool = False) -> None:

        if cols > self.max_columns:
            raise DatasetError(f"The file has {cols:,} columns; at most {self.max_columns:,} are supported.")
        if rows * cols > self.max_cells:
            what = "about " if about else ""
            raise DatasetError(f"The file has {what}{rows:,} rows x {cols:,} columns = {rows * cols:,} cells; the limit is "
                               f"{self.max_cells:,} cells (PLAYGROUND_MAX_CELLS).")


def ingest_bytes(raw: bytes, filename: str, dest_dir: Path, max_bytes: int, max_columns: int = 2000) -> dict:
    """Ingest bytes in this process (tests, scripts): the Parquet file is put in place at
    once, without a database row."""
    dest_dir = Path(dest_dir)
    dest_dir.mkdir(parents=True, exist_ok=True)
    fd, src = tempfile.mkstemp(dir=dest_dir, prefix=".upload-raw-")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(raw)
        record = ingest_path(src, filename, dest_dir, Limits(max_bytes=max_bytes, max_columns=max_columns))
    finally:
        Path(src).unlink(missing_ok=True)
    os.replace(record.pop("tmp_path"), record["path"])
    return record


# --------------------------------------------------------------------------- in the helper process
def ingest_path(src: str | Path, filename: str, dest_dir: str | Path, limits: Limits, digest: str | None = None) -> dict:
    """Validate and convert the uploaded file at `src`. Returns the dataset record with
    `tmp_path`, the Parquet file written under a temporary name in `dest_dir` (the caller
    commits it). Raises DatasetError with a sentence; leaves nothing behind on error."""

    src, dest_dir = Path(src), Path(dest_dir)
    filename = Path(filename or "upload.csv").name
    ext = Path(filename).suffix.lower()
    if ext not in FORMATS:
        raise DatasetError(f"Files ending in {ext or '(nothing)'} are not supported; upload CSV, TSV or Parquet.")
    size = src.stat().st_size
    if size == 0:
        raise DatasetError("The file is empty.")
    if size > limits.max_bytes:
        raise DatasetError(f"The file is {size / 2**20:.1f} MB; the limit is {limits.max_bytes / 2**20:.0f} MB "
                           "(PLAYGROUND_MAX_UPLOAD_MB).")
    fmt = FORMATS[ext]
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(1) as hasher:  # the content hash (the dataset's id) beside the parse
        hashed = hasher.submit(_sha256, src) if digest is None else None
        table = _read_parquet(src, limits) if fmt == "parquet" else _read_text(src, fmt, limits)
        digest = digest or hashed.result()
    df, table = _to_frame(table)
    dataset_id = "ds_" + digest[:12]
    dest_dir.mkdir(parents=True, exist_ok=True)
    tmp = dest_dir / f"{TMP_PREFIX}{dataset_id}-{os.getpid()}.parquet"
    try:  # the Parquet write and the distinct counts run side by side (both mostly off the GIL)
        with ThreadPoolExecutor(2) as pool:
            written = pool.submit(_write_parquet, table, tmp)
            counts = _column_counts(df, table, pool)
            prof = profile(df, counts=counts)
            charts = column_charts(df, prof["columns"])
            written.result()
    except Exception:
        tmp.unlink(missing_ok=True)
        raise
    return {"id": dataset_id, "name": Path(filename).stem, "filename": filename, "format": fmt,
            "content_hash": digest, "tmp_path": str(tmp), "path": str(dest_dir / f"{dataset_id}.parquet"),
            "n_rows": prof["n_rows"], "n_cols": prof["n_cols"], "size_bytes": size, "profile": prof, "charts": charts,
            "source": "upload", "problem_type": prof["suggested_problem_type"], "target": prof["suggested_target"]}


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _read_parquet(path: Path, limits: Limits):
    """Parquet: rows, columns and types from the footer, before any data is read."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    with open(path, "rb") as f:
        if f.read(4) != b"PAR1":
            raise DatasetError("This is not a Parquet file (it does not start with the Parquet signature).")
    try:
        meta = pq.ParquetFile(path)
        schema = meta.schema_arrow
        rows, cols = meta.metadata.num_rows, meta.metadata.num_columns
    except Exception:  # pyarrow's own words mean nothing to a person
        raise DatasetError("The Parquet file cannot be read: it is damaged, cut short, or not Parquet.") from None
    if len(schema) == 0:
        raise DatasetError("The Parquet file has no columns.")
    limits.check(rows, len(schema))
    if rows == 0:
        raise DatasetError("The Parquet file has no rows.")
    names = [f.name for f in schema]
    dup = next((n for n in names if names.count(n) > 1), None)
    if dup is not None:
        raise DatasetError(f"Column {dup!r} appears twice.")
    for field in schema:
        t = field.type
        if pa.types.is_list(t) or pa.types.is_large_list(t) or pa.types.is_struct(t) or pa.types.is_map(t) \
                or getattr(pa.types, "is_fixed_size_list", lambda _: False)(t):
            raise DatasetError(f"Column {field.name!r} holds nested values ({t}); upload flat columns of numbers, "
                               "text or dates.")
        if pa.types.is_binary(t) or pa.types.is_large_binary(t) or pa.types.is_fixed_size_binary(t):
            raise DatasetError(f"Column {field.name!r} holds raw bytes; upload it as text or numbers.")
    del cols
    try:
        table = pq.read_table(path)
    except Exception:
        raise DatasetError("The Parquet file cannot be read: it is damaged, cut short, or not Parquet.") from None
    return _flatten_types(table)


def _flatten_types(table):
    """Types the profile and the models take: decimals as floats, times of day and
    durations as text and seconds, dictionaries as their values."""
    import pyarrow as pa
    import pyarrow.compute as pc

    columns = []
    for i, field in enumerate(table.schema):
        col, t = table.column(i), field.type
        if pa.types.is_decimal(t):
            col = pc.cast(col, pa.float64())
        elif pa.types.is_time(t):
            col = pc.replace_substring_regex(pc.cast(col, pa.string()), r"\.0+$", "")
        elif pa.types.is_duration(t):
            col = pc.divide(pc.cast(pc.cast(col, pa.duration("ns")), pa.int64()), 1e9)
        elif pa.types.is_dictionary(t):
            col = pc.cast(col, t.value_type)
        columns.append(col)
    return pa.table(columns, names=table.column_names)


NOT_A_TABLE = ("This file does not look like a table: its first line reads as a sentence, not as column names "
               "separated by commas, semicolons, tabs or |. Upload a CSV, TSV or Parquet file whose first line "
               "names the columns.")


def _sniff(sample: str, fmt: str) -> str:
    if fmt == "tsv":
        return "\t"
    try:
        return csv.Sniffer().sniff(sample, delimiters=",;\t|").delimiter
    except csv.Error:
        first = sample.split("\n", 1)[0]
        return max(",;\t|", key=first.count) if any(d in first for d in ",;\t|") else ","


def _check_utf8(path: Path) -> None:

    decoder = codecs.getincrementaldecoder("utf-8")()
    offset, lines = 0, 0
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            try:
                decoder.decode(chunk)
            except UnicodeDecodeError as e:
                at = offset + e.start
                line = lines + chunk[: e.start].count(b"\n") + 1
                raise DatasetError(f"The file is not UTF-8 text: byte {at} (line {line}) cannot be decoded. "
                                   "Save it as UTF-8 and upload it again.") from None
            offset += len(chunk)
            lines += chunk.count(b"\n")


def _read_text(path: Path, fmt: str, limits: Limits):
    """CSV/TSV: the header and a line count size the file before it is parsed; then one
    pyarrow parse (ISO dates and timestamps become dates, numbers numbers)."""
    import pyarrow as pa
    import pyarrow.csv as pacsv

    with open(path, "rb") as f:
        head = f.read(1 << 16)
    if b"\x00" in head[:8192]:
        raise DatasetError("This file looks binary, not text; upload a CSV, TSV or Parquet file.")
    text = head.decode("utf-8", "ignore").lstrip("\ufeff")
    if not text.strip():
        raise DatasetError("The file is empty.")
    delimiter = _sniff(text[:20000], fmt)
    try:
        header = next(csv.reader([text.split("\n", 1)[0].rstrip("\r")], delimiter=delimiter))
    except (csv.Error, StopIteration):
        raise DatasetError("The first line (the header) cannot be read.") from None
    header = [h.strip() for h in header]
    if not any(header):
        raise DatasetError("The first line (the header) is empty.")
    prose = len(header) <= 3 and any(len(h.split()) > 6 or len(h) > 60 for h in header)
    if prose and len(header) == 1:
        raise DatasetError(NOT_A_TABLE)
    empty = [i + 1 for i, h in enumerate(header) if not h]
    if empty:
        raise DatasetError(f"Column {empty[0]} has no name in the header.")
    dup = next((h for i, h in enumerate(header) if h in header[:i]), None)
    if dup is not None:
        raise DatasetError(f"Column {dup!r} appears twice in the header.")
    # rows from the size and the first lines' length: sized before a single value is parsed
    sample_lines = max(1, head.count(b"\n"))
    rows = int(path.stat().st_size / (len(head) / sample_lines)) if len(head) == (1 << 16) else sample_lines
    limits.check(max(0, rows - 1), len(header), about=True)
    bad = {}

    def on_invalid(row):
        bad.setdefault("row", row)
        return "error"

    def parse(newlines_in_values: bool):
        return pacsv.read_csv(
            path, read_options=pacsv.ReadOptions(column_names=header, skip_rows=1, block_size=1 << 22),
            parse_options=pacsv.ParseOptions(delimiter=delimiter, newlines_in_values=newlines_in_values,
                                             invalid_row_handler=on_invalid),
            convert_options=pacsv.ConvertOptions(strings_can_be_null=True))

    try:
        try:  # the fast, parallel parse; a quoted value with a line break needs the careful one
            table = parse(False)
        except pa.ArrowInvalid:
            bad.clear()
            table = parse(True)
    except pa.ArrowInvalid as e:
        found = _first_ragged_line(path, delimiter, len(header)) if bad else None
        if found and prose:
            raise DatasetError(NOT_A_TABLE) from None
        if found:
            line, fields = found
            raise DatasetError(f"Line {line} has {fields} fields but the header has {len(header)}.") from None
        raise DatasetError(f"The file cannot be parsed as {fmt.upper()}: {str(e).split(':', 1)[-1].strip()[:120]}.") \
            from None
    if table.num_rows == 0:
        raise DatasetError("The file has a header but no data rows.")
    if any(pa.types.is_binary(f.type) for f in table.schema):  # pyarrow keeps bytes that are not UTF-8
        _check_utf8(path)
    if delimiter != ",":
        table = _decimal_commas(table)
    return table


# "1.234,5" / "-0,25": numbers written with a decimal comma (and dots between thousands),
# as spreadsheets in much of Europe save them, with ";" between columns
DECIMAL_COMMA = r"^\s*[-+]?(\d{1,3}(\.\d{3})+|\d+)(,\d+)?\s*$"


def _decimal_commas(table):
    """Text columns whose every value is a decimal-comma number (at least one with a comma)
    become numbers."""
    import pyarrow as pa
    import pyarrow.compute as pc

    columns = []
    for col in table.columns:
        if pa.types.is_string(col.type) or pa.types.is_large_string(col.type):
            values = col.drop_null()
            if len(values) and pc.all(pc.match_substring_regex(values, DECIMAL_COMMA)).as_py() \
                    and pc.any(pc.match_substring(values, ",")).as_py():
                text = pc.replace_substring(pc.replace_substring(pc.utf8_trim_whitespace(col), ".", ""), ",", ".")
                col = pc.cast(text, pa.float64())
        columns.append(col)
    return pa.table(columns, names=table.column_names)


def _first_ragged_line(path: Path, delimiter: str, n_cols: int):
    """Only when the parse failed: the first line whose field count differs, for the message
    (pyarrow's fast parser does not know line numbers)."""
    with open(path, newline="", encoding="utf-8-sig", errors="replace") as f:
        reader = csv.reader(f, delimiter=delimiter)
        next(reader, None)
        for row in reader:
            if row and not (len(row) == 1 and not row[0].strip()) and len(row) != n_cols:
                return reader.line_num, len(row)
    return None


def _to_frame(table):
    """The frame the profile reads, and the Arrow table to store: the same columns, with
    whatever the frame changed (dates found in text, dtypes made plain) carried back."""
    import pyarrow as pa

    df = table.to_pandas(date_as_object=False)
    df.columns = [str(c) for c in df.columns]
    before = df.dtypes.copy()
    df = parse_iso_dates(plain_dtypes(df))
    columns = []
    for i, name in enumerate(df.columns):
        t = table.schema.field(i).type
        if df[name].dtype != before[name] or pa.types.is_date(t):  # dates are stored as timestamps
            columns.append(pa.Array.from_pandas(df[name]))
        else:
            columns.append(table.column(i))
    return df, pa.table(columns, names=list(df.columns))


def _column_counts(df, table, pool) -> dict:
    """Missing values per column (Arrow already knows them) and distinct values (pandas'
    hash tables, measured faster than Arrow's here), counted in parallel."""
    def count(i):
        name = table.column_names[i]
        return name, {"missing": table.column(i).null_count, "unique": int(df[name].nunique())}

    return dict(pool.map(count, range(table.num_columns)))


def _write_parquet(table, path: Path) -> None:
    import pyarrow.parquet as pq

    try:
        pq.write_table(table, path)
    except Exception as e:
        Path(path).unlink(missing_ok=True)
        raise DatasetError(f"The data cannot be stored as Parquet ({type(e).__name__}).") from None


def clean_leftovers(dest_dir: str | Path, known_ids) -> list[str]:
    """Start-up: remove temporary files of uploads that were killed, and Parquet files that
    no dataset row owns. Returns what was removed."""
    dest_dir = Path(dest_dir)
    removed = []
    if not dest_dir.exists():
        return removed
    known = set(known_ids)
    for f in dest_dir.iterdir():
        if f.name.startswith(TMP_PREFIX) or (f.suffix == ".parquet" and f.stem not in known):
            f.unlink(missing_ok=True)
            removed.append(f.name)
    return removed


# --------------------------------------------------------------------------- the helper process
def _die_with_parent() -> None:
    try:
        import ctypes
        import signal

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, int(signal.SIGKILL))  # PR_SET_PDEATHSIG
    except OSError:
        pass


def _resident() -> int:
    import gc

    gc.collect()
    try:
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except OSError:
        return 0


def _serve(conn) -> None:
    """The helper's loop: one upload at a time, answered with the record or the refusal."""
    import pandas  # noqa: F401 - loaded before the first upload, not during it
    import pyarrow as pa
    import pyarrow.csv  # noqa: F401
    import pyarrow.parquet  # noqa: F401

    # Arrow's allocator asks the system for memory the first time it needs a lot, which
    # made the first large parse of each helper twice as slow (measured: 1.36 s vs 0.54 s
    # for 1M rows). Reserving address space now (untouched: no resident memory) avoids it.
    reserved = pa.allocate_buffer(1 << 30)
    del reserved

    while True:
        try:
            request = conn.recv()
        except EOFError:
            return
        try:
            record = ingest_path(**request)
            reply = {"ok": record}
        except DatasetError as e:
            reply = {"error": str(e)}
        except MemoryError:
            reply = {"error": "The file is too large to convert with the memory available."}
        except Exception as e:  # a bug: say so without library internals
            reply = {"error": f"The file could not be converted ({type(e).__name__})."}
        reply["rss"] = _resident()  # what it keeps after the upload, not its peak
        conn.send(reply)


class IngestService:
    """A warm helper process that converts uploads, one at a time, outside the web process.
    It is started on first use and restarted when it has grown past `recycle_bytes` (so
    the memory of a large upload goes back to the system) or died."""

    def __init__(self, recycle_bytes: int = 400 * 2**20):
        self.recycle_bytes = recycle_bytes
        self._lock = threading.Lock()
        self._proc = self._conn = None

    def _start(self):
        """`python -m data.ingest FD`: a fresh interpreter (no threads or sockets of the web
        process, none of its modules), talking over a socket pair; it dies with the web."""
        import socket
        import subprocess
        import sys
        from multiprocessing.connection import Connection

        parent, child = socket.socketpair()
        root = Path(__file__).resolve().parent.parent
        self._proc = subprocess.Popen([sys.executable, "-m", "data.ingest", str(child.fileno())], cwd=root,
                                      pass_fds=(child.fileno(),), preexec_fn=_die_with_parent)
        child.close()
        self._conn = Connection(parent.detach())

    def warm(self) -> None:
        with self._lock:
            if self._proc is None or self._proc.poll() is not None:
                self._start()

    def ingest(self, **request) -> dict:

        with self._lock:
            if self._proc is None or self._proc.poll() is not None:
                self._start()
            try:
                self._conn.send(request)
                reply = self._conn.recv()
            except (EOFError, OSError, BrokenPipeError):
                self._stop()
                raise DatasetError("The file could not be converted: the converting process stopped (too large for "
                                   "the memory available?).") from None
            if reply.get("rss", 0) > self.recycle_bytes:  # it kept a large upload's memory:
                self._stop()  # a fresh helper gives it back to the system, and warms up now
                self._start()
        if "error" in reply:
            raise DatasetError(reply["error"])
        return reply["ok"]

    def _stop(self):
        if self._proc is not None:
            self._proc.kill()
            self._proc.wait(5)
        if self._conn is not None:
            self._conn.close()
        self._proc = self._conn = None

    def close(self):
        with self._lock:
            self._stop()


if __name__ == "__main__":
    import sys
    from multiprocessing.connection import Connection

    os.umask(0o077)
    _serve(Connection(int(sys.argv[1])))
